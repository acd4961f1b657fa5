"""Runs a notebook cell by cell in one kernel, as a student does: the exercise progression test and grading use it.

    with Walk(nb, folder) as walk:
        error = walk.run(index)                 # runs cell `index`; returns None or the error it raised
        error = walk.run(index, new_source)     # the student edited the cell: runs the new code in the same kernel

The kernel gets the course's reproducible settings (tools/kernel_env.py) plus `env`. An error is returned as
`CellError` (its exception name, value and text), never raised, so the caller decides what a stop means.
"""

import os
from dataclasses import dataclass

from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

from tools import kernel_env

CELL_TIMEOUT = 120
START_TRIES = 3  # a kernel that dies before it answers is started again (a new one, on new ports), twice at most


@dataclass
class CellError:
    """What a cell raised: `ename` ("NotImplementedError"), `evalue` (its message), `text` ("ename: evalue")."""

    ename: str
    evalue: str

    @property
    def text(self):
        return f"{self.ename}: {self.evalue}"


class Walk:
    """One kernel for one notebook, whose cells are run one at a time, each as often as the caller asks."""

    def __init__(self, nb, folder, env=None, timeout=CELL_TIMEOUT):
        self.nb = nb
        self.env = kernel_env.apply(dict(os.environ))
        self.env.update(env or {})
        self.client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            record_timing=False,
            allow_errors=False,
            resources={"metadata": {"path": str(folder)}},
        )
        self._context = None

    def __enter__(self):
        """Starts the kernel. One that dies before it answers is replaced by a new one, on new ports: on a busy
        machine, another process can take a free port between the moment it is picked and the kernel binding it."""
        for attempt in range(1, START_TRIES + 1):
            self._context = self.client.setup_kernel(env=self.env)
            try:
                self._context.__enter__()
                return self
            except RuntimeError:  # nbclient: "Kernel died before replying to kernel_info"
                if self.client.km is not None and self.client.km.has_kernel:
                    self.client.km.shutdown_kernel(now=True)
                self.client.km = self.client.kc = None
                if attempt == START_TRIES:
                    raise

    def __exit__(self, *exc):
        return self._context.__exit__(*exc)

    def run(self, index, source=None):
        """Returns None when cell `index` ran without error, else its CellError; `source` replaces its code first.

        Markdown cells are skipped (None). A cell that runs longer than the timeout is interrupted and reported
        as a CellError named "Timeout".
        """
        cell = self.nb.cells[index]
        if cell.cell_type != "code":
            return None
        if source is not None:
            cell.source = source
        cell.outputs = []
        try:
            self.client.execute_cell(cell, index)
        except CellTimeoutError as error:
            return CellError("Timeout", str(error).splitlines()[0] if str(error) else "the cell timed out")
        except CellExecutionError as error:
            return CellError(error.ename, error.evalue)
        return None

    def text(self, index):
        """Returns all the text cell `index` printed or displayed in its last run, errors as "ename: evalue"."""
        return text_of(self.nb.cells[index])


def text_of(cell):
    """Returns all the text a cell printed or displayed, errors as "ename: evalue"."""
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type == "error":
            parts.append(f"{out.ename}: {out.evalue}")
        else:
            parts.append(out.get("data", {}).get("text/plain", ""))
    return "".join(parts)
