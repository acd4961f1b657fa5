"""Runs JupyterHub until Ctrl+C, then stops it, its proxy and every student's server, and checks nothing is left.

The hub runs in its own session, so the terminal's Ctrl+C reaches only `course.py classroom`, which stops things
in order: SIGTERM to the hub, whose clean stop (cleanup_servers, cleanup_proxy) stops each student's server
(SIGINT to tools/classroom/singleuser.py, which stops JupyterLab and saves Visdom) and the proxy. Then every
process still running as a classroom user, or the proxy, is killed by its id and named: nothing is left.

The hub's whole log goes to hub/jupyterhub.log in the classroom's folder; the terminal shows the hub's warnings (a
student's server that died, a failed login), every error, and the lines of the course's own tools.
"""

import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from tools.classroom import hub_config, users

STOP_SECONDS = 60
SERVER_STOPPED = re.compile(rb"User (\S+) server stopped, with exit code: (\S+)")


def say(message):
    print(f"[classroom] {message}", flush=True)


class LogRelay:
    """Copies the hub's output to its log file, and its warning and error lines to the terminal."""

    def __init__(self, stream, log_path):
        self.quiet = False  # once we stop the hub, its farewell lines ("Received signal ...") are not news
        self.log = open(log_path, "ab")
        self.thread = threading.Thread(target=self._copy, args=(stream,), daemon=True)
        self.thread.start()

    def _copy(self, stream):
        for line in iter(stream.readline, b""):
            self.log.write(line)
            self.log.flush()
            hubs_warning = line[:3] in (b"[W ", b"[C ") and b" JupyterHub " in line[:40] and not self.quiet
            hubs_warning = hubs_warning and b"without SSL" not in line  # loopback only: our own line says so
            shown = hubs_warning or line[:3] == b"[E " or line.startswith((b"[classroom]", b"Traceback"))
            stopped = SERVER_STOPPED.search(line)
            if stopped and not self.quiet:
                name, status = (part.decode(errors="replace") for part in stopped.groups())
                line = (
                    f"[classroom] {name}'s server stopped (exit {status}): their work is saved; they start it again "
                    "from the hub's page (Start My Server).\n"
                ).encode()
            if shown or stopped and not self.quiet:
                try:
                    sys.stdout.buffer.write(line)
                    sys.stdout.flush()
                except (OSError, ValueError):
                    pass

    def finish(self):
        self.thread.join(timeout=5)
        self.log.close()


def start(settings_path, python=sys.executable):
    """Returns (hub process, relay): JupyterHub started with the course's config and `settings_path`."""
    values = hub_config.read(settings_path)
    hub_dir = Path(values["hub_dir"])
    env = dict(os.environ, **{hub_config.SETTINGS_VAR: str(settings_path)})
    proc = subprocess.Popen(
        [str(python), "-m", "jupyterhub", "-f", str(hub_config.CONFIG_FILE)],
        cwd=hub_dir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return proc, LogRelay(proc.stdout, hub_dir / "jupyterhub.log")


def wait_ready(proc, port, stopping, seconds=90):
    """Returns True once the hub answers through its proxy at 127.0.0.1:port; False if it ended or we stop."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None and not stopping():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/hub/api/", timeout=2) as answer:
                if answer.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    return False


def proxy_pid(hub_dir, name="proxy.pid"):
    """Returns the process id in the hub's pid file `name` (the proxy's by default), or None."""
    try:
        return int((Path(hub_dir) / name).read_text().strip())
    except (OSError, ValueError):
        return None


def stop(proc, relay, hub_dir, uids):
    """Stops the hub (and through it the proxy and the students' servers); kills and names what is left.

    Returns a list of problems (empty when everything stopped cleanly).
    """
    import psutil

    problems = []
    relay.quiet = True
    proxy = proxy_pid(hub_dir)
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            problems.append(f"the hub did not stop within {STOP_SECONDS} s and was killed")
    relay.finish()
    left = users.processes_of(set(uids))
    if proxy is not None and psutil.pid_exists(proxy):
        try:
            left.append(psutil.Process(proxy))
        except psutil.NoSuchProcess:
            pass
    if left:
        names = []
        for p in left:
            try:
                names.append(f"{p.pid} ({p.username()}: {' '.join(p.cmdline()[:3])})")
                p.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(left, timeout=5)
        if names:
            problems.append("still running after the hub stopped, now killed: " + "; ".join(names))
    return problems
