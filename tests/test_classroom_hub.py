"""The classroom for real: `course.py classroom` with 3 students on a real JupyterHub, then `course.py grade`.

One hub for the whole module (starting it is the slow part), used in order, as a class would: the students log in
through the hub's login form and REST API, start their servers at once, cannot reach each other's work, the
instructor's files or each other's dashboards, run notebook 01 in three kernels at once; a server that dies is seen
and restarted; the instructor grades (interrupted halfway, then resumed); one Ctrl+C stops everything. The Unix users,
their group and the folders are made with a random prefix and removed at the end, even after a failure.
It needs root (it creates Unix users); CI runs as root.
"""

import csv
import json
import os
import random
import re
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import psutil
import pytest

from tools import student_version as sv
from tools.classroom import passwords, results, users
from tools.classroom.client import Hub, HubError, Kernel
from utils.ports import free_port, port_is_free

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "ct" + "".join(random.choices(string.ascii_lowercase, k=5))
A, B, C = (f"{PREFIX}{x}" for x in "abc")
TEACHER, GROUP = f"{PREFIX}t", f"{PREFIX}g"
NB01, NB02 = "01_raw_tensors.ipynb", "02_autograd.ipynb"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root: it creates Unix users (CI runs as root)")


class Classroom:
    """`python3 course.py classroom` running in the background, its output collected line by line."""

    def __init__(self, base):
        self.base, self.port, self.lines = base, free_port(), []
        self.folder, self.homes = base / "state", base / "home"
        roster = base / "class.csv"
        roster.write_text(f'username,display name\n{A},Ada A\n{B},"Lee, Bob"\n{C},Cy C\n')
        cmd = [sys.executable, "course.py", "classroom", "--roster", roster, "--port", self.port]
        cmd += ["--folder", self.folder, "--home-base", self.homes, "--group", GROUP, "--instructor", TEACHER]
        cmd += ["--memory-limit", "3G"]
        self.proc = subprocess.Popen(
            [str(c) for c in cmd], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
        )
        threading.Thread(target=self._read, daemon=True).start()
        self.hub = Hub(self.port)

    def _read(self):
        for line in iter(self.proc.stdout.readline, b""):
            self.lines.append(line.decode(errors="replace"))

    def output(self):
        return "".join(self.lines)

    def wait_for(self, pattern, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if re.search(pattern, self.output()):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"no {pattern!r} within {seconds} s; output:\n{self.output()}")

    def password(self, name):
        return passwords.read_handout(self.folder / "passwords.csv")[name][1]

    def uids(self):
        return {users.account(n).pw_uid for n in (A, B, C, TEACHER) if users.account(n)}


def open_the_way(folder):
    """Returns {folder: mode} for each parent of `folder` that other users could not pass through (no x for others),
    after giving it search permission (o+x: pass through, not list). A clone under /root (mode 0700) is the case:
    a real class runs from a shared folder such as /opt (the README says so), but CI may clone anywhere, and the
    students' servers must reach the course's Python and utils/. The test gives the modes back afterwards."""
    opened = {}
    for parent in [folder, *folder.parents]:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            opened[parent] = mode
            parent.chmod(mode | 0o001)
    return opened


@pytest.fixture(scope="module")
def room():
    base = Path(tempfile.mkdtemp(prefix="classroom-test-"))
    base.chmod(0o755)  # the homes are inside: students must pass through
    # The classroom closes most of the course folder to other users; the test gives the modes back afterwards.
    modes = {path: path.stat().st_mode for path in ROOT.iterdir() if not path.is_symlink()}
    modes.update(open_the_way(ROOT))
    room = Classroom(base)
    try:
        room.wait_for(r"JupyterHub: http://127\.0\.0\.1:\d+/ for 3 students", 180)
        room.tokens = {}
        yield room
    finally:
        if room.proc.poll() is None:
            os.killpg(room.proc.pid, signal.SIGINT)
            try:
                room.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                room.proc.kill()
        users.kill_processes_of(room.uids())
        for name in (A, B, C, TEACHER):
            users.remove_user(name, GROUP)
        users.remove_group(GROUP)
        shutil.rmtree(base, ignore_errors=True)
        for path, mode in modes.items():
            if path.exists() and path.stat().st_mode != mode:
                path.chmod(mode)


def test_students_log_in_with_their_own_password_only_and_the_instructor_is_admin(room):
    hub = room.hub
    with pytest.raises(HubError, match="login refused"):
        hub.login(A, room.password(B))
    with pytest.raises(HubError, match="login refused"):
        hub.login("nobody", "x")
    for name in (A, B, C, TEACHER):
        room.tokens[name] = hub.login(name, room.password(name))
    assert hub.api("GET", "/users", room.tokens[TEACHER]).status_code == 200
    assert hub.api("GET", "/users", room.tokens[A]).status_code == 403  # a student cannot list the class
    assert hub.api("POST", f"/users/{B}/server", room.tokens[A]).status_code in (403, 404)
    assert "password" not in " ".join(p.cmdline().__str__() for p in users.processes_of(room.uids()))


def test_each_student_gets_a_server_of_their_own_as_their_own_user_on_loopback(room):
    hub, tokens = room.hub, room.tokens

    def start(name):
        hub.start_server(name, tokens[name])
        return hub.wait_ready(name, tokens[name], seconds=180)

    with ThreadPoolExecutor(3) as pool:
        list(pool.map(start, (A, B, C)))
    for name in (A, B, C):
        uid = users.account(name).pw_uid
        procs = users.processes_of({uid})
        assert any("jupyterhub.singleuser" in " ".join(p.cmdline()) for p in procs), name
        listening = {c.laddr.ip for p in procs for c in p.net_connections("inet") if c.status == "LISTEN"}
        assert listening == {"127.0.0.1"}, f"{name}'s servers listen on {listening}"
        listing = hub.user_api("GET", name, "/contents/notebooks", tokens[name]).json()
        assert {NB01, NB02} <= {item["name"] for item in listing["content"]}
    other = hub.user_api("GET", B, "/contents/notebooks", tokens[A])
    assert other.status_code in (403, 404), "A's token opens B's server"


def test_a_student_cannot_reach_another_students_work_or_the_instructors_files(room):
    b_home, teacher_home = room.homes / B, room.homes / TEACHER
    targets = {
        "read B's notebook": f"open({str(b_home / 'notebooks' / NB01)!r}).read()",
        "write into B's notebooks": f"open({str(b_home / 'notebooks' / 'x.py')!r}, 'w')",
        "list the instructor's home": f"import os; os.listdir({str(teacher_home)!r})",
        "read the solutions": f"open({str(ROOT / 'solutions' / NB01)!r}).read()",
        "read the git history": f"open({str(ROOT / '.git' / 'HEAD')!r}).read()",
        "read the passwords": f"open({str(room.folder / 'passwords.csv')!r}).read()",
    }
    with Kernel(room.hub, A, room.tokens[A]) as kernel:
        assert kernel.execute("import os; print(os.getuid())").text.strip() == str(users.account(A).pw_uid)
        for what, code in targets.items():
            reply = kernel.execute(code)
            assert reply.ename == "PermissionError", f"student A could {what}: {reply}"
        own = kernel.execute(f"open({str(room.homes / A / 'notebooks' / NB01)!r}).read()[:1]")
        assert own.status == "ok", own


CLIENT = (  # as notebook 08's make_client: the port and the login come from the environment
    "lambda port: visdom.Visdom(server='http://127.0.0.1', port=port, env='course_08', raise_exceptions=True, "
    "use_incoming_socket=False, username=os.environ.get('VISDOM_USERNAME'), "
    "password=os.environ.get('VISDOM_PASSWORD'))"
)
VISDOM = f"import os, visdom\nport = int(os.environ['COURSE_VISDOM_PORT'])\nvis = ({CLIENT})(port)\nprint(port)"
READ_BACK = (
    "import json\nprint(json.loads(vis.get_window_data(win='loss', env='course_08'))['content']['data'][0]['y'])"
)


def test_each_students_dashboard_is_their_own(room):
    with Kernel(room.hub, A, room.tokens[A]) as a, Kernel(room.hub, B, room.tokens[B]) as b:
        port = a.execute(VISDOM).text.strip().splitlines()[-1]  # (after visdom's own chatter)
        assert port.isdigit(), port
        assert a.execute("print(vis.line(Y=[3.0, 2.0], X=[0, 1], win='loss'))").text.strip() == "loss"
        assert a.execute(READ_BACK).text.strip() in ("[3.0, 2.0]", "[3, 2]")
        b_port = b.execute(VISDOM).text.strip().splitlines()[-1]
        assert b_port.isdigit() and b_port != port, "A and B share a Visdom server"
        # B reaches A's port but not A's plots: the login page, and A's data refused with B's own credentials
        page = b.execute(f"import requests; print(requests.get('http://127.0.0.1:{port}/', timeout=5).text)")
        assert "Visdom Login" in page.text, page
        steal = b.execute(f"v = ({CLIENT})({port})\nprint(v.get_window_data(win='loss', env='course_08'))")
        assert steal.ename == "RuntimeError" and "Authentication failed" in steal.evalue, steal
        # and cannot read the password from A's processes
        uid = users.account(A).pw_uid
        a_pid = next(p.pid for p in users.processes_of({uid}) if "dashboard" in " ".join(p.cmdline()))
        assert b.execute(f"open('/proc/{a_pid}/environ').read()").ename == "PermissionError"
        assert b.execute(READ_BACK).status == "error"  # B's own dashboard has no window 'loss'


def notebooks_for_the_class():
    """Returns {student: notebook 01 as they saved it}: A did every exercise, B only the first (and deleted exercise
    3's cells), C never opened it."""
    solution = nbformat.read(ROOT / "solutions" / NB01, as_version=4)
    total = len(sv.exercise_numbers(solution))
    full = sv.student_notebook(solution, filled=range(1, total + 1), name=NB01)
    partial = sv.student_notebook(solution, filled=[1], name=NB01)
    partial.cells = [c for c in partial.cells if c.metadata.get("course", {}).get("exercise") != 3]
    return {A: full, B: partial, C: nbformat.read(ROOT / "notebooks" / NB01, as_version=4)}


def run_all(room, name, nb):
    """Returns (seconds, replies) of running every code cell of `nb` in a new kernel of `name`'s server."""
    start = time.monotonic()
    with Kernel(room.hub, name, room.tokens[name]) as kernel:
        replies = [kernel.execute(cell.source) for cell in nb.cells if cell.cell_type == "code"]
    return time.monotonic() - start, replies


def test_notebook_01_runs_in_three_students_kernels_at_once(room):
    class_notebooks = notebooks_for_the_class()
    for name in (A, B):  # saved through the server, as JupyterLab saves
        body = {"type": "notebook", "format": "json", "content": class_notebooks[name]}
        saved = room.hub.user_api("PUT", name, f"/contents/notebooks/{NB01}", room.tokens[name], json=body)
        assert saved.status_code == 200, saved.text
    with ThreadPoolExecutor(3) as pool:
        runs = dict(zip((A, B, C), pool.map(lambda n: run_all(room, n, class_notebooks[n]), (A, B, C))))
    code_cells = sum(1 for c in class_notebooks[A].cells if c.cell_type == "code")
    assert len(runs[A][1]) == code_cells and all(r.status == "ok" for r in runs[A][1]), runs[A][1]
    assert sum("check passed" in r.text for r in runs[A][1]) >= 3
    assert "Exercise 2 is not done yet" in "".join(r.evalue for r in runs[B][1])
    assert "Exercise 1 is not done yet" in "".join(r.evalue for r in runs[C][1])
    print({name: f"{seconds:.1f} s" for name, (seconds, _) in runs.items()})


def singleuser_pid(name):
    uid = users.account(name).pw_uid
    return next(p.pid for p in users.processes_of({uid}) if "jupyterhub.singleuser" in " ".join(p.cmdline()))


def test_a_students_server_that_dies_is_reported_and_restarts_with_their_work(room):
    os.kill(singleuser_pid(C), signal.SIGKILL)
    deadline = time.monotonic() + 40
    while room.hub.server(C, room.tokens[TEACHER]) is not None:
        assert time.monotonic() < deadline, "the hub still shows C's dead server after 40 s"
        time.sleep(0.5)
    room.wait_for(rf"\[classroom\] {C}'s server stopped \(exit \d+\): their work is saved", 10)
    room.hub.start_server(C, room.tokens[C])
    room.hub.wait_ready(C, room.tokens[C])
    listing = room.hub.user_api("GET", C, "/contents/notebooks", room.tokens[C]).json()["content"]
    assert NB01 in {item["name"] for item in listing}


def grade(room, *extra):
    cmd = [sys.executable, "course.py", "grade", "--folder", room.folder, "--notebooks", "01", "02", *extra]
    return subprocess.Popen(
        [str(c) for c in cmd], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )


def test_grading_runs_each_notebook_as_its_student_and_resumes_after_ctrl_c(room):
    broken = {"type": "file", "format": "text", "content": '{"cells": [ broken'}  # C's 02 is not a notebook any more
    saved = room.hub.user_api("PUT", C, f"/contents/notebooks/{NB02}", room.tokens[C], json=broken)
    assert saved.status_code == 200, saved.text
    options = ["--jobs", "2", "--memory-limit", "3G"]  # (time and memory limits: tests/test_classroom.py)
    first = grade(room, *options)
    runs = room.folder / "grading"
    deadline = time.monotonic() + 120
    while not list(runs.glob("*/results/*/*.json")):  # a first notebook graded: now Ctrl+C
        assert first.poll() is None and time.monotonic() < deadline, first.stdout.read().decode()
        time.sleep(0.1)
    os.killpg(first.pid, signal.SIGINT)
    out = first.communicate(timeout=60)[0].decode()
    assert first.returncode == 130 and "interrupted" in out and "to resume" in out, out
    kept = len(list(runs.glob("*/results/*/*.json")))
    assert 1 <= kept < 6, out
    second = grade(room, *options)
    out = second.communicate(timeout=300)[0].decode()
    assert second.returncode == 0, out
    assert "resuming" in out and f"{kept} of 6 notebooks were graded already" in out, out
    run_dir = runs / (runs / "latest").read_text().strip()
    rows = list(csv.DictReader((run_dir / "grades.csv").open()))
    keys = [(r["student"], r["notebook"], r["exercise"]) for r in rows]
    exercises = sum(len(results.exercises(nbformat.read(ROOT / "notebooks" / n, 4))) for n in (NB01, NB02))
    assert len(keys) == len(set(keys)) == 3 * exercises, keys  # every exercise of both notebooks once per student
    grades = {(r["student"], r["notebook"][:2], r["exercise"]): (r["passed"], r["message"]) for r in rows}
    assert all(grades[A, "01", k][0] == "yes" for k in "123"), grades
    assert grades[B, "01", "1"][0] == "yes" and grades[B, "01", "1"][1].startswith("check passed")
    assert "Exercise 2 is not done yet" in grades[B, "01", "2"][1]
    assert "exercise 3's cells are missing" in grades[B, "01", "3"][1]
    assert grades[C, "01", "1"] == ("no", "never opened: the notebook is exactly as handed out")
    assert grades[C, "02", "1"][1].startswith("corrupt: the file is not a readable notebook")
    assert grades[A, "02", "2"][1].startswith("never opened")
    for name in (A, B):  # run as the student: the runner reports its user
        how = json.loads((run_dir / "results" / name / "01_raw_tensors.json").read_text())["how"]
        assert how.startswith(f"run as {name} in"), how
    assert "Lee, Bob" in (run_dir / "feedback" / f"{B}.md").read_text()
    assert "## 01_raw_tensors: 1 of 3 exercises passed" in (run_dir / "feedback" / f"{B}.md").read_text()


def test_one_ctrl_c_stops_the_hub_its_proxy_and_every_students_server(room):
    proxy = int((room.folder / "hub" / "proxy.pid").read_text())
    assert users.processes_of(room.uids()) and psutil.pid_exists(proxy)
    start = time.monotonic()
    os.killpg(room.proc.pid, signal.SIGINT)  # what the terminal's Ctrl+C does
    room.proc.wait(timeout=60)
    assert room.proc.returncode == 0, room.output()
    assert (
        room.output()
        .rstrip()
        .endswith("[classroom] stopping the hub, its proxy and every student's server ... stopped.")
    )
    assert time.monotonic() - start < 30
    assert not users.processes_of(room.uids()) and not psutil.pid_exists(proxy)
    assert port_is_free(room.port)  # nothing listens: the hub can start again at once
