"""The student notebooks are generated from solutions/, are up to date, and leak no solution."""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tests import nbrun
from tools import student_version as sv


def notebook(*sources):
    nb = new_notebook()
    nb.cells = [new_code_cell(s) for s in sources]
    return nb


def test_region_becomes_an_indented_stub_that_names_the_exercise():
    nb = notebook("def f(x):\n    ### BEGIN SOLUTION Exercise 3: double x\n    return 2 * x\n    ### END SOLUTION")
    src = sv.student_notebook(nb).cells[0].source
    assert "2 * x" not in src and "SOLUTION" not in src
    assert "    # Exercise 3: double x." in src
    assert "    raise NotImplementedError('Exercise 3 is not done yet: double x." in src
    compile(src, "cell", "exec")  # the stub is valid Python


def test_filled_exercises_keep_their_code_without_markers():
    nb = notebook(
        "### BEGIN SOLUTION Exercise 1: a\nx = 1\n### END SOLUTION",
        "### BEGIN SOLUTION Exercise 2: b\ny = 2\n### END SOLUTION",
    )
    out = sv.student_notebook(nb, filled={1})
    assert out.cells[0].source == "x = 1"
    assert "NotImplementedError" in out.cells[1].source
    assert sv.exercise_numbers(nb) == [1, 2]


def test_outputs_kept_only_before_the_first_exercise_and_not_when_tagged():
    nb = notebook(
        "print('kept')",
        "print('answer')",
        "### BEGIN SOLUTION Exercise 1: a\nprint(42)\n### END SOLUTION",
        "print('check passed')",
    )
    nb.cells[1].metadata["tags"] = [sv.CLEAR_TAG]
    for cell in nb.cells:
        cell.outputs = [new_output("stream", name="stdout", text="some output\n")]
        cell.execution_count = 1
    out = sv.student_notebook(nb)
    assert [len(c.outputs) for c in out.cells] == [1, 0, 0, 0]
    assert all(c.execution_count is None for c in out.cells)
    assert nb.cells[0].outputs, "the solutions notebook itself must not be changed"


@pytest.mark.parametrize(
    "source, message",
    [
        ("### BEGIN SOLUTION Exercise 1: a\nx = 1", "never closed"),
        ("x = 1\n### END SOLUTION", "without a BEGIN"),
        ("### BEGIN SOLUTION Exercise 1: a\n### BEGIN SOLUTION Exercise 2: b\n### END SOLUTION", "inside another"),
        ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "malformed marker"),
    ],
)
def test_malformed_markers_are_reported_with_their_place(source, message):
    with pytest.raises(sv.MarkerError, match=message) as info:
        sv.student_notebook(notebook("pass", source), name="demo.ipynb")
    assert "demo.ipynb, cell 1" in str(info.value)


def test_markers_in_markdown_are_rejected():
    nb = new_notebook()
    nb.cells = [new_markdown_cell("### BEGIN SOLUTION Exercise 1: a")]
    with pytest.raises(sv.MarkerError, match="only work in code cells"):
        sv.regions(nb)


def test_student_notebooks_are_up_to_date():
    stale = [
        str(p.relative_to(nbrun.ROOT))
        for p, text in sv.expected_students().items()
        if not p.exists() or p.read_text(encoding="utf-8") != text
    ]
    orphans = sorted(set(nbrun.STUDENTS.glob("*.ipynb")) - set(sv.expected_students()))
    assert not stale, f"out of date: {stale}; run `python course.py students`"
    assert not orphans, f"student notebooks without a solution: {orphans}"


def test_every_solutions_notebook_has_exercises():
    for path in nbrun.solution_paths():
        numbers = sv.exercise_numbers(nbrun.read(path))
        assert numbers == list(range(1, len(numbers) + 1)) and numbers, f"{path.name}: exercises {numbers}"


def code_part(line):
    return line.split("#")[0].strip()


@pytest.mark.parametrize("path", nbrun.solution_paths(), ids=lambda p: p.name)
def test_no_solution_line_leaks_into_the_student_notebook(path):
    """No line of a solution region reaches the student's code cells or outputs, unless the lesson shows it anyway."""
    solution, student = nbrun.read(path), nbrun.read(nbrun.STUDENTS / path.name)
    shown = set()  # code the solutions notebook shows outside any region, e.g. the numpy version
    prose = "".join(c.source for c in solution.cells if c.cell_type == "markdown")
    for cell in solution.cells:
        if cell.cell_type == "code":
            shown.update(code_part(p) for p in sv.split_regions(cell.source) if isinstance(p, str))
    student_code = {code_part(line) for c in student.cells if c.cell_type == "code" for line in c.source.splitlines()}
    student_outputs = "".join(nbrun.text_of(c) for c in student.cells if c.cell_type == "code")
    assert "SOLUTION" not in nbformat.writes(student)
    for _, region in sv.regions(solution):
        for line in region["lines"]:
            code = code_part(line)
            if len(code) < 8 or code in shown or code in prose:
                continue
            assert code not in student_code, f"{path.name}: solution line {code!r} is in a student code cell"
            assert code not in student_outputs, f"{path.name}: solution line {code!r} is in a student output"
