"""`python3 course.py classroom`: the course on a real JupyterHub for a whole class, on 127.0.0.1, until Ctrl+C.

    sudo python3 course.py classroom --roster class.csv     first time: the class list (CSV: user name, display name)
    sudo python3 course.py classroom                        later: the roster saved in the classroom's folder
    sudo python3 course.py classroom --port 8010            another port (default 8000)
    sudo python3 course.py classroom --new-password bob     a new password for bob (works at once; no hub started)

Root is needed: each student gets a Unix user (JupyterHub's LocalProcessSpawner runs their server as that user)
with a home folder holding a copy of notebooks/. Students log in with the passwords written to
classroom/passwords.csv (root's only). The instructor (--instructor, default "instructor") is the hub's admin.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from tools.classroom import access, hub, hub_config, passwords, proxy, roster, users
from tools.classroom import python as student_python
from tools.classroom.options import DEFAULT_FOLDER, ROOT, memory_size
from utils.ports import free_port, port_is_free

say = hub.say


class ClassroomError(RuntimeError):
    """The classroom cannot start; the message says why and what to do."""


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="course.py classroom", description=__doc__.split("\n")[0])
    parser.add_argument("--roster", type=Path, help="CSV: user name, display name (saved for later starts)")
    parser.add_argument("--port", type=int, default=8000, help="the hub's port on 127.0.0.1 (default 8000)")
    parser.add_argument("--instructor", default="instructor", help="the admin's user name (default instructor)")
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER, help="the classroom's private folder")
    parser.add_argument("--home-base", type=Path, default=Path("/home"), help="where students' homes go")
    parser.add_argument("--group", default=users.DEFAULT_GROUP, help="the Unix group of the classroom's users")
    parser.add_argument("--memory-limit", type=memory_size, default="4G", help="per process of a student")
    parser.add_argument("--new-password", metavar="NAME", action="append", default=[])
    return parser.parse_args(argv)


def load_roster(args):
    """Returns the Students: from --roster (then saved in the folder), else from the saved copy."""
    saved = args.folder / "roster.csv"
    if args.roster is None and not saved.exists():
        raise ClassroomError(
            "no roster yet: give the class list once with --roster FILE (CSV: user name, display name)"
        )
    students = roster.read(args.roster or saved)
    problem = roster.name_problem(args.instructor)
    if problem:
        raise ClassroomError(f"--instructor: {problem}")
    if args.instructor in {s.name for s in students}:
        raise ClassroomError(f"the instructor {args.instructor!r} is also in the roster: remove that line")
    clash = users.clashes([s.name for s in students], args.group)
    if clash:
        raise ClassroomError(
            f"already users of this machine, not created by the classroom: {', '.join(clash)}. Give these students "
            "other user names in the roster (their accounts are never changed)."
        )
    if args.roster is not None:
        shutil.copyfile(args.roster, saved)
    return students


def prepare(args, students):
    """Creates what is missing (users, homes, notebooks, passwords); returns the classroom users' pwd entries."""
    entries, created = {}, []
    for name, display in [(s.name, s.display_name) for s in students] + [(args.instructor, "Instructor")]:
        try:
            entry, new = users.ensure_user(name, display, args.home_base / name, args.group)
        except users.UserError as error:
            if name != args.instructor or users.account(name) is None:
                raise ClassroomError(str(error)) from None
            entry, new = users.account(name), False  # the instructor may be a real account: used as it is
        entries[name] = entry
        created += [name] if new else []
    if created:
        say(f"created {len(created)} Unix user(s) with their homes in {args.home_base}: {', '.join(created)}")
    try:
        python, python_env = student_python.student_python()
        access.check_students_can_run(python, ROOT, users.as_user(entries[students[0].name]), python_env)
    except (access.AccessError, student_python.PythonUnreachable) as error:
        raise ClassroomError(str(error)) from None
    copied = 0
    for entry in entries.values():
        copied += copy_notebooks(entry, python)
    if copied:
        say(f"copied {copied} notebook file(s) into the homes (files already there are never overwritten)")
    closed = access.close_course_folder(ROOT)
    if closed:
        say(f"closed to students (chmod o-rwx): {', '.join(closed)} of {ROOT}")
    people = [(s.name, s.display_name) for s in students] + [(args.instructor, "Instructor")]
    hub_dir = args.folder / "hub"
    hub_dir.mkdir(mode=0o700, exist_ok=True)
    new = passwords.update(people, args.folder / "passwords.csv", hub_dir / "password-hashes.json")
    say(
        f"passwords: {args.folder / 'passwords.csv'} (only root can read it)"
        + (f"; new for {len(new)}: {', '.join(new)}" if new else "")
    )
    return entries, python, python_env


def copy_notebooks(entry, python):
    """Returns how many files of notebooks/ were new in the user's ~/notebooks/ (copied as that user)."""
    result = subprocess.run(
        [str(python), "-m", "tools.classroom.homes", str(ROOT / "notebooks"), f"{entry.pw_dir}/notebooks"],
        capture_output=True,
        text=True,
        **users.as_user(entry),
    )
    if result.returncode != 0:
        raise ClassroomError(f"could not copy the notebooks into {entry.pw_dir}: {result.stderr.strip()[-500:]}")
    return int(result.stdout.strip() or 0)


def new_passwords(args):
    students = load_roster(args)
    known = {s.name: s.display_name for s in students} | {args.instructor: "Instructor"}
    unknown = [n for n in args.new_password if n not in known]
    if unknown:
        raise ClassroomError(f"--new-password: not in the roster: {', '.join(unknown)}")
    hub_dir = args.folder / "hub"
    hub_dir.mkdir(mode=0o700, exist_ok=True)
    people = [(n, known[n]) for n in args.new_password]
    passwords.update(people, args.folder / "passwords.csv", hub_dir / "password-hashes.json", renew=args.new_password)
    handout = passwords.read_handout(args.folder / "passwords.csv")
    for name in args.new_password:
        say(f"new password for {name}: {handout[name][1]} (the old one no longer works)")
    return 0


def check_can_start(args):
    if os.geteuid() != 0:
        raise ClassroomError(
            "run it as root: it creates one Unix user per student (`sudo python3 course.py classroom ...`)"
        )
    gone = proxy.missing()
    if gone or not shutil.which("node"):
        raise ClassroomError(
            "JupyterHub's proxy (configurable-http-proxy, from the npm registry) is not installed: "
            f"{'; '.join(gone) or 'node is not on PATH'}. {proxy.FIX}"
        )
    if not port_is_free(args.port):
        earlier = hub.proxy_pid(args.folder / "hub", "jupyterhub.pid")
        if earlier and psutil.pid_exists(earlier):
            raise ClassroomError(
                f"port {args.port} is busy: the hub of an earlier run still runs (pid {earlier}, its launcher was "
                f"killed). Stop it with `kill {earlier}` (it stops its servers too), then start again."
            )
        raise ClassroomError(f"port {args.port} is busy (another program listens there): choose another with --port N")


def run(args):
    stop = []
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, frame: stop.append(signum))
    args.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    args.folder.chmod(0o700)
    if args.new_password:
        return new_passwords(args)
    check_can_start(args)
    students = load_roster(args)
    users.ensure_group(args.group)
    args.home_base.mkdir(mode=0o755, parents=True, exist_ok=True)
    entries, python, python_env = prepare(args, students)
    values = hub_config.settings(
        state=args.folder,
        port=args.port,
        hub_port=free_port(),
        proxy_api_port=free_port(),
        students=[s.name for s in students],
        instructor=args.instructor,
        memory_limit=args.memory_limit,
        python=python,
        python_env=python_env,
    )
    settings_path = hub_config.write(values, args.folder)
    proc, relay = hub.start(settings_path)
    uids = [e.pw_uid for e in entries.values()]
    try:
        if hub.wait_ready(proc, args.port, lambda: stop):
            say(f"JupyterHub: http://127.0.0.1:{args.port}/ for {len(students)} students; admin: {args.instructor}")
            say("it listens on 127.0.0.1 only; to open it to a classroom network, put it behind TLS (README).")
            say(f"log: {values['hub_dir']}/jupyterhub.log. Ctrl+C stops the hub, its proxy and every server.")
        while proc.poll() is None and not stop:
            time.sleep(0.2)
    finally:
        ended = proc.poll()
        if ended is None:
            echoed = sys.stdin is not None and sys.stdin.isatty()  # the terminal showed ^C: start a new line
            print(
                ("\n" if echoed else "") + "[classroom] stopping the hub, its proxy and every student's server ... ",
                end="",
                flush=True,
            )
        else:
            say(f"the hub ended (exit {ended}); see {values['hub_dir']}/jupyterhub.log. Cleaning up ...")
        problems = hub.stop(proc, relay, values["hub_dir"], uids)
        print("stopped." if not problems else "; ".join(problems) + ".", flush=True)
    return 1 if problems or (ended not in (None, 0)) else 0


def main(argv):
    args = parse_args(argv)
    try:
        return run(args)
    except (ClassroomError, roster.RosterError, users.UserError) as error:
        print(f"[classroom] error: {error}", file=sys.stderr, flush=True)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
