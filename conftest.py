"""pytest set-up shared by tests/ and the nbval run over solutions/.

- Every notebook kernel gets the reproducible environment of tools/kernel_env.py (the refresh command uses it too).
- nbval opens its sanitize file relative to the current folder, so it is given here as an absolute path.
- The suite runs on several processes (pytest-xdist, pytest.ini: as many as the cores, at most 4). Each test file,
  and each notebook under nbval (its cells share one kernel), stays on one process, in order; only the progression
  walks, one independent kernel each, are spread one by one (pytest_xdist_make_scheduler below). Before the
  processes start, the digits data set that several notebooks read is written once, so that they never race to
  write it.
- At the end, each notebook's total duration (kernel start included) is printed: on a busy machine, with the
  other processes running beside it, a notebook takes longer than alone.
"""

from collections import defaultdict
from pathlib import Path

from tools import kernel_env

ROOT = Path(__file__).resolve().parent
_notebook_seconds = defaultdict(float)


SPREAD = {"tests/test_exercise_progression.py"}  # independent tests, each with a kernel of its own


def pytest_configure(config):
    kernel_env.apply()
    if not getattr(config.option, "nbval_sanitize_with", None):
        config.option.nbval_sanitize_with = str(ROOT / "tests" / "sanitize.cfg")
    if not hasattr(config, "workerinput"):  # the main process, before any worker starts
        from utils import data

        data.write_digits()


def pytest_xdist_make_scheduler(config, log):
    """Keeps each test file, and each notebook's cells, on one process; spreads the tests of SPREAD one by one.

    pytest-xdist's own hook for a scheduler of the project's choosing: its file-by-file scheduler, with one rule
    changed. (Its loadgroup mode cannot serve: under pytest 9 the group it appends to a test's id is lost.)"""
    from xdist.scheduler import LoadFileScheduling

    class ByFile(LoadFileScheduling):
        def _split_scope(self, nodeid):
            path = nodeid.split("::")[0]
            return nodeid if path in SPREAD else path

    return ByFile(config, log)


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _notebook_seconds[path] += report.duration


def pytest_terminal_summary(terminalreporter):
    if not _notebook_seconds:
        return
    terminalreporter.section("notebook durations (nbval, kernel start included)")
    for path, seconds in sorted(_notebook_seconds.items()):
        terminalreporter.write_line(f"{seconds:6.1f} s  {path}")
    terminalreporter.write_line(f"{sum(_notebook_seconds.values()):6.1f} s  all notebooks")
