"""A translated edition of the course, built from the English source and the catalogs of its language.

- solutions/<lang>/NN_name.ipynb: solutions/NN_name.ipynb with every markdown cell translated (the English kept
  where the catalog has no usable translation yet), every code cell byte-identical, except two lines that set the
  language, inserted in the set-up cell right before `errors.show_lessons()` (LANGUAGE_LINES); the instructor kit's
  cell metadata translated too: speaker notes (`notes`) and lecture section names (`lecture.section`); its outputs
  come from executing it (tools/refresh_outputs.py).
- notebooks/<lang>/NN_name.ipynb: its student version (tools/student_version.py), the stubs' texts translated.
- README.<lang>.md: the README's title, introduction, two commands and course map, translated, linking the edition.
A notebook joins the edition once its first markdown cell (the title and introduction) has a usable translation.

The edition's decks (`python3 course.py slides --lang ko`, build/slides/<lang>/) are built by tools/slides.py from
solutions/<lang> and notebooks/<lang>; its lecture deck and lab sheet (lecture.slides.html, lab.html, lab.md there)
by tools/lecture.py from the edition's solutions, with `kit_language`: the fixed texts of i18n/<lang>/lecture.po,
the exercises' tasks of the notebooks' catalogs. A notebook not in the edition yet stays out of them, as it stays out
of the edition; their plan slide and sheet name the notebooks left out.
"""

import copy
import json

import nbformat

from tools import lab_sheet, lecture, notebook_frame, slides, speaker_notes, student_version
from tools.i18n import ROOT, catalogs, extract

EDITION_NOTE = (
    "This is the Korean edition of the course, built from the English source ([README.md](README.md)): the same "
    "code, with the text, the checks' messages and the exercises' instructions in Korean. Code identifiers and API "
    "names stay in English; the terms used are listed in the [glossary](i18n/ko/glossary.md)."
)
NOT_YET = "(not translated yet: the English version)"
FIXED_TEXTS = {"slides": list(slides.INDEX_TEXTS.values()), "readme": [EDITION_NOTE, NOT_YET]}
SETUP_LINE = "errors.show_lessons()"
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"


def language_lines(lang):
    """Returns the two lines that set the course language in a translated notebook's set-up cell."""
    return ["from utils import i18n", f'i18n.use("{lang}")  # 확인 메시지와 안내를 한국어로 보여 줍니다']


def deck_folders(lang, root=ROOT):
    """Returns {build folder: source folder} for the edition's slide decks."""
    return {"solutions": root / "solutions" / lang, "notebooks": root / "notebooks" / lang}


def slide_texts(lang, root=ROOT):
    """Returns the function that translates the slide index's fixed texts."""
    return catalogs.translator(lang, root).translate


def usable_translations(lang, name, root=ROOT):
    """Returns {English: translation} for the usable entries of catalog `name`."""
    return {e.msgid: e.msgstr for e in catalogs.read(lang, name, root) if catalogs.usable(e)}


def in_edition(lang, path, root=ROOT):
    """Returns True when solutions/NN_name.ipynb at `path` has a translated edition (see the docstring)."""
    nb = nbformat.read(path, as_version=4)
    title = next((c.source for c in nb.cells if c.cell_type == "markdown"), None)
    return title in usable_translations(lang, path.stem, root)


def edition_paths(lang, prefixes=(), root=ROOT):
    """Returns the English solutions notebooks that have a translated edition (names matching `prefixes`)."""
    return [
        p
        for p in sorted((root / "solutions").glob("*.ipynb"))
        if (not prefixes or any(p.name.startswith(x) for x in prefixes)) and in_edition(lang, p, root)
    ]


def translated_solution(nb, lang, name, root=ROOT):
    """Returns the translated copy of the English solutions notebook `nb` (named `name`), without outputs."""
    done = usable_translations(lang, name.removesuffix(".ipynb"), root)
    out = copy.deepcopy(nb)
    setup = [c for c in out.cells if c.cell_type == "code" and SETUP_LINE in c.source.splitlines()]
    if len(setup) != 1:
        raise ValueError(f"{name}: expected one set-up cell with the line {SETUP_LINE!r}, found {len(setup)}")
    for cell in out.cells:
        if cell.cell_type == "markdown":
            cell.source = done.get(cell.source, cell.source)
        elif cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        translate_metadata(cell, done)
    lines = setup[0].source.splitlines()
    at = lines.index(SETUP_LINE)
    setup[0].source = "\n".join([*lines[:at], *language_lines(lang), *lines[at:]])
    out.metadata["course"] = {"language": lang, "translated_from": f"solutions/{name}"}
    return out


def translate_metadata(cell, done):
    """Translates, in place, the cell's speaker notes and the name of the lecture section it opens, when `done`
    ({English: translation}) has them; anything else in its metadata stays as it is."""
    notes = speaker_notes.notes_of(cell)
    if notes in done:
        cell.metadata[speaker_notes.NOTES_KEY] = done[notes]
    section = cell.metadata.get(lecture.SECTION_KEY)
    if isinstance(section, dict) and isinstance(section.get("section"), str):
        section["section"] = done.get(section["section"].strip(), section["section"])


def kit_language(lang, root=ROOT):
    """Returns the lab_sheet.Language of the edition's lecture deck and lab sheet: every catalog's usable
    translations (lecture.po's fixed texts, the notebooks' tasks), the edition's folders and start command, and the
    English notebooks it leaves out (not in the edition yet)."""
    table = {source: target for source, target, _ in catalogs.translator(lang, root).entries}
    built = {p.stem for p in kit_paths(lang, root)}
    return lab_sheet.Language(
        code=lang,
        translate=lambda text: table.get(text, text),
        notebooks=f"notebooks/{lang}",
        start=f"python3 course.py start --lang {lang}",
        decks=f"build/slides/{lang}",
        left_out=tuple(p.stem for p in sorted((root / "solutions").glob("*.ipynb")) if p.stem not in built),
    )


def kit_paths(lang, root=ROOT):
    """Returns the edition's solutions notebooks that its lecture deck and lab sheet are built from."""
    paths = [root / "solutions" / lang / p.name for p in edition_paths(lang, root=root)]
    return [p for p in paths if p.is_file()]


def build_lecture(lang, out, root=ROOT):
    """Builds the edition's lecture deck and lab sheet into `out` (build/slides/<lang>/); returns the exit status."""
    return lecture.main(out=out, paths=kit_paths(lang, root), language=kit_language(lang, root))


def lecture_minutes(lang, root=ROOT):
    """Returns the minutes of the edition's lecture deck (less than the English one's while notebooks are left out)."""
    return lecture.plan(kit_paths(lang, root), kit_language(lang, root))["minutes"]


def without_language_lines(source, lang):
    """Returns a code cell's source without the language lines (for the code-identity test)."""
    lines = [line for line in source.splitlines() if line not in language_lines(lang)]
    return "\n".join(lines)


def sources(nb):
    """Returns what must match between a built notebook and the stored one: everything but outputs and counts."""
    cells = [{k: v for k, v in c.items() if k not in ("outputs", "execution_count")} for c in nb.cells]
    return json.dumps({"metadata": nb.metadata, "cells": cells}, sort_keys=True, ensure_ascii=False)


def student_text(solution_nb, lang, name, translate):
    """Returns the text of notebooks/<lang>/<name>, generated from the stored (executed) translated solution."""
    student = student_version.student_notebook(
        solution_nb, name=name, translate=translate, source=f"solutions/{lang}/{name}"
    )
    return nbformat.writes(student) + "\n"


def readme_text(lang, root=ROOT):
    """Returns README.<lang>.md (see the module's docstring)."""
    done = usable_translations(lang, "readme", root)
    english = (root / "README.md").read_text(encoding="utf-8")
    parts = ["<!-- Generated by `python3 course.py translate` from README.md and i18n/ko/readme.po: edit those. -->"]
    for heading, body in extract.readme_sections(english).items():
        if heading:
            parts.append(done.get(heading, heading))
        for block in extract.markdown_blocks(body):
            if block.startswith("|"):
                parts.append(_course_map(block, lang, done, root))
            else:
                parts.append(done.get(block, block))
            if block.startswith("# "):
                parts.append(done.get(EDITION_NOTE, EDITION_NOTE))
    return "\n\n".join(parts) + "\n"


def _course_map(table, lang, done, root):
    rows = table.splitlines()
    header = done.get(rows[0], rows[0])
    out = [header, "|" + "---|" * (header.count("|") - 1)]
    edition = {p.stem for p in edition_paths(lang, root=root)}
    for row in rows[2:]:
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        number, stage = cells[0], cells[1]
        stem = next(s.stem for s in sorted((root / "solutions").glob("*.ipynb")) if s.stem in row)
        folder = f"{lang}/" if stem in edition else ""
        stage = done.get(stage, stage) + ("" if folder else " " + done.get(NOT_YET, NOT_YET))
        student, solution = f"notebooks/{folder}{stem}.ipynb", f"solutions/{folder}{stem}.ipynb"
        deck = (
            f"build/slides/{lang}/solutions/{stem}.slides.html"
            if folder
            else f"build/slides/solutions/{stem}.slides.html"
        )
        colab = f"https://colab.research.google.com/github/{notebook_frame.GITHUB_REPO}/blob/main/{student}"
        out.append(
            f"| {number} | {stage} | [{student}]({student}) | [{solution}]({solution}) | `{deck}` | "
            f"[![Open In Colab]({COLAB_BADGE})]({colab}) |"
        )
    return "\n".join(out)


def expected_files(lang, prefixes=(), root=ROOT):
    """Returns {path: expected text} for the generated files that do not need a kernel: README.<lang>.md and
    i18n/<lang>/runtime.json (solutions/<lang> and notebooks/<lang> are compared by `out_of_date`)."""
    return {
        root / f"README.{lang}.md": readme_text(lang, root),
        catalogs.folder(lang, root) / "runtime.json": catalogs.runtime_text(lang, root),
    }


def out_of_date(lang, root=ROOT):
    """Returns one line per file of the edition that is missing, stale or left over (empty when all is in step)."""
    found = []
    for path, text in expected_files(lang, root=root).items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            found.append(f"out of date: {path.relative_to(root)}")
    translate = catalogs.translator(lang, root).translate
    expected = set()
    for english in edition_paths(lang, root=root):
        name = english.name
        solution, student = root / "solutions" / lang / name, root / "notebooks" / lang / name
        expected |= {solution, student}
        built = translated_solution(nbformat.read(english, as_version=4), lang, name, root)
        if not solution.is_file() or sources(nbformat.read(solution, as_version=4)) != sources(built):
            found.append(f"out of date: {solution.relative_to(root)} (run: python3 course.py translate {name[:2]})")
            continue
        stored = nbformat.read(solution, as_version=4)
        if not student.is_file() or student.read_text(encoding="utf-8") != student_text(stored, lang, name, translate):
            found.append(f"out of date: {student.relative_to(root)} (run: python3 course.py translate {name[:2]})")
    for folder in ("solutions", "notebooks"):
        for path in sorted((root / folder / lang).glob("*.ipynb")):
            if path not in expected:
                found.append(f"left over: {path.relative_to(root)} (its notebook is not in the edition)")
    return found


def build(lang, prefixes=(), run=True, root=ROOT, say=print):
    """Writes the edition (see the module's docstring) for the notebooks matching `prefixes`; returns the paths
    written. `run=False` keeps each solution's stored outputs instead of executing it."""
    from tools import refresh_outputs

    written = []
    for path, text in expected_files(lang, prefixes, root).items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    translate = catalogs.translator(lang, root).translate
    for english in edition_paths(lang, prefixes, root):
        name = english.name
        solution, student = root / "solutions" / lang / name, root / "notebooks" / lang / name
        built = translated_solution(nbformat.read(english, as_version=4), lang, name, root)
        for path in (solution, student):
            path.parent.mkdir(parents=True, exist_ok=True)
        if run:
            refresh_outputs.execute(built, solution.parent)
            built = refresh_outputs.strip_volatile(built)
        elif solution.is_file():
            stored = nbformat.read(solution, as_version=4)
            for cell, old in zip(built.cells, stored.cells):
                if cell.cell_type == "code" and old.cell_type == "code":
                    cell.outputs, cell.execution_count = old.outputs, old.execution_count
        nbformat.write(built, solution)
        student.write_text(student_text(built, lang, name, translate), encoding="utf-8")
        written += [solution, student]
        say(
            f"built {solution.relative_to(root)}" + (" (executed)" if run else "") + f" and {student.relative_to(root)}"
        )
    return written
