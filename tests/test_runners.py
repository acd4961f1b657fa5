"""Every solutions notebook runs to the end under the common runners, as a user would start them.

- `papermill NN.ipynb out.ipynb -p DEVICE cuda` (without a GPU: one fallback line, then the CPU): papermill's
  parameter cell, the device fallback and the rest of the notebook. The papermill CLI fails at the end for ANY
  error output, tagged `raises-exception` or not. `-p DEVICE cpu` is run for notebook 01 only: on a machine without
  a GPU every other notebook takes the same path under the cuda run (the fallback lands on the CPU device) and
  under nbval (DEVICE "auto" is the CPU), so running it for each would repeat those runs to the line.
- `jupyter nbconvert --to notebook --execute NN.ipynb`.
- JupyterLab's and Colab's "Run all" are not driven here: Colab stops at the first error output, so the same
  condition covers them: no cell leaves an error output (errors shown on purpose go through checks.shows_error).

Each run is a separate process from the venv's bin, in the kernel environment of tools/kernel_env.py, writing its
output to a temporary folder. The runs selected are started together (one more at a time than there are cores)
when the first test here needs one, and each test waits for its own.
"""

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import torch

from tests import nbrun
from tools import kernel_env
from utils import data, live

BIN = Path(sys.executable).parent  # the venv's bin: papermill and jupyter-nbconvert live beside its python
RUNNERS = {
    "papermill-cpu": lambda src, out: [BIN / "papermill", "--no-progress-bar", src, out, "-p", "DEVICE", "cpu"],
    "papermill-cuda": lambda src, out: [BIN / "papermill", "--no-progress-bar", src, out, "-p", "DEVICE", "cuda"],
    "nbconvert": lambda src, out: [
        BIN / "jupyter-nbconvert",
        "--to",
        "notebook",
        "--execute",
        src,
        "--output",
        out.name,
        "--output-dir",
        out.parent,
    ],
}
RUN_TIMEOUT = 600  # seconds for one notebook under one runner
PORT_RACE = ("Address already in use", "Kernel died before replying to kernel_info")
CASES = [
    (runner, path)
    for runner in RUNNERS
    for path in nbrun.solution_paths()
    if runner != "papermill-cpu" or path.name.startswith("01_")
]


def runner_env():
    """Returns the environment of a runner process: the course's kernel settings, the venv's bin first on PATH,
    no COURSE_DEVICE (which would override the -p DEVICE under test), and notebook 08 pointed at a port where no
    Visdom server listens, so that it plots inline: runs at the same time would otherwise log into the same
    windows of whatever server runs on 8097, and read back each other's points (tests/test_visdom.py runs it
    against a server of its own)."""
    env = kernel_env.apply(dict(os.environ))
    env.pop("COURSE_DEVICE", None)
    env[live.PORT_VAR] = "1"  # nothing listens there: the connection is refused at once
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def run(runner, source, out):
    """Returns (exit code, stdout and stderr, seconds) of one runner on `source`, started in its folder.

    Kernels started at the same moment by other processes can pick the same free TCP port (a jupyter_client
    race); the kernel then dies at start and the run is tried once more.
    """
    started = time.perf_counter()
    for attempt in range(2):
        done = subprocess.run(
            [str(a) for a in RUNNERS[runner](source, out)],
            cwd=source.parent,
            env=runner_env(),
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
        )
        log = done.stdout + done.stderr
        if done.returncode == 0 or not any(race in log for race in PORT_RACE) or attempt:
            return done.returncode, log, time.perf_counter() - started


@pytest.fixture(scope="module")
def runs(request, tmp_path_factory):
    """Returns {(runner, notebook name): (future of run(...), output path)} for the cases this session selected."""
    selected = [
        item.callspec.params["case"]
        for item in request.session.items  # nbval's cells have no module
        if getattr(item, "module", None) is request.module and hasattr(item, "callspec")
    ]
    data.write_digits()  # notebook 06's folder, written once before several runs could race to write it
    folder = tmp_path_factory.mktemp("runners")
    workers = min(4, (os.cpu_count() or 2) + 1)  # a kernel waits at times (start, sleeps): one more than the cores
    with ThreadPoolExecutor(max_workers=workers) as pool:  # on leaving, it waits for the runs still going
        started = {}
        for runner, path in sorted(selected, key=lambda case: -case[1].stat().st_size):  # the longest first
            out = folder / f"{runner}-{path.name}"
            started[runner, path.name] = pool.submit(run, runner, path, out), out
        yield started


@pytest.mark.parametrize("case", CASES, ids=[f"{runner}-{path.stem}" for runner, path in CASES])
def test_notebook_runs_to_the_end(case, runs):
    runner, path = case
    future, out = runs[runner, path.name]
    rc, log, seconds = future.result()
    print(f"{runner} {path.name}: {seconds:.1f} s")
    assert rc == 0, f"{runner} failed on {path.name} (exit {rc}) after {seconds:.0f} s:\n{log[-4000:]}"
    nb = nbrun.read(out)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), f"{runner}: a cell of {path.name} did not run"
    errors = [(i, o.ename) for i, c in enumerate(nb.cells) for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, f"{runner}: {path.name} left error outputs (Colab's Run all stops at the first): {errors}"
    text = "".join(nbrun.text_of(c) for c in nb.cells)
    if runner == "papermill-cuda" and not torch.cuda.is_available():
        assert text.count("falling back to the CPU.") == 1 and 'DEVICE asked for "cuda", but ' in text, (
            "asking for cuda without a GPU should print one fallback line"
        )
        assert "Device in use: cpu" in text
    elif runner == "papermill-cuda":
        assert "Device in use: cuda" in text
    elif runner == "papermill-cpu":
        assert "Device in use: cpu" in text and "falling back" not in text
