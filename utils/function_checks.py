"""Checks for notebook 03's exercises: custom autograd Functions, and the measure of its challenge.

Each check runs the student's Function on small float64 inputs of its own (no dimension equal to another, kept
away from ReLU's kink), looks at what forward kept for backward (the tensors given to ctx.save_for_backward, seen
through torch.autograd.graph.saved_tensors_hooks, and any tensor left as a ctx attribute), calls backward on the
real ctx, and compares every gradient with the known one. When a result matches a classic mistake, the message
names it; a Function that looks right must also pass torch.autograd.gradcheck. The student's code runs inside
checks.running, so an error it raises becomes a lesson; failures go through checks.fail.
"""

import inspect
import re
import warnings

import torch
from torch.autograd.gradcheck import GradcheckError

from utils import checks

SHAPE = (3, 5)  # not square, so a transposed gradient shows up as a wrong shape
ELEMENTWISE = "grad_output and x have the same shape, and so has the gradient backward returns"
LINEAR = {"N": 5, "D_in": 4, "H": 3}  # all different: x (N, D_in), w (D_in, H), b (H,), the output (N, H)
LINEAR_SHAPES = "x is (N, D_in), w (D_in, H), b (H,) and the output x w + b (N, H)"
LINEAR_GRADIENTS = (
    "each gradient has the shape of its input: grad_x = grad_output w^T is (N, D_in), grad_w = x^T grad_output is "
    "(D_in, H), and grad_b, grad_output summed over the batch, is (H,)"
)


def sample_inputs(seed=0):
    """Returns (x, grad_output): float64 tensors of shape (3, 5) with both signs, every |x| >= 0.5."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(SHAPE, generator=g, dtype=torch.float64)
    x = x.sign() * (x.abs() + 0.5)  # away from ReLU's kink at 0
    grad_output = torch.randn(SHAPE, generator=g, dtype=torch.float64)
    return x, grad_output


def linear_inputs(seed=0):
    """Returns x (5, 4), w (4, 3), b (3,) and grad_output (5, 3): float64, from a seeded CPU generator."""
    g = torch.Generator().manual_seed(seed)
    n, d_in, h = LINEAR.values()
    return tuple(
        torch.randn(*shape, generator=g, dtype=torch.float64) for shape in ((n, d_in), (d_in, h), (h,), (n, h))
    )


def saved_by(apply, *inputs):
    """Returns (apply(*inputs), the list of tensors the Function gave to ctx.save_for_backward during that call)."""
    saved = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        output = apply(*inputs)
    return output, saved


def tensors_on_ctx(ctx):
    """Returns the names of the attributes of `ctx` that hold tensors (kept outside autograd's view)."""
    held = []
    for name, value in vars(ctx).items():
        values = value if isinstance(value, (list, tuple)) else [value]
        if any(isinstance(v, torch.Tensor) for v in values):
            held.append(name)
    return sorted(held)


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


def _forward(fn, name, inputs, call, cause=""):
    """Returns (output, saved tensors) of fn.apply(*inputs), after checking that forward returned one tensor and
    kept no tensor as a ctx attribute."""
    kept = [t.detach().clone() for t in inputs]
    with checks.running(f"{name}.apply({call})", expected="the output tensor", cause=cause):
        out, saved = saved_by(fn.apply, *inputs)
    changed = [part for part, t, k in zip(call.split(", "), inputs, kept) if not torch.equal(t.detach(), k)]
    if changed:
        checks.fail(
            f"{name}.forward changed its input {', '.join(changed)} in place (an operation ending in _, such as "
            "sigmoid_ or clamp_, or an assignment into it).",
            "compute a new tensor instead: the caller, and autograd, still need the input as it was.",
        )
    if isinstance(out, (tuple, list)):
        checks.fail(f"{name}.forward returned {len(out)} values: it should return the output tensor alone.")
    if not isinstance(out, torch.Tensor):
        checks.fail(f"{name}.forward returned {type(out).__name__}, not a tensor.", "forward returns its output.")
    if out.grad_fn is None:
        checks.fail(
            f"{name}.apply({call}) has no grad_fn: autograd cannot go back through a {out.dtype} output.",
            "forward returns a floating-point tensor, the function's value.",
        )
    held = tensors_on_ctx(out.grad_fn)
    if held:
        where = ", ".join(f"ctx.{attribute}" for attribute in held)
        checks.fail(
            f"{name}.forward keeps tensors as attributes of ctx ({where}): autograd does not track them, so it "
            "could neither free them after backward nor notice if they are changed in place before it.",
            "save them with ctx.save_for_backward(...) and read them back in backward from ctx.saved_tensors.",
        )
    return out, saved


def _output(name, call, got, expected, formula, mistakes=None):
    """Fails when forward's output `got` is not `expected` (`formula`), naming a mistake of `mistakes` it matches."""
    for message, wrong in (mistakes or {}).items():
        if _same(got, wrong) and not _same(got, expected):
            checks.fail(f"{name}.apply({call}) is not {formula}: {message}")
    checks.compare(
        f"{name}.apply({call})", got, expected, tol=1e-12, against=formula, hint="look at what forward returns."
    )


def _require_saved(name, saved):
    if not saved:
        checks.fail(
            f"{name}.forward saved no tensor with ctx.save_for_backward, so backward has nothing to read from "
            "ctx.saved_tensors.",
            "in forward, call ctx.save_for_backward(...) with the tensors backward needs; in backward, read them "
            "back with `t, = ctx.saved_tensors` (or `a, b = ctx.saved_tensors` for two).",
        )


def _backward(fn, name, ctx, grad_output, parts, cause=""):
    """Returns the gradients fn.backward(ctx, grad_output) returns, one per name in `parts`, after checking their
    number and that grad_output was left unchanged."""
    given = grad_output.clone()
    expected = ", ".join(f"grad_{part}" for part in parts)
    with checks.running(f"{name}.backward(ctx, grad_output)", expected=expected, cause=cause):
        grads = fn.backward(ctx, given)
    if not torch.equal(given, grad_output):
        checks.fail(
            f"{name}.backward changed grad_output in place.",
            "autograd may use grad_output elsewhere: compute a new tensor, or start from grad_output.clone().",
        )
    grads = tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)
    if len(grads) != len(parts):
        checks.fail(
            f"{name}.backward returned {len(grads)} value(s), but forward takes {len(parts)} tensor(s): "
            f"{', '.join(parts)}.",
            f"backward returns one gradient per input of forward, in the same order: return {expected}.",
        )
    return grads


def _same(a, b, tol=1e-10):
    return (
        isinstance(a, torch.Tensor)
        and tuple(a.shape) == tuple(b.shape)
        and bool(torch.isfinite(a).all())
        and checks.rel_error(a, b) <= tol
    )


def _gradient(name, part, got, expected, formula, mistakes=None, shape_hint="", hint=""):
    """Fails unless `got`, the gradient fn.backward returned for input `part`, equals `expected` (`formula`);
    a result that matches one of `mistakes` ({message: wrong value}) is named, other values get `hint`."""
    label = f"the gradient {name}.backward returned for {part}"
    if got is None:
        checks.fail(f"{name}.backward returned None for {part}.", "did you forget to compute it, or to return it?")
    if not isinstance(got, torch.Tensor):
        checks.fail(f"{label} is a {type(got).__name__}, not a tensor.")
    mistakes = {**(mistakes or {}), "its sign is flipped.": -expected, "it is twice the true gradient.": 2 * expected}
    for message, wrong in mistakes.items():
        if _same(got.detach(), wrong):
            checks.fail(f"{label} is not {formula}: {message}", hint)
    shape, want = tuple(got.shape), tuple(expected.shape)
    if len(want) == 2 and shape == want[::-1] and shape != want:
        checks.fail(
            f"{label} has shape {shape} but should be {want}, the shape of {part}: did you transpose?",
            shape_hint or "a gradient has the shape of the tensor it belongs to.",
        )
    if shape != want:
        checks.fail(f"{label} has shape {shape} but should be {want}, the shape of {part}.", shape_hint)
    checks.compare(label, got, expected, tol=1e-10, against=formula, hint=hint)


def _gradcheck(fn, name, inputs):
    inputs = tuple(t.detach().clone().requires_grad_() for t in inputs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            torch.autograd.gradcheck(fn.apply, inputs, eps=1e-6, atol=1e-5)
        except Exception as error:  # a GradcheckError, or an error of the student's code at gradcheck's points
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            checks.fail(f"{name} fails torch.autograd.gradcheck: {first}")


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
        f"tensor: unpack it with a comma, `{found.group(1)}, = ctx.saved_tensors`"
    )


# ---- Exercise 1: MyReLU.backward ------------------------------------------------------------------------------


def check_relu_function(fn):
    """Returns None; prints "check passed" when the Function class `fn` computes ReLU and its gradient.

    Catches: the mask taken from grad_output instead of x; the gradient for x < 0 not zeroed; the mask
    inverted; grad_output not multiplied in; ReLU(x) or sign(x) where the slope belongs; a transposed or
    selected (1-D) gradient; grad_output changed in place; nothing saved. Then runs gradcheck.
    """
    name = _check_is_function(fn)
    x, grad_output = sample_inputs()
    out, saved = _forward(fn, name, (x.clone().requires_grad_(),), "x")
    _output(name, "x", out, x.clamp(min=0), "ReLU(x) = x.clamp(min=0)")
    _require_saved(name, saved)
    (got,) = _backward(fn, name, out.grad_fn, grad_output, ("x",), cause=_saved_tensors_hint(fn) or ELEMENTWISE)
    slope = (x > 0).to(x.dtype)
    mistakes = {
        "it is grad_output unchanged: the gradient for x < 0 is not zeroed. ReLU is flat there, so grad_input "
        "must be 0 wherever x < 0.": grad_output,
        "the mask is on the wrong tensor: it zeroes where grad_output < 0. ReLU's gradient depends on its input: "
        "zero the entries where x < 0 (x comes from ctx.saved_tensors).": grad_output * (grad_output > 0),
        "the mask is inverted: it keeps the entries where x < 0. Zero those, keep the ones where x > 0.": (
            grad_output * (x < 0)
        ),
        "it is ReLU's local slope (1 where x > 0, else 0) but not multiplied by grad_output. By the chain rule, "
        "grad_input = grad_output * slope.": slope,
        "it is ReLU(x), forward's output: backward returns dL/dx, grad_output where x > 0 and 0 elsewhere.": (
            x.clamp(min=0)
        ),
        "it multiplies grad_output by ReLU(x), the output; the chain rule multiplies by ReLU's slope, 1 where "
        "x > 0 and 0 elsewhere.": grad_output * x.clamp(min=0),
        "it multiplies grad_output by sign(x), -1 where x < 0; ReLU's slope there is 0.": grad_output * x.sign(),
        "it multiplies grad_output by x itself; ReLU's slope is 1 where x > 0 and 0 elsewhere, not x.": grad_output * x,
        "grad_output[x > 0] selects entries, a 1-D tensor; keep the shape instead: clone grad_output, then set "
        "the entries where x < 0 to 0.": grad_output[x > 0],
    }
    elementwise = "an elementwise function's gradient has the shape of its input: no .t() is needed."
    chain_rule = "by the chain rule, grad_input = grad_output * ReLU's slope, 1 where x > 0 and 0 where x < 0."
    _gradient(name, "x", got, grad_output * slope, "grad_output * (x > 0)", mistakes, elementwise, chain_rule)
    _gradcheck(fn, name, (x,))
    print(f"check passed: {name} computes ReLU, its backward matches grad_output * (x > 0), and it passes gradcheck")


# ---- Exercise 2: MySigmoid, which saves its output -------------------------------------------------------------


def check_sigmoid_function(fn):
    """Returns None; prints "check passed" when the Function class `fn` computes the sigmoid, saves its output s,
    and returns grad_output * s * (1 - s).

    Catches: 1 / 1 + exp(-x) (precedence), exp(x) for exp(-x), nothing saved, the input saved where the output
    belongs, tensors kept as ctx attributes, the derivative written with x, grad_output not multiplied in, a
    factor missing, a flipped sign, a transposed gradient, grad_output changed in place. Then runs gradcheck,
    on inputs around 0 too: the sigmoid is smooth everywhere.
    """
    name = _check_is_function(fn)
    x, grad_output = sample_inputs()
    s = torch.sigmoid(x)
    out, saved = _forward(fn, name, (x.clone().requires_grad_(),), "x")
    mistakes = {
        "it is 1 / 1 + exp(-x) = 1 + exp(-x): the division needs parentheses, 1 / (1 + torch.exp(-x)).": (
            1 + torch.exp(-x)
        ),
        "it is 1 / (1 + exp(x)) = 1 - sigmoid(x): the exponent is -x, torch.exp(-x).": 1 - s,
        "it is 1 / (1 - exp(-x)): the denominator is 1 + exp(-x).": 1 / (1 - torch.exp(-x)),
        "it is exp(-x) alone: the sigmoid is 1 / (1 + exp(-x)).": torch.exp(-x),
    }
    _output(name, "x", out, s, "sigmoid(x) = 1 / (1 + exp(-x))", mistakes)
    _require_saved(name, saved)
    if not any(_same(t.detach(), s) for t in saved):
        what = "x, the input" if any(_same(t.detach(), x) for t in saved) else "no tensor equal to the output s"
        checks.fail(
            f"{name}.forward saved {what}: this exercise saves the output s = sigmoid(x), from which backward gets "
            "the derivative s * (1 - s) without computing an exponential again.",
            "in forward, save the s you return: ctx.save_for_backward(s).",
        )
    (got,) = _backward(fn, name, out.grad_fn, grad_output, ("x",), cause=_saved_tensors_hint(fn))
    mistakes = {
        "it is grad_output * x * (1 - x): the formula s * (1 - s) needs the OUTPUT s = sigmoid(x), not the input "
        "x. Read s back from ctx.saved_tensors.": grad_output * x * (1 - x),
        "it is the sigmoid's local slope s * (1 - s) but not multiplied by grad_output. By the chain rule, "
        "grad_input = grad_output * s * (1 - s).": s * (1 - s),
        "its sign is flipped: the sigmoid increases everywhere, so grad_input has the sign of grad_output.": (
            -grad_output * s * (1 - s)
        ),
        "it is grad_output * s: the sigmoid's slope is s * (1 - s), the factor (1 - s) is missing.": grad_output * s,
        "it is grad_output * (1 - s): the sigmoid's slope is s * (1 - s), the factor s is missing.": (
            grad_output * (1 - s)
        ),
    }
    elementwise = "the sigmoid is elementwise: its gradient has x's shape, no .t() is needed."
    chain_rule = "the sigmoid's slope is s * (1 - s), written with the saved output s; multiply it by grad_output."
    _gradient(name, "x", got, grad_output * s * (1 - s), "grad_output * s * (1 - s)", mistakes, elementwise, chain_rule)
    _gradcheck(fn, name, (torch.linspace(-4, 4, 15, dtype=torch.float64).reshape(SHAPE),))
    print(
        f"check passed: {name} computes the sigmoid, saves its output, its backward matches grad_output * s * (1 - s), "
        "and it passes gradcheck"
    )


# ---- Exercise 3: MyLinear (three inputs) and a gradcheck test of it --------------------------------------------


def check_linear_function(fn, gradcheck_linear):
    """Returns None; prints "check passed" when the Function class `fn` computes x w + b with the right gradients,
    returns None for the inputs that need no gradient, passes gradcheck, and when the student's test
    `gradcheck_linear(fn)` accepts it and rejects wrong Functions.

    Catches in MyLinear: the bias forgotten; nothing saved, or tensors kept as ctx attributes; gradients in
    another order than forward's inputs; a transposed grad_w or grad_x; grad_b not summed over the batch,
    averaged, summed over the wrong dimension or over everything; a gradient computed for an input that needs
    none, or None for one that needs it (ctx.needs_input_grad). In the test: fn.apply never called, float32
    inputs, sizes N, D_in and H not all different, inputs that do not require grad (their gradient goes
    unchecked), an error raised for a wrong Function instead of False (raise_exception=False missing), a
    verdict that lets wrong gradients pass (forward compared alone, or True whatever happens).
    """
    name = _check_is_function(fn)
    x, w, b, grad_output = linear_inputs()
    call = "x, w, b"
    out, saved = _forward(fn, name, tuple(t.clone().requires_grad_() for t in (x, w, b)), call, LINEAR_SHAPES)
    mistakes = {"the bias b is missing: x w + b.": x @ w, "b is subtracted: x w + b.": x @ w - b}
    _output(name, call, out, x @ w + b, "x w + b", mistakes)
    _require_saved(name, saved)
    expected = {"x": grad_output @ w.t(), "w": x.t() @ grad_output, "b": grad_output.sum(0)}
    grads = _backward(fn, name, out.grad_fn, grad_output, ("x", "w", "b"), cause=LINEAR_GRADIENTS)
    _check_order(name, grads, expected)
    bias_mistakes = {
        "it is grad_output itself, of shape (N, H): b was added to every row of x w, so its gradient adds up the "
        "rows' gradients, grad_output.sum(0), of shape (H,) like b.": grad_output,
        "it is the mean over the batch: b was added to every row, so the rows' gradients add up, "
        "grad_output.sum(0).": grad_output.mean(0),
        "it sums over dimension 1, the outputs; b's gradient sums over the batch, dimension 0: "
        "grad_output.sum(0).": grad_output.sum(1),
        "it sums over everything, a single number; b's gradient sums over the batch only, grad_output.sum(0), one "
        "entry per output like b.": grad_output.sum(),
        "it has shape (1, H): b's shape is (H,), so sum without keepdim, grad_output.sum(0).": (
            grad_output.sum(0, keepdim=True)
        ),
    }
    for part, formula, mistakes in [
        ("x", "grad_output w^T", None),
        ("w", "x^T grad_output", None),
        ("b", "grad_output.sum(0)", bias_mistakes),
    ]:
        grad = grads["xwb".index(part)]
        _gradient(name, part, grad, expected[part], formula, mistakes, LINEAR_GRADIENTS, LINEAR_GRADIENTS)
    _check_needs_input_grad(fn, name, (x, w, b), grad_output, expected)
    _gradcheck(fn, name, (x, w, b))
    _check_gradcheck_test(fn, name, gradcheck_linear)
    print(
        f"check passed: {name} computes x w + b, its backward returns grad_output w^T, x^T grad_output and "
        "grad_output.sum(0) (None where no gradient is needed), it passes gradcheck, and gradcheck_linear tells "
        "it from wrong ones"
    )


def _check_order(name, grads, expected):
    shapes = [tuple(g.shape) if isinstance(g, torch.Tensor) else None for g in grads]
    wanted = {part: tuple(value.shape) for part, value in expected.items()}
    if shapes != list(wanted.values()) and sorted(map(str, shapes)) == sorted(map(str, wanted.values())):
        checks.fail(
            f"{name}.backward returned gradients of shapes {shapes}: they are those of x, w and b, in another order.",
            "return the gradients in the order of forward's inputs: grad_x, grad_w, grad_b.",
        )


def _check_needs_input_grad(fn, name, inputs, grad_output, expected):
    """Fails unless backward returns None exactly for the inputs that need no gradient (ctx.needs_input_grad): run
    with x alone requiring grad, then with w and b alone; a None where a gradient is needed is named first."""
    parts, runs = ("x", "w", "b"), []
    for needed in ((True, False, False), (False, True, True)):
        given = tuple(t.clone().requires_grad_(need) for t, need in zip(inputs, needed))
        out, _ = _forward(fn, name, given, "x, w, b")
        runs.append((needed, _backward(fn, name, out.grad_fn, grad_output, parts, cause=LINEAR_GRADIENTS)))
    for needed, grads in runs:
        flags = ", ".join(f"{part} {need}" for part, need in zip(parts, needed))
        for part, need, grad in zip(parts, needed, grads):
            if need and grad is None:
                checks.fail(
                    f"{name}.backward returned None for {part}, though {part} requires grad here (needs_input_grad: "
                    f"{flags}).",
                    "ctx.needs_input_grad follows forward's inputs: [0] is for x, [1] for w, [2] for b.",
                )
            if need:
                checks.compare(f"the gradient for {part} when only {part} needs one", grad, expected[part], 1e-10)
    for needed, grads in reversed(runs):  # x without a gradient first: the data of a network
        flags = ", ".join(f"{part} {need}" for part, need in zip(parts, needed))
        for index, (part, need, grad) in enumerate(zip(parts, needed, grads)):
            if not need and grad is not None:
                checks.fail(
                    f"{name}.backward returned a gradient for {part}, whose ctx.needs_input_grad[{index}] is False "
                    f"here ({part} does not require grad; needs_input_grad: {flags}).",
                    "return None for an input that needs no gradient, and skip its product: start from None, and "
                    f"compute grad_{part} only `if ctx.needs_input_grad[{index}]:`.",
                )


class _StandIn:
    """What the check gives the student's test in place of the Function class: `apply` records the inputs of its
    first call and runs the student's Function; with `doubled`, the gradient flowing back into that input is
    doubled, a wrong Function that a good test rejects (`backward_calls` counts the backward passes through it)."""

    def __init__(self, fn, doubled=None):
        self.fn, self.doubled, self.inputs, self.backward_calls = fn, doubled, None, []
        self.__name__ = fn.__name__

    def apply(self, *inputs):
        if self.inputs is None:
            self.inputs = inputs
        if self.doubled is not None and len(inputs) > self.doubled:
            inputs = list(inputs)
            inputs[self.doubled] = _DoubleGradient.apply(inputs[self.doubled], self.backward_calls)
        return self.fn.apply(*inputs)

    def __call__(self, *args, **kwargs):
        checks.fail(
            "gradcheck_linear calls fn(...) itself: a Function is called through fn.apply(x, w, b).",
            "give gradcheck fn.apply: torch.autograd.gradcheck(fn.apply, (x, w, b), raise_exception=False).",
        )


class _DoubleGradient(torch.autograd.Function):
    """The identity, with twice the gradient on the way back: it makes a wrong Function out of a right one.
    Each backward pass through it is noted in `calls`, a list."""

    @staticmethod
    def forward(ctx, t, calls):
        ctx.calls = calls
        return t.clone()

    @staticmethod
    def backward(ctx, grad_output):
        ctx.calls.append(1)
        return 2 * grad_output, None


def _verdict(test, stand_in):
    """Returns (what test(stand_in) returns, None), or (None, the GradcheckError) when it raises one."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gradcheck's warning about float32 inputs: the check names that itself
        with checks.running(
            "gradcheck_linear(MyLinear)",
            expected="True or False, gradcheck's verdict",
            cause=f"your test's inputs: {LINEAR_SHAPES}, all float64 and requiring grad",
        ):
            try:
                return test(stand_in), None
            except GradcheckError as error:
                return None, error


def _check_gradcheck_test(fn, name, test):
    """Fails unless the student's test accepts fn (right, as checked before) and rejects it with one gradient
    doubled, by returning False, naming why a test does not tell them apart."""
    stand_in = _StandIn(fn)
    verdict, raised = _verdict(test, stand_in)
    if stand_in.inputs is None:
        checks.fail(
            f"gradcheck_linear({name}) never called fn.apply: it must test the Function it is given.",
            "torch.autograd.gradcheck(fn.apply, (x, w, b), raise_exception=False) with your own x, w and b.",
        )
    tensors = [t for t in stand_in.inputs if isinstance(t, torch.Tensor)]
    other = sorted({str(t.dtype).replace("torch.", "") for t in tensors if t.dtype != torch.float64})
    if other:
        checks.fail(
            f"gradcheck_linear gives gradcheck {', '.join(other)} inputs: below float64's precision, x +- eps is "
            "rounded to a grid (about 1e-7 apart in float32), so the numeric slopes are off by percents, and "
            "gradcheck fails even a right Function.",
            "create x, w and b with dtype=torch.float64.",
        )
    _check_sizes(stand_in.inputs)
    if verdict is not True:
        checks.fail(
            f"gradcheck_linear({name}) raised {type(raised).__name__}, but {name} is right (it passed the checks "
            "above): the test should return True for it."
            if raised is not None
            else f"gradcheck_linear({name}) returned {verdict!r}, but {name} is right (it passed the checks above): "
            "the test should return True for it.",
            "return gradcheck's verdict: `return torch.autograd.gradcheck(fn.apply, (x, w, b), "
            "raise_exception=False)`, with x (N, D_in), w (D_in, H) and b (H,).",
        )
    parts = ("x", "w", "b")
    unchecked = [part for part, t in zip(parts, stand_in.inputs) if isinstance(t, torch.Tensor) and not t.requires_grad]
    if unchecked:
        checks.fail(
            f"in gradcheck_linear, {unchecked[0]} does not require grad: gradcheck checks only the gradients of the "
            f"inputs that require grad, so a wrong grad_{unchecked[0]} would pass your test."
            if len(unchecked) == 1
            else f"in gradcheck_linear, the inputs {', '.join(unchecked)} do not require grad: gradcheck checks only "
            f"the gradients of the inputs that require grad, so a wrong grad_{unchecked[0]} would pass your test.",
            "create each of x, w and b with requires_grad=True.",
        )
    for index, part in enumerate(parts):
        wrong = _StandIn(fn, doubled=index)
        verdict, raised = _verdict(test, wrong)
        if raised is not None:
            checks.fail(
                f"gradcheck_linear raised {type(raised).__name__} for a {name} whose grad_{part} is twice the true "
                "one, instead of returning False: the test should return gradcheck's verdict, True or False.",
                "pass raise_exception=False: torch.autograd.gradcheck(fn.apply, (x, w, b), raise_exception=False) "
                "then returns False instead of raising.",
            )
        if verdict is True and not wrong.backward_calls:
            checks.fail(
                f"gradcheck_linear passed a {name} whose grad_{part} is twice the true one, and no backward pass ran: "
                "comparing outputs tests forward alone, while the gradients come from backward.",
                "let gradcheck compare the gradients with numeric slopes: return torch.autograd.gradcheck(fn.apply, "
                "(x, w, b), raise_exception=False).",
            )
        if verdict is True:
            checks.fail(
                f"gradcheck_linear passed a {name} whose grad_{part} is twice the true one: the test lets a wrong "
                "gradient through.",
                "return gradcheck's own verdict (not True whatever happens), with its default tolerances.",
            )


def _check_sizes(inputs):
    """Fails unless the test's x (N, D_in), w (D_in, H) and b (H,) have three different sizes N, D_in and H."""
    shapes = [tuple(t.shape) if isinstance(t, torch.Tensor) else None for t in inputs]
    if len(shapes) != 3 or [len(s) if s else 0 for s in shapes] != [2, 2, 1]:
        return  # other inputs than x, w, b: gradcheck's own error says more
    (n, d_in), (_, h) = shapes[0], shapes[1]
    if len({n, d_in, h}) < 3:
        checks.fail(
            f"gradcheck_linear's inputs have shapes x {shapes[0]}, w {shapes[1]} and b {shapes[2]}: N = {n}, "
            f"D_in = {d_in} and H = {h} should all be different sizes, as the exercise asks. Then a transposed "
            "gradient cannot have the right shape, and the error names it.",
            "such as x (5, 4), w (4, 3) and b (3,).",
        )


# ---- The challenge: a ReLU that keeps less for its backward pass -------------------------------------------------


def relu_bits_per_element(fn, device, shape=(64, 100)):
    """Returns how many bits the Function class `fn` keeps for its backward pass per element of a float32 input on
    `device`, after checking that it computes ReLU and torch.relu's gradient (notebook 03's challenge)."""
    name = _check_is_function(fn)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(shape, generator=g).to(device).requires_grad_()
    grad_output = torch.randn(shape, generator=g).to(device)
    out, saved = _forward(fn, name, (x,), "x")
    checks.compare(f"{name}.apply(x)", out, torch.relu(x), tol=1e-12, against="torch.relu(x)")
    with checks.running(f"{name}'s backward pass", expected="the gradient with respect to x", cause=ELEMENTWISE):
        (grad,) = torch.autograd.grad(out, x, grad_output)
    x = x.detach()
    mistakes = {
        "it lets the gradient through wherever x != 0, negatives included (x.bool() is x != 0); ReLU lets it "
        "through where x > 0.": grad_output * (x != 0),
        "it lets the gradient through where x < 0: the mask is inverted.": grad_output * (x < 0),
        "it is grad_output unchanged: the gradient is not masked where x < 0.": grad_output,
        "it lets the gradient through only where x > 1, or it lost the entries between 0 and 1 (a conversion to "
        "an integer type truncates them to 0).": grad_output * (x >= 1),
    }
    _gradient(name, "x", grad, grad_output * (x > 0), "torch.relu's gradient, grad_output * (x > 0)", mistakes)
    return sum(t.numel() * t.element_size() * 8 for t in saved) / x.numel()
