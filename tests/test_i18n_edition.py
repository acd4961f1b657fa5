"""The Korean edition: the English code byte for byte, generated files up to date, links that work, Korean stubs,
the instructor kit in Korean (speaker notes and lecture section names in the notebooks' metadata, the decks' notes, the
lecture deck and the lab sheet built from the edition).

(nbval runs solutions/ko/ with the rest of solutions/, comparing every stored output; the exercise progression
test walks notebooks/ko/ as it walks notebooks/.)
"""

import re

import pytest

from tests import nbrun
from tools import lab_sheet, lecture, slides, speaker_notes
from tools.i18n import ROOT, catalogs, edition
from utils import i18n

LANG = "ko"
KOREAN = sorted((ROOT / "solutions" / LANG).glob("*.ipynb"))


def test_the_korean_edition_has_notebook_01():
    assert [p.name for p in KOREAN] and KOREAN[0].name == "01_raw_tensors.ipynb"


@pytest.mark.parametrize("path", KOREAN, ids=lambda p: p.stem)
def test_code_cells_are_the_english_ones_apart_from_the_language_lines(path):
    english = nbrun.read(ROOT / "solutions" / path.name)
    korean = nbrun.read(path)
    assert [c.cell_type for c in korean.cells] == [c.cell_type for c in english.cells]
    for index, (ko, en) in enumerate(zip(korean.cells, english.cells)):
        if en.cell_type == "code":
            assert edition.without_language_lines(ko.source, LANG) == en.source, f"cell {index} differs"
    changed = [c.source for c, e in zip(korean.cells, english.cells) if c.cell_type == "code" and c.source != e.source]
    assert len(changed) == 1 and all(line in changed[0] for line in edition.language_lines(LANG)), "one set-up cell"
    translated = sum(c.source != e.source for c, e in zip(korean.cells, english.cells) if c.cell_type == "markdown")
    assert translated == sum(c.cell_type == "markdown" for c in english.cells), "every markdown cell is translated"


@pytest.mark.parametrize("path", KOREAN, ids=lambda p: p.stem)
def test_speaker_notes_and_section_names_are_translated_in_the_metadata_and_the_rest_kept(path):
    english = nbrun.read(ROOT / "solutions" / path.name)
    korean = nbrun.read(path)
    done = edition.usable_translations(LANG, path.stem)
    for index, (ko, en) in enumerate(zip(korean.cells, english.cells)):
        notes = speaker_notes.notes_of(en)
        assert speaker_notes.notes_of(ko) == done.get(notes, notes).strip(), f"cell {index}: its notes"
        section = en.metadata.get(lecture.SECTION_KEY)
        if section:
            expected = {**section, "section": done.get(section["section"], section["section"])}
            assert ko.metadata[lecture.SECTION_KEY] == expected, f"cell {index}: its lecture section"
        rest = lambda cell: {k: v for k, v in cell.metadata.items() if k not in ("notes", "lecture")}  # noqa: E731
        assert rest(ko) == rest(en), f"cell {index}: the rest of its metadata"
    if path.stem == "01_raw_tensors":  # translated in full: every note and section name in Korean
        assert all(
            speaker_notes.notes_of(ko) != speaker_notes.notes_of(en)
            for ko, en in zip(korean.cells, english.cells)
            if speaker_notes.notes_of(en)
        )
        assert {
            c.metadata[lecture.SECTION_KEY]["section"] for c in korean.cells if lecture.SECTION_KEY in c.metadata
        } == {"텐서"}


def test_the_edition_is_up_to_date_with_the_english_source_and_the_catalogs():
    """solutions/ko (all but outputs), notebooks/ko, README.ko.md and i18n/ko/runtime.json are what
    `python3 course.py translate` makes today (nbval checks the outputs)."""
    problems = edition.out_of_date(LANG)
    assert not problems, "run `python3 course.py translate`:\n" + "\n".join(problems)


def test_the_korean_readme_links_the_edition_and_colab_opens_its_student_notebooks():
    readme = (ROOT / "README.ko.md").read_text(encoding="utf-8")
    assert "python3 course.py start --lang ko" in readme and "python3 course.py test" in readme
    for target in re.findall(r"\]\(((?:notebooks|solutions|i18n)/[^)]+)\)", readme) + ["README.md"]:
        assert (ROOT / target).is_file(), f"README.ko.md links {target}, which does not exist"
    colab = re.findall(r"colab\.research\.google\.com/github/[^/]+/[^/]+/blob/main/([^)]+)\)", readme)
    assert colab and all((ROOT / target).is_file() for target in colab)
    assert f"blob/main/notebooks/{LANG}/01_raw_tensors.ipynb" in readme
    english = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "README.ko.md" in english, "the English README points to the Korean one"


def test_korean_stubs_give_the_task_in_korean_and_read_back_in_english():
    nb = nbrun.read(ROOT / "notebooks" / LANG / "01_raw_tensors.ipynb")
    stubs = [c.source for c in nb.cells if c.cell_type == "code" and "NotImplementedError(" in c.source]
    assert stubs and all("연습" in s or "도전 과제" in s for s in stubs)
    assert "# 연습 1: torch 연산으로 h, h_relu, y_pred를 계산하세요." in stubs[0]
    assert all(len(line) <= 120 for s in stubs for line in s.splitlines())
    message = re.search(r'raise NotImplementedError\(\n((?:\s+".*"\n)+)', stubs[0])[1]
    text = "".join(re.findall(r'"(.*)"', message))
    back = i18n.Translator(catalogs.runtime_entries(LANG)).reverse().translate(text)
    assert back.startswith("Exercise 1 is not done yet: compute h, h_relu and y_pred with torch operations.")
    assert nb.metadata["course"]["generated_from"] == "solutions/ko/01_raw_tensors.ipynb"


def test_korean_slide_decks_lecture_deck_and_lab_sheet_build_as_the_english_ones(tmp_path):
    """As `python3 course.py slides --lang ko` builds them: the edition's lecture deck and lab sheet first (from its
    notebooks only: those not translated yet are left out, and named), then the notebook decks and the index."""
    if slides.assets_missing():
        pytest.skip("the slide assets are not staged (python3 course.py setup)")
    assert edition.build_lecture(LANG, tmp_path) == 0
    built = slides.build(
        tmp_path, ["01"], decks=edition.deck_folders(LANG), translate=edition.slide_texts(LANG), lang=LANG
    )
    assert sorted(p.relative_to(tmp_path).as_posix() for p in built) == [
        "notebooks/01_raw_tensors.slides.html",
        "solutions/01_raw_tensors.slides.html",
    ]
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ko">' in index and "<h1>슬라이드</h1>" in index and ">학생용 버전</a>" in index
    assert "01 · 원시 텐서" in index
    assert '<a href="lecture.slides.html">강의 슬라이드</a> · 실습 안내지:' in index
    deck = (tmp_path / "solutions" / "01_raw_tensors.slides.html").read_text(encoding="utf-8")
    assert "역전파를 손으로" in deck and "../assets/reveal.js" in deck
    assert "<strong>노트북 01 전체: 약 35분</strong>" in deck, "the speaker notes (S) are the Korean ones"

    fixed = edition.usable_translations(LANG, "lecture")
    in_edition, english = {p.stem for p in KOREAN}, [p.stem for p in nbrun.solution_paths()]
    language = edition.kit_language(LANG)
    assert language.left_out == tuple(stem for stem in english if stem not in in_edition)
    plan = lecture.plan(edition.kit_paths(LANG), language)
    shown = {s["notebook"] for s in plan["sections"] if s["notebook"]}
    assert shown and shown <= in_edition, "only the edition's notebooks are in the Korean lecture"
    lecture_deck = (tmp_path / "lecture.slides.html").read_text(encoding="utf-8")
    for english_text in (lecture.TITLE, lecture.OPENING["section"], lecture.CLOSING["section"]):
        assert fixed[english_text] in lecture_deck and english_text not in lecture_deck
    assert "텐서 — 01_raw_tensors.ipynb" in lecture_deck and "PyTorch 텐서는 GPU에도" in lecture_deck
    assert "<em>계획: 이 슬라이드에" in lecture_deck and "Planned:" not in lecture_deck
    sheet = (tmp_path / "lab.md").read_text(encoding="utf-8")
    assert sheet.startswith(f"# {fixed[lab_sheet.TITLE]} (")
    left_out = fixed[lab_sheet.TEXTS["LEFT_OUT"]].format(", ".join(stem[:2] for stem in language.left_out))
    if language.left_out:  # the notebooks not translated yet are named, and not in the deck
        assert left_out in lecture_deck and left_out in sheet
        assert not any(f"{stem}.ipynb" in lecture_deck for stem in language.left_out)
    else:  # every notebook is in the edition: the whole lecture, and no line about notebooks left out
        assert shown == {s["notebook"] for s in lecture.plan()["sections"] if s["notebook"]}, "the whole lecture"
        assert fixed[lab_sheet.TEXTS["LEFT_OUT"]].split("{0}")[0] not in lecture_deck + sheet
    assert "python3 course.py start --lang ko" in sheet
    assert "blob/main/notebooks/ko/01_raw_tensors.ipynb" in sheet and "torch 연산으로 h, h\\_relu" in sheet
    rows = [line for line in sheet.splitlines() if re.match(r"\| \d:\d\d \|", line)]
    assert rows and all(row.split(" | ")[1] in {stem[:2] for stem in in_edition} for row in rows)
    assert all("`확인 통과: " in row for row in rows), "done = the Korean notebooks' check passed lines"
    assert '<html lang="ko">' in (tmp_path / "lab.html").read_text(encoding="utf-8")
