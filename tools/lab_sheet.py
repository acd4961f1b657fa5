"""The lab sheet: one page, in Markdown and HTML, for a 90-minute lab after the lecture, generated from the notebooks.

    python course.py slides --lecture    writes it with the lecture deck: build/slides/lab.md and build/slides/lab.html
    python course.py slides              writes it with all the decks

What it lists comes from the solutions notebooks' exercise markers (tools/student_version.regions), so an exercise
that no longer exists is never on it. Two things live on the cell that holds an exercise's (first) solution region:
- `metadata["lab"] = {"minutes": 8}`: the estimated time a student needs for it (every exercise has one);
- the tag `lab`: the exercise is part of the 90-minute lab. In each notebook the lab's exercises are its first ones
  (1..k): an unfinished exercise stops Run all, so a later one would never be reached.
"What done looks like" is the check cell after the exercise: the sheet quotes the `check passed:` lines it printed
in the solutions notebook. A `lab` estimate on a cell that holds no exercise is an error (a stale estimate).
"""

import html
import re
from pathlib import Path

import nbformat

from tools import notebook_frame, student_version

ROOT = student_version.ROOT
SOLUTIONS = student_version.SOLUTIONS
LAB_TAG = "lab"
LAB_KEY = "lab"
LAB_MINUTES = 90
GETTING_STARTED = 10  # minutes to open the notebooks (start JupyterLab, Colab or the hub) before the first exercise
TITLE = "Lab: PyTorch after Lecture 8"
COLAB = "https://colab.research.google.com/github/{repo}/blob/main/notebooks/{name}"


class LabError(ValueError):
    """An estimate or a `lab` tag is where no exercise is, malformed, or the lab skips an exercise; the message says
    where."""


def notebook_title(nb, path):
    """Returns the notebook's title without its number: "Raw tensors: ..." for "# 01 · Raw tensors: ..."."""
    first = nb.cells[0].source.splitlines()[0] if nb.cells else path.stem
    return re.sub(r"^#\s*\d+\s*·\s*", "", first).strip()


def check_lines(nb, student, number):
    """Returns the `check passed:` lines that the check cells of exercise `number` printed in the solutions notebook."""
    lines = []
    for index, cell in enumerate(student.cells):
        if cell.metadata.get("course") == {"exercise": number, "role": "check"}:
            for output in nb.cells[index].get("outputs", []):
                if output.get("output_type") == "stream":
                    lines += [line.strip() for line in output.text.splitlines() if line.startswith("check passed")]
    return lines


def exercises(nb, path):
    """Returns one dict per exercise of the notebook, in order: notebook, number, task, minutes (None when not
    estimated), in_lab, cell (the index of the cell with its first region) and done (the `check passed:` lines);
    an exercise's task is its regions' tasks, joined with "; "."""
    name = Path(path).name
    found, first_cell = {}, {}  # number -> its regions' tasks (in order, each once); number -> its first cell
    for index, region in student_version.regions(nb, name):
        if region["kind"] == "Exercise":
            tasks = found.setdefault(region["number"], [])
            if region["task"] not in tasks:
                tasks.append(region["task"])
            first_cell.setdefault(region["number"], index)
    region_cells = {index for index, _ in student_version.regions(nb, name)}
    for index, cell in enumerate(nb.cells):
        estimated = LAB_KEY in cell.metadata or LAB_TAG in cell.metadata.get("tags", [])
        if estimated and index not in first_cell.values():
            where = "a cell with no exercise" if index not in region_cells else "a cell that is not an exercise's first"
            raise LabError(
                f"{name}, cell {index}: a lab estimate or `lab` tag on {where}: put it on the cell that holds the "
                "exercise's first solution region, or remove it (was the exercise removed?)"
            )
    student = student_version.student_notebook(nb, name=name)
    result = []
    for number, tasks in sorted(found.items()):
        cell = nb.cells[first_cell[number]]
        minutes = cell.metadata.get(LAB_KEY, {}).get("minutes")
        if minutes is not None and (not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0):
            raise LabError(f'{name}, cell {first_cell[number]}: metadata["lab"]["minutes"] must be a whole number > 0')
        result.append(
            {
                "notebook": Path(path).stem,
                "title": notebook_title(nb, Path(path)),
                "number": number,
                "task": "; ".join(tasks),
                "minutes": minutes,
                "in_lab": LAB_TAG in cell.metadata.get("tags", []),
                "cell": first_cell[number],
                "done": check_lines(nb, student, number),
            }
        )
    chosen = [e["number"] for e in result if e["in_lab"]]
    if chosen != list(range(1, len(chosen) + 1)):
        raise LabError(
            f"{name}: the lab's exercises are {chosen}; they must be the notebook's first ones (1..k): Run all stops "
            "at the first exercise not done, so a later one would never be reached"
        )
    missing = [e["number"] for e in result if e["in_lab"] and e["minutes"] is None]
    if missing:
        raise LabError(f'{name}: exercise(s) {missing} are in the lab but have no metadata["lab"]["minutes"]')
    return result


def plan(paths=None):
    """Returns the lab: {"exercises": every exercise of every notebook, "lab": those chosen, in order, each with
    "start" (minutes from the lab's start), "minutes": the lab's planned total}."""
    paths = sorted(SOLUTIONS.glob("*.ipynb")) if paths is None else [Path(p) for p in paths]
    every = [e for path in paths for e in exercises(nbformat.read(path, as_version=4), path)]
    chosen, clock = [], GETTING_STARTED
    for exercise in every:
        if exercise["in_lab"]:
            chosen.append({**exercise, "start": clock})
            clock += exercise["minutes"]
    return {"exercises": every, "lab": chosen, "minutes": clock}


def escape(text):
    """Returns `text` for a Markdown table cell: _ * ` | shown as themselves (`__init__` is not bold)."""
    return re.sub(r"([\\_*`|])", r"\\\1", text)


def clock(minutes):
    return f"{minutes // 60}:{minutes % 60:02d}"


def colab_link(notebook):
    return COLAB.format(repo=notebook_frame.GITHUB_REPO, name=f"{notebook}.ipynb")


def markdown(lab):
    """Returns the lab sheet as Markdown."""
    chosen = lab["lab"]
    notebooks = list(dict.fromkeys((e["notebook"], e["title"]) for e in chosen))
    others = [e for e in lab["exercises"] if not e["in_lab"]]
    rows = [
        f"| {clock(e['start'])} | {e['notebook'][:2]} | {e['number']}: {escape(e['task'])} | {e['minutes']} | "
        + ("<br>".join("`" + line.replace("|", "\\|") + "`" for line in e["done"]) or "its check runs silently")
        + " |"
        for e in chosen
    ]
    later = sorted({e["notebook"][:2] for e in others})
    return "\n".join(
        [
            f"# {TITLE}: {LAB_MINUTES} minutes",
            "",
            "Work in the **student notebooks** (`notebooks/`). Open one and choose *Run all*: it stops at the first "
            "exercise not done yet, `NotImplementedError: Exercise N is not done yet: ...`. Write your code in place "
            "of that line, run the cell, then the check cell below it. Ask for help after 5 minutes stuck.",
            "",
            f"## Open the notebooks (the first {GETTING_STARTED} minutes)",
            "",
            f"- **On your laptop** (Python 3.11 and git): `git clone {notebook_frame.REPO_URL}`, then "
            "`python3 course.py start` in its folder. JupyterLab opens on `notebooks/`; your work is saved in `work/`.",
            "- **On Google Colab** (nothing to install): "
            + ", ".join(f"[{n[:2]}]({colab_link(n)})" for n, _ in notebooks)
            + ". Run the set-up cell (the second code cell) first; save with *File > Save a copy in Drive*.",
            "- **On the classroom hub**: the instructor starts it (`sudo python3 course.py classroom`) and gives you "
            "its address, your user name and your password. Your notebooks are in `~/notebooks/`.",
            "",
            f"## The exercises ({lab['minutes'] - GETTING_STARTED} minutes)",
            "",
            "| At | Notebook | Exercise: what you write | Min. | Done when its check prints |",
            "|---|---|---|---|---|",
            *rows,
            "",
            "## Done?",
            "",
            "- **Done** means every check above printed its `check passed: ...` line. A check that fails says what is "
            "wrong and usually why: read its message, fix, and run the exercise's cell and the check again.",
            f"- **Finished early?** Go on in the same notebooks: {len(others)} more exercises "
            f"({sum(e['minutes'] or 0 for e in others)} minutes in all, notebooks {', '.join(later)}), then each "
            "notebook's optional challenge and its concept questions.",
            "",
        ]
    )


STYLE = """
@page { size: A4; margin: 10mm 12mm; }
body { font: 9pt/1.28 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111; max-width: 190mm;
       margin: 0 auto; }
h1 { font-size: 15pt; margin: 0 0 4pt; } h2 { font-size: 11pt; margin: 9pt 0 3pt; }
p, ul { margin: 3pt 0; } ul { padding-left: 14pt; } li { margin: 1pt 0; }
table { border-collapse: collapse; width: 100%; margin: 3pt 0; }
th, td { border: 1px solid #bbb; padding: 2pt 4pt; vertical-align: top; text-align: left; }
th { background: #eee; }
.anchor-link { display: none; }
code { font: 7.5pt/1.2 ui-monospace, "DejaVu Sans Mono", Menlo, monospace; overflow-wrap: anywhere; }
td:nth-child(1), td:nth-child(2), td:nth-child(4) { white-space: nowrap; }
"""


def html_page(lab):
    """Returns the lab sheet as one HTML page, styled to print on one A4 page."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(TITLE)}</title>\n<style>{STYLE}</style></head>\n<body>\n"
        + markdown2html_mistune(markdown(lab))
        + "\n</body></html>\n"
    )


def write(out, paths=None):
    """Writes out/lab.md and out/lab.html; returns their paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    lab = plan(paths)
    md, page = out / "lab.md", out / "lab.html"
    md.write_text(markdown(lab), encoding="utf-8")
    page.write_text(html_page(lab), encoding="utf-8")
    return md, page
