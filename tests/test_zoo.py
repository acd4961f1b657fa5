"""The course's model zoo (notebook 07): the manifest matches the files, hubconf.py serves them through torch.hub,
the data split is fixed, and rerunning tools/train_zoo.py reproduces the models
within the stated tolerances (accuracy, largest weight difference), never to the bit."""

import hashlib
import re
import subprocess
import sys

import pytest
import torch

from tools import train_zoo
from utils import checkpoints, models, zoo

MANIFEST = zoo.read_manifest()
NAMES = sorted(MANIFEST)


def test_the_zoo_holds_the_models_notebook_07_uses():
    assert {"digits06_twolayer", "digits_twolayer"} <= set(NAMES)
    files = sorted(p.name for p in zoo.ZOO_DIR.glob("*.pt"))
    assert files == sorted(MANIFEST[n]["file"] for n in NAMES), "zoo/ holds files the manifest does not list"


@pytest.mark.parametrize("name", NAMES)
def test_each_file_matches_its_manifest_entry_and_name(name):
    entry = zoo.entry(name)
    data = entry["path"].read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    assert sha == entry["sha256"] and len(data) == entry["bytes"]
    assert len(data) < 100_000, "zoo weights must stay small (well under 1 MB)"
    assert entry["file"] == f"{name}-{sha[:8]}.pt"
    assert re.search(torch.hub.HASH_REGEX, entry["file"]).group(1) == sha[:8], "torch.hub's check_hash reads this"


@pytest.mark.parametrize("name", NAMES)
def test_torch_hub_loads_each_model_from_the_repository(name, tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "_hub_dir", str(tmp_path / "hub"))  # nothing may go to the user's cache
    entry = zoo.entry(name)
    model = torch.hub.load(str(zoo.REPO_DIR), name, source="local", pretrained=True)
    assert isinstance(model, models.TwoLayerNet)
    state = checkpoints.load_checkpoint(entry["path"], sha256=entry["sha256"], size=entry["bytes"])
    assert all(torch.equal(model.state_dict()[k], state[k]) for k in state)
    x, y = zoo.digits_split(entry["classes"], "test")
    assert len(y) == entry["test_samples"]
    assert abs(train_zoo.accuracy(model, x, y) - entry["test_accuracy"]) <= 0.01
    random = torch.hub.load(str(zoo.REPO_DIR), name, source="local", pretrained=False)
    assert not torch.equal(random.linear1.weight, model.linear1.weight)
    assert not (tmp_path / "hub").exists(), "a local zoo model is loaded from zoo/, not downloaded"


def test_hubconf_declares_its_dependencies_and_rejects_unknown_models():
    source = (zoo.REPO_DIR / "hubconf.py").read_text()
    assert 'dependencies = ["torch"]' in source
    with pytest.raises(KeyError, match="the zoo has no model 'resnet18'; it has: digits06_twolayer"):
        zoo.entry("resnet18")


def test_digits_split_is_fixed_disjoint_and_relabelled():
    x_train, y_train = zoo.digits_split(range(7, 10), "train")
    x_test, y_test = zoo.digits_split(range(7, 10), "test")
    assert x_train.dtype == torch.float32 and x_train.shape[1] == 64 and 0 <= x_train.min() and x_train.max() <= 1
    assert set(y_train.tolist()) == set(y_test.tolist()) == {0, 1, 2}
    assert len(y_train) + len(y_test) == 533 and 100 <= len(y_test) <= 115  # the digits 7, 8, 9: 179 + 174 + 180
    train_rows = {tuple(r) for r in x_train.tolist()}
    assert not any(tuple(r) in train_rows for r in x_test.tolist()), "a test image is also a training image"
    again, _ = zoo.digits_split(range(7, 10), "test")
    assert torch.equal(again, x_test)
    for bad, message in (((3, 3), "distinct digits"), ((10,), "distinct digits")):
        with pytest.raises(ValueError, match=message):
            zoo.digits_split(bad, "train")
    with pytest.raises(ValueError, match='part must be "train" or "test"'):
        zoo.digits_split(range(3), "validation")


def test_a_missing_manifest_says_how_to_rebuild(tmp_path):
    with pytest.raises(FileNotFoundError, match="rerun `python -m tools.train_zoo`"):
        zoo.read_manifest(tmp_path / "manifest.json")


@pytest.fixture(scope="module")
def retrained():
    """Runs `python -m tools.train_zoo --check` (retrains every model in a temporary folder); returns its result."""
    return subprocess.run(
        [sys.executable, "-m", "tools.train_zoo", "--check"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=zoo.REPO_DIR,
    )


def test_retraining_reproduces_each_models_test_accuracy(retrained):
    assert retrained.returncode == 0, retrained.stdout + retrained.stderr
    for name in NAMES:
        assert re.search(rf"^ok: {name} test accuracy .* \(tolerance 0\.01\)", retrained.stdout, re.M), retrained.stdout


def test_retraining_reproduces_each_models_weights_within_the_tolerance(retrained):
    """Not to the bit: another CPU may round the last bits differently (tools/train_zoo.py's docstring)."""
    for name in NAMES:
        line = next(row for row in retrained.stdout.splitlines() if f" {name} " in row)
        gap = float(re.search(r"largest weight difference (\S+) \(tolerance ([\d.]+)\)", line).group(1))
        assert gap <= train_zoo.WEIGHT_TOLERANCE, line


def tampered_zoo(folder, name, accuracy_shift=0.0, weight_shift=0.0):
    """Returns (manifest, folder): a copy of the zoo's entry `name` whose weights or accuracy were moved."""
    entry = zoo.entry(name)
    state = checkpoints.load_checkpoint(entry["path"], sha256=entry["sha256"])
    state["linear2.bias"][0] += weight_shift
    torch.save(state, folder / "moved.pt")
    moved = dict(
        entry,
        file="moved.pt",
        sha256=checkpoints.sha256_of(folder / "moved.pt"),
        bytes=(folder / "moved.pt").stat().st_size,
        test_accuracy=entry["test_accuracy"] + accuracy_shift,
    )
    moved.pop("path")
    return {name: moved}, folder


@pytest.mark.parametrize(
    "accuracy_shift, weight_shift, verdict",
    [
        (0.0, 0.0, "ok"),
        (0.0, 0.2, "ok"),
        (0.009, 0.0, "ok"),
        (0.0, 0.3, "FAILED"),
        (0.02, 0.0, "FAILED"),
        (-0.02, 0.0, "FAILED"),
    ],
)
def test_the_comparison_applies_both_tolerances(tmp_path, capsys, accuracy_shift, weight_shift, verdict):
    name = "digits_twolayer"
    published, folder = tampered_zoo(tmp_path, name, accuracy_shift, weight_shift)
    status = train_zoo.compare({name: MANIFEST[name]}, zoo.ZOO_DIR, published, folder)
    line = capsys.readouterr().out
    assert line.startswith(f"{verdict}: {name}") and status == (verdict == "FAILED"), line
    assert f"largest weight difference {weight_shift:.2g} (tolerance 0.25)" in line


def test_the_training_script_leaves_the_zoo_untouched_in_check_mode(retrained):
    for name in NAMES:
        entry = zoo.entry(name)
        assert checkpoints.sha256_of(entry["path"]) == entry["sha256"]
