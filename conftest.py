"""pytest set-up shared by tests/ and the nbval run over solutions/.

- Every notebook kernel gets the reproducible environment of tools/kernel_env.py (the refresh command uses it too).
- nbval opens its sanitize file relative to the current folder, so it is given here as an absolute path.
- At the end, each notebook's total duration (kernel start included) is printed.
"""

from collections import defaultdict
from pathlib import Path

from tools import kernel_env

ROOT = Path(__file__).resolve().parent
_notebook_seconds = defaultdict(float)


def pytest_configure(config):
    kernel_env.apply()
    if not getattr(config.option, "nbval_sanitize_with", None):
        config.option.nbval_sanitize_with = str(ROOT / "tests" / "sanitize.cfg")


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
