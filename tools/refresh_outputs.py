"""Re-executes solutions notebooks top to bottom in a fresh kernel and stores their outputs.

    python course.py refresh                     all of solutions/, then regenerate notebooks/ (theirs only)
    python course.py refresh 01_raw_tensors      only the notebooks whose names start with that

Then the translated editions follow (tools/i18n): the catalogs are updated from the new English source, and the
refreshed notebooks' translations (solutions/<lang>/, executed, and notebooks/<lang>/) are rebuilt.

Runs in the same kernel environment as the tests (tools/kernel_env.py), so the stored outputs are the
ones nbval will compare against. Volatile metadata (timings, widget state, papermill's records) is dropped,
and execution counts come out as 1..n. Before running, tools/notebook_frame.py puts the Colab cell and the
slide metadata in place. A cell that raises stops the refresh, and nothing is written for that notebook then
(an error a notebook shows on purpose goes through `checks.shows_error`, which prints it without raising).
"""

import sys
import time

import nbformat
from nbclient import NotebookClient

from tools import kernel_env, notebook_frame, student_version

SOLUTIONS = student_version.SOLUTIONS
VOLATILE_CELL_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled")
VOLATILE_NB_METADATA = ("widgets", "papermill", "toc", "vscode")
CELL_TIMEOUT = 120


def execute(nb, folder, timeout=CELL_TIMEOUT):
    """Returns `nb` after running it in a fresh kernel whose working folder is `folder`."""
    kernel_env.apply()
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", record_timing=False, resources={"metadata": {"path": str(folder)}}
    )
    client.execute()
    return nb


def strip_volatile(nb):
    """Returns `nb` without metadata that changes from run to run or machine to machine, and with each cell's
    consecutive pieces of one stream merged (how a busy machine splits a cell's printout varies; nbval merges
    them too before comparing)."""
    for key in VOLATILE_NB_METADATA:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        merged = []
        for output in cell.get("outputs", []):
            previous = merged[-1] if merged else None
            if (
                output.output_type == "stream"
                and previous is not None
                and previous.output_type == "stream"
                and (previous.name == output.name)
            ):
                previous.text += output.text
            else:
                merged.append(output)
        if "outputs" in cell:
            cell.outputs = merged
    return nb


def main(argv):
    prefixes = [a for a in argv if not a.startswith("-")]
    paths = [
        p for p in sorted(SOLUTIONS.glob("*.ipynb")) if not prefixes or any(p.name.startswith(x) for x in prefixes)
    ]
    if not paths:
        print(f"no solutions notebook matches {prefixes}")
        return 1
    for path in paths:
        start = time.perf_counter()
        nb = notebook_frame.frame(nbformat.read(path, as_version=4))  # the Colab cell and slide metadata
        execute(nb, path.parent)
        nbformat.write(strip_volatile(nb), path)
        print(f"refreshed {path.relative_to(student_version.ROOT)} in {time.perf_counter() - start:.1f} s")
    status = student_version.main([], only={p.name for p in paths})  # the student versions of these notebooks
    return status or translate_editions(prefixes)


def translate_editions(prefixes):
    """Updates every language's catalogs from the English source, then rebuilds the refreshed notebooks' editions."""
    from tools.i18n import LANGUAGES, edition
    from tools.i18n import __main__ as translate

    for lang in LANGUAGES:
        changed = translate.update(lang)
        if changed:
            print(f"updated i18n/{lang}/ catalogs: {', '.join(changed)} (translate what is new or fuzzy)")
        edition.build(lang, prefixes, say=print)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
