"""Measures a classroom on this machine: time to a ready server, memory per student, notebook 01's run-all time.

    sudo .venv/bin/python -m tools.classroom.benchmark                  1, 3 and 6 students
    sudo .venv/bin/python -m tools.classroom.benchmark --students 10    another class size

Not a test: it prints figures (README, Classroom, turns them into machine sizes). For each class size it starts
`course.py classroom` with that many throw-away Unix users (prefix "bm", removed at the end), logs them all in
through the hub's login form, starts every server at once (time to ready: from the request to the hub's "ready"),
opens a kernel per student and runs every cell of notebook 01, with its exercises written, in all kernels at once
(run-all time per kernel, kernel start included), and reads each student's memory as the proportional set size (PSS:
shared libraries divided among the processes that share them) of all their processes, with the kernel alive.
"""

import argparse
import os
import random
import shutil
import signal
import statistics
import string
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import psutil

from tools import student_version as sv
from tools.classroom import passwords, users
from tools.classroom.client import Hub, Kernel
from tools.classroom.options import ROOT
from utils.ports import free_port

NB01 = "01_raw_tensors.ipynb"


def memory_of(uid):
    """Returns the PSS, in MB, of all processes of user `uid`."""
    total = 0
    for proc in users.processes_of({uid}):
        try:
            total += proc.memory_full_info().pss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


def start_classroom(base, names, port, group):
    roster = base / "class.csv"
    roster.write_text("".join(f"{n},Benchmark {n}\n" for n in names))
    cmd = [sys.executable, "-m", "tools.classroom", "--roster", roster, "--port", port, "--folder", base / "state"]
    cmd += ["--home-base", base / "home", "--group", group, "--instructor", f"{group}t"]
    log = open(base / "classroom.log", "wb")  # the classroom writes it until it stops
    proc = subprocess.Popen([str(c) for c in cmd], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while b"JupyterHub: http" not in (base / "classroom.log").read_bytes():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the classroom did not start:\n{(base / 'classroom.log').read_text()}")
        time.sleep(0.3)
    return proc


def measure(count, nb01_code):
    """Returns a dict of figures for a class of `count` students."""
    tag = "bm" + "".join(random.choices(string.ascii_lowercase, k=4))
    names, group = [f"{tag}{i}" for i in range(count)], f"{tag}g"
    base = Path(tempfile.mkdtemp(prefix="classroom-benchmark-"))
    base.chmod(0o755)
    port = free_port()
    proc = None
    try:
        proc = start_classroom(base, names, port, group)
        hub = Hub(port)
        handout = passwords.read_handout(base / "state" / "passwords.csv")
        tokens = {n: hub.login(n, handout[n][1]) for n in names}

        def ready(name):
            start = time.monotonic()
            hub.start_server(name, tokens[name])
            hub.wait_ready(name, tokens[name], seconds=600)
            return time.monotonic() - start

        with ThreadPoolExecutor(count) as pool:
            ready_s = list(pool.map(ready, names))
        uids = {n: users.account(n).pw_uid for n in names}
        idle_mb = [memory_of(uids[n]) for n in names]

        def run_all(name):
            start = time.monotonic()
            kernel = Kernel(hub, name, tokens[name])
            failed = [r for r in (kernel.execute(code) for code in nb01_code) if r.status != "ok"]
            seconds = time.monotonic() - start
            return kernel, seconds, failed

        with ThreadPoolExecutor(count) as pool:
            runs = list(pool.map(run_all, names))
        busy_mb = [memory_of(uids[n]) for n in names]  # the kernels are still alive, torch loaded
        for kernel, _, failed in runs:
            kernel.close()
            if failed:
                raise SystemExit(f"notebook 01 failed in a kernel: {failed[0]}")
        return {
            "students": count,
            "ready_s": (statistics.median(ready_s), max(ready_s)),
            "idle_mb": statistics.mean(idle_mb),
            "busy_mb": statistics.mean(busy_mb),
            "run_s": (statistics.median(r[1] for r in runs), max(r[1] for r in runs)),
        }
    except Exception:
        log = base / "state" / "hub" / "jupyterhub.log"
        if log.exists():  # the hub's view of what went wrong, before the folder goes
            print("".join(log.read_text(errors="replace").splitlines(keepends=True)[-40:]), file=sys.stderr)
        raise
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=120)
        for name in [*names, f"{group}t"]:
            users.remove_user(name, group)
        users.remove_group(group)
        shutil.rmtree(base, ignore_errors=True)


def main(argv):
    parser = argparse.ArgumentParser(prog="python -m tools.classroom.benchmark", description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, nargs="+", default=[1, 3, 6])
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit("run it as root: it creates throw-away Unix users")
    solution = nbformat.read(ROOT / "solutions" / NB01, as_version=4)
    filled = sv.student_notebook(solution, filled=sv.exercise_numbers(solution), name=NB01)
    code = [cell.source for cell in filled.cells if cell.cell_type == "code"]
    memory = psutil.virtual_memory().total / 2**30
    print(f"machine: {os.cpu_count()} cores, {memory:.0f} GB; load average before: {os.getloadavg()[0]:.1f}")
    print("students | ready server, median / max | memory per student, idle / with 01's kernel | 01 run-all")
    for count in args.students:
        f = measure(count, code)
        print(
            f"{count:8} | {f['ready_s'][0]:5.1f} s / {f['ready_s'][1]:5.1f} s | {f['idle_mb']:5.0f} MB / "
            f"{f['busy_mb']:5.0f} MB | {f['run_s'][0]:5.1f} s / {f['run_s'][1]:5.1f} s   "
            f"(load average {os.getloadavg()[0]:.1f})",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
