"""Grades one collected notebook of one student: rows for tools/classroom/grade.py, with limits on time and memory.

The notebook runs in a fresh kernel as the student's Unix user (tools/classroom/run_notebook.py), so their code can
read nothing they could not read in class, with a per-cell time limit (an endless loop is interrupted and the next
cells run), a memory limit (a 10 GB tensor fails in its cell) and a limit for the whole notebook (past it, the run and
its kernel are killed, and the exercises not reached say so). A notebook that is missing, corrupt, or as handed out
is not run: its rows say which.
"""

import json
import subprocess
import time
from dataclasses import dataclass

import psutil

from tools.classroom import results


@dataclass
class Limits:
    cell_seconds: int = 120
    notebook_seconds: int = 600
    memory_bytes: int = 4 * 1024**3


class Interrupted(Exception):
    """The grading run was asked to stop while this notebook ran; it has no result and will be graded again."""


def kill_tree(pid):
    """Kills process `pid` and everything it started (the kernel runs in a session of its own), by their ids."""
    try:
        parent = psutil.Process(pid)
        procs = parent.children(recursive=True) + [parent]
    except psutil.NoSuchProcess:
        return
    for proc in procs:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(procs, timeout=5)


def run_as_student(data, python, user_kwargs, limits, running):
    """Returns the runner's result for the notebook bytes `data`, or a result saying why it stopped.

    `running` is a dict the caller can see: it holds the runner's process while it runs, so that Ctrl+C can stop it.
    """
    cmd = [str(python), "-m", "tools.classroom.run_notebook", "--cell-timeout", str(limits.cell_seconds)]
    cmd += ["--memory-limit", str(limits.memory_bytes)]
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # the terminal's Ctrl+C is ours to handle: it must not kill a half-written result
        **user_kwargs,
    )
    running["proc"] = proc
    try:
        out, err = proc.communicate(data, timeout=limits.notebook_seconds)
    except subprocess.TimeoutExpired:
        kill_tree(proc.pid)
        proc.communicate()
        stopped = f"the notebook ran longer than {limits.notebook_seconds} s in all and was stopped"
        return {"cells": {}, "stopped": stopped}
    finally:
        running.pop("proc", None)
    if running.get("interrupted"):
        raise Interrupted()
    try:
        return json.loads(out)
    except ValueError:
        reason = (err.decode(errors="replace").strip().splitlines() or [f"exit {proc.returncode}"])[-1]
        return {"cells": {}, "stopped": f"the grading run failed ({reason[:300]})"}


def grade(status, data, course_nb, course_bytes, run):
    """Returns (rows, how) for one notebook: `status` is the collection's ("ok", "missing", ...), `data` its bytes,
    `run(data)` runs it and returns the runner's result. `how` says what was done ("run", "not run: ...")."""
    expected = list(results.exercises(course_nb))
    if status == "missing":
        message = "missing: there is no such notebook in the student's notebooks/ folder (deleted or renamed?)"
        return results.every_row(expected, message), "not run: missing"
    if status != "ok":
        return results.every_row(expected, f"not collected: {status}"), f"not run: {status}"
    if data == course_bytes:
        message = "never opened: the notebook is exactly as handed out"
        return results.every_row(expected, message), "not run: never opened"
    nb, problem = results.read_notebook(data)
    if problem:
        return results.every_row(expected, problem + "; it is kept with the collected files"), "not run: corrupt"
    if results.not_started(nb, course_nb):
        message = "not started: no cell was changed (every exercise is as handed out)"
        return results.every_row(expected, message), "not run: not started"
    start = time.monotonic()
    outcome = run(data)
    who = outcome.get("user", "?")
    return results.rows_for(nb, expected, outcome), f"run as {who} in {time.monotonic() - start:.1f} s"
