"""Stages JupyterHub's proxy, configurable-http-proxy, from the npm registry into .venv/hub-proxy/.

JupyterHub routes every browser request through configurable-http-proxy, a Node.js program published on npm
(not PyPI). `python3 course.py setup` runs this file, as it runs tools/visdom_assets.py for the dashboard's
assets: `npm ci` installs exactly the versions of hub-proxy/package-lock.json (the proxy and its dependencies,
integrity-checked) into .venv/hub-proxy/. Run again, it does nothing when they are in place.

    python -m tools.classroom.proxy            stage (needs Node.js >= 18 and npm)
    python -m tools.classroom.proxy --check    exit 1 and say what is missing

configurable-http-proxy 5.1.0 is pinned, not 5.3.0: 5.3.0 requires commander 15, which asks for Node.js >= 22.12,
while 5.1.0 runs on Node.js 18 (Debian 12's) and 20.
"""

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

from tools.npm_assets import AssetsUnavailable

HERE = Path(__file__).resolve().parent / "hub-proxy"
ROOT = Path(__file__).resolve().parents[2]
DEST = ROOT / ".venv" / "hub-proxy"
LOCK_FILES = ("package.json", "package-lock.json")
MIN_NODE = 18
FIX = "Install Node.js (18 or newer, with npm), then run `python3 course.py setup` again."


def command(dest=DEST):
    """Returns the path of the staged configurable-http-proxy program."""
    return dest / "node_modules" / ".bin" / "configurable-http-proxy"


def wanted_stamp():
    digest = hashlib.sha256()
    for name in LOCK_FILES:
        digest.update((HERE / name).read_bytes())
    return digest.hexdigest()


def missing(dest=DEST):
    """Returns a list of what is not in place (empty when the proxy is staged for the current lock file)."""
    problems = []
    if not command(dest).exists():
        problems.append(f"{command(dest)} (configurable-http-proxy) is not installed")
    stamp = dest / "staged.sha256"
    if not stamp.exists() or stamp.read_text().strip() != wanted_stamp():
        problems.append(f"{dest} does not match {HERE.relative_to(ROOT)}/package-lock.json")
    return problems


def node_major(node):
    """Returns the major version of the `node` program, or None if it does not run."""
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
        return int(out.lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None


def stage(dest=DEST, npm=None, node=None):
    """Returns True after installing the proxy into `dest` (False when it was already there)."""
    if not missing(dest):
        return False
    npm, node = npm or shutil.which("npm"), node or shutil.which("node")
    if not npm or not node:
        raise AssetsUnavailable(f"Node.js and npm are needed for JupyterHub's proxy (`classroom`). {FIX}")
    major = node_major(node)
    if major is None or major < MIN_NODE:
        raise AssetsUnavailable(f"{node} is Node.js {major or '?'}; JupyterHub's proxy needs {MIN_NODE}+. {FIX}")
    dest.mkdir(parents=True, exist_ok=True)
    for name in LOCK_FILES:
        shutil.copyfile(HERE / name, dest / name)
    result = subprocess.run(
        [npm, "ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=dest,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise AssetsUnavailable(f"`npm ci` failed, so JupyterHub's proxy was not installed:\n{result.stderr.strip()}")
    (dest / "staged.sha256").write_text(wanted_stamp() + "\n")
    return True


def main(argv):
    if "--check" in argv:
        gone = missing()
        for problem in gone:
            print(f"missing: {problem}")
        return 1 if gone else 0
    try:
        staged = stage()
    except AssetsUnavailable as error:
        print(f"[course] warning: {error} Until then everything but `course.py classroom` works.")
        return 1
    print(f"[course] JupyterHub's proxy: {'installed' if staged else 'already in place'} ({command()}).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
