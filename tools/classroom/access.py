"""What of the course folder students may read, and a check, run as a student, that they can run the course.

A student's server and kernels run the course's Python (.venv/) and import its helpers (utils/, and tools/ for the
server's start-up and its Visdom server, zoo/ and hubconf.py for notebook 07's weights), so those must stay readable
by every user. Everything else in the course folder is the instructor's: solutions/ (the answers), .git/ (which
holds them too), work/ and build/ (solution copies and slide decks), and the classroom's own folder (passwords,
grades). `close_course_folder` removes the "others" permissions from each of those top-level entries, so that no
student can open them, whatever names they guess. Git does not record these permissions, and root (the instructor,
through sudo) is not affected.
"""

import os
import stat
import subprocess
from pathlib import Path

OPEN = (".venv", "utils", "tools", "zoo", "hubconf.py", "notebooks")


class AccessError(RuntimeError):
    """Students could not run the course from this folder; the message says why and what to do."""


def close_course_folder(root):
    """Returns the names of the top-level entries of `root` that were open to others and are now closed."""
    closed = []
    for entry in sorted(Path(root).iterdir()):
        if entry.name in OPEN or entry.is_symlink():
            continue
        mode = entry.stat().st_mode
        if mode & 0o007:
            os.chmod(entry, stat.S_IMODE(mode) & ~0o007)
            closed.append(entry.name + ("/" if entry.is_dir() else ""))
    return closed


def closed_to_others(path):
    """Returns the first of `path` and its parents that other users cannot pass through (no x for others), or None."""
    for folder in [Path(path), *Path(path).parents]:
        if not folder.stat().st_mode & stat.S_IXOTH:
            return folder
    return None


def check_students_can_run(python, root, user_kwargs, extra_env=None):
    """Raises AccessError unless a student (subprocess keyword arguments from users.as_user) can start the course's
    Python and import what a student's server needs."""
    blocked = closed_to_others(root)
    if blocked is not None:
        raise AccessError(
            f"{blocked} is closed to other users, so students cannot run the course's Python in {root}/.venv. "
            "Put the course in a folder everyone can reach, e.g. `sudo git clone ... /opt/pytorch-course`, and run "
            "`sudo python3 course.py classroom` there."
        )
    probe = "import jupyterhub.singleuser, utils.checks, tools.classroom.singleuser, tools.visdom_server"
    user_kwargs = dict(user_kwargs, env={**user_kwargs["env"], **(extra_env or {})})
    try:
        result = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, timeout=120, **user_kwargs)
    except PermissionError as error:
        raise AccessError(f"a student's account cannot start {python}: {error}") from None
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise AccessError(
            f"a student's account cannot run the course's Python ({python}): {last}. Make .venv/, utils/ and tools/ "
            f"readable by all (`chmod -R o+rX {root}/.venv {root}/utils {root}/tools`), then run again."
        )
