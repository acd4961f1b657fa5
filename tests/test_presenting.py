"""Cells read well when an instructor runs them in front of a class: none scrolls off a screen, plots fit a projector.

At JupyterLab's presenting zoom a 1280x800 projector shows about 25 lines of code and 120 characters per line
without scrolling; a figure wider than 10 inches (1000 pixels at matplotlib's 100 dpi) is shrunk to fit the
window, and its text with it.
"""

import re

import pytest

from tests import nbrun
from tools import student_version as sv

MAX_LINES = 25
MAX_WIDTH = 120
MAX_FIGURE = (1000, 700)  # pixels at 100 dpi: 10 x 7 inches
FIGURE = re.compile(r"<Figure size (\d+)x(\d+) with")


def code_cells(path):
    return [(i, c) for i, c in enumerate(nbrun.read(path).cells) if c.cell_type == "code"]


@pytest.mark.parametrize("path", nbrun.solution_paths(), ids=lambda p: p.name)
def test_no_code_cell_scrolls_off_a_presenting_screen(path):
    for i, cell in code_cells(path):
        lines = cell.source.splitlines()
        assert len(lines) <= MAX_LINES, f"{path.name}, cell {i}: {len(lines)} lines (at most {MAX_LINES}): split it"
        for line in lines:
            if sv.MARKER.search(line):
                continue  # solution markers: the student version replaces them
            assert len(line) <= MAX_WIDTH, f"{path.name}, cell {i}: a line of {len(line)} characters: {line.strip()}"


@pytest.mark.parametrize("path", nbrun.solution_paths(), ids=lambda p: p.name)
def test_figures_fit_a_projector(path):
    for i, cell in code_cells(path):
        for size in FIGURE.finditer(nbrun.text_of(cell)):
            width, height = int(size[1]), int(size[2])
            assert width <= MAX_FIGURE[0] and height <= MAX_FIGURE[1], (
                f"{path.name}, cell {i}: a {width}x{height} figure is shrunk on a projector: use figsize <= (10, 7)"
            )
            assert width >= 400, f"{path.name}, cell {i}: a {width}-pixel-wide figure is hard to read from the back"


def test_the_limits_catch_a_long_cell(tmp_path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    nb = new_notebook(
        cells=[
            new_code_cell("\n".join(f"x{i} = {i}" for i in range(MAX_LINES + 1))),
            new_code_cell(
                "plt.show()",
                outputs=[new_output("display_data", data={"text/plain": "<Figure size 1600x500 with 1 Axes>"})],
            ),
        ]
    )
    path = tmp_path / "99_long.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(AssertionError, match="26 lines"):
        test_no_code_cell_scrolls_off_a_presenting_screen(path)
    with pytest.raises(AssertionError, match="1600x500 figure"):
        test_figures_fit_a_projector(path)
