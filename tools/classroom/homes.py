"""Copies the course's notebooks into a student's home. Run AS THE STUDENT (tools/classroom/users.as_user):

    python -m tools.classroom.homes SOURCE DEST     copy SOURCE's tree into DEST; print how many files were new

Every file of SOURCE (the course's notebooks/ folder, subfolders included, so a future notebooks/ko/ comes along)
that DEST does not hold yet is copied; nothing already there is ever overwritten, so a student's work survives
every restart of the classroom. Running as the student, not as root, means a link or a folder the student made in
their home can never make root write outside it.
"""

import shutil
import sys
from pathlib import Path

SKIPPED = {".ipynb_checkpoints", "__pycache__"}


def copy_new(source, dest):
    """Returns the number of files copied from the tree `source` into `dest` (those `dest` lacked)."""
    source, dest = Path(source), Path(dest)
    copied = 0
    for path in sorted(source.rglob("*")):
        if not path.is_file() or SKIPPED & set(path.relative_to(source).parts):
            continue
        target = dest / path.relative_to(source)
        if target.exists() or target.is_symlink():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        copied += 1
    return copied


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    print(copy_new(argv[0], argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
