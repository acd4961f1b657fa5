"""One linter for the whole course: ruff, pinned in requirements.txt and configured in pyproject.toml.

It reads the .py files and the solutions notebooks (notebooks/ is generated from them). `ruff check` includes
RUF100, so a `# noqa` comment that names a rule which does not fire there fails too; `ruff format --check` keeps
the layout (continuation lines included) the formatter's.
"""

import subprocess
import sys

import pytest

from tests.nbrun import ROOT


def ruff(*args):
    return subprocess.run([sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True)


def test_ruff_finds_nothing_in_the_code_and_the_notebooks():
    result = ruff("check", "--output-format", "concise", ".")
    assert result.returncode == 0, f"`ruff check .` found problems (`ruff check --fix .` mends some):\n{result.stdout}"


def test_the_code_and_the_notebooks_are_formatted():
    result = ruff("format", "--check", ".")
    assert result.returncode == 0, f"run `ruff format .` (from the venv):\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize(
    "source, rule",
    [("import os\n", "F401"), ("x = 1  # noqa: E501\n", "RUF100"), ("import os, sys\nprint(os, sys)\n", "E401")],
)
def test_the_configuration_catches_what_it_promises(tmp_path, source, rule):
    """The settings really apply: an unused import, an unused noqa and two imports on a line are each reported."""
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    (tmp_path / "example.py").write_text(source)
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--output-format", "concise", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and rule in result.stdout, result.stdout
