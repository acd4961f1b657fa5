"""The Korean edition: the English code byte for byte, generated files up to date, links that work, Korean stubs.

(nbval runs solutions/ko/ with the rest of solutions/, comparing every stored output; the exercise progression
test walks notebooks/ko/ as it walks notebooks/.)
"""

import re

import pytest

from tests import nbrun
from tools import slides
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


def test_korean_slide_decks_build_as_the_english_ones(tmp_path):
    if slides.assets_missing():
        pytest.skip("the slide assets are not staged (python3 course.py setup)")
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
    deck = (tmp_path / "solutions" / "01_raw_tensors.slides.html").read_text(encoding="utf-8")
    assert "역전파를 손으로" in deck and "../assets/reveal.js" in deck
