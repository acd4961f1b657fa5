"""Every notebook follows the house outline (CONTRIBUTING.md); the README's map lists every notebook, only those."""

import re

import pytest

from tests import nbrun
from tools import notebook_frame

README = nbrun.ROOT / "README.md"
ENDING = ["## Summary", "## Exercises recap", "## Further reading"]


def headings(cell):
    return [line.strip() for line in cell.source.splitlines() if line.startswith("#")]


@pytest.mark.parametrize("path", nbrun.solution_paths(), ids=lambda p: p.name)
def test_notebook_follows_the_house_outline(path):
    cells = nbrun.read(path).cells
    intro = cells[0]
    number = path.name[:2]
    assert intro.cell_type == "markdown" and re.match(rf"# {number} · \S", intro.source), (
        f"{path.name}: the first cell must start with the title '# {number} · ...'"
    )
    for part in ("**What you will learn**", "**Prerequisites.**", "**How to use this notebook.**"):
        assert part in intro.source, f"{path.name}: the introduction lacks {part}"
    prerequisites = intro.source.split("**Prerequisites.**")[1].split("\n\n")[0]
    earlier = {f"{n:02d}" for n in range(1, int(number))}
    assert number == "01" or earlier & set(re.findall(r"\b\d\d\b", prerequisites)), (
        f"{path.name}: Prerequisites should name the earlier notebook(s) it builds on"
    )
    first_code = next(i for i, c in enumerate(cells) if c.cell_type == "code")
    assert "parameters" in cells[first_code].metadata.get("tags", []), f"{path.name}: the toggle cell comes first"
    sections = [h for c in cells if c.cell_type == "markdown" for h in headings(c) if h.startswith("## ")]
    assert [h for h in sections if h in ENDING] == ENDING, f"{path.name}: it must end with {ENDING}, in that order"
    assert sections[-3:] == ENDING, f"{path.name}: {ENDING} are the last sections"
    numbered = [h for h in sections if re.match(r"## \d+\. ", h)]
    assert numbered and [int(h.split()[1][:-1]) for h in numbered] == list(range(1, len(numbered) + 1)), (
        f"{path.name}: sections are numbered 1, 2, 3... ({numbered})"
    )
    last_code = max(i for i, c in enumerate(cells) if c.cell_type == "code")
    assert all(i > last_code for i, c in enumerate(cells) if c.cell_type == "markdown" and "## Summary" in headings(c))


def readme_rows():
    """Returns {notebook stem: table row} for the rows of the README's course map."""
    text = README.read_text(encoding="utf-8")
    table = text.split("## The course", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in table.splitlines():
        found = re.match(r"\| *(\d+) *\|", line)
        if found:
            stems = set(re.findall(r"notebooks/(\d\d_\w+)\.ipynb", line))
            assert len(stems) == 1, f"README row {found[1]} must link one student notebook: {line}"
            rows[stems.pop()] = line
    return rows


def test_readme_map_lists_every_notebook_and_only_those():
    rows = readme_rows()
    stems = [p.stem for p in nbrun.solution_paths()]
    assert sorted(rows) == stems, f"README's table lists {sorted(rows)}, solutions/ holds {stems}"
    colab = f"https://colab.research.google.com/github/{notebook_frame.GITHUB_REPO}/blob/main/notebooks/"
    for stem, row in rows.items():
        assert row.startswith(f"| {int(stem[:2])} |"), f"the row for {stem} is numbered {stem[:2]}"
        for link in (
            f"(notebooks/{stem}.ipynb)",
            f"(solutions/{stem}.ipynb)",
            f"`build/slides/solutions/{stem}.slides.html`",
            f"({colab}{stem}.ipynb)",
        ):
            assert link in row, f"README row for {stem} lacks {link}"
        assert (nbrun.STUDENTS / f"{stem}.ipynb").is_file()


def test_readme_keeps_the_two_commands_and_names_the_slide_command():
    text = README.read_text(encoding="utf-8")
    for command in (
        "python3 course.py start",
        "python3 course.py test",
        "python3 course.py slides",
        "COURSE_DEVICE",
        "python3 course.py refresh",
    ):
        assert command in text, command
