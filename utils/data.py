"""The handwritten digits as image files on disk, and a worker-safe Dataset over them (introduced in notebook 06).

scikit-learn ships 1797 digits of 8x8 pixels inside its package, so no download is needed. `write_digits` writes
them once into a cache folder outside the course (one PNG per item plus labels.csv) and reuses it afterwards.
`DigitsFolder`, `Normalise`, `RandomCrop`, `Compose` and `seed_worker` live here, in an importable module, because
DataLoader worker processes started with `spawn` (macOS, Windows) cannot load classes defined in a notebook.
"""

import csv
import os
import random
import shutil
import uuid
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

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
        state = "does not exist" if not root.exists() else "holds no " + LABELS
        raise FileNotFoundError(f"no digits data: the folder {root} {state}. To write it, {how_to_write(root)}.")
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


class DigitsFolder(Dataset):
    """The digits in a folder written by write_digits: item i is (transform(image), label).

    The worker-safe copy of the Dataset that notebook 06 writes: the same code, in a module that DataLoader
    worker processes can import. `image` is an (8, 8) uint8 array read from its PNG file; label is an int 0..9.
    """

    def __init__(self, root, transform=None):
        self.root = Path(root)
        self.items = read_labels(self.root)  # [(file name, label), ...]
        self.transform = transform

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        name, label = self.items[index]
        path = self.root / name
        try:
            with Image.open(path) as file:
                image = np.array(file.convert("L"))  # (8, 8) uint8
        except (OSError, ValueError) as error:
            raise RuntimeError(
                f"item {index}: cannot read the image file {path} ({error}). "
                f"Delete {self.root} and {how_to_write(self.root)}."
            ) from error
        if self.transform is not None:
            image = self.transform(image)
        return image, label


class Normalise:
    """A transform: calling it on an (H, W) uint8 image returns a float32 tensor (image / 255 - mean) / std."""

    def __init__(self, mean, std):
        self.mean, self.std = float(mean), float(std)

    def __call__(self, image):
        x = torch.from_numpy(np.asarray(image)).float() / 255  # (H, W) in [0, 1]
        return (x - self.mean) / self.std


class RandomCrop:
    """A transform: calling it on an (H, W) tensor returns a random square crop of side min_size..max_size.

    It draws from torch's global generator, which the DataLoader seeds in each worker.
    """

    def __init__(self, min_size, max_size):
        if not 1 <= min_size <= max_size:
            raise ValueError(f"RandomCrop needs 1 <= min_size <= max_size, got {min_size} and {max_size}")
        self.min_size, self.max_size = min_size, max_size

    def __call__(self, image):
        height, width = image.shape[-2:]
        size = int(torch.randint(self.min_size, min(self.max_size, height, width) + 1, ()))
        top = int(torch.randint(0, height - size + 1, ()))
        left = int(torch.randint(0, width - size + 1, ()))
        return image[..., top : top + size, left : left + size]


class Compose:
    """A transform: calling it applies each of `transforms` in turn and returns the result."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, image):
        for transform in self.transforms:
            image = transform(image)
        return image


def seed_worker(worker_id):
    """Returns nothing; a DataLoader worker_init_fn that seeds Python's and NumPy's generators from torch's.

    The DataLoader gives each worker its own torch seed, drawn from the loader's `generator`; this passes it on to
    libraries that keep their own generator (PyTorch's reproducibility notes recommend it).
    """
    seed = torch.initial_seed() % 2**32
    np.random.seed(seed)
    random.seed(seed)
