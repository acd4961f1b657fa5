"""The lecture deck: cs231n Lecture 8's PyTorch part in 75 minutes, one offline reveal.js deck built from the
solutions notebooks' cells tagged `lecture`.

    python course.py slides --lecture    build/slides/lecture.slides.html, and the lab sheet (tools/lab_sheet.py)

- **Which cells.** Every cell tagged `lecture`, notebook by notebook, in order: the deck follows the notebooks. A
  lecture cell is never a check cell, a concept question's key or answer, or a set-up cell (the build refuses them).
- **Sections, with planned minutes.** The first lecture cell of each notebook, and any later one that starts a new
  part, carries `metadata["lecture"] = {"section": "Autograd", "minutes": 12}`. The deck opens with a generated
  title slide (the plan: every section, its minutes and its start on the clock) and ends with the lab
  (tools/lab_sheet.py); their minutes are OPENING and CLOSING below. Together: LECTURE_MINUTES, in at most
  MAX_SLIDES slides (the tests check both).
- **Slides.** A lecture markdown cell starts a slide; the code cell right below it in its notebook, when it is a
  lecture cell too, appears on the same slide on the next key press, with its output; any other code cell starts a
  slide of its own. Each section is a column of the overview (Esc). A small line on top of every slide names the
  section and where the cell comes from; section numbers (`## 3. ...`) are left out of headings; solution markers
  become a comment, as in the solutions decks.
- **Speaker notes and timing.** Each slide's notes (tools/speaker_notes.py: the cells' `metadata["notes"]`) open
  with its planned time: the section's minutes shared among its slides. The same seconds are each slide's
  `data-timing`, so the speaker view (S) runs reveal.js's pacing clock against the plan.
- **Translated editions.** `python3 course.py slides --lang ko` builds build/slides/ko/lecture.slides.html (and the
  lab sheet) from the edition's solutions (solutions/ko/: translated markdown, speaker notes and section names), with
  a `lab_sheet.Language` that translates the fixed texts below (TEXTS; i18n/<lang>/lecture.po). A notebook not in the
  edition yet is left out, as it is left out of the edition: the plan slide names it (tools/i18n/edition.py).
"""

import copy
import html
import re
import shutil
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell, new_notebook

from tools import lab_sheet, notebook_frame, npm_assets, slides, speaker_notes, student_version

ROOT = student_version.ROOT
SOLUTIONS = student_version.SOLUTIONS
LECTURE_TAG = "lecture"
SECTION_KEY = "lecture"
LECTURE_MINUTES = 75
MAX_SLIDES = 45
TITLE = "Deep Learning Software: PyTorch"
SUBTITLE = "cs231n Lecture 8 (2017), the PyTorch part, in 75 minutes: built from the course's notebooks"
OPENING = {"section": "The plan", "minutes": 2}
CLOSING = {"section": "The lab", "minutes": 5}
# each slide's notes open with its planned time
PLANNED = "*Planned: {0} on this slide. {1}: {2} min (slide {3} of {4}), from {5} to {6} on the clock.*"
DECK_NAME = "lecture.slides.html"
URLS = {key: value.replace("../", "", 1) for key, value in slides.URLS.items()}  # the deck sits in build/slides/
OPENING_NOTES = """\
**Start the clock** of this speaker view now (click the timer): the pacing clock beside it compares every slide with
the plan, and each slide's notes begin with its planned time.

Say: the lecture builds one small network, a two-layer ReLU net on random data, again and again, one level of
PyTorch higher each time: tensors, autograd, Functions, `nn` and `optim`, Modules, then data, pretrained weights and
dashboards. Every slide's code is a cell of the course's notebooks, run as shown; the lab afterwards has the students
write the same code.

Ask: who has written numpy? Who has trained a network in any framework? (Adjust the pace of the first sections.)"""
CLOSING_NOTES = """\
Say: the lab is {0} minutes, in the student notebooks; this table is the lab sheet (`{1}/lab.html`, one page: print
it or share it). Each exercise is code they saw today. Done = the check cell prints `check passed`.

Show how to open the notebooks (laptop, Colab, or the classroom hub) and leave this slide up while they start.

Take questions with the time left; the notebooks' concept questions ("Check your understanding") make good ones."""
LAB_HEADING = "The lab: {0} minutes, in the student notebooks"
LAB_OPEN = (
    "Open them on your laptop (`{0}`), on Colab (the README's links) or on the classroom hub. *Run all* stops at the "
    "first exercise not done; done = its check prints `check passed`."
)
# The deck's fixed texts, by name, and where each shows (for the translators): a translated edition translates each.
TEXTS = {
    "TITLE": TITLE,
    "SUBTITLE": SUBTITLE,
    "OPENING": OPENING["section"],
    "CLOSING": CLOSING["section"],
    "OPENING_NOTES": OPENING_NOTES,
    "CLOSING_NOTES": CLOSING_NOTES,
    "PLANNED": PLANNED,
    "SECTION": "Section",
    "NOTEBOOK": "Notebook",
    "MINUTES": "Minutes",
    "AT": "At",
    "END": "end",
    "LAB_HEADING": LAB_HEADING,
    "LAB_OPEN": LAB_OPEN,
    "EXERCISE": "Exercise",
    "OPEN_NOTEBOOKS": "open the notebooks",
}
NOTES = {
    "TITLE": "the deck's title, on the plan slide",
    "SUBTITLE": "the plan slide, under the title",
    "OPENING": "the first section's name (the plan slide)",
    "CLOSING": "the last section's name (the lab slide)",
    "OPENING_NOTES": "the plan slide's speaker notes (Markdown)",
    "CLOSING_NOTES": "the lab slide's speaker notes (Markdown): {0} the lab's minutes, {1} the decks' folder",
    "PLANNED": "every slide's notes open with it: {0} its time, {1} its section, {2} minutes, {3} of {4}, {5} to {6}",
    "SECTION": "a column of the plan slide",
    "NOTEBOOK": "a column of the plan and lab slides: the notebook's number",
    "MINUTES": "a column of the plan and lab slides",
    "AT": "a column of the plan and lab slides: the time from the start",
    "END": "the plan's last row: the lecture's end",
    "LAB_HEADING": "the lab slide's heading: {0} the lab's minutes",
    "LAB_OPEN": "the lab slide: {0} the start command",
    "EXERCISE": "a column of the lab slide: the exercise's number and task",
    "OPEN_NOTEBOOKS": "the lab slide's first row",
}


class LectureError(ValueError):
    """A lecture cell is one the lecture must not show, or a section is malformed; the message says where and why."""


def tags(cell):
    return cell.metadata.get("tags", [])


def hidden_cells(nb, name):
    """Returns {cell index: why} for the cells a lecture never shows: set-up cells, quiz keys and answers, checks."""
    hidden = {i: "a set-up cell" for i in notebook_frame.setup_range(nb)}
    student = student_version.student_notebook(nb, name=name)
    for index, cell in enumerate(student.cells):
        role = cell.metadata.get("course", {})
        if student_version.KEY_TAG in tags(nb.cells[index]):
            hidden[index] = "a concept question's key"
        elif "question" in role:
            hidden[index] = "a concept question's answer"
        elif role.get("role") == "check" or role.get("challenge") == "check":
            hidden[index] = "a check cell"
    return hidden


def section_of(cell, where):
    """Returns the {"section", "minutes"} that the cell opens, or None."""
    section = cell.metadata.get(SECTION_KEY)
    if section is None:
        return None
    minutes = section.get("minutes") if isinstance(section, dict) else None
    if not isinstance(section, dict) or not isinstance(section.get("section"), str) or not section["section"].strip():
        raise LectureError(f'{where}: metadata["{SECTION_KEY}"] must be {{"section": "a name", "minutes": N}}')
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
        raise LectureError(f'{where}: metadata["{SECTION_KEY}"]["minutes"] must be a whole number of minutes > 0')
    if LECTURE_TAG not in tags(cell):
        raise LectureError(f"{where}: a lecture section starts on a cell that is not tagged `{LECTURE_TAG}`")
    return {"section": section["section"].strip(), "minutes": minutes}


def notebook_heading(nb, index):
    """Returns the text of the last `## ` heading at or before cell `index` (the notebook section a cell is in)."""
    for cell in reversed(nb.cells[: index + 1]):
        if cell.cell_type == "markdown":
            found = [line for line in cell.source.splitlines() if line.startswith("## ")]
            if found:
                return found[-1][3:].strip()
    return ""


def sections_of(path):
    """Returns the lecture sections of one solutions notebook: dicts with section, minutes, notebook and cells, a
    list of (index, cell, where) with `where` the notebook section the cell comes from."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    hidden = hidden_cells(nb, path.name)
    sections = []
    for index, cell in enumerate(nb.cells):
        where = f"{path.name}, cell {index}"
        if LECTURE_TAG not in tags(cell):
            if cell.metadata.get(SECTION_KEY) is not None:
                section_of(cell, where)  # raises: a section on a cell the lecture does not show
            continue
        if index in hidden:
            raise LectureError(f"{where} is tagged `{LECTURE_TAG}` but is {hidden[index]}, which a lecture never shows")
        if not cell.source.strip():
            raise LectureError(f"{where} is tagged `{LECTURE_TAG}` but is empty")
        opened = section_of(cell, where)
        if opened:
            sections.append({**opened, "notebook": path.stem, "cells": []})
        elif not sections:
            raise LectureError(
                f'{where}: the notebook\'s first lecture cell must open a section: metadata["{SECTION_KEY}"] = '
                '{"section": "...", "minutes": N}'
            )
        sections[-1]["cells"].append((index, cell, notebook_heading(nb, index)))
    return sections


def slides_of(section):
    """Returns the section's slides: lists of (index, cell, where), a markdown cell and the code cell right below it
    in the notebook on one slide, any other cell on a slide of its own."""
    result = []
    for index, cell, where in section["cells"]:
        previous = result[-1][-1] if result else None
        pairs = previous and cell.cell_type == "code" and previous[1].cell_type == "markdown"
        if pairs and previous[0] == index - 1 and len(result[-1]) == 1:
            result[-1].append((index, cell, where))
        else:
            result.append([(index, cell, where)])
    return result


def seconds_per_slide(minutes, count):
    """Returns `count` whole numbers of seconds that add up to `minutes`, as even as possible."""
    total = minutes * 60
    return [total // count + (1 if i < total % count else 0) for i in range(count)]


def clock(seconds):
    return f"{seconds // 60}:{seconds % 60:02d}"


def plan(paths=None, language=lab_sheet.ENGLISH):
    """Returns the lecture: {"sections": [...], "slides": [...], "minutes": total}. Each section has section, minutes,
    notebook, start (seconds from the start), first and count (its slides); each slide has section (an index into
    sections), cells (a list of (index, cell, where); empty for the generated ones), seconds and notes (the authored
    notes of its cells). `language` translates the generated sections' names and notes."""
    paths = sorted(SOLUTIONS.glob("*.ipynb")) if paths is None else [Path(p) for p in paths]
    found = [section for path in paths for section in sections_of(path)]
    opening = {**OPENING, "section": language.say(OPENING["section"]), "notebook": None, "cells": []}
    closing = {**CLOSING, "section": language.say(CLOSING["section"]), "notebook": None, "cells": []}
    sections, slide_list, start = [], [], 0
    for section in [opening, *found, closing]:
        groups = slides_of(section) if section["cells"] else [[]]
        timing = seconds_per_slide(section["minutes"], len(groups))
        number = len(sections)
        sections.append(
            {key: section[key] for key in ("section", "minutes", "notebook")}
            | {"start": start, "first": len(slide_list), "count": len(groups)}
        )
        for group, seconds in zip(groups, timing):
            notes = "\n\n".join(n for n in (speaker_notes.notes_of(c) for _, c, _ in group) if n)
            slide_list.append({"section": number, "cells": group, "seconds": seconds, "notes": notes})
        start += section["minutes"] * 60
    slide_list[0]["notes"] = language.say(OPENING_NOTES)
    slide_list[-1]["notes"] = language.say(CLOSING_NOTES, lab_sheet.LAB_MINUTES, language.decks)
    return {"sections": sections, "slides": slide_list, "minutes": start // 60}


def timing_line(lecture, number, language=lab_sheet.ENGLISH):
    """Returns the first line of slide `number`'s notes: its planned time and its section's place in the plan."""
    slide = lecture["slides"][number]
    section = lecture["sections"][slide["section"]]
    end = section["start"] + section["minutes"] * 60
    return language.say(
        PLANNED,
        clock(slide["seconds"]),
        section["section"],
        section["minutes"],
        number - section["first"] + 1,
        section["count"],
        clock(section["start"]),
        clock(end),
    )


def where_line(section, slide_cells):
    """Returns the small line on top of a slide: the section, and the notebook and notebook section it shows."""
    parts = [html.escape(section["section"])]
    if section["notebook"]:
        heading = slide_cells[0][2] if slide_cells else ""
        parts.append(html.escape(f"{section['notebook']}.ipynb" + (f" · {heading}" if heading else "")))
    return f'<p class="lecture-where">{" — ".join(parts)}</p>'


def shown_cell(cell):
    """Returns a copy of a lecture cell as the deck shows it: heading numbers and solution markers left out."""
    cell = copy.deepcopy(cell)
    if cell.cell_type == "markdown":
        cell.source = re.sub(r"^(#{1,3} )\d+\. ", r"\1", cell.source, flags=re.MULTILINE)
    else:
        cell.source = "\n".join(slides.without_markers(cell.source.splitlines()))
        cell.execution_count = None
    return cell


def opening_cell(lecture, language=lab_sheet.ENGLISH):
    say = language.say
    left_out = ", ".join(n[:2] for n in language.left_out)
    rows = [
        f"| {clock(s['start'])} | {s['section']} | {s['notebook'][:2] if s['notebook'] else ''} | {s['minutes']} |"
        for s in lecture["sections"]
    ]
    return "\n".join(
        [
            f"# {say(TITLE)}",
            "",
            f"*{say(SUBTITLE)}.*",
            "",
            *([say(lab_sheet.TEXTS["LEFT_OUT"], left_out), ""] if left_out else []),
            '<div class="lecture-plan">',
            "",
            "| " + " | ".join(say(TEXTS[name]) for name in ("AT", "SECTION", "NOTEBOOK", "MINUTES")) + " |",
            "|---|---|---|---|",
            *rows,
            f"| {clock(lecture['minutes'] * 60)} | {say(TEXTS['END'])} | | {lecture['minutes']} |",
            "",
            "</div>",
        ]
    )


def closing_cell(lab, language=lab_sheet.ENGLISH):
    say = language.say
    rows = [
        f"| {lab_sheet.clock(e['start'])} | {e['notebook'][:2]} | {e['number']}: "
        f"{lab_sheet.escape(language.task(e['tasks']))} | {e['minutes']} |"
        for e in lab["lab"]
    ]
    return "\n".join(
        [
            f"## {say(LAB_HEADING, lab_sheet.LAB_MINUTES)}",
            "",
            say(LAB_OPEN, language.start),
            "",
            '<div class="lecture-plan">',
            "",
            "| " + " | ".join(say(TEXTS[name]) for name in ("AT", "NOTEBOOK", "EXERCISE", "MINUTES")) + " |",
            "|---|---|---|---|",
            f"| 0:00 | | {say(TEXTS['OPEN_NOTEBOOKS'])} | {lab_sheet.GETTING_STARTED} |",
            *rows,
            "",
            "</div>",
        ]
    )


def deck_notebook(lecture, lab, language=lab_sheet.ENGLISH):
    """Returns the notebook that nbconvert turns into the lecture deck: every slide's cells with their slide types,
    each slide opening with its `where` line, its notes (its planned time first) and its data-timing (the generated
    texts in `language`)."""
    cells = []
    for number, slide in enumerate(lecture["slides"]):
        section = lecture["sections"][slide["section"]]
        first_of_section = number == section["first"]
        if not slide["cells"]:
            text = opening_cell(lecture, language) if slide["section"] == 0 else closing_cell(lab, language)
            content = [new_markdown_cell(text)]
        else:
            content = [shown_cell(cell) for _, cell, _ in slide["cells"]]
            for cell, (index, _, _) in zip(content, slide["cells"]):
                cell["id"] = f"{section['notebook'][:2]}-{index}-{cell.get('id', 'cell')}"[:64]  # unique in the deck
        for cell in content:
            cell.metadata.pop(speaker_notes.NOTES_KEY, None)  # gathered in slide["notes"]
        start = new_markdown_cell(
            where_line(section, slide["cells"]),
            metadata={
                "slideshow": {
                    "slide_type": "slide" if first_of_section else "subslide",
                    "data": {"timing": str(slide["seconds"])},
                },
                speaker_notes.NOTES_KEY: "\n\n".join(
                    p for p in (timing_line(lecture, number, language), slide["notes"]) if p
                ),
            },
        )
        start["id"] = f"lecture-slide-{number + 1}"
        cells.append(start)
        for position, cell in enumerate(content):
            fragment = position > 0 and cell.cell_type == "code"
            cell.metadata["slideshow"] = {"slide_type": "fragment" if fragment else "-"}
            cells.append(cell)
    nb = new_notebook(cells=speaker_notes.gather(cells))
    nb.metadata["title"] = language.say(TITLE)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def exporter():
    """Returns the decks' exporter with asset paths relative to build/slides/, where the lecture deck sits."""
    export = slides.exporter()
    for key, value in URLS.items():
        setattr(export, key, value)
    return export


def build(out=slides.BUILD, cache=slides.ASSET_CACHE, paths=None, language=lab_sheet.ENGLISH):
    """Writes out/lecture.slides.html (with out/assets/) and the lab sheet, from the solutions notebooks at `paths`
    (all of solutions/ by default), in `language`; returns (deck, lecture plan, lab plan)."""
    if slides.assets_missing(cache):
        raise npm_assets.AssetsUnavailable(
            f"the slide assets are not staged in {cache}: run `python3 course.py setup`"
            " (it needs npm, from Node.js, and the npm registry once)."
        )
    out = Path(out)
    shutil.copytree(cache, out / "assets", dirs_exist_ok=True)
    lecture, lab = plan(paths, language), lab_sheet.plan(paths, language)
    body, _ = exporter().from_notebook_node(
        deck_notebook(lecture, lab, language),
        resources={"metadata": {"name": "lecture"}, "default_timing": 60},
    )
    deck = out / DECK_NAME
    deck.write_text(body, encoding="utf-8")
    lab_sheet.write(out, paths, language)
    return deck, lecture, lab


def summary(lecture):
    """Returns the lines `course.py slides --lecture` prints: each section's minutes and slides, then the totals."""
    lines = [
        f"  {clock(s['start']):>5}  {s['minutes']:2d} min  {s['count']:2d} slide(s)  {s['section']}"
        + (f" ({s['notebook']})" if s["notebook"] else "")
        for s in lecture["sections"]
    ]
    lines.append(f"  total: {lecture['minutes']} minutes, {len(lecture['slides'])} slides")
    return lines


def main(argv=(), out=slides.BUILD, paths=None, language=lab_sheet.ENGLISH):
    """Builds the deck and the lab sheet into `out` (see build) and prints the plan; returns the exit status."""
    try:
        deck, lecture, lab = build(out, paths=paths, language=language)
    except (npm_assets.AssetsUnavailable, LectureError, lab_sheet.LabError) as error:
        print(f"[course] {error}")
        return 1
    print("\n".join(summary(lecture)))
    folder = deck.parent.relative_to(ROOT) if deck.parent.is_relative_to(ROOT) else deck.parent
    print(
        f"[course] the lecture deck: {folder / deck.name}; the lab sheet: {folder / 'lab.html'} and lab.md "
        f"({lab['minutes']} minutes)."
    )
    if language.left_out:
        print(f"[course] not in the {language.code} edition yet, so left out: {', '.join(language.left_out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
