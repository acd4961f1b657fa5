"""Exercise checks that say what they check, and teach when they fail (introduced in notebook 01).

Each check prints one line starting "check passed:" or raises CheckFailed (an AssertionError) whose
message names the quantity, shows what was expected and what was found, and suggests the usual cause.
shows_error (notebook 02 on) shows an error a notebook makes on purpose, without stopping the notebook.
"""

import math

import numpy as np
import torch


class CheckFailed(AssertionError):
    """An exercise check did not pass; the message says what is wrong and how to fix it.

    In Jupyter it shows as its message alone, without the frames of the checker that raised it (IPython calls
    `_render_traceback_` when an exception has one); elsewhere (pytest, a script) it has a normal traceback.
    """

    def _render_traceback_(self):
        lines = str(self).splitlines() or [""]
        return [f"CheckFailed: {lines[0]}", *lines[1:]]


def fail(message, hint=""):
    """Raises CheckFailed with `message` and, when given, a "Hint:" line: the one failure helper of every checker."""
    raise CheckFailed(message + (f"\nHint: {hint}" if hint else ""))


_fail = fail  # the name this module's checks use


def to_numpy(value):
    """Returns `value` (tensor, array or number) as a float64 numpy array on the CPU, without autograd history."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().to(torch.float64).numpy()
    return np.asarray(value, dtype=np.float64)


def rel_error(got, expected):
    """Returns the largest absolute difference between got and expected, relative to their largest magnitude.

    0 means identical; about 1e-7 is float32 round-off, 1e-16 float64 round-off. Unlike an entry-by-entry
    relative error, it does not blow up on entries that happen to be close to zero.
    """
    a, b = to_numpy(got), to_numpy(expected)
    if a.shape != b.shape:
        raise ValueError(f"rel_error needs equal shapes, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    scale = max(np.abs(a).max(), np.abs(b).max(), 1e-12)
    return float(np.abs(a - b).max() / scale)


def _shape_of(name, value):
    if value is None:
        _fail(f"{name} is None.", "did you forget to assign it, or to return it from your function?")
    if not isinstance(value, (torch.Tensor, np.ndarray, float, int, np.floating)):
        _fail(f"{name} should be a tensor, but it is a {type(value).__name__}.")
    return tuple(np.shape(value)) if not isinstance(value, torch.Tensor) else tuple(value.shape)


def check_shape(name, got, expected_shape, hint=""):
    """Returns None; passes quietly when `got` has `expected_shape`, else raises CheckFailed saying how it differs."""
    shape, want = _shape_of(name, got), tuple(expected_shape)
    if shape == want:
        return
    if len(want) == 2 and shape == want[::-1]:
        _fail(
            f"{name} has shape {shape} but should be {want}: did you transpose?",
            hint or "a gradient has the shape of the tensor it belongs to; swap the operands or transpose one.",
        )
    _fail(f"{name} has shape {shape} but should be {want}.", hint)


def check_close(name, got, expected, tol=1e-5, hint="", against="the reference"):
    """Returns None; prints "check passed" when `got` matches `expected` within relative error `tol` (see rel_error).

    `name` names `got`; `against` names `expected` in the messages.
    """
    check_shape(name, got, _shape_of(against, expected), hint)
    a = to_numpy(got)
    if not np.isfinite(a).all():
        _fail(f"{name} contains nan or inf.", hint or "a value overflowed: check the learning rate and the formula.")
    error = rel_error(a, expected)
    if error > tol:
        b = to_numpy(expected)
        where = np.unravel_index(np.abs(a - b).argmax(), a.shape) if a.shape else ()
        at = f" at index {tuple(int(i) for i in where)}" if where else ""
        _fail(
            f"{name} does not match {against}: relative error {error:.1e} is above the tolerance {tol:.0e}."
            f"\n  largest difference{at}: expected {b[where]:.6g}, got {a[where]:.6g}",
            hint,
        )
    shape = f", shape {tuple(a.shape)}" if a.shape else ""
    print(f"check passed: {name} matches {against} (relative error below {tol:.0e}{shape})")


def check_below(name, value, bound, hint=""):
    """Returns None; prints "check passed" when the number `value` is below `bound`."""
    value = float(to_numpy(value))
    if not math.isfinite(value) or not value < bound:
        _fail(f"{name} should be below {bound:.0e}, but it is {value:.4g}.", hint)
    print(f"check passed: {name} is below {bound:.0e}")


def check_that(name, condition, failure_message, hint=""):
    """Returns None; prints "check passed: <name>" when `condition` is true, else raises with `failure_message`."""
    if not bool(condition):
        _fail(failure_message, hint)
    print(f"check passed: {name}")


def check_series(name, got, expected, tol=1e-9):
    """Returns None; prints "check passed" when the sequence `got` equals `expected` point for point (notebook 08)."""
    got, expected = [float(v) for v in got], [float(v) for v in expected]
    if not got:
        _fail(
            f"{name} holds no points, but {len(expected)} were expected.",
            "log inside the loop, once per iteration, to a fixed window id.",
        )
    if len(got) != len(expected):
        cause = (
            "it holds only one value: did you log after the loop instead of inside it?"
            if len(got) == 1
            else "did you log more than once per iteration, or in a window that was already used?"
            if len(got) > len(expected)
            else "is the logging call skipped on some iterations?"
        )
        points = "point" if len(got) == 1 else "points"
        _fail(f"{name} holds {len(got)} {points}, but {len(expected)} were expected.", cause)
    check_close(name, np.array(got), np.array(expected), tol=tol, against="the values computed")


def error_line(error):
    """Returns the exception `error` as a traceback's last line reads: "RuntimeError: the message"."""
    message = str(error)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


class ShownError:
    """What checks.shows_error returns: `.error` is the exception caught (None until then), `.line` its error_line."""

    def __init__(self, error_type, match, name):
        self.error_type, self.match, self.name, self.error = error_type, match, name, None

    @property
    def line(self):
        return error_line(self.error) if self.error is not None else ""

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        expected = f"{self.error_type.__name__} with {self.match!r} in its message"
        if error is None:
            _fail(
                f"{self.name} should raise {expected}, but it raised nothing.",
                "the error the notebook shows did not happen: did the code change, or does this version of PyTorch "
                "behave differently?",
            )
        if not isinstance(error, Exception):
            return False  # KeyboardInterrupt and the like go on as usual
        if isinstance(error, NotImplementedError) and not issubclass(self.error_type, NotImplementedError):
            return False  # an exercise not done yet: its own message says which
        if not isinstance(error, self.error_type):
            raise CheckFailed(f"{self.name} should raise {expected}, but it raised {error_line(error)}") from error
        if self.match not in str(error):
            raise CheckFailed(
                f"{self.name} raised {self.error_type.__name__} as expected, but its message does not "
                f"contain {self.match!r}: {error_line(error)}"
            ) from error
        self.error = error
        print(self.line)
        return True  # the error is shown, and the notebook goes on


def shows_error(error_type, match, action=None, name="the code"):
    """Returns a ShownError that asserts the code under it raises, and prints that error as a traceback's last line.

    For errors a notebook makes on purpose (notebook 02 on). Around the failing lines:

        with checks.shows_error(RuntimeError, "a second time"):
            loss.backward()

    or with `action`, a function it calls at once: `checks.shows_error(ValueError, "empty", lambda: f(x))`.
    The code must raise `error_type` (or a subclass) with the text `match` in its message: the error is then
    printed, "RuntimeError: Trying to backward ...", and the notebook goes on, so that every runner (papermill,
    nbconvert, Colab's Run all) reaches the end. If the code raises nothing or another error, CheckFailed says
    what was expected and what happened (`name` names the code). An exercise's NotImplementedError goes through.
    """
    shown = ShownError(error_type, match, name)
    if action is not None:
        with shown:
            action()
    return shown
