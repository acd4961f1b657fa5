"""What JupyterHub's LocalProcessSpawner runs for each student, as that student: their own Visdom server, then
jupyterhub-singleuser (JupyterLab), both on 127.0.0.1.

    python -m tools.classroom.singleuser [jupyterhub-singleuser's arguments]

Notebook 08 logs to a Visdom server. One shared server would let every student read and overwrite everyone's plots,
so each student's server gets its own: started here, on a free loopback port, with Visdom's login turned on and a
password made here for this run. The port (COURSE_VISDOM_PORT) and the login (VISDOM_USERNAME, VISDOM_PASSWORD)
reach the student's kernels through the environment, where utils/live.py reads them; never through a command line,
which every user can list. Other students can reach the port but not log in, and cannot read this process's
environment (Linux shows /proc/PID/environ to its own user only).

COURSE_MEMORY_LIMIT (bytes, set by the hub) caps the address space of every process here: a kernel that asks for a
10 GB tensor gets a MemoryError-like RuntimeError instead of pushing the machine into swap.

Stopping: the hub sends SIGINT (then SIGTERM, then SIGKILL). Either of the first two stops JupyterLab cleanly
(SIGTERM: kernels shut down) and Visdom (SIGINT: it saves the student's environments), then this process exits.
Both children are told by the kernel to stop (SIGTERM) if this process dies without doing so.
"""

import ctypes
import os
import resource
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from utils.ports import free_port

VISDOM_START_SECONDS = 30
PR_SET_PDEATHSIG = 1


def stop_with_parent():
    """Runs in a child between fork and exec: asks Linux to send it SIGTERM when this wrapper dies."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def limit_memory(environ):
    limit = int(environ.get("COURSE_MEMORY_LIMIT") or 0)
    if limit > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def start_visdom(user, home):
    """Returns (process, port, password) of the student's own Visdom server, or (None, None, None) if it failed."""
    password = secrets.token_urlsafe(24)
    env = dict(os.environ, VISDOM_USERNAME=user, VISDOM_PASSWORD=password)
    with tempfile.TemporaryDirectory() as tmp:
        port_file = Path(tmp) / "port"
        cmd = [sys.executable, "-m", "tools.classroom.dashboard", "--login", "--port", str(free_port())]
        cmd += ["--port-file", str(port_file), "--env-path", str(Path(home) / ".cache/pytorch-course/visdom")]
        proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, preexec_fn=stop_with_parent)
        deadline = time.monotonic() + VISDOM_START_SECONDS
        while time.monotonic() < deadline and proc.poll() is None:
            if port_file.exists() and port_file.read_text().strip():
                return proc, int(port_file.read_text()), password
            time.sleep(0.1)
    print(f"[classroom] {user}: the Visdom server did not start; notebook 08 will plot inline.", flush=True)
    if proc.poll() is None:
        proc.kill()
    return None, None, None


def main(argv):
    limit_memory(os.environ)
    user = os.environ.get("JUPYTERHUB_USER") or os.environ.get("USER", "student")
    home = os.environ.get("HOME", os.getcwd())
    stop = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, frame: stop.append(signum))
    visdom, port, password = start_visdom(user, home)
    env = dict(os.environ)
    if visdom is not None:
        env.update(COURSE_VISDOM_PORT=str(port), VISDOM_USERNAME=user, VISDOM_PASSWORD=password)
    else:
        env["COURSE_VISDOM_PORT"] = "1"  # nothing listens there: notebook 08 plots inline, never into another's
    server = None
    if not stop:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub.singleuser", *argv], env=env, preexec_fn=stop_with_parent
        )
    while server is not None and server.poll() is None and not stop:
        time.sleep(0.2)
    for proc, sig in ((server, signal.SIGTERM), (visdom, signal.SIGINT)):
        if proc is not None and proc.poll() is None:
            proc.send_signal(sig)
    for proc, seconds in ((server, 20), (visdom, 10)):
        if proc is None:
            continue
        try:
            proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if server is None or stop:
        return 0
    return server.returncode if server.returncode >= 0 else 128 - server.returncode  # (killed by a signal)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
