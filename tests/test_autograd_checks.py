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


def test_sample_inputs_tell_the_mistakes_apart():
    x, g = autograd_checks.sample_inputs()
    assert x.dtype == torch.float64 and x.shape == (3, 5) and x.abs().min() >= 0.5
    masks = [x > 0, x < 0, g > 0, torch.ones_like(x, dtype=torch.bool)]
    assert len({tuple(m.flatten().tolist()) for m in masks}) == len(masks)


def test_right_relu_passes(capsys):
    autograd_checks.check_relu_function(relu_function(right_relu_backward))
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
        autograd_checks.check_relu_function(relu_function(backward))


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
            autograd_checks.check_relu_function(fn)


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
        autograd_checks.check_relu_function(Identity)

    class OldStyle(torch.autograd.Function):  # the 2017 way: methods with self
        def forward(self, x):
            return x.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output

    with pytest.raises(checks.CheckFailed, match=r"OldStyle.forward is not a @staticmethod(?s:.*)\.apply"):
        autograd_checks.check_relu_function(OldStyle)
    right = relu_function(right_relu_backward)
    with pytest.raises(
        checks.CheckFailed, match="should be a class derived from torch.autograd.Function(?s:.*)not MyFunction.apply"
    ):
        autograd_checks.check_relu_function(right.apply)


def test_count_saved_tensors():
    x = torch.ones(2, requires_grad=True)
    out, n = autograd_checks.count_saved_tensors(relu_function(right_relu_backward).apply, x)
    assert n == 1 and torch.equal(out, x)
    assert autograd_checks.count_saved_tensors(relu_function(right_relu_backward, save=False).apply, x)[1] == 0


def right_sigmoid_backward(ctx, g, s):
    return g * s * (1 - s)


@pytest.mark.parametrize(
    "save, backward",
    [
        ("output", right_sigmoid_backward),
        ("input", lambda ctx, g, x: right_sigmoid_backward(ctx, g, torch.sigmoid(x))),  # recomputing is right too
    ],
)
def test_right_sigmoids_pass(capsys, save, backward):
    autograd_checks.check_sigmoid_function(sigmoid_function(backward, save))
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
        autograd_checks.check_sigmoid_function(sigmoid_function(backward, save))


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

    autograd_checks._gradcheck(Inconsistent, "Inconsistent", autograd_checks.sample_inputs()[0])  # passes there
    with pytest.raises(checks.CheckFailed, match="Inconsistent fails torch.autograd.gradcheck: Jacobian mismatch"):
        autograd_checks._gradcheck(Inconsistent, "Inconsistent", torch.tensor([0.25, -0.3, 1.0], dtype=torch.float64))


def test_an_exercise_not_done_yet_is_not_disguised():
    def not_done(ctx, g, x):
        raise NotImplementedError("Exercise 1 is not done yet: ...")

    with pytest.raises(NotImplementedError, match="Exercise 1 is not done yet"):
        autograd_checks.check_relu_function(relu_function(not_done))


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
        autograd_checks.check_sigmoid_function(MySigmoid)
    with pytest.raises(checks.CheckFailed, match=r"MyReLU.backward raised RuntimeError: [^\n]*$"):  # no such hint
        autograd_checks.check_relu_function(relu_function(lambda ctx, g, x: g.mm(x)))


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
