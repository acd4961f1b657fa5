"""environment.yml (conda) and requirements.txt (pip) ask for the same Python and the same pins."""
import re

import yaml

from tests.nbrun import ROOT
import course


def requirement_pins():
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def conda_environment():
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def test_every_requirement_is_pinned_exactly():
    for line in requirement_pins():
        assert re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.+]*", line), f"not pinned with ==: {line}"


def test_conda_environment_has_the_same_pins_as_requirements():
    dependencies = conda_environment()["dependencies"]
    pip_section = next(d["pip"] for d in dependencies if isinstance(d, dict))
    assert sorted(pip_section) == sorted(requirement_pins())


def test_conda_environment_uses_the_course_python():
    dependencies = conda_environment()["dependencies"]
    python = next(d for d in dependencies if isinstance(d, str) and d.startswith("python"))
    assert python == "python={}.{}".format(*course.SUPPORTED_PYTHON)


def test_environment_yml_mentions_the_build_fix():
    assert "PIP_CONSTRAINT=build-constraints.txt" in (ROOT / "environment.yml").read_text()
    assert "setuptools<81" in (ROOT / "build-constraints.txt").read_text()
