"""utils.function_checks: typical wrong answers to notebook 03's custom Functions are caught and named."""

import re

import pytest
import torch

from utils import checks, function_checks


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


def test_sample_inputs_tell_the_mistakes_apart():
    x, g = function_checks.sample_inputs()
    assert x.dtype == torch.float64 and x.shape == (3, 5) and x.abs().min() >= 0.5
    masks = [x > 0, x < 0, g > 0, torch.ones_like(x, dtype=torch.bool)]
    assert len({tuple(m.flatten().tolist()) for m in masks}) == len(masks)


def test_right_relu_passes(capsys):
    function_checks.check_relu_function(relu_function(right_relu_backward))
    assert capsys.readouterr().out.startswith("check passed: MyReLU computes ReLU")


@pytest.mark.parametrize(
    "backward, message",
    [
        (lambda ctx, g, x: masked(g, g < 0), "the mask is on the wrong tensor: it zeroes where grad_output < 0"),
        (lambda ctx, g, x: g.clone(), "the gradient for x < 0 is not zeroed"),
        (lambda ctx, g, x: masked(g, x > 0), "the mask is inverted"),
        (lambda ctx, g, x: (x > 0).to(x.dtype), "not multiplied by grad_output"),
        (
            lambda ctx, g, x: right_relu_backward(ctx, g, x).t(),
            "has shape (5, 3) but should be (3, 5), the shape of the input x: did you transpose?",
        ),
        (lambda ctx, g, x: g[x > 0], "grad_output[x > 0] selects entries (a 1-D tensor)"),
        (lambda ctx, g, x: masked(g, x < 0)[0], "has shape (5,) but should be (3, 5)"),
        (lambda ctx, g, x: g.masked_fill_(x < 0, 0), "MyReLU.backward changed grad_output in place"),
        (lambda ctx, g, x: None, "MyReLU.backward returned None"),
        (lambda ctx, g, x: (g, g), "MyReLU.backward returned 2 values, but forward takes one tensor"),
        (lambda ctx, g, x: g.clone() * 2 * (x > 0), "does not match grad_output * (x > 0)"),
        (lambda ctx, g, x: g.mm(x), "MyReLU.backward raised RuntimeError"),
    ],
)
def test_relu_mistakes_are_named(backward, message):
    with pytest.raises(checks.CheckFailed, match=re.escape(message)):
        function_checks.check_relu_function(relu_function(backward))


def test_forgetting_save_for_backward_is_named():
    def forgets(ctx, x):  # the forward a student writes when save_for_backward is forgotten
        return x.clamp(min=0)

    def reads(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return right_relu_backward(ctx, grad_output, x)

    cases = [
        relu_function(right_relu_backward, save=False),  # ctx.x = x: works by luck, not tracked
        type("MyReLU", (torch.autograd.Function,), {"forward": staticmethod(forgets), "backward": staticmethod(reads)}),
    ]
    for fn in cases:
        with pytest.raises(
            checks.CheckFailed,
            match=r"MyReLU.forward saved no tensor with ctx.save_for_backward"
            r"(?s:.*)Hint: in forward, call ctx.save_for_backward",
        ):
            function_checks.check_relu_function(fn)


def test_wrong_forward_and_wrong_kinds_of_function_are_named():
    class Identity(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.clone()

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output

    with pytest.raises(checks.CheckFailed, match=r"Identity.apply\(x\) does not match ReLU\(x\)"):
        function_checks.check_relu_function(Identity)

    class OldStyle(torch.autograd.Function):  # the 2017 way: methods with self
        def forward(self, x):
            return x.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output

    with pytest.raises(checks.CheckFailed, match=r"OldStyle.forward is not a @staticmethod(?s:.*)\.apply"):
        function_checks.check_relu_function(OldStyle)
    right = relu_function(right_relu_backward)
    with pytest.raises(
        checks.CheckFailed, match="should be a class derived from torch.autograd.Function(?s:.*)not MyFunction.apply"
    ):
        function_checks.check_relu_function(right.apply)


def test_count_saved_tensors():
    x = torch.ones(2, requires_grad=True)
    out, n = function_checks.count_saved_tensors(relu_function(right_relu_backward).apply, x)
    assert n == 1 and torch.equal(out, x)
    assert function_checks.count_saved_tensors(relu_function(right_relu_backward, save=False).apply, x)[1] == 0


@pytest.mark.parametrize(
    "save, backward",
    [
        ("output", right_sigmoid_backward),
        ("input", lambda ctx, g, x: right_sigmoid_backward(ctx, g, torch.sigmoid(x))),  # recomputing is right too
    ],
)
def test_right_sigmoids_pass(capsys, save, backward):
    function_checks.check_sigmoid_function(sigmoid_function(backward, save))
    assert capsys.readouterr().out.startswith("check passed: MySigmoid computes the sigmoid")


@pytest.mark.parametrize(
    "save, backward, message",
    [
        ("input", right_sigmoid_backward, "needs the OUTPUT s = sigmoid(x), not the input x"),
        ("output", lambda ctx, g, s: s * (1 - s), "not multiplied by grad_output"),
        ("output", lambda ctx, g, s: -g * s * (1 - s), "its sign is flipped"),
        ("output", lambda ctx, g, s: (g * s * (1 - s)).t(), "did you transpose?"),
        ("output", lambda ctx, g, s: g * s, "does not match grad_output * s * (1 - s)"),
        (None, right_sigmoid_backward, "MySigmoid.forward saved no tensor with ctx.save_for_backward"),
    ],
)
def test_sigmoid_mistakes_are_named(save, backward, message):
    with pytest.raises(checks.CheckFailed, match=re.escape(message)):
        function_checks.check_sigmoid_function(sigmoid_function(backward, save))


def test_gradcheck_failure_is_reported():
    class Inconsistent(torch.autograd.Function):
        """Right on the checker's sample input (|x| >= 0.5), wrong on gradcheck's other points."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * (x > 0) * (1 + (x.abs() < 0.5))

    function_checks._gradcheck(Inconsistent, "Inconsistent", function_checks.sample_inputs()[0])  # passes there
    with pytest.raises(checks.CheckFailed, match="Inconsistent fails torch.autograd.gradcheck: Jacobian mismatch"):
        function_checks._gradcheck(Inconsistent, "Inconsistent", torch.tensor([0.25, -0.3, 1.0], dtype=torch.float64))


def test_an_exercise_not_done_yet_is_not_disguised():
    def not_done(ctx, g, x):
        raise NotImplementedError("Exercise 1 is not done yet: ...")

    with pytest.raises(NotImplementedError, match="Exercise 1 is not done yet"):
        function_checks.check_relu_function(relu_function(not_done))


def test_unpacking_saved_tensors_is_hinted():
    class MySigmoid(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            s = 1 / (1 + torch.exp(-x))
            ctx.save_for_backward(s)
            return s

        @staticmethod
        def backward(ctx, grad_output):
            s = ctx.saved_tensors  # a tuple: the comma is missing
            return grad_output * s * (1 - s)

    with pytest.raises(
        checks.CheckFailed,
        match=r"MySigmoid.backward raised TypeError(?s:.*)Hint: `s = "
        r"ctx.saved_tensors` makes s a tuple(?s:.*)`s, = ctx.saved_tensors`",
    ):
        function_checks.check_sigmoid_function(MySigmoid)
    with pytest.raises(checks.CheckFailed, match=r"MyReLU.backward raised RuntimeError: [^\n]*$"):  # no such hint
        function_checks.check_relu_function(relu_function(lambda ctx, g, x: g.mm(x)))
