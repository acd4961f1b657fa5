"""utils.data_checks: the checks of notebook 06's exercises catch the usual mistakes, each with its own message."""

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Dataset, TensorDataset

from utils import checks, data_checks

g = torch.Generator().manual_seed(0)
IMAGES = torch.randn(10, 8, 8, generator=g)
LABELS = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3]
REFERENCE = [(IMAGES[i], LABELS[i]) for i in range(10)]


class Right(Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, index):
        return IMAGES[index], LABELS[index]


class NoLen(Dataset):
    def __getitem__(self, index):
        return REFERENCE[index]


class OneShort(Right):
    def __len__(self):
        return 9


class ImageOnly(Right):
    def __getitem__(self, index):
        return IMAGES[index]


class NotTransformed(Right):
    def __getitem__(self, index):
        return IMAGES[index].numpy(), LABELS[index]


class Flattened(Right):
    def __getitem__(self, index):
        return IMAGES[index].flatten(), LABELS[index]


class Float64(Right):
    def __getitem__(self, index):
        return IMAGES[index].double(), LABELS[index]


class TextLabel(Right):
    def __getitem__(self, index):
        return IMAGES[index], str(LABELS[index])


class LabelOutOfRange(Right):
    def __getitem__(self, index):
        return IMAGES[index], LABELS[index] + 10 * (index == 1)


class OffByOne(Right):
    def __getitem__(self, index):
        return REFERENCE[(index + 1) % 10]


class IndexOneBased(Right):
    def __getitem__(self, index):
        return REFERENCE[index + 1]  # IndexError for the last item


class TransformedTwice(Right):
    def __getitem__(self, index):
        return (IMAGES[index] - 0.3) / 0.4, LABELS[index]


class Swapped(Right):
    def __getitem__(self, index):
        return LABELS[index], IMAGES[index]


class LenWithoutReturn(Right):
    def __len__(self):
        len(REFERENCE)


class PathWithoutRoot(Right):
    def __getitem__(self, index):
        open(f"no-such-folder-{index}/{index:04d}.png", "rb")


class ImageNotAnArray(Right):
    def __getitem__(self, index):
        return torch.from_numpy(object()), LABELS[index]  # what the transform does to a PIL image


class OtherError(Right):
    def __getitem__(self, index):
        raise ValueError("bad pixel")


def test_a_right_dataset_passes(capsys):
    data_checks.check_dataset("digits", Right(), REFERENCE)
    assert capsys.readouterr().out == (
        "check passed: digits has 10 items; each is (float tensor of shape (8, 8), "
        "label 0..9) and matches the reference\n"
    )


@pytest.mark.parametrize(
    "dataset, message",
    [
        (NoLen(), r"len\(digits\) does not work: TypeError: .*\nHint: define __len__"),
        (LenWithoutReturn(), r"len\(digits\) does not work: TypeError: 'NoneType'.*\nHint: .*`return` the number"),
        (Swapped(), r"digits\[9\] is \(label, image\): the label comes first\.\nHint: return image, label"),
        (PathWithoutRoot(), r"digits\[9\] raised FileNotFoundError: .*\nHint: .*open self.root / name"),
        (ImageNotAnArray(), r"digits\[9\] raised TypeError: expected np.ndarray.*\nHint: .*np.array\(Image.open"),
        (OtherError(), r"digits\[9\] raised ValueError: bad pixel\.\nHint: the traceback above"),
        (OneShort(), r"len\(digits\) is 9 but should be 10\.\nHint: __len__ returns the number of rows of labels.csv"),
        (ImageOnly(), r"digits\[9\] should be a pair \(image, label\), but it is a tensor of shape \(8, 8\)"),
        (
            NotTransformed(),
            r"the image of digits\[9\] is a numpy array of shape \(8, 8\), not a tensor\.\nHint: apply self.transform",
        ),
        (Flattened(), r"the image of digits\[9\] has shape \(64,\) but should be \(8, 8\)"),
        (Float64(), r"the image of digits\[9\] has dtype torch.float64 but should be torch.float32"),
        (TextLabel(), r"the label of digits\[9\] is the text '3', not a number\.\nHint: .*int\(\)"),
        (LabelOutOfRange(), r"the label of digits\[1\] is 11, outside the range 0..9"),
        (OffByOne(), r"(?s)digits\[9\] is not item 9 of labels.csv: expected label 3, got 3; largest.*not index \+ 1"),
        (IndexOneBased(), r"digits\[9\] raised IndexError.*\nHint: indices run from 0 to len - 1 = 9"),
        (TransformedTwice(), r"(?s)digits\[9\] is not item 9 of labels.csv: expected label 3, got 3; largest pixel"),
    ],
)
def test_dataset_mistakes_are_named(dataset, message):
    with pytest.raises(checks.CheckFailed, match=message):
        data_checks.check_dataset("digits", dataset, REFERENCE)


def test_an_error_in_getitem_stays_visible_as_the_cause():
    with pytest.raises(checks.CheckFailed) as info:
        data_checks.check_dataset("digits", OtherError(), REFERENCE)
    assert isinstance(info.value.__cause__, ValueError)


def test_a_type_name_gets_its_article():
    class ImageThenTuple(Right):
        def __getitem__(self, index):
            return 7, LABELS[index]

    with pytest.raises(checks.CheckFailed, match=r"the image of digits\[9\] is an int, not a tensor"):
        data_checks.check_dataset("digits", ImageThenTuple(), REFERENCE)


def test_a_numpy_label_is_accepted(capsys):
    class NumpyLabel(Right):
        def __getitem__(self, index):
            return IMAGES[index], np.int64(LABELS[index])

    data_checks.check_dataset("digits", NumpyLabel(), REFERENCE)
    assert capsys.readouterr().out.startswith("check passed")


TRAIN = TensorDataset(torch.randn(150, 8, 8, generator=g), torch.randint(0, 10, (150,), generator=g))


def make(**options):
    settings = dict(batch_size=64, shuffle=True, drop_last=True, generator=torch.Generator().manual_seed(0))
    settings.update(options)
    return DataLoader(TRAIN, **settings)


def check(loader, pin_memory=False, **options):
    data_checks.check_loader("train_loader", loader, batch_size=64, pin_memory=pin_memory, item_shape=(8, 8), **options)


def test_a_right_loader_passes_and_keeps_its_order(capsys):
    loader, twin = make(), make()
    check(loader)
    assert capsys.readouterr().out.startswith("check passed: train_loader gives 2 shuffled batches of 64")
    assert list(loader.batch_sampler) == list(twin.batch_sampler), "the check must not change the order"


@pytest.mark.parametrize(
    "options, pin_memory, message",
    [
        (dict(batch_size=32), False, r"train_loader.batch_size is 32 but should be 64"),
        (dict(shuffle=False, generator=None), False, r"train_loader does not shuffle.*\nHint: pass shuffle=True"),
        (
            dict(generator=None),
            False,
            r"no generator of its own.*\nHint: pass generator=torch.Generator\(\).manual_seed",
        ),
        (dict(generator=torch.default_generator), False, r"no generator of its own"),
        (dict(drop_last=False), False, r"keeps the last, partial batch of 22 items.*\nHint: pass drop_last=True"),
        (dict(pin_memory=True), False, r"train_loader.pin_memory is True but should be False"),
        (dict(), True, r"train_loader.pin_memory is False but should be True.*\nHint: pass pin_memory=pin_memory"),
    ],
)
def test_loader_mistakes_are_named(options, pin_memory, message):
    with pytest.raises(checks.CheckFailed, match=f"(?s){message}"):
        check(make(**options), pin_memory)


def test_a_sampler_without_a_generator_is_caught():
    loader = DataLoader(
        TRAIN,
        batch_size=64,
        sampler=torch.utils.data.RandomSampler(TRAIN),
        drop_last=True,
        generator=torch.Generator().manual_seed(0),
    )
    with pytest.raises(checks.CheckFailed, match="no generator of its own"):
        check(loader)


def test_a_sampler_with_its_own_seeded_generator_passes(capsys):
    sampler = torch.utils.data.RandomSampler(TRAIN, generator=torch.Generator().manual_seed(0))
    check(DataLoader(TRAIN, batch_size=64, sampler=sampler, drop_last=True), seed=0, dataset=TRAIN)
    assert capsys.readouterr().out.startswith("check passed")


def test_a_sampler_that_ignores_its_generator_is_not_reproducible():
    class Unseeded(torch.utils.data.RandomSampler):
        def __iter__(self):
            return iter(torch.randperm(len(self.data_source)).tolist())

    loader = DataLoader(TRAIN, batch_size=64, sampler=Unseeded(TRAIN, generator=torch.Generator()), drop_last=True)
    with pytest.raises(checks.CheckFailed, match="gave a different order from the same generator state"):
        check(loader)


SPLIT = torch.utils.data.random_split(TRAIN, [130, 20], generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize(
    "dataset, message",
    [
        (
            TRAIN,
            r"train_loader reads a data set of 150 items, not train_set \(130 items\)\.\nHint: give the DataLoader",
        ),
        (SPLIT[1], r"train_loader reads a data set of 20 items, not train_set \(130 items\).*validation"),
    ],
)
def test_a_loader_over_the_wrong_data_is_caught(dataset, message):
    loader = DataLoader(
        dataset, batch_size=64, shuffle=True, drop_last=True, generator=torch.Generator().manual_seed(0)
    )
    with pytest.raises(checks.CheckFailed, match=f"(?s){message}"):
        check(loader, dataset=SPLIT[0])


def test_the_same_split_made_again_is_accepted(capsys):
    again = torch.utils.data.Subset(TRAIN, list(SPLIT[0].indices))
    check(
        DataLoader(again, batch_size=64, shuffle=True, drop_last=True, generator=torch.Generator().manual_seed(0)),
        dataset=SPLIT[0],
    )
    assert capsys.readouterr().out.startswith("check passed")


@pytest.mark.parametrize(
    "generator, message",
    [
        (
            torch.Generator(),
            r"train_loader's generator was seeded with 67280421310721, not with SEED = 0\.\nHint: pass",
        ),
        (torch.Generator().manual_seed(1), r"train_loader's generator was seeded with 1, not with SEED = 0"),
        (0, r"train_loader's generator is an int, not a torch.Generator\.\nHint: pass generator=torch.Generator"),
    ],
)
def test_a_generator_not_seeded_with_seed_is_caught(generator, message):
    with pytest.raises(checks.CheckFailed, match=message):
        check(make(generator=generator), seed=0)


def test_a_loader_whose_order_never_changes_is_caught():
    class SameOrder(torch.utils.data.RandomSampler):
        def __iter__(self):
            return iter(range(len(self.data_source)))

    fixed = DataLoader(TRAIN, batch_size=64, sampler=SameOrder(TRAIN, generator=torch.Generator()), drop_last=True)
    with pytest.raises(checks.CheckFailed, match="gives the same order in every epoch"):
        check(fixed)
