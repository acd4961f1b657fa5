"""The slide decks (tools/slides.py): built for every notebook, offline, and rendered by a real browser.

The decks are built once into a temporary folder; headless Chromium opens each one on its second slide with
the network switched off, and the page it rendered is checked: reveal.js started, the title and the first
section are there, the deck has its slides, MathJax typeset the formulas.
"""
import re
import shutil
import subprocess

import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tests import nbrun
from tools import slides

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1280,800", "--virtual-time-budget=10000"]
DECKS = [(folder, path.stem) for folder in slides.DECKS for path in nbrun.solution_paths()]


def chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def title_of(stem):
    return nbrun.read(nbrun.SOLUTIONS / f"{stem}.ipynb").cells[0].source.splitlines()[0][2:]


def first_section(stem):
    """Returns the text of the notebook's first `## ` heading that a deck shows (the toggle's is skipped)."""
    for cell in nbrun.read(nbrun.SOLUTIONS / f"{stem}.ipynb").cells:
        kind = cell.metadata.get("slideshow", {}).get("slide_type")
        if cell.cell_type == "markdown" and cell.source.startswith("## ") and kind != "skip":
            return cell.source.splitlines()[0][3:]
    raise AssertionError(f"{stem} has no ## section")


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    if slides.assets_missing():
        pytest.fail(f"the slide assets are not staged in {slides.ASSET_CACHE}: run `python3 course.py setup` "
                    "(it fetches reveal.js & co. from the npm registry with npm, once)")
    out = tmp_path_factory.mktemp("slides")
    slides.build(out)
    return out


def test_markdown_is_cut_at_headings_and_exercise_stubs_become_prompts():
    nb = new_notebook(cells=[
        new_markdown_cell("## Then vs now\nold\n## Summary\n- a\n### Detail\nb",
                          metadata={"slideshow": {"slide_type": "slide"}}),
        new_code_cell("def f():\n    # Exercise 1: return 1.\n"
                      "    raise NotImplementedError('Exercise 1 is not done yet: return 1. Replace this raise line')\n"
                      "    return x")])
    student = slides.deck_notebook(nb, student=True)
    assert [c.source.splitlines()[0] for c in student.cells[:3]] == ["## Then vs now", "## Summary", "### Detail"]
    assert [c.metadata["slideshow"]["slide_type"] for c in student.cells[:3]] == ["slide", "slide", "subslide"]
    assert student.cells[3].source == "def f():\n    # Exercise 1: return 1.\n    ...  # your code here\n    return x"
    assert "NotImplementedError" in slides.deck_notebook(nb, student=False).cells[3].source
    solution = new_notebook(cells=[new_code_cell("def f():\n    ### BEGIN SOLUTION Exercise 1: return 1\n"
                                                 "    return 1\n    ### END SOLUTION")])
    assert slides.deck_notebook(solution, student=False).cells[0].source == \
        "def f():\n    # Exercise 1: return 1\n    return 1"
    assert len(nb.cells) == 2, "the notebook itself is not changed"


def test_every_notebook_has_a_solutions_deck_and_a_student_deck(decks):
    built = sorted(p.relative_to(decks).as_posix() for p in decks.glob("*/*.slides.html"))
    assert built == sorted(f"{folder}/{stem}.slides.html" for folder, stem in DECKS)
    index = (decks / "index.html").read_text()
    for folder, stem in DECKS:
        assert f'href="{folder}/{stem}.slides.html"' in index


@pytest.mark.parametrize("folder, stem", DECKS, ids=[f"{f}/{s}" for f, s in DECKS])
def test_a_deck_loads_nothing_from_the_network(decks, folder, stem):
    deck = decks / folder / f"{stem}.slides.html"
    page = BeautifulSoup(deck.read_text(encoding="utf-8"), "html.parser")
    loaded = [t.get("src") for t in page.find_all("script") if t.get("src")]
    loaded += [t.get("href") for t in page.find_all("link") if t.get("href")]
    loaded += re.findall(r"\"(\.\./assets/[^\"]+)\"", deck.read_text(encoding="utf-8"))  # require.js modules
    assert len(loaded) >= 6, loaded
    for url in loaded:
        assert not re.match(r"[a-z]+:", url), f"{deck.name} loads {url} from the network"
        target = (deck.parent / url.split("?")[0]).resolve()
        assert target.is_file(), f"{deck.name} loads {url}, which is not in the build folder"
    assert "mermaid" not in deck.read_text(encoding="utf-8")


def render(url, profile, *extra):
    result = subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, url],
                            capture_output=True, text=True, timeout=90)
    return result.stdout


@pytest.mark.skipif(not chromium(), reason="no Chromium: `python3 course.py test` installs it where it can (apt-get)")
@pytest.mark.parametrize("folder, stem", DECKS, ids=[f"{f}/{s}" for f, s in DECKS])
def test_headless_chromium_renders_the_first_slides(decks, folder, stem, tmp_path):
    deck = decks / folder / f"{stem}.slides.html"
    page = BeautifulSoup(render(f"{deck.as_uri()}#/1", tmp_path / "profile", "--dump-dom"), "html.parser")
    reveal = page.find("div", class_="reveal")
    assert reveal is not None and "ready" in reveal["class"], "reveal.js did not start (are its files there?)"
    slides_ = reveal.find("div", class_="slides").find_all("section", recursive=False)
    assert len(slides_) >= 5, f"only {len(slides_)} horizontal slides: is the slide metadata there?"
    assert title_of(stem) in slides_[0].get_text(" "), "the title is not on the first slide"
    present = [s for s in slides_ if "present" in s.get("class", [])]
    assert len(present) == 1 and slides_.index(present[0]) == 1
    assert first_section(stem) in present[0].get_text(" "), "the second slide is not the first section"
    prose = "".join(c.source for c in nbrun.read(nbrun.SOLUTIONS / f"{stem}.ipynb").cells if c.cell_type == "markdown")
    if "$" in prose:
        assert page.find(class_="mjx-chtml") is not None, "MathJax typeset nothing"


def position_of(page, text):
    """Returns the reveal.js address ("h/v") of the first slide whose text contains `text`."""
    for h, top in enumerate(page.find("div", class_="slides").find_all("section", recursive=False)):
        inner = top.find_all("section", recursive=False) or [top]
        for v, section in enumerate(inner):
            if text in section.get_text(" "):
                return f"{h}/{v}"
    raise AssertionError(f"no slide shows {text!r}")


@pytest.mark.skipif(not chromium(), reason="no Chromium: `python3 course.py test` installs it where it can (apt-get)")
def test_screenshots_of_a_title_a_code_slide_and_a_student_prompt(decks, tmp_path):
    """Pictures to look at (kept in the test's temporary folder): they must show more than a blank page."""
    student = decks / "notebooks" / "01_raw_tensors.slides.html"
    page = BeautifulSoup(render(student.as_uri(), tmp_path / "profile", "--dump-dom"), "html.parser")
    prompt = position_of(page, "# your code here")  # an exercise, shown as a prompt
    shots = {"title": ("solutions", "0"), "code": ("solutions", "1/1/0"), "prompt": ("notebooks", f"{prompt}/0")}
    for name, (folder, where) in shots.items():
        shot = tmp_path / f"{name}.png"
        render(f"{(decks / folder / '01_raw_tensors.slides.html').as_uri()}#/{where}", tmp_path / "profile",
               f"--screenshot={shot}")
        assert shot.stat().st_size > 15_000, f"the {name} screenshot looks blank"
