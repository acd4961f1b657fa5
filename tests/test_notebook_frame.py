"""The frame every notebook shares (tools/notebook_frame.py): slide metadata by rule, and the Colab cell.

The Colab cell is tried for real as far as this machine allows: outside Colab it must do nothing at all; with a
fake `google.colab` module, in a fresh virtual environment where `utils` is not importable, it must clone the
course (a local clone stands in for GitHub), make `utils` importable and run its pip step.
"""

import copy
import json
import subprocess
import sys
import zipfile

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tests import nbrun
from tools import notebook_frame as nf
from tools import student_version as sv


def notebook(*cells):
    """Returns a notebook of ("md"|"code", source[, tags]) cells."""
    nb = new_notebook()
    for kind, source, *tags in cells:
        cell = new_markdown_cell(source) if kind == "md" else new_code_cell(source)
        if tags:
            cell.metadata["tags"] = list(tags[0])
        nb.cells.append(cell)
    return nb


MODEL = [
    ("md", "# 09 · A title\n\n**What you will learn**"),
    ("md", "## The device toggle\n\nSome words."),
    ("code", 'DEVICE = "auto"', ["parameters"]),
    ("md", "The next cell resolves it."),
    ("code", "from utils import device as devices\ndevice = devices.choose_device(DEVICE)"),
    ("md", "## 1. A section"),
    ("code", "x = 1"),
    ("code", "print(x)"),
    ("md", "**A concept.** One sentence."),
    ("code", "y = 2"),
    ("code", ""),
    ("md", "## Summary"),
]


def kinds(nb):
    return [c.metadata["slideshow"]["slide_type"] for c in nb.cells]


def test_slide_types_follow_the_rules():
    nb = nf.frame(notebook(*MODEL))
    colab = 3  # inserted right after the toggle
    assert nb.cells[colab].metadata["tags"] == [nf.COLAB_TAG]
    assert kinds(nb) == [
        "slide",  # the title
        "skip",
        "skip",
        "skip",
        "skip",
        "skip",  # toggle heading .. the device cell, Colab's included
        "slide",
        "fragment",
        "subslide",  # a section, its code, code after code
        "subslide",
        "fragment",
        "skip",  # a concept and its code; an empty cell
        "slide",
    ]


def test_an_author_tag_overrides_the_rule_and_a_misspelt_one_is_named():
    cells = copy.deepcopy(MODEL)
    cells[7] = ("code", "print(x)", ["slides:continue"])
    cells[8] = ("md", "**Aside.**", ["slides:notes"])
    nb = nf.frame(notebook(*cells))
    assert kinds(nb)[8:10] == ["-", "notes"]
    cells[9] = ("code", "y = 2", ["slides:subslides"])
    with pytest.raises(nf.FrameError, match=r"cell \d+: unknown tag 'slides:subslides'; use one of slides:slide"):
        nf.frame(notebook(*cells))


def test_a_notebook_without_the_toggle_first_is_refused_with_the_fix():
    with pytest.raises(nf.FrameError, match="first code cell must be the device toggle"):
        nf.frame(notebook(("md", "# 09 · T"), ("code", "import torch"), ("code", 'DEVICE = "auto"', ["parameters"])))


def test_framing_twice_changes_nothing_and_keeps_one_colab_cell_with_the_current_text():
    nb = notebook(*MODEL)
    stale = new_code_cell("print('old Colab cell')", metadata={"tags": [nf.COLAB_TAG]})
    nb.cells.append(stale)  # an old version, in the wrong place
    once = nf.frame(nb)
    twice = nf.frame(copy.deepcopy(once))
    assert nbformat.writes(once) == nbformat.writes(twice)
    colab = [i for i, c in enumerate(once.cells) if nf.COLAB_TAG in c.metadata.get("tags", [])]
    assert colab == [3] and once.cells[3].source == nf.colab_source()
    nbformat.validate(once)


@pytest.mark.parametrize("path", nbrun.solution_paths(), ids=lambda p: p.name)
def test_every_notebook_is_framed(path):
    """Refresh frames a notebook; one built or edited since then and not refreshed fails here."""
    stored = nbrun.read(path)
    framed = nf.frame(copy.deepcopy(stored))
    assert [c.source for c in stored.cells] == [c.source for c in framed.cells] and [
        c.metadata.get("slideshow") for c in stored.cells
    ] == [c.metadata.get("slideshow") for c in framed.cells], (
        f"{path.name} lacks the current Colab cell or slide metadata: run `python3 course.py refresh {path.stem[:2]}`"
    )
    student = nbrun.read(nbrun.STUDENTS / path.name)
    assert sum(nf.COLAB_TAG in c.metadata.get("tags", []) for c in student.cells) == 1
    colab = next(c for c in stored.cells if nf.COLAB_TAG in c.metadata.get("tags", []))
    assert colab.outputs == [], "outside Colab the cell prints nothing"


def test_the_cell_never_installs_what_colab_ships():
    assert not {"torch", "numpy", "matplotlib"} & {p.split("=")[0].split("<")[0] for p in nf.COLAB_PACKAGES}
    packages = json.loads(nf.colab_source().split("PACKAGES =")[1].splitlines()[0].split("#")[0])
    assert packages == list(nf.COLAB_PACKAGES) and "torch" not in " ".join(packages)
    assert f"https://github.com/{nf.GITHUB_REPO}.git" == nf.REPO_URL


def run_python(python, code, cwd):
    return subprocess.run([str(python), "-c", code], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_outside_colab_the_cell_does_nothing_and_prints_nothing(tmp_path):
    code = (
        "import os, sys; before = (list(sys.path), os.getcwd())\n" + nf.colab_source() + "\n"
        "assert (list(sys.path), os.getcwd()) == before, 'the cell changed sys.path or the folder'\n"
    )
    result = run_python(sys.executable, code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    assert list(tmp_path.iterdir()) == [], "nothing cloned"


def tiny_wheel(folder):
    """Returns the path of a one-module wheel, so the pip step can be tried without the network."""
    wheel = folder / "course_colab_probe-1.0-py3-none-any.whl"
    info = "course_colab_probe-1.0.dist-info"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("course_colab_probe.py", "INSTALLED = True\n")
        z.writestr(f"{info}/METADATA", "Metadata-Version: 2.1\nName: course-colab-probe\nVersion: 1.0\n")
        z.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        z.writestr(f"{info}/RECORD", "")
    return wheel


def test_on_colab_the_cell_clones_the_course_and_installs_in_a_fresh_environment(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    probe = run_python(python, "import utils", tmp_path)
    assert probe.returncode != 0 and "No module named 'utils'" in probe.stderr, "the venv must start without utils"

    origin = tmp_path / "origin"  # stands in for GitHub: a clone of this repository's committed files
    subprocess.run(["git", "clone", "--quiet", str(nbrun.ROOT), str(origin)], check=True, timeout=120)
    course_dir = tmp_path / "content" / "pytorch-course"
    cell = nf.colab_source(repo=f"file://{origin}", folder=str(course_dir), packages=[str(tiny_wheel(tmp_path))])
    fake_colab = "import sys, types; sys.modules['google.colab'] = types.ModuleType('google.colab')\n"
    report = "\nimport json, os, utils, course_colab_probe\nprint(json.dumps([utils.__file__, os.getcwd()]))\n"
    result = run_python(python, fake_colab + cell + report, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    utils_file, cwd = json.loads(result.stdout.strip().splitlines()[-1])
    assert utils_file == str(course_dir / "utils" / "__init__.py")
    assert cwd == str(course_dir / "notebooks")

    # Run again (a restarted runtime): the clone is reused; a failed pip says so in one line and does not stop.
    cell = nf.colab_source(repo="file:///nowhere", folder=str(course_dir), packages=[str(tmp_path / "missing.whl")])
    result = run_python(python, fake_colab + cell + "\nimport utils\n", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Colab set-up: pip could not install" in result.stdout


def test_student_notebooks_keep_the_colab_cell_before_any_exercise():
    for path in nbrun.solution_paths():
        nb = nbrun.read(path)
        colab = next(i for i, c in enumerate(nb.cells) if nf.COLAB_TAG in c.metadata.get("tags", []))
        first_exercise = sv.regions(nb)[0][0]
        assert colab < first_exercise, path.name


def test_the_toggle_cell_and_its_heading_are_the_frames_words_with_the_notebooks_seed():
    nb = notebook(
        ("md", "# 09 · T"),
        ("md", "## The device toggle\n\nold words"),
        ("code", 'DEVICE = "cpu"\nSEED = 7', ["parameters"]),
    )
    framed = nf.frame(nb)
    assert framed.cells[1].source == nf.TOGGLE_TEXT
    assert framed.cells[2].source == nf.TOGGLE_TEMPLATE.format(seed=7)
    assert 'DEVICE = "auto"' in framed.cells[2].source and "COURSE_DEVICE" in framed.cells[2].source
