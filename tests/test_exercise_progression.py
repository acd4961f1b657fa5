"""A student working through a notebook stops at each exercise in turn, and gets to the end once all are written.

One kernel per notebook, as a student works: the student version (all stubs) runs cell by cell; it must stop
exactly at the next exercise (its own cell, or the check right after it) with `NotImplementedError: Exercise k
is not done yet`. The test then writes exercise k's solution into its cells, runs them again from the first
one, and goes on. At the end every exercise was met once, in order; nothing else stopped the run; the concept
questions, left unanswered, and the challenge, left unattempted, did not stop it either, and the recap lists
the questions still open. (With everything written, the solutions notebook itself runs under nbval.) The Korean
edition (solutions/ko/, notebooks/ko/) is walked the same way, its messages read back into English (utils/i18n.py).
"""

import re

import pytest

from tests import nbrun
from tools import notebook_walk
from tools import student_version as sv
from tools.i18n import catalogs
from utils import i18n

EDITIONS = sorted((nbrun.SOLUTIONS / "ko").glob("*.ipynb"))  # the Korean edition, walked like the English one


def exercise_cells(nb, number):
    """Returns the indexes of the cells holding exercise `number`'s regions."""
    return sorted(
        {index for index, region in sv.regions(nb) if region["kind"] == "Exercise" and region["number"] == number}
    )


def next_code_cell(nb, index):
    return next(i for i in range(index + 1, len(nb.cells)) if nb.cells[i].cell_type == "code")


@pytest.mark.parametrize(
    "path", nbrun.solution_paths() + EDITIONS, ids=lambda p: p.stem + ("-" + p.parent.name if p in EDITIONS else "")
)
def test_a_student_stops_at_each_exercise_in_turn_and_reaches_the_end(path):
    solution = nbrun.read(path)
    total = len(sv.exercise_numbers(solution))
    translator = catalogs.translator(path.parent.name) if path in EDITIONS else i18n.Translator([])
    english = translator.reverse().translate  # a translated notebook's messages, read back in English
    student = sv.student_notebook(solution, name=path.name, translate=translator.translate)
    folder = nbrun.STUDENTS / path.parent.name if path in EDITIONS else nbrun.STUDENTS
    done, index, stops = 0, 0, []
    with notebook_walk.Walk(student, folder) as walk:
        while index < len(student.cells):
            error = walk.run(index)
            if error is None:
                index += 1
                continue
            expected = f"Exercise {done + 1} is not done yet"
            assert error.ename == "NotImplementedError" and expected in english(error.evalue), (
                f"{path.name}: cell {index} stopped with {error.text!r}; only exercise {done + 1}'s stub may stop "
                f"the run here (exercises done: {done})"
            )
            cells = exercise_cells(solution, done + 1)
            allowed = set(cells) | {next_code_cell(solution, cells[-1])}  # the exercise, or the check right after it
            assert index in allowed, f"{path.name}: exercise {done + 1} stopped the run in cell {index}, not {allowed}"
            stops.append(index)
            done += 1
            written = sv.student_notebook(
                solution, filled=range(1, done + 1), name=path.name, translate=translator.translate
            )
            for i in cells:
                student.cells[i].source = written.cells[i].source
            index = cells[0]  # the student runs the exercise's cells again, then the ones after them
        printed = english("".join(walk.text(i) for i in range(len(student.cells))))
    assert done == total, f"{path.name}: the run met {done} of {total} exercises (stops at cells {stops})"
    assert "check passed" in printed and "CheckFailed" not in printed
    questions = sv.question_numbers(solution)
    for number in questions:
        assert f"Question {number} is not answered yet" in printed, f"{path.name}: question {number} said nothing"
    if questions:
        still_open = re.search(r"Still open: question (.*)\.", printed)
        assert still_open and all(f"{n} (not answered)" in still_open[1] for n in questions), printed[-2000:]
    if any(region["kind"] == "Challenge" for _, region in sv.regions(solution)):
        assert "Challenge (optional): not attempted yet. The target:" in printed


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
    """Each checks.shows_error cell printed its exception's last traceback line in the stored run.

    nbval reruns these cells and compares their output with the stored one (none of them may be tagged to skip
    that comparison), so the error also happens in a fresh run. shows_error itself fails when it does not.
    """
    nb = nbrun.read(path)
    calls = sum(c.source.count("shows_error(") for c in nb.cells if c.cell_type == "code")
    assert len(shown_errors(nb)) == calls, 'write each call as checks.shows_error(ErrorType, "fragment", ...)'
    for i, kind, match in shown_errors(nb):
        tags = nb.cells[i].metadata.get("tags", [])
        assert "nbval-ignore-output" not in tags and "nbval-skip" not in tags, f"cell {i}: nbval must compare it"
        lines = nbrun.text_of(nb.cells[i]).splitlines()
        assert any(line.startswith(f"{kind}: ") and match in line for line in lines), f"cell {i}: {lines}"
