"""utils.data_checks: the wrong answers students write to notebook 06's exercises are caught and named."""

import os
import random
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset, RandomSampler, Subset, TensorDataset, random_split

from utils import checks, data, data_checks

# ---- Exercise 1: Digits ---------------------------------------------------------------------------------------


class Digits(Dataset):
    def __init__(self, root, transform=None):
        self.root = Path(root)
        self.items = data.read_labels(self.root)
        self.transform = transform

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        name, label = self.items[index]
        image = np.array(Image.open(self.root / name))
        if self.transform is not None:
            image = self.transform(image)
        return image, label

    def path(self, index):
        return self.root / self.items[index][0]


def test_the_right_dataset_passes(capsys):
    data_checks.check_dataset(Digits)
    assert capsys.readouterr().out.startswith("check passed: Digits has one item per row of labels.csv")


class NoLenAtAll(Dataset):
    def __init__(self, root, transform=None):
        self.inner = Digits(root, transform)

    def __getitem__(self, index):
        return self.inner[index]


class LenWithoutReturn(Digits):
    def __len__(self):
        len(self.items)


class CountsFiles(Digits):
    def __len__(self):
        return len(os.listdir(self.root))


class LenOneShort(Digits):
    def __len__(self):
        return len(self.items) - 1


class OneBased(Digits):
    def __getitem__(self, index):
        return super().__getitem__(index + 1)


class NameFromIndex(Digits):
    def __getitem__(self, index):
        return np.array(Image.open(self.root / f"{index:04d}.png")), self.items[index][1]


class NoRoot(Digits):
    def __getitem__(self, index):
        name, label = self.items[index]
        return np.array(Image.open(name)), label


class OpensTheFolder(Digits):
    def __getitem__(self, index):
        return np.array(Image.open(self.root)), self.items[index][1]


class PilImage(Digits):
    def __getitem__(self, index):
        image = Image.open(self.path(index))
        return (self.transform(image) if self.transform else image), self.items[index][1]


class PltImread(Digits):
    def __getitem__(self, index):
        image = plt.imread(self.path(index))
        return (self.transform(image) if self.transform else image), self.items[index][1]


class Scaled(Digits):
    def __getitem__(self, index):
        image = np.array(Image.open(self.path(index))) / 255
        return (self.transform(image) if self.transform else image), self.items[index][1]


class Rgb(Digits):
    def __getitem__(self, index):
        image = np.array(Image.open(self.path(index)).convert("RGB"))
        return (self.transform(image) if self.transform else image), self.items[index][1]


class Transposed(Digits):
    def __getitem__(self, index):
        image = np.array(Image.open(self.path(index))).T
        return (self.transform(image) if self.transform else image), self.items[index][1]


class TransformAlways(Digits):
    def __getitem__(self, index):
        return self.transform(np.array(Image.open(self.path(index)))), self.items[index][1]


class TensorWithoutTransform(Digits):
    def __getitem__(self, index):
        image = torch.from_numpy(np.array(Image.open(self.path(index))))
        return (self.transform(image) if self.transform else image), self.items[index][1]


class TransformNever(Digits):
    def __getitem__(self, index):
        return np.array(Image.open(self.path(index))), self.items[index][1]


class TransformTwice(Digits):
    def __getitem__(self, index):
        image, label = super().__getitem__(index)
        return (self.transform(image) if self.transform else image), label


class TransformsTheLabel(Digits):
    def __getitem__(self, index):
        image, label = super().__getitem__(index)
        return image, (self.transform(label) if self.transform else label)


class ChangesTheResult(Digits):
    def __getitem__(self, index):
        image, label = super().__getitem__(index)
        return (image.double() if self.transform else image), label


class Swapped(Digits):
    def __getitem__(self, index):
        image, label = super().__getitem__(index)
        return label, image


class ImageOnly(Digits):
    def __getitem__(self, index):
        return super().__getitem__(index)[0]


class AsDict(Digits):
    def __getitem__(self, index):
        image, label = super().__getitem__(index)
        return {"image": image, "label": label}


class LabelIsIndex(Digits):
    def __getitem__(self, index):
        return super().__getitem__(index)[0], index


class TextLabel(Digits):
    def __getitem__(self, index):
        image, label = super().__getitem__(index)
        return image, str(label)


class NextFile(Digits):
    def __getitem__(self, index):
        return super().__getitem__((index + 1) % len(self.items))


class PathPlusText(Digits):
    def __getitem__(self, index):
        name, label = self.items[index]
        return np.array(Image.open(self.root + name)), label


class NameAndLabelSwapped(Digits):
    def __getitem__(self, index):
        label, name = self.items[index]
        return np.array(Image.open(self.root / name)), label


class LenOfTheFolder(Digits):
    def __len__(self):
        return len(self.root)


class HardCodedLen(Digits):
    def __len__(self):
        return 1797


class RaisesItsOwnError(Digits):
    def __getitem__(self, index):
        raise ValueError("bad pixel")


@pytest.mark.parametrize(
    "wrong, message",
    [
        (NoLenAtAll, r"len\(Digits\(root\)\) raised TypeError.*\nHint: define __len__\(self\)"),
        (LenWithoutReturn, r"len\(Digits\(root\)\) raised TypeError.*\nHint: __len__ must `return`"),
        (CountsFiles, r"len\(Digits\(root\)\) is 7, .*lists 6 items: it counts every file in the folder, labels.csv"),
        (LenOneShort, r"len\(Digits\(root\)\) is 5, but the folder's labels.csv lists 6 items\.\nHint: __len__"),
        (OneBased, r"Digits\(root\)\[5\] raised IndexError.*\nHint: indices run from 0 to len - 1"),
        (NameFromIndex, r"Digits\(root\)\[5\] raised FileNotFoundError.*\nHint: open the file named in self.items"),
        (NoRoot, r"raised FileNotFoundError.*\nHint: open the file named in self.items\[index\], inside the data"),
        (OpensTheFolder, r"raised IsADirectoryError.*\nHint: open the file self.root / name, not the folder"),
        (PilImage, r"the image of Digits\(root\)\[5\] is a PIL image, not an array of pixels"),
        (PltImread, r"dtype float32, not uint8: its pixels are divided by 255\.\nHint: plt.imread gives floats"),
        (Scaled, r"has dtype float64, not uint8: its pixels are divided by 255\.\nHint: the transform divides"),
        (Rgb, r"has shape \(8, 8, 3\), but the file holds \(8, 8\) greyscale pixels\.\nHint: .*no conversion to RGB"),
        (Transposed, r"the image of Digits\(root\)\[5\] is transposed"),
        (TransformAlways, r"raised TypeError.*\nHint: this Digits has no transform \(self.transform is None\)"),
        (TensorWithoutTransform, r"is a tensor, but this Digits has no transform.*\nHint: turning pixels into a"),
        (TransformNever, r"Digits\(root, transform\)\[0\] never calls self.transform"),
        (TransformTwice, r"Digits\(root, transform\)\[0\] calls self.transform 2 times for one item"),
        (TransformsTheLabel, r"Digits\(root, transform\)\[0\] applies the transform to the label"),
        (ChangesTheResult, r"is not what self.transform returned"),
        (Swapped, r"Digits\(root\)\[5\] is \(label, image\): the image comes first"),
        (ImageOnly, r"Digits\(root\)\[5\] is only an image \(a numpy array of shape \(8, 8\)\): the label is missing"),
        (AsDict, r"Digits\(root\)\[5\] should be the pair \(image, label\), but it is a Python dict"),
        (LabelIsIndex, r"the label of Digits\(root\)\[5\] is 5, its index: the label is 1"),
        (TextLabel, r"the label of Digits\(root\)\[5\] is the text '1', not a number"),
        (NextFile, r"the image of Digits\(root\)\[5\] is the file of item 0, k.png, not f.png"),
        (PathPlusText, r"raised TypeError.*\nHint: self.root is a Path: join it to a file name with /"),
        (NameAndLabelSwapped, r"raised TypeError.*\nHint: self.items\[index\] is \(file name, label\), in that order"),
        (
            LenOfTheFolder,
            r"len\(Digits\(root\)\) raised TypeError.*\nThe error itself: TypeError: object of type 'Posix",
        ),
        (HardCodedLen, r"len\(Digits\(root\)\) is 1797, but the folder's labels.csv lists 6 items"),
        (RaisesItsOwnError, r"Digits\(root\)\[5\] raised ValueError instead of returning .*\nThe error itself: Value"),
    ],
    ids=lambda v: getattr(v, "__name__", "message"),
)
def test_dataset_mistakes_are_named(wrong, message):
    with pytest.raises(checks.CheckFailed, match=f"(?s){message}"):
        data_checks.check_dataset(wrong)


def test_an_error_in_getitem_stays_visible_as_the_cause():
    with pytest.raises(checks.CheckFailed) as info:
        data_checks.check_dataset(RaisesItsOwnError)
    assert isinstance(info.value.__cause__, ValueError)


def test_a_pil_image_given_to_a_transform_is_named():
    class PilToTheTransform(Digits):
        def __getitem__(self, index):
            image = Image.open(self.path(index))
            return (self.transform(image) if self.transform else np.array(image)), self.items[index][1]

    with pytest.raises(checks.CheckFailed, match="gives the transform a PIL image"):
        data_checks.check_dataset(PilToTheTransform)


def test_a_label_as_a_numpy_or_tensor_integer_and_a_list_pair_are_accepted(capsys):
    class NumpyLabel(Digits):
        def __getitem__(self, index):
            image, label = super().__getitem__(index)
            return [image, np.int64(label)]

    class TensorLabel(Digits):
        def __getitem__(self, index):
            image, label = super().__getitem__(index)
            return image, torch.tensor(label)

    data_checks.check_dataset(NumpyLabel)
    data_checks.check_dataset(TensorLabel)
    assert capsys.readouterr().out.count("check passed") == 2


# ---- Exercise 2: train_loader ---------------------------------------------------------------------------------

g = torch.Generator().manual_seed(0)
ALL = TensorDataset(torch.randn(150, 8, 8, generator=g), torch.randint(0, 10, (150,), generator=g))
TRAIN, VAL = random_split(ALL, [130, 20], generator=torch.Generator().manual_seed(0))


def make(dataset=TRAIN, **options):
    settings = dict(batch_size=64, shuffle=True, drop_last=True, generator=torch.Generator().manual_seed(0))
    settings.update(options)
    return DataLoader(dataset, **settings)


def check(loader, pin_memory=False, seed=0):
    data_checks.check_loader(loader, TRAIN, pin_memory, seed)


def test_the_right_loader_passes_and_keeps_its_order(capsys):
    loader, twin = make(), make()
    check(loader)
    assert capsys.readouterr().out.startswith("check passed: train_loader gives 2 shuffled batches of 64")
    assert list(loader.batch_sampler) == list(twin.batch_sampler), "the check must not change the order"


class SameOrder(RandomSampler):
    def __iter__(self):
        return iter(range(len(self.data_source)))


class IgnoresItsGenerator(RandomSampler):
    def __iter__(self):
        return iter(torch.randperm(len(self.data_source)).tolist())


@pytest.mark.parametrize(
    "loader, pin_memory, message",
    [
        (iter(make()), False, r"train_loader is an object of type _SingleProcessDataLoaderIter, not a DataLoader"),
        (make(ALL), False, r"train_loader reads all 150 digits, the validation digits included"),
        (make(VAL), False, r"train_loader reads 20 digits that are not in train_set: the validation digits\?"),
        (make(TensorDataset(torch.zeros(130, 8, 8))), False, r"reads a data set of 130 items, not train_set"),
        (make(num_workers=2), False, r"starts 2 worker processes\. Digits is defined in this notebook.*spawned"),
        (make(batch_size=32), False, r"train_loader.batch_size is 32 but should be 64"),
        (make(shuffle=False, generator=None), False, r"train_loader does not shuffle.*\nHint: shuffle=True"),
        (make(generator=None), False, r"no generator of its own.*\nHint: pass generator=..., a torch.Generator"),
        (make(generator=torch.manual_seed(0)), False, r"generator is torch's global one.*torch.manual_seed\(SEED\)"),
        (make(generator=torch.Generator()), False, r"seeded with 67280421310721, not with SEED = 0"),
        (make(generator=torch.Generator().manual_seed(1)), False, r"seeded with 1, not with SEED = 0"),
        (make(generator=0), False, r"train_loader's generator is a Python int, not a torch.Generator"),
        (make(drop_last=False), False, r"keeps the last, partial batch of 2 items.*\nHint: drop_last=True"),
        (make(pin_memory=True), False, r"train_loader.pin_memory is True but should be False"),
        (make(), True, r"train_loader.pin_memory is False but should be True.*\nHint: pin_memory=pin_memory"),
        (
            DataLoader(TRAIN, batch_size=64, sampler=RandomSampler(TRAIN), drop_last=True),
            False,
            r"no generator of its own",
        ),
        (
            DataLoader(TRAIN, batch_size=64, sampler=IgnoresItsGenerator(TRAIN, generator=g), drop_last=True),
            False,
            r"gave a different order from the same generator state",
        ),
        (
            DataLoader(
                TRAIN,
                batch_size=64,
                sampler=SameOrder(TRAIN, generator=torch.Generator().manual_seed(0)),
                drop_last=True,
            ),
            False,
            r"gives the same order in every epoch",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_loader_mistakes_are_named(loader, pin_memory, message):
    with pytest.raises(checks.CheckFailed, match=f"(?s){message}"):
        check(loader, pin_memory)


def test_a_sampler_with_its_own_seeded_generator_and_the_same_split_made_again_pass(capsys):
    sampler = RandomSampler(TRAIN, generator=torch.Generator().manual_seed(0))
    check(DataLoader(TRAIN, batch_size=64, sampler=sampler, drop_last=True))
    check(make(Subset(ALL, list(TRAIN.indices))))
    assert capsys.readouterr().out.count("check passed") == 2


def test_an_error_while_reading_a_batch_is_a_lesson():
    class Broken(Dataset):
        def __len__(self):
            return 130

        def __getitem__(self, index):
            return torch.zeros(8, 8) @ torch.zeros(3, 3), 0

    broken = Subset(Broken(), list(TRAIN.indices))
    loader = DataLoader(broken, batch_size=64, shuffle=True, drop_last=True, generator=torch.Generator().manual_seed(0))
    with pytest.raises(checks.CheckFailed, match=r"(?s)next\(iter\(train_loader\)\) raised RuntimeError.*shapes"):
        data_checks.check_loader(loader, broken, False, 0)


# ---- Exercise 3: RandomCrops and pad_collate ------------------------------------------------------------------

BLANK = -0.8


class RandomCrops(Dataset):
    def __init__(self, base, min_size, max_size):
        self.base = base
        self.min_size, self.max_size = min_size, max_size

    def __len__(self):
        return len(self.base)

    def draw(self, image):
        height, width = image.shape
        side = int(torch.randint(self.min_size, self.max_size + 1, ()))
        top = int(torch.randint(0, height - side + 1, ()))
        left = int(torch.randint(0, width - side + 1, ()))
        return side, side, top, left

    def __getitem__(self, index):
        image, label = self.base[index]
        h, w, top, left = self.draw(image)
        return image[top : top + h, left : left + w], label


def pad_collate(batch):
    images, labels = zip(*batch)
    sizes = torch.tensor([image.shape for image in images])
    height, width = sizes.max(dim=0).values.tolist()
    padded = torch.full((len(images), height, width), BLANK)
    for i, image in enumerate(images):
        padded[i, : image.shape[0], : image.shape[1]] = image
    return padded, sizes, torch.tensor(labels)


def test_the_right_crops_and_collate_pass(capsys):
    data_checks.check_random_crops(RandomCrops, pad_collate, BLANK)
    assert capsys.readouterr().out.startswith("check passed: RandomCrops gives square crops of every side")


class LenOfMaxSize(RandomCrops):
    def __len__(self):
        return self.max_size


class ExclusiveSide(RandomCrops):
    def draw(self, image):
        side = int(torch.randint(self.min_size, self.max_size, ()))
        return side, side, int(torch.randint(0, image.shape[0] - side + 1, ())), int(torch.randint(0, 2, ()))


class ExclusivePlace(RandomCrops):
    def draw(self, image):
        side = int(torch.randint(self.min_size, self.max_size + 1, ()))
        top = int(torch.randint(0, image.shape[0] - side, ()))
        left = int(torch.randint(0, image.shape[1] - side, ()))
        return side, side, top, left


class NotSquare(RandomCrops):
    def draw(self, image):
        h, w = (int(torch.randint(self.min_size, self.max_size + 1, ())) for _ in range(2))
        return h, w, int(torch.randint(0, 7 - h + 1, ())), int(torch.randint(0, 9 - w + 1, ()))


class HeightFromWidth(RandomCrops):
    def draw(self, image):
        height, width = image.shape
        side = int(torch.randint(self.min_size, self.max_size + 1, ()))
        return side, side, int(torch.randint(0, width - side + 1, ())), int(torch.randint(0, height - side + 1, ()))


class DigitSized(RandomCrops):
    def draw(self, image):
        side = int(torch.randint(self.min_size, self.max_size + 1, ()))
        return side, side, int(torch.randint(0, 8 - side + 1, ())), int(torch.randint(0, 8 - side + 1, ()))


class PythonRandom(RandomCrops):
    def draw(self, image):
        side = random.randint(self.min_size, self.max_size)
        return side, side, random.randint(0, 7 - side), random.randint(0, 9 - side)


class NumpyRandom(RandomCrops):
    def draw(self, image):
        side = np.random.randint(self.min_size, self.max_size + 1)
        return side, side, np.random.randint(0, 8 - side), np.random.randint(0, 10 - side)


class OwnGenerator(RandomCrops):
    def __init__(self, base, min_size, max_size):
        super().__init__(base, min_size, max_size)
        self.g = torch.Generator().manual_seed(0)


class OwnNumpyGenerator(RandomCrops):
    def __init__(self, base, min_size, max_size):
        super().__init__(base, min_size, max_size)
        self.rng = np.random.default_rng(0)


class DrawnOnce(RandomCrops):
    def __init__(self, base, min_size, max_size):
        super().__init__(base, min_size, max_size)
        self.place = RandomCrops.draw(self, torch.zeros(7, 9))

    def draw(self, image):
        return self.place


class ReseededEachCall(RandomCrops):
    def draw(self, image):
        torch.manual_seed(0)
        return super().draw(image)


class AlwaysTopLeft(RandomCrops):
    def draw(self, image):
        side = int(torch.randint(self.min_size, self.max_size + 1, ()))
        return side, side, 0, 0


class LabelIsIndex(RandomCrops):
    def __getitem__(self, index):
        return super().__getitem__(index)[0], index


class Flipped(RandomCrops):
    def __getitem__(self, index):
        crop, label = super().__getitem__(index)
        return crop.flip(0), label


class NumpyCrop(RandomCrops):
    def __getitem__(self, index):
        crop, label = super().__getitem__(index)
        return crop.numpy(), label


class WithAChannel(RandomCrops):
    def __getitem__(self, index):
        crop, label = super().__getitem__(index)
        return crop.unsqueeze(0), label


class ChangesTheBase(RandomCrops):
    def __getitem__(self, index):
        crop, label = super().__getitem__(index)
        crop -= 1.0  # "normalised" in place: the crop is a view of the base's image
        return crop, label


class RandintWithoutSize(RandomCrops):
    def draw(self, image):
        side = int(torch.randint(self.min_size, self.max_size + 1))
        return side, side, 0, 0


class RowsSlicedTwice(RandomCrops):
    def __getitem__(self, index):
        image, label = self.base[index]
        _, _, top, left = self.draw(image)
        return image[top : top + 3][left : left + 3], label


class SideFromMinPlusOne(RandomCrops):
    def draw(self, image):
        side = int(torch.randint(self.min_size, self.max_size, ())) + 1
        return side, side, int(torch.randint(0, 7 - side + 1, ())), int(torch.randint(0, 9 - side + 1, ()))


class PlaceForTheLargestSide(RandomCrops):
    def draw(self, image):
        side = int(torch.randint(self.min_size, self.max_size + 1, ()))
        top = int(torch.randint(0, image.shape[0] - self.max_size + 1, ()))
        return side, side, top, int(torch.randint(0, image.shape[1] - self.max_size + 1, ()))


class InitKeepsNothing(RandomCrops):
    def __init__(self, base, min_size, max_size):
        pass


class RaisesAShapeError(RandomCrops):
    def __getitem__(self, index):
        image, label = self.base[index]
        return image @ image, label


@pytest.mark.parametrize(
    "wrong, message",
    [
        (LenOfMaxSize, r"len\(RandomCrops\(base, 3, 6\)\) is 6, but base has 5 items"),
        (ExclusiveSide, r"never gives crops of side max_size = 6 .*\nHint: torch.randint\(low, high, \(\)\) never"),
        (ExclusivePlace, r"no crop ever touches the bottom or right edge of the image.*height - side \+ 1"),
        (NotSquare, r"the crop of RandomCrops\(base, 3, 6\)\[\d\] is \dx\d, not square"),
        (HeightFromWidth, r"is \dx\d, not square.*keep the crop inside the image.*= image.shape"),
        (DigitSized, r"is \dx\d, not square.*keep the crop inside the image"),
        (PythonRandom, r"torch.manual_seed did not make the crops repeat.*\nHint: draw with torch.randint"),
        (NumpyRandom, r"torch.manual_seed did not make the crops repeat"),
        (OwnGenerator, r"keeps a generator of its own, self.g\. Each DataLoader worker gets a copy"),
        (OwnNumpyGenerator, r"keeps a generator of its own, self.rng"),
        (DrawnOnce, r"gives each item the same crop every time: the crop is drawn once"),
        (ReseededEachCall, r"gives each item the same crop every time.*seeded again at each call"),
        (AlwaysTopLeft, r"RandomCrops always crops the top-left corner"),
        (LabelIsIndex, r"the label of RandomCrops\(base, 3, 6\)\[0\] is 0, but base\[0\]'s label is 6"),
        (Flipped, r"is not a part of base\[index\]'s image"),
        (NumpyCrop, r"is a numpy array of shape \(\d, \d\), but should be a 2-D tensor"),
        (WithAChannel, r"is a tensor of shape \(1, \d, \d\), but should be a 2-D tensor"),
        (ChangesTheBase, r"RandomCrops\(base, 3, 6\)\[0\] changed base\[0\].s image in place"),
        (RandintWithoutSize, r"raised TypeError.*\nHint: torch.randint needs a size"),
        (RowsSlicedTwice, r"is \dx9: it keeps the image's whole width.*\nHint: slice both dimensions in one index"),
        (SideFromMinPlusOne, r"never gives crops of side min_size = 3.*\nHint: draw the side from self.min_size"),
        (PlaceForTheLargestSide, r"crops of side 3 never reach the bottom or the right edge of the image, though"),
        (InitKeepsNothing, r"raised AttributeError.*\nHint: __init__ keeps, as attributes of self"),
        (RaisesAShapeError, r"(?s)raised RuntimeError.*Hint: .*two tensors' shapes.*The error itself: RuntimeError"),
    ],
    ids=lambda v: getattr(v, "__name__", "message"),
)
def test_random_crops_mistakes_are_named(wrong, message):
    with pytest.raises(checks.CheckFailed, match=f"(?s){message}"):
        data_checks.check_random_crops(wrong, pad_collate, BLANK)


def collate(height=None, width=None, fill=BLANK, place="top-left", sizes="hw", labels="tensor", count=3):
    """Returns a pad_collate with one of the classic slips."""

    def pad(batch):
        images, names = zip(*batch)
        h = height or max(image.shape[0] for image in images)
        w = width or max(image.shape[1] for image in images)
        if height == "square":
            h = w = max(max(image.shape) for image in images)
        padded = torch.full((len(images), h, w), fill)
        for i, image in enumerate(images):
            top, left = ((h - image.shape[0]) // 2, (w - image.shape[1]) // 2) if place == "centre" else (0, 0)
            padded[i, top : top + image.shape[0], left : left + image.shape[1]] = image
        shapes = [tuple(image.shape) for image in images]
        size_values = {
            "hw": torch.tensor(shapes),
            "wh": torch.tensor([s[::-1] for s in shapes]),
            "list": shapes,
        }[sizes]
        label_values = {
            "tensor": torch.tensor(names),
            "list": list(names),
            "sorted": torch.tensor(sorted(names)),
            "float": torch.tensor(names, dtype=torch.float32),
        }[labels]
        return (padded, size_values, label_values)[:count] if count != 2 else (padded, label_values)

    return pad


def stacks_directly(batch):
    images, labels = zip(*batch)
    return torch.stack(images), None, torch.tensor(labels)


def copies_into_a_swapped_slot(batch):
    images, labels = zip(*batch)
    padded = torch.full((len(images), 6, 7), BLANK)
    for i, image in enumerate(images):
        padded[i, : image.shape[1], : image.shape[0]] = image
    return padded, torch.tensor([image.shape for image in images]), torch.tensor(labels)


def swapped_height_and_width(batch):
    images, labels = zip(*batch)
    padded = torch.full((len(images), 7, 6), BLANK)
    return padded, torch.tensor([image.shape for image in images]), torch.tensor(labels)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (stacks_directly, r"pad_collate\(batch\) raised RuntimeError.*\nHint: torch.stack needs images of one size"),
        (copies_into_a_swapped_slot, r"raised RuntimeError.*\nHint: copy each image into a slot of its own size"),
        (collate(fill=0.0), r"pad_collate pads with 0\. After normalisation 0 is a grey pixel"),
        (collate(fill=1.0), r"the padding holds values other than BLANK = -0.8: \[1.0\]"),
        (collate(height=8, width=8), r"shape \(4, 8, 8\), but should be \(4, 6, 7\).*\nHint: it pads to 8x8"),
        (collate(height="square"), r"shape \(4, 7, 7\).*\nHint: the largest height and the largest width are two"),
        (swapped_height_and_width, r"shape \(4, 7, 6\).*\nHint: height and width are swapped"),
        (collate(place="centre"), r"image 0 of the batch \(3x5\) is not in the top-left corner"),
        (collate(count=2), r"pad_collate returned 2 value\(s\), but should return 3: images, sizes, labels"),
        (collate(labels="list"), r"the labels pad_collate returns are a Python list, not a tensor"),
        (collate(sizes="list"), r"the sizes pad_collate returns are a Python list, not a tensor \(N, 2\)"),
        (collate(sizes="wh"), r"the sizes are \(width, height\): image.shape is \(height, width\)"),
        (collate(labels="sorted"), r"the labels are \[1, 4, 7, 9\], not in the batch's order \[4, 7, 1, 9\]"),
        (collate(labels="float"), r"the labels have dtype torch.float32: cross-entropy needs int64"),
    ],
)
def test_pad_collate_mistakes_are_named(wrong, message):
    with pytest.raises(checks.CheckFailed, match=f"(?s){message}"):
        data_checks.check_random_crops(RandomCrops, wrong, BLANK)


def test_the_checks_data_shows_the_mistakes():
    """The base is not square and its pixels are unique; the collate batch has unequal heights and widths."""
    base = data_checks.Images()
    assert base.images[0].shape == (7, 9) and len(torch.cat([im.flatten() for im in base.images]).unique()) == 315
    shapes = data_checks.COLLATE_SHAPES
    assert max(h for h, _ in shapes) != max(w for _, w in shapes)
    assert all(label != index for index, label in enumerate(data_checks.BASE_LABELS))
    assert all(label != index for index, label in enumerate(data_checks.LABELS))
