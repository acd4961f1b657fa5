"""utils.autograd_checks: a correct Function passes; each classic mistake is caught with its own message."""

import re
import warnings

import pytest
import torch

from utils import autograd_checks, checks


def relu_function(backward, save=True):
    """Returns a MyReLU Function class whose forward is right and whose backward(ctx, g, x) is given."""

    class MyReLU(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            if save:
                ctx.save_for_backward(x)
            else:
                ctx.x = x  # stored as an attribute instead: autograd does not track it
            return x.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors if save else (ctx.x,)
            return backward(ctx, grad_output, x)

    return MyReLU


def sigmoid_function(backward, save="output"):
    """Returns a MySigmoid Function class whose backward(ctx, g, saved) is given; save: "output", "input" or None."""

    class MySigmoid(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            s = 1 / (1 + torch.exp(-x))
            if save:
                ctx.save_for_backward(s if save == "output" else x)
            return s

        @staticmethod
        def backward(ctx, grad_output):
            (saved,) = ctx.saved_tensors  # fails when nothing was saved
            return backward(ctx, grad_output, saved)

    return MySigmoid


def right_relu_backward(ctx, g, x):
    grad_input = g.clone()
    grad_input[x < 0] = 0
    return grad_input


def masked(g, mask):
    grad_input = g.clone()
    grad_input[mask] = 0
    return grad_input


def right_sigmoid_backward(ctx, g, s):
    return g * s * (1 - s)


def trained(seed=0, steps=60, append=lambda loss: loss.item(), update="in place", zero=True):
    """Returns (losses, first_loss, weights) of a small two-layer net trained as Exercise 1 of notebook 02 asks,
    or with one of the classic mistakes."""
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randn(8, 5, generator=g), torch.randn(8, 2, generator=g)
    w1 = (torch.randn(5, 4, generator=g) * 0.3).requires_grad_()
    w2 = (torch.randn(4, 2, generator=g) * 0.3).requires_grad_()
    first_loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum().item()
    losses = []
    try:
        for _ in range(steps):
            loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()
            losses.append(append(loss))
            loss.backward()
            if update == "in place":
                with torch.no_grad():
                    w1 -= 0.05 * w1.grad
                    w2 -= 0.05 * w2.grad
            elif update == "new tensor, no_grad":
                with torch.no_grad():
                    w1, w2 = w1 - 0.05 * w1.grad, w2 - 0.05 * w2.grad
            else:  # "new tensor, recorded"
                w1, w2 = w1 - 0.05 * w1.grad, w2 - 0.05 * w2.grad
            if zero:
                with warnings.catch_warnings():  # "The .grad attribute of a Tensor that is not a leaf ..."
                    warnings.simplefilter("ignore")
                    w1.grad.zero_()  # AttributeError after a new-tensor update: w1.grad is None
                    w2.grad.zero_()
    except AttributeError:  # the loop stops, as in the notebook
        pass
    return losses, first_loss, {"w1": w1, "w2": w2}


def test_right_training_loop_passes(capsys):
    losses, first, weights = trained()
    autograd_checks.check_autograd_training(losses, 60, first, weights, bound=1.0)
    assert capsys.readouterr().out.splitlines() == [
        "check passed: one loss recorded per iteration",
        "check passed: losses[0] matches the loss of section 2 (relative error below 1e-06)",
        "check passed: the autograd loss after 60 iterations is below 1e+00",
    ]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(update="new tensor, no_grad"), "w1 no longer requires grad: `w1 = w1 - ...` under torch.no_grad()"),
        (dict(update="new tensor, recorded"), "w1 is no longer a leaf: `w1 = w1 - ...` outside torch.no_grad()"),
        (dict(append=lambda loss: loss), "losses holds tensors (losses[0] is a Tensor), not numbers"),
        (dict(steps=30), "losses has 30 entries, not 60.\nHint: did the loop stop with an error?"),
        (dict(zero=False), "the autograd loss after 60 iterations should be below 1e+00, but it is nan"),
    ],
)
def test_training_loop_mistakes_are_named(kwargs, message):
    losses, first, weights = trained(**kwargs)
    with pytest.raises(checks.CheckFailed, match=re.escape(message)):
        autograd_checks.check_autograd_training(losses, 60, first, weights, bound=1.0)


def test_training_loop_extra_entries_and_wrong_start_are_named():
    losses, first, weights = trained()
    with pytest.raises(checks.CheckFailed, match=r"losses has 61 entries, not 60(?s:.*)running it again starts"):
        autograd_checks.check_autograd_training(losses + [0.0], 60, first, weights, bound=1.0)
    with pytest.raises(checks.CheckFailed, match=r"losses\[0\] does not match the loss of section 2"):
        autograd_checks.check_autograd_training(losses, 60, 2 * first, weights, bound=1.0)


def autograd_grads(point):
    a, b, c = (torch.tensor(value, dtype=torch.float64, requires_grad=True) for value in point)
    ((a * b + c) ** 2).backward()
    return a.grad, b.grad, c.grad


POINT = (2.0, -3.0, 4.0)


def test_right_grads_by_hand_pass(capsys):
    def right(a, b, c):
        u = a * b + c
        return 2 * u * b, 2 * u * a, 2 * u

    for point in [POINT, (0.5, 1.5, -0.25)]:
        autograd_checks.check_grads_by_hand(right, point, autograd_grads(point))
    out = capsys.readouterr().out.splitlines()
    assert (
        out[:2]
        == [
            "check passed: grads_by_hand(2.0, -3.0, 4.0) returns three numbers",
            "check passed: (df/da, df/db, df/dc) at (a, b, c) = (2.0, -3.0, 4.0) matches autograd's "
            "gradients (relative error below 1e-12, shape (3,))",
        ]
        and len(out) == 4
    )


@pytest.mark.parametrize(
    "grads, message",
    [
        (lambda a, b, c: ((a * b + c) * b, (a * b + c) * a, a * b + c), "half of autograd's"),
        (lambda a, b, c: (b, a, 1), "without the outer derivative"),
        (lambda a, b, c: (2 * b, 2 * a, 2), "the outer derivative df/du is 2u, not 2"),
        (lambda a, b, c: (2 * (a * b + c) * a, 2 * (a * b + c) * b, 2 * (a * b + c)), "df/da and df/db are swapped"),
        (lambda a, b, c: (1.0, 2.0, 3.0), "does not match autograd's gradients: relative error"),
        (lambda a, b, c: 2 * (a * b + c), "returned -4.0, not three numbers"),
        (lambda a, b, c: (1.0, "2", None), "its three values should be numbers"),
    ],
)
def test_grads_by_hand_mistakes_are_named(grads, message):
    with pytest.raises(checks.CheckFailed, match=re.escape(message)):
        autograd_checks.check_grads_by_hand(grads, POINT, autograd_grads(POINT))
