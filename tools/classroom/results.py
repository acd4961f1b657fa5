"""From a graded run to rows: one per exercise of each notebook, (exercise, passed, the check's message).

A student's cells are matched to the course's exercises through their metadata, not their positions (students insert
and delete cells): tools/student_version.py gives each exercise's cells `metadata["course"] = {"exercise": k,
"role": "task"}` and the check cell after them `{"exercise": k, "role": "check"}`. An exercise passed when its check
cell ran without error and printed "check passed". Otherwise the message says why, in the check's own words when it
failed (utils.checks.CheckFailed's message, the teaching message), or "not done yet" (the stub's
NotImplementedError), or the error that stopped it. Every expected exercise gets exactly one row, whatever happened
to the notebook (missing, corrupt, never opened, killed), so a grades table always has the same rows per student.
"""

import nbformat

PASSED = "check passed"
PASSED_IN = (PASSED, "확인 통과")  # the line in English, and in the Korean edition (i18n/ko)


def course_meta(cell):
    meta = cell.get("metadata", {}).get("course")
    return meta if isinstance(meta, dict) else {}


def exercises(nb):
    """Returns {k: {"task": [cell indexes], "check": index or None}} for the exercises marked in notebook `nb`."""
    found = {}
    for index, cell in enumerate(nb.cells):
        meta = course_meta(cell)
        number = meta.get("exercise")
        if not isinstance(number, int) or isinstance(number, bool):
            continue
        entry = found.setdefault(number, {"task": [], "check": None})
        if meta.get("role") == "check":
            entry["check"] = index
        else:
            entry["task"].append(index)
    return dict(sorted(found.items()))


def every_row(expected, message, passed=False):
    """Returns one row per expected exercise, all with the same verdict (missing, corrupt, never opened...)."""
    return [{"exercise": k, "passed": passed, "message": message} for k in expected]


def read_notebook(data):
    """Returns (notebook, None), or (None, why it is not a notebook) for the bytes of a collected file."""
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as error:  # nbformat raises several kinds (JSON, schema, encoding)
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return None, f"corrupt: the file is not a readable notebook ({first[:200]})"
    return nb, None


def not_started(nb, course_nb):
    """Returns True when every code cell of `nb` holds the course's code unchanged (no exercise was written)."""
    mine = [c.source for c in nb.cells if c.cell_type == "code"]
    theirs = [c.source for c in course_nb.cells if c.cell_type == "code"]
    return mine == theirs


def first_line(text, limit=500):
    lines = [line.strip() for line in (text or "").strip().splitlines() if line.strip()]
    return (lines[0] if lines else "")[:limit]


def verdict(cell_result, reached):
    """Returns (passed, message) for an exercise's check cell, from the runner's result for that cell."""
    if cell_result is None:
        return False, f"not reached: {reached}" if reached else "not run"
    error = cell_result.get("error")
    text = cell_result.get("text", "")
    if error is None:
        said = next((word for word in PASSED_IN if word in text), None)
        if said:
            return True, first_line(text[text.index(said) :])
        return False, "the check ran but did not print 'check passed' (was the check cell changed?)"
    ename, evalue = error
    if ename == "CheckFailed":
        return False, evalue.strip()[:2000]
    if ename == "NotImplementedError":  # a stub that still stands ("Exercise k is not done yet", in any language)
        return False, first_line(evalue)
    if ename == "Timeout":
        return False, evalue
    return False, f"{ename}: {first_line(evalue)}"


def rows_for(nb, expected, run):
    """Returns the rows of a notebook that was run: `run` is the runner's {"cells": {index: result}, "stopped"}."""
    cells = {int(k): v for k, v in run.get("cells", {}).items()}
    found = exercises(nb)
    rows = []
    for k in expected:
        mine = found.get(k)
        if mine is None or (mine["check"] is None and not mine["task"]):
            rows.append(row(k, False, f"exercise {k}'s cells are missing (deleted?): copy them back from the course"))
            continue
        if mine["check"] is None:
            rows.append(row(k, False, f"exercise {k}'s check cell is missing (deleted?): copy it back from the course"))
            continue
        task_errors = [cells[i]["error"] for i in mine["task"] if cells.get(i, {}).get("error")]
        passed, message = verdict(cells.get(mine["check"]), run.get("stopped"))
        if not passed and task_errors and task_errors[0][0] == "NotImplementedError":
            message = first_line(task_errors[0][1])  # the stub still stands: "Exercise k is not done yet: ..."
        rows.append(row(k, passed, message))
    return rows


def row(exercise, passed, message):
    return {"exercise": exercise, "passed": passed, "message": message}
