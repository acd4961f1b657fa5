"""What `course.py classroom` and `course.py grade` share: the course's folder, the classroom's, and sizes."""

import argparse
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FOLDER = ROOT / "classroom"  # git-ignored, mode 0700: passwords, the hub's database, grading runs


def memory_size(text):
    """Returns the bytes in "4G", "512M" or "1073741824"."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?", text.strip(), re.IGNORECASE)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size: write e.g. 4G or 512M")
    return int(float(match[1]) * 1024 ** " KMGT".index(match[2].upper() or " "))
