"""Runs one collected notebook in a fresh kernel, cell by cell, AS THE STUDENT; `course.py grade` starts it.

    python -m tools.classroom.run_notebook --cell-timeout 120 --memory-limit BYTES < notebook.ipynb

The notebook comes on stdin (root read it; the student cannot swap the file under us). Every code cell runs in
order in one kernel (tools/notebook_walk.py, as the exercise-progression test walks a notebook), and an error does
not stop the run: a grade needs every exercise's check. A cell that runs longer than --cell-timeout is interrupted
(the next cells still run); the address space of this process and its kernel is capped at --memory-limit, so a
10 GB tensor fails in its cell instead of pushing the machine into swap. The overall time limit is the caller's:
it kills this process and its kernel.

What comes back, on the stdout this process started with, is JSON: {"cells": {index: {"error": [ename, evalue] or
null, "text": what it printed}}, "stopped": null or why the run ended early, "user": who ran it}. The kernel's own
stdout goes to /dev/null, so nothing the student's code writes can reach that channel.
"""

import argparse
import json
import os
import pwd
import resource
import sys
import tempfile

import nbformat
from nbclient.exceptions import DeadKernelError

from tools import notebook_walk

TEXT_LIMIT = 20_000  # characters kept of what a cell printed


def run(nb, folder, cell_timeout, env=None):
    """Returns {"cells": ..., "stopped": ...} after running every code cell of `nb` with the kernel in `folder`."""
    cells, stopped = {}, None
    walk = notebook_walk.Walk(nb, folder, env=env, timeout=cell_timeout)
    # An infinite loop is interrupted at the time limit, and the run goes on with the next cell.
    walk.client.interrupt_on_timeout = True
    walk.client.error_on_timeout = {
        "ename": "Timeout",
        "evalue": f"the cell ran longer than {cell_timeout} s and was stopped (an endless loop?)",
    }
    try:
        with walk:
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                try:
                    error = walk.run(index)
                except DeadKernelError:
                    stopped = (
                        f"the kernel died in cell {index} (out of memory, or a crash); the cells after it did not run"
                    )
                    cells[str(index)] = {"error": ["DeadKernel", stopped], "text": ""}
                    break
                text = walk.text(index)[:TEXT_LIMIT]
                cells[str(index)] = {"error": [error.ename, error.evalue] if error else None, "text": text}
    except RuntimeError as error:  # the kernel did not start
        stopped = f"the kernel could not start ({error})"
    return {"cells": cells, "stopped": stopped, "user": pwd.getpwuid(os.getuid()).pw_name}


def main(argv):
    parser = argparse.ArgumentParser(prog="python -m tools.classroom.run_notebook")
    parser.add_argument("--cell-timeout", type=int, default=120)
    parser.add_argument("--memory-limit", type=int, default=0)
    args = parser.parse_args(argv)
    if args.memory_limit > 0:
        resource.setrlimit(resource.RLIMIT_AS, (args.memory_limit, args.memory_limit))
    result_channel = os.fdopen(os.dup(1), "w")  # not inherited by the kernel (Python's dup is non-inheritable)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # the kernel, and anything else, writes its stdout here
    nb = nbformat.reads(sys.stdin.read(), as_version=4)
    with tempfile.TemporaryDirectory(prefix="grading-") as folder:  # a fresh working folder: nothing of theirs
        # Notebook 08 must not log into anyone's dashboard while graded: nothing listens on port 1, so it plots inline.
        result = run(nb, folder, args.cell_timeout, env={"COURSE_VISDOM_PORT": "1"})
    result_channel.write(json.dumps(result))
    result_channel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
