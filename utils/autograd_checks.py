"""Checks for notebook 02's autograd exercises, naming the usual mistakes.

check_autograd_training (the training loop) and check_grads_by_hand (a chain rule by hand); the notebook's
pitfalls are shown with checks.shows_error. (Notebook 03's custom Functions are checked in function_checks.)
"""

import math

import torch

from utils import checks


def check_autograd_training(losses, iterations, first_loss, weights, bound=1e-3):
    """Returns None; prints "check passed" lines when a training loop recorded `iterations` float losses, the first
    equal to `first_loss`, the last below `bound`, and left each tensor in `weights` ({"w1": w1, ...}) a leaf that
    requires grad (notebook 02).

    Catches: a weight replaced by a new tensor (`w1 = w1 - ...` instead of `w1 -= ...`); loss tensors appended
    instead of loss.item(); a loop that stopped early or appended more than once; a loss that blew up.
    """
    for name, weight in weights.items():
        if not weight.requires_grad:
            checks.fail(
                f"{name} no longer requires grad: `{name} = {name} - ...` under torch.no_grad() made a new tensor "
                f"that autograd does not track (and whose .grad is None).",
                f"update in place with `{name} -= learning_rate * {name}.grad`, as in section 2, then run the "
                "cell again (it starts from fresh weights).",
            )
        if not weight.is_leaf:
            checks.fail(
                f"{name} is no longer a leaf: `{name} = {name} - ...` outside torch.no_grad() made a new tensor "
                f"computed from the old one, and autograd fills .grad only for leaves (so {name}.grad is None).",
                f"update in place under torch.no_grad(): `{name} -= learning_rate * {name}.grad`, as in section 2.",
            )
    tensors = [t for t, value in enumerate(losses) if isinstance(value, torch.Tensor)]
    if tensors:
        checks.fail(
            f"losses holds tensors (losses[{tensors[0]}] is a {type(losses[tensors[0]]).__name__}), not numbers. "
            "Each loss tensor keeps its iteration's whole graph alive (section 6 shows this).",
            "append loss.item(), a Python float: losses.append(loss.item()).",
        )
    if len(losses) < iterations:
        checks.fail(
            f"losses has {len(losses)} entries, not {iterations}.",
            "did the loop stop with an error? Read the error under the Exercise 1 cell. Otherwise, append "
            "loss.item() once in every iteration.",
        )
    checks.check_that(
        "one loss recorded per iteration",
        len(losses) == iterations,
        f"losses has {len(losses)} entries, not {iterations}.",
        hint="append loss.item() once per iteration, and keep `losses = []` in the same cell as the "
        "loop, so that running it again starts afresh.",
    )
    checks.check_close(
        "losses[0]",
        losses[0],
        first_loss,
        tol=1e-6,
        against="the loss of section 2",
        hint="start from the weights make_tensors drew, and record the loss before the update",
    )
    checks.check_below(
        f"the autograd loss after {iterations} iterations",
        losses[-1],
        bound,
        hint="if it grew to inf or nan, were the gradients zeroed after each update? (section 5)",
    )


def check_grads_by_hand(grads_by_hand, point, expected):
    """Returns None; prints "check passed" when grads_by_hand(*point) returns the gradient `expected` (autograd's
    (df/da, df/db, df/dc)) of f(a, b, c) = (a*b + c)**2 at `point`, within 1e-12 (notebook 02).

    Catches: not three numbers; the factor 2 of d(u**2)/du left out; the outer derivative df/du = 2u left out;
    df/da and df/db swapped.
    """
    yours = grads_by_hand(*point)
    checks.check_that(
        f"grads_by_hand{point} returns three numbers",
        isinstance(yours, (tuple, list)) and len(yours) == 3,
        f"grads_by_hand{point} returned {yours!r}, not three numbers.",
        hint="return df_da, df_db, df_dc",
    )
    try:
        yours = torch.tensor([float(v) for v in yours], dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        checks.fail(f"grads_by_hand{point} returned {yours!r}: its three values should be numbers.")
    expected = torch.tensor([float(v) for v in expected], dtype=torch.float64)
    a, b, c = point
    u = a * b + c
    name = f"(df/da, df/db, df/dc) at (a, b, c) = {point}"
    mistakes = {
        "they are half of autograd's: the derivative of u**2 is 2u, did you leave out the 2?": [u * b, u * a, u],
        "they are du/da, du/db, du/dc without the outer derivative: by the chain rule, df/da = df/du * du/da, "
        "with df/du = 2u.": [b, a, 1.0],
        "they are 2 * (du/da, du/db, du/dc): the outer derivative df/du is 2u, not 2.": [2 * b, 2 * a, 2.0],
        "df/da and df/db are swapped: u = a*b + c changes with a at the rate du/da = b, so df/da = 2u * b.": [
            2 * u * a,
            2 * u * b,
            2 * u,
        ],
    }
    if checks.rel_error(yours, expected) > 1e-12:
        for message, wrong in mistakes.items():
            if math.isclose(checks.rel_error(yours, torch.tensor(wrong, dtype=torch.float64)), 0, abs_tol=1e-12):
                checks.fail(
                    f"{name} does not match autograd's gradients: {message}\n  expected {expected.tolist()}, "
                    f"got {yours.tolist()}"
                )
    checks.check_close(
        name,
        yours,
        expected,
        tol=1e-12,
        against="autograd's gradients",
        hint="with u = a*b + c: df/da = df/du * du/da = 2u * b; likewise for b and c.",
    )
