"""Puts the parts every solutions notebook shares in place: the Colab cell, and slide metadata for the decks.

`python course.py refresh` calls `frame(nb)` before executing a notebook, so authors never write these by hand:

- **The toggle cell** (the first code cell, tagged `parameters`) and its "## The device toggle" heading, in the
  same words in every notebook (`TOGGLE_TEMPLATE`, `TOGGLE_TEXT`); only the notebook's SEED is kept.
- **The Colab cell**, tagged `colab-setup`, right after the toggle cell (which stays the first code cell, for
  papermill). On Google Colab it clones the course, puts it on `sys.path` and pip-installs what Colab lacks;
  anywhere else it does nothing and prints nothing. Every notebook gets the same text: `colab_source()`.
- **Slide metadata** (`metadata.slideshow.slide_type`, what JupyterLab's property inspector calls "Slide Type"),
  by these rules:
    - the title (`# ...`) and each `## ` section start a new slide;
    - any other markdown cell starts a sub-slide (one concept: its sentence or two of prose, then its code);
    - a code cell right after markdown is a fragment of that sub-slide (a click shows it with its result);
      a code cell right after another code cell starts a sub-slide of its own;
    - set-up cells are skipped: from the "## The device toggle" heading to the cell that resolves the device,
      the Colab cell included; so are empty cells and the keys of concept questions (cells tagged `quiz-key`).
  An author overrides a cell's type with a tag `slides:<type>`, <type> one of slide, subslide, fragment,
  continue (shown with the cell before it), notes (speaker notes) or skip.
"""

import json
import re

import nbformat

COLAB_TAG = "colab-setup"
TOGGLE_TAG = "parameters"
OVERRIDE_PREFIX = "slides:"
OVERRIDES = {
    "slide": "slide",
    "subslide": "subslide",
    "fragment": "fragment",
    "continue": "-",
    "notes": "notes",
    "skip": "skip",
}
SETUP_HEADING = "## The device toggle"

# Placeholder until the course has its public GitHub address: replace it here, then `python course.py refresh`.
GITHUB_REPO = "COURSE-GITHUB-OWNER/pytorch-course"  # the README's "Open in Colab" links use it too (a test checks)
REPO_URL = f"https://github.com/{GITHUB_REPO}.git"
COLAB_DIR = "/content/pytorch-course"
# What Colab lacks. Never torch, numpy or matplotlib: Colab's own builds match its GPU runtime.
COLAB_PACKAGES = ("visdom",)

COLAB_TEMPLATE = """\
# Only on Google Colab: fetch the course's helpers (utils/) and install what Colab lacks. Elsewhere: nothing.
import sys

if "google.colab" in sys.modules:
    import os
    import subprocess

    COURSE_REPO = {repo}
    COURSE_DIR = {folder}
    PACKAGES = {packages}  # Colab has torch, numpy and matplotlib: never reinstall them
    if not os.path.isdir(COURSE_DIR):
        subprocess.run(["git", "clone", "--quiet", "--depth", "1", COURSE_REPO, COURSE_DIR], check=True)
    sys.path.insert(0, COURSE_DIR)
    os.chdir(os.path.join(COURSE_DIR, "notebooks"))  # relative paths work as on your own machine
    if subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *PACKAGES]).returncode != 0:
        print("Colab set-up: pip could not install", PACKAGES, "(only notebook 08's dashboard needs them).")"""


TOGGLE_TEMPLATE = """\
# Where to run: "auto" (cuda, then mps, then cpu), "cuda", "mps" or "cpu".
# Only while this says "auto", the environment variable COURSE_DEVICE, if set, chooses instead.
DEVICE = "auto"
SEED = {seed}"""

TOGGLE_TEXT = """\
## The device toggle

Every notebook of the course starts with this cell. `DEVICE` says where tensors live: `"auto"` picks a CUDA GPU if
there is one, then Apple's `mps`, then the CPU; `"cuda"`, `"mps"` or `"cpu"` ask for one. Asking for a GPU that is not
there prints one line and falls back to the CPU. A device named here (or by papermill's `-p DEVICE ...`) always wins;
only while it says `"auto"` does the environment variable `COURSE_DEVICE`, if set, choose instead (for instructors and
CI). `SEED` fixes the random numbers, so your run repeats ours."""


class FrameError(ValueError):
    """The notebook lacks what the frame needs (a toggle cell), or a slide tag is misspelt; the message says which."""


def colab_source(repo=REPO_URL, folder=COLAB_DIR, packages=COLAB_PACKAGES):
    """Returns the Colab cell's code; the tests pass a local repository, folder and package to try the install path."""
    return COLAB_TEMPLATE.format(repo=json.dumps(repo), folder=json.dumps(folder), packages=json.dumps(list(packages)))


def tags(cell):
    """Returns the cell's tags (a list, possibly empty)."""
    return cell.metadata.get("tags", [])


def toggle_index(nb):
    """Returns the index of the toggle cell: the first code cell, tagged `parameters`."""
    first = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), None)
    if first is None or TOGGLE_TAG not in tags(nb.cells[first]):
        raise FrameError(
            "the first code cell must be the device toggle, tagged 'parameters' "
            "(copy it from solutions/01_raw_tensors.ipynb)"
        )
    return first


def resolver_index(nb, toggle):
    """Returns the index of the cell that turns DEVICE into a torch.device (the first choose_device call)."""
    return next(
        (
            i
            for i in range(toggle + 1, len(nb.cells))
            if nb.cells[i].cell_type == "code" and "choose_device(" in nb.cells[i].source
        ),
        toggle,
    )


def place_toggle(nb):
    """Returns `nb` with the toggle cell and its heading in the course's current words, the notebook's SEED kept."""
    toggle = nb.cells[toggle_index(nb)]
    seed = re.search(r"^SEED = (\d+)\s*$", toggle.source, re.M)
    toggle.source = TOGGLE_TEMPLATE.format(seed=seed[1] if seed else 0)
    for cell in nb.cells[: toggle_index(nb)]:
        if cell.cell_type == "markdown" and cell.source.startswith(SETUP_HEADING):
            cell.source = TOGGLE_TEXT
    return nb


def place_colab_cell(nb):
    """Returns `nb` with exactly one Colab cell, the current text, right after the toggle cell."""
    nb.cells = [c for c in nb.cells if COLAB_TAG not in tags(c)]
    cell = nbformat.v4.new_code_cell(colab_source(), metadata={"tags": [COLAB_TAG]})
    cell["id"] = COLAB_TAG
    nb.cells.insert(toggle_index(nb) + 1, cell)
    return nb


def override(cell, index):
    """Returns the slide type an author's `slides:<type>` tag asks for, or None."""
    asked = [t[len(OVERRIDE_PREFIX) :] for t in tags(cell) if t.startswith(OVERRIDE_PREFIX)]
    for name in asked:
        if name not in OVERRIDES:
            raise FrameError(
                f"cell {index}: unknown tag '{OVERRIDE_PREFIX}{name}'; use one of "
                + ", ".join(OVERRIDE_PREFIX + k for k in OVERRIDES)
            )
    if len(asked) > 1:
        raise FrameError(f"cell {index}: several slide tags {asked}; keep one")
    return OVERRIDES[asked[0]] if asked else None


def setup_range(nb):
    """Returns the indexes of the set-up cells: the toggle's heading through the cell that resolves the device."""
    toggle = toggle_index(nb)
    start = next(
        (
            i
            for i in range(toggle)
            if nb.cells[i].cell_type == "markdown" and nb.cells[i].source.startswith(SETUP_HEADING)
        ),
        toggle,
    )
    return range(start, resolver_index(nb, toggle) + 1)


def slide_types(nb):
    """Returns the slide type of every cell, by the rules in this module's docstring."""
    setup, types, previous = setup_range(nb), [], None
    for index, cell in enumerate(nb.cells):
        if index in setup or not cell.source.strip() or "quiz-key" in tags(cell):
            kind = "skip"  # set-up cells, and the keys of the concept questions (sealed for students anyway)
        elif cell.cell_type == "markdown":
            kind = "slide" if re.match(r"#{1,2} ", cell.source) else "subslide"
        elif cell.cell_type == "code":
            kind = "fragment" if previous == "markdown" else "subslide"
        else:
            kind = "skip"  # raw cells
        kind = override(cell, index) or kind
        if kind != "skip":
            previous = cell.cell_type
        types.append(kind)
    return types


def frame(nb):
    """Returns `nb` with its toggle and Colab cells in place and every cell's slide type set (see the docstring)."""
    place_toggle(nb)
    place_colab_cell(nb)
    for cell, kind in zip(nb.cells, slide_types(nb)):
        cell.metadata["slideshow"] = {"slide_type": kind}
    return nb
