"""Checks for notebook 01's exercises: the two-layer net's forward pass, its backward pass, and a timed training loop.

Each check runs the student's functions on data of its own (odd sizes, so a transposed product shows up as a
wrong shape), compares with a reference, and when the numbers match a classic mistake it names that mistake:
the mean where the lecture sums, a ReLU done in place on h, h where h_relu belongs, a missing factor 2, the mask
on the wrong tensor, a `.to(device)` that trained the caller's weights, a clock read without synchronising.
Failures go through checks.fail; errors raised by the student's code through checks.running.
"""

import inspect
import re
import time

import numpy as np
import torch

from utils import checks

SIZES = {"N": 5, "D_in": 7, "H": 6, "D_out": 3}  # all different, so every transpose changes a shape
SHAPES = "x is (N, D_in), w1 (D_in, H), w2 (H, D_out): h = x w1 is (N, H), and y_pred = h_relu w2 is (N, D_out)"


def sample(dtype=torch.float64, seed=0):
    """Returns x, y, w1, w2 of the check's sizes, drawn on a seeded CPU generator, with both signs in h."""
    g = torch.Generator().manual_seed(seed)
    n, d_in, h, d_out = SIZES.values()
    return tuple(
        torch.randn(*shape, generator=g, dtype=dtype) for shape in ((n, d_in), (n, d_out), (d_in, h), (h, d_out))
    )


def _reference(x, y, w1, w2):
    h = x @ w1
    h_relu = torch.relu(h)
    y_pred = h_relu @ w2
    grad_y_pred = 2.0 * (y_pred - y)
    grad_h = grad_y_pred @ w2.t() * (h > 0)
    return {"h": h, "h_relu": h_relu, "y_pred": y_pred, "grad_w2": h_relu.t() @ grad_y_pred, "grad_w1": x.t() @ grad_h}


def _same(a, b, tol=1e-9):
    return tuple(a.shape) == tuple(b.shape) and checks.rel_error(a, b) < tol


def _tensors(name, values, names):
    """Returns `values` as a tuple of tensors named `names`; fails naming what is missing or of the wrong kind."""
    if not isinstance(values, tuple) or len(values) != len(names):
        count = len(values) if isinstance(values, tuple) else 1
        checks.fail(f"{name} returned {count} value(s), but should return {len(names)}: {', '.join(names)}.")
    for part, value in zip(names, values):
        if isinstance(value, np.ndarray):
            checks.fail(
                f"{part} is a numpy array.", "use torch operations (x.mm(w1), h.clamp(min=0)): they run on a GPU."
            )
        if not isinstance(value, torch.Tensor):
            checks.fail(f"{part} should be a torch tensor, but it is {type(value).__name__}.")
    return values


def check_forward(forward, sum_squares):
    """Returns None; prints "check passed" when forward(x, w1, w2) and sum_squares(y_pred, y) compute the lecture's."""
    x, y, w1, w2 = sample()
    inputs = [t.clone() for t in (x, w1, w2)]
    ref = _reference(x, y, w1, w2)
    with checks.running("forward(x, w1, w2)", expected="h, h_relu, y_pred", cause=SHAPES):
        out = forward(x, w1, w2)
    h, h_relu, y_pred = _tensors("forward", out, ("h", "h_relu", "y_pred"))
    for name, got in (("h", h), ("h_relu", h_relu), ("y_pred", y_pred)):
        checks.check_shape(name, got, ref[name].shape, hint=SHAPES)
    if not all(torch.equal(a, b) for a, b in zip(inputs, (x, w1, w2))):
        checks.fail("forward changed one of its inputs x, w1 or w2 in place.", "compute new tensors from them.")
    if _same(h_relu, ref["h"]):
        checks.fail("h_relu has negative entries: the ReLU was not applied.", "h_relu = h.clamp(min=0).")
    if h is h_relu or _same(h, ref["h_relu"]):
        checks.fail(
            "h has no negative entries: the ReLU changed h itself.",
            "the backward pass needs h as it was before the ReLU: make h_relu a new tensor, h.clamp(min=0), "
            "instead of changing h in place (h[h < 0] = 0, h.clamp_(min=0)).",
        )
    if not _same(h, ref["h"]):
        checks.fail("h does not match x w1.", "h = x.mm(w1) (or x @ w1), before any ReLU.")
    if not _same(h_relu, ref["h_relu"]):
        checks.fail("h_relu does not match ReLU(h).", "ReLU keeps the positive entries and sets the others to 0.")
    if _same(y_pred, ref["h"] @ w2):
        checks.fail("y_pred is h w2: it skips the ReLU.", "multiply h_relu, not h, by w2.")
    if not _same(y_pred, ref["y_pred"]):
        checks.fail("y_pred does not match h_relu w2.", SHAPES)
    _check_loss(sum_squares, ref["y_pred"], y)
    print("check passed: forward computes h, h_relu and y_pred as the numpy version does, sum_squares the loss")


def _check_loss(sum_squares, y_pred, y):
    with checks.running("sum_squares(y_pred, y)", expected="one number in a tensor"):
        loss = sum_squares(y_pred.clone(), y.clone())
    if isinstance(loss, (float, int)):
        checks.fail(
            "sum_squares returned a Python number, not a tensor.",
            "keep the loss a tensor (no .item()): notebook 02 calls loss.backward() on it; .item() is for printing.",
        )
    (loss,) = _tensors("sum_squares", (loss,), ("the loss",))
    if loss.numel() != 1:
        checks.fail(f"the loss has shape {tuple(loss.shape)}: it should be one number.", "add .sum() at the end.")
    diff = y_pred - y
    mistakes = {
        "it is the mean of the squared differences; the lecture's loss is their sum: .pow(2).sum().": diff.pow(
            2
        ).mean(),
        "it is the length of the difference, the square root of the loss: drop the sqrt (or .norm()).": diff.norm(),
        "it sums the differences without squaring them: (y_pred - y).pow(2).sum().": diff.sum(),
        "it sums the absolute differences: square them instead, .pow(2).": diff.abs().sum(),
        "it is half the loss: the lecture's loss has no 1/2.": 0.5 * diff.pow(2).sum(),
    }
    got = float(loss.detach().reshape(()))
    for mistake, value in mistakes.items():
        if abs(got - float(value)) <= 1e-9 * max(1.0, abs(float(value))):
            checks.fail(
                f"sum_squares gives {got:.6g}, not the sum of squared errors {float(diff.pow(2).sum()):.6g}: " + mistake
            )
    checks.compare("the loss", loss.reshape(()), diff.pow(2).sum(), tol=1e-9, against="the sum of squared errors")


def check_backward(backward):
    """Returns None; prints "check passed" when backward(x, y, w2, h, h_relu, y_pred) returns the true gradients."""
    x, y, w1, w2 = sample()
    ref = _reference(x, y, w1, w2)
    given = [x, y, w2, ref["h"], ref["h_relu"], ref["y_pred"]]
    kept = [t.clone() for t in given]
    with checks.running("backward(x, y, w2, h, h_relu, y_pred)", expected="grad_w1, grad_w2", cause=SHAPES):
        out = backward(*given)
    grad_w1, grad_w2 = _tensors("backward", out, ("grad_w1", "grad_w2"))
    if tuple(grad_w1.shape) == tuple(w2.shape) and tuple(grad_w2.shape) == tuple(w1.shape):
        checks.fail("backward returned grad_w2 first: return grad_w1, grad_w2 in that order.")
    checks.check_shape("grad_w2", grad_w2, w2.shape)
    checks.check_shape("grad_w1", grad_w1, w1.shape)
    changed = [n for n, a, b in zip(("x", "y", "w2", "h", "h_relu", "y_pred"), kept, given) if not torch.equal(a, b)]
    if changed:
        checks.fail(
            f"backward changed {', '.join(changed)} in place.",
            "start from a copy before you zero entries: grad_h = grad_h_relu.clone().",
        )
    grad_y = 2.0 * (ref["y_pred"] - y)
    _diagnose(
        "grad_w2",
        grad_w2,
        ref["grad_w2"],
        {
            "it is half the true gradient: the derivative of (y_pred - y)^2 is 2 (y_pred - y).": ref["grad_w2"] / 2,
            "its sign is flipped: grad_y_pred = 2 (y_pred - y), not 2 (y - y_pred).": -ref["grad_w2"],
            "it uses h where h_relu belongs: y_pred = h_relu w2, so grad_w2 = h_relu^T grad_y_pred.": ref["h"].t()
            @ grad_y,
        },
    )
    unmasked = x.t() @ (grad_y @ w2.t())
    _diagnose(
        "grad_w1",
        grad_w1,
        ref["grad_w1"],
        {
            "the ReLU's mask is missing: the gradient is zero wherever h < 0.": unmasked,
            "the mask is inverted: it keeps the entries where h < 0 and zeroes the others.": unmasked - ref["grad_w1"],
            "it is half the true gradient: the factor 2 of grad_y_pred is missing.": ref["grad_w1"] / 2,
            "its sign is flipped: grad_y_pred = 2 (y_pred - y).": -ref["grad_w1"],
        },
    )
    print("check passed: backward returns grad_w1 and grad_w2 equal to the true gradients (relative error below 1e-9)")


def _diagnose(name, got, expected, mistakes):
    if _same(got, expected):
        return
    for mistake, value in mistakes.items():
        if _same(got, value):
            checks.fail(f"{name} is not the gradient: {mistake}")
    checks.compare(
        name,
        got,
        expected,
        tol=1e-9,
        against="the true gradient",
        hint="derive each line from the chain rule and the shapes, from the output back.",
    )


def check_timed_training(timed_training, iterations=20, learning_rate=1e-3):
    """Returns None; prints "check passed" when timed_training(x, y, w1, w2, device, iterations, learning_rate) trains
    and times the two-layer net fairly: the lecture's losses, the caller's tensors untouched, the clock honest."""
    x, y, w1, w2 = sample(torch.float32, seed=1)
    kept = [t.clone() for t in (x, y, w1, w2)]
    started = time.perf_counter()
    call = "timed_training(x, y, w1, w2, device, iterations, learning_rate)"
    with checks.running(call, expected="(losses, seconds)"):
        out = timed_training(x, y, w1, w2, torch.device("cpu"), iterations, learning_rate)
    elapsed = time.perf_counter() - started
    if not isinstance(out, tuple) or len(out) != 2:
        checks.fail("timed_training should return two values: the list of losses, and the seconds the loop took.")
    losses, seconds = out
    if not all(torch.equal(a, b) for a, b in zip(kept, (x, y, w1, w2))):
        checks.fail(
            "timed_training changed the x, y, w1 or w2 it was given.",
            "on the CPU, w1.to(device) returns w1 itself, not a copy, so `w1 -= ...` wrote into the caller's "
            "tensor: train copies, w1.to(device).clone().",
        )
    if not isinstance(losses, (list, tuple)) or len(losses) != iterations:
        count = len(losses) if isinstance(losses, (list, tuple)) else type(losses).__name__
        checks.fail(
            f"the losses should be a list of {iterations} numbers, one per iteration, not {count}.",
            "append loss.item() inside the loop.",
        )
    with checks.running("reading the losses as numbers", cause="append loss.item(), a Python number"):
        got = torch.tensor([float(v) for v in losses])
    expected = _reference_losses(x, y, w1, w2, iterations, learning_rate)
    if torch.allclose(got, got[0].expand_as(got)):
        checks.fail(
            "the loss never changes: the weights are not updated.",
            "after backward: w1 -= learning_rate * grad_w1, and the same for w2, on the tensors you train.",
        )
    if not torch.isfinite(got).all() or got[-1] > got[0]:
        checks.fail(
            f"the loss grows, from {got[0]:.4g} to {got[-1]:.4g}: the update climbs the gradient.",
            "gradient descent subtracts it: w1 -= learning_rate * grad_w1.",
        )
    checks.compare(
        "the losses",
        got,
        expected,
        tol=1e-4,
        against="the lecture's training loop",
        hint="each iteration: forward, sum_squares, backward, then w -= learning_rate * grad_w.",
    )
    if not isinstance(seconds, float) or not 0 < seconds <= elapsed:
        checks.fail(
            f"seconds is {seconds!r}: it should be the loop's duration, a float between 0 and {elapsed:.3f}.",
            "read time.perf_counter() before and after the loop, and return the difference.",
        )
    try:
        source = inspect.getsource(timed_training)
    except (OSError, TypeError):
        source = "synchronize()"  # no source to read (a compiled or built-in function): nothing to tell
    if not re.search(r"synchronize\(", source):
        checks.fail(
            "timed_training never synchronises the GPU: on a GPU, each operation returns as soon as it is queued, "
            "so the clock would stop before the work is done.",
            "call torch.cuda.synchronize() right before each clock reading, when device.type == 'cuda'.",
        )
    print(
        f"check passed: timed_training trains on the device it is given ({iterations} iterations, the lecture's "
        "losses) and times the loop fairly"
    )


def _reference_losses(x, y, w1, w2, iterations, learning_rate):
    w1, w2, losses = w1.clone(), w2.clone(), []
    for _ in range(iterations):
        ref = _reference(x, y, w1, w2)
        losses.append((ref["y_pred"] - y).pow(2).sum().item())
        w1 -= learning_rate * ref["grad_w1"]
        w2 -= learning_rate * ref["grad_w2"]
    return torch.tensor(losses)
