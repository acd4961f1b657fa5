"""Headless Chromium for the browser tests: where it is, and the flags it needs here (root, no network, no GPU)."""

import shutil

# As root, offline: no sandbox, no GPU, no QUIC, and none of the background connections it would otherwise keep trying.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING = "no Chromium: `python3 course.py test` installs it where it can (apt-get)"


def chromium():
    """Returns the path of a Chromium (Debian's, or another on PATH), or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
