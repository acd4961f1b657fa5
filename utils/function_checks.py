"""Checks for notebook 03's exercises: custom autograd Functions, checked against the known gradient and gradcheck.

check_relu_function and check_sigmoid_function run a Function on a small float64 input (not square, kept away
from 0), call its backward directly on the real ctx, and compare with the known gradient. When they differ,
the message says which classic mistake the numbers match; a correct Function must also pass
torch.autograd.gradcheck. Failures go through checks.fail, like every course check.
"""

import inspect
import re

import torch

from utils import checks

SHAPE = (3, 5)  # not square, so a transposed gradient shows up as a wrong shape


def sample_inputs(seed=0):
    """Returns (x, grad_output): float64 tensors of shape (3, 5) with both signs, every |x| >= 0.5."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(SHAPE, generator=g, dtype=torch.float64)
    x = x.sign() * (x.abs() + 0.5)  # away from ReLU's kink at 0
    grad_output = torch.randn(SHAPE, generator=g, dtype=torch.float64)
    return x, grad_output


def count_saved_tensors(apply, *inputs):
    """Returns (output of apply(*inputs), how many tensors the Function stored with ctx.save_for_backward)."""
    saved = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        output = apply(*inputs)
    return output, len(saved)


def _check_is_function(fn):
    name = getattr(fn, "__name__", type(fn).__name__)
    if not (inspect.isclass(fn) and issubclass(fn, torch.autograd.Function)):
        checks.fail(
            f"{name} should be a class derived from torch.autograd.Function.",
            "write `class MyFunction(torch.autograd.Function):` and pass the class itself, not MyFunction.apply.",
        )
    for method in ("forward", "backward"):
        if not isinstance(inspect.getattr_static(fn, method), staticmethod):
            checks.fail(
                f"{name}.{method} is not a @staticmethod.",
                f"today's Functions write `@staticmethod` above `def {method}(ctx, ...)`: the 2017 style "
                "with `self` no longer runs. Call the Function with .apply.",
            )
    return name


def _run_backward(fn, name, x, grad_output, expected_output, formula, output_shape_hint):
    """Returns the raw gradient fn.backward returns for `x` and `grad_output`, after checking forward's output
    against `expected_output` (named by `formula`) and what forward saved."""
    x = x.clone().requires_grad_()
    try:
        out, n_saved = count_saved_tensors(fn.apply, x)
    except NotImplementedError:  # an exercise not done yet: its own message says which
        raise
    except Exception as error:
        checks.fail(f"{name}.forward raised {type(error).__name__}: {error}")
    if not isinstance(out, torch.Tensor):
        checks.fail(
            f"{name}.forward returned a {type(out).__name__}, not a tensor.", "forward returns its output tensor."
        )
    if out.shape != x.shape:
        checks.fail(f"{name}.apply(x) has shape {tuple(out.shape)} but should be {tuple(x.shape)}, like x.")
    if checks.rel_error(out, expected_output) > 1e-12:
        error = checks.rel_error(out, expected_output)
        checks.fail(
            f"{name}.apply(x) does not match {formula}: relative error {error:.1e}.", "look at what forward returns."
        )
    if n_saved == 0:
        checks.fail(
            f"{name}.forward saved no tensor with ctx.save_for_backward, so backward has nothing to "
            "read from ctx.saved_tensors.",
            "in forward, call ctx.save_for_backward(...) with the tensor backward needs; in backward, "
            "read it back with `t, = ctx.saved_tensors`. (Tensors stored as ctx attributes are not "
            "tracked by autograd.)",
        )
    given = grad_output.clone()
    try:
        grad = fn.backward(out.grad_fn, given)  # out.grad_fn is the ctx that forward filled in
    except NotImplementedError:
        raise
    except Exception as error:
        checks.fail(f"{name}.backward raised {type(error).__name__}: {error}", _saved_tensors_hint(fn))
    if isinstance(grad, tuple):
        if len(grad) != 1:
            checks.fail(
                f"{name}.backward returned {len(grad)} values, but forward takes one tensor.",
                "backward returns one gradient per input of forward: here, one tensor.",
            )
        grad = grad[0]
    if grad is None:
        checks.fail(f"{name}.backward returned None.", "did you forget the `return grad_input` line?")
    if not isinstance(grad, torch.Tensor):
        checks.fail(f"{name}.backward returned a {type(grad).__name__}, not a tensor.")
    if not torch.equal(given, grad_output):
        checks.fail(
            f"{name}.backward changed grad_output in place.",
            "autograd may use grad_output elsewhere: start from a copy, grad_input = grad_output.clone().",
        )
    if tuple(grad.shape) == SHAPE[::-1]:
        checks.fail(
            f"the gradient {name}.backward returned has shape {tuple(grad.shape)} but should be {SHAPE}, "
            "the shape of the input x: did you transpose?",
            "an elementwise function's gradient has the shape of its input: no .t() is needed.",
        )
    if tuple(grad.shape) != SHAPE:
        checks.fail(
            f"the gradient {name}.backward returned has shape {tuple(grad.shape)} but should be {SHAPE}, "
            "the shape of the input x.",
            output_shape_hint,
        )
    return grad.detach()


def _saved_tensors_hint(fn):
    """Returns a hint when fn.backward assigns ctx.saved_tensors, a tuple, to one name without unpacking it, else ""."""
    try:
        source = inspect.getsource(fn.backward)
    except (OSError, TypeError):  # source not available: no hint
        return ""
    found = re.search(r"^\s*(\w+)\s*=\s*ctx\.saved_tensors\s*(#.*)?$", source, re.MULTILINE)
    if not found:
        return ""
    return (
        f"`{found.group(1)} = ctx.saved_tensors` makes {found.group(1)} a tuple (of one tensor here), not a "
        f"tensor: unpack it with a comma, `{found.group(1)}, = ctx.saved_tensors`."
    )


def _diagnose(name, got, expected, mistakes, what):
    """Raises CheckFailed naming the first mistake in `mistakes` ({message: wrong gradient}) that `got` matches."""
    if checks.rel_error(got, expected) <= 1e-10:
        return
    for message, wrong in mistakes.items():
        if checks.rel_error(got, wrong) <= 1e-10:
            checks.fail(f"{name}.backward returned the wrong gradient: {message}")
    checks.check_close(f"the gradient from {name}.backward", got, expected, tol=1e-10, against=what)


def _gradcheck(fn, name, x):
    try:
        torch.autograd.gradcheck(fn.apply, (x.clone().requires_grad_(),), eps=1e-6, atol=1e-5)
    except Exception as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        checks.fail(f"{name} fails torch.autograd.gradcheck: {first}")


def check_relu_function(fn):
    """Returns None; prints "check passed" when the Function class `fn` computes ReLU and its gradient.

    Catches: the mask taken from grad_output instead of x; the gradient for x < 0 not zeroed; the mask
    inverted; grad_output not multiplied in; a transposed or wrongly shaped gradient; grad_output changed
    in place; nothing saved with ctx.save_for_backward. Then runs gradcheck.
    """
    name = _check_is_function(fn)
    x, grad_output = sample_inputs()
    hint = (
        "grad_output[x > 0] selects entries (a 1-D tensor); keep the shape instead: clone grad_output, "
        "then set the entries where x < 0 to 0."
    )
    got = _run_backward(fn, name, x, grad_output, x.clamp(min=0), "ReLU(x) = x.clamp(min=0)", hint)
    _diagnose(
        name,
        got,
        grad_output * (x > 0),
        {
            "it equals grad_output unchanged; the gradient for x < 0 is not zeroed. ReLU is flat there, so "
            "grad_input must be 0 wherever x < 0.": grad_output,
            "the mask is on the wrong tensor: it zeroes where grad_output < 0. ReLU's gradient depends on its input: "
            "zero the entries where x < 0 (x comes from ctx.saved_tensors).": grad_output * (grad_output > 0),
            "the mask is inverted: it keeps the entries where x < 0. Zero those, keep the ones where x > 0.": (
                grad_output * (x < 0)
            ),
            "it is ReLU's local slope (1 where x > 0, else 0) but not multiplied by grad_output. By the chain rule, "
            "grad_input = grad_output * slope.": (x > 0).to(x.dtype),
        },
        "grad_output * (x > 0)",
    )
    _gradcheck(fn, name, x)
    print(f"check passed: {name} computes ReLU, its backward matches grad_output * (x > 0), and it passes gradcheck")


def check_sigmoid_function(fn):
    """Returns None; prints "check passed" when the Function class `fn` computes the sigmoid and its gradient.

    Catches: nothing saved with ctx.save_for_backward; the derivative written with the input x where the
    output s = sigmoid(x) belongs; grad_output not multiplied in; a sign error; a transposed or wrongly
    shaped gradient; grad_output changed in place. Then runs gradcheck.
    """
    name = _check_is_function(fn)
    x, grad_output = sample_inputs()
    s = torch.sigmoid(x)
    got = _run_backward(
        fn,
        name,
        x,
        grad_output,
        s,
        "sigmoid(x) = 1 / (1 + exp(-x))",
        "the sigmoid is elementwise: its gradient has x's shape.",
    )
    _diagnose(
        name,
        got,
        grad_output * s * (1 - s),
        {
            "it is grad_output * x * (1 - x): the formula s * (1 - s) needs the OUTPUT s = sigmoid(x), not the "
            "input x. Save the output in forward.": grad_output * x * (1 - x),
            "it is sigmoid's local slope s * (1 - s) but not multiplied by grad_output. By the chain rule, "
            "grad_input = grad_output * s * (1 - s).": s * (1 - s),
            "its sign is flipped: the sigmoid increases everywhere, so grad_input has the sign of grad_output.": (
                -grad_output * s * (1 - s)
            ),
        },
        "grad_output * s * (1 - s)",
    )
    _gradcheck(fn, name, x)
    print(
        f"check passed: {name} computes the sigmoid, its backward matches grad_output * s * (1 - s), "
        "and it passes gradcheck"
    )
