"""Generates the student notebooks in notebooks/ from the complete ones in solutions/.

A solutions notebook marks each exercise's code as a solution region, inside a code cell:

    ### BEGIN SOLUTION Exercise 2: compute grad_w1 and grad_w2
    grad_w2 = ...
    ### END SOLUTION

The student version replaces each region by a stub, indented like the region, that names the exercise:

    # Exercise 2: compute grad_w1 and grad_w2
    raise NotImplementedError("Exercise 2 is not done yet: compute grad_w1 and grad_w2. ...")

so an unfinished exercise stops a run right there, saying which one. One exercise may span several
regions (they share the number). Outputs are cleared from every code cell from the first exercise on (they
depend on the student's answers: a stored "check passed" under an unfinished exercise would mislead) and from
earlier cells tagged `clear-for-students` (outputs that would give an answer away); the outputs before the first
exercise stay, as a guide.

    python course.py students           write notebooks/ (the usual way to run this file)
    python -m tools.student_version --check    exit 1 if notebooks/ is out of date
"""

import copy
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
STUDENTS = ROOT / "notebooks"
CLEAR_TAG = "clear-for-students"
BEGIN = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION Exercise (?P<number>\d+): (?P<task>\S.*?)\s*$")
END = re.compile(r"^[ \t]*### END SOLUTION\s*$")
MARKER = re.compile(r"### (BEGIN|END) SOLUTION")


class MarkerError(ValueError):
    """A solution region is malformed: unclosed, nested, or without an exercise number and task."""


def stub(indent, number, task):
    """Returns the lines that stand in for an exercise's code in the student notebook."""
    task = task.rstrip(".")
    message = (
        f"Exercise {number} is not done yet: {task}. Replace this raise line in the Exercise {number} cell "
        "with your code, run that cell, then the cells after it."
    )
    return [f"{indent}# Exercise {number}: {task}.", f"{indent}raise NotImplementedError({message!r})"]


def split_regions(source, where="cell"):
    """Returns a list of parts: plain lines (str) and regions (dict with indent, number, task, lines)."""
    parts, region = [], None
    for lineno, line in enumerate(source.splitlines(), start=1):
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if region is not None:
                raise MarkerError(f"{where}, line {lineno}: BEGIN SOLUTION inside another region (close it first)")
            region = {"indent": begin["indent"], "number": int(begin["number"]), "task": begin["task"], "lines": []}
        elif end:
            if region is None:
                raise MarkerError(f"{where}, line {lineno}: END SOLUTION without a BEGIN SOLUTION above it")
            parts.append(region)
            region = None
        elif MARKER.search(line):
            raise MarkerError(
                f"{where}, line {lineno}: malformed marker {line.strip()!r}; write "
                "'### BEGIN SOLUTION Exercise N: what to do' and '### END SOLUTION'"
            )
        elif region is not None:
            region["lines"].append(line)
        else:
            parts.append(line)
    if region is not None:
        raise MarkerError(f"{where}: BEGIN SOLUTION Exercise {region['number']} is never closed with END SOLUTION")
    return parts


def regions(nb, name="notebook"):
    """Returns (cell index, region) for every solution region in the notebook, in order."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            if MARKER.search(cell.source):
                raise MarkerError(f"{name}, cell {index}: solution markers only work in code cells")
            continue
        for part in split_regions(cell.source, f"{name}, cell {index}"):
            if isinstance(part, dict):
                found.append((index, part))
    return found


def exercise_numbers(nb):
    """Returns the sorted exercise numbers that the notebook's solution regions use."""
    return sorted({region["number"] for _, region in regions(nb)})


def student_notebook(nb, filled=(), name="notebook"):
    """Returns a student copy of `nb`: regions of exercises not in `filled` stubbed, their cells' outputs cleared.

    `filled` keeps the solution of those exercise numbers (the tests use it to play a student who has
    done exercises 1..k). Execution counts are cleared everywhere: students run the notebook afresh.
    """
    filled = set(filled)
    out = copy.deepcopy(nb)
    found = regions(out, name)
    first_exercise = found[0][0] if found else len(out.cells)
    for index, cell in enumerate(out.cells):
        if cell.cell_type != "code":
            continue
        parts = split_regions(cell.source, f"{name}, cell {index}")
        has_region = any(isinstance(p, dict) for p in parts)
        lines = []
        for part in parts:
            if not isinstance(part, dict):
                lines.append(part)
            elif part["number"] in filled:
                lines.extend(part["lines"])
            else:
                lines.extend(stub(part["indent"], part["number"], part["task"]))
        cell.source = "\n".join(lines)
        cell.execution_count = None
        if has_region or index >= first_exercise or CLEAR_TAG in cell.metadata.get("tags", []):
            cell.outputs = []
        for output in cell.outputs:
            if "execution_count" in output:
                output["execution_count"] = None
    out.metadata.setdefault("course", {})["generated_from"] = f"solutions/{name}"
    return out


def expected_students():
    """Returns {student path: notebook text} for every solutions notebook."""
    result = {}
    for path in sorted(SOLUTIONS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        result[STUDENTS / path.name] = nbformat.writes(student_notebook(nb, name=path.name)) + "\n"
    return result


def main(argv):
    check = "--check" in argv
    expected = expected_students()
    stale = [p for p, text in expected.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    orphans = [p for p in sorted(STUDENTS.glob("*.ipynb")) if p not in expected]
    if check:
        for p in stale:
            print(f"out of date: {p.relative_to(ROOT)} (run: python course.py students)")
        for p in orphans:
            print(f"no solutions notebook for: {p.relative_to(ROOT)}")
        return 1 if stale or orphans else 0
    STUDENTS.mkdir(exist_ok=True)
    for p in stale:
        p.write_text(expected[p], encoding="utf-8")
        print(f"wrote {p.relative_to(ROOT)}")
    for p in orphans:
        p.unlink()
        print(f"removed {p.relative_to(ROOT)} (its solutions notebook is gone)")
    print(f"{len(expected)} student notebook(s) up to date.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
