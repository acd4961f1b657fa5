"""Checks for notebook 06's exercises: the Digits Dataset, the training DataLoader, random crops and pad_collate.

Each check runs the student's code on data of its own (a small folder of PNG files written for the check, with
file names that do not follow the item numbers; images whose every pixel tells where it came from), inside
checks.running, so that an error becomes a lesson. When a result matches a classic mistake it names it: a length
that counts labels.csv, indices counted from 1, a PIL image where the pixels belong, a transform applied twice or
never, a generator that is torch's global one or that each worker would copy, an exclusive upper bound in
torch.randint, padding with 0 instead of a blank pixel, labels separated from their images.
Failures go through checks.fail.
"""

import csv
import random
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset, RandomSampler, Subset

from utils import checks

# ---- shared helpers -------------------------------------------------------------------------------------------


def _describe(value):
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape}"
    if isinstance(value, Image.Image):
        return "a PIL image"
    if type(value).__module__ == "builtins":
        return f"a Python {type(value).__name__}"  # (no article chosen by the name: a template for the translations)
    return f"an object of type {type(value).__name__}"


def _run(what, expected, action, causes=()):
    """Returns action(); an error it raises becomes CheckFailed via checks.running, with the cause that fits it.

    `causes` is a list of (exception type, fragment of its message, the likely cause in words).
    """
    try:
        return action()
    except (checks.CheckFailed, NotImplementedError):
        raise
    except Exception as error:
        cause = next((text for kind, part, text in causes if isinstance(error, kind) and part in str(error)), "")
        with checks.running(what, expected=expected, cause=cause):
            raise error from None


def _is_int(value):
    if isinstance(value, torch.Tensor):
        return value.dim() == 0 and not value.is_floating_point() and value.dtype != torch.bool
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


# ---- Exercise 1: the Digits Dataset ---------------------------------------------------------------------------

NAMES = ["k.png", "c.png", "x.png", "a.png", "q.png", "f.png"]  # not in the items' order, not 0000.png, 0001.png...
LABELS = [7, 2, 9, 0, 3, 1]  # never the item's index


def write_folder(root):
    """Returns the (8, 8) uint8 images written into `root` as NAMES, with a labels.csv listing NAMES and LABELS."""
    root.mkdir(parents=True)
    images = np.random.default_rng(6).integers(0, 256, (len(NAMES), 8, 8), dtype=np.uint8)
    for name, pixels in zip(NAMES, images):
        Image.fromarray(pixels).save(root / name)  # 8-bit greyscale, as data.write_digits writes
    with open(root / "labels.csv", "w", newline="") as file:
        csv.writer(file).writerows([("file", "label"), *zip(NAMES, LABELS)])
    return images


ITEM_CAUSES = [
    (
        TypeError,
        "'PosixPath' and 'int'",
        "self.items[index] is (file name, label), in that order: name, label = self.items[index].",
    ),
    (TypeError, "'PosixPath' and 'str'", "self.root is a Path: join it to a file name with /, self.root / name."),
    (TypeError, "'WindowsPath' and 'str'", "self.root is a Path: join it to a file name with /, self.root / name."),
    (IndexError, "", "indices run from 0 to len - 1: look up self.items[index] itself, not index + 1."),
    (
        FileNotFoundError,
        "",
        "open the file named in self.items[index], inside the data folder: self.root / name. (File names are "
        "not always 0000.png, 0001.png, ...: take them from the index.)",
    ),
    (IsADirectoryError, "", "open the file self.root / name, not the folder self.root."),
    (
        TypeError,
        "'NoneType' object is not callable",
        "this Digits has no transform (self.transform is None): apply it only when there is one.",
    ),
    (
        TypeError,
        "expected np.ndarray",
        "the transform receives the pixels as a numpy array: np.array(Image.open(path)), not the PIL image.",
    ),
    (ValueError, "unpack", "self.items[index] is one pair (file name, label): name, label = self.items[index]."),
    (Image.UnidentifiedImageError, "", "open the PNG file named in self.items[index], not labels.csv."),
]


def check_dataset(Digits):
    """Returns None; prints "check passed" when the class Digits(root, transform=None) reads a digits folder right.

    Writes a folder of its own (six images, names out of order, labels never equal to the index) and checks
    len, every item without a transform ((uint8 pixels of its file, its label)), every item with a transform
    (called once, on those pixels, its result returned) and a batch of a DataLoader over it.
    """
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as folder:
        root = Path(folder) / "digits"
        images = write_folder(root)
        with checks.running("Digits(root)", expected="a Dataset", cause="__init__ is given: keep it as it was."):
            raw = Digits(root)
        _check_length(raw, len(NAMES))
        for index in [len(NAMES) - 1, *range(len(NAMES) - 1)]:  # the last first: it catches indices counted from 1
            item = _run(
                f"Digits(root)[{index}]", "the pair (image, label)", lambda index=index: raw[index], ITEM_CAUSES
            )
            _check_raw_item(item, index, images)
        _check_transform(Digits, root, images)
        loader = DataLoader(Digits(root, transform=torch.from_numpy), batch_size=4)
        x, y = _run("a DataLoader over Digits(root, transform=torch.from_numpy)", "a batch", lambda: next(iter(loader)))
        checks.check_shape("the images of a batch", x, (4, 8, 8))
        checks.check_shape("the labels of a batch", y, (4,))
    print(
        "check passed: Digits has one item per row of labels.csv; item i is (the pixels of its file, its label), "
        "with the transform applied once when there is one"
    )


def len_causes(dataset):
    """Returns the causes of the usual errors of len(dataset), for _run."""
    return [
        (
            TypeError,
            f"object of type '{type(dataset).__name__}' has no len()",
            "define __len__(self): it returns the number of items, an int.",
        ),
        (TypeError, "NoneType", "__len__ must `return` the number of items: without return it gives None."),
        (TypeError, "cannot be interpreted as an integer", "__len__ returns an int: the number of items."),
        (
            AttributeError,
            "object has no attribute",
            "__init__ keeps, as attributes of self, what the other methods use (self.base = base, ...).",
        ),
    ]


def _check_length(dataset, n):
    length = _run("len(Digits(root))", "the number of items", lambda: len(dataset), len_causes(dataset))
    if length == n + 1:
        checks.fail(
            f"len(Digits(root)) is {length}, but the folder's labels.csv lists {n} items: it counts every file in "
            "the folder, labels.csv included.",
            "count the rows of the index, self.items, instead of the files.",
        )
    if length != n:
        checks.fail(
            f"len(Digits(root)) is {length}, but the folder's labels.csv lists {n} items.",
            "__len__ returns the number of rows of labels.csv, that is len(self.items).",
        )


def _pair(item, where):
    if isinstance(item, (tuple, list)) and len(item) == 2:
        if _is_int(item[0]) and not _is_int(item[1]):
            checks.fail(f"{where} is (label, image): the image comes first.", "return image, label.")
        return tuple(item)
    if isinstance(item, (torch.Tensor, np.ndarray, Image.Image)):
        checks.fail(
            f"{where} is only an image ({_describe(item)}): the label is missing.",
            "return the pair: image, label.",
        )
    checks.fail(f"{where} should be the pair (image, label), but it is {_describe(item)}.", "return image, label.")


def _check_label(label, index, where):
    if isinstance(label, str):
        checks.fail(f"the label of {where} is the text {label!r}, not a number.", "use the label of self.items.")
    if not _is_int(label):
        checks.fail(f"the label of {where} is {_describe(label)}, but should be an int.", "return the label as it is.")
    label = int(label)
    if label == LABELS[index]:
        return
    if label == index:
        checks.fail(
            f"the label of {where} is {label}, its index: the label is {LABELS[index]}.",
            "the label is the second part of self.items[index]: name, label = self.items[index].",
        )
    if index + 1 < len(LABELS) and label == LABELS[index + 1]:
        checks.fail(f"the label of {where} is the label of item {index + 1}.", "use self.items[index], not index + 1.")
    checks.fail(f"the label of {where} is {label}, but labels.csv says {LABELS[index]}.", "use self.items[index].")


def _check_raw_item(item, index, images):
    where = f"Digits(root)[{index}]"
    image, label = _pair(item, where)
    want = images[index]
    if isinstance(image, Image.Image):
        checks.fail(
            f"the image of {where} is a PIL image, not an array of pixels.",
            "np.array(Image.open(path)) turns the file into an (8, 8) uint8 array.",
        )
    if isinstance(image, torch.Tensor):
        checks.fail(
            f"the image of {where} is a tensor, but this Digits has no transform: its images should stay the "
            "(8, 8) uint8 arrays read from the files.",
            "turning pixels into a tensor is the transform's job: apply self.transform only when there is one.",
        )
    if not isinstance(image, np.ndarray):
        checks.fail(f"the image of {where} is {_describe(image)}, not a numpy array of pixels.")
    if image.dtype != np.uint8:
        scaled = image.shape == want.shape and np.allclose(image, want / 255, atol=1e-6)
        if scaled and image.dtype == np.float32:
            hint = "plt.imread gives floats in [0, 1]; the transform expects the file's uint8 pixels: np.array(...)."
        elif scaled:
            hint = "the transform divides by 255 itself: keep the file's uint8 pixels, np.array(Image.open(path))."
        else:
            hint = "np.array(Image.open(path)) gives the file's uint8 pixels; leave any conversion to the transform."
        checks.fail(
            f"the image of {where} has dtype {image.dtype}, not uint8"
            + (": its pixels are divided by 255." if scaled else "."),
            hint,
        )
    if image.shape != want.shape:
        checks.fail(
            f"the image of {where} has shape {image.shape}, but the file holds {want.shape} greyscale pixels.",
            "np.array(Image.open(path)) as it is: no conversion to RGB, no reshape.",
        )
    if not np.array_equal(image, want):
        others = [j for j in range(len(images)) if j != index and np.array_equal(image, images[j])]
        if np.array_equal(image, want.T):
            checks.fail(
                f"the image of {where} is transposed.", "keep the array as np.array(Image.open(path)) gives it."
            )
        if others:
            checks.fail(
                f"the image of {where} is the file of item {others[0]}, {NAMES[others[0]]}, not {NAMES[index]}.",
                "open the file named in self.items[index]."
                + (" Indices start at 0: not index + 1." if others[0] == index + 1 else ""),
            )
        checks.fail(
            f"the pixels of {where} differ from those of its file {NAMES[index]}.", "np.array(Image.open(path))."
        )
    _check_label(label, index, where)


class _Spy:
    """A transform that records what it is given and returns a new tensor each time."""

    def __init__(self):
        self.given, self.returned = [], []

    def __call__(self, image):
        self.given.append(image)
        self.returned.append(torch.as_tensor(np.asarray(image, dtype=np.float32)) / 255)
        return self.returned[-1]


def _check_transform(Digits, root, images):
    spy = _Spy()
    with checks.running("Digits(root, transform)", expected="a Dataset"):
        dataset = Digits(root, transform=spy)
    for index in range(len(NAMES)):
        where = f"Digits(root, transform)[{index}]"
        before = len(spy.given)
        item = _run(where, "the pair (transform(image), label)", lambda index=index: dataset[index], ITEM_CAUSES)
        given = spy.given[before:]
        if not given:
            checks.fail(f"{where} never calls self.transform.", "apply it to the image when there is one.")
        if any(_is_int(g) for g in given):
            checks.fail(f"{where} applies the transform to the label.", "transform the image only.")
        if len(given) > 1:
            checks.fail(f"{where} calls self.transform {len(given)} times for one item.", "call it once, on the image.")
        if isinstance(given[0], Image.Image):
            checks.fail(
                f"{where} gives the transform a PIL image: the course's transform expects the pixels as a numpy "
                "array (torch.from_numpy fails on a PIL image).",
                "np.array(Image.open(path)), then self.transform(image).",
            )
        image, label = _pair(item, where)
        if image is not spy.returned[-1]:
            checks.fail(
                f"the image of {where} is not what self.transform returned.",
                "return the transform's result as it is: image = self.transform(image).",
            )
        _check_label(label, index, where)


# ---- Exercise 2: the training DataLoader ----------------------------------------------------------------------

BATCH_SIZE = 64


def _same_data(got, want):
    if got is want:
        return True
    return isinstance(got, Subset) and isinstance(want, Subset) and list(got.indices) == list(want.indices)


def _check_loader_data(loader, train_set):
    data = loader.dataset
    if _same_data(data, train_set):
        return
    whole = getattr(train_set, "dataset", None)
    if whole is not None and data is whole:
        checks.fail(
            f"train_loader reads all {len(data)} digits, the validation digits included.",
            "give the DataLoader train_set: training must never see the validation digits.",
        )
    if isinstance(data, Subset) and whole is not None and data.dataset is whole:
        if not set(data.indices) & set(train_set.indices):
            checks.fail(
                f"train_loader reads {len(data)} digits that are not in train_set: the validation digits?",
                "give the DataLoader train_set.",
            )
    checks.fail(f"train_loader reads a data set of {len(data)} items, not train_set.", "give the DataLoader train_set.")


def check_loader(loader, train_set, pin_memory, seed):
    """Returns None; prints "check passed" when `loader` (train_loader) gives full, shuffled, reproducible batches.

    It must read `train_set` in the main process, in batches of 64 shuffled by a generator of its own seeded with
    `seed`, drop the last partial batch, and use `pin_memory`. The generator's state is restored afterwards, so
    the check does not change the order training will see.
    """
    if not isinstance(loader, DataLoader):
        checks.fail(f"train_loader is {_describe(loader)}, not a DataLoader.", "train_loader = DataLoader(...).")
    _check_loader_data(loader, train_set)
    if loader.num_workers:
        checks.fail(
            f"train_loader starts {loader.num_workers} worker processes. Digits is defined in this notebook, so "
            "on macOS and Windows, where workers are spawned, they could not load it (section 7 shows why).",
            "leave num_workers at 0 here.",
        )
    if loader.batch_size != BATCH_SIZE:
        checks.fail(f"train_loader.batch_size is {loader.batch_size} but should be {BATCH_SIZE}.", "batch_size=...")
    if not isinstance(loader.sampler, RandomSampler):
        checks.fail(
            "train_loader does not shuffle: every epoch would see the items in the same order.", "shuffle=True."
        )
    generator = loader.sampler.generator  # the DataLoader hands its generator to the RandomSampler it makes
    if generator is torch.default_generator:
        checks.fail(
            "train_loader's generator is torch's global one, which every other random draw moves on: "
            "torch.manual_seed(SEED) seeds that global generator and returns it.",
            "give the loader a generator of its own: torch.Generator(), seeded with .manual_seed(SEED).",
        )
    if generator is None:
        checks.fail(
            "train_loader has no generator of its own, so its order changes with every other random draw.",
            "pass generator=..., a torch.Generator() seeded with .manual_seed(SEED).",
        )
    if not isinstance(generator, torch.Generator):
        checks.fail(
            f"train_loader's generator is {_describe(generator)}, not a torch.Generator.",
            "a generator object, seeded: torch.Generator().manual_seed(SEED).",
        )
    if generator.initial_seed() != seed:
        checks.fail(
            f"train_loader's generator was seeded with {generator.initial_seed()}, not with SEED = {seed}.",
            "seed it with .manual_seed(SEED); a new torch.Generator() has a fixed seed of its own, so your order "
            "would differ from the solution's.",
        )
    n = len(train_set)
    if not loader.drop_last:
        checks.fail(
            f"train_loader keeps the last, partial batch of {n % BATCH_SIZE} items ({n} is not a multiple of "
            f"{BATCH_SIZE}).",
            "drop_last=True.",
        )
    if loader.pin_memory != pin_memory:
        checks.fail(
            f"train_loader.pin_memory is {loader.pin_memory} but should be {pin_memory} (pinned memory only helps "
            "copies to a CUDA GPU).",
            "pin_memory=pin_memory, the variable that follows the device.",
        )
    _check_order(loader, generator, train_set, pin_memory)
    print(
        f"check passed: train_loader gives {len(loader)} shuffled batches of {BATCH_SIZE} (last partial batch "
        "dropped), the same order again from the same seed, pin_memory as the device needs"
    )


def _check_order(loader, generator, train_set, pin_memory):
    state = generator.get_state()
    causes = [(RuntimeError, "device type for generator", "shuffle on the CPU: torch.Generator(), on no device.")]
    try:
        epoch1 = _run("train_loader's shuffling", "an epoch's order", lambda: list(loader.batch_sampler), causes)
        epoch2 = list(loader.batch_sampler)
        generator.set_state(state)
        again = list(loader.batch_sampler)
        generator.set_state(state)
        x, y = _run("next(iter(train_loader))", "a batch (images, labels)", lambda: next(iter(loader)), causes)
    finally:
        generator.set_state(state)
    n = len(train_set)
    if len(loader) != n // BATCH_SIZE or any(len(b) != BATCH_SIZE for b in epoch1):
        checks.fail(
            f"train_loader gives {len(loader)} batches of sizes {sorted({len(b) for b in epoch1})}, "
            f"not {n // BATCH_SIZE} batches of {BATCH_SIZE}."
        )
    if epoch1 != again:
        checks.fail(
            "train_loader gave a different order from the same generator state.",
            "let the DataLoader's generator do the shuffling (shuffle=True, generator=...).",
        )
    if epoch1 == epoch2:
        checks.fail("train_loader gives the same order in every epoch.", "shuffle=True; do not re-seed inside a loop.")
    image, _ = train_set[0]
    checks.check_shape("the images of a batch of train_loader", x, (BATCH_SIZE, *tuple(image.shape)))
    checks.check_shape("the labels of a batch of train_loader", y, (BATCH_SIZE,))
    if pin_memory and torch.cuda.is_available() and not x.is_pinned():
        checks.fail("train_loader's batches are not in pinned memory, although pin_memory is True.")


# ---- Exercise 3: RandomCrops and pad_collate ------------------------------------------------------------------

HEIGHT, WIDTH = 7, 9  # the base images: not square, so that height and width cannot be confused
BASE_LABELS = [6, 3, 8, 0, 5]  # never the item's index
MIN_SIZE, MAX_SIZE = 3, 6
DRAWS = 100  # draws of each item: every side, and every edge for each side, shows up (a miss: a chance below 1e-6)


class Images(Dataset):
    """The check's base Dataset: item i is (an (HEIGHT, WIDTH) float32 image whose pixels are unique, a label)."""

    def __init__(self):
        pixels = torch.arange(HEIGHT * WIDTH, dtype=torch.float32).reshape(HEIGHT, WIDTH)
        self.images = [pixels + 100 * i for i in range(len(BASE_LABELS))]

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        return self.images[index], BASE_LABELS[index]


CROP_CAUSES = [
    (
        TypeError,
        "randint",
        "torch.randint needs a size: torch.randint(low, high, ()) draws one number (int(...) makes it a Python int).",
    ),
    (
        RuntimeError,
        "from' to be less than 'to'",
        "torch.randint(low, high, ...) draws from low to high - 1, so high must be above low.",
    ),
    (ValueError, "unpack", "base[index] is one pair (image, label)."),
    (IndexError, "", "item index of RandomCrops is item index of base."),
    (
        AttributeError,
        "object has no attribute",
        "__init__ keeps, as attributes of self, what __getitem__ uses: self.base = base, and the two sizes.",
    ),
]


def check_random_crops(RandomCrops, pad_collate, blank):
    """Returns None; prints "check passed" when RandomCrops(base, min_size, max_size) and pad_collate are right.

    RandomCrops: len(base) items; item i is (a square crop of base[i]'s image, base[i]'s label), its side any of
    min_size..max_size, its place anywhere in the image, new at each access, drawn from torch's generator (the
    same crops again after the same torch.manual_seed), and the base untouched. pad_collate(batch) with items of
    different heights and widths: (images padded with `blank`, each in its top-left corner; sizes; labels).
    """
    base = Images()
    kept = [image.clone() for image in base.images]
    with checks.running("RandomCrops(base, 3, 6)", expected="a Dataset"):
        crops = RandomCrops(base, MIN_SIZE, MAX_SIZE)
    length = _run("len(RandomCrops(base, 3, 6))", "len(base)", lambda: len(crops), len_causes(crops))
    if length != len(base):
        checks.fail(f"len(RandomCrops(base, 3, 6)) is {length}, but base has {len(base)} items.", "len(self.base).")
    _check_no_own_generator(crops)
    places = _draw_crops(crops, base, kept, seed=1)
    if _draw_crops(crops, base, kept, seed=1) != places:
        checks.fail(
            "torch.manual_seed did not make the crops repeat: they are drawn from another generator (Python's "
            "random, or numpy's), which the DataLoader would not seed the same way.",
            "draw with torch.randint(low, high, ()), from torch's global generator.",
        )
    _check_variety(places)
    _check_collate(pad_collate, blank)
    _check_loader_of_crops(RandomCrops, pad_collate, base)
    print(
        "check passed: RandomCrops gives square crops of every side from min_size to max_size, anywhere in the "
        "image, new each time and the same again from the same torch seed, labels kept; pad_collate pads a batch "
        "to its largest height and width with blank, images top-left, sizes and labels in order"
    )


def _check_no_own_generator(crops):
    own = (torch.Generator, np.random.Generator, np.random.RandomState, random.Random)
    for name, value in vars(crops).items():
        if isinstance(value, own):
            checks.fail(
                f"RandomCrops keeps a generator of its own, self.{name}. Each DataLoader worker gets a copy of the "
                "Dataset, and so of that generator, in the same state: the workers would all draw the same crops.",
                "draw with torch.randint(low, high, ()), from torch's global generator, which the DataLoader "
                "seeds differently in each worker.",
            )


def _draw_crops(crops, base, kept, seed):
    """Returns [(index, side, top, left)] of DRAWS rounds over every item, after torch.manual_seed(seed).

    `kept` holds copies of the base's images: an item that changes its image in place is named at once.
    """
    torch.manual_seed(seed)
    places = []
    for _ in range(DRAWS):
        for index in range(len(base)):
            where = f"RandomCrops(base, 3, 6)[{index}]"
            item = _run(where, "the pair (crop, label)", lambda index=index: crops[index], CROP_CAUSES)
            image, label = _pair(item, where)
            if not _is_int(label) or int(label) != BASE_LABELS[index]:
                checks.fail(
                    f"the label of {where} is {label!r}, but base[{index}]'s label is {BASE_LABELS[index]}.",
                    "a crop keeps the label of its image: return crop, label, the label from base[index].",
                )
            if not torch.equal(base.images[index], kept[index]):
                checks.fail(
                    f"{where} changed base[{index}]'s image in place: a crop is a view of it, sharing its memory.",
                    "change nothing in the crop or the base; a transform that must change pixels makes a new tensor.",
                )
            places.append((index, *_locate(image, kept[index], where)))
    return places


def _locate(crop, image, where):
    """Returns (side, top, left) of `crop` inside `image`, or fails saying how the crop is wrong."""
    if not isinstance(crop, torch.Tensor) or crop.dim() != 2:
        checks.fail(f"the crop of {where} is {_describe(crop)}, but should be a 2-D tensor, a part of the image.")
    height, width = crop.shape
    if height != width and width == WIDTH:
        checks.fail(
            f"the crop of {where} is {height}x{width}: it keeps the image's whole width.",
            "slice both dimensions in one index, image[top : top + side, left : left + side] (image[a:b][c:d] "
            "slices the rows twice).",
        )
    if height != width:
        checks.fail(
            f"the crop of {where} is {height}x{width}, not square.",
            "draw one side and use it for the height and the width; keep the crop inside the image: its top from "
            "0 to height - side, its left from 0 to width - side, where (height, width) = image.shape.",
        )
    if not MIN_SIZE <= height <= MAX_SIZE:
        checks.fail(
            f"the crop of {where} has side {height}, outside min_size..max_size = {MIN_SIZE}..{MAX_SIZE}.",
            "draw the side with torch.randint(self.min_size, self.max_size + 1, ()).",
        )
    if crop.dtype != image.dtype:
        checks.fail(f"the crop of {where} has dtype {crop.dtype}, but the image {image.dtype}.", "slice the image.")
    first = int(crop[0, 0].item() - image[0, 0].item())
    top, left = divmod(first, WIDTH)
    if not (0 <= first < HEIGHT * WIDTH and torch.equal(crop, image[top : top + height, left : left + width])):
        checks.fail(
            f"the crop of {where} is not a part of base[index]'s image.",
            "slice it: image[top : top + side, left : left + side], nothing else.",
        )
    return height, top, left


def _check_variety(places):
    by_item = {}
    for index, side, top, left in places:
        by_item.setdefault(index, set()).add((side, top, left))
    if all(len(seen) == 1 for seen in by_item.values()):
        checks.fail(
            "RandomCrops gives each item the same crop every time: the crop is drawn once, or from a generator "
            "seeded again at each call. Augmentation should show each epoch a new crop.",
            "draw the side and the place inside __getitem__, from torch's generator (torch.randint).",
        )
    sides = {side for _, side, _, _ in places}
    if MAX_SIZE not in sides:
        checks.fail(
            f"RandomCrops never gives crops of side max_size = {MAX_SIZE} (sides seen: {sorted(sides)}).",
            "torch.randint(low, high, ()) never returns high itself: draw the side up to self.max_size + 1.",
        )
    if MIN_SIZE not in sides:
        checks.fail(
            f"RandomCrops never gives crops of side min_size = {MIN_SIZE} (sides seen: {sorted(sides)}).",
            "draw the side from self.min_size to self.max_size, both included: "
            "torch.randint(self.min_size, self.max_size + 1, ()).",
        )
    if all(top == 0 and left == 0 for _, _, top, left in places):
        checks.fail(
            "RandomCrops always crops the top-left corner.", "draw the place too: a random top and a random left."
        )
    edges = {
        "bottom": any(top + side == HEIGHT for _, side, top, _ in places),
        "right": any(left + side == WIDTH for _, side, _, left in places),
        "top": any(top == 0 for _, _, top, _ in places),
        "left": any(left == 0 for _, _, _, left in places),
    }
    missed = [edge for edge, seen in edges.items() if not seen]
    if missed:
        checks.fail(
            "\n".join(MISSED_EDGES[edges] for edges in _edge_groups(missed)),
            "torch.randint(low, high, ()) never returns high: the top runs from 0 to height - side included, "
            "so draw it with torch.randint(0, height - side + 1, ()); the same for the left with the width.",
        )
    for side in sorted(sides):
        at_side = [(top, left) for _, s, top, left in places if s == side]
        if not any(top + side == HEIGHT for top, _ in at_side) or not any(left + side == WIDTH for _, left in at_side):
            checks.fail(
                f"crops of side {side} never reach the bottom or the right edge of the image, though they fit there.",
                "the place depends on this crop's side: the top runs from 0 to height - side, the left from 0 to "
                "width - side.",
            )


MISSED_EDGES = {  # one whole sentence each, for the translations
    ("bottom", "right"): "no crop ever touches the bottom or right edge of the image.",
    ("top", "left"): "no crop ever touches the top or left edge of the image.",
    ("bottom",): "no crop ever touches the bottom edge of the image.",
    ("right",): "no crop ever touches the right edge of the image.",
    ("top",): "no crop ever touches the top edge of the image.",
    ("left",): "no crop ever touches the left edge of the image.",
}


def _edge_groups(missed):
    """Returns the edges no crop touched as keys of MISSED_EDGES: the far edges together, the near ones together."""
    groups = []
    for pair in (("bottom", "right"), ("top", "left")):
        found = tuple(edge for edge in pair if edge in missed)
        if found:
            groups.append(found)
    return groups


COLLATE_SHAPES = [(3, 5), (6, 2), (4, 4), (2, 7)]  # the largest height is 6, the largest width 7
COLLATE_LABELS = [4, 7, 1, 9]


def collate_batch():
    """Returns the check's batch for pad_collate: a list of (image (h, w), label), pixels 1, 2, 3... (never blank)."""
    batch, start = [], 1
    for (h, w), label in zip(COLLATE_SHAPES, COLLATE_LABELS):
        batch.append((torch.arange(start, start + h * w, dtype=torch.float32).reshape(h, w), label))
        start += h * w
    return batch


COLLATE_CAUSES = [
    (
        RuntimeError,
        "stack expects each tensor to be equal size",
        "torch.stack needs images of one size: make the padded tensor first, torch.full((N, H, W), BLANK), then "
        "copy each image into its top-left corner.",
    ),
    (
        RuntimeError,
        "must match the existing size",
        "copy each image into a slot of its own size: padded[i, :h, :w] = image, with h, w = image.shape.",
    ),
    (ValueError, "unpack", "batch is a list of (image, label) pairs: images, labels = zip(*batch)."),
]


def _check_collate(pad_collate, blank):
    batch = collate_batch()
    kept = [image.clone() for image, _ in batch]
    out = _run("pad_collate(batch)", "(images, sizes, labels)", lambda: pad_collate(batch), COLLATE_CAUSES)
    if not isinstance(out, tuple) or len(out) != 3:
        count = len(out) if isinstance(out, (tuple, list)) else 1
        checks.fail(
            f"pad_collate returned {count} value(s), but should return 3: images, sizes, labels.",
            "the sizes too, so that a model can tell image from padding: return padded, sizes, labels.",
        )
    images, sizes, labels = out
    if not all(torch.equal(a, b) for a, b in zip(kept, (image for image, _ in batch))):
        checks.fail("pad_collate changed the batch's images in place.", "copy them into a new tensor.")
    _check_padded(images, batch, blank)
    _check_sizes(sizes)
    _check_labels(labels)


def _check_padded(images, batch, blank):
    n, height, width = len(batch), max(h for h, _ in COLLATE_SHAPES), max(w for _, w in COLLATE_SHAPES)
    if not isinstance(images, torch.Tensor):
        checks.fail(f"the images pad_collate returns are {_describe(images)}, not one tensor (N, H, W).")
    shape = tuple(images.shape)
    hints = {
        (n, 8, 8): "it pads to 8x8 whatever the batch: pad to the largest height and the largest width in it.",
        (n, width, width): "the largest height and the largest width are two numbers: the padded images need not "
        "be square.",
        (n, width, height): "height and width are swapped: image.shape is (height, width).",
    }
    if shape != (n, height, width):
        checks.fail(
            f"the images pad_collate returns have shape {shape}, but should be {(n, height, width)} for a batch of "
            f"images of sizes {COLLATE_SHAPES}.",
            hints.get(shape, "(N, the largest height, the largest width) of the batch."),
        )
    if not images.is_floating_point():
        checks.fail(f"the padded images have dtype {images.dtype}, not a float dtype.", "torch.full((...), BLANK).")
    is_image = torch.zeros(images.shape, dtype=torch.bool)
    for i, (image, _) in enumerate(batch):
        h, w = image.shape
        if not torch.equal(images[i, :h, :w], image):
            checks.fail(
                f"image {i} of the batch ({h}x{w}) is not in the top-left corner of its padded image, "
                f"images[{i}, :{h}, :{w}].",
                "copy each image to padded[i, :h, :w].",
            )
        is_image[i, :h, :w] = True
    padding = images[~is_image]
    if not torch.allclose(padding, torch.full_like(padding, blank)):
        if torch.all(padding == 0):
            checks.fail(
                "pad_collate pads with 0. After normalisation 0 is a grey pixel of average brightness, not a blank "
                f"one: a blank pixel is BLANK = {blank:.4g}.",
                "fill the padded tensor with BLANK.",
            )
        checks.fail(
            f"the padding holds values other than BLANK = {blank:.4g}: {padding.unique()[:5].tolist()}.",
            "start from torch.full((N, H, W), BLANK), then copy the images in.",
        )


def _check_sizes(sizes):
    want = torch.tensor(COLLATE_SHAPES)
    if not isinstance(sizes, torch.Tensor):
        checks.fail(
            f"the sizes pad_collate returns are {_describe(sizes)}, not a tensor (N, 2).",
            "torch.tensor([tuple(image.shape) for image in images]).",
        )
    checks.check_shape("the sizes pad_collate returns", sizes, tuple(want.shape))
    if torch.equal(sizes.long(), want.flip(1)):
        checks.fail("the sizes are (width, height): image.shape is (height, width).", "keep image.shape's order.")
    if sizes.is_floating_point() or not torch.equal(sizes.long(), want):
        checks.fail(f"the sizes are {sizes.tolist()}, but should be the images' (height, width): {want.tolist()}.")


def _check_labels(labels):
    want = torch.tensor(COLLATE_LABELS)
    if not isinstance(labels, torch.Tensor):
        checks.fail(
            f"the labels pad_collate returns are {_describe(labels)}, not a tensor.",
            "torch.tensor(labels): the loss needs a tensor of class indices.",
        )
    checks.check_shape("the labels pad_collate returns", labels, tuple(want.shape))
    if labels.is_floating_point():
        checks.fail(f"the labels have dtype {labels.dtype}: cross-entropy needs int64 class indices.")
    if sorted(labels.tolist()) == sorted(COLLATE_LABELS) and labels.tolist() != COLLATE_LABELS:
        checks.fail(
            f"the labels are {labels.tolist()}, not in the batch's order {COLLATE_LABELS}: label i must stay with "
            "image i.",
            "keep the labels in the order of the batch.",
        )
    if labels.tolist() != COLLATE_LABELS:
        checks.fail(f"the labels are {labels.tolist()}, but the batch's labels are {COLLATE_LABELS}.")


def _check_loader_of_crops(RandomCrops, pad_collate, base):
    loader = DataLoader(RandomCrops(base, MIN_SIZE, MAX_SIZE), batch_size=len(base), collate_fn=pad_collate)
    torch.manual_seed(3)
    what = "a DataLoader(RandomCrops(base, 3, 6), batch_size=5, collate_fn=pad_collate)"
    images, sizes, labels = _run(what, "a batch (images, sizes, labels)", lambda: next(iter(loader)))
    if labels.tolist() != BASE_LABELS:
        checks.fail(f"{what} gave the labels {labels.tolist()}, not base's labels {BASE_LABELS}.")
    if tuple(images.shape[1:]) != tuple(sizes.max(dim=0).values.tolist()):
        checks.fail(f"{what} gave images of shape {tuple(images.shape)} for crops of sizes {sizes.tolist()}.")
