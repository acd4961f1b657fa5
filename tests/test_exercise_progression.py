"""A student who has done exercises 1..k gets exactly as far as exercise k+1; with all done, every check passes.

Each run builds the student notebook with the first k solutions filled in (the same generator that writes
notebooks/) and executes it in a fresh kernel in notebooks/, as a student would.
"""

import re

import pytest

from tests import nbrun
from tools import student_version as sv

CASES = []
for _path in nbrun.solution_paths():
    _numbers = sv.exercise_numbers(nbrun.read(_path))
    CASES += [(_path, k, len(_numbers)) for k in range(len(_numbers) + 1)]


def exercise_cells(nb, number):
    """Returns the indexes of the cells holding exercise `number`'s regions."""
    return sorted({index for index, region in sv.regions(nb) if region["number"] == number})


def next_code_cell(nb, index):
    return next(i for i in range(index + 1, len(nb.cells)) if nb.cells[i].cell_type == "code")


@pytest.mark.parametrize("path, done, total", CASES, ids=[f"{p.stem}-done{k}" for p, k, _ in CASES])
def test_student_with_k_exercises_done_stops_at_the_next(path, done, total):
    solution = nbrun.read(path)
    student = sv.student_notebook(solution, filled=range(1, done + 1), name=path.name)
    nb, failed, error = nbrun.execute(student, nbrun.STUDENTS)
    if done == total:
        assert error is None, f"{path.name} with every exercise done failed in cell {failed}:\n{error}"
        checks = "".join(nbrun.text_of(c) for c in nb.cells)
        assert "check passed" in checks and "CheckFailed" not in checks
        return
    assert error is not None, f"{path.name} ran to the end although exercise {done + 1} is not done"
    cells = exercise_cells(solution, done + 1)
    allowed = set(cells) | {next_code_cell(solution, cells[-1])}  # the exercise, or the check right after it
    assert failed in allowed, f"stopped in cell {failed}, not at exercise {done + 1} (cells {sorted(allowed)})"
    message = nbrun.text_of(nb.cells[failed])
    assert f"NotImplementedError: Exercise {done + 1} is not done yet" in message, message


SHOWN_ERROR = re.compile(r"checks\.shows_error\(\s*([\w.]+),\s*\"([^\"]*)\"")


def shown_errors(nb):
    """Returns [(cell index, exception name, message fragment)] for each checks.shows_error call in `nb`."""
    return [
        (i, kind.rsplit(".", 1)[-1], match)
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code"
        for kind, match in SHOWN_ERROR.findall(c.source)
    ]


@pytest.mark.parametrize(
    "path", [p for p in nbrun.solution_paths() if shown_errors(nbrun.read(p))], ids=lambda p: p.name
)
def test_errors_shown_on_purpose_really_happen(path):
    """Each checks.shows_error cell printed its exception's last traceback line, in the stored and a fresh run.

    (shows_error itself fails when the error does not happen; this also catches a cell whose output was lost.)
    """
    nb = nbrun.read(path)
    calls = sum(c.source.count("shows_error(") for c in nb.cells if c.cell_type == "code")
    assert len(shown_errors(nb)) == calls, 'write each call as checks.shows_error(ErrorType, "fragment", ...)'
    fresh, failed, error = nbrun.execute(nbrun.read(path), nbrun.SOLUTIONS)
    assert error is None, f"cell {failed} failed:\n{error}"
    for i, kind, match in shown_errors(nb):
        for run, name in ((nb, "stored"), (fresh, "fresh")):
            lines = nbrun.text_of(run.cells[i]).splitlines()
            assert any(line.startswith(f"{kind}: ") and match in line for line in lines), (
                f"cell {i} did not show {kind}: ...{match}... ({name} run): {lines}"
            )
