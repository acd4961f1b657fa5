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

A translated edition's sheet (`python3 course.py slides --lang ko`: build/slides/ko/lab.md and lab.html) is built the
same way from its solutions (solutions/ko/), with a `Language`: its translations of the fixed texts below (TEXTS,
extracted into i18n/<lang>/lecture.po by tools/i18n) and of the exercises' tasks, its student notebooks' folder and
its `start` command.
"""

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
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
COLAB = "https://colab.research.google.com/github/{repo}/blob/main/{folder}/{name}"
PASSED = "check passed"  # how a check's success line starts (a translated edition prints its translation)
# The sheet's fixed texts, by name: a translated edition translates each (placeholders {0}, {1}: values filled in).
TEXTS = {
    "TITLE": TITLE,
    "HEADING": "{0}: {1} minutes",
    "INTRO": "Work in the **student notebooks** (`{0}/`). Open one and choose *Run all*: it stops at the first "
    "exercise not done yet, `NotImplementedError: Exercise N is not done yet: ...`. Replace that line with your code, "
    "run the cell, then the check cell below it. Ask for help after 5 minutes stuck.",
    "LEFT_OUT": "Not translated yet, so left out: notebooks {0}.",
    "OPEN": "Open the notebooks (the first {0} minutes)",
    "LAPTOP": "**On your laptop** (Python 3.11 and git): `git clone {0}`, then `{1}` in its folder. JupyterLab opens "
    "on `{2}/`; your work is saved in `work/`.",
    "COLAB": "**On Google Colab** (nothing to install): {0}. Run the set-up cell (the second code cell) first; save "
    "with *File > Save a copy in Drive*.",
    "HUB": "**On the classroom hub**: the instructor starts it (`sudo python3 course.py classroom`) and gives you its "
    "address, your user name and your password. Your notebooks are in `~/{0}/`.",
    "EXERCISES": "The exercises ({0} minutes)",
    "AT": "At",
    "NOTEBOOK": "Notebook",
    "WHAT": "Exercise: what you write",
    "MIN": "Min.",
    "DONE_WHEN": "Done when its check prints",
    "SILENT": "its check runs silently",
    "DONE_HEADING": "Done?",
    "DONE": "**Done** means every check above printed its `check passed: ...` line. A check that fails says what is "
    "wrong and usually why: read its message, fix, and run the exercise's cell and the check again.",
    "EARLY": "**Finished early?** Go on in the same notebooks: {0} more exercises ({1} minutes in all, notebooks {2}), "
    "then each notebook's optional challenge and its concept questions.",
    "PASSED": PASSED,
}
NOTES = {  # where each text shows, for the translators (TEXTS of tools/lecture.py: its own NOTES)
    "TITLE": "the sheet's title (also the lecture's)",
    "HEADING": "the sheet's heading: {0} the title, {1} the lab's minutes",
    "INTRO": "the first paragraph: {0} the student notebooks' folder; the stub's message as the edition prints it",
    "LEFT_OUT": "a translated sheet and deck: {0} the notebooks not in the edition yet",
    "OPEN": "a heading: {0} minutes",
    "LAPTOP": "a list item: {0} the repository, {1} the start command, {2} the notebooks' folder",
    "COLAB": "a list item: {0} the Colab links",
    "HUB": "a list item: {0} the notebooks' folder",
    "EXERCISES": "a heading: {0} minutes",
    "AT": "a column: the time from the start",
    "NOTEBOOK": "a column: the notebook's number",
    "WHAT": "a column: the exercise's number and task",
    "MIN": "a column: the exercise's minutes (keep it short)",
    "DONE_WHEN": "a column: the check's success lines",
    "SILENT": "in the last column, for a check that prints nothing",
    "DONE_HEADING": "a heading",
    "DONE": "a list item (`check passed` as the edition's notebooks print it)",
    "EARLY": "a list item: {0} exercises, {1} minutes, {2} notebook numbers",
    "PASSED": "how a check's success line starts in the notebooks' output (the sheet quotes those lines)",
}


def english(text):
    return text


@dataclass(frozen=True)
class Language:
    """What the lab sheet and the lecture deck say, in one language: English by default; a translated edition gives
    its code, `translate` (English text -> its translation, the text itself when there is none), its student
    notebooks' folder, its start command, its decks' folder and the notebooks it leaves out (not translated yet)."""

    code: str = "en"
    translate: Callable[[str], str] = english
    notebooks: str = "notebooks"
    start: str = "python3 course.py start"
    decks: str = "build/slides"
    left_out: tuple = ()

    def say(self, text, *values):
        """Returns the fixed text `text` (English) in this language, its placeholders {0}, {1}... filled with
        `values`."""
        found = self.translate(text)
        return found.format(*values) if values else found

    def task(self, tasks):
        """Returns an exercise's task in this language: its regions' tasks, each translated, joined with "; "."""
        found = [self.translate(task.rstrip(".")) for task in tasks]
        return "; ".join(new if new != task.rstrip(".") else task for new, task in zip(found, tasks))


ENGLISH = Language()


class LabError(ValueError):
    """An estimate or a `lab` tag is where no exercise is, malformed, or the lab skips an exercise; the message says
    where."""


def notebook_title(nb, path):
    """Returns the notebook's title without its number: "Raw tensors: ..." for "# 01 · Raw tensors: ..."."""
    first = nb.cells[0].source.splitlines()[0] if nb.cells else path.stem
    return re.sub(r"^#\s*\d+\s*·\s*", "", first).strip()


def check_lines(nb, student, number, passed=(PASSED,)):
    """Returns the `check passed:` lines that the check cells of exercise `number` printed in the solutions notebook
    (lines that start with one of `passed`: a translated edition's notebooks print its translation)."""
    lines = []
    for index, cell in enumerate(student.cells):
        if cell.metadata.get("course") == {"exercise": number, "role": "check"}:
            for output in nb.cells[index].get("outputs", []):
                if output.get("output_type") == "stream":
                    lines += [line.strip() for line in output.text.splitlines() if line.startswith(passed)]
    return lines


def exercises(nb, path, passed=(PASSED,)):
    """Returns one dict per exercise of the notebook, in order: notebook, number, task, tasks, minutes (None when not
    estimated), in_lab, cell (the index of the cell with its first region) and done (the `check passed:` lines, or
    the lines starting with one of `passed`); an exercise's task is its regions' tasks, joined with "; "."""
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
                "tasks": tasks,
                "minutes": minutes,
                "in_lab": LAB_TAG in cell.metadata.get("tags", []),
                "cell": first_cell[number],
                "done": check_lines(nb, student, number, passed),
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


def plan(paths=None, language=ENGLISH):
    """Returns the lab: {"exercises": every exercise of every notebook, "lab": those chosen, in order, each with
    "start" (minutes from the lab's start), "minutes": the lab's planned total}. `language` gives the success lines'
    start in a translated edition's notebooks."""
    paths = sorted(SOLUTIONS.glob("*.ipynb")) if paths is None else [Path(p) for p in paths]
    passed = tuple(dict.fromkeys((PASSED, language.translate(PASSED))))
    every = [e for path in paths for e in exercises(nbformat.read(path, as_version=4), path, passed)]
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


def colab_link(notebook, folder="notebooks"):
    return COLAB.format(repo=notebook_frame.GITHUB_REPO, folder=folder, name=f"{notebook}.ipynb")


def markdown(lab, language=ENGLISH):
    """Returns the lab sheet as Markdown (in `language`)."""
    say = language.say
    chosen = lab["lab"]
    notebooks = list(dict.fromkeys((e["notebook"], e["title"]) for e in chosen))
    others = [e for e in lab["exercises"] if not e["in_lab"]]
    rows = [
        f"| {clock(e['start'])} | {e['notebook'][:2]} | {e['number']}: {escape(language.task(e['tasks']))} | "
        f"{e['minutes']} | "
        + ("<br>".join("`" + line.replace("|", "\\|") + "`" for line in e["done"]) or say(TEXTS["SILENT"]))
        + " |"
        for e in chosen
    ]
    later = sorted({e["notebook"][:2] for e in others})
    left_out = [say(TEXTS["LEFT_OUT"], ", ".join(n[:2] for n in language.left_out)), ""] if language.left_out else []
    columns = [say(TEXTS[name]) for name in ("AT", "NOTEBOOK", "WHAT", "MIN", "DONE_WHEN")]
    return "\n".join(
        [
            f"# {say(TEXTS['HEADING'], say(TITLE), LAB_MINUTES)}",
            "",
            say(TEXTS["INTRO"], language.notebooks),
            "",
            *left_out,
            f"## {say(TEXTS['OPEN'], GETTING_STARTED)}",
            "",
            "- " + say(TEXTS["LAPTOP"], f"{notebook_frame.REPO_URL}", language.start, language.notebooks),
            "- "
            + say(TEXTS["COLAB"], ", ".join(f"[{n[:2]}]({colab_link(n, language.notebooks)})" for n, _ in notebooks)),
            "- " + say(TEXTS["HUB"], language.notebooks),
            "",
            f"## {say(TEXTS['EXERCISES'], lab['minutes'] - GETTING_STARTED)}",
            "",
            "| " + " | ".join(columns) + " |",
            "|---|---|---|---|---|",
            *rows,
            "",
            f"## {say(TEXTS['DONE_HEADING'])}",
            "",
            "- " + say(TEXTS["DONE"]),
            "- " + say(TEXTS["EARLY"], len(others), sum(e["minutes"] or 0 for e in others), ", ".join(later)),
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


def html_page(lab, language=ENGLISH):
    """Returns the lab sheet as one HTML page, styled to print on one A4 page (in `language`)."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return (
        f'<!DOCTYPE html>\n<html lang="{language.code}"><head><meta charset="utf-8">'
        f"<title>{html.escape(language.say(TITLE))}</title>\n<style>{STYLE}</style></head>\n<body>\n"
        + markdown2html_mistune(markdown(lab, language))
        + "\n</body></html>\n"
    )


def write(out, paths=None, language=ENGLISH):
    """Writes out/lab.md and out/lab.html (in `language`); returns their paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    lab = plan(paths, language)
    md, page = out / "lab.md", out / "lab.html"
    md.write_text(markdown(lab, language), encoding="utf-8")
    page.write_text(html_page(lab, language), encoding="utf-8")
    return md, page
