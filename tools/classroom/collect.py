"""Collects a student's notebooks for grading. The reading runs AS THE STUDENT; root keeps the copies.

    python -m tools.classroom.collect FOLDER NAME.ipynb...     (as the student) prints JSON: each file's bytes

Reading as the student means a link in their home can only lead to files they may read themselves: a student cannot
hand in another student's notebook, or a system file, by linking to it. Root then writes the copies into the grading
run's private folder, where they stay as handed in whatever the student changes afterwards.
"""

import base64
import json
import subprocess
import sys
from pathlib import Path

LIMIT = 50 * 1024 * 1024  # a notebook larger than this is not graded (a student's stray 1 GB output, say)


def read_as_student(folder, names):
    """Returns {name: {"status": "ok", "data": base64} or {"status": why not}} for the files in `folder`."""
    found = {}
    for name in names:
        path = Path(folder) / name
        try:
            if not path.is_file():
                found[name] = {"status": "missing" if not path.exists() else "not a file"}
            elif path.stat().st_size > LIMIT:
                found[name] = {"status": f"too large ({path.stat().st_size // 2**20} MB; the limit is 50 MB)"}
            else:
                found[name] = {"status": "ok", "data": base64.b64encode(path.read_bytes()).decode()}
        except OSError as error:
            found[name] = {"status": f"unreadable ({error.strerror})"}
    return found


def collect(python, user_kwargs, folder, names, dest):
    """Returns {name: status} after copying the student's `names` from `folder` into `dest` (root's); runs the
    reading as the student (user_kwargs from users.as_user)."""
    result = subprocess.run(
        [str(python), "-m", "tools.classroom.collect", str(folder), *names],
        capture_output=True,
        timeout=300,
        **user_kwargs,
    )
    if result.returncode != 0:
        reason = (result.stderr.decode(errors="replace").strip().splitlines() or ["?"])[-1]
        return {name: f"not collected ({reason})" for name in names}
    found = json.loads(result.stdout)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True, mode=0o700)
    statuses = {}
    for name in names:
        entry = found.get(name, {"status": "missing"})
        if entry["status"] == "ok":
            (dest / name).write_bytes(base64.b64decode(entry["data"]))
        statuses[name] = entry["status"]
    return statuses


def main(argv):
    if len(argv) < 1:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(read_as_student(argv[0], argv[1:])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
