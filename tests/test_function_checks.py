"""utils.function_checks: the wrong answers students write to notebook 03's custom Functions are caught and named."""

import math
import re

import pytest
import torch

from utils import challenge, checks, function_checks


def function(forward, backward, name="MyFunction"):
    """Returns a Function class named `name` with the static methods forward(ctx, ...) and backward(ctx, ...)."""
    return type(
        name, (torch.autograd.Function,), {"forward": staticmethod(forward), "backward": staticmethod(backward)}
    )


def fails(check, *args, message):
    """Asserts that check(*args) raises CheckFailed whose text contains `message` (plain text, not a pattern)."""
    with pytest.raises(checks.CheckFailed) as info:
        check(*args)
    assert message in str(info.value), str(info.value)
    return str(info.value)


# ---- Exercise 1: MyReLU.backward ------------------------------------------------------------------------------


def relu_forward(ctx, x):
    ctx.save_for_backward(x)
    return x.clamp(min=0)


def relu(backward):
    """Returns MyReLU with the right forward and backward(ctx, grad_output, x) = `backward`."""

    def read_then_call(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return backward(ctx, grad_output, x)

    return function(relu_forward, read_then_call, "MyReLU")


def right_relu_backward(ctx, g, x):
    grad_input = g.clone()
    grad_input[x < 0] = 0
    return grad_input


def masked(g, mask):
    grad_input = g.clone()
    grad_input[mask] = 0
    return grad_input


def test_sample_inputs_tell_the_mistakes_apart():
    x, g = function_checks.sample_inputs()
    assert x.dtype == torch.float64 and x.shape == (3, 5) and x.abs().min() >= 0.5
    masks = [x > 0, x < 0, g > 0, torch.ones_like(x, dtype=torch.bool)]
    assert len({tuple(m.flatten().tolist()) for m in masks}) == len(masks)


@pytest.mark.parametrize(
    "backward",
    [
        right_relu_backward,
        lambda ctx, g, x: g * (x > 0),
        lambda ctx, g, x: g.masked_fill(x <= 0, 0),
        lambda ctx, g, x: torch.where(x > 0, g, 0.0),
        lambda ctx, g, x: (right_relu_backward(ctx, g, x),),  # a tuple of one gradient
    ],
)
def test_right_relus_pass(capsys, backward):
    function_checks.check_relu_function(relu(backward))
    assert capsys.readouterr().out.startswith("check passed: MyReLU computes ReLU")


@pytest.mark.parametrize(
    "backward, message",
    [
        (lambda ctx, g, x: masked(g, g < 0), "the mask is on the wrong tensor: it zeroes where grad_output < 0"),
        (lambda ctx, g, x: g.clamp(min=0), "the mask is on the wrong tensor"),
        (lambda ctx, g, x: g.clone(), "the gradient for x < 0 is not zeroed"),
        (lambda ctx, g, x: masked(g, x > 0), "the mask is inverted"),
        (lambda ctx, g, x: (x > 0).to(x.dtype), "not multiplied by grad_output"),
        (lambda ctx, g, x: x > 0, "not multiplied by grad_output"),
        (lambda ctx, g, x: x.clamp(min=0), "it is ReLU(x), forward's output"),
        (lambda ctx, g, x: g * x.clamp(min=0), "it multiplies grad_output by ReLU(x), the output"),
        (lambda ctx, g, x: g * x.sign(), "it multiplies grad_output by sign(x)"),
        (
            lambda ctx, g, x: right_relu_backward(ctx, g, x).t(),
            "has shape (5, 3) but should be (3, 5), the shape of x: did you transpose?",
        ),
        (lambda ctx, g, x: g[x > 0], "grad_output[x > 0] selects entries, a 1-D tensor"),
        (lambda ctx, g, x: masked(g, x < 0)[0], "has shape (5,) but should be (3, 5)"),
        (lambda ctx, g, x: g.masked_fill_(x < 0, 0), "MyReLU.backward changed grad_output in place"),
        (lambda ctx, g, x: None, "MyReLU.backward returned None for x"),
        (lambda ctx, g, x: (g, g), "MyReLU.backward returned 2 value(s), but forward takes 1 tensor(s): x"),
        (lambda ctx, g, x: g.clone() * 2 * (x > 0), "it is twice the true gradient"),
        (lambda ctx, g, x: -g * (x > 0), "its sign is flipped"),
        (lambda ctx, g, x: g * x, "it multiplies grad_output by x itself"),
        (lambda ctx, g, x: g.clone() * 3 * (x > 0), "does not match grad_output * (x > 0)"),
        (lambda ctx, g, x: 1.0, "is a float, not a tensor"),
    ],
)
def test_relu_mistakes_are_named(backward, message):
    fails(function_checks.check_relu_function, relu(backward), message=message)


def test_an_indexing_error_in_backward_gets_the_shapes_as_hint():
    text = fails(
        function_checks.check_relu_function,
        relu(lambda ctx, g, x: masked(g, x < 0).index_put_((x > 0,), g)),
        message="MyReLU.backward(ctx, grad_output) raised RuntimeError",
    )
    assert "Hint: grad_output and x have the same shape" in text


def test_an_error_in_backward_becomes_a_lesson():
    text = fails(
        function_checks.check_relu_function,
        relu(lambda ctx, g, x: g.mm(x)),
        message="MyReLU.backward(ctx, grad_output) raised RuntimeError instead of returning grad_x.",
    )
    assert "two tensors' shapes do not fit together" in text
    assert text.splitlines()[-1].startswith("The error itself: RuntimeError: mat1 and mat2 shapes cannot be")


def test_forgetting_save_for_backward_is_named():
    def keeps_attribute(ctx, x):
        ctx.x = x  # stored as an attribute: autograd does not track it
        return x.clamp(min=0)

    def forgets(ctx, x):
        return x.clamp(min=0)

    fails(
        function_checks.check_relu_function,
        function(keeps_attribute, lambda ctx, g: right_relu_backward(ctx, g, ctx.x), "MyReLU"),
        message="MyReLU.forward keeps tensors as attributes of ctx (ctx.x): autograd does not track them",
    )
    text = fails(
        function_checks.check_relu_function,
        function(forgets, lambda ctx, g: g, "MyReLU"),
        message="MyReLU.forward saved no tensor with ctx.save_for_backward",
    )
    assert "Hint: in forward, call ctx.save_for_backward" in text


def test_wrong_forward_and_wrong_kinds_of_function_are_named():
    def identity(ctx, x):
        ctx.save_for_backward(x)
        return x.clone()

    fails(
        function_checks.check_relu_function,
        function(identity, lambda ctx, g: g, "Identity"),
        message="Identity.apply(x) does not match ReLU(x)",
    )

    class OldStyle(torch.autograd.Function):  # the 2017 way: methods with self
        def forward(self, x):
            return x.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output

    text = fails(function_checks.check_relu_function, OldStyle, message="OldStyle.forward is not a @staticmethod")
    assert ".apply" in text
    fails(
        function_checks.check_relu_function,
        relu(right_relu_backward).apply,
        message="should be a class derived from torch.autograd.Function",
    )

    def two_outputs(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0), x

    fails(
        function_checks.check_relu_function,
        function(two_outputs, lambda ctx, g: g, "MyReLU"),
        message="MyReLU.forward returned 2 values",
    )

    def boolean(ctx, x):
        ctx.save_for_backward(x)
        return x > 0

    fails(function_checks.check_relu_function, function(boolean, lambda ctx, g: g, "MyReLU"), message="no grad_fn")


def test_saved_by_and_tensors_on_ctx():
    x = torch.ones(2, requires_grad=True)
    out, saved = function_checks.saved_by(relu(right_relu_backward).apply, x)
    assert torch.equal(out, x) and len(saved) == 1 and saved[0] is x
    assert function_checks.tensors_on_ctx(out.grad_fn) == []

    def keeps(ctx, x):
        ctx.pair, ctx.shape, ctx.mask = (x, x), x.shape, x > 0
        return x * 1

    out = function(keeps, lambda ctx, g: g).apply(x)
    assert function_checks.tensors_on_ctx(out.grad_fn) == ["mask", "pair"]


def test_gradcheck_failure_is_reported():
    def backward(ctx, grad_output):  # right on the checker's sample input (|x| >= 0.5), wrong on other points
        (x,) = ctx.saved_tensors
        return grad_output * (x > 0) * (1 + (x.abs() < 0.5))

    inconsistent = function(relu_forward, backward, "Inconsistent")
    function_checks._gradcheck(inconsistent, "Inconsistent", function_checks.sample_inputs()[:1])  # passes there
    with pytest.raises(checks.CheckFailed, match="Inconsistent fails torch.autograd.gradcheck: Jacobian mismatch"):
        function_checks._gradcheck(
            inconsistent, "Inconsistent", (torch.tensor([0.25, -0.3, 1.0], dtype=torch.float64),)
        )


def test_an_exercise_not_done_yet_is_not_disguised():
    def not_done(ctx, g, x):
        raise NotImplementedError("Exercise 1 is not done yet: ...")

    with pytest.raises(NotImplementedError, match="Exercise 1 is not done yet"):
        function_checks.check_relu_function(relu(not_done))


# ---- Exercise 2: MySigmoid -------------------------------------------------------------------------------------


def sigmoid(backward=None, forward=None, save="output"):
    """Returns MySigmoid; forward(x) computes the output (the formula by default), `save` says what is saved
    ("output", "input", "both", "attribute" or None), backward(ctx, g, s, x) gets the output s and, if saved, x."""

    def fwd(ctx, x):
        s = (forward or (lambda x: 1 / (1 + torch.exp(-x))))(x)
        if save == "output":
            ctx.save_for_backward(s)
        elif save == "input":
            ctx.save_for_backward(x)
        elif save == "both":
            ctx.save_for_backward(s, x)
        elif save == "attribute":
            ctx.s = s
        return s

    def bwd(ctx, g):
        saved = ctx.saved_tensors
        s = saved[0] if save in ("output", "both") else torch.sigmoid(saved[0]) if saved else None
        x = saved[-1] if save in ("input", "both") else None
        return (backward or right_sigmoid_backward)(ctx, g, s, x)

    return function(fwd, bwd, "MySigmoid")


def right_sigmoid_backward(ctx, g, s, x):
    return g * s * (1 - s)


@pytest.mark.parametrize(
    "fn",
    [
        sigmoid(),
        sigmoid(forward=torch.sigmoid),
        sigmoid(save="both"),  # the output and, needlessly, the input
        sigmoid(lambda ctx, g, s, x: g * (s - s * s)),
    ],
)
def test_right_sigmoids_pass(capsys, fn):
    function_checks.check_sigmoid_function(fn)
    assert capsys.readouterr().out.startswith("check passed: MySigmoid computes the sigmoid, saves its output")


@pytest.mark.parametrize(
    "fn, message",
    [
        (sigmoid(save="input"), "MySigmoid.forward saved x, the input: this exercise saves the output s"),
        (sigmoid(save=None), "MySigmoid.forward saved no tensor with ctx.save_for_backward"),
        (sigmoid(save="attribute"), "keeps tensors as attributes of ctx (ctx.s)"),
        (sigmoid(save="both", backward=lambda ctx, g, s, x: g * x * (1 - x)), "needs the OUTPUT s = sigmoid(x)"),
        (sigmoid(lambda ctx, g, s, x: s * (1 - s)), "not multiplied by grad_output"),
        (sigmoid(lambda ctx, g, s, x: -g * s * (1 - s)), "its sign is flipped"),
        (sigmoid(lambda ctx, g, s, x: (g * s * (1 - s)).t()), "did you transpose?"),
        (sigmoid(lambda ctx, g, s, x: g * s), "the factor (1 - s) is missing"),
        (sigmoid(lambda ctx, g, s, x: g * (1 - s)), "the factor s is missing"),
        (sigmoid(lambda ctx, g, s, x: g * s * s), "does not match grad_output * s * (1 - s)"),
        (sigmoid(lambda ctx, g, s, x: g * s * (1 + s)), "Hint: the sigmoid's slope is s * (1 - s)"),
        (sigmoid(lambda ctx, g, s, x: g.mul_(s * (1 - s))), "MySigmoid.backward changed grad_output in place"),
        (sigmoid(forward=lambda x: 1 / 1 + torch.exp(-x)), "the division needs parentheses"),
        (sigmoid(forward=lambda x: 1 / (1 + torch.exp(x))), "the exponent is -x"),
        (sigmoid(forward=lambda x: 1 / (1 - torch.exp(-x))), "the denominator is 1 + exp(-x)"),
        (sigmoid(forward=torch.tanh), "MySigmoid.apply(x) does not match sigmoid(x)"),
        (sigmoid(forward=lambda x: x.sigmoid_()), "MySigmoid.forward changed its input x in place"),
    ],
)
def test_sigmoid_mistakes_are_named(fn, message):
    fails(function_checks.check_sigmoid_function, fn, message=message)


def test_math_exp_on_a_tensor_gets_the_lesson_of_torch_exp():
    text = fails(
        function_checks.check_sigmoid_function,
        sigmoid(forward=lambda x: 1 / (1 + math.exp(-x))),
        message="MySigmoid.apply(x) raised ValueError instead of returning the output tensor.",
    )
    assert "use torch's own function, torch.exp(x), which works entry by entry" in text.lower()
    assert (
        text.splitlines()[-1]
        == "The error itself: ValueError: only one element tensors can be converted to Python scalars"
    )


def test_unpacking_saved_tensors_is_hinted():
    def forward(ctx, x):
        s = 1 / (1 + torch.exp(-x))
        ctx.save_for_backward(s)
        return s

    def backward(ctx, grad_output):
        s = ctx.saved_tensors  # a tuple: the comma is missing
        return grad_output * s * (1 - s)

    text = fails(
        function_checks.check_sigmoid_function,
        function(forward, backward, "MySigmoid"),
        message="MySigmoid.backward(ctx, grad_output) raised TypeError",
    )
    assert re.search(r"Hint: `s = ctx.saved_tensors` makes s a tuple.*`s, = ctx.saved_tensors`", text), text
    text = fails(function_checks.check_relu_function, relu(lambda ctx, g, x: g.mm(x)), message="raised RuntimeError")
    assert "saved_tensors" not in text  # no such hint where it does not apply


# ---- Exercise 3: MyLinear and gradcheck_linear -----------------------------------------------------------------


def linear_forward(ctx, x, w, b):
    ctx.save_for_backward(x, w)
    return x.mm(w) + b


def linear(grad_x=None, grad_w=None, grad_b=None, forward=linear_forward, order=(0, 1, 2), needs=True):
    """Returns MyLinear; each grad_* is a function (g, x, w) replacing the right formula; `needs` False computes
    every gradient whether or not ctx.needs_input_grad asks for it; `order` permutes what backward returns."""
    formulas = (
        grad_x or (lambda g, x, w: g.mm(w.t())),
        grad_w or (lambda g, x, w: x.t().mm(g)),
        grad_b or (lambda g, x, w: g.sum(0)),
    )

    def backward(ctx, g):
        x, w = ctx.saved_tensors[:2]
        grads = [f(g, x, w) if (need or not needs) else None for f, need in zip(formulas, ctx.needs_input_grad)]
        return tuple(grads[i] for i in order)

    return function(forward, backward, "MyLinear")


def gradcheck_linear(fn, dtype=torch.float64, requires=(True, True, True), sizes=(5, 4, 3), **options):
    n, d_in, h = sizes
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, d_in, generator=g, dtype=dtype, requires_grad=requires[0])
    w = torch.randn(d_in, h, generator=g, dtype=dtype, requires_grad=requires[1])
    b = torch.randn(h, generator=g, dtype=dtype, requires_grad=requires[2])
    return torch.autograd.gradcheck(fn.apply, (x, w, b), **{"raise_exception": False, **options})


def compares_forward_only(fn):
    g = torch.Generator().manual_seed(0)
    x, w, b = (torch.randn(*s, generator=g, dtype=torch.float64, requires_grad=True) for s in ((5, 4), (4, 3), (3,)))
    return torch.allclose(fn.apply(x, w, b), x @ w + b)


@pytest.mark.parametrize(
    "fn, test",
    [
        (linear(), gradcheck_linear),
        (linear(), lambda fn: gradcheck_linear(fn, sizes=(3, 7, 2), eps=1e-6, atol=1e-5)),
        (linear(forward=lambda ctx, x, w, b: ctx.save_for_backward(x, w, b) or torch.addmm(b, x, w)), gradcheck_linear),
        (linear(forward=lambda ctx, x, w, b: ctx.save_for_backward(x, w) or x @ w + b), gradcheck_linear),
    ],
)
def test_right_linears_and_tests_pass(capsys, fn, test):
    function_checks.check_linear_function(fn, test)
    assert capsys.readouterr().out.startswith("check passed: MyLinear computes x w + b")


def keeps_attributes(ctx, x, w, b):
    ctx.x, ctx.w = x, w
    return x.mm(w) + b


@pytest.mark.parametrize(
    "fn, message",
    [
        (linear(forward=lambda ctx, x, w, b: ctx.save_for_backward(x, w) or x.mm(w)), "the bias b is missing"),
        (linear(forward=lambda ctx, x, w, b: ctx.save_for_backward(x, w) or x.mm(w) - b), "b is subtracted"),
        (linear(forward=lambda ctx, x, w, b: x.mm(w) + b), "MyLinear.forward saved no tensor"),
        (linear(forward=keeps_attributes), "keeps tensors as attributes of ctx (ctx.w, ctx.x)"),
        (linear(forward=lambda ctx, x, w, b: ctx.save_for_backward(x, w) or x.mm(w.t()) + b), "Hint: x is (N, D_in)"),
        (linear(order=(1, 0, 2)), "they are those of x, w and b, in another order"),
        (linear(grad_w=lambda g, x, w: g.t().mm(x)), "returned for w has shape (3, 4) but should be (4, 3)"),
        (linear(grad_x=lambda g, x, w: w.mm(g.t())), "returned for x has shape (4, 5) but should be (5, 4)"),
        (linear(grad_x=lambda g, x, w: g.mm(w)), "Hint: each gradient has the shape of its input"),
        (linear(grad_x=lambda g, x, w: 2 * g.mm(w.t())), "returned for x is not grad_output w^T: it is twice"),
        (linear(grad_w=lambda g, x, w: -x.t().mm(g)), "returned for w is not x^T grad_output: its sign is flipped"),
        (linear(grad_x=lambda g, x, w: 3 * g.mm(w.t())), "does not match grad_output w^T"),
        (linear(grad_w=lambda g, x, w: x.t().mm(g) / 2), "does not match x^T grad_output"),
        (linear(grad_b=lambda g, x, w: g), "it is grad_output itself, of shape (N, H)"),
        (linear(grad_b=lambda g, x, w: g.mean(0)), "it is the mean over the batch"),
        (linear(grad_b=lambda g, x, w: g.sum(1)), "it sums over dimension 1, the outputs"),
        (linear(grad_b=lambda g, x, w: g.sum()), "it sums over everything"),
        (linear(grad_b=lambda g, x, w: g.sum(0, keepdim=True)), "it has shape (1, H)"),
        (linear(grad_b=lambda g, x, w: None), "MyLinear.backward returned None for b"),
        (linear(order=(0, 1)), "MyLinear.backward returned 2 value(s), but forward takes 3 tensor(s): x, w, b"),
        (linear(needs=False), "returned a gradient for x, whose ctx.needs_input_grad[0] is False"),
        (linear(order=(1, 0, 2), grad_x=lambda g, x, w: x.t().mm(g), grad_w=lambda g, x, w: g.mm(w.t())), "None"),
    ],
)
def test_linear_mistakes_are_named(fn, message):
    fails(function_checks.check_linear_function, fn, gradcheck_linear, message=message)


def test_needs_input_grad_read_at_the_wrong_index_is_named():
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need_w, need_x, need_b = ctx.needs_input_grad  # x and w swapped
        return (g.mm(w.t()) if need_x else None, x.t().mm(g) if need_w else None, g.sum(0) if need_b else None)

    fails(
        function_checks.check_linear_function,
        function(linear_forward, backward, "MyLinear"),
        gradcheck_linear,
        message="MyLinear.backward returned None for x, though x requires grad here",
    )

    def backward_none(ctx, g):
        x, w = ctx.saved_tensors
        return (g.mm(w.t()) if ctx.needs_input_grad[1] else None, x.t().mm(g), g.sum(0))

    text = fails(
        function_checks.check_linear_function,
        function(linear_forward, backward_none, "MyLinear"),
        gradcheck_linear,
        message="MyLinear.backward returned None for x, though x requires grad here",
    )
    assert "[0] is for x, [1] for w, [2] for b" in text


def always_true(fn):
    gradcheck_linear(fn, raise_exception=False)
    return True


def calls_the_class(fn):
    g = torch.Generator().manual_seed(0)
    inputs = [torch.randn(*s, generator=g, dtype=torch.float64, requires_grad=True) for s in ((5, 4), (4, 3), (3,))]
    return torch.autograd.gradcheck(fn, inputs)


@pytest.mark.parametrize(
    "test, message",
    [
        (lambda fn: gradcheck_linear(fn, dtype=torch.float32), "gives gradcheck float32 inputs"),
        (lambda fn: gradcheck_linear(fn, requires=(False, True, True)), "x does not require grad"),
        (lambda fn: gradcheck_linear(fn, requires=(True, False, False)), "the inputs w, b do not require grad"),
        (lambda fn: gradcheck_linear(linear()), "gradcheck_linear(MyLinear) never called fn.apply"),
        (calls_the_class, "gradcheck_linear calls fn(...) itself"),
        (always_true, "passed a MyLinear whose grad_x is twice the true one: the test lets a wrong gradient"),
        (
            lambda fn: gradcheck_linear(fn, raise_exception=True),
            "gradcheck_linear raised GradcheckError for a MyLinear whose grad_x is twice the true one, instead of "
            "returning False",
        ),
        (lambda fn: gradcheck_linear(fn, sizes=(4, 4, 4)), "N = 4, D_in = 4 and H = 4 should all be different sizes"),
        (lambda fn: gradcheck_linear(fn, sizes=(5, 3, 3)), "x (5, 3), w (3, 3) and b (3,): N = 5, D_in = 3 and H = 3"),
        (compares_forward_only, "twice the true one, and no backward pass ran: comparing outputs tests forward alone"),
        (lambda fn: gradcheck_linear(fn, atol=100.0), "passed a MyLinear whose grad_"),
        (lambda fn: None, "never called fn.apply"),
        (lambda fn: gradcheck_linear(fn) and None, "returned None, but MyLinear is right"),
        (lambda fn: not gradcheck_linear(fn, raise_exception=False), "returned False, but MyLinear is right"),
        (
            lambda fn: torch.autograd.gradcheck(fn.apply, (torch.ones(5, 4, dtype=torch.float64),)),
            "gradcheck_linear(MyLinear) raised ValueError instead of returning True or False",
        ),
        (
            lambda fn: gradcheck_linear(fn, requires=(False, False, False)),
            "all float64 and requiring grad",
        ),
        (
            lambda fn: torch.autograd.gradcheck(fn.apply, (torch.ones(5, 4, dtype=torch.float64, requires_grad=True),)),
            "gradcheck_linear(MyLinear) raised TypeError",
        ),
    ],
)
def test_gradcheck_test_mistakes_are_named(test, message):
    fails(function_checks.check_linear_function, linear(), test, message=message)


def test_float32_is_named_without_gradchecks_warning(recwarn):
    fails(
        function_checks.check_linear_function,
        linear(),
        lambda fn: gradcheck_linear(fn, dtype=torch.float32),
        message="create x, w and b with dtype=torch.float64",
    )
    assert not [w for w in recwarn if "double precision" in str(w.message)]


# ---- The challenge: the bits a ReLU keeps ----------------------------------------------------------------------


def lean_forward(ctx, x):
    ctx.save_for_backward(x > 0)
    return x.clamp(min=0)


def lean_backward(ctx, grad_output):
    (positive,) = ctx.saved_tensors
    return grad_output * positive


def test_the_bits_a_relu_keeps_are_measured():
    cpu = torch.device("cpu")
    assert function_checks.relu_bits_per_element(relu(right_relu_backward), cpu) == 32
    assert function_checks.relu_bits_per_element(function(lean_forward, lean_backward, "LeanReLU"), cpu) == 8

    def half(ctx, x):
        ctx.save_for_backward(x.half())
        return x.clamp(min=0)

    def from_half(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * (x > 0)

    assert function_checks.relu_bits_per_element(function(half, from_half, "LeanReLU"), cpu) == 16


def test_a_lean_relu_with_the_wrong_gradient_or_a_hidden_tensor_fails():
    cpu = torch.device("cpu")

    def in_place(ctx, x):
        ctx.save_for_backward(x > 0)
        return x.clamp_(min=0)

    fails(
        function_checks.relu_bits_per_element,
        function(in_place, lean_backward, "LeanReLU"),
        cpu,
        message="LeanReLU.forward changed its input x in place",
    )

    def sign_mask(ctx, x):
        ctx.save_for_backward(x.to(torch.int8) > 0)  # truncation: 0 < x < 1 counts as off
        return x.clamp(min=0)

    fails(
        function_checks.relu_bits_per_element,
        function(sign_mask, lean_backward, "LeanReLU"),
        cpu,
        message="it lost the entries between 0 and 1",
    )

    def nonzero_mask(ctx, x):
        ctx.save_for_backward(x.bool())
        return x.clamp(min=0)

    fails(
        function_checks.relu_bits_per_element,
        function(nonzero_mask, lean_backward, "LeanReLU"),
        cpu,
        message="wherever x != 0, negatives included",
    )

    def times_two(ctx, grad_output):
        (positive,) = ctx.saved_tensors
        return 2 * grad_output * positive

    fails(
        function_checks.relu_bits_per_element,
        function(lean_forward, times_two, "LeanReLU"),
        cpu,
        message="is not torch.relu's gradient, grad_output * (x > 0): it is twice the true gradient",
    )

    def attribute(ctx, x):
        ctx.positive = x > 0
        return x.clamp(min=0)

    fails(
        function_checks.relu_bits_per_element,
        function(attribute, lambda ctx, g: g * ctx.positive, "LeanReLU"),
        cpu,
        message="LeanReLU.forward keeps tensors as attributes of ctx (ctx.positive)",
    )


def test_the_challenge_not_attempted_does_not_stop_the_notebook(capsys):
    def stub(ctx, x):
        raise NotImplementedError("The challenge is not attempted yet: keep less. It is optional: ...")

    lean = function(stub, lean_backward, "LeanReLU")
    challenge.attempt(
        "at most 8 bits per element",
        lambda: function_checks.relu_bits_per_element(lean, torch.device("cpu")),
        measure=float,
        target=8,
        higher_is_better=False,
        unit=" bits per element",
    )
    assert "Challenge (optional): not attempted yet" in capsys.readouterr().out
