"""The instructor kit without a browser: the lecture's plan (tools/lecture.py), speaker notes (tools/speaker_notes.py)
and the lab sheet (tools/lab_sheet.py). The decks themselves are driven in Chromium by tests/test_slides.py.

- the lecture fits its budget: 75 minutes, at most 45 slides, every slide's planned seconds adding up to its
  section's minutes;
- every lecture slide has speaker notes, and so do the title and every numbered section of every notebook deck;
- the deck follows the notebooks' `lecture` tags, shows no check cell and no concept question's key or answer
  (the build refuses them), and holds the lecture's own material: the 2017 code beside today's, TensorFlow 1's
  placeholders and `session.run`, Keras, the Lua Torch aside, where dynamic graphs matter; TensorFlow is never run;
- the lab sheet lists only exercises that exist, each with its estimate and its `check passed:` lines, fits 90
  minutes, and says how to open the notebooks.
"""

import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tests import nbrun
from tools import lab_sheet, lecture, speaker_notes
from tools import student_version as sv


@pytest.fixture(scope="module")
def plan():
    return lecture.plan()


@pytest.fixture(scope="module")
def lab():
    return lab_sheet.plan()


@pytest.fixture(scope="module")
def deck(plan, lab):
    return lecture.deck_notebook(plan, lab)


def deck_text(deck):
    return "\n".join(cell.source for cell in deck.cells)


def test_the_lecture_takes_75_minutes_in_at_most_45_slides(plan):
    assert plan["minutes"] == lecture.LECTURE_MINUTES == 75
    assert len(plan["slides"]) <= lecture.MAX_SLIDES == 45, f"{len(plan['slides'])} slides: at most 45"
    assert sum(s["minutes"] for s in plan["sections"]) == 75
    assert sum(slide["seconds"] for slide in plan["slides"]) == 75 * 60
    for number, section in enumerate(plan["sections"]):
        mine = [slide for slide in plan["slides"] if slide["section"] == number]
        assert len(mine) == section["count"] >= 1 and sum(s["seconds"] for s in mine) == section["minutes"] * 60
        assert 30 <= min(s["seconds"] for s in mine), f"{section['section']}: under 30 s for a slide"
    names = [s["section"] for s in plan["sections"]]
    assert names[0] == lecture.OPENING["section"] and names[-1] == lecture.CLOSING["section"]
    assert len(names) == len(set(names)) >= 8, names


def test_every_lecture_slide_has_speaker_notes_with_its_planned_time(plan, deck):
    missing = [n + 1 for n, slide in enumerate(plan["slides"]) if len(slide["notes"]) < 80]
    assert not missing, f"lecture slides without notes (metadata['notes'] on their cells): {missing}"
    asides = [c.source for c in deck.cells if c.metadata["slideshow"]["slide_type"] == "notes"]
    assert len(asides) == len(plan["slides"])
    for text, slide in zip(asides, plan["slides"]):
        assert text.startswith(f"*Planned: {lecture.clock(slide['seconds'])} on this slide.")
        assert slide["notes"] in text


def test_the_deck_follows_the_notebooks_lecture_tags(plan):
    shown = [(plan["sections"][s["section"]]["notebook"], index) for s in plan["slides"] for index, _, _ in s["cells"]]
    tagged = [
        (path.stem, i)
        for path in nbrun.solution_paths()
        for i, c in enumerate(nbrun.read(path).cells)
        if lecture.LECTURE_TAG in c.metadata.get("tags", [])
    ]
    assert shown == tagged
    covered = {s["notebook"] for s in plan["sections"] if s["notebook"]}
    assert {f"{n:02d}" for n in range(1, 9)} <= {stem[:2] for stem in covered}, "a lecture notebook is not in the deck"


def test_the_deck_shows_no_check_cell_and_no_quiz_key_or_answer(deck):
    for cell in deck.cells:
        if cell.cell_type == "code":
            assert not re.search(r"\w+_checks\.check_|quiz\.|QUESTION_|SOLUTION", cell.source), cell.source


def test_the_lecture_holds_its_2017_code_beside_todays_and_its_tensorflow_side(deck):
    text = deck_text(deck)
    for needle in (
        "torch.cuda.FloatTensor",  # 01: the device as a type
        "Variable(torch.randn(N, D_in)",  # 02: Variable, beside today's loop
        "loss.data[0]",
        "self.save_for_backward(x)",  # 03: Functions with self
        "size_average=False",  # 04
        "tf.placeholder",  # 05: TensorFlow 1's static graph
        "sess.run(",
        "from keras.models import Sequential",  # 04: Keras beside nn
        "Torch (Lua)",  # 01: the Lua Torch aside
        "recurrent networks",  # 05: where dynamic graphs matter
        "recursive networks",
        "pretrained=True",  # 07
    ):
        assert needle in text, f"the lecture deck lacks {needle!r}"
    assert text.count('<div class="columns">') >= 3, "the 2017 code beside today's, in columns"
    assert "Shown, not run: TensorFlow is not installed" in text
    assert "Keras is shown, not run: TensorFlow and Keras are not installed" in text


def test_every_fixed_text_of_the_deck_and_the_sheet_goes_through_the_language(lab):
    """A translated edition (tools/i18n/edition.py) gets all of them in its language: here each becomes a marker that
    keeps its placeholders, and every marker shows in the deck (slides, notes, planned times) or on the sheet."""
    names = {english: name for module in (lecture, lab_sheet) for name, english in module.TEXTS.items()}

    def marker(text):
        if text not in names:
            return text  # the exercises' tasks, translated from the notebooks' catalogs
        return f"«{names[text]}»" + "".join(f" {{{n}}}" for n in sorted(set(re.findall(r"\{(\d+)\}", text))))

    language = lab_sheet.Language(
        "xx", marker, "notebooks/xx", "python3 course.py start --lang xx", "build/x", ("02_x",)
    )
    shown = deck_text(lecture.deck_notebook(lecture.plan(language=language), lab, language))
    shown += lab_sheet.markdown(lab, language)
    assert "<title>«TITLE»</title>" in lab_sheet.html_page(lab, language)
    missing = {name for name in names.values() if f"«{name}»" not in shown} - {"SILENT", "PASSED"}
    assert not missing, f"fixed texts shown in English: {missing}"
    assert "notebooks/xx/01_raw_tensors.ipynb" in shown and "python3 course.py start --lang xx" in shown


def test_tensorflow_is_never_run_or_installed():
    for path in nbrun.solution_paths():
        for i, cell in enumerate(nbrun.read(path).cells):
            if cell.cell_type == "code":
                assert not re.search(r"\b(tensorflow|keras)\b|\btf\.", cell.source), f"{path.name}, cell {i}"
    pins = (nbrun.ROOT / "requirements.txt").read_text().lower()
    assert not re.search(r"^(tensorflow|keras)\b", pins, re.MULTILINE)


def lecture_notebook(*cells):
    """Returns a small solutions notebook: the toggle frame, then `cells`."""
    return new_notebook(
        cells=[
            new_markdown_cell("# 99 · A test"),
            new_code_cell('DEVICE = "auto"', metadata={"tags": ["parameters"]}),
            new_code_cell("device = devices.choose_device(DEVICE)"),
            *cells,
        ]
    )


def lecture_cell(cell, section=None):
    cell.metadata["tags"] = [*cell.metadata.get("tags", []), "lecture"]
    if section:
        cell.metadata["lecture"] = {"section": section, "minutes": 5}
    return cell


@pytest.mark.parametrize(
    "cells, message",
    [
        (
            [new_code_cell("### BEGIN SOLUTION Exercise 1: x\nx = 1\n### END SOLUTION"), new_code_cell("check(x)")],
            "a check cell",
        ),
        (
            [
                new_code_cell(
                    "Q = quiz.Question('99.1', right='a', why={'a': 'y', 'b': 'n'})", metadata={"tags": ["quiz-key"]}
                )
            ],
            "key",
        ),
        ([new_code_cell('### BEGIN SOLUTION Question 1\nanswer = "a"\n### END SOLUTION')], "answer"),
        ([new_markdown_cell("no section")], "must open a section"),
    ],
)
def test_the_build_refuses_what_a_lecture_never_shows(tmp_path, cells, message):
    cells = [*cells]
    cells[-1] = lecture_cell(cells[-1], section=None if message == "must open a section" else "A part")
    path = tmp_path / "99_test.ipynb"
    nbformat.write(lecture_notebook(*cells), path)
    with pytest.raises(lecture.LectureError, match=message):
        lecture.plan([path])


def test_a_markdown_cell_and_the_code_right_below_it_share_a_slide(tmp_path):
    cells = [
        lecture_cell(new_markdown_cell("## 1. Intro"), section="Part"),
        lecture_cell(new_code_cell("a = 1")),  # right below: a fragment of the same slide
        new_markdown_cell("not in the lecture"),
        lecture_cell(new_code_cell("b = 2")),  # its own slide
        lecture_cell(new_markdown_cell("More")),
        new_code_cell("c = 3"),
        lecture_cell(new_code_cell("d = 4")),  # not right below the markdown: its own slide
    ]
    path = tmp_path / "99_test.ipynb"
    nbformat.write(lecture_notebook(*cells), path)
    plan = lecture.plan([path])
    assert [[c.source for _, c, _ in s["cells"]] for s in plan["slides"][1:-1]] == [
        ["## 1. Intro", "a = 1"],
        ["b = 2"],
        ["More"],
        ["d = 4"],
    ]
    deck = lecture.deck_notebook(plan, {"lab": []})
    kinds = [(c.metadata["slideshow"]["slide_type"], c.source[:12]) for c in deck.cells]
    assert ("-", "## Intro") in kinds and ("fragment", "a = 1") in kinds, "heading numbers are left out"


def test_speaker_notes_become_one_aside_per_slide_right_after_its_first_cell():
    def cell(kind, source, notes=None):
        made = new_markdown_cell(source, metadata={"slideshow": {"slide_type": kind}})
        if notes:
            made.metadata["notes"] = notes
        return made

    cells = [
        cell("slide", "# Title", "title notes"),
        cell("skip", "set-up", "never shown"),
        cell("subslide", "A", "a notes"),
        cell("fragment", "A's code", ["fragment ", "notes"]),
        cell("notes", "a tagged notes cell"),
        cell("subslide", "B"),
    ]
    gathered = speaker_notes.gather(cells)
    assert [(c.metadata["slideshow"]["slide_type"], c.source) for c in gathered] == [
        ("slide", "# Title"),
        ("notes", "title notes"),
        ("skip", "set-up"),
        ("subslide", "A"),
        ("notes", "a notes\n\nfragment notes\n\na tagged notes cell"),
        ("fragment", "A's code"),
        ("subslide", "B"),
    ]
    assert all("notes" not in c.metadata for c in gathered)
    assert cells[0].metadata["notes"] == "title notes", "the notebook itself is not changed"


@pytest.mark.parametrize("path", nbrun.solution_paths(), ids=lambda p: p.name)
def test_key_slides_of_every_notebook_deck_have_speaker_notes(path):
    """The title, and every numbered section (`## N. ...`) and the Summary, carry notes; in metadata, never in a cell
    a student sees (no `slides:notes` cells)."""
    nb = nbrun.read(path)
    for i, cell in enumerate(nb.cells):
        assert "slides:notes" not in cell.metadata.get("tags", []), f"cell {i}: notes go in metadata['notes']"
        key = cell.cell_type == "markdown" and (i == 0 or re.match(r"## (\d+\. |Summary)", cell.source))
        if key:
            assert len(speaker_notes.notes_of(cell)) >= 60, f"cell {i} ({cell.source.splitlines()[0]}) has no notes"


def test_the_lab_sheet_lists_existing_exercises_with_their_estimates_and_checks(lab):
    for path in nbrun.solution_paths():
        nb = nbrun.read(path)
        exercises = {}  # an exercise's task: its regions' tasks, each once
        for _, region in sv.regions(nb):
            if region["kind"] == "Exercise":
                tasks = exercises.setdefault(region["number"], [])
                tasks += [region["task"]] if region["task"] not in tasks else []
        exercises = {number: "; ".join(tasks) for number, tasks in exercises.items()}
        listed = {e["number"]: e["task"] for e in lab["exercises"] if e["notebook"] == path.stem}
        assert listed == exercises, f"{path.name}: the sheet's exercises are not the notebook's"
    missing = [(e["notebook"], e["number"]) for e in lab["exercises"] if e["minutes"] is None]
    assert not missing, f"exercises without metadata['lab']['minutes']: {missing}"
    assert len(lab["lab"]) >= 6 and 60 <= lab["minutes"] <= lab_sheet.LAB_MINUTES == 90, lab["minutes"]
    for exercise in lab["lab"]:
        assert exercise["done"] and all(line.startswith("check passed: ") for line in exercise["done"]), exercise
    text = lab_sheet.markdown(lab)
    for needle in ("python3 course.py start", "colab.research.google.com/github/", "python3 course.py classroom"):
        assert needle in text
    for exercise in lab["lab"]:
        assert f"{exercise['number']}: {lab_sheet.escape(exercise['task'])}" in text and exercise["done"][0] in text


def exercise_notebook(*cells):
    return new_notebook(cells=[new_markdown_cell("# 99 · A lab test"), *cells])


def exercise(number, minutes=None, in_lab=False):
    cell = new_code_cell(f"### BEGIN SOLUTION Exercise {number}: write x{number}\nx{number} = 1\n### END SOLUTION")
    if minutes:
        cell.metadata["lab"] = {"minutes": minutes}
    if in_lab:
        cell.metadata["tags"] = ["lab"]
    return cell


def check(number):
    return new_code_cell(
        f"check(x{number})", outputs=[new_output("stream", name="stdout", text=f"check passed: x{number} is 1\n")]
    )


def test_the_sheet_follows_the_markers_and_refuses_stale_or_unreachable_estimates(tmp_path):
    path = tmp_path / "99_lab.ipynb"
    nbformat.write(exercise_notebook(exercise(1, 5, True), check(1), exercise(2, 7), check(2)), path)
    lab = lab_sheet.plan([path])
    assert [(e["number"], e["minutes"], e["in_lab"], e["done"]) for e in lab["exercises"]] == [
        (1, 5, True, ["check passed: x1 is 1"]),
        (2, 7, False, ["check passed: x2 is 1"]),
    ]
    assert lab["minutes"] == lab_sheet.GETTING_STARTED + 5
    # Exercise 2's markers removed: it is gone from the sheet, and its estimate, left behind, is an error.
    stale = exercise(2, 7)
    stale.source = "x2 = 1"
    nbformat.write(exercise_notebook(exercise(1, 5, True), check(1), stale, check(2)), path)
    with pytest.raises(lab_sheet.LabError, match="no exercise"):
        lab_sheet.plan([path])
    # A lab that skips Exercise 1 would never reach Exercise 2: Run all stops at the first one not done.
    nbformat.write(exercise_notebook(exercise(1, 5), check(1), exercise(2, 7, True), check(2)), path)
    with pytest.raises(lab_sheet.LabError, match="first ones"):
        lab_sheet.plan([path])
    nbformat.write(exercise_notebook(exercise(1, None, True), check(1)), path)
    with pytest.raises(lab_sheet.LabError, match="no metadata"):
        lab_sheet.plan([path])
