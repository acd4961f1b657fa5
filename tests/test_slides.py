"""The slide decks (tools/slides.py, tools/lecture.py): built for every notebook, and the lecture's, offline, and
driven in a real browser.

The decks (and the lecture deck with its lab sheet) are built once into a temporary folder. One headless Chromium
(Playwright, Debian's chromium) is launched for the module, with every request that is not a local file aborted and
recorded, and a 1280 x 800 page is reused:
- each deck opens on its second slide: reveal.js started, the title and the first section are there, MathJax
  typeset the formulas, nothing was asked of the network;
- → pressed again and again from the first slide (and, separately, Space) walks every slide in document order, shows
  each fragment (a concept's code with its result) on its own key press, scrolls a long slide to its end before
  leaving it, and ends on the last slide;
- no slide is cut off: each one's box lies inside the view, and one taller than the view scrolls to its bottom;
- every deck's title slide has speaker notes; every slide of the lecture deck has notes and a planned time, which
  add up to 75 minutes, and the speaker view (S) shows them with reveal.js's pacing clock; no lecture slide scrolls;
- the lab sheet prints on one A4 page.
A synthetic deck with a very tall cell shows that the cut-off measurement can fail.
"""

import re
import shutil
import struct
import zlib

import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tests import browser as browser_setup
from tests import nbrun
from tools import lecture, slides

VIEW = {"width": 1280, "height": 800}
BROWSER_FLAGS = browser_setup.FLAGS
DECKS = [(folder, path.stem) for folder in slides.DECKS for path in nbrun.solution_paths()]
DECK_IDS = [f"{f}/{s}" for f, s in DECKS]
LECTURE = ("", "lecture")  # build/slides/lecture.slides.html (tools/lecture.py)
ALL_DECKS, ALL_IDS = [*DECKS, LECTURE], [*DECK_IDS, "lecture"]
NO_CHROMIUM = browser_setup.MISSING

# The state a key press can change: where the deck is, which fragments show, how far the slide is scrolled.
STATE = """() => {
  const slide = Reveal.getCurrentSlide(), at = Reveal.getIndices();
  const shown = [...slide.querySelectorAll('.fragment.visible')];
  const last = shown[shown.length - 1];
  const scale = Reveal.getScale() || 1;
  return {slide: Reveal.getSlides().indexOf(slide), h: at.h, v: at.v || 0,
          fragments: slide.querySelectorAll('.fragment').length, shown: shown.length,
          lastShownTop: last ? Math.round((last.getBoundingClientRect().top - slide.getBoundingClientRect().top)
                                          / scale + slide.scrollTop) : null,
          lastShownCode: last ? !!last.querySelector('.jp-InputArea') : null,
          top: Math.round(slide.scrollTop), seen: Math.ceil(slide.scrollTop + slide.clientHeight),
          visible: slide.clientHeight, height: slide.scrollHeight};
}"""

# The same walk inside the page: `key` dispatched as keydown events to reveal.js's own keyboard handler, the state
# read after each, up to the first press that changes nothing. One evaluate per walk instead of a round trip per press
# (test_an_in_page_walk_sees_what_real_key_presses_see shows it finds what real key presses do).
WALK = (
    """(key) => {
  const codes = {ArrowRight: 39, Space: 32, PageDown: 34};
  const state = """
    + STATE
    + """;
  const states = [state()], total = Reveal.getTotalSlides();
  for (let i = 0; i < 40 * total; i++) {
    const event = new KeyboardEvent('keydown', {key: key === 'Space' ? ' ' : key, keyCode: codes[key],
                                                which: codes[key], bubbles: true, cancelable: true});
    document.dispatchEvent(event);
    const now = state();
    if (JSON.stringify(now) === JSON.stringify(states[states.length - 1])) { return {states, total}; }
    states.push(now);
  }
  return {states, total, unfinished: true};
}"""
)

# Every slide with all its fragments showing: is its box inside the view, and can all its content be reached?
MEASURE = """() => {
  const out = [], slides = Reveal.getSlides();
  for (const slide of slides) {
    const at = Reveal.getIndices(slide);
    Reveal.slide(at.h, at.v, Number.MAX_VALUE);
    const box = slide.getBoundingClientRect(), style = getComputedStyle(slide);
    const overflow = slide.scrollHeight - slide.clientHeight;
    slide.scrollTop = slide.scrollHeight;
    const reached = slide.scrollTop + slide.clientHeight >= slide.scrollHeight - 1;
    slide.scrollTop = 0;
    const images = [...slide.querySelectorAll('img')].map(i => i.getBoundingClientRect())
                                                     .map(r => [r.width, r.height]);  // in the view's pixels
    out.push({number: out.length + 1, where: `${at.h}/${at.v || 0}`,
              text: slide.textContent.trim().replace(/\\s+/g, ' ').slice(0, 50),
              top: box.top, bottom: box.bottom, left: box.left, right: box.right,
              height: slide.scrollHeight, visible: slide.clientHeight, overflow: overflow,
              wide: slide.scrollWidth - slide.clientWidth, overflowY: style.overflowY, reached: reached,
              images: images});
  }
  Reveal.slide(0, 0, -1);
  return out;
}"""


chromium = browser_setup.chromium


def title_of(stem):
    if stem == "lecture":
        return lecture.TITLE
    return nbrun.read(nbrun.SOLUTIONS / f"{stem}.ipynb").cells[0].source.splitlines()[0][2:]


def first_section(stem):
    """Returns the text of the notebook's first `## ` heading that a deck shows (the toggle's is skipped); for the
    lecture, the name of its first section after the plan."""
    if stem == "lecture":
        return lecture.plan()["sections"][1]["section"]
    for cell in nbrun.read(nbrun.SOLUTIONS / f"{stem}.ipynb").cells:
        kind = cell.metadata.get("slideshow", {}).get("slide_type")
        if cell.cell_type == "markdown" and cell.source.startswith("## ") and kind != "skip":
            return cell.source.splitlines()[0][3:]
    raise AssertionError(f"{stem} has no ## section")


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    if slides.assets_missing():
        pytest.fail(
            f"the slide assets are not staged in {slides.ASSET_CACHE}: run `python3 course.py setup` "
            "(it fetches reveal.js & co. from the npm registry with npm, once)"
        )
    out = tmp_path_factory.mktemp("slides")
    lecture.build(out)
    slides.build(out)
    return out


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module, with its scroll bars shown as on a desktop (they take room)."""
    if not chromium():
        pytest.skip(NO_CHROMIUM)
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (requirements.txt)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium(), args=BROWSER_FLAGS, ignore_default_args=["--hide-scrollbars"]
        )
        yield launched
        launched.close()


class Page:
    """A 1280 x 800 page, reused from deck to deck, that records (and aborts) every request to the network."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport=VIEW)
        self.network = []
        self.context.route(lambda url: not url.startswith(("file:", "data:", "about:")), self.refuse)
        self.page = self.context.new_page()

    def refuse(self, route):
        self.network.append(route.request.url)
        route.abort()

    def open(self, deck, where="", fresh=True):
        """Opens `deck` at slide `where` ("h/v"), once reveal.js is ready and MathJax has typeset: afresh, or (not
        `fresh`, where the deck is open already) by going back there with every fragment hidden and nothing scrolled."""
        if not fresh and self.page.url.split("#")[0] == deck.as_uri():
            h, v = (int(i) for i in f"{where or 0}/0".split("/")[:2])
            self.page.evaluate(
                "([h, v]) => { Reveal.slide(h, v, -1); document.querySelectorAll('.reveal .slides "
                "section').forEach(s => { s.scrollTop = 0; }); }",
                [h, v],
            )
            return self.page
        self.page.goto("about:blank")
        self.page.goto(deck.as_uri() + (f"#/{where}" if where else ""))
        self.page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=30_000)
        self.page.evaluate("() => new Promise(done => MathJax.Hub.Queue(done))")
        return self.page

    def state(self):
        return self.page.evaluate(STATE)


@pytest.fixture(scope="module", params=ALL_DECKS, ids=ALL_IDS)
def deck(request, decks):
    """A built deck; module-scoped so that pytest runs each deck's tests one after another, on the page it opened."""
    folder, stem = request.param
    return decks / folder / f"{stem}.slides.html"


def stem_of(deck):
    return deck.name.removesuffix(".slides.html")


@pytest.fixture(scope="module")
def page(browser):
    opened = Page(browser)
    yield opened
    opened.context.close()


def test_markdown_is_cut_at_headings_and_exercise_stubs_become_prompts():
    nb = new_notebook(
        cells=[
            new_markdown_cell(
                "## Then vs now\nold\n## Summary\n- a\n### Detail\nb", metadata={"slideshow": {"slide_type": "slide"}}
            ),
            new_code_cell(
                "def f():\n    # Exercise 1: return 1.\n"
                "    raise NotImplementedError('Exercise 1 is not done yet: return 1. Replace this raise line')\n"
                "    return x"
            ),
        ]
    )
    student = slides.deck_notebook(nb, student=True)
    assert [c.source.splitlines()[0] for c in student.cells[:3]] == ["## Then vs now", "## Summary", "### Detail"]
    assert [c.metadata["slideshow"]["slide_type"] for c in student.cells[:3]] == ["slide", "slide", "subslide"]
    assert student.cells[3].source == "def f():\n    # Exercise 1: return 1.\n    ...  # your code here\n    return x"
    assert "NotImplementedError" in slides.deck_notebook(nb, student=False).cells[3].source
    solution = new_notebook(
        cells=[
            new_code_cell("def f():\n    ### BEGIN SOLUTION Exercise 1: return 1\n    return 1\n    ### END SOLUTION")
        ]
    )
    assert (
        slides.deck_notebook(solution, student=False).cells[0].source
        == "def f():\n    # Exercise 1: return 1\n    return 1"
    )
    assert len(nb.cells) == 2, "the notebook itself is not changed"


def test_every_notebook_has_a_solutions_deck_and_a_student_deck(decks):
    built = sorted(p.relative_to(decks).as_posix() for p in decks.glob("*/*.slides.html"))
    assert built == sorted(f"{folder}/{stem}.slides.html" for folder, stem in DECKS)
    index = (decks / "index.html").read_text()
    for folder, stem in DECKS:
        assert f'href="{folder}/{stem}.slides.html"' in index
    for name in ("lecture.slides.html", "lab.html", "lab.md"):
        assert (decks / name).is_file() and f'href="{name}"' in index, f"the index does not link {name}"


@pytest.mark.parametrize("folder, stem", ALL_DECKS, ids=ALL_IDS)
def test_a_deck_loads_nothing_from_the_network(decks, folder, stem):
    deck = decks / folder / f"{stem}.slides.html"
    page = BeautifulSoup(deck.read_text(encoding="utf-8"), "html.parser")
    loaded = [t.get("src") for t in page.find_all("script") if t.get("src")]
    loaded += [t.get("href") for t in page.find_all("link") if t.get("href")]
    loaded += re.findall(r"\"((?:\.\./)?assets/[^\"]+)\"", deck.read_text(encoding="utf-8"))  # require.js modules
    assert len(loaded) >= 6, loaded
    for url in loaded:
        assert not re.match(r"[a-z]+:", url), f"{deck.name} loads {url} from the network"
        target = (deck.parent / url.split("?")[0]).resolve()
        assert target.is_file(), f"{deck.name} loads {url}, which is not in the build folder"
    assert "mermaid" not in deck.read_text(encoding="utf-8")


def test_headless_chromium_renders_the_first_slides(deck, page):
    stem = stem_of(deck)
    page.network.clear()
    html = page.open(deck, "1").content()
    assert page.network == [], "the deck asked the network for files"
    dom = BeautifulSoup(html, "html.parser")
    reveal = dom.find("div", class_="reveal")
    assert reveal is not None and "ready" in reveal["class"], "reveal.js did not start (are its files there?)"
    slides_ = reveal.find("div", class_="slides").find_all("section", recursive=False)
    assert len(slides_) >= 5, f"only {len(slides_)} horizontal slides: is the slide metadata there?"
    assert title_of(stem) in slides_[0].get_text(" "), "the title is not on the first slide"
    present = [s for s in slides_ if "present" in s.get("class", [])]
    assert len(present) == 1 and slides_.index(present[0]) == 1
    assert first_section(stem) in present[0].get_text(" "), "the second slide is not the first section"
    notes = slides_[0].find("aside", class_="notes")
    assert notes is not None and len(notes.get_text(strip=True)) > 60, "the title slide has no speaker notes"
    shown = (
        [c for slide in lecture.plan()["slides"] for _, c, _ in slide["cells"]]
        if stem == "lecture"
        else nbrun.read(nbrun.SOLUTIONS / f"{stem}.ipynb").cells
    )
    prose = "".join(c.source for c in shown if c.cell_type == "markdown")
    if "$" in prose:
        assert dom.find(class_="mjx-chtml") is not None, "MathJax typeset nothing"


def walk(page, deck, key, fresh=False, real_keys=False):
    """Returns the states before and after each press of `key`, from the first slide, up to the first press that
    changes nothing (left out), and the number of slides. `real_keys` presses them through Playwright's keyboard
    (a round trip each); otherwise the walk runs inside the page (WALK)."""
    page.open(deck, fresh=fresh)
    first = page.state()
    assert (first["slide"], first["shown"], first["top"]) == (0, 0, 0), "not at the start of the deck"
    if not real_keys:
        walked = page.page.evaluate(WALK, key)
        assert not walked.get("unfinished"), f"{key} never reached the end of the deck"
        return walked["states"], walked["total"]
    states, total = [first], page.page.evaluate("Reveal.getTotalSlides()")
    for _ in range(40 * total):
        page.page.keyboard.press(key)
        state = page.state()
        if state == states[-1]:
            return states, total
        states.append(state)
    raise AssertionError(f"{key} never reached the end of the deck")


def check_walk(states, total, key):
    """Asserts that the walk visited every slide once, in document order, and saw all of each before moving on."""
    visited = [s["slide"] for i, s in enumerate(states) if i == 0 or s["slide"] != states[i - 1]["slide"]]
    assert visited == list(range(total)), f"{key} visits slides {visited}, not 0..{total - 1} in order"
    assert [(s["h"], s["v"]) for s in states] == sorted((s["h"], s["v"]) for s in states), "the walk went back"
    for before, after in zip(states, states[1:]):
        where = f"slide {before['slide'] + 1} ({before['h']}/{before['v']})"
        if after["slide"] != before["slide"]:
            assert before["shown"] == before["fragments"], f"{key} left {where} with a fragment still hidden"
            assert before["seen"] >= before["height"] - 1, (
                f"{key} left {where} before its end: saw {before['seen']} of {before['height']} px"
            )
            assert after["shown"] == 0 and after["top"] == 0, f"{key} did not open the next slide at its top"
        elif after["shown"] != before["shown"]:
            assert after["shown"] == before["shown"] + 1, f"{key} showed several fragments at once on {where}"
            assert after["top"] - 1 <= after["lastShownTop"] < after["top"] + after["visible"], (
                f"the fragment {key} showed on {where} is out of view"
            )
        else:
            assert after["top"] > before["top"], f"{key} did nothing on {where}"
            assert after["seen"] <= after["height"] + 1
    end = states[-1]
    assert end["slide"] == total - 1 and end["shown"] == end["fragments"], "the walk did not end on the last slide"


@pytest.mark.parametrize("key", ["ArrowRight", "Space"])
def test_one_key_walks_every_slide_in_order(deck, page, key):
    states, total = walk(page, deck, key)
    assert total == len(page.page.evaluate("Reveal.getSlides().map(s => s.id)")) >= 5
    assert page.page.evaluate("Reveal.isLastSlide()")
    check_walk(states, total, key)
    shown = [after for before, after in zip(states, states[1:]) if after["shown"] > before["shown"]]
    assert shown and all(s["lastShownCode"] for s in shown), "a fragment without code: a concept's code shows alone"


@pytest.mark.parametrize("key", ["ArrowRight", "Space"])
def test_an_in_page_walk_sees_what_real_key_presses_see(decks, page, key):
    """The walks above dispatch key events inside the page; real presses, through the browser, give the same states."""
    deck = decks / "solutions" / "01_raw_tensors.slides.html"
    real = walk(page, deck, key, fresh=True, real_keys=True)
    check_walk(*real, key)
    assert walk(page, deck, key) == real


def cut_off(measured):
    """Returns a line per slide whose content is cut off at 1280 x 800 (empty when none is)."""
    lines = []
    for m in measured:
        name = f"slide {m['number']} ({m['where']}, {m['text']!r})"
        if m["top"] < -1 or m["bottom"] > VIEW["height"] + 1 or m["left"] < -1 or m["right"] > VIEW["width"] + 1:
            lines.append(f"{name}: its box {m['top']:.0f}..{m['bottom']:.0f} px is not inside the 800 px view")
        if m["overflow"] > 1 and (m["overflowY"] not in ("auto", "scroll") or not m["reached"]):
            lines.append(f"{name}: {m['height']} px of content in {m['visible']} px, and it does not scroll")
        if m["wide"] > 1:
            lines.append(f"{name}: {m['wide']} px wider than the slide")
        room = (min(m["right"], VIEW["width"]) - max(m["left"], 0), min(m["bottom"], VIEW["height"]) - max(m["top"], 0))
        for width, height in m["images"]:
            if width > room[0] + 1 or height > room[1] + 1:
                lines.append(f"{name}: a {width:.0f} x {height:.0f} px figure does not fit the slide")
    return lines


def test_no_slide_is_cut_off(deck, page):
    page.open(deck, fresh=False)
    measured = page.page.evaluate(MEASURE)
    assert len(measured) == page.page.evaluate("Reveal.getTotalSlides()")
    assert not cut_off(measured), "\n".join(cut_off(measured))


def png(width, height):
    """Returns a grey PNG image of the given size (no imaging library needed)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def tall_deck(decks):
    """A deck of a synthetic notebook: a slide with a 120-line output, then one with a 600 x 2000 px figure."""
    import base64

    def slide(source):
        return new_markdown_cell(source, metadata={"slideshow": {"slide_type": "slide"}})

    def fragment(source, output):
        return new_code_cell(source, metadata={"slideshow": {"slide_type": "fragment"}}, outputs=[output])

    image = {"image/png": base64.b64encode(png(600, 2000)).decode(), "text/plain": "<Figure>"}
    nb = new_notebook(
        cells=[
            slide("# A tall deck"),
            slide("## A long output\n\nIts end is far below the view."),
            fragment(
                "for i in range(120):\n    print('line', i)",
                new_output("stream", name="stdout", text="".join(f"line {i}\n" for i in range(120))),
            ),
            slide("## A tall figure"),
            fragment("plt.show()", new_output("display_data", data=image)),
            slide("## The end"),
        ]
    )
    body, _ = slides.exporter().from_notebook_node(
        slides.deck_notebook(nb, student=False), resources={"metadata": {"name": "tall"}}
    )
    deck = decks / "synthetic" / "tall.slides.html"  # beside the real decks, so that ../assets/ is there
    deck.parent.mkdir(exist_ok=True)
    deck.write_text(body, encoding="utf-8")
    yield deck
    shutil.rmtree(deck.parent)


def test_the_cut_off_check_sees_a_tall_slide_and_the_deck_lets_it_scroll(tall_deck, page):
    page.open(tall_deck)
    measured = page.page.evaluate(MEASURE)
    assert [m["where"] for m in measured] == ["0/0", "1/0", "2/0", "3/0"]
    assert measured[1]["height"] > 2 * VIEW["height"], "the long output is not long"
    assert not cut_off(measured), "\n".join(cut_off(measured))
    assert measured[1]["overflowY"] == "auto" and measured[1]["reached"]
    [(width, height)] = measured[2]["images"]
    assert 0 < height <= VIEW["height"] and abs(width / height - 0.3) < 0.01, "the figure was not scaled to fit"
    # Without the deck's scrolling and figure scaling (reveal.js's own layout), the same measurement fails.
    page.page.add_style_tag(
        content=".reveal .slides section { max-height: none !important; overflow: visible "
        "!important; } .reveal .slides section img { max-height: none !important; }"
    )
    problems = "\n".join(cut_off(page.page.evaluate(MEASURE)))
    assert "slide 2 (1/0" in problems and "is not inside the 800 px view" in problems, problems
    assert "does not fit the slide" in problems, problems
    # → shows the output, then scrolls down the long slide to its end, and only then moves on.
    states, total = walk(page, tall_deck, "ArrowRight", fresh=True, real_keys=True)  # without the style sheet above
    check_walk(states, total, "ArrowRight")
    on_long = [s for s in states if s["slide"] == 1]
    assert len(on_long) >= 4 and on_long[-1]["seen"] >= on_long[-1]["height"] - 1
    # A clicker's PageDown walks the same way; Shift+Space goes back.
    assert walk(page, tall_deck, "PageDown", real_keys=True) == (states, total)
    assert walk(page, tall_deck, "ArrowRight") == (states, total), "the in-page walk sees the same"
    page.page.keyboard.press("Shift+Space")
    assert page.state()["slide"] == total - 2
    # The long slide has a scroll bar that takes room (not one that hides until used), and the mouse wheel scrolls it.
    page.open(tall_deck, "1")
    assert page.page.evaluate("(s => s.offsetWidth - s.clientWidth)(Reveal.getCurrentSlide())") >= 10
    page.page.mouse.move(VIEW["width"] / 2, VIEW["height"] / 2)
    page.page.mouse.wheel(0, 300)
    page.page.wait_for_function("Reveal.getCurrentSlide().scrollTop > 100", timeout=5_000)


def where(page, test):
    """Returns the reveal.js address ("h/v") of the first slide `s` for which the JavaScript `test` is true."""
    at = page.evaluate(f"() => Reveal.getIndices(Reveal.getSlides().find(s => {test}))")
    return f"{at['h']}/{at.get('v') or 0}"


def test_screenshots_of_a_title_a_code_slide_a_long_slide_a_figure_and_a_student_prompt(decks, page, tmp_path):
    """Pictures to look at (kept in the test's temporary folder): they must show more than a blank page.
    The code, long and figure slides are shown after one press of →: their code and its result."""
    student, solutions = (decks / folder / "01_raw_tensors.slides.html" for folder in ("notebooks", "solutions"))
    prompt = where(page.open(student), "s.textContent.includes('# your code here')")
    figure = where(page.open(solutions), "s.querySelector('img')")
    long_ = next(m["where"] for m in page.page.evaluate(MEASURE) if m["overflow"] > 1)
    shots = {
        "title": (solutions, "0", 0),
        "code": (solutions, "1/1", 1),
        "prompt": (student, prompt, 1),
        "long": (solutions, long_, 1),
        "figure": (solutions, figure, 1),
    }
    for name, (deck, at, presses) in shots.items():
        shown = page.open(deck, at)
        for _ in range(presses):
            shown.keyboard.press("ArrowRight")
        shot = tmp_path / f"{name}.png"
        shown.screenshot(path=str(shot))
        assert shot.stat().st_size > 15_000, f"the {name} screenshot looks blank"


# Each lecture slide's speaker notes, planned seconds (data-timing) and whether it overflows the view.
LECTURE_SLIDES = """() => Reveal.getSlides().map(s => ({
  notes: (s.querySelector('aside.notes') || {textContent: ''}).textContent.trim(),
  timing: Number(s.getAttribute('data-timing') || 0)}))"""


def test_every_lecture_slide_has_notes_and_its_planned_time_and_none_scrolls(decks, page):
    plan = lecture.plan()
    page.open(decks / "lecture.slides.html")
    shown = page.page.evaluate(LECTURE_SLIDES)
    assert len(shown) == len(plan["slides"]) <= lecture.MAX_SLIDES, f"{len(shown)} slides"
    for number, (slide, planned) in enumerate(zip(shown, plan["slides"]), start=1):
        assert slide["notes"].startswith("Planned: ") and len(slide["notes"]) > 150, f"slide {number}: no notes"
        assert slide["timing"] == planned["seconds"], f"slide {number}: data-timing {slide['timing']}"
    assert sum(s["timing"] for s in shown) == lecture.LECTURE_MINUTES * 60 == 75 * 60
    assert page.page.evaluate("Reveal.getConfig().defaultTiming") > 0, "the speaker view's pacing clock is off"
    tall = [
        f"slide {m['number']} ({m['text']!r}): {m['height']} px"
        for m in page.page.evaluate(MEASURE)
        if m["overflow"] > 1
    ]
    assert not tall, "lecture slides that would scroll in front of the class:\n" + "\n".join(tall)


SPEAKER_NOTES = "document.querySelector('.speaker-controls-notes .value')"


def test_the_speaker_view_shows_the_slides_notes_and_the_pacing_clock(decks, page):
    page.open(decks / "lecture.slides.html", "1/1")
    with page.context.expect_page() as opened:
        page.page.keyboard.press("s")
    speaker = opened.value
    try:
        speaker.wait_for_function(f"{SPEAKER_NOTES} && {SPEAKER_NOTES}.textContent.trim().length > 100", timeout=20_000)
        notes = speaker.evaluate(f"{SPEAKER_NOTES}.textContent.trim()")
        assert notes.startswith("Planned: ") and "Say:" in notes, notes[:200]
        pacing = speaker.evaluate("getComputedStyle(document.querySelector('.speaker-controls-time .pacing')).display")
        assert pacing != "none", "the pacing clock is hidden: no slide timings reached the speaker view"
    finally:
        speaker.close()
    assert page.network == [], "the speaker view asked the network for files"


def test_the_lab_sheet_prints_on_one_page(decks, page):
    page.page.goto((decks / "lab.html").as_uri())
    text = page.page.inner_text("body")
    for exercise in lecture.lab_sheet.plan()["lab"]:
        assert exercise["task"] in text
    pdf = page.page.pdf(format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    assert pages == 1, f"the lab sheet prints on {pages} pages"


def test_screenshots_of_the_lecture_deck_and_the_lab_sheet(decks, page, tmp_path):
    """Pictures to look at (kept in the test's temporary folder): the title, a code slide with its result, the
    TensorFlow 1 slide, the Keras slide and the lab sheet."""
    deck = decks / "lecture.slides.html"
    shown = page.open(deck)
    shots = {
        "title": ("0", 0),
        "code": (where(shown, "s.textContent.includes('loss.backward()') && s.querySelector('.fragment')"), 1),
        "tensorflow": (where(shown, "s.textContent.includes('tf.placeholder')"), 0),
        "keras": (where(shown, "s.textContent.includes('from keras.models')"), 0),
        "lab": (f"{len(lecture.plan()['sections']) - 1}", 0),
    }
    for name, (at, presses) in shots.items():
        shown = page.open(deck, at)
        for _ in range(presses):
            shown.keyboard.press("ArrowRight")
        shown.screenshot(path=str(tmp_path / f"lecture-{name}.png"))
    page.page.goto((decks / "lab.html").as_uri())
    page.page.screenshot(path=str(tmp_path / "lab.png"), full_page=True)
    for shot in tmp_path.glob("*.png"):
        assert shot.stat().st_size > 15_000, f"{shot.name} looks blank"
