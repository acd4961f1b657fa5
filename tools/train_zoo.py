"""Trains the course's model zoo (notebook 07) from scikit-learn's bundled digits, and writes zoo/.

    python -m tools.train_zoo            train every model, write zoo/<name>-<sha8>.pt and zoo/manifest.json
    python -m tools.train_zoo --check    retrain in a temporary folder and compare with zoo/manifest.json

Each model is utils.models.TwoLayerNet trained full-batch with Adam on the training part of the zoo's
fixed digits split (utils.zoo.digits_split), each step on the images shifted by a random pixel (data
augmentation: it makes the features more general, as random crops do for ImageNet models), seeded, on one
CPU thread, in the tests' kernel environment (tools/kernel_env.py: portable CPU kernels, reproducible MKL).

Reproducible means within tolerances, not to the bit: CPUs of other makes round the last bits of some float
operations differently, and 600 Adam steps carry those differences into the weights. --check retrains and
requires, for every model, the published test accuracy within ACCURACY_TOLERANCE and every weight within
WEIGHT_TOLERANCE of the published one; it also says whether the bytes happen to be identical (they are on the
CPU where the zoo was made), but never requires it. Measured on the Intel CPU that made the zoo: the same
training with the AVX2 or AVX-512 kernels instead of the portable ones moves the largest weight by up to 0.08
and the test accuracy by up to 0.004; training with another seed moves it by 2.4 to 2.6 (the weights reach
about 2), so the weight tolerance separates "the same training elsewhere" from "another training".
The file name carries the first 8 hex digits of the file's sha256: torch.hub's check_hash convention.
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

from tools import kernel_env

kernel_env.apply()  # before torch is imported: ATEN_CPU_CAPABILITY is read at import time

import torch  # noqa: E402
from torch import nn  # noqa: E402

from utils import checkpoints, models, zoo  # noqa: E402

ACCURACY_TOLERANCE = 0.01  # a retrained model's test accuracy must be within 1 percentage point
WEIGHT_TOLERANCE = 0.25  # and each of its weights within 0.25 of the published one (see the docstring)
SEED = 0
HIDDEN = 100  # the running example's H
STEPS = 600
LEARNING_RATE = 1e-2
MODELS = {
    "digits06_twolayer": {
        "classes": [0, 1, 2, 3, 4, 5, 6],
        "about": "pretrained on digits 0-6; notebook 07 fine-tunes it on digits 7-9",
    },
    "digits_twolayer": {"classes": list(range(10)), "about": "all ten digits; notebook 07's Exercise 1"},
}


def shifted(x, generator):
    """Returns the batch x of flattened 8x8 images, all rolled by one random shift of -1, 0 or 1 pixel per axis."""
    dy, dx = torch.randint(-1, 2, (2,), generator=generator).tolist()
    return torch.roll(x.view(-1, 8, 8), shifts=(dy, dx), dims=(1, 2)).reshape(-1, 64)


def train(classes, seed=SEED):
    """Returns (model, train accuracy, test accuracy): a TwoLayerNet(64, HIDDEN, len(classes)) trained on `classes`."""
    torch.set_num_threads(1)
    torch.manual_seed(seed)  # the initial weights
    shifts = torch.Generator().manual_seed(seed)
    x, y = zoo.digits_split(classes, "train")
    model = models.TwoLayerNet(x.shape[1], HIDDEN, len(classes))
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(STEPS):
        loss = loss_fn(model(shifted(x, shifts)), y)  # forward and loss, on the whole training set, shifted
        optimizer.zero_grad()
        loss.backward()  # backward
        optimizer.step()  # update
    x_test, y_test = zoo.digits_split(classes, "test")
    return model, accuracy(model, x, y), accuracy(model, x_test, y_test)


def accuracy(model, x, y):
    """Returns the fraction of rows of x whose highest-scoring class (model(x).argmax) equals y, as a float."""
    with torch.no_grad():
        return (model(x).argmax(dim=1) == y).float().mean().item()


def save(model, name, folder):
    """Returns the path of the checkpoint written as folder/<name>-<first 8 hex of its sha256>.pt."""
    folder.mkdir(parents=True, exist_ok=True)
    scratch = folder / f"{name}.partial"
    state = {key: value.detach().clone().contiguous() for key, value in model.state_dict().items()}
    torch.save(state, scratch)
    path = folder / f"{name}-{checkpoints.sha256_of(scratch)[:8]}.pt"
    scratch.replace(path)
    return path


def build(folder):
    """Returns the manifest's models after training every model of MODELS and saving it in `folder`."""
    entries = {}
    for name, spec in MODELS.items():
        model, train_acc, test_acc = train(spec["classes"])
        for old in folder.glob(f"{name}-*.pt"):
            old.unlink()  # a retrained model with other bytes gets another name
        path = save(model, name, folder)
        entries[name] = {
            "file": path.name,
            "sha256": checkpoints.sha256_of(path),
            "bytes": path.stat().st_size,
            "architecture": f"utils.models.TwoLayerNet(64, {HIDDEN}, {len(spec['classes'])})",
            "classes": spec["classes"],
            "about": spec["about"],
            "train_accuracy": round(train_acc, 4),
            "test_accuracy": round(test_acc, 4),
            "train_samples": len(zoo.digits_split(spec["classes"], "train")[1]),
            "test_samples": len(zoo.digits_split(spec["classes"], "test")[1]),
            "training": f"Adam lr {LEARNING_RATE}, {STEPS} full-batch steps on randomly shifted images, "
            f"seed {SEED}, 1 thread",
            "torch": torch.__version__.split("+")[0],
        }
    return entries


def write_manifest(entries, path):
    """Returns `path` after writing the manifest of `entries` to it as JSON."""
    document = {
        "made_by": "python -m tools.train_zoo",
        "data": "sklearn.datasets.load_digits, utils.zoo.digits_split",
        "accuracy_tolerance": ACCURACY_TOLERANCE,
        "models": entries,
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path


def largest_weight_difference(state, published):
    """Returns the largest absolute difference between two state dicts of the same architecture (a float)."""
    if state.keys() != published.keys():
        raise ValueError(f"the retrained model has parameters {sorted(state)}, the published one {sorted(published)}")
    return max((state[key].float() - published[key].float()).abs().max().item() for key in state)


def compare(entries, folder, published, zoo_dir):
    """Returns 0 when every model of `entries` (manifest entries of files in `folder`) matches its `published`
    entry (files in `zoo_dir`): test accuracy within ACCURACY_TOLERANCE, weights within WEIGHT_TOLERANCE; else 1.
    Prints one line per model."""
    status = 0
    for name, entry in entries.items():
        want = published[name]
        accuracy_gap = abs(entry["test_accuracy"] - want["test_accuracy"])
        mine = checkpoints.load_checkpoint(Path(folder) / entry["file"], sha256=entry["sha256"])
        theirs = checkpoints.load_checkpoint(Path(zoo_dir) / want["file"], sha256=want["sha256"], size=want["bytes"])
        weight_gap = largest_weight_difference(mine, theirs)
        same = "identical bytes (same sha256)" if entry["sha256"] == want["sha256"] else "different bytes"
        ok = accuracy_gap <= ACCURACY_TOLERANCE and weight_gap <= WEIGHT_TOLERANCE
        status |= not ok
        print(
            f"{'ok' if ok else 'FAILED'}: {name} test accuracy {entry['test_accuracy']:.4f}, "
            f"published {want['test_accuracy']:.4f} (tolerance {ACCURACY_TOLERANCE}); "
            f"largest weight difference {weight_gap:.2g} (tolerance {WEIGHT_TOLERANCE}); {same}"
        )
    return status


def check(manifest_path):
    """Returns compare()'s status after retraining every model in a temporary folder."""
    with tempfile.TemporaryDirectory() as scratch:
        return compare(build(Path(scratch)), scratch, zoo.read_manifest(manifest_path), Path(manifest_path).parent)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="retrain elsewhere and compare with the manifest")
    args = parser.parse_args(argv)
    if args.check:
        return check(zoo.MANIFEST)
    entries = build(zoo.ZOO_DIR)
    write_manifest(entries, zoo.MANIFEST)
    for entry in entries.values():
        print(
            f"{entry['file']}: {entry['bytes']} bytes, test accuracy {entry['test_accuracy']:.4f}, "
            f"sha256 {entry['sha256']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
