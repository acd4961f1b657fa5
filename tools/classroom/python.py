"""The Python that students' servers, kernels and graded notebooks run: the course's .venv/, seen by any user.

A virtual environment runs its base interpreter (pyvenv.cfg's `home`). When that interpreter is in a folder other
users cannot enter, as with pyenv or conda under /root or a home folder, no student can start .venv/bin/python.
Then the classroom builds `.venv/classroom-python/`: a small environment over another interpreter of the same
Python version that everyone can run (Debian's /usr/bin/python3.11, say), which loads the course's packages from
.venv/'s site-packages (same version, same binary interface), and points Jupyter at .venv/'s JupyterLab, kernel and
server settings. Nothing is installed twice. If no such interpreter exists, the error says how to fix it.
"""

import os
import shutil
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv"
SHADOW = VENV / "classroom-python"
VERSION = f"{sys.version_info[0]}.{sys.version_info[1]}"


class PythonUnreachable(RuntimeError):
    """No Python that students can run has the course's packages; the message says what to do."""


def open_to_all(path):
    """Returns True when other users can reach and run `path` (every parent folder passable, the file executable)."""
    path = Path(path).resolve()
    if not path.exists() or not path.stat().st_mode & stat.S_IXOTH:
        return False
    return all(parent.stat().st_mode & stat.S_IXOTH for parent in path.parents)


def candidates():
    """Yields interpreters of the course's Python version that everyone can run, best first."""
    for folder in ("/usr/bin", "/usr/local/bin", "/opt/python/bin"):
        path = Path(folder) / f"python{VERSION}"
        if open_to_all(path):
            yield path


def jupyter_env(venv=VENV):
    """Returns the variables that make Jupyter in the shadow environment use .venv/'s data and settings."""
    return {
        "JUPYTER_PATH": str(venv / "share" / "jupyter"),
        "JUPYTERLAB_DIR": str(venv / "share" / "jupyter" / "lab"),
        "JUPYTER_CONFIG_PATH": str(venv / "etc" / "jupyter"),
    }


def build_shadow(base, venv=VENV, shadow=SHADOW):
    """Creates `shadow`, an environment over `base` that loads `venv`'s site-packages; returns its python."""
    site = Path(sysconfig.get_paths()["purelib"])  # this (the course's) environment's site-packages
    python = shadow / "bin" / "python"
    pth_line = f"import site; site.addsitedir({str(site)!r})\n"
    if not python.exists():
        if shadow.exists():
            shutil.rmtree(shadow)
        subprocess.run([str(base), "-m", "venv", "--without-pip", str(shadow)], check=True, capture_output=True)
    probe = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    shadow_site = Path(
        subprocess.run([str(python), "-c", probe], check=True, capture_output=True, text=True).stdout.strip()
    )
    pth = shadow_site / "course-venv.pth"
    if not pth.exists() or pth.read_text() != pth_line:
        pth.write_text(pth_line)
    for path in [shadow, *shadow.rglob("*")]:  # readable by all, whatever the umask
        if not path.is_symlink():
            os.chmod(path, stat.S_IMODE(path.stat().st_mode) | (0o005 if path.is_dir() else 0o004))
    return python


def student_python(venv=VENV):
    """Returns (python, extra environment) for students' processes; raises PythonUnreachable when there is none."""
    own = venv / "bin" / "python"
    if open_to_all(own):
        return own, {}
    for base in candidates():
        return build_shadow(base, venv), jupyter_env(venv)
    raise PythonUnreachable(
        f"students cannot run the course's Python: {own.resolve()} is in a folder closed to other users, and "
        f"no python{VERSION} that everyone can run was found in /usr/bin or /usr/local/bin. Install one (Debian: "
        f"`apt-get install python{VERSION}`), or recreate the environment with a Python everyone can run: "
        f"`rm -rf .venv && /usr/bin/python{VERSION} course.py setup`."
    )
