"""The student notebooks are generated from solutions/, are up to date, and leak no solution."""

import re

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
    assert '    raise NotImplementedError(\n        "Exercise 3 is not done yet: double x.' in src
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


def test_stub_lines_fit_in_120_characters_and_compile():
    task = "compute grad_w2 and grad_w1 by the chain rule, from the output back, with every shape written out " * 2
    nb = notebook(f"def f(x):\n    ### BEGIN SOLUTION Exercise 2: {task.strip()}\n    return x\n    ### END SOLUTION")
    src = sv.student_notebook(nb).cells[0].source
    assert max(len(line) for line in src.splitlines()) <= sv.WIDTH, src
    compile(src, "cell", "exec")
    namespace = {}
    exec(src, namespace)
    with pytest.raises(NotImplementedError, match="Exercise 2 is not done yet: compute grad_w2 .* from the output"):
        namespace["f"](1)


@pytest.mark.parametrize("path", nbrun.solution_paths(), ids=lambda p: p.name)
def test_every_student_line_fits_in_the_editor(path):
    student = nbrun.read(nbrun.STUDENTS / path.name)
    long = [
        (i, line)
        for i, c in enumerate(student.cells)
        if c.cell_type == "code"
        for line in c.source.splitlines()
        if len(line) > sv.WIDTH
    ]
    assert not long, f"lines over {sv.WIDTH} characters: {long[:3]}"


def test_a_question_region_becomes_an_unanswered_answer_and_its_key_is_sealed():
    key = 'QUESTION_1 = quiz.Question("05.1", right="b", why={"a": "A is wrong.", "b": "B is right."})'
    nb = notebook(key, '### BEGIN SOLUTION Question 1\nanswer = "b"\n### END SOLUTION\nquiz.check(QUESTION_1, answer)')
    nb.cells[0].metadata["tags"] = [sv.KEY_TAG]
    out = sv.student_notebook(nb)
    assert out.cells[1].source.startswith('answer = None  # Question 1: your answer, one letter: "a", "b"')
    sealed = out.cells[0].source
    assert "right" not in sealed and "is right" not in sealed and "A is wrong" not in sealed
    assert out.cells[0].metadata["jupyter"]["source_hidden"] is True
    assert out.cells[1].metadata["course"] == {"question": 1}
    assert sv.question_numbers(nb) == [1] and sv.exercise_numbers(nb) == []


def test_a_challenge_region_must_sit_in_a_function():
    with pytest.raises(sv.MarkerError, match="inside a function"):
        sv.student_notebook(notebook("### BEGIN SOLUTION Challenge: go fast\nx = 1\n### END SOLUTION"))
    nb = notebook(
        "def attempt():\n    ### BEGIN SOLUTION Challenge: go fast\n    return 1\n    ### END SOLUTION", "f()"
    )
    out = sv.student_notebook(nb)
    assert "The challenge is not attempted yet: go fast." in out.cells[0].source
    assert out.cells[0].metadata["course"] == {"challenge": "task"}
    assert out.cells[1].metadata["course"] == {"challenge": "check"}


def test_exercise_and_check_cells_are_marked_for_grading():
    nb = notebook(
        "x = 0",
        "### BEGIN SOLUTION Exercise 1: a\nx = 1\n### END SOLUTION",
        "check(x)",
        "y = 2",
    )
    out = sv.student_notebook(nb)
    assert [c.metadata.get("course") for c in out.cells] == [
        None,
        {"exercise": 1, "role": "task"},
        {"exercise": 1, "role": "check"},
        None,
    ]


@pytest.mark.parametrize(
    "source, message",
    [
        ("### BEGIN SOLUTION Question 1\nanswer = 'b'\nmore = 1\n### END SOLUTION", "one assignment"),
        ("### BEGIN SOLUTION Question\nanswer = 'b'\n### END SOLUTION", "Question N"),
        ("### BEGIN SOLUTION Exercise 1\nx = 1\n### END SOLUTION", "Exercise N: what to do"),
    ],
)
def test_malformed_question_and_exercise_regions_are_reported(source, message):
    with pytest.raises(sv.MarkerError, match=message):
        sv.student_notebook(notebook(source))


def test_a_quiz_key_that_is_not_literal_is_reported():
    nb = notebook("QUESTION_1 = quiz.Question('05.1', right=RIGHT, why={})")
    nb.cells[0].metadata["tags"] = [sv.KEY_TAG]
    with pytest.raises(sv.MarkerError, match="literal values"):
        sv.student_notebook(nb, name="demo.ipynb")


def check_cells(student):
    """Returns [(index, cell)] of the check cells the generator marked (the code cell right after an exercise)."""
    return [(i, c) for i, c in enumerate(student.cells) if c.metadata.get("course", {}).get("role") == "check"]


@pytest.mark.parametrize("path", nbrun.solution_paths(), ids=lambda p: p.name)
def test_every_check_cell_is_one_call_that_gives_nothing_away(path):
    """A check cell is one call of a topic checker on the student's functions or objects; hints stay in the checker."""
    import ast

    student = nbrun.read(nbrun.STUDENTS / path.name)
    cells = check_cells(student)
    assert cells, f"{path.name}: no check cell follows an exercise"
    for index, cell in cells:
        tree = ast.parse(cell.source)
        assert (
            len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr) and isinstance(tree.body[0].value, ast.Call)
        ), (
            f"{path.name}, cell {index}: a check cell is one call, such as tensor_checks.check_forward(forward, "
            f"sum_squares), not:\n{cell.source}"
        )
        call = tree.body[0].value
        assert not any(k.arg == "hint" for k in call.keywords), f"{path.name}, cell {index}: a hint= in the cell"
        strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        assert not any(len(s) > 40 for s in strings), (
            f"{path.name}, cell {index}: the check cell holds prose; messages and hints belong in the checker"
        )


LIBRARY = [nbrun.ROOT / "hubconf.py", *sorted((nbrun.ROOT / "utils").glob("*.py"))]
LIBRARY += sorted((nbrun.ROOT / "tools").rglob("*.py"))


def library_lines():
    """Returns {code line: [module name]} for every line of code in utils/, tools/ and hubconf.py: comments,
    docstrings and other bare strings (an example in a docstring is not importable code) left out."""
    import ast

    found = {}
    for path in LIBRARY:
        module = ".".join(path.relative_to(nbrun.ROOT).with_suffix("").parts)
        text = path.read_text(encoding="utf-8")
        prose = {
            line
            for node in ast.walk(ast.parse(text))
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
            for line in range(node.lineno, node.end_lineno + 1)
        }
        for number, line in enumerate(text.splitlines(), start=1):
            if number not in prose:
                found.setdefault(code_part(line), []).append(module)
    return found


def first_import(nb, module):
    """Returns the index of the first code cell that imports `module` (e.g. "utils.data"), or None."""
    package, _, name = module.rpartition(".")
    pattern = re.compile(rf"^\s*(from {re.escape(package)} import .*\b{name}\b|import {re.escape(module)}\b)", re.M)
    return next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and pattern.search(c.source)), None)


@pytest.mark.parametrize("path", nbrun.solution_paths(), ids=lambda p: p.name)
def test_no_answer_is_importable_from_the_course_library(path):
    """No solution line is in a module of utils/, tools/ or hubconf.py that the notebook imports before the exercise.

    (Reference code that later notebooks reuse may live there, if this notebook imports it only after its own
    exercise, or not at all.)
    """
    solution, lines = nbrun.read(path), library_lines()
    shown = set()
    for cell in solution.cells:
        if cell.cell_type == "code":
            shown.update(code_part(p) for p in sv.split_regions(cell.source) if isinstance(p, str))
    for index, region in sv.regions(solution):
        if region["kind"] == "Question":
            continue  # a letter: its key is sealed (test_a_question_region_becomes_an_unanswered_answer...)
        for line in region["lines"]:
            code = code_part(line)
            if len(code) < 12 or code in shown or code not in lines:
                continue
            for module in lines[code]:
                imported = first_import(solution, module)
                assert imported is None or imported > index, (
                    f"{path.name}: the answer line {code!r} of {region['kind']} {region['number'] or ''} (cell "
                    f"{index}) is in {module}, which the notebook imports before that exercise"
                    + f" (cell {imported})"
                    + ": a student could import the answer instead of writing it"
                )


def test_refresh_merges_a_cells_split_printout_as_nbval_does():
    from nbformat.v4 import new_notebook as notebook_of

    from tools import refresh_outputs

    cell = new_code_cell("print(1); print(2)")
    cell.outputs = [
        new_output("stream", name="stdout", text="1\n"),
        new_output("stream", name="stdout", text="2\n"),
        new_output("stream", name="stderr", text="warning\n"),
        new_output("stream", name="stdout", text="3\n"),
    ]
    nb = refresh_outputs.strip_volatile(notebook_of(cells=[cell]))
    assert [(o.name, o.text) for o in nb.cells[0].outputs] == [
        ("stdout", "1\n2\n"),
        ("stderr", "warning\n"),
        ("stdout", "3\n"),
    ]
