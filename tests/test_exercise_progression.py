"""A student who has done exercises 1..k gets exactly as far as exercise k+1; with all done, every check passes.

Each run builds the student notebook with the first k solutions filled in (the same generator that writes
notebooks/) and executes it in a fresh kernel in notebooks/, as a student would.
"""
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


@pytest.mark.parametrize("path", nbrun.solution_paths(), ids=lambda p: p.name)
def test_cells_tagged_raises_exception_really_raise(path):
    """nbval passes a raises-exception cell that does not raise, so check the stored and a fresh run."""
    nb = nbrun.read(path)
    tagged = [i for i, c in enumerate(nb.cells) if "raises-exception" in c.metadata.get("tags", [])]
    fresh, failed, error = nbrun.execute(nbrun.read(path), nbrun.SOLUTIONS) if tagged else (nb, None, None)
    assert error is None, f"cell {failed} failed:\n{error}"
    for i in tagged:
        for run, name in ((nb, "stored"), (fresh, "fresh")):
            assert any(o.output_type == "error" for o in run.cells[i].outputs), f"cell {i} did not raise ({name} run)"
