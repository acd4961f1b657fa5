"""Exercise checks that say what they check, and teach when they fail (introduced in notebook 01).

Two kinds of lines, so a student can tell their own results from the notebook's demonstrations:
- `check passed: ...` is printed only by checks of the student's own code (check_shape, check_close, check_below,
  check_that, and the topic checkers built on them, one module per notebook: tensor_checks, autograd_checks, ...);
- `verified: ...` is printed by verify, verify_close and verify_below, which assert the notebook's own claims
  about PyTorch ("these gradients match", "the loss falls below 1e-3").
A failure of either raises CheckFailed (an AssertionError) through `fail`, the one failure helper of every
checker: its message names the quantity, shows what was expected and what was found, and a "Hint:" line gives
the likely cause. `running` turns an error raised by the student's code inside a checker into such a message.
shows_error (notebook 02 on) shows an error a notebook makes on purpose, without stopping the notebook.
"""

import contextlib
import math
import re

import numpy as np
import torch

from utils import errors, i18n


class CheckFailed(AssertionError):
    """An exercise check did not pass; the message says what is wrong and how to fix it.

    In Jupyter it shows as its message alone, without the frames of the checker that raised it (IPython calls
    `_render_traceback_` when an exception has one); elsewhere (pytest, a script) it has a normal traceback.
    The message is in the course language in use (utils/i18n.py: English unless a translated notebook chose one).
    """

    def __init__(self, message="", *args):
        super().__init__(i18n.translate(message), *args)

    def _render_traceback_(self):
        lines = str(self).splitlines() or [""]
        return [f"CheckFailed: {lines[0]}", *lines[1:]]


def fail(message, hint=""):
    """Raises CheckFailed with `message` and, when given, a "Hint:" line: the one failure helper of every checker."""
    raise CheckFailed(message + (f"\nHint: {hint}" if hint else ""))


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
        fail(f"{name} is None.", "did you forget to assign it, or to return it from your function?")
    if not isinstance(value, (torch.Tensor, np.ndarray, float, int, np.floating)):
        fail(f"{name} should be a tensor, but it is a {type(value).__name__}.")
    return tuple(np.shape(value)) if not isinstance(value, torch.Tensor) else tuple(value.shape)


def check_shape(name, got, expected_shape, hint=""):
    """Returns None; passes quietly when `got` has `expected_shape`, else raises CheckFailed saying how it differs."""
    shape, want = _shape_of(name, got), tuple(expected_shape)
    if shape == want:
        return
    if len(want) == 2 and shape == want[::-1]:
        fail(
            f"{name} has shape {shape} but should be {want}: did you transpose?",
            hint or "a gradient has the shape of the tensor it belongs to; swap the operands or transpose one.",
        )
    fail(f"{name} has shape {shape} but should be {want}.", hint)


def compare(name, got, expected, tol=1e-5, hint="", against="the reference"):
    """Returns "<name> matches <against> (...)" when `got` matches `expected` within relative error `tol`, printing
    nothing; else raises CheckFailed saying where they differ. Topic checkers use it for the steps of one check."""
    check_shape(name, got, _shape_of(against, expected), hint)
    a = to_numpy(got)
    if not np.isfinite(a).all():
        fail(f"{name} contains nan or inf.", hint or "a value overflowed: check the learning rate and the formula.")
    error = rel_error(a, expected)
    if error > tol:
        b = to_numpy(expected)
        where = np.unravel_index(np.abs(a - b).argmax(), a.shape) if a.shape else ()
        at = f" at index {tuple(int(i) for i in where)}" if where else ""
        fail(
            f"{name} does not match {against}: relative error {error:.1e} is above the tolerance {tol:.0e}."
            f"\n  largest difference{at}: expected {b[where]:.6g}, got {a[where]:.6g}",
            hint,
        )
    if a.shape:
        return f"{name} matches {against} (relative error below {tol:.0e}, shape {tuple(a.shape)})"
    return f"{name} matches {against} (relative error below {tol:.0e})"


def _below(name, value, bound, hint):
    value = float(to_numpy(value))
    if not math.isfinite(value) or not value < bound:
        fail(f"{name} should be below {bound:.0e}, but it is {value:.4g}.", hint)
    return f"{name} is below {bound:.0e}"


def check_close(name, got, expected, tol=1e-5, hint="", against="the reference"):
    """Returns None; prints "check passed" when `got` matches `expected` within relative error `tol` (see rel_error).

    For the student's own results; `name` names `got`, `against` names `expected` in the messages.
    """
    print(f"check passed: {compare(name, got, expected, tol, hint, against)}")


def check_below(name, value, bound, hint=""):
    """Returns None; prints "check passed" when the student's number `value` is below `bound`."""
    print(f"check passed: {_below(name, value, bound, hint)}")


def check_that(name, condition, failure_message, hint=""):
    """Returns None; prints "check passed: <name>" when `condition` is true, else raises with `failure_message`."""
    if not bool(condition):
        fail(failure_message, hint)
    print(f"check passed: {name}")


def verify(claim, condition, failure_message, hint=""):
    """Returns None; prints "verified: <claim>" when `condition` is true, else raises CheckFailed.

    For the notebook's own claims about PyTorch, which the student did not write: "check passed" is kept for
    the student's code.
    """
    if not bool(condition):
        fail(failure_message, hint)
    print(f"verified: {claim}")


def verify_close(name, got, expected, tol=1e-5, against="the reference"):
    """Returns None; prints "verified: <name> matches <against>" within relative error `tol` (a claim, see verify)."""
    print(f"verified: {compare(name, got, expected, tol, '', against)}")


def verify_below(name, value, bound):
    """Returns None; prints "verified: <name> is below <bound>" (a claim about PyTorch, see verify)."""
    print(f"verified: {_below(name, value, bound, '')}")


@contextlib.contextmanager
def running(what, expected="", cause=""):
    """Returns a context in which a checker runs the student's code: an error raised there becomes a CheckFailed.

    Its message names `what` raised, what was `expected` of it, the likely `cause` (the checker's own, or the
    course's lesson for that PyTorch error, utils.errors), and the original error's last line beneath:

        with checks.running("forward(x, w1, w2)", expected="h, h_relu, y_pred", cause="..."):
            out = forward(x, w1, w2)

    CheckFailed (a check inside), an exercise's NotImplementedError and KeyboardInterrupt go through unchanged;
    a stub's NotImplementedError ("Exercise 2 is not done yet: ...") then shows in Jupyter as its message alone,
    without the frames of the checker and of PyTorch it came through (see `stub_message_alone`).
    """
    try:
        yield
    except CheckFailed:
        raise
    except NotImplementedError as error:
        stub_message_alone(error)
        raise
    except Exception as error:
        lesson, name = errors.lesson_for(error), type(error).__name__
        message = f"{what} raised {name} before it finished."  # an f-string of its own: an entry of the translations
        if expected:
            message = f"{what} raised {name} instead of returning {expected}."
        hint = "; ".join(part for part in (cause, lesson) if part)  # i18n translates a cause holding "; " whole
        raise CheckFailed(
            message + (f"\nHint: {hint}" if hint else "") + f"\nThe error itself: {error_line(error)}"
        ) from error


STUB = re.compile(r"Exercise \d+ is not done yet|The challenge is not attempted yet")


def stub_message_alone(error):
    """Returns `error`; when it is an exercise stub's NotImplementedError, Jupyter now shows it as its message alone.

    It stays the same NotImplementedError with the same message (the progression test and the classroom's results
    read them); only its display changes, through `_render_traceback_` as for CheckFailed. Other errors: unchanged.
    """
    if isinstance(error, NotImplementedError) and STUB.search(i18n.english(str(error))):  # a translated stub too

        def message_alone():
            lines = str(error).splitlines() or [""]
            return [f"{type(error).__name__}: {lines[0]}", *lines[1:], *getattr(error, "__notes__", [])]

        error._render_traceback_ = message_alone
    return error


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
            fail(
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
        if self.match not in str(error) and self.match not in i18n.english(str(error)):  # a course error, translated
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
