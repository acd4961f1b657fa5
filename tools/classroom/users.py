"""One Unix user per student, so that JupyterHub's LocalProcessSpawner runs each student's server as its own user.

Every user the classroom creates is a member of one Unix group (default `pytorch-course`): that membership is how
it knows its own users from the machine's other accounts, which it never changes. A student's account has no
password (locked: no SSH or console login; the hub's login is separate, tools/classroom/passwords.py), and a home
folder only its owner can open (mode 0700). Needs root.
"""

import grp
import os
import pwd
import shutil
import subprocess
from pathlib import Path

DEFAULT_GROUP = "pytorch-course"
HOME_MODE = 0o700


class UserError(RuntimeError):
    """A user cannot be created or used; the message says which and what to do."""


def group_members(group):
    """Returns the names of the members of Unix group `group` (empty when there is no such group)."""
    try:
        return set(grp.getgrnam(group).gr_mem)
    except KeyError:
        return set()


def ensure_group(group):
    """Creates Unix group `group` unless it exists."""
    try:
        grp.getgrnam(group)
    except KeyError:
        _run(["groupadd", group], f"create the Unix group {group!r}")


def _run(cmd, what):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise UserError(f"could not {what}: {' '.join(cmd)} said: {result.stderr.strip()}")


def account(name):
    """Returns the pwd entry of user `name`, or None."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def clashes(names, group):
    """Returns the names among `names` that are users of this machine but not the classroom's (not in `group`)."""
    ours = group_members(group)
    return [name for name in names if account(name) is not None and name not in ours]


def gecos(display_name):
    """Returns the display name as a safe GECOS field (no ':', ',' or line breaks)."""
    return " ".join(display_name.replace(":", " ").replace(",", " ").split())[:100]


def ensure_user(name, display_name, home, group):
    """Returns (pwd entry, created) for the classroom user `name`, creating it with its home when missing.

    The account is locked (no password) and its home has mode 0700, owned by it. An existing user must be the
    classroom's (in `group`); its home is then only checked, never emptied.
    """
    entry = account(name)
    created = entry is None
    if created:
        _run(
            [
                "useradd",
                "--home-dir",
                str(home),
                "--no-create-home",
                "--shell",
                "/bin/bash",  # JupyterLab's terminal runs it; students already run any code as themselves
                "--comment",
                gecos(display_name),
                "--user-group",
                "--groups",
                group,
                name,
            ],
            f"create the Unix user {name!r}",
        )
        entry = pwd.getpwnam(name)
    elif name not in group_members(group):
        raise UserError(f"{name!r} is a user of this machine that the classroom did not create")
    home = Path(entry.pw_dir)
    if not home.exists():
        home.mkdir(mode=HOME_MODE)
        os.chown(home, entry.pw_uid, entry.pw_gid)
    if home.is_symlink() or home.stat().st_uid != entry.pw_uid:
        raise UserError(f"{name}'s home {home} is not owned by {name}: fix it or remove it, then run again")
    os.chmod(home, HOME_MODE)  # even if the student opened it up: the others must not read their work
    return entry, created


def remove_user(name, group):
    """Removes the classroom user `name` and its home (tests and `classroom --remove-students`); others refused."""
    entry = account(name)
    if entry is None:
        return
    if name not in group_members(group):
        raise UserError(f"{name!r} is not a classroom user (not in group {group!r}): not removed")
    kill_processes_of([entry.pw_uid])
    _run(["userdel", name], f"remove the Unix user {name!r}")
    shutil.rmtree(entry.pw_dir, ignore_errors=True)


def processes_of(uids):
    """Returns the running processes (psutil) whose real user id is in `uids`."""
    import psutil

    found = []
    for proc in psutil.process_iter(["uids"]):
        uids_of = proc.info["uids"]
        if uids_of is not None and uids_of.real in uids:
            found.append(proc)
    return found


def kill_processes_of(uids):
    """Kills (SIGKILL) every process of the users `uids`, each by its id; returns how many there were."""
    import psutil

    procs = processes_of(set(uids))
    for proc in procs:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(procs, timeout=5)
    return len(procs)


def remove_group(group):
    """Removes Unix group `group` when it has no members left."""
    try:
        grp.getgrnam(group)
    except KeyError:
        return
    if not group_members(group):
        subprocess.run(["groupdel", group], capture_output=True)


def as_user(entry):
    """Returns the subprocess keyword arguments that run a program as the user of pwd entry `entry`, in its home."""
    env = {
        "HOME": entry.pw_dir,
        "USER": entry.pw_name,
        "LOGNAME": entry.pw_name,
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
    }
    groups = [g.gr_gid for g in grp.getgrall() if entry.pw_name in g.gr_mem]
    return {
        "user": entry.pw_uid,
        "group": entry.pw_gid,
        "extra_groups": groups,
        "env": env,
        "cwd": entry.pw_dir,
    }
