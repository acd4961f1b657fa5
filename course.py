#!/usr/bin/env python3
"""The course's one entry point. Standard library only: it runs before anything is installed.

    python3 course.py start      set up (first time only) and open JupyterLab on the course, on 127.0.0.1
    python3 course.py test       set up (first time only) and run the whole test suite
    python3 course.py students   regenerate notebooks/ (student versions) from solutions/
    python3 course.py refresh    re-execute solutions/ to refresh their stored outputs, then regenerate notebooks/
    python3 course.py setup      only create or update the virtual environment in .venv/

Set-up is skipped when .venv/ already matches requirements.txt, so a second start takes seconds.
Arguments after the command go to the tool underneath (pytest, jupyter lab, or the refresh script).
"""
import hashlib
import os
import subprocess
import sys
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
    say("environment ready.")
    return python


def start(python, args):
    """Opens JupyterLab on the student notebooks, listening on 127.0.0.1 only."""
    say("starting JupyterLab on http://127.0.0.1 (Ctrl+C to stop) ...")
    cmd = [python, "-m", "jupyterlab",
           "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.root_dir={ROOT}",
           "--LabApp.default_url=/lab/tree/notebooks", *args]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI machines often run as root; Jupyter refuses it otherwise
    try:
        return subprocess.call([str(c) for c in cmd], cwd=ROOT)
    except KeyboardInterrupt:
        return 0


def main(argv):
    commands = ("start", "test", "students", "refresh", "setup")
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
        return subprocess.call([str(python), "-m", "pytest", *args], cwd=ROOT)
    if command == "students":
        return subprocess.call([str(python), str(ROOT / "tools" / "student_version.py"), *args], cwd=ROOT)
    if command == "refresh":
        return subprocess.call([str(python), str(ROOT / "tools" / "refresh_outputs.py"), *args], cwd=ROOT)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
