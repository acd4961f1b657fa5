"""Exercise checks for Datasets and DataLoaders, with teaching failure messages (introduced in notebook 06).

Like utils.checks: each check prints "check passed: ..." or raises checks.CheckFailed saying what is wrong and why.
"""

import numpy as np
import torch
from torch.utils.data import RandomSampler, Subset

from utils import checks


def _describe(value):
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape}"
    kind = type(value).__name__
    return f"{'an' if kind[0].lower() in 'aeiou' else 'a'} {kind}"


def _is_label(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _get(name, dataset, index):
    """Returns dataset[index]; turns an error into CheckFailed with a hint for the usual cause, chained to it."""
    try:
        return dataset[index]
    except Exception as error:
        if isinstance(error, (IndexError, KeyError)):
            hint = f"indices run from 0 to len - 1 = {len(dataset) - 1}; look up self.items[index]."
        elif isinstance(error, FileNotFoundError):
            hint = (
                "self.items holds file names inside the data folder, not full paths: open self.root / name, "
                "the name from self.items[index]."
            )
        elif isinstance(error, TypeError) and "ndarray" in str(error):
            hint = (
                "read the file into an array first, np.array(Image.open(path)), then give that array to self.transform."
            )
        else:
            hint = "the traceback above shows the line of __getitem__ that failed."
        raise checks.CheckFailed(f"{name}[{index}] raised {type(error).__name__}: {error}.\nHint: {hint}") from error


def check_item(name, item, reference_item, index, num_classes=10):
    """Returns None; raises CheckFailed unless `item` is a pair (image tensor, int label) equal to `reference_item`."""
    where = f"{name}[{index}]"
    if not isinstance(item, tuple) or len(item) != 2:
        checks.fail(
            f"{where} should be a pair (image, label), but it is {_describe(item)}.",
            "end __getitem__ with `return image, label`.",
        )
    image, label = item
    want_image, want_label = reference_item
    if _is_label(image) and isinstance(label, (torch.Tensor, np.ndarray)):
        checks.fail(f"{where} is (label, image): the label comes first.", "return image, label: the image first.")
    if not isinstance(image, torch.Tensor):
        checks.fail(
            f"the image of {where} is {_describe(image)}, not a tensor.",
            "apply self.transform to the image before returning it.",
        )
    checks.check_shape(f"the image of {where}", image, tuple(want_image.shape))
    if image.dtype != want_image.dtype:
        checks.fail(
            f"the image of {where} has dtype {image.dtype} but should be {want_image.dtype}.",
            "apply self.transform, which turns the uint8 pixels into normalised float32 values.",
        )
    if isinstance(label, str):
        checks.fail(
            f"the label of {where} is the text {label!r}, not a number.",
            "labels.csv holds text: convert the label with int(), or use data.read_labels.",
        )
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)):
        checks.fail(f"the label of {where} is {_describe(label)}, but should be an int.", "return the label as an int.")
    if not 0 <= label < num_classes:
        checks.fail(f"the label of {where} is {label}, outside the range 0..{num_classes - 1}.")
    if label != want_label or not torch.allclose(image, want_image, atol=1e-6):
        checks.fail(
            f"{where} is not item {index} of labels.csv: expected label {want_label}, got {label}; "
            f"largest pixel difference {float((image - want_image).abs().max()):.3g}.",
            "read self.items[index] (not index + 1), open that file, and apply the transform once.",
        )


def check_dataset(name, dataset, reference, num_classes=10):
    """Returns None; prints "check passed" when `dataset` has the length and the items of `reference`.

    Compares the last, first and second items: each must be (float tensor of the reference's shape, int label).
    """
    try:
        length = len(dataset)
    except TypeError as error:
        checks.fail(
            f"len({name}) does not work: TypeError: {error}.",
            "define __len__(self) to `return` the number of items, an int.",
        )
    if length != len(reference):
        checks.fail(
            f"len({name}) is {length} but should be {len(reference)}.",
            "__len__ returns the number of rows of labels.csv, that is len(self.items).",
        )
    for index in dict.fromkeys([length - 1, 0, 1]):  # the last first: it catches indices counted from 1
        check_item(name, _get(name, dataset, index), reference[index], index, num_classes)
    image, _ = dataset[0]
    print(
        f"check passed: {name} has {length} items; each is (float tensor of shape {tuple(image.shape)}, "
        f"label 0..{num_classes - 1}) and matches the reference"
    )


def _same_data(got, want):
    if got is want:
        return True
    return isinstance(got, Subset) and isinstance(want, Subset) and list(got.indices) == list(want.indices)


def check_loader(name, loader, batch_size, pin_memory, item_shape, dataset=None, dataset_name="train_set", seed=None):
    """Returns None; prints "check passed" when `loader` gives full, shuffled, reproducible batches.

    It must shuffle with a generator of its own (seeded with `seed`, when given), drop the last partial batch, use
    `pin_memory`, and read `dataset` (called `dataset_name`), when given. The generator's state is restored
    afterwards, so the check does not change the order training will see.
    """
    n = len(loader.dataset)
    if dataset is not None and not _same_data(loader.dataset, dataset):
        checks.fail(
            f"{name} reads a data set of {n} items, not {dataset_name} ({len(dataset)} items).",
            f"give the DataLoader {dataset_name}: training must never see the validation items.",
        )
    if loader.batch_size != batch_size:
        checks.fail(f"{name}.batch_size is {loader.batch_size} but should be {batch_size}.", "pass batch_size=...")
    if not isinstance(loader.sampler, RandomSampler):
        checks.fail(
            f"{name} does not shuffle: every epoch would see the items in the same order.", "pass shuffle=True."
        )
    generator = loader.sampler.generator  # the DataLoader hands its generator to the RandomSampler it makes
    if generator is None or generator is torch.default_generator:
        checks.fail(
            f"{name} has no generator of its own, so its order changes with every other random draw.",
            "pass generator=torch.Generator().manual_seed(SEED).",
        )
    if not isinstance(generator, torch.Generator):
        checks.fail(
            f"{name}'s generator is {_describe(generator)}, not a torch.Generator.",
            "pass generator=torch.Generator().manual_seed(SEED): a generator object, seeded.",
        )
    if seed is not None and generator.initial_seed() != seed:
        checks.fail(
            f"{name}'s generator was seeded with {generator.initial_seed()}, not with SEED = {seed}.",
            "pass generator=torch.Generator().manual_seed(SEED); a new torch.Generator() has a fixed seed of its "
            "own, so your order would differ from the solution's.",
        )
    if not loader.drop_last:
        checks.fail(
            f"{name} keeps the last, partial batch of {n % batch_size} items ({n} is not a multiple of {batch_size}).",
            "pass drop_last=True.",
        )
    if loader.pin_memory != pin_memory:
        checks.fail(
            f"{name}.pin_memory is {loader.pin_memory} but should be {pin_memory} (pinned memory only helps "
            "copies to a CUDA GPU).",
            "pass pin_memory=pin_memory.",
        )
    state = generator.get_state()
    try:
        epoch1, epoch2 = list(loader.batch_sampler), list(loader.batch_sampler)
        generator.set_state(state)
        again = list(loader.batch_sampler)
        generator.set_state(state)
        x, y = next(iter(loader))
    finally:
        generator.set_state(state)
    if len(loader) != n // batch_size or any(len(b) != batch_size for b in epoch1):
        checks.fail(
            f"{name} gives {len(loader)} batches of sizes {sorted({len(b) for b in epoch1})}, "
            f"not {n // batch_size} batches of {batch_size}."
        )
    if epoch1 != again:
        checks.fail(
            f"{name} gave a different order from the same generator state.",
            "let the DataLoader's generator do the shuffling (shuffle=True, generator=...).",
        )
    if epoch1 == epoch2:
        checks.fail(
            f"{name} gives the same order in every epoch.", "pass shuffle=True; do not re-seed inside the loop."
        )
    checks.check_shape(f"the images of a batch of {name}", x, (batch_size, *item_shape))
    checks.check_shape(f"the labels of a batch of {name}", y, (batch_size,))
    print(
        f"check passed: {name} gives {len(loader)} shuffled batches of {batch_size} (last partial batch dropped), "
        "the same order again from the same seed, pin_memory as the device needs"
    )
