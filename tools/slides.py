"""Builds a reveal.js slide deck of every notebook, solutions and student versions, that works offline.

    python course.py slides               all decks, into build/slides/ (open build/slides/index.html)
    python course.py slides 03 05         only the notebooks whose names start with 03 or 05
    python course.py slides --lecture     only the 75-minute lecture deck and the lab sheet (tools/lecture.py),
                                          build/slides/lecture.slides.html, lab.html and lab.md (all decks: also)
    python -m tools.slides --stage-assets fetch reveal.js and co. from the npm registry (set-up does it)
    python -m tools.slides --check-assets exit 1 if they are not staged
    python course.py slides --lang ko     the Korean edition's decks (solutions/ko, notebooks/ko), its lecture deck and
                                          lab sheet, into build/slides/ko/ (--lecture --lang ko: only those two)

Which cell goes on which slide is in each notebook's metadata (tools/notebook_frame.py sets it at refresh).
For the deck, markdown cells are also cut at their `##`/`###` headings (the last cell's Summary, Exercises
recap and Further reading get a slide each); in the student decks an exercise's `raise NotImplementedError`
line becomes a prompt, and in the solutions decks a solution's markers become one comment. Each slide's speaker
notes (S), from its cells' `metadata["notes"]`, are gathered into one aside (tools/speaker_notes.py).

nbconvert's slide page loads reveal.js, jQuery, require.js and MathJax from CDNs; here they come from the npm
registry once (`npm pack`), are kept in .venv/slides-assets/, and are copied into build/slides/assets/, so the
folder can be zipped and presented on a machine with no network.
"""

import copy
import html
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

from tools import npm_assets, speaker_notes, student_version

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "slides"
ASSET_CACHE = ROOT / ".venv" / "slides-assets"
DECKS = {"solutions": ROOT / "solutions", "notebooks": ROOT / "notebooks"}  # build folder -> source folder
# npm package -> paths inside it that the decks load (a trailing "/" takes the folder).
# jQuery 2.0.3, nbconvert's CDN version, is not on the npm registry; 2.1.4 is the nearest one that is.
ASSETS = {
    "reveal.js@4.0.2": ["dist/", "plugin/notes/"],
    "jquery@2.1.4": ["dist/jquery.min.js"],
    "requirejs@2.1.10": ["require.js"],
    "mathjax@2.7.7": [
        "MathJax.js",
        "config/TeX-AMS_CHTML-full.js",
        "config/Safe.js",
        "extensions/",
        "jax/input/TeX/",
        "jax/element/",
        "jax/output/CommonHTML/",
        "fonts/HTML-CSS/TeX/woff/",
        "localization/en/",
    ],
}
STAMP = "staged.json"
URLS = {  # relative to a deck in build/slides/<folder>/
    "reveal_url_prefix": "../assets/reveal.js",
    "jquery_url": "../assets/jquery/dist/jquery.min.js",
    "require_js_url": "../assets/requirejs/require.js",
    "mathjax_url": "../assets/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
}
TEMPLATES = Path(__file__).resolve().parent / "slides_template"
STUB = re.compile(r"^(?P<indent>[ \t]*)raise NotImplementedError\(['\"]Exercise \d+ is not done yet.*$", re.MULTILINE)
HEADING = re.compile(r"^(?=#{2,3} |\*\*Prerequisites)", re.MULTILINE)  # where a deck cuts a markdown cell
# The index page's fixed texts (a translated edition's come from its catalog, i18n/<lang>/slides.po)
INDEX_TEXTS = {
    "title": "Course slides",
    "heading": "Slide decks",
    "help": "<kbd>&rarr;</kbd> or <kbd>Space</kbd> walks every slide (a long one scrolls first), <kbd>&larr;</kbd> "
    "goes back; <kbd>Esc</kbd> shows the overview; <kbd>S</kbd> opens the speaker view.",
    "solutions": "solutions",
    "notebooks": "student version",
    "lecture": "<b>The lecture</b> ({0} minutes)",
    "lecture_deck": "lecture deck",
    "lab_sheet": "lab sheet",
}


def package_folder(spec):
    """Returns the folder, under the asset cache, that holds the files of the npm package `spec`."""
    return spec.rsplit("@", 1)[0]


def assets_missing(cache=ASSET_CACHE):
    """Returns True when the staged assets are absent or were staged for another list of packages."""
    stamp = Path(cache) / STAMP
    return not stamp.is_file() or json.loads(stamp.read_text()) != ASSETS


def stage_assets(cache=ASSET_CACHE, npm=None):
    """Returns the number of files staged into `cache` (0 when already there), fetched with `npm pack`."""
    cache = Path(cache)
    if not assets_missing(cache):
        return 0
    shutil.rmtree(cache, ignore_errors=True)
    copied = 0
    with tempfile.TemporaryDirectory() as tmp:
        tarballs = npm_assets.pack(ASSETS, tmp, npm=npm, purpose="the slide decks' reveal.js files")
        for spec, wanted in ASSETS.items():
            copied += npm_assets.extract(tarballs[spec], wanted, cache / package_folder(spec))
    (cache / STAMP).write_text(json.dumps(ASSETS))
    return copied


def split_markdown(cell):
    """Returns the markdown cell cut before each `##`/`###` heading and the intro's Prerequisites, one cell per part."""
    parts = [p for p in HEADING.split(cell.source) if p.strip()]
    if len(parts) < 2 or cell.metadata.get("slideshow", {}).get("slide_type") == "skip":
        return [cell]
    cells = []
    for i, part in enumerate(parts):
        piece = copy.deepcopy(cell)
        piece.source = part.strip("\n")
        if i:
            piece["id"] = f"{cell.get('id', 'cell')}-{i}"[:64]
            piece.metadata["slideshow"] = {"slide_type": "slide" if part.startswith("## ") else "subslide"}
        cells.append(piece)
    return cells


def without_markers(lines):
    """Returns the code lines with each solution region's BEGIN marker as a plain comment and its END marker gone."""
    for line in lines:
        begin = student_version.BEGIN.match(line)
        if begin:
            yield f"{begin['indent']}# Exercise {begin['number']}: {begin['task']}"
        elif not student_version.END.match(line):
            yield line


def deck_notebook(nb, student):
    """Returns a copy of `nb` ready for the slide exporter: markdown cut at headings, exercise stubs as prompts,
    solution markers as plain comments, each slide's speaker notes in one aside."""
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            pieces = split_markdown(cell)
            for piece in pieces[1:]:
                piece.metadata.pop(speaker_notes.NOTES_KEY, None)  # a cell's notes go with its first slide
            cells.extend(pieces)
            continue
        if student and cell.cell_type == "code":
            cell.source = STUB.sub(r"\g<indent>...  # your code here", cell.source)
        elif cell.cell_type == "code":
            cell.source = "\n".join(without_markers(cell.source.splitlines()))
        cells.append(cell)
    nb.cells = speaker_notes.gather(cells)
    title = next(
        (c.source.splitlines()[0][2:] for c in cells if c.cell_type == "markdown" and c.source.startswith("# ")), None
    )
    if title:
        nb.metadata["title"] = title
    return nb


def exporter():
    """Returns nbconvert's SlidesExporter set up for offline decks (local assets, no CDN, no Mermaid)."""
    from nbconvert import SlidesExporter

    return SlidesExporter(
        template_name="course_reveal",
        extra_template_basedirs=[str(TEMPLATES)],
        reveal_theme="white",
        reveal_transition="none",
        reveal_number="c/t",
        reveal_width="1200",
        reveal_height="800",  # about 100 characters of code per line
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        **URLS,
    )


def build(out=BUILD, prefixes=(), cache=ASSET_CACHE, decks=DECKS, translate=None, lang="en", lecture_minutes=75):
    """Returns the paths of the decks written under `out` (and out/index.html), for notebooks matching `prefixes`.

    A translated edition passes its `lang`, its own `decks` ({build folder: source folder}), `translate` (for the
    index's texts) and its lecture deck's minutes (it leaves out the notebooks not translated yet).
    """
    import nbformat

    if assets_missing(cache):
        raise npm_assets.AssetsUnavailable(
            f"the slide assets are not staged in {cache}: run `python3 course.py setup`"
            " (it needs npm, from Node.js, and the npm registry once)."
        )
    out = Path(out)
    shutil.copytree(cache, out / "assets", dirs_exist_ok=True)
    export, written = exporter(), []
    for folder, source in decks.items():
        for path in sorted(source.glob("*.ipynb")):
            if prefixes and not any(path.name.startswith(p) for p in prefixes):
                continue
            nb = deck_notebook(nbformat.read(path, as_version=4), student=folder == "notebooks")
            body, _ = export.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
            deck = out / folder / f"{path.stem}.slides.html"
            deck.parent.mkdir(parents=True, exist_ok=True)
            deck.write_text(body, encoding="utf-8")
            written.append(deck)
    write_index(out, decks, translate, lang, lecture_minutes)
    return written


def write_index(out, decks=DECKS, translate=None, lang="en", lecture_minutes=75):
    """Writes out/index.html: one line per notebook whose decks are in `out`, linking its solutions and student deck."""
    import nbformat

    text = {key: (translate or str)(value) for key, value in INDEX_TEXTS.items()}
    items = []
    for path in sorted(decks["solutions"].glob("*.ipynb")):
        links = [
            f'<a href="{folder}/{path.stem}.slides.html">{text[folder]}</a>'
            for folder in ("solutions", "notebooks")
            if (Path(out) / folder / f"{path.stem}.slides.html").is_file()
        ]
        if links:
            title = deck_notebook(nbformat.read(path, as_version=4), student=False).metadata.get("title", path.stem)
            items.append(f"<li>{html.escape(title)}: {' · '.join(links)}</li>")
    if (Path(out) / "lecture.slides.html").is_file():  # tools/lecture.py's deck and lab sheet
        items.insert(
            0,
            f"<li>{text['lecture'].format(lecture_minutes)}: "
            f'<a href="lecture.slides.html">{text["lecture_deck"]}</a> · {text["lab_sheet"]}: '
            '<a href="lab.html">HTML</a>, <a href="lab.md">Markdown</a></li>',
        )
    (Path(out) / "index.html").write_text(
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{text['title']}</title></head>\n<body><h1>{text['heading']}</h1>\n<p>{text['help']}</p>\n<ul>\n"
        + "\n".join(items)
        + "\n</ul></body></html>\n",
        encoding="utf-8",
    )


def main(argv):
    try:
        if "--check-assets" in argv:
            missing = assets_missing()
            print(f"slide assets {'missing' if missing else 'staged'} in {ASSET_CACHE}")
            return 1 if missing else 0
        if "--stage-assets" in argv:
            copied = stage_assets()
            print(
                f"[course] slide assets: {copied} file(s) staged."
                if copied
                else "[course] slide assets: already in place."
            )
            return 0
        lang = argv[argv.index("--lang") + 1] if "--lang" in argv else "en"
        prefixes = [a for a in argv if not a.startswith("-") and a != lang]
        if "--lecture" in argv and lang == "en":  # the lecture deck and the lab sheet only
            from tools import lecture

            return lecture.main()
        if "--lecture" in argv:  # a translated edition's (tools/i18n/edition.py)
            from tools.i18n import edition

            return edition.build_lecture(lang, BUILD / lang)
        if lang == "en":
            if not prefixes:  # all decks: the lecture and the lab sheet too (the index links them)
                from tools import lecture

                if lecture.main():
                    return 1
            decks = build(prefixes=prefixes)
        else:  # a translated edition (tools/i18n): its decks and index in build/slides/<lang>/
            from tools.i18n import edition

            folders, translate = edition.deck_folders(lang), edition.slide_texts(lang)
            if not prefixes and edition.build_lecture(lang, BUILD / lang):  # all decks: its lecture and lab sheet too
                return 1
            minutes = edition.lecture_minutes(lang)  # the notebooks not translated yet are left out
            decks = build(
                BUILD / lang, prefixes, decks=folders, translate=translate, lang=lang, lecture_minutes=minutes
            )
    except npm_assets.AssetsUnavailable as error:
        print(f"[course] warning: {error}")
        return 1
    if not decks:
        print("no notebook matches", argv)
        return 1
    index = decks[0].parent.parent / "index.html"
    print(
        f"[course] {len(decks)} slide deck(s) in {index.parent.relative_to(ROOT)}/: open "
        f"{index.relative_to(ROOT)} in a browser."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
