"""Stages the Visdom dashboard's web assets from the npm registry into the installed visdom package.

The visdom wheel ships no third-party JavaScript, and its own start-up downloads ~20 files from CDNs, which
fails offline. `python course.py setup` runs this file instead: `npm pack` fetches the same versions from the
npm registry, and the files are copied under the names visdom's server expects (its build.py download list).
Run again, it does nothing when everything is in place.

    python -m tools.visdom_assets            stage (needs npm, from Node.js)
    python -m tools.visdom_assets --check    exit 1 and list what is missing
"""

import importlib.util
import shutil
import sys
import tarfile
import tempfile
from pathlib import Path

from tools import npm_assets

MATHJAX = "js/mathjax/2.7.5/"
# npm package -> {file inside the package: destination under visdom/static/}
ASSETS = {
    "jquery@3.1.1": {"dist/jquery.min.js": "js/jquery.min.js"},
    "bootstrap@3.3.7": {
        "dist/js/bootstrap.min.js": "js/bootstrap.min.js",
        "dist/css/bootstrap.min.css": "css/bootstrap.min.css",
        **{
            f"dist/fonts/glyphicons-halflings-regular.{ext}": f"fonts/glyphicons-halflings-regular.{ext}"
            for ext in ("eot", "woff2", "woff", "ttf", "svg")
        },
    },
    "react@16.2.0": {"umd/react.production.min.js": "js/react-react.min.js"},
    "react-dom@16.2.0": {"umd/react-dom.production.min.js": "js/react-dom.min.js"},
    "react-modal@3.1.10": {"dist/react-modal.min.js": "js/react-modal.min.js"},
    "plotly.js-dist-min@2.11.1": {"plotly.min.js": "js/plotly-plotly.min.js"},
    "sjcl@1.0.7": {"sjcl.js": "js/sjcl.js"},
    "layout-bin-packer@1.4.0": {
        "dist/layout-bin-packer.js": "js/layout_bin_packer.js",
        "dist/layout-bin-packer.js.map": "js/layout-bin-packer.js.map",
    },
    "d3@3.5.17": {"d3.min.js": "js/d3.v3.min.js"},
    "d3-selection-multi@1.0.1": {"build/d3-selection-multi.js": "js/d3-selection-multi.v1.js"},
    "save-svg-as-png@1.4.17": {"lib/saveSvgAsPng.js": "js/saveSvgAsPng.js"},
    "react-resizable@1.4.6": {"css/styles.css": "css/react-resizable-styles.css"},
    "react-grid-layout@0.16.3": {"css/styles.css": "css/react-grid-layout-styles.css"},
    "classnames@2.2.5": {"index.js": "fonts/classnames"},
    "mathjax@2.7.5": {
        p: MATHJAX + p
        for p in (
            "MathJax.js",
            "config/Safe.js",
            "config/TeX-AMS-MML_HTMLorMML.js",
            "extensions/Safe.js",
            "jax/output/SVG/fonts/TeX/fontdata.js",
            "jax/output/SVG/jax.js",
            "jax/output/SVG/fonts/TeX/Size1/Regular/Main.js",
            "jax/output/SVG/config.js",
        )
    },
}


AssetsUnavailable = npm_assets.AssetsUnavailable  # no npm, or the registry did not answer; the message says what to do


USER_STYLE = "../user/style.css"  # visdom/user/style.css, for a user's own dashboard styles


def static_dir():
    """Returns the installed visdom package's static/ folder (found without importing visdom, which imports torch)."""
    spec = importlib.util.find_spec("visdom")
    if spec is None or not spec.origin:
        raise AssetsUnavailable("visdom is not installed in this environment: run `python3 course.py setup`.")
    return Path(spec.origin).parent / "static"


def visdom_version():
    """Returns the installed visdom's version, as its server writes it into static/version.built."""
    return (static_dir().parent / "VERSION").read_text().strip()


def missing(static=None):
    """Returns the destination paths (relative to static/) that are not there yet, version stamp included."""
    static = static or static_dir()
    gone = [dest for files in ASSETS.values() for dest in files.values() if not (static / dest).is_file()]
    built = static / "version.built"
    if not built.is_file() or built.read_text().strip() != visdom_version():
        gone.append("version.built")
    if not (static / USER_STYLE).is_file():
        gone.append(USER_STYLE)
    return gone


def stage(static=None, npm=None):
    """Returns the number of files copied into static/ after fetching the npm packages that are needed."""
    static = static or static_dir()
    if not missing(static):
        return 0
    npm = npm or shutil.which("npm")
    if not npm:
        raise AssetsUnavailable(
            "npm (from Node.js) is not installed, so the Visdom dashboard's web assets cannot be "
            "fetched. Install Node.js, then run `python3 course.py setup` again. Until then the "
            "course works, and notebook 08 plots inline instead of in the dashboard."
        )
    copied = 0
    with tempfile.TemporaryDirectory() as tmp:
        tarballs = npm_assets.pack(ASSETS, tmp, npm=npm, purpose="the Visdom assets")
        for spec, files in ASSETS.items():
            with tarfile.open(tarballs[spec]) as tar:
                for inner, dest in files.items():
                    try:
                        data = tar.extractfile(f"package/{inner}").read()
                    except KeyError:
                        raise AssetsUnavailable(f"{spec} from the npm registry has no file {inner}") from None
                    target = static / dest
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
                    copied += 1
    (static / USER_STYLE).parent.mkdir(exist_ok=True)
    (static / USER_STYLE).touch()  # the page links a user style sheet; without one the server logs an error per view
    (static / "version.built").write_text(visdom_version())
    return copied


def main(argv):
    if "--check" in argv:
        gone = missing()
        for dest in gone:
            print(f"missing: visdom/static/{dest}")
        return 1 if gone else 0
    try:
        copied = stage()
    except AssetsUnavailable as error:
        print(f"[course] warning: {error}")
        return 1
    print(
        f"[course] Visdom dashboard assets: {copied} file(s) staged."
        if copied
        else "[course] Visdom dashboard assets: already in place."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
