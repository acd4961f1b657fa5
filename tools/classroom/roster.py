"""The class list: a CSV file of students, one a line, `user name,display name`.

    # comment lines and blank lines are skipped; a header line "username,display name" is allowed
    alice,Alice Martin
    bob,"Bob Lee, Jr."

A user name becomes a Unix user and a JupyterHub user, so it must be one both accept unchanged: lower-case ASCII
letters, digits, '-' and '_', starting with a letter, at most 32 characters. The display name is optional (the user
name stands in) and appears in the passwords file, the grades and the feedback. Every problem in the file is
reported at once, with its line number and the fix, before anything is created.
"""

import csv
import re
from dataclasses import dataclass
from pathlib import Path

NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")
HEADER_NAMES = {"username", "user name", "user", "login", "user_name"}
RESERVED = {"root", "admin", "hub", "user", "api", "nobody", "jupyterhub"}  # system or JupyterHub route names


class RosterError(ValueError):
    """The roster cannot be used; the message lists every problem with its line and how to fix it."""


@dataclass(frozen=True)
class Student:
    name: str  # the Unix and JupyterHub user name
    display_name: str
    line: int  # where it is in the roster file, for messages


def name_problem(name):
    """Returns why `name` cannot be a user name, or None when it can."""
    if not name:
        return "the user name is empty"
    if name.lower() in RESERVED:
        return f"{name!r} is reserved (a system or JupyterHub name): choose another"
    if not NAME.fullmatch(name):
        suggestion = re.sub(r"[^a-z0-9_-]", "", name.lower())
        hint = f" (for example {suggestion!r})" if NAME.fullmatch(suggestion or "-") else ""
        return (
            f"{name!r} is not a valid user name: use lower-case letters, digits, '-' and '_', starting with a "
            f"letter, at most 32 characters{hint}"
        )
    return None


def parse(text, source="roster"):
    """Returns the list of Students in the CSV `text`; raises RosterError listing every problem."""
    students, problems, seen = [], [], {}
    rows = csv.reader(text.splitlines())
    for line, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if not students and not problems and cells[0].lower() in HEADER_NAMES:
            continue
        if len(cells) > 2 and any(cells[2:]):
            problems.append(
                f"{source}, line {line}: {len(cells)} columns; write `user name,display name` and put quotes "
                'around a display name that holds a comma ("Lee, Bob")'
            )
            continue
        name, display = cells[0], (cells[1] if len(cells) > 1 else "") or cells[0]
        problem = name_problem(name)
        if problem:
            problems.append(f"{source}, line {line}: {problem}")
        elif name in seen:
            problems.append(
                f"{source}, line {line}: {name!r} is already on line {seen[name]}; each student once, with their "
                f"own user name (for example {name + '2'!r} for a second student of that name)"
            )
        else:
            seen[name] = line
            students.append(Student(name, display, line))
    if not students and not problems:
        problems.append(f"{source}: no students; write one `user name,display name` line per student")
    if problems:
        raise RosterError("the roster cannot be used; nothing was changed:\n  " + "\n  ".join(problems))
    return students


def read(path):
    """Returns the Students of the roster file at `path`; raises RosterError (missing file included)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a spreadsheet's "CSV UTF-8" starts with a byte-order mark
    except FileNotFoundError:
        raise RosterError(f"no roster file at {path}: write one `user name,display name` line per student") from None
    except UnicodeDecodeError as error:
        raise RosterError(f"{path} is not UTF-8 text ({error}): save it as CSV UTF-8") from None
    return parse(text, source=str(path))
