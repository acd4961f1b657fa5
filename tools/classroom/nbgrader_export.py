"""Exports the course for nbgrader: each solutions notebook with nbgrader's cell metadata, as an nbgrader source.

    python -m tools.classroom.nbgrader_export OUT      writes OUT/source/NN_name/NN_name.ipynb for every notebook

A course already on nbgrader copies OUT/source/ into its course folder and runs `nbgrader generate_assignment`,
`nbgrader autograde` as usual. The course's metadata (tools/student_version.py) says which cells are which:

- an exercise's cells, whose `### BEGIN SOLUTION` regions nbgrader's own release step replaces by stubs: solution
  cells ("solution": true, "grade_id": "exercise-K-task-N");
- the check cell after them: an autograded test worth one point, locked ("grade": true, "points": 1,
  "grade_id": "exercise-K-check"): nbgrader restores its code before grading, so a student cannot rewrite it;
- a concept question's answer cell: a solution cell ("question-N"); the question's key is exported sealed, as in
  the student notebooks (utils/quiz.py), so the release does not give the answers away.

Other cells carry no nbgrader metadata. nbgrader itself is not needed to export.
"""

import sys
from pathlib import Path

import nbformat

from tools import student_version as sv
from tools.classroom.options import ROOT

SCHEMA = 3
KEY_TAG = "quiz-key"


def nbgrader_cell(grade_id, *, solution=False, grade=False, locked=False, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": SCHEMA, "solution": solution}
    meta["task"] = False
    if grade:
        meta["points"] = points
    return meta


def export_notebook(solution, name):
    """Returns the nbgrader source version of the solutions notebook `solution` (a copy)."""
    student = sv.student_notebook(solution, name=name)  # the same cells, with the course's metadata
    source = nbformat.reads(nbformat.writes(solution), as_version=4)
    tasks = {}
    for cell, mine in zip(source.cells, student.cells):
        course = mine.metadata.get("course", {})
        if KEY_TAG in cell.metadata.get("tags", []):
            cell.source = mine.source  # the sealed key
        if "exercise" in course and course.get("role") == "check":
            cell.metadata["nbgrader"] = nbgrader_cell(
                f"exercise-{course['exercise']}-check", grade=True, locked=True, points=1
            )
        elif "exercise" in course:
            k = course["exercise"]
            tasks[k] = tasks.get(k, 0) + 1
            cell.metadata["nbgrader"] = nbgrader_cell(f"exercise-{k}-task-{tasks[k]}", solution=True)
        elif "question" in course:
            cell.metadata["nbgrader"] = nbgrader_cell(f"question-{course['question']}", solution=True)
        elif course.get("challenge") == "task":
            cell.metadata["nbgrader"] = nbgrader_cell("challenge", solution=True)
        cell.metadata.pop("course", None)
    return source


def export(out, solutions=ROOT / "solutions"):
    """Writes the nbgrader sources of every solutions notebook under `out`/source/; returns their paths."""
    written = []
    for path in sorted(Path(solutions).glob("*.ipynb")):
        target = Path(out) / "source" / path.stem / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(export_notebook(nbformat.read(path, as_version=4), path.name), target)
        written.append(target)
    return written


def main(argv):
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    written = export(argv[0])
    print(f"[classroom] nbgrader sources: {len(written)} notebooks in {Path(argv[0]) / 'source'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
