"""The grades table and each student's feedback, made from a grading run's results files (never added up twice).

grades.csv: one row per student, notebook and exercise: student, notebook, exercise, passed (yes/no), message (the
check's message: "check passed: ..." or what is wrong and how to fix it). feedback/<student>.md: the same, in words
addressed to the student, notebook by notebook.
"""

import csv
import io
import json
from pathlib import Path

from tools.classroom import passwords

COLUMNS = ["student", "notebook", "exercise", "passed", "message"]


def load(run_dir, plan):
    """Returns {(student, notebook stem): rows} for every results file of the run."""
    found = {}
    for student in plan["students"]:
        for notebook in plan["notebooks"]:
            path = Path(run_dir) / "results" / student / (Path(notebook).stem + ".json")
            if path.exists():
                found[student, Path(notebook).stem] = json.loads(path.read_text())["rows"]
    return found


def table(found):
    """Returns the grades as CSV text."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    for (student, notebook), rows in sorted(found.items()):
        for row in rows:
            writer.writerow([student, notebook, row["exercise"], "yes" if row["passed"] else "no", row["message"]])
    return text.getvalue()


def feedback(student, display, found, when):
    """Returns the feedback file of one student, in Markdown."""
    lines = [f"# Feedback for {display} ({student})", "", f"Graded {when}, from your notebooks as collected then.", ""]
    for (who, notebook), rows in sorted(found.items()):
        if who != student:
            continue
        passed = sum(1 for row in rows if row["passed"])
        lines += [f"## {notebook}: {passed} of {len(rows)} exercises passed", ""]
        for row in rows:
            message = row["message"].replace("\n", "\n  ")
            lines.append(f"- Exercise {row['exercise']}: {'passed' if row['passed'] else 'not yet'}. {message}")
        lines.append("")
    return "\n".join(lines)


def write(run_dir, plan, when):
    """Writes grades.csv and feedback/<student>.md into `run_dir`; returns (path of grades.csv, number of rows)."""
    run_dir = Path(run_dir)
    found = load(run_dir, plan)
    passwords.write_private(run_dir / "grades.csv", table(found))
    (run_dir / "feedback").mkdir(exist_ok=True, mode=0o700)
    for student in plan["students"]:
        text = feedback(student, plan["display"].get(student, student), found, when)
        passwords.write_private(run_dir / "feedback" / f"{student}.md", text)
    return run_dir / "grades.csv", sum(len(rows) for rows in found.values())
