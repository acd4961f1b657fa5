#!/usr/bin/env python3
"""The course's one entry point. Standard library only: it runs before anything is installed.

    python3 course.py start      set up (first time only) and open JupyterLab on the course, on 127.0.0.1
    python3 course.py test       set up (first time only) and run the whole test suite
    python3 course.py students   regenerate notebooks/ (student versions) from solutions/
    python3 course.py refresh    re-execute solutions/ to refresh their stored outputs, then regenerate notebooks/
    python3 course.py visdom     run only the Visdom server (instructors); Ctrl+C stops it and saves its environments
    python3 course.py slides     build reveal.js slide decks of every notebook into build/slides/ (they work offline)
    python3 course.py setup      only create or update the virtual environment in .venv/

Set-up is skipped when .venv/ already matches requirements.txt and the Visdom dashboard's web assets are in
place (and the slide decks' reveal.js files), so a second start takes seconds.
Arguments after the command go to the tool underneath (pytest, jupyter lab, or the refresh script).
"""
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
REQUIREMENTS = ROOT / "requirements.txt"
BUILD_CONSTRAINTS = ROOT / "build-constraints.txt"
STAMP = VENV / "course-setup.sha256"
SUPPORTED_PYTHON = (3, 11)


def venv_python():
    """Returns the path of the virtual environment's Python interpreter."""
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def wanted_fingerprint():
    """Returns a hash of everything that decides what the environment holds."""
    digest = hashlib.sha256()
    for path in (REQUIREMENTS, BUILD_CONSTRAINTS):
        digest.update(path.read_bytes())
    digest.update(sys.version.split()[0].encode())
    return digest.hexdigest()


def say(message):
    print(f"[course] {message}", flush=True)


def run(cmd, **kwargs):
    """Runs cmd; exits with its status if it fails."""
    result = subprocess.run([str(c) for c in cmd], **kwargs)
    if result.returncode != 0:
        say(f"failed (exit {result.returncode}): {' '.join(str(c) for c in cmd)}")
        sys.exit(result.returncode)


def link_repo_into_venv(python):
    """Makes `import utils` work in every kernel of the venv, whatever the notebook's folder."""
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip()
    pth = Path(purelib) / "course-root.pth"
    if not pth.exists() or pth.read_text().strip() != str(ROOT):
        pth.write_text(str(ROOT) + "\n")


def setup():
    """Creates .venv/ and installs requirements.txt, unless that was already done for this exact file."""
    if sys.version_info[:2] != SUPPORTED_PYTHON:
        say(f"warning: this is Python {sys.version.split()[0]}; the course is pinned and tested on "
            f"Python {SUPPORTED_PYTHON[0]}.{SUPPORTED_PYTHON[1]}. If the install fails, use that version.")
    python = venv_python()
    want = wanted_fingerprint()
    if python.exists() and STAMP.exists() and STAMP.read_text().strip() == want:
        link_repo_into_venv(python)
        stage_visdom_assets(python)
        stage_slide_assets(python)
        return python
    if not python.exists():
        say(f"creating the virtual environment in {VENV.name}/ ...")
        run([sys.executable, "-m", "venv", VENV])
    say("installing the pinned packages (about a minute the first time) ...")
    env = dict(os.environ)
    # PIP_CONSTRAINT reaches the isolated build environments too (a -c option would not).
    env["PIP_CONSTRAINT"] = " ".join(filter(None, [env.get("PIP_CONSTRAINT", ""), str(BUILD_CONSTRAINTS)]))
    run([python, "-m", "pip", "install", "--disable-pip-version-check", "--quiet", "-r", REQUIREMENTS], env=env)
    link_repo_into_venv(python)
    STAMP.write_text(want + "\n")
    stage_visdom_assets(python)
    stage_slide_assets(python)
    say("environment ready.")
    return python


def stage_visdom_assets(python):
    """Copies the Visdom dashboard's web assets from the npm registry into .venv/ (quick when already there)."""
    script = ROOT / "tools" / "visdom_assets.py"
    if subprocess.run([str(python), str(script), "--check"], capture_output=True).returncode != 0:
        subprocess.run([str(python), str(script)])  # a failure prints its own warning; the course still works


def stage_slide_assets(python):
    """Copies reveal.js, jQuery, require.js and MathJax from the npm registry into .venv/ (quick when already there)."""
    script = ROOT / "tools" / "slides.py"
    if subprocess.run([str(python), str(script), "--check-assets"], capture_output=True).returncode != 0:
        subprocess.run([str(python), str(script), "--stage-assets"])  # a failure prints its own warning


def start_visdom(python, port_file):
    """Returns the running Visdom server process (tools/visdom_server.py), started on 127.0.0.1."""
    return subprocess.Popen([str(python), str(ROOT / "tools" / "visdom_server.py"), "--port-file", str(port_file)],
                            cwd=ROOT, start_new_session=True)


def wait_for_port(proc, port_file, seconds=30):
    """Returns the port the server listens on, or None if it stopped or took longer than `seconds`."""
    deadline = time.time() + seconds
    while time.time() < deadline and proc.poll() is None:
        if port_file.exists() and port_file.read_text().strip():
            return int(port_file.read_text())
        time.sleep(0.2)
    return None


def stop(proc, seconds=15):
    """Stops a server started by this script with Ctrl+C's signal, so it saves its state; kills it if it hangs."""
    if proc.poll() is None:
        if os.name == "nt":
            proc.terminate()  # Windows cannot send Ctrl+C to a process of another console group
        else:
            proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            proc.kill()


def ensure_browser():
    """Installs Debian's Chromium for the dashboard's browser test where it is missing and apt-get can run."""
    if any(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        say("installing Chromium for the browser test (apt-get, about a minute) ...")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], env=env, stdout=subprocess.DEVNULL)
    if not any(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")):
        say("no Chromium found: the dashboard's browser test will be skipped (install chromium to run it).")


def start(python, args):
    """Runs the Visdom server and JupyterLab on the student notebooks, both on 127.0.0.1 only, until Ctrl+C."""
    with tempfile.TemporaryDirectory() as tmp:
        port_file = Path(tmp) / "visdom-port"
        visdom = start_visdom(python, port_file)
        port = wait_for_port(visdom, port_file)
        env = dict(os.environ)
        if port:
            env["COURSE_VISDOM_PORT"] = str(port)  # kernels find the dashboard through it (utils/live.py)
        else:
            say("the Visdom server did not start (see above): notebook 08 will plot inline instead.")
        try:
            return run_jupyterlab(python, args, env)
        finally:
            stop(visdom)


def run_jupyterlab(python, args, env):
    """Runs JupyterLab on the student notebooks, listening on 127.0.0.1 only; returns its exit status."""
    say("starting JupyterLab on http://127.0.0.1 (Ctrl+C stops JupyterLab and Visdom) ...")
    cmd = [python, "-m", "jupyterlab",
           "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.root_dir={ROOT}",
           "--LabApp.default_url=/lab/tree/notebooks", *args]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI machines often run as root; Jupyter refuses it otherwise
    proc = subprocess.Popen([str(c) for c in cmd], cwd=ROOT, env=env)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        return proc.wait()  # JupyterLab got the same Ctrl+C and shuts down


def main(argv):
    commands = ("start", "test", "students", "refresh", "visdom", "setup", "slides")
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    command, args = argv[0], argv[1:]
    python = setup()
    if command == "setup":
        return 0
    if command == "start":
        return start(python, args)
    if command == "test":
        ensure_browser()
        return subprocess.call([str(python), "-m", "pytest", *args], cwd=ROOT)
    if command == "visdom":
        try:
            return subprocess.call([str(python), str(ROOT / "tools" / "visdom_server.py"), *args], cwd=ROOT)
        except KeyboardInterrupt:
            return 0
    if command == "students":
        return subprocess.call([str(python), str(ROOT / "tools" / "student_version.py"), *args], cwd=ROOT)
    if command == "refresh":
        return subprocess.call([str(python), str(ROOT / "tools" / "refresh_outputs.py"), *args], cwd=ROOT)
    if command == "slides":
        return subprocess.call([str(python), str(ROOT / "tools" / "slides.py"), *args], cwd=ROOT)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
