"""Generates the student notebooks in notebooks/ from the complete ones in solutions/.

A solutions notebook marks what the student writes as solution regions, inside code cells. Three kinds:

    ### BEGIN SOLUTION Exercise 2: compute grad_w1 and grad_w2
    grad_w2 = ...
    ### END SOLUTION

becomes a stub, indented like the region, that stops the run right there and says which exercise is next:

    # Exercise 2: compute grad_w1 and grad_w2.
    raise NotImplementedError(
        "Exercise 2 is not done yet: compute grad_w1 and grad_w2. Replace this raise with your code, ..."
    )

One exercise may span several regions (they share the number). `### BEGIN SOLUTION Challenge: <task>` marks the
open challenge: its stub raises the same way, but it must sit inside a function, which the notebook's
`challenge.attempt(...)` calls and reports "not attempted yet" without stopping the run. `### BEGIN SOLUTION
Question N` holds the answer to a concept question, one assignment such as `answer = "b"`; its stub is
`answer = None`, which `quiz.check` reports as not answered yet. The key to each question (a code cell tagged
`quiz-key` that builds `quiz.Question(id, right=..., why={...})`) is sealed in the student version
(utils/quiz.py): an explanation opens only for the choice the student makes, and the right answer stays in
solutions/.

Every stub line fits in 120 characters. Each student cell holding a region, and the check cell right after an
exercise, carry `metadata["course"]` ({"exercise": k, "role": "task" or "check"}, {"question": n} or
{"challenge": "task" or "check"}): the progression test and the classroom's grading find them through it.
Outputs are cleared from every code cell from the first exercise on (they depend on the student's answers: a
stored "check passed" under an unfinished exercise would mislead) and from earlier cells tagged
`clear-for-students` (outputs that would give an answer away); the outputs before the first exercise stay.

    python course.py students                  write notebooks/ (the usual way to run this file)
    python -m tools.student_version --check    exit 1 if notebooks/ is out of date
"""

import ast
import copy
import re
import sys
import textwrap
from pathlib import Path

import nbformat

from utils import quiz

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
STUDENTS = ROOT / "notebooks"
CLEAR_TAG = "clear-for-students"
KEY_TAG = "quiz-key"
WIDTH = 120  # the longest line a stub may have
BEGIN = re.compile(
    r"^(?P<indent>[ \t]*)### BEGIN SOLUTION (?P<kind>Exercise|Question|Challenge)(?: (?P<number>\d+))?"
    r"(?:: (?P<task>\S.*?))?\s*$"
)
END = re.compile(r"^[ \t]*### END SOLUTION\s*$")
MARKER = re.compile(r"### (BEGIN|END) SOLUTION")
ANSWER = re.compile(r"^\s*(?P<name>[A-Za-z_]\w*)\s*=\s*(?P<value>.+?)\s*$")


class MarkerError(ValueError):
    """A solution region is malformed: unclosed, nested, or without an exercise number and task."""


def _wrapped_call(indent, head, message, tail=""):
    """Returns lines `head(` + the message as implicit string concatenation + `)` + tail, each within WIDTH."""
    inner = indent + "    "
    escapes = message.count('"') + message.count("\\")  # each takes a backslash more in the literal
    width = WIDTH - len(inner) - 2 - escapes
    pieces = textwrap.wrap(message, width, break_long_words=False, drop_whitespace=False)
    return [f"{indent}{head}(", *(f"{inner}{_quote(piece)}" for piece in pieces), f"{indent}){tail}"]


def _quote(text):
    """Returns `text` as a Python string literal, in double quotes like the rest of the course's code."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _comment(indent, text):
    return textwrap.wrap(text, WIDTH, initial_indent=f"{indent}# ", subsequent_indent=f"{indent}#   ")


def _unchanged(text):
    return text


def stub(region, choices=(), translate=_unchanged):
    """Returns the lines that stand in for a solution region in the student notebook.

    `translate` turns each English text into the notebook's language (the translated editions, tools/i18n)."""
    indent, number, task = region["indent"], region["number"], (region["task"] or "").rstrip(".")
    if region["kind"] == "Question":
        name = region["answer"]
        letters = ", ".join(f'"{c}"' for c in choices) or translate('such as "a"')
        comment = f"Question {number}: your answer, one letter: {letters}"
        return [f"{indent}{name} = None  # {translate(comment)}"]
    if region["kind"] == "Challenge":
        message = (
            f"The challenge is not attempted yet: {task}. It is optional: replace this raise with your code, "
            "then run this cell and the next."
        )
        return [
            *_comment(indent, translate(f"Challenge: {task}.")),
            *_wrapped_call(indent, "raise NotImplementedError", translate(message)),
        ]
    message = (
        f"Exercise {number} is not done yet: {task}. Replace this raise with your code, run this cell, "
        "then the cells after it."
    )
    return [
        *_comment(indent, translate(f"Exercise {number}: {task}.")),
        *_wrapped_call(indent, "raise NotImplementedError", translate(message)),
    ]


def _region(begin, where, lineno):
    kind, number, task = begin["kind"], begin["number"], begin["task"]
    if kind == "Exercise" and (number is None or task is None):
        raise MarkerError(f"{where}, line {lineno}: write '### BEGIN SOLUTION Exercise N: what to do'")
    if kind == "Question" and number is None:
        raise MarkerError(f"{where}, line {lineno}: write '### BEGIN SOLUTION Question N'")
    if kind == "Challenge" and (number is not None or task is None):
        raise MarkerError(f"{where}, line {lineno}: write '### BEGIN SOLUTION Challenge: what to do' (no number)")
    if kind == "Challenge" and not begin["indent"]:
        raise MarkerError(
            f"{where}, line {lineno}: a Challenge region must be inside a function, so that an "
            "unattempted challenge does not stop Run all"
        )
    return {
        "indent": begin["indent"],
        "kind": kind,
        "number": int(number) if number else None,
        "task": task,
        "lines": [],
    }


def split_regions(source, where="cell"):
    """Returns a list of parts: plain lines (str) and regions (dict with indent, number, task, lines)."""
    parts, region = [], None
    for lineno, line in enumerate(source.splitlines(), start=1):
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if region is not None:
                raise MarkerError(f"{where}, line {lineno}: BEGIN SOLUTION inside another region (close it first)")
            region = _region(begin, where, lineno)
        elif end:
            if region is None:
                raise MarkerError(f"{where}, line {lineno}: END SOLUTION without a BEGIN SOLUTION above it")
            if region["kind"] == "Question":
                answer = [ANSWER.match(line) for line in region["lines"] if line.strip()]
                if len(answer) != 1 or answer[0] is None:
                    raise MarkerError(
                        f'{where}, line {lineno}: a Question region holds one assignment, such as answer = "b"'
                    )
                region["answer"] = answer[0]["name"]
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
        raise MarkerError(f"{where}: BEGIN SOLUTION {region['kind']} is never closed with END SOLUTION")
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
    return sorted({region["number"] for _, region in regions(nb) if region["kind"] == "Exercise"})


def question_numbers(nb):
    """Returns the sorted numbers of the concept questions the notebook's solution regions answer."""
    return sorted({region["number"] for _, region in regions(nb) if region["kind"] == "Question"})


def quiz_keys(nb, name="notebook"):
    """Returns {cell index: quiz.Question} for the cells tagged quiz-key, built from their literal arguments."""
    keys = {}
    for index, cell in enumerate(nb.cells):
        if KEY_TAG not in cell.metadata.get("tags", []):
            continue
        try:
            tree = ast.parse(cell.source)
            (statement,) = tree.body
            target, call = statement.targets[0].id, statement.value
            if not (isinstance(call, ast.Call) and ast.unparse(call.func) == "quiz.Question"):
                raise ValueError("not a call of quiz.Question")
            args = [ast.literal_eval(a) for a in call.args]
            kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
            keys[index] = (target, quiz.Question(*args, **kwargs, register=False))
        except (SyntaxError, ValueError, TypeError, AttributeError, IndexError) as error:
            raise MarkerError(
                f"{name}, cell {index}: a {KEY_TAG} cell holds one assignment "
                f'NAME = quiz.Question("NN.k", right="b", why={{...}}) with literal values ({error})'
            ) from error
    return keys


def _course_metadata(nb, found):
    """Returns {cell index: metadata["course"]} for the cells of regions and the check cells after exercises."""
    roles = {}
    for index, region in found:
        if region["kind"] == "Exercise":
            roles[index] = {"exercise": region["number"], "role": "task"}
        elif region["kind"] == "Question":
            roles[index] = {"question": region["number"]}
        else:
            roles[index] = {"challenge": "task"}
    for index, role in sorted(roles.items()):
        after = next((i for i in range(index + 1, len(nb.cells)) if nb.cells[i].cell_type == "code"), None)
        if after is None or after in roles:
            continue
        if "exercise" in role:
            roles[after] = {"exercise": role["exercise"], "role": "check"}
        elif "challenge" in role:
            roles[after] = {"challenge": "check"}
    return roles


def student_notebook(nb, filled=(), name="notebook", translate=_unchanged, source=None):
    """Returns a student copy of `nb`: regions of exercises not in `filled` stubbed, their cells' outputs cleared.

    `filled` keeps the solution of those exercise numbers (the tests use it to play a student who has done
    exercises 1..k); questions and the challenge are always stubbed, quiz keys always sealed. Execution counts
    are cleared everywhere: students run the notebook afresh. A translated edition passes `translate` (for the
    stubs' texts and the sealed keys' comment) and `source`, the notebook's path (default solutions/<name>).
    """
    filled = set(filled)
    out = copy.deepcopy(nb)
    found = regions(out, name)
    keys = quiz_keys(out, name)
    choices = {key.number: key.choices for _, key in keys.values()}
    first_exercise = found[0][0] if found else len(out.cells)
    roles = _course_metadata(out, found)
    for index, cell in enumerate(out.cells):
        if cell.cell_type != "code":
            continue
        if index in keys:
            target, key = keys[index]
            comment, _, code = key.sealed_source(target).partition("\n")
            cell.source = translate(comment) + "\n" + code
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
        parts = split_regions(cell.source, f"{name}, cell {index}")
        has_region = any(isinstance(p, dict) for p in parts)
        lines = []
        for part in parts:
            if not isinstance(part, dict):
                lines.append(part)
            elif part["kind"] == "Exercise" and part["number"] in filled:
                lines.extend(part["lines"])
            else:
                choices_of = choices.get(part["number"], ()) if part["kind"] == "Question" else ()
                lines.extend(stub(part, choices_of, translate))
        cell.source = "\n".join(lines)
        cell.execution_count = None
        if index in roles:
            cell.metadata["course"] = roles[index]
        if has_region or index >= first_exercise or CLEAR_TAG in cell.metadata.get("tags", []):
            cell.outputs = []
        for output in cell.outputs:
            if "execution_count" in output:
                output["execution_count"] = None
    out.metadata.setdefault("course", {})["generated_from"] = source or f"solutions/{name}"
    return out


def expected_students(only=None):
    """Returns {student path: notebook text} for every solutions notebook (or those whose names are in `only`)."""
    result = {}
    for path in sorted(SOLUTIONS.glob("*.ipynb")):
        if only is not None and path.name not in only:
            continue
        nb = nbformat.read(path, as_version=4)
        result[STUDENTS / path.name] = nbformat.writes(student_notebook(nb, name=path.name)) + "\n"
    return result


def main(argv, only=None):
    """Writes (or with --check, checks) the student notebooks; `only` limits it to those solutions notebook names."""
    check = "--check" in argv
    expected = expected_students(only)
    stale = [p for p, text in expected.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    orphans = [p for p in sorted(STUDENTS.glob("*.ipynb")) if p not in expected and only is None]
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
    print(f"{len(expected)} student notebook(s) up to date" + (f" ({', '.join(sorted(only))})." if only else "."))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
