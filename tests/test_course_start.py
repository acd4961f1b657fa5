"""`python3 course.py start` for real: one Ctrl+C stops everything cleanly, saves never touch the repository,
and JupyterLab opens without the news pop-up.

Each test runs the course with its own Jupyter runtime, config and data folders, working copy and Visdom folder
under tmp_path, so what is left behind is this run's only.
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

import psutil
import pytest

import course
from tests import browser, nbrun
from tests.nbrun import ROOT
from utils.ports import free_port

TOKEN = "course-start-test-token"
STOP_SECONDS = 10  # what a person waits after Ctrl+C, at most
CHROMIUM = browser.chromium()


class Course:
    """A running `course.py start`, its output collected by a thread, in a pseudo-terminal or through a pipe."""

    def __init__(self, tmp_path, terminal=False, args=()):
        self.port, self.tmp = free_port(), tmp_path
        self.runtime_dir, self.work = tmp_path / "jupyter-runtime", tmp_path / "work"
        env = dict(
            os.environ,
            NO_PROXY="127.0.0.1,localhost",
            JUPYTER_RUNTIME_DIR=str(self.runtime_dir),
            JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),
            JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"),
            COURSE_WORK_DIR=str(self.work),
            COURSE_VISDOM_ENV_PATH=str(tmp_path / "visdom"),
            COURSE_VISDOM_PORT=str(free_port()),  # never 8097, where another test's notebook 08 may look
        )
        cmd = [
            sys.executable,
            str(ROOT / "course.py"),
            "start",
            "--no-browser",
            f"--ServerApp.port={self.port}",
            f"--IdentityProvider.token={TOKEN}",
            *args,
        ]
        self.output, self.terminal, self.tree = bytearray(), terminal, []
        if terminal:
            # The course is the session leader of a new pseudo-terminal, which becomes its controlling terminal:
            # b"\x03" written to the master is then a Ctrl+C typed by a person, sent by the line discipline to
            # the terminal's foreground process group.
            import fcntl
            import termios

            self.master, slave = os.openpty()
            self.proc = subprocess.Popen(
                cmd,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=env,
                start_new_session=True,
                preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
            )
            os.close(slave)
            reader = self._read_terminal
        else:
            self.proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
            reader = self._read_pipe
        self.reader = threading.Thread(target=reader, daemon=True)
        self.reader.start()

    def _read_terminal(self):
        while True:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # EIO: every process holding the terminal has closed it
                return
            if not chunk:
                return
            self.output += chunk

    def _read_pipe(self):
        for chunk in iter(lambda: self.proc.stdout.read1(4096), b""):
            self.output += chunk

    def text(self):
        return self.output.decode(errors="replace").replace("\r\n", "\n")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def api(self, method, path, body=None):
        request = urllib.request.Request(
            self.url(path),
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
            return json.loads(text) if text else None

    def wait_until_serving(self, seconds=90):
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                return self.api("GET", "/api/status")
            except OSError:
                assert self.proc.poll() is None, f"course.py ended early:\n{self.text()}"
                time.sleep(0.3)
        pytest.fail(f"JupyterLab did not answer within {seconds} s:\n{self.text()}")

    def start_kernel(self, path=None):
        """Starts a kernel (for `path`, a notebook, through a session, as JupyterLab does); waits until it runs."""
        if path:
            kernel = self.api(
                "POST", "/api/sessions", {"path": path, "type": "notebook", "name": "", "kernel": {"name": "python3"}}
            )["kernel"]
        else:
            kernel = self.api("POST", "/api/kernels", {"name": "python3"})
        execute(self, kernel["id"], "pass")  # answers once the kernel runs
        return kernel["id"]

    def processes(self):
        """Returns course.py and every process under it (Visdom, JupyterLab, kernels)."""
        me = psutil.Process(self.proc.pid)
        return [me, *me.children(recursive=True)]

    def stop(self, how):
        """Stops the course as a person or a program would; returns the seconds until course.py ended."""
        self.tree = self.processes()  # to clean up after a failed stop, when course.py can no longer name them
        started = time.perf_counter()
        if how == "ctrl-c":
            os.write(self.master, b"\x03")
        else:
            os.kill(self.proc.pid, how)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"course.py did not stop within 30 s:\n{self.text()}")
        seconds = time.perf_counter() - started
        self.reader.join(timeout=5)
        return seconds

    def kill(self):
        try:
            alive = self.processes() if self.proc.poll() is None else []
        except psutil.Error:
            alive = []
        for p in [*self.tree, *alive]:
            try:
                p.kill()  # psutil checks it is still the same process
            except psutil.Error:
                pass

    def close(self):
        self.kill()  # what a failed test left running
        self.proc.wait()
        if self.terminal:
            os.close(self.master)


@pytest.fixture
def running(tmp_path):
    courses = []

    def start(terminal=False, args=()):
        courses.append(Course(tmp_path, terminal, args))
        return courses[-1]

    yield start
    for c in courses:
        c.close()


def still_running(processes):
    """Returns those of `processes` still alive (a zombie has ended: it only waits for its parent to notice)."""
    gone, alive = psutil.wait_procs(processes, timeout=3)
    return [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def runtime_files(runtime_dir):
    return sorted(p.name for p in runtime_dir.glob("*") if re.match(r"(jpserver-|kernel-)", p.name))


def assert_stopped_cleanly(course_run, seconds, processes):
    text = course_run.text()
    assert course_run.proc.returncode == 0, f"exit status {course_run.proc.returncode}:\n{text}"
    assert seconds < STOP_SECONDS, f"stopping took {seconds:.1f} s:\n{text}"
    stop_lines = [line for line in text.splitlines() if "[course] stopping" in line]
    assert len(stop_lines) == 1 and stop_lines[0].endswith("stopped."), text
    after = text[text.index("[course] stopping") :].strip().splitlines()
    assert after == [stop_lines[0][stop_lines[0].index("[course]") :]], f"more than one line on stopping:\n{text}"
    for bad in ("Traceback", "KeyboardInterrupt", "Shut down this Jupyter server", "resuming operation"):
        assert bad not in text, f"{bad!r} printed:\n{text}"
    assert not still_running(processes), f"left running: {still_running(processes)}"
    assert runtime_files(course_run.runtime_dir) == [], "Jupyter left its runtime files (the token among them)"
    assert (course_run.tmp / "visdom" / "main.json").exists(), "Visdom saves its environments when it stops"


@pytest.mark.parametrize(
    "how",
    ["ctrl-c", signal.SIGINT, signal.SIGTERM, signal.SIGHUP],
    ids=["ctrl-c-in-a-terminal", "sigint-to-its-pid", "sigterm-to-its-pid", "sighup-to-its-pid (the terminal closed)"],
)
def test_one_stop_ends_jupyterlab_its_kernels_and_visdom(running, how):
    course_run = running(terminal=how == "ctrl-c")
    course_run.wait_until_serving()
    course_run.start_kernel()
    processes = course_run.processes()
    names = " ".join(" ".join(p.cmdline()) for p in processes)
    assert "tools.visdom_server" in names and "jupyterlab" in names and "ipykernel" in names, names
    assert any(n.startswith("kernel-") for n in runtime_files(course_run.runtime_dir))
    time.sleep(1)  # let JupyterLab finish its start-up logging, so what follows the stop is the stop alone
    seconds = course_run.stop(how)
    assert_stopped_cleanly(course_run, seconds, processes)


def execute(course_run, kernel_id, code):
    """Runs `code` in the kernel through JupyterLab's websocket, as a notebook does; returns its printed text."""
    import websocket

    ws = websocket.create_connection(
        f"ws://127.0.0.1:{course_run.port}/api/kernels/{kernel_id}/channels?token={TOKEN}", timeout=60
    )
    try:
        msg_id = uuid.uuid4().hex
        ws.send(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "msg_type": "execute_request",
                        "username": "test",
                        "session": uuid.uuid4().hex,
                        "version": "5.3",
                    },
                    "parent_header": {},
                    "metadata": {},
                    "channel": "shell",
                    "buffers": [],
                    "content": {
                        "code": code,
                        "silent": False,
                        "store_history": True,
                        "user_expressions": {},
                        "allow_stdin": False,
                        "stop_on_error": True,
                    },
                }
            )
        )
        printed = []
        while True:
            msg = json.loads(ws.recv())
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                printed.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                raise AssertionError("\n".join(msg["content"]["traceback"]))
            elif msg["msg_type"] == "execute_reply":
                return "".join(printed)
    finally:
        ws.close()


def git_status(*paths):
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all", "--", *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_saving_a_solution_changes_the_working_copy_never_the_repository(running):
    name = "solutions/01_raw_tensors.ipynb"
    committed = (ROOT / name).read_bytes()
    status_before = git_status("solutions", "notebooks", "work")
    course_run = running()
    course_run.wait_until_serving()
    for folder in course.COURSE_FOLDERS:  # every notebook is in the working copy, byte for byte
        for source in (ROOT / folder).glob("*.ipynb"):
            assert (course_run.work / folder / source.name).read_bytes() == source.read_bytes()
    model = course_run.api("GET", f"/api/contents/{name}?content=1")
    kernel = course_run.start_kernel(path=name)
    cwd = execute(course_run, kernel, "import os, utils\nprint(os.getcwd())").strip()
    assert cwd == str(course_run.work / "solutions"), "the kernel runs beside the working copy's notebook"
    cell = next(c for c in model["content"]["cells"] if c["cell_type"] == "code")
    printed = execute(course_run, kernel, "".join(cell["source"]) + "\nprint('ran from the working copy')")
    assert "ran from the working copy" in printed
    cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": printed}]
    course_run.api(
        "PUT", f"/api/contents/{name}", {"type": "notebook", "format": "json", "content": model["content"]}
    )  # what autosave sends
    assert "ran from the working copy" in (course_run.work / name).read_text()
    assert (ROOT / name).read_bytes() == committed, "saving changed the repository's notebook"
    assert git_status("solutions", "notebooks", "work") == status_before

    # A saved notebook is never overwritten at the next start; a deleted one comes back fresh.
    course_run.stop(signal.SIGTERM)
    (course_run.work / "notebooks" / "02_autograd.ipynb").unlink()
    again = running()
    again.wait_until_serving()
    assert "ran from the working copy" in (course_run.work / name).read_text()
    assert (course_run.work / "notebooks" / "02_autograd.ipynb").read_bytes() == (
        ROOT / "notebooks" / "02_autograd.ipynb"
    ).read_bytes()
    assert "1 file(s) copied in" in again.text()
    again.stop(signal.SIGTERM)


def test_the_default_working_copy_is_git_ignored(monkeypatch):
    monkeypatch.delenv("COURSE_WORK_DIR", raising=False)
    assert course.work_dir() == ROOT / "work"
    for path in ("work/solutions/01_raw_tensors.ipynb", "work/notebooks/08_visdom.ipynb", "work/mine.ipynb"):
        assert subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 0, path


def test_the_newer_course_version_of_a_copied_notebook_is_announced(tmp_path, capsys):
    course.prepare_working_copy(tmp_path)
    copy = tmp_path / "solutions" / "03_custom_function.ipynb"
    copy.write_text(copy.read_text() + " ")  # a student's save...
    os.utime(copy, (1, 1))  # ...older than the course's file, as after a `git pull`
    course.prepare_working_copy(tmp_path)
    said = capsys.readouterr().out
    assert "newer version of solutions/03_custom_function.ipynb" in said and "delete your copy" in said
    assert copy.read_text().endswith(" "), "a student's file is never overwritten"


@pytest.mark.parametrize("name", ["07_pretrained.ipynb"])
def test_a_solution_runs_from_the_working_copy(tmp_path, name):
    course.prepare_working_copy(tmp_path)
    path = tmp_path / "solutions" / name
    nb, failed, error = nbrun.execute(nbrun.read(path), path.parent)
    assert failed is None, f"{name} failed in cell {failed} when run from the working copy: {error}"


def test_set_up_writes_the_course_settings_that_silence_jupyter_news():
    result = subprocess.run([sys.executable, str(ROOT / "course.py"), "setup"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    settings = course.VENV / "share" / "jupyter" / "lab" / "settings" / "overrides.d" / "pytorch-course.json"
    assert json.loads(settings.read_text()) == course.LAB_SETTINGS
    assert course.LAB_SETTINGS["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"


def open_jupyterlab(course_run, screenshot):
    """Returns JupyterLab's page (its DOM) as a browser shows it a few seconds after it opened, and a screenshot."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=browser.FLAGS)
        try:
            page = chromium.new_page(viewport={"width": 1280, "height": 800})
            page.goto(course_run.url(f"/?token={TOKEN}"), timeout=60_000)  # the address the browser start opens
            page.wait_for_selector(".jp-DirListing-item", timeout=60_000)  # the file browser lists notebooks/
            page.wait_for_timeout(3000)  # the news question appears within a second of the listing (measured)
            page.screenshot(path=str(screenshot))
            return page.content()
        finally:
            chromium.close()


@pytest.mark.skipif(
    not CHROMIUM, reason="no Chromium installed (apt-get install chromium): the browser check is skipped"
)
def test_jupyterlab_opens_without_the_news_pop_up(running, tmp_path):
    """Without the course's settings the question shows within a second of the file listing (measured, in the same
    browser, with --LabApp.app_settings_dir=<an empty folder>), bottom right, over the notebook."""
    course_run = running()
    course_run.wait_until_serving()
    notification = course_run.api("GET", "/lab/api/settings/@jupyterlab/apputils-extension:notification")
    defaults = {k: v["default"] for k, v in notification["schema"]["properties"].items()}  # overrides change these
    assert defaults["fetchNews"] == "false" and defaults["checkForUpdates"] is False, defaults
    html = open_jupyterlab(course_run, tmp_path / "jupyterlab.png")
    assert "01_raw_tensors.ipynb" in html, "JupyterLab opens on the working copy's notebooks/"
    assert "official Jupyter news" not in html, "JupyterLab asks about Jupyter's news: the course's settings are lost"
