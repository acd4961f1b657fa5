"""Checkpoints loaded safely: a file's sha256, and loading weights only after checking it (notebook 07).

A checkpoint file is a pickle, and unpickling can run any code. So every load here uses
torch.load(..., weights_only=True), which accepts tensors and plain containers only, and checks the file's
sha256 first, which catches a file changed or cut short since its hash was published. hubconf.py and
tools/train_zoo.py load the zoo through `load_checkpoint`; notebook 07 introduces it after its students
wrote their own hash and verified loader.
"""

import hashlib
from pathlib import Path

import torch

from utils import i18n

FIX = (
    "delete it and get it again (for the course's zoo: `git checkout zoo/`, "
    "or rebuild it with `python -m tools.train_zoo`)"
)


class CheckpointError(RuntimeError):
    """A checkpoint file is damaged, tampered with or not a weights-only checkpoint; the message names the fix.

    The message is in the course language in use (utils/i18n.py), as a check's failure is: a Korean notebook prints
    and shows it in Korean."""

    def __init__(self, message="", *args):
        super().__init__(i18n.translate(message), *args)


def sha256_of(path):
    """Returns the sha256 of the file at `path` as 64 lowercase hex digits (hashlib reads it in chunks)."""
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _check_size_and_hash(path, sha256, size):
    actual_size = path.stat().st_size
    if size is not None and actual_size < size:
        raise CheckpointError(
            f"checkpoint {path} is truncated: {actual_size} bytes instead of {size} "
            f"(an interrupted download or copy). Do not load it: {FIX}."
        )
    if sha256 is None:
        return
    published = str(sha256).lower()
    if len(published) < 8:
        raise ValueError(f"give at least 8 hex digits of the sha256 for {path}, not {sha256!r}")
    digest = sha256_of(path)
    if not digest.startswith(published):
        raise CheckpointError(
            f"checkpoint {path} does not match its published sha256: expected "
            f"{published[:16]}..., got {digest[:16]}... ({actual_size} bytes). The file was "
            f"changed or damaged after publication (tampered with, or cut short). "
            f"Do not load it: {FIX}."
        )


def load_checkpoint(path, sha256=None, size=None, map_location="cpu"):
    """Returns the object stored in the checkpoint at `path` (usually a state_dict), after checking it.

    `sha256`: the expected hash (all 64 hex digits, or a prefix of 8 or more); `size`: the expected bytes.
    The file is loaded with weights_only=True, on `map_location` (the CPU by default, so a checkpoint saved
    on a GPU loads on any machine). Raises FileNotFoundError or CheckpointError with a message that names
    the file and says what to do.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            i18n.translate(
                f"checkpoint {path} does not exist: check the name (zoo/manifest.json lists "
                "the zoo's files) or rebuild the zoo with `python -m tools.train_zoo`."
            )
        )
    _check_size_and_hash(path, sha256, size)
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as error:  # a damaged zip archive, or a pickle that holds more than tensors
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CheckpointError(
            f"checkpoint {path} could not be loaded with weights_only=True ({first_line}). "
            f"It is truncated, not a PyTorch checkpoint, or holds objects other than tensors. "
            f"Do not load it with weights_only=False unless you trust its source: {FIX}."
        ) from error
