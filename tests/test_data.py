"""utils.data and utils.datasets: the digits written once and atomically, clear errors for bad data, random crops
and their padded batches, and workers started by spawn."""

import csv
import functools
import shutil

import nbformat
import numpy as np
import pytest
import torch
from nbformat.v4 import new_code_cell, new_notebook
from PIL import Image
from torch.utils.data import DataLoader

from tests import nbrun
from utils import data, datasets


@pytest.fixture(scope="module")
def digits_root(tmp_path_factory):
    """A complete digits folder, written once for this module."""
    return data.write_digits(tmp_path_factory.mktemp("cache") / "digits")


@pytest.fixture
def copy_of(digits_root, tmp_path):
    """A throw-away copy of the digits folder, to damage."""
    target = tmp_path / "digits"
    shutil.copytree(digits_root, target)
    return target


def test_the_folder_is_chosen_by_argument_then_environment_then_cache(tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    assert data.digits_dir(environ=env) == tmp_path / "xdg" / "pytorch-course" / "digits"
    assert data.digits_dir(environ={**env, "COURSE_DATA_DIR": str(tmp_path / "mine")}) == tmp_path / "mine"
    assert data.digits_dir(tmp_path / "arg", environ={**env, "COURSE_DATA_DIR": "x"}) == tmp_path / "arg"
    home = data.digits_dir(environ={})
    assert home.parts[-3:] == (".cache", "pytorch-course", "digits")


def test_write_digits_writes_one_png_per_item_and_an_index(digits_root):
    files = sorted(digits_root.glob("*.png"))
    assert len(files) == 1797 and [p.name for p in files[:2]] == ["0000.png", "0001.png"]
    with open(digits_root / data.LABELS, newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["file", "label"] and len(rows) == 1798 and rows[1] == ["0000.png", "0"]
    from sklearn.datasets import load_digits

    digits = load_digits()
    with Image.open(files[1]) as image:
        assert image.mode == "L" and image.size == (8, 8)
        pixels = np.array(image)
    np.testing.assert_array_equal(pixels, np.round(digits.images[1] * 255 / 16).astype(np.uint8))
    assert [label for _, label in data.read_labels(digits_root)] == digits.target.tolist()
    assert not list(digits_root.parent.glob(".*partial*")), "no temporary folder is left behind"


def test_a_complete_folder_is_reused_not_rewritten(digits_root, monkeypatch):
    before = (digits_root / "0000.png").stat().st_mtime_ns
    monkeypatch.setattr(data.Image, "fromarray", lambda *a: pytest.fail("rewrote an image"))
    assert data.write_digits(digits_root) == digits_root
    assert (digits_root / "0000.png").stat().st_mtime_ns == before


def test_the_environment_variable_is_used_when_no_root_is_given(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "from-env"))
    root = data.write_digits()
    assert root == tmp_path / "from-env" and (root / data.LABELS).is_file()


@pytest.mark.parametrize("interruption", [OSError("disk full"), KeyboardInterrupt()])
def test_an_interrupted_write_leaves_nothing_that_looks_complete(tmp_path, monkeypatch, interruption):
    real, calls = Image.fromarray, []

    def failing(array):
        calls.append(1)
        if len(calls) == 100:
            raise interruption
        return real(array)

    monkeypatch.setattr(data.Image, "fromarray", failing)
    root = tmp_path / "digits"
    with pytest.raises(type(interruption)):
        data.write_digits(root)
    assert not root.exists() and list(tmp_path.iterdir()) == [], "neither the folder nor a partial one remains"
    monkeypatch.setattr(data.Image, "fromarray", real)
    assert len(datasets.DigitsFolder(data.write_digits(root))) == 1797


def test_a_partial_folder_from_a_killed_run_is_never_taken_for_the_data(tmp_path):
    leftover = tmp_path / ".digits.partial-deadbeef"
    leftover.mkdir()
    (leftover / "0000.png").write_bytes(b"half")
    root = data.write_digits(tmp_path / "digits")
    assert len(datasets.DigitsFolder(root)) == 1797


def test_an_empty_folder_is_filled_but_a_foreign_one_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    assert (data.write_digits(tmp_path / "empty") / data.LABELS).is_file()
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match=r"foreign exists but holds no labels.csv.*Delete it, or choose another"):
        data.write_digits(tmp_path / "foreign")
    assert (tmp_path / "foreign" / "notes.txt").read_text() == "mine"


def test_digits_folder_items_are_arrays_or_transformed_tensors(digits_root):
    raw = datasets.DigitsFolder(digits_root)
    image, label = raw[3]
    assert len(raw) == 1797 and image.dtype == np.uint8 and image.shape == (8, 8) and label == 3
    x, _ = datasets.DigitsFolder(digits_root, datasets.Normalise(0.5, 0.25))[3]
    assert x.dtype == torch.float32
    torch.testing.assert_close(x, (torch.from_numpy(image).float() / 255 - 0.5) / 0.25)


def test_random_crops_are_square_parts_of_every_allowed_side_and_place():
    image = torch.arange(7 * 9, dtype=torch.float32).reshape(7, 9)
    crops = datasets.RandomCrops([(image, 4)], 3, 5)
    torch.manual_seed(0)
    seen = set()
    for _ in range(300):
        crop, label = crops[0]
        side = crop.shape[0]
        top, left = divmod(int(crop[0, 0]), 9)
        assert (
            label == 4 and crop.shape == (side, side) and torch.equal(crop, image[top : top + side, left : left + side])
        )
        seen.add((side, top + side == 7, left + side == 9))
    assert {side for side, _, _ in seen} == {3, 4, 5}
    assert any(bottom for _, bottom, _ in seen) and any(right for _, _, right in seen)
    with pytest.raises(ValueError, match="min_size <= max_size"):
        datasets.RandomCrops([], 5, 3)


def test_pad_collate_pads_to_the_largest_height_and_width_top_left():
    batch = [(torch.ones(2, 3), 5), (2 * torch.ones(4, 1), 7)]
    images, sizes, labels = datasets.pad_collate(batch, blank=-1.0)
    assert images.shape == (2, 4, 3) and sizes.tolist() == [[2, 3], [4, 1]] and labels.tolist() == [5, 7]
    assert torch.equal(images[0, :2], torch.ones(2, 3)) and torch.equal(images[0, 2:], -torch.ones(2, 3))
    assert torch.equal(images[1, :, :1], 2 * torch.ones(4, 1)) and torch.equal(images[1, :, 1:], -torch.ones(4, 2))


@pytest.mark.parametrize("missing", ["folder", "index"])
def test_a_missing_or_empty_folder_says_what_to_run(tmp_path, missing):
    root = tmp_path / "digits"
    if missing == "index":
        root.mkdir()
    with pytest.raises(FileNotFoundError) as info:
        datasets.DigitsFolder(root)
    message = str(info.value)
    assert f"data.write_digits({str(root)!r})" in message, "the instruction writes this folder, not the default"
    assert ("does not exist" if missing == "folder" else "holds no labels.csv") in message


@pytest.mark.parametrize(
    "content, problem",
    [
        ("file,label\n", "lists no items"),
        ("file,label\n0000.png,12\n", "line 2: expected 'file,label'"),
        ("file,label\n0000.png\n", "line 2: expected 'file,label'"),
    ],
)
def test_a_bad_index_names_the_line_and_the_fix(copy_of, content, problem):
    (copy_of / data.LABELS).write_text(content)
    with pytest.raises(ValueError, match=problem) as info:
        datasets.DigitsFolder(copy_of)
    assert f"data.write_digits({str(copy_of)!r})" in str(info.value)


@pytest.mark.parametrize("damage", ["corrupt", "empty", "deleted"])
def test_an_unreadable_file_names_the_index_and_the_file(copy_of, damage):
    path = copy_of / "0005.png"
    if damage == "deleted":
        path.unlink()
    else:
        path.write_bytes(b"" if damage == "empty" else b"not a PNG at all")
    dataset = datasets.DigitsFolder(copy_of, datasets.Normalise(0.3, 0.4))
    assert dataset[4][1] == 4, "the other items still load"
    with pytest.raises(RuntimeError) as info:
        dataset[5]
    message = str(info.value)
    assert message.startswith(f"item 5: cannot read the image file {path} (")
    assert f"Delete {copy_of} and run `from utils import data; data.write_digits({str(copy_of)!r})`" in message


def test_the_instruction_for_the_default_folder_takes_no_argument(tmp_path):
    environ = {data.ENV_VAR: str(tmp_path / "digits")}
    assert data.how_to_write(tmp_path / "digits", environ) == data.HOW_TO_WRITE
    assert data.how_to_write(tmp_path / "digits" / ".." / "digits", environ) == data.HOW_TO_WRITE
    other = tmp_path / "other"
    assert data.how_to_write(other, environ) == f"run `from utils import data; data.write_digits({str(other)!r})`"


def test_the_error_names_the_file_when_it_happens_in_a_worker(copy_of):
    (copy_of / "0070.png").write_bytes(b"garbage")
    loader = DataLoader(datasets.DigitsFolder(copy_of, datasets.Normalise(0.3, 0.4)), batch_size=64, num_workers=1)
    with pytest.raises(RuntimeError, match=r"(?s)DataLoader worker process 0.*item 70: cannot read .*0070\.png"):
        list(loader)


def batches(loader):
    return [(x.clone(), y.clone()) for x, _, y in loader]


def test_spawned_workers_load_the_utils_dataset_and_give_the_same_batches(digits_root):
    """The start method of macOS and Windows, forced here: the module's classes and a partial of its collate_fn
    pickle by reference."""
    dataset = datasets.DigitsFolder(digits_root, datasets.Normalise(0.305, 0.376))

    def loader(**workers):
        return DataLoader(
            dataset,
            batch_size=256,
            shuffle=True,
            generator=torch.Generator().manual_seed(0),
            collate_fn=functools.partial(datasets.pad_collate, blank=-0.811),
            **workers,
        )

    spawned = batches(loader(num_workers=2, multiprocessing_context="spawn"))
    in_process = batches(loader(num_workers=0))
    assert len(spawned) == len(in_process) == 8
    for (xs, ys), (x0, y0) in zip(spawned, in_process):
        assert torch.equal(xs, x0) and torch.equal(ys, y0)


def test_random_crops_in_workers_repeat_from_the_same_seed(digits_root):
    """Each worker seeds torch's generator from the loader's generator: the crops repeat, and differ by seed."""
    crops = datasets.RandomCrops(datasets.DigitsFolder(digits_root, datasets.Normalise(0.3, 0.4)), 4, 8)
    collate = functools.partial(datasets.pad_collate, blank=-0.75)

    def run(seed):
        loader = DataLoader(
            crops,
            batch_size=8,
            num_workers=2,
            collate_fn=collate,
            generator=torch.Generator().manual_seed(seed),
        )
        out = []
        for images, sizes, _ in loader:
            out.append((images, sizes))
            if len(out) == 4:
                return out

    first, again, other = run(0), run(0), run(1)
    assert all(torch.equal(a, b) and torch.equal(s, t) for (a, s), (b, t) in zip(first, again))
    assert not all(torch.equal(s, t) for (_, s), (_, t) in zip(first, other))
    assert not torch.equal(first[0][1], first[1][1]), "the two workers crop differently"


def test_a_dataset_defined_in_a_notebook_fails_under_spawn_in_a_real_kernel(tmp_path):
    """The pitfall notebook 06 explains, for real: a Jupyter kernel, spawn, a class from a cell."""
    nb = new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        new_code_cell(
            "import os\nworker_errors = open('worker_errors.txt', 'w')\n"
            "os.dup2(worker_errors.fileno(), 2)  # the workers' stderr, which the kernel does not always show\n"
            "import torch\nfrom torch.utils.data import DataLoader, Dataset\n"
            "class Numbers(Dataset):\n    def __len__(self):\n        return 8\n"
            "    def __getitem__(self, index):\n        return torch.tensor(index)\n"
            "loader = DataLoader(Numbers(), batch_size=4, num_workers=1, multiprocessing_context='spawn')\n"
            "next(iter(loader))"
        )
    ]
    nb, failed, error = nbrun.execute(nb, tmp_path)
    assert failed == 0
    text = nbrun.text_of(nb.cells[0])
    assert "RuntimeError: DataLoader worker (pid(s)" in text and "exited unexpectedly" in text
    printed = (tmp_path / "worker_errors.txt").read_text()  # what the worker printed before it died
    assert "Can't get attribute 'Numbers' on <module '__main__'" in printed, printed
    nbformat.validate(nb)
