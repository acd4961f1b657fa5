"""Fetches web assets (JavaScript, CSS, fonts) from the npm registry with `npm pack`, for pages that must work offline.

Shared by tools/visdom_assets.py (the Visdom dashboard) and tools/slides.py (the reveal.js slide decks): `npm pack`
downloads a package's published tarball (npm keeps a copy in its own cache, so a second fetch needs no network),
and the files a page needs are copied out of it.
"""

import shutil
import subprocess
import tarfile
from pathlib import Path


class AssetsUnavailable(RuntimeError):
    """The assets cannot be fetched here (no npm, or the registry did not answer); the message says what to do."""


def tarball_name(spec):
    """Returns the file name `npm pack` gives the tarball of `spec` ("name@version", scoped names included)."""
    name, version = spec.rsplit("@", 1)
    return f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"


def pack(specs, folder, npm=None, purpose="the web assets"):
    """Returns {spec: path of its tarball in `folder`} after `npm pack` fetched every "name@version" in `specs`."""
    npm = npm or shutil.which("npm")
    if not npm:
        raise AssetsUnavailable(
            f"npm (from Node.js) is not installed, so {purpose} cannot be fetched. Install "
            "Node.js, then run `python3 course.py setup` again."
        )
    result = subprocess.run(
        [npm, "pack", "--silent", "--pack-destination", str(folder), *specs], capture_output=True, text=True
    )
    if result.returncode != 0:
        raise AssetsUnavailable(f"`npm pack` failed, so {purpose} were not staged:\n{result.stderr.strip()}")
    return {spec: Path(folder) / tarball_name(spec) for spec in specs}


def extract(tarball, wanted, dest):
    """Returns the number of files copied from `tarball` into `dest`, keeping their paths inside the package.

    `wanted` lists paths inside the package: a path ending in "/" takes the whole folder, any other one file.
    """
    copied = 0
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            inner = member.name.removeprefix("package/")
            chosen = any(inner == w or (w.endswith("/") and inner.startswith(w)) for w in wanted)
            if not member.isfile() or ".." in Path(inner).parts or not chosen:
                continue
            target = Path(dest) / inner
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(tar.extractfile(member).read())
            copied += 1
    for w in wanted:
        if not w.endswith("/") and not (Path(dest) / w).is_file():
            raise AssetsUnavailable(f"{Path(tarball).name} from the npm registry has no file {w}")
    return copied
