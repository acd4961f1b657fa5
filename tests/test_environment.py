"""environment.yml (conda) and requirements.txt (pip) ask for the same Python and the same pins, and every package
the course's code imports is pinned there."""

import ast
import importlib.metadata
import re
import sys

import nbformat
import yaml

import course
from tests.nbrun import ROOT


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


# Every package the course's code imports is pinned in requirements.txt, not merely pulled in by another package.
LOCAL_MODULES = {"utils", "tools", "tests", "course", "hubconf", "conftest"}
IMPORT_SOURCES = ["utils/*.py", "tools/**/*.py", "tests/*.py", "course.py", "hubconf.py", "conftest.py"]
NOTEBOOK_SOURCES = ["solutions/*.ipynb", "notebooks/*.ipynb"]


def top_level_imports(source):
    """Returns the top-level module names that `source` (Python code) imports, relative imports left out."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def code_of_notebook(path):
    """Returns the code cells of the notebook at `path` as one Python source, without IPython magics and shell lines."""
    cells = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    lines = [line for cell in cells for line in cell.splitlines() if not line.lstrip().startswith(("%", "!"))]
    return "\n".join(lines)


def imports_by_file():
    """Returns {relative path: set of imported top-level modules} over the course's Python files and notebooks."""
    found = {}
    for pattern in IMPORT_SOURCES:
        for path in sorted(ROOT.glob(pattern)):
            found[path.relative_to(ROOT).as_posix()] = top_level_imports(path.read_text(encoding="utf-8"))
    for pattern in NOTEBOOK_SOURCES:
        for path in sorted(ROOT.glob(pattern)):
            found[path.relative_to(ROOT).as_posix()] = top_level_imports(code_of_notebook(path))
    return found


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def unpinned_imports(found, pins):
    """Returns ["module (distribution) imported by file", ...] for each third-party import whose distribution is not
    in `pins` (names from requirements.txt). A module no installed distribution provides is reported as well."""
    pinned = {canonical(line.split("==")[0]) for line in pins}
    providers = importlib.metadata.packages_distributions()
    problems = []
    for path, modules in found.items():
        for module in sorted(modules - LOCAL_MODULES - set(sys.stdlib_module_names)):
            distributions = {canonical(d) for d in providers.get(module, [])}
            if not distributions & pinned:
                problems.append(
                    f"{module} ({', '.join(sorted(distributions)) or 'no installed package'}) imported by {path}"
                )
    return problems


def test_every_imported_package_is_pinned_in_requirements():
    found = imports_by_file()
    assert len(found) > 30 and "networkx" in found["utils/graphs.py"], "the import scan found too little"
    problems = unpinned_imports(found, requirement_pins())
    assert not problems, (
        "imported but not pinned in requirements.txt (and environment.yml); add them with the "
        "installed version (`pip list`):\n" + "\n".join(problems)
    )


def test_the_pin_check_catches_an_import_that_arrives_only_as_a_dependency():
    found = {"utils/graphs.py": top_level_imports("import networkx as nx\nfrom PIL import Image\nimport os, utils\n")}
    pins = [p for p in requirement_pins() if not p.startswith("networkx==")]
    assert unpinned_imports(found, pins) == ["networkx (networkx) imported by utils/graphs.py"]
    assert unpinned_imports({"x.py": {"no_such_module_anywhere"}}, pins) == [
        "no_such_module_anywhere (no installed package) imported by x.py"
    ]
