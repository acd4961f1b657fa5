"""`python3 course.py grade`: collects every student's notebooks and grades them with the course's own checks.

    sudo python3 course.py grade                   grade every notebook of every student on the roster
    sudo python3 course.py grade --notebooks 01    only notebook 01 (any part of the file name)
    sudo python3 course.py grade --new             start a new run even if the last one was interrupted

Each run lives in classroom/grading/<time>/ (root's only): collected/ (the notebooks as handed in), results/ (one
file per student and notebook, written when that notebook is graded), then grades.csv (student, notebook, exercise,
passed, message) and feedback/<student>.md. Ctrl+C stops a run; running the command again resumes it: the notebooks
already graded are kept, the others graded, and the table is made from the results files, so nothing is lost or
counted twice.
"""

import argparse
import json
import os
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

import nbformat

from tools.classroom import collect, grading, passwords, report, roster, users
from tools.classroom import python as student_python
from tools.classroom.options import DEFAULT_FOLDER, ROOT, memory_size


def say(message):
    print(f"[grade] {message}", flush=True)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="course.py grade", description=__doc__.split("\n")[0])
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER, help="the classroom's folder")
    parser.add_argument("--notebooks", nargs="+", default=[], help="only these notebooks (e.g. 01 02_autograd)")
    parser.add_argument("--students", nargs="+", default=[], help="only these students")
    parser.add_argument("--new", action="store_true", help="start a new run, even if the last one was interrupted")
    parser.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2) // 2), help="notebooks at once")
    parser.add_argument("--cell-timeout", type=int, default=120, help="seconds per cell")
    parser.add_argument("--notebook-timeout", type=int, default=600, help="seconds per notebook")
    parser.add_argument("--memory-limit", type=memory_size, default="4G", help="per notebook")
    return parser.parse_args(argv)


def course_notebooks(patterns):
    """Returns the course's notebooks (paths in notebooks/) whose names contain one of `patterns` (all if none)."""
    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
    chosen = [p for p in paths if not patterns or any(pattern in p.stem for pattern in patterns)]
    if not chosen:
        raise SystemExit(f"[grade] error: no notebook of the course matches {' '.join(patterns)}")
    return chosen


def new_run(args, students, notebooks):
    run_dir = args.folder / "grading" / time.strftime("%Y-%m-%d_%H%M%S")
    run_dir.mkdir(parents=True, mode=0o700)
    plan = {"students": [s.name for s in students], "notebooks": [p.name for p in notebooks], "collected": {}}
    plan["display"] = {s.name: s.display_name for s in students}
    save_plan(run_dir, plan)
    (args.folder / "grading" / "latest").write_text(run_dir.name + "\n")
    return run_dir, plan


def save_plan(run_dir, plan):
    passwords.write_private(run_dir / "run.json", json.dumps(plan, indent=1) + "\n")


def current_run(args):
    """Returns (run folder, plan) of the last run if it is unfinished and --new was not given, else (None, None)."""
    latest = args.folder / "grading" / "latest"
    if args.new or not latest.exists():
        return None, None
    run_dir = latest.parent / latest.read_text().strip()
    plan = json.loads((run_dir / "run.json").read_text())
    return (None, None) if plan.get("finished") else (run_dir, plan)


def collect_all(run_dir, plan, python, python_env):
    """Collects (as each student) the notebooks of every student not collected yet; saves the plan after each."""
    for name in plan["students"]:
        if name in plan["collected"]:
            continue
        entry = users.account(name)
        if entry is None:
            statuses = {
                nb: "no Unix user of that name (not created by `course.py classroom`?)" for nb in plan["notebooks"]
            }
        else:
            kwargs = users.as_user(entry)
            kwargs["env"].update(python_env)
            folder = Path(entry.pw_dir) / "notebooks"
            statuses = collect.collect(python, kwargs, folder, plan["notebooks"], run_dir / "collected" / name)
        plan["collected"][name] = statuses
        save_plan(run_dir, plan)


def result_path(run_dir, student, notebook):
    return run_dir / "results" / student / (Path(notebook).stem + ".json")


def grade_one(run_dir, plan, student, notebook, python, python_env, limits, running):
    """Grades one (student, notebook) and writes its results file; returns its `how`."""
    course_path = ROOT / "notebooks" / notebook
    course_bytes = course_path.read_bytes()
    course_nb = nbformat.reads(course_bytes.decode(), as_version=4)
    status = plan["collected"][student][notebook]
    collected = run_dir / "collected" / student / notebook
    data = collected.read_bytes() if status == "ok" else b""
    entry = users.account(student)

    def run(notebook_bytes):
        kwargs = users.as_user(entry)
        kwargs["env"].update(python_env)
        return grading.run_as_student(notebook_bytes, python, kwargs, limits, running)

    rows, how = grading.grade(status, data, course_nb, course_bytes, run)
    path = result_path(run_dir, student, notebook)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    passwords.write_private(path, json.dumps({"rows": rows, "how": how}, indent=1) + "\n")  # atomic: all or nothing
    return how


def grade_all(run_dir, plan, python, python_env, limits, jobs, running):
    """Grades every (student, notebook) that has no results file yet; returns how many were graded now."""
    todo = [
        (student, notebook)
        for student in plan["students"]
        for notebook in plan["notebooks"]
        if not result_path(run_dir, student, notebook).exists()
    ]
    total = len(plan["students"]) * len(plan["notebooks"])
    if len(todo) < total:
        say(f"resuming {run_dir.name}: {total - len(todo)} of {total} notebooks were graded already")
    done = []

    def work(unit):
        if running["interrupted"]:
            return
        slot = {"interrupted": False}
        running["slots"][id(slot)] = slot
        try:
            how = grade_one(run_dir, plan, *unit, python, python_env, limits, slot)
        except grading.Interrupted:
            return
        finally:
            running["slots"].pop(id(slot))
        done.append(unit)
        say(f"{len(done) + total - len(todo)}/{total} {unit[0]} {Path(unit[1]).stem}: {how}")

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        pending = {pool.submit(work, unit) for unit in todo}
        while pending:  # short waits: Ctrl+C's handler runs in this thread, however long a notebook takes
            finished, pending = wait(pending, timeout=0.2)
            for future in finished:
                future.result()  # a bug in grading itself is raised, not hidden
    return len(done)


def interrupt(running):
    """Stops the notebooks being graded (Ctrl+C); their results are not written, so a rerun grades them again."""
    running["interrupted"] = True
    for slot in list(running["slots"].values()):
        slot["interrupted"] = True
        proc = slot.get("proc")
        if proc is not None:
            grading.kill_tree(proc.pid)


def main(argv):
    args = parse_args(argv)
    if os.geteuid() != 0:
        say("error: run it as root: it runs each notebook as its student (`sudo python3 course.py grade`)")
        return 2
    try:
        students = roster.read(args.folder / "roster.csv")
    except roster.RosterError as error:
        say(f"error: no classroom in {args.folder} ({error}); start one first with `course.py classroom --roster`")
        return 2
    students = [s for s in students if not args.students or s.name in args.students]
    running = {"interrupted": False, "slots": {}}  # slots: the notebooks being graded now, by id
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, frame: interrupt(running))
    run_dir, plan = current_run(args)
    if run_dir is None:
        run_dir, plan = new_run(args, students, course_notebooks(args.notebooks))
        say(f"new run {run_dir}: {len(plan['students'])} students, {len(plan['notebooks'])} notebooks")
    python, python_env = student_python.student_python()
    limits = grading.Limits(args.cell_timeout, args.notebook_timeout, args.memory_limit)
    start = time.monotonic()
    collect_all(run_dir, plan, python, python_env)
    graded = 0 if running["interrupted"] else grade_all(run_dir, plan, python, python_env, limits, args.jobs, running)
    if running["interrupted"]:
        kept = sum(1 for _ in (run_dir / "results").rglob("*.json")) if (run_dir / "results").exists() else 0
        say(f"interrupted: {kept} notebooks graded and kept in {run_dir}. Run `python3 course.py grade` to resume.")
        return 130
    plan["finished"] = time.strftime("%Y-%m-%d %H:%M")
    csv_path, rows = report.write(run_dir, plan, plan["finished"])
    save_plan(run_dir, plan)
    say(f"graded {graded} notebooks in {time.monotonic() - start:.0f} s: {rows} rows in {csv_path}")
    say(f"feedback for each student: {run_dir / 'feedback'}/<student>.md")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
