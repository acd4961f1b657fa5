"""The handwritten digits as image files on disk: written once, and their index read back (introduced in notebook 06).

scikit-learn ships 1797 digits of 8x8 pixels inside its package, so no download is needed. `write_digits` writes
them once into a cache folder outside the course (one PNG per item plus labels.csv) and reuses it afterwards;
`read_labels` reads labels.csv back, checked. The Dataset classes over these files are notebook 06's exercises;
their worker-safe copies live in utils/datasets.py, which the notebook imports only after those exercises.
"""

import csv
import os
import shutil
import uuid
from pathlib import Path

import numpy as np
from PIL import Image

ENV_VAR = "COURSE_DATA_DIR"
LABELS = "labels.csv"
HOW_TO_WRITE = "run `from utils import data; data.write_digits()`, as notebook 06 does"


def digits_dir(root=None, environ=None):
    """Returns the folder for the digits: `root` if given, else $COURSE_DATA_DIR, else the user's cache folder.

    The cache folder is $XDG_CACHE_HOME/pytorch-course/digits, or ~/.cache/pytorch-course/digits.
    """
    environ = os.environ if environ is None else environ
    if root is not None:
        return Path(root).expanduser()
    if environ.get(ENV_VAR, "").strip():
        return Path(environ[ENV_VAR].strip()).expanduser()
    cache = environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache"
    return Path(cache).expanduser() / "pytorch-course" / "digits"


def how_to_write(root, environ=None):
    """Returns the instruction that (re)writes the digits into `root`: HOW_TO_WRITE for the default folder."""
    if Path(root).expanduser().resolve() == digits_dir(environ=environ).resolve():
        return HOW_TO_WRITE
    return f"run `from utils import data; data.write_digits({str(root)!r})`"


def write_digits(root=None, environ=None):
    """Returns the folder holding the digits as PNG files plus labels.csv, writing it first if it is not there.

    The files are written into a temporary folder beside `root` that is renamed to `root` only when complete,
    so an interrupted write never looks like a complete folder; a complete folder is reused as it is.
    """
    root = digits_dir(root, environ)
    if (root / LABELS).is_file():
        return root
    from sklearn.datasets import load_digits  # imported here: only the first run needs scikit-learn (~1 s)

    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise FileExistsError(
            f"{root} exists but holds no {LABELS}, so it is not a complete digits folder. "
            f"Delete it, or choose another folder (the `root` argument or ${ENV_VAR})."
        )
    root.parent.mkdir(parents=True, exist_ok=True)
    partial = root.parent / f".{root.name}.partial-{uuid.uuid4().hex[:8]}"
    try:
        partial.mkdir()
        digits = load_digits()
        pixels = np.round(digits.images * (255 / 16)).astype(np.uint8)  # (1797, 8, 8), 0..16 -> 0..255
        rows = []
        for index, (image, label) in enumerate(zip(pixels, digits.target)):
            name = f"{index:04d}.png"
            Image.fromarray(image).save(partial / name)  # 8-bit greyscale PNG
            rows.append((name, int(label)))
        with open(partial / LABELS, "w", newline="") as file:
            csv.writer(file).writerows([("file", "label"), *rows])
        if root.is_dir():
            root.rmdir()  # an empty folder made by hand: replace it
        os.rename(partial, root)
    except BaseException as error:  # Ctrl+C included: never leave a partial folder behind
        shutil.rmtree(partial, ignore_errors=True)
        if isinstance(error, OSError) and (root / LABELS).is_file():
            return root  # another process completed the same folder first: use it
        raise
    return root


def read_labels(root):
    """Returns the list of (file name, label) pairs in `root`/labels.csv, checked; says what to run if it is missing."""
    root = Path(root)
    index = root / LABELS
    if not index.is_file():
        if not root.exists():
            raise FileNotFoundError(
                f"no digits data: the folder {root} does not exist. To write it, {how_to_write(root)}."
            )
        raise FileNotFoundError(
            f"no digits data: the folder {root} holds no {LABELS}. To write it, {how_to_write(root)}."
        )
    with open(index, newline="") as file:
        rows = list(csv.reader(file))
    items = []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != 2 or not row[1].strip().isdigit() or not 0 <= int(row[1]) <= 9:
            raise ValueError(
                f"{index}, line {line}: expected 'file,label' with a label from 0 to 9, got {row}. "
                f"Delete {root} and {how_to_write(root)}."
            )
        items.append((row[0], int(row[1])))
    if not items:
        raise ValueError(f"{index} lists no items. Delete {root} and {how_to_write(root)}.")
    return items
