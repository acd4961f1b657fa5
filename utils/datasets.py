"""Worker-safe copies of notebook 06's Datasets, transforms and collate_fn (introduced in notebook 06, section 7).

DataLoader worker processes started with `spawn` (macOS, Windows; Linux's `forkserver` too) receive the Dataset
through pickle, which stores a class by module and name: a class defined in a notebook cell (`__main__.Digits`)
cannot be found there, a class from this module can. So the classes that notebook 06's exercises write live here
too, for the loaders with workers: `DigitsFolder` (Exercise 1, plus a clear error for an unreadable file),
`RandomCrops` and `pad_collate` (Exercise 3), and `Normalise`, the notebook's transform as a class. The notebook
imports this module only after those exercises: the students write them first.
"""

from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

from utils import data


class DigitsFolder(Dataset):
    """The digits in a folder written by data.write_digits: item i is (transform(image), label).

    `image` is an (8, 8) uint8 array read from its PNG file; label is an int 0..9. An unreadable file raises a
    RuntimeError that names the item, the file and how to write the folder again.
    """

    def __init__(self, root, transform=None):
        self.root = Path(root)
        self.items = data.read_labels(self.root)  # [(file name, label), ...]
        self.transform = transform

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        name, label = self.items[index]
        path = self.root / name
        try:
            with Image.open(path) as file:
                image = np.array(file.convert("L"))  # (8, 8) uint8
        except (OSError, ValueError) as error:
            raise RuntimeError(
                f"item {index}: cannot read the image file {path} ({error}). "
                f"Delete {self.root} and {data.how_to_write(self.root)}."
            ) from error
        if self.transform is not None:
            image = self.transform(image)
        return image, label


class Normalise:
    """A transform: calling it on an (H, W) uint8 image returns a float32 tensor (image / 255 - mean) / std."""

    def __init__(self, mean, std):
        self.mean, self.std = float(mean), float(std)

    def __call__(self, image):
        x = torch.from_numpy(np.asarray(image)).float() / 255  # (H, W) in [0, 1]
        return (x - self.mean) / self.std


class RandomCrops(Dataset):
    """Item i is (a random square crop of base[i]'s image, base[i]'s label); the side is min_size..max_size.

    `base` gives (image, label) pairs, the image an (H, W) tensor. The side and the place are drawn from torch's
    global generator, which the DataLoader seeds in each worker (a generator kept in the Dataset would be copied
    into every worker in the same state, and the workers would crop alike).
    """

    def __init__(self, base, min_size, max_size):
        if not 1 <= min_size <= max_size:
            raise ValueError(f"RandomCrops needs 1 <= min_size <= max_size, got {min_size} and {max_size}")
        self.base, self.min_size, self.max_size = base, min_size, max_size

    def __len__(self):
        return len(self.base)

    def __getitem__(self, index):
        image, label = self.base[index]
        height, width = image.shape[-2:]
        side = int(torch.randint(self.min_size, min(self.max_size, height, width) + 1, ()))
        top = int(torch.randint(0, height - side + 1, ()))
        left = int(torch.randint(0, width - side + 1, ()))
        return image[..., top : top + side, left : left + side], label


def pad_collate(batch, blank=0.0):
    """Returns (images (N, H, W) padded with `blank`, sizes (N, 2), labels (N,)) for a list of (image, label).

    H and W are the largest height and width in the batch; each image sits in the top-left corner of its slot.
    With spawned workers, pass `functools.partial(pad_collate, blank=...)`: a partial of a module's function
    pickles by reference too.
    """
    images, labels = zip(*batch)
    sizes = torch.tensor([tuple(image.shape) for image in images])  # (N, 2)
    padded = torch.full((len(images), *sizes.max(dim=0).values.tolist()), float(blank))
    for slot, image in zip(padded, images):
        slot[: image.shape[0], : image.shape[1]] = image
    return padded, sizes, torch.tensor(labels)
