"""The course's model zoo: its folder, its manifest, and the fixed digits split it was trained on (notebook 07).

The zoo holds small pretrained weights made by tools/train_zoo.py from scikit-learn's bundled digits
(8x8 images, no download). zoo/manifest.json lists, for each model, its file (named `name-<first 8 hex of
its sha256>.pt`, torch.hub's check_hash convention), the full sha256, its size, the digits it knows and
its accuracy. hubconf.py at the repository root exposes the models to torch.hub.load(..., source="local").
"""

import json
from pathlib import Path

import torch

REPO_DIR = Path(__file__).resolve().parent.parent
ZOO_DIR = REPO_DIR / "zoo"
MANIFEST = ZOO_DIR / "manifest.json"
TEST_EVERY = 5  # sample i of the digits data set is a test sample when i % TEST_EVERY == 0 (20 %)


def read_manifest(path=MANIFEST):
    """Returns the zoo's manifest: a dict {model name: entry}, each entry a dict (file, sha256, bytes, ...)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"the zoo's manifest {path} is missing: rerun `python -m tools.train_zoo` "
            "in the repository folder to rebuild the zoo."
        )
    return json.loads(path.read_text(encoding="utf-8"))["models"]


def entry(name, manifest=None):
    """Returns the manifest entry of the zoo model `name`, with `path` (its file in zoo/) added."""
    manifest = read_manifest() if manifest is None else manifest
    if name not in manifest:
        raise KeyError(f"the zoo has no model {name!r}; it has: {', '.join(sorted(manifest))}")
    return dict(manifest[name], path=ZOO_DIR / manifest[name]["file"])


def digits_split(classes, part):
    """Returns (x, y) for the digits in `classes` from the `part` ("train" or "test") of the zoo's fixed split.

    x: float32 tensor (N, 64), the 8x8 images flattened, pixel values scaled from 0..16 to 0..1;
    y: int64 tensor (N,), the position of each image's digit in `classes` (so digits 5-9 become 0-4).
    The split has no randomness: every 5th image of scikit-learn's digits is a test image.
    """
    from sklearn.datasets import load_digits  # imported here: scikit-learn is slow to import

    if part not in ("train", "test"):
        raise ValueError(f'part must be "train" or "test", not {part!r}')
    classes = [int(c) for c in classes]
    if not classes or any(c not in range(10) for c in classes) or len(set(classes)) != len(classes):
        raise ValueError(f"classes must be distinct digits 0-9, not {classes}")
    digits = load_digits()
    keep = [
        i for i, label in enumerate(digits.target) if label in classes and (i % TEST_EVERY == 0) == (part == "test")
    ]
    x = torch.tensor(digits.data[keep], dtype=torch.float32) / 16.0
    y = torch.tensor([classes.index(int(digits.target[i])) for i in keep], dtype=torch.int64)
    return x, y
