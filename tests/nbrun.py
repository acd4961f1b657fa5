"""Helpers for tests that execute notebooks: run one in a fresh kernel and report where it stopped."""

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from tools import kernel_env, notebook_walk

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
STUDENTS = ROOT / "notebooks"
CELL_TIMEOUT = 120


def solution_paths():
    """Returns the paths of all solutions notebooks, sorted."""
    return sorted(SOLUTIONS.glob("*.ipynb"))


def read(path):
    """Returns the notebook at `path`."""
    return nbformat.read(path, as_version=4)


def execute(nb, folder, env=None):
    """Returns (executed notebook, index of the cell that raised or None, the error or None).

    Runs in a fresh kernel with the course's kernel environment plus `env`, its working folder `folder`.
    Cells tagged raises-exception may raise without stopping the run, as under nbval.
    """
    full_env = kernel_env.apply(dict(os.environ))
    full_env.update(env or {})
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(folder)}},
    )
    try:
        client.execute(env=full_env)
    except CellExecutionError as error:
        failed = next(
            i
            for i, c in enumerate(nb.cells)
            if c.cell_type == "code"
            and any(o.output_type == "error" for o in c.outputs)
            and "raises-exception" not in c.metadata.get("tags", [])
        )
        return nb, failed, error
    return nb, None, None


text_of = notebook_walk.text_of  # all the text a cell printed or displayed, tracebacks as "ename: evalue"
