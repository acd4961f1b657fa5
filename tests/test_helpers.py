"""utils.seeding, utils.timing, utils.plot, and that importing utils has no side effects."""

import random
import subprocess
import sys

import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("Agg")  # only for this test process; the notebooks keep the inline backend
from utils import plot, seeding, timing


def test_seed_all_repeats_every_generator():
    def draw():
        g = seeding.seed_all(7)
        return random.random(), np.random.rand(), torch.rand(1).item(), torch.rand(1, generator=g).item()

    assert draw() == draw()
    assert seeding.seed_all(8).initial_seed() == 8


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True])
def test_seed_all_rejects_bad_seeds(bad):
    with pytest.raises(ValueError, match="seed must be a non-negative whole number"):
        seeding.seed_all(bad)


def test_seconds_per_call_runs_warmup_and_repeats():
    calls = []
    seconds = timing.seconds_per_call(lambda: calls.append(1), torch.device("cpu"), repeats=3, warmup=2)
    assert len(calls) == 5 and 0 <= seconds < 1
    with pytest.raises(ValueError, match="repeats must be at least 1"):
        timing.seconds_per_call(lambda: None, "cpu", repeats=0)


def test_loss_curve_draws_the_values_on_a_log_scale():
    ax = plot.loss_curve([100.0, 10.0, 1.0], label="sgd")
    plot.loss_curve(torch.tensor([50.0, 5.0]), ax=ax, label="adam")
    assert ax.get_yscale() == "log" and len(ax.lines) == 2
    assert list(ax.lines[0].get_ydata()) == [100.0, 10.0, 1.0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["sgd", "adam"]
    assert tuple(ax.figure.get_size_inches()) == plot.FIGSIZE


def test_loss_curve_explains_bad_input():
    with pytest.raises(ValueError, match="got no losses"):
        plot.loss_curve([])
    with pytest.raises(ValueError, match="learning rate is too large"):
        plot.loss_curve([1.0, float("nan")])
    assert plot.loss_curve([1.0, 0.0], log_scale=False).get_yscale() == "linear"


def test_importing_utils_prints_and_seeds_nothing():
    code = (
        "import torch; torch.manual_seed(123); a = torch.rand(1).item(); torch.manual_seed(123); "
        "import utils.checks, utils.device, utils.plot, utils.seeding, utils.timing; "
        "assert torch.rand(1).item() == a"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


def test_loss_curve_keeps_the_title_when_adding_to_an_axes():
    ax = plot.loss_curve([3.0, 2.0], title="Two curves", label="a")
    plot.loss_curve([4.0, 1.0], ax=ax, label="b")
    assert ax.get_title() == "Two curves"
    assert plot.loss_curve([1.0]).get_title() == "Training loss"
