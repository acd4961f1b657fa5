"""The Korean catalogs (i18n/ko/*.po) are in step with the English source, complete, and use the glossary's terms.

`test_translation_is_complete` has one case per notebook (its catalog: markdown, tasks, printed prose, speaker notes
and lecture section names; and the messages of the utils modules it imports), plus the README, the slide index and
the instructor kit's fixed texts (lecture.po): it fails while any of their entries is missing, fuzzy (the English
changed after it was translated) or stale (the English changed and the catalog was not updated), and names the
notebook and the cell of each. Notebooks that translators have not reached yet fail here, and only here.
"""

import re
import shutil

import nbformat
import polib
import pytest

from tests import nbrun
from tools import lab_sheet, lecture, speaker_notes
from tools.i18n import ROOT, catalogs, edition, extract
from tools.i18n import __main__ as translate

LANG = "ko"
GLOSSARY = ROOT / "i18n" / LANG / "glossary.md"
NOTEBOOKS = [p.stem for p in nbrun.solution_paths()]
WHOLE = ("readme", "slides", "lecture")  # catalogs checked whole (a notebook's case takes its share of utils)


@pytest.fixture(scope="module")
def source():
    return catalogs.extracted(ROOT)


def scope_problems(name, source, root=ROOT):
    """Returns the problems of one case: a notebook (its catalog and its share of utils), "readme" or "slides"."""
    found = catalogs.problems(catalogs.read(LANG, name, root), source[name])
    if name in WHOLE:
        return found
    files = catalogs.notebook_scope(root / "solutions" / f"{name}.ipynb", root)
    in_scope = lambda text: any(path in files for path, _ in text.where)  # noqa: E731
    return found + catalogs.problems(catalogs.read(LANG, "utils", root), source["utils"], in_scope)


@pytest.mark.parametrize("name", [*NOTEBOOKS, *WHOLE])
def test_translation_is_complete(name, source):
    problems = scope_problems(name, source)
    assert not problems, f"{len(problems)} entries to translate (i18n/{LANG}/, see CONTRIBUTING.md):\n" + "\n".join(
        problems[:40]
    )


def test_the_catalogs_are_updated_from_the_english_source(source):
    """Missing translations aside, every catalog holds exactly the texts of today's English source."""
    stale = [
        f"i18n/{LANG}/{name}.po: {line}"
        for name, texts in source.items()
        for line in catalogs.problems(catalogs.read(LANG, name), texts)
        if any(kind in line for kind in (": stale, ", ": its English is gone", ": the translation's placeholders"))
    ]
    assert not stale, "run `python3 course.py translate --update`:\n" + "\n".join(stale[:40])


def copy_course(tmp_path):
    """Returns a copy of what the catalogs are made from (the notebooks, utils/, the README, the stubs' generator,
    and i18n/), in which the tests change things."""
    for folder in ("solutions", "utils", "i18n"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "tools").mkdir()
    shutil.copy(ROOT / "tools" / "student_version.py", tmp_path / "tools")
    shutil.copy(ROOT / "README.md", tmp_path)
    return tmp_path


def test_a_changed_english_cell_is_named_with_its_notebook_until_retranslated(tmp_path):
    root = copy_course(tmp_path)
    path = root / "solutions" / "01_raw_tensors.ipynb"
    nb = nbformat.read(path, as_version=4)
    index, cell = next(
        (i, c) for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and "Forward pass." in c.source
    )
    cell.source = cell.source.replace("another matrix product", "and another matrix product")
    nbformat.write(nb, path)
    source = catalogs.extracted(root)
    where = f"solutions/01_raw_tensors.ipynb, cell {index} (id {cell.id}), markdown"
    problems = scope_problems("01_raw_tensors", source, root)
    assert [p for p in problems if where in p and "stale" in p], problems
    assert any("out of date: solutions/ko/01_raw_tensors.ipynb" in line for line in edition.out_of_date(LANG, root))
    translate.update(LANG, root)  # as `python3 course.py translate --update` does: the old translation, fuzzy
    problems = scope_problems("01_raw_tensors", catalogs.extracted(root), root)
    assert len(problems) == 1 and where in problems[0] and "fuzzy" in problems[0], problems
    po = catalogs.read(LANG, "01_raw_tensors", root)
    entry = po.find(cell.source)
    assert entry.fuzzy and "another matrix product" in entry.previous_msgid, "the previous English is kept"
    entry.flags.remove("fuzzy")  # the translator checks the translation against the new English
    po.save(str(catalogs.path_of(LANG, "01_raw_tensors", root)))
    assert scope_problems("01_raw_tensors", catalogs.extracted(root), root) == []


def test_speaker_notes_section_names_and_the_kit_s_fixed_texts_are_entries_naming_their_place(source):
    """Every solutions notebook's speaker notes and lecture section names are in its catalog, noted with the cell they
    come from; the lecture deck's and the lab sheet's fixed texts are in `lecture`, templates flagged as such."""
    for path in nbrun.solution_paths():
        for index, cell in enumerate(nbrun.read(path).cells):
            place = f"solutions/{path.name}, cell {index} (id {cell.id})"
            texts = {"speaker notes": speaker_notes.notes_of(cell)}
            texts["lecture section name"] = cell.metadata.get(lecture.SECTION_KEY, {}).get("section", "").strip()
            for kind, english in texts.items():
                if english:
                    entry = catalogs._entry(source[path.stem][english])
                    assert f"{place}, {kind}" in catalogs.where(entry), (path.name, index, kind)
    fixed = source["lecture"]
    for module in (lecture, lab_sheet):
        for name, english in module.TEXTS.items():
            assert fixed[english].template == ("{0}" in english), name
            assert (f"tools/{module.__name__.split('.')[-1]}.py", name) in fixed[english].where
    assert set(fixed) == {*lecture.TEXTS.values(), *lab_sheet.TEXTS.values()}


def test_a_changed_speaker_note_is_stale_then_fuzzy_like_a_markdown_cell(tmp_path):
    """The check names a note whose English changed (notebook and cell), and the update keeps its old translation,
    fuzzy, with the previous English; a renamed lecture section is named too."""
    (tmp_path / "solutions").mkdir()
    path = tmp_path / "solutions" / "01_raw_tensors.ipynb"
    nb = nbrun.read(ROOT / "solutions" / path.name)
    index, cell = next((i, c) for i, c in enumerate(nb.cells) if speaker_notes.notes_of(c))
    cell.metadata["notes"] = speaker_notes.notes_of(cell) + " Then ask one more question."
    opener = next(c for c in nb.cells if lecture.SECTION_KEY in c.metadata)
    opener.metadata[lecture.SECTION_KEY]["section"] += " by hand"
    nbformat.write(nb, path)
    texts = extract.notebook_texts(path, tmp_path)
    po = catalogs.read(LANG, "01_raw_tensors")
    problems = [p for p in catalogs.problems(po, texts) if "stale" in p]
    assert len(problems) == 2, problems
    assert f"solutions/01_raw_tensors.ipynb, cell {index} (id {cell.id}), speaker notes: stale" in problems[0]
    assert "lecture section name: stale" in problems[1] and "by hand" in problems[1]
    catalogs.update(po, texts)
    entry = po.find(speaker_notes.notes_of(cell))
    assert entry.fuzzy and entry.msgstr and not entry.previous_msgid.endswith("one more question.")


def test_update_adds_new_texts_and_keeps_vanished_ones_as_obsolete():
    po = polib.POFile()
    po.append(polib.POEntry(msgid="gone", msgstr="사라짐"))
    po.append(polib.POEntry(msgid="kept", msgstr="유지"))
    texts = {t: catalogs.extract.Text(t, where=[("x.py", "1")]) for t in ("kept", "brand new text")}
    catalogs.update(po, texts, remembered={"brand new text": "새 글"})
    assert [(e.msgid, e.msgstr, e.obsolete) for e in po] == [
        ("kept", "유지", False),
        ("brand new text", "새 글", False),  # from another catalog of the language (translation memory)
        ("gone", "사라짐", True),
    ]


def glossary():
    """Returns [(English term, Korean term)] from the glossary's table, and the allowed exceptions."""
    text = GLOSSARY.read_text(encoding="utf-8")
    pairs = re.findall(r"^\| ([a-z][^|]*?) \| ([^|`]*?) \|", text, re.M)
    allowed = re.findall(r"^- `([^`]+)`", text.split("## Exceptions", 1)[1], re.M)
    return pairs, tuple(allowed)


def mentions(term, prose):
    """Returns the spans where `term` occurs in `prose` as a word: lower case, or capitalised at a sentence's start
    (a capitalised term elsewhere is a class name: Dataset, DataLoader), never inside an identifier or a call."""
    after = r"(?! of\b)" if term == "in place" else ""  # "in place of" means "instead of"
    pattern = (
        rf"(?<![\w.]){re.escape(term)}(?![\w(]|\.\w){after}"
        rf"|(?:^|(?<=[.:] ))(?-i:{re.escape(term.capitalize())})(?!\w){after}"
    )
    return [m.span() for m in re.finditer(pattern, prose, re.M)]


def test_the_translations_use_the_glossary_s_terms():
    pairs, allowed = glossary()
    assert len(pairs) >= 11, pairs
    assert mentions("loss", "the loss grows. Loss is") == [(4, 8), (16, 20)], "the check itself"
    assert not mentions("loss", "append loss.item()") and not mentions("dataset", "import your Dataset")
    assert not mentions("in place", "MyReLU.apply in place of clamp") and mentions("in place", "changed in place")
    pairs.sort(key=lambda pair: -max(len(t) for t in pair[0].split(",")))  # "gradient descent" before "gradient"
    wrong = []
    for path in sorted(catalogs.folder(LANG).glob("*.po")):
        for entry in polib.pofile(str(path)):
            if not catalogs.usable(entry) or entry.msgid.startswith(allowed):
                continue
            # code spans, calls such as DistributedSampler(dataset, seed=seed), math and links stay English
            prose = re.sub(r"`[^`]*`|[\w.]+\([^()]*\)|\$[^$]*\$|https?://\S+", "", entry.msgid)
            korean_text = " ".join(entry.msgstr.split())
            for english, korean in pairs:
                spans = [s for t in english.split(",") for s in mentions(t.strip(), prose)]
                if spans and not any(k.strip() in korean_text for k in korean.split(",")):
                    wrong.append(f"{path.name}: {english!r} without {korean!r}: {entry.msgid[:80]!r}")
                for start, end in spans:  # a longer term's words are not checked again as a shorter one
                    prose = prose[:start] + " " * (end - start) + prose[end:]
    assert not wrong, "use the glossary's term, or list the entry under Exceptions:\n" + "\n".join(wrong)
