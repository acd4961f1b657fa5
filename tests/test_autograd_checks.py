"""utils.autograd_checks: the right answers to notebook 02's exercises pass, and each classic mistake is named."""

import math
import re

import numpy as np
import pytest
import torch

from utils import autograd_checks, checks

# ---- Exercise 1: train ---------------------------------------------------------------------------------------


def train(x, y, w1, w2, iterations, learning_rate):
    losses = []
    for _ in range(iterations):
        y_pred = x.mm(w1).clamp(min=0).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w1 -= learning_rate * w1.grad
            w2 -= learning_rate * w2.grad
        w1.grad.zero_()
        w2.grad.zero_()
    return losses


def test_the_right_train_passes(capsys):
    autograd_checks.check_train(train)
    assert capsys.readouterr().out == (
        "check passed: train runs the lecture's autograd loop (25 losses as numbers, w1 and w2 trained in place, "
        "gradients zeroed)\n"
    )


def train_2017(x, y, w1, w2, iterations, learning_rate):
    losses = []
    for _ in range(iterations):
        loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()
        losses.append(float(loss))
        if w1.grad is not None:  # zeroing before backward, guarded, is right too
            w1.grad.data.zero_()
            w2.grad.data.zero_()
        loss.backward()
        w1.data -= learning_rate * w1.grad.data  # the 2017 way still works
        w2.data -= learning_rate * w2.grad.data
    return losses


def train_grad_none(x, y, w1, w2, iterations, learning_rate):
    losses = []
    for _ in range(iterations):
        loss = (torch.relu(x @ w1) @ w2 - y).square().sum()
        loss.backward()
        losses.append(loss.item())
        with torch.no_grad():
            for w in (w1, w2):
                w -= learning_rate * w.grad
                w.grad = None
    return losses


@pytest.mark.parametrize("right", [train_2017, train_grad_none])
def test_other_right_loops_pass(right, capsys):
    autograd_checks.check_train(right)
    assert capsys.readouterr().out.startswith("check passed: train runs the lecture's autograd loop")


def loop(
    x,
    y,
    w1,
    w2,
    iterations,
    learning_rate,
    update="no_grad",
    zero="after",
    record=lambda loss: loss.item(),
    rate=None,
    steps=None,
    sign=1.0,
    mean=False,
    relu=True,
    copy=False,
    only_w1=False,
    backward_twice=False,
):
    """The lecture's loop with one classic mistake switched on."""
    if copy:
        w1, w2 = w1.detach().clone().requires_grad_(), w2.detach().clone().requires_grad_()
    lr = learning_rate if rate is None else rate
    losses = []
    for _ in range(iterations if steps is None else steps):
        if zero == "before":  # the 2017 order without its guard: .grad is None at first
            w1.grad.zero_()
            w2.grad.zero_()
        if zero == "if":  # the 2017 idiom
            if w1.grad:
                w1.grad.zero_()
        h = x.mm(w1)
        diff = (h.clamp(min=0) if relu else h).mm(w2) - y
        loss = diff.pow(2).mean() if mean else diff.pow(2).sum()
        losses.append(record(loss))
        loss.backward()
        if backward_twice:
            loss.backward()
        if zero == "before update":
            w1.grad.zero_()
            w2.grad.zero_()
        if update == "no_grad":
            with torch.no_grad():
                w1 -= sign * lr * w1.grad
                if not only_w1:
                    w2 -= sign * lr * w2.grad
        elif update == "outside":
            w1 -= lr * w1.grad
            w2 -= lr * w2.grad
        elif update == "rebind under no_grad":
            with torch.no_grad():
                w1 = w1 - lr * w1.grad
                w2 = w2 - lr * w2.grad
        elif update == "rebind":
            w1 = w1 - lr * w1.grad
            w2 = w2 - lr * w2.grad
        if zero == "after":
            w1.grad.zero_()
            w2.grad.zero_()
    return losses


def loss_computed_once(x, y, w1, w2, iterations, learning_rate):
    losses = []
    loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()
    for _ in range(iterations):
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w1 -= learning_rate * w1.grad
            w2 -= learning_rate * w2.grad
    return losses


def backward_under_no_grad(x, y, w1, w2, iterations, learning_rate):
    losses = []
    for _ in range(iterations):
        with torch.no_grad():
            loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()
            losses.append(loss.item())
            loss.backward()
            w1 -= learning_rate * w1.grad
            w2 -= learning_rate * w2.grad
    return losses


def no_return(*args):
    loop(*args)


def loss_data_0(*args):
    return loop(*args, record=lambda loss: loss.data[0])  # the 2017 loss.data[0]


TRAIN_MISTAKES = [
    (dict(update="outside"), "raised RuntimeError instead of returning the list of losses.\nHint: a weight that"),
    (dict(update="outside"), "do the update inside `with torch.no_grad():`"),
    (dict(zero="if", update="no_grad"), "write `if w1.grad is not None:`"),
    (
        dict(update="rebind under no_grad"),
        "Hint: it happened after the first update, which made new weights (`w1 = w1 - ...`, or",
    ),
    (
        dict(update="rebind under no_grad", zero=None),
        "Hint: it happened after the first update, which made new weights (`w1 = w1 - ...` under torch.no_grad())",
    ),
    (
        dict(update="rebind"),
        "Hint: it happened after the first update, which made new weights (`w1 = w1 - ...`, or `w = w - ...`)",
    ),
    (dict(zero="before"), "Hint: it happened before the first backward(): zero the gradients after the update"),
    (dict(backward_twice=True), "backward() ran twice through the same graph"),
    (dict(zero=None), "a loop that never zeroes the gradients"),
    (dict(zero="before update"), "the loss never changes: w1 and w2 are not updated, or their gradients were zeroed"),
    (dict(record=lambda loss: loss), "losses[0] is a Tensor), not numbers. Each loss tensor keeps its"),
    (dict(record=lambda loss: loss.detach()), "is a Tensor), not numbers.\nHint: append loss.item()"),
    (dict(rate=1e-6), "the losses of learning rate 1e-06, not of the learning_rate argument (0.02)"),
    (dict(rate=2e-4), "the losses of learning rate 0.0002, not of the learning_rate argument"),
    (dict(steps=500), "train returned 500 losses, but it was asked for iterations=25"),
    (dict(sign=-1.0), "the update climbs the gradient (w1 += ..."),
    (dict(mean=True), "the losses of the mean of the squared errors"),
    (dict(relu=False), "the losses of a net without its ReLU"),
    (dict(only_w1=True), "only w1 is updated"),
    (dict(copy=True), "the w1, w2 it was given are unchanged: it trained copies"),
]


@pytest.mark.parametrize("kwargs, message", TRAIN_MISTAKES, ids=[m for _, m in TRAIN_MISTAKES])
def test_train_mistakes_are_named(kwargs, message):
    with pytest.raises(checks.CheckFailed) as info:
        autograd_checks.check_train(lambda *args: loop(*args, **kwargs))
    assert message in str(info.value)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (loss_computed_once, "backward() ran twice through the same graph"),
        (backward_under_no_grad, "Hint: it happened at the very first backward(): the forward pass ran under"),
        (no_return, "train returned None.\nHint: end it with `return losses`"),
        (loss_data_0, "a one-element tensor has no index [0] since PyTorch 0.4: read its number with .item()"),
    ],
)
def test_more_train_mistakes_are_named(wrong, message):
    with pytest.raises(checks.CheckFailed) as info:
        autograd_checks.check_train(wrong)
    assert message in str(info.value)


def only_w2_updated(x, y, w1, w2, iterations, learning_rate):
    losses = []
    for _ in range(iterations):
        loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w2 -= learning_rate * w2.grad
        w2.grad.zero_()
    return losses


def test_the_weight_left_out_is_named():
    with pytest.raises(checks.CheckFailed, match=re.escape("only w2 is updated")):
        autograd_checks.check_train(only_w2_updated)


def test_an_unfinished_exercise_goes_through_unchanged():
    def stub(*args):
        raise NotImplementedError("Exercise 1 is not done yet: ...")

    with pytest.raises(NotImplementedError, match="Exercise 1 is not done yet"):
        autograd_checks.check_train(stub)


# ---- Exercise 2: grads_by_hand -------------------------------------------------------------------------------


def test_right_grads_by_hand_pass(capsys):
    def right(a, b, c):
        u = a * b + c
        return 2 * u * b, 2 * u * a, 2 * u

    autograd_checks.check_grads_by_hand(right)
    assert capsys.readouterr().out == (
        "check passed: grads_by_hand returns autograd's df/da, df/db and df/dc at two points (within 1e-12)\n"
    )


def test_tensors_of_one_number_are_numbers_too(capsys):
    def with_tensors(a, b, c):
        u = torch.tensor(a * b + c, dtype=torch.float64)
        return 2 * u * b, 2 * u * a, 2 * u

    autograd_checks.check_grads_by_hand(with_tensors)
    assert capsys.readouterr().out.startswith("check passed")


def test_an_array_of_three_numbers_passes(capsys):
    autograd_checks.check_grads_by_hand(lambda a, b, c: 2 * (a * b + c) * np.array([b, a, 1.0]))
    assert capsys.readouterr().out.startswith("check passed")


def u_of(a, b, c):
    return a * b + c


@pytest.mark.parametrize(
    "grads, message",
    [
        (lambda a, b, c: (u_of(a, b, c) * b, u_of(a, b, c) * a, u_of(a, b, c)), "half of autograd's"),
        (lambda a, b, c: (b, a, 1), "without the outer derivative"),
        (lambda a, b, c: (2 * b, 2 * a, 2), "the outer derivative df/du is 2u, not 2"),
        (lambda a, b, c: (2 * u_of(a, b, c),) * 3, "all three are df/du = 2u: multiply by the inner derivatives"),
        (lambda a, b, c: (2 * u_of(a, b, c) * a, 2 * u_of(a, b, c) * b, 2 * u_of(a, b, c)), "df/da and df/db are"),
        (lambda a, b, c: (-2 * u_of(a, b, c) * b, -2 * u_of(a, b, c) * a, -2 * u_of(a, b, c)), "signs are flipped"),
        (lambda a, b, c: (1.0, 2.0, 3.0), "does not match autograd's gradients: relative error"),
        (lambda a, b, c: 2 * (a * b + c), "returned -4.0, not three numbers"),
        (lambda a, b, c: (2 * (a * b + c) * b, 2 * (a * b + c) * a), "returned 2 values, not three numbers"),
        (lambda a, b, c: (1.0, "2", None), "its three values should be numbers"),
        (lambda a, b, c: (a.grad, b.grad, c.grad), "grads_by_hand(2.0, -3.0, 4.0) raised AttributeError"),
    ],
)
def test_grads_by_hand_mistakes_are_named(grads, message):
    with pytest.raises(checks.CheckFailed) as info:
        autograd_checks.check_grads_by_hand(grads)
    assert message in str(info.value)


def test_a_slip_at_the_second_point_only_is_caught():
    def right_at_one_point(a, b, c):
        u = a * b + c
        return 2 * u * b, 2 * u * a, 2 * u if a == 2.0 else 2.0 * u * 1.01

    with pytest.raises(
        checks.CheckFailed, match=re.escape("at the point (a, b, c) = (0.5, 1.5, -0.25) does not match")
    ):
        autograd_checks.check_grads_by_hand(right_at_one_point)


# ---- Exercise 3: init_weights, net_forward, train_net --------------------------------------------------------


def init_weights(sizes, generator, device, scale=lambda fan_in, fan_out: math.sqrt(2 / fan_in), draw=torch.randn):
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        w = draw(fan_in, fan_out, generator=generator) * scale(fan_in, fan_out)
        weights.append(w.to(device).requires_grad_())
    return weights


def net_forward(x, weights):
    h = x
    for w in weights[:-1]:
        h = h.mm(w).clamp(min=0)
    return h.mm(weights[-1])


def train_net(x, y, weights, iterations, learning_rate):
    losses = []
    for _ in range(iterations):
        loss = (net_forward(x, weights) - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for w in weights:
                w -= learning_rate * w.grad
                w.grad.zero_()
    return losses


def test_the_right_three_layer_net_passes(capsys):
    autograd_checks.check_three_layer(init_weights, net_forward, train_net)
    assert capsys.readouterr().out.splitlines() == [
        "check passed: init_weights draws one He-scaled weight per layer from the generator, each a leaf that "
        "requires grad",
        "check passed: net_forward puts a ReLU after every layer but the last (with 2, 3 and 4 weights)",
        "check passed: train_net trains every weight in place (20 iterations, the losses of gradient descent)",
    ]


def init_requires_grad_first(sizes, generator, device):
    return [
        torch.randn(a, b, generator=generator, requires_grad=True) * math.sqrt(2 / a)
        for a, b in zip(sizes[:-1], sizes[1:])
    ]


def init_no_requires_grad(sizes, generator, device):
    return [torch.randn(a, b, generator=generator) * math.sqrt(2 / a) for a, b in zip(sizes[:-1], sizes[1:])]


def init_global_generator(sizes, generator, device):
    return [(torch.randn(a, b) * math.sqrt(2 / a)).requires_grad_() for a, b in zip(sizes[:-1], sizes[1:])]


def init_transposed(sizes, generator, device):
    return [
        (torch.randn(b, a, generator=generator) * math.sqrt(2 / a)).requires_grad_() for a, b in zip(sizes, sizes[1:])
    ]


def init_one_per_size(sizes, generator, device):
    return [(torch.randn(s, s, generator=generator) * math.sqrt(2 / s)).requires_grad_() for s in sizes]


def init_float64(sizes, generator, device):
    return [w.detach().double().requires_grad_() for w in init_weights(sizes, generator, device)]


INIT_MISTAKES = [
    (init_requires_grad_first, "weight 0 is not a leaf: it was computed (MulBackward0) from a tensor that already"),
    (init_no_requires_grad, "weight 0 does not require grad"),
    (init_global_generator, "it does not draw from the generator it is given"),
    (init_transposed, "weight 0 has shape (300, 500) but should be (500, 300): did you transpose?"),
    (init_one_per_size, "init_weights returned 4 weight(s) for 4 sizes: one weight per layer"),
    (init_float64, "weight 0 is torch.float64"),
    (lambda *a: init_weights(*a, scale=lambda i, o: 1.0), "they have standard deviation 1: torch.randn alone"),
    (lambda *a: init_weights(*a, scale=lambda i, o: math.sqrt(1 / i)), "Xavier's scale for tanh"),
    (lambda *a: init_weights(*a, scale=lambda i, o: 2 / i), "the variance He asks for"),
    (lambda *a: init_weights(*a, scale=lambda i, o: math.sqrt(2 / o)), "scaled with fan_out"),
    (lambda *a: init_weights(*a, scale=lambda i, o: math.sqrt(2 / (i + o))), "Glorot's rule"),
    (lambda *a: init_weights(*a, scale=lambda i, o: 0.01), "the weights' standard deviations are [0.01"),
    (lambda *a: init_weights(*a, draw=torch.rand), "the weights should be centred on 0"),
    (lambda *a: None, "init_weights returned None"),
    (lambda sizes, g, d: torch.randn(3, 3), "init_weights returned a Tensor, not a list of weights"),
]


@pytest.mark.parametrize("init, message", INIT_MISTAKES, ids=[m for _, m in INIT_MISTAKES])
def test_init_mistakes_are_named(init, message):
    with pytest.raises(checks.CheckFailed) as info:
        autograd_checks.check_three_layer(init, net_forward, train_net)
    assert message in str(info.value)


def forward_relu_on_output(x, weights):
    h = x
    for w in weights:
        h = h.mm(w).clamp(min=0)
    return h


def forward_no_relu(x, weights):
    h = x
    for w in weights:
        h = h.mm(w)
    return h


def forward_three_weights(x, weights):
    w1, w2, w3 = weights
    return x.mm(w1).clamp(min=0).mm(w2).clamp(min=0).mm(w3)


def forward_first_two(x, weights):
    return x.mm(weights[0]).clamp(min=0).mm(weights[1])


def forward_data(x, weights):
    h = x
    for w in weights[:-1]:
        h = h.mm(w.data).clamp(min=0)
    return h.mm(weights[-1])


def forward_no_grad(x, weights):
    with torch.no_grad():
        return net_forward(x, weights)


def forward_first_relu_only(x, weights):
    h = x.mm(weights[0]).clamp(min=0)
    for w in weights[1:]:
        h = h.mm(w)
    return h


FORWARD_MISTAKES = [
    (forward_relu_on_output, "the output went through a ReLU too"),
    (forward_no_relu, "it has no ReLU: apply .clamp(min=0) after every layer but the last"),
    (forward_three_weights, "net_forward(x, weights) called with 2 weights raised ValueError"),
    (forward_three_weights, "Hint: it worked with 3 weights: write it for any number"),
    (forward_first_two, "with 3 weights returned shape (6, 4), not (N, D_out) = (6, 3)"),
    (forward_data, "the gradient reaching weight 0 is not the net's"),
    (forward_no_grad, "returned a tensor with no grad_fn: autograd did not record the forward pass"),
    (forward_first_relu_only, "only the first layer has a ReLU"),
]


@pytest.mark.parametrize("forward, message", FORWARD_MISTAKES, ids=[m for _, m in FORWARD_MISTAKES])
def test_forward_mistakes_are_named(forward, message):
    with pytest.raises(checks.CheckFailed) as info:
        autograd_checks.check_three_layer(init_weights, forward, train_net)
    assert message in str(info.value)


def train_net_rebinding(x, y, weights, iterations, learning_rate, separate_zeroing=False):
    losses = []
    for _ in range(iterations):
        loss = (net_forward(x, weights) - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for w in weights:
                w = w - learning_rate * w.grad  # a new tensor named w: the list keeps the old one
                if not separate_zeroing:
                    w.grad.zero_()
        if separate_zeroing:
            for w in weights:
                w.grad.zero_()
    return losses


def train_net_new_list(x, y, weights, iterations, learning_rate):
    losses = []
    for _ in range(iterations):
        loss = (net_forward(x, weights) - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            weights = [w - learning_rate * w.grad for w in weights]
    return losses


def train_net_no_zeroing(x, y, weights, iterations, learning_rate):
    losses = []
    for _ in range(iterations):
        loss = (net_forward(x, weights) - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for w in weights:
                w -= learning_rate * w.grad
    return losses


def train_net_first_only(x, y, weights, iterations, learning_rate):
    losses = []
    for _ in range(iterations):
        loss = (net_forward(x, weights) - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            weights[0] -= learning_rate * weights[0].grad
            weights[0].grad.zero_()
    return losses


def train_net_tensors(x, y, weights, iterations, learning_rate):
    return [torch.tensor(v) for v in train_net(x, y, weights, iterations, learning_rate)]


def train_net_replaces_list(x, y, weights, iterations, learning_rate):
    losses = train_net(x, y, weights, iterations, learning_rate)
    weights[0] = weights[0].detach().clone().requires_grad_()
    return losses


TRAIN_NET_MISTAKES = [
    (
        train_net_rebinding,
        "it happened after the first update, which made new weights (`w1 = w1 - ...`, or `w = w - ...`)",
    ),
    (
        lambda *a: train_net_rebinding(*a, separate_zeroing=True),
        "`for w in weights: w = w - ...` gives the name w a new tensor",
    ),
    (
        train_net_new_list,
        "Hint: it happened after the first update, which made new weights (`w1 = w1 - ...` under torch.no_grad())",
    ),
    (train_net_no_zeroing, "a loop that never zeroes the gradients"),
    (train_net_first_only, "only weights[0] is updated"),
    (lambda x, y, w, i, lr: train_net(x, y, w, i, 1e-4), "the losses of learning rate 0.0001"),
    (lambda x, y, w, i, lr: train_net(x, y, w, 200, lr), "train_net returned 200 losses"),
    (train_net_tensors, "the losses are tensors"),
    (train_net_replaces_list, "train_net changed the list `weights` itself"),
    (lambda x, y, w, i, lr: train_net(x, y, [v.detach().clone().requires_grad_() for v in w], i, lr), "copies"),
]


@pytest.mark.parametrize("train, message", TRAIN_NET_MISTAKES, ids=[m for _, m in TRAIN_NET_MISTAKES])
def test_train_net_mistakes_are_named(train, message):
    with pytest.raises(checks.CheckFailed) as info:
        autograd_checks.check_three_layer(init_weights, net_forward, train)
    assert message in str(info.value)


def test_pieces_are_checked_in_order_and_an_unfinished_piece_says_so(capsys):
    def stub(*args):
        raise NotImplementedError("Exercise 3 is not done yet: write net_forward.")

    with pytest.raises(NotImplementedError, match="Exercise 3 is not done yet: write net_forward"):
        autograd_checks.check_three_layer(init_weights, stub, stub)
    assert capsys.readouterr().out.startswith("check passed: init_weights")
