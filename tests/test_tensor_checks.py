"""utils.tensor_checks: the wrong answers students write to notebook 01's exercises are caught and named."""

import time

import numpy as np
import pytest
import torch

from utils import checks, tensor_checks

# ---- Exercise 1: forward and sum_squares ----------------------------------------------------------------------


def forward(x, w1, w2):
    h = x.mm(w1)
    h_relu = h.clamp(min=0)
    return h, h_relu, h_relu.mm(w2)


def sum_squares(y_pred, y):
    return (y_pred - y).pow(2).sum()


def test_the_right_forward_and_loss_pass(capsys):
    tensor_checks.check_forward(forward, sum_squares)
    assert capsys.readouterr().out.startswith("check passed: forward computes h, h_relu and y_pred")


def inplace_relu(x, w1, w2):
    h = x.mm(w1)
    h[h < 0] = 0
    return h, h, h.mm(w2)


def clamp_underscore(x, w1, w2):
    h = x.mm(w1)
    h_relu = h.clamp_(min=0)
    return h, h_relu, h_relu.mm(w2)


def no_relu(x, w1, w2):
    h = x.mm(w1)
    return h, h, h.mm(w2)


def relu_skipped_in_y_pred(x, w1, w2):
    h = x.mm(w1)
    return h, h.clamp(min=0), h.mm(w2)


def transposed(x, w1, w2):
    h = x.mm(w1)
    return h.t(), h.clamp(min=0), h.clamp(min=0).mm(w2)


def numpy_forward(x, w1, w2):
    h = x.numpy().dot(w1.numpy())
    return h, np.maximum(h, 0), np.maximum(h, 0).dot(w2.numpy())


def wrong_operand_order(x, w1, w2):
    h = w1.mm(x)
    return h, h.clamp(min=0), h.clamp(min=0).mm(w2)


def two_values(x, w1, w2):
    h_relu = x.mm(w1).clamp(min=0)
    return h_relu, h_relu.mm(w2)


def sigmoid_not_relu(x, w1, w2):
    h = x.mm(w1)
    return h, torch.sigmoid(h), torch.sigmoid(h).mm(w2)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (inplace_relu, "h has no negative entries: the ReLU changed h itself"),
        (clamp_underscore, "h has no negative entries: the ReLU changed h itself"),
        (no_relu, "h_relu has negative entries: the ReLU was not applied"),
        (relu_skipped_in_y_pred, "y_pred is h w2: it skips the ReLU"),
        (transposed, "h has shape (6, 5) but should be (5, 6): did you transpose?"),
        (numpy_forward, "h is a numpy array"),
        (
            wrong_operand_order,
            "(?s)forward\\(x, w1, w2\\) raised RuntimeError.*Hint: the check uses sizes of its own, N=5, D_in=7, H=6, "
            "D_out=3 .*x is \\(N, D_in\\).*mat1 and mat2",
        ),
        (two_values, "forward returned 2 value\\(s\\), but should return 3: h, h_relu, y_pred"),
        (sigmoid_not_relu, "h_relu does not match ReLU\\(h\\)"),
    ],
    ids=lambda v: getattr(v, "__name__", "message"),
)
def test_forward_mistakes_are_named(wrong, message):
    with pytest.raises(checks.CheckFailed, match=message if "(?s)" in message else None) as info:
        tensor_checks.check_forward(wrong, sum_squares)
    if "(?s)" not in message:
        assert message.replace("\\", "") in str(info.value)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda y_pred, y: (y_pred - y).pow(2).mean(), "the mean of the squared differences; the lecture's loss is"),
        (lambda y_pred, y: (y_pred - y).pow(2).sum().item(), "returned a Python number, not a tensor"),
        (lambda y_pred, y: (y_pred - y).norm(), "the square root of the loss"),
        (lambda y_pred, y: (y_pred - y).sum(), "without squaring them"),
        (lambda y_pred, y: (y_pred - y).abs().sum(), "sums the absolute differences"),
        (lambda y_pred, y: 0.5 * (y_pred - y).pow(2).sum(), "it is half the loss"),
        (lambda y_pred, y: (y_pred - y).pow(2), "the loss has shape (5, 3): it should be one number"),
        (lambda y_pred, y: ((y_pred - y) ** 3).sum(), "the loss does not match the sum of squared errors"),
    ],
)
def test_loss_mistakes_are_named(wrong, message):
    with pytest.raises(checks.CheckFailed) as info:
        tensor_checks.check_forward(forward, wrong)
    assert message in str(info.value)


# ---- Exercise 2: backward ------------------------------------------------------------------------------------


def backward(x, y, w2, h, h_relu, y_pred, factor=2.0, mask="h", relu_input=None, order=(1, 2)):
    grad_y_pred = factor * (y_pred - y)
    grad_w2 = (relu_input if relu_input is not None else h_relu).t().mm(grad_y_pred)
    grad_h = grad_y_pred.mm(w2.t()).clone()
    if mask == "h":
        grad_h[h < 0] = 0
    elif mask == "inverted":
        grad_h[h > 0] = 0
    elif mask == "grad":
        grad_h[grad_h < 0] = 0
    elif mask == "both":
        grad_h[(grad_h < 0) | (h < 0)] = 0
    grad_w1 = x.t().mm(grad_h)
    return (grad_w1, grad_w2) if order == (1, 2) else (grad_w2, grad_w1)


def test_the_right_backward_passes(capsys):
    tensor_checks.check_backward(backward)
    assert capsys.readouterr().out.startswith("check passed: backward returns grad_w1 and grad_w2")


def no_clone(x, y, w2, h, h_relu, y_pred):
    grad_y_pred = 2.0 * (y_pred - y)
    h[h < 0] = 0  # zeroes the caller's h
    return x.t().mm(grad_y_pred.mm(w2.t()) * (h > 0)), h_relu.t().mm(grad_y_pred)


def y_pred_in_place(x, y, w2, h, h_relu, y_pred):
    grad_y_pred = y_pred  # not a copy: the next lines change the caller's y_pred
    grad_y_pred -= y
    grad_y_pred *= 2.0
    return x.t().mm(grad_y_pred.mm(w2.t()) * (h > 0)), h_relu.t().mm(grad_y_pred)


def w2_transposed_in_place(x, y, w2, h, h_relu, y_pred):
    grad_y_pred = 2.0 * (y_pred - y)
    grad_w2 = h_relu.t().mm(grad_y_pred)
    return x.t().mm(grad_y_pred.mm(w2.t_()) * (h > 0)), grad_w2


def not_transposed(x, y, w2, h, h_relu, y_pred):
    grad_y_pred = 2.0 * (y_pred - y)
    return x.t().mm(grad_y_pred.mm(w2.t()) * (h > 0)), grad_y_pred.t().mm(h_relu)


def w2_not_transposed(x, y, w2, h, h_relu, y_pred):
    grad_y_pred = 2.0 * (y_pred - y)
    return x.t().mm(grad_y_pred.mm(w2) * (h > 0)), h_relu.t().mm(grad_y_pred)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda *a: backward(*a, factor=1.0), "grad_w2 is not the gradient: it is half the true gradient"),
        (lambda *a: backward(*a, factor=-2.0), "grad_w2 is not the gradient: its sign is flipped"),
        (lambda *a: backward(*a, relu_input=a[3]), "it uses h where h_relu belongs"),
        (lambda *a: backward(*a, mask=None), "grad_w1 is not the gradient: the ReLU's mask is missing"),
        (lambda *a: backward(*a, mask="inverted"), "grad_w1 is not the gradient: the mask is inverted"),
        (lambda *a: backward(*a, mask="grad"), "grad_w1 is not the gradient: it applies a ReLU to the gradient"),
        (lambda *a: backward(*a, mask="both"), "besides the mask on h, it applies a ReLU to the gradient"),
        (lambda *a: backward(*a, factor=2.0 / 5), "grad_w2 is not the gradient: it is the true gradient divided by N"),
        (lambda *a: backward(*a, factor=2.0 / 15), "divided by N * D_out = 15, the gradient of the mean squared"),
        (lambda *a: (1.5 * backward(*a)[0], backward(*a)[1]), "grad_w1 does not match the true gradient"),
        (lambda *a: backward(*a, order=(2, 1)), "backward returned grad_w2 first"),
        (no_clone, "backward changed h in place.\nHint: the mask reads h but must leave it as it is"),
        (y_pred_in_place, "backward changed y_pred in place.\nHint: compute grad_y_pred as a new tensor"),
        (w2_transposed_in_place, "backward changed w2 in place.\nHint: use operations that return new tensors"),
        (not_transposed, "grad_w2 has shape (3, 6) but should be (6, 3): did you transpose?"),
        (w2_not_transposed, "backward(x, y, w2, h, h_relu, y_pred) raised RuntimeError"),
    ],
)
def test_backward_mistakes_are_named(wrong, message):
    with pytest.raises(checks.CheckFailed) as info:
        tensor_checks.check_backward(wrong)
    assert message in str(info.value)


# ---- Exercise 3: timed_training ------------------------------------------------------------------------------


def timed_training(x, y, w1, w2, device, iterations, learning_rate, copy=True, sign=1):
    x, y, w1, w2 = (t.to(device).clone() if copy else t.to(device) for t in (x, y, w1, w2))
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    losses = []
    for _ in range(iterations):
        h, h_relu, y_pred = forward(x, w1, w2)
        losses.append(sum_squares(y_pred, y).item())
        grad_w1, grad_w2 = backward(x, y, w2, h, h_relu, y_pred)
        w1 -= sign * learning_rate * grad_w1
        w2 -= sign * learning_rate * grad_w2
    if device.type == "cuda":
        torch.cuda.synchronize()
    return losses, time.perf_counter() - start


def train(x, y, w1, w2, iterations, learning_rate):
    """The loop of timed_training, without its clock: the variants below time it in their own ways."""
    losses = []
    for _ in range(iterations):
        h, h_relu, y_pred = forward(x, w1, w2)
        losses.append(sum_squares(y_pred, y).item())
        grad_w1, grad_w2 = backward(x, y, w2, h, h_relu, y_pred)
        w1 -= learning_rate * grad_w1
        w2 -= learning_rate * grad_w2
    return losses


def with_helpers(x, y, w1, w2, device, iterations, learning_rate):
    x, y, w1, w2 = (t.to(device).clone() for t in (x, y, w1, w2))
    on_gpu = device.type == "cuda"

    def now():  # the GPU's queue done, then the clock
        torch.cuda.synchronize() if on_gpu else None
        return time.perf_counter()

    start = now()
    for _ in range(1):
        losses = train(x, y, w1, w2, iterations, learning_rate)
    return losses, now() - start


def test_the_right_timed_training_passes(capsys):
    tensor_checks.check_timed_training(timed_training)
    assert capsys.readouterr().out.startswith("check passed: timed_training trains on the device it is given")
    tensor_checks.check_timed_training(with_helpers)
    assert capsys.readouterr().out.startswith("check passed: timed_training trains on the device it is given")


def unsynchronised(x, y, w1, w2, device, iterations, learning_rate):
    x, y, w1, w2 = (t.to(device).clone() for t in (x, y, w1, w2))
    start = time.perf_counter()  # torch.cuda.synchronize() is only mentioned in this comment
    for _ in range(1):
        losses = train(x, y, w1, w2, iterations, learning_rate)
    return losses, time.perf_counter() - start


def synchronised_before_only(x, y, w1, w2, device, iterations, learning_rate):
    x, y, w1, w2 = (t.to(device).clone() for t in (x, y, w1, w2))
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(1):
        losses = train(x, y, w1, w2, iterations, learning_rate)
    return losses, time.perf_counter() - start


def synchronised_too_late(x, y, w1, w2, device, iterations, learning_rate):
    x, y, w1, w2 = (t.to(device).clone() for t in (x, y, w1, w2))
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(1):
        losses = train(x, y, w1, w2, iterations, learning_rate)
    seconds = time.perf_counter() - start
    if device.type == "cuda":
        torch.cuda.synchronize()
    return losses, seconds


def synchronised_before_the_copies(x, y, w1, w2, device, iterations, learning_rate):
    if device.type == "cuda":
        torch.cuda.synchronize()
    x, y, w1, w2 = (t.to(device).clone() for t in (x, y, w1, w2))
    start = time.perf_counter()
    for _ in range(1):
        losses = train(x, y, w1, w2, iterations, learning_rate)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return losses, time.perf_counter() - start


def clock_before_the_copies(x, y, w1, w2, device, iterations, learning_rate):
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    x, y, w1, w2 = (t.to(device).clone() for t in (x, y, w1, w2))
    for _ in range(1):
        losses = train(x, y, w1, w2, iterations, learning_rate)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return losses, time.perf_counter() - start


def compared_with_a_string(x, y, w1, w2, device, iterations, learning_rate):
    x, y, w1, w2 = (t.to(device).clone() for t in (x, y, w1, w2))
    if device == "cuda":  # always False: a torch.device is not a string
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(1):
        losses = train(x, y, w1, w2, iterations, learning_rate)
    if device == "cuda":
        torch.cuda.synchronize()
    return losses, time.perf_counter() - start


def when_cuda_is_available(x, y, w1, w2, device, iterations, learning_rate):
    x, y, w1, w2 = (t.to(device).clone() for t in (x, y, w1, w2))
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(1):
        losses = train(x, y, w1, w2, iterations, learning_rate)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return losses, time.perf_counter() - start


def unguarded(x, y, w1, w2, device, iterations, learning_rate):
    x, y, w1, w2 = (t.to(device).clone() for t in (x, y, w1, w2))
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(1):
        losses = train(x, y, w1, w2, iterations, learning_rate)
    torch.cuda.synchronize()
    return losses, time.perf_counter() - start


def no_update(x, y, w1, w2, device, iterations, learning_rate):
    losses = [sum_squares(forward(x, w1, w2)[2], y).item() for _ in range(iterations)]
    return losses, 0.001  # torch.cuda.synchronize()


def tensor_losses(x, y, w1, w2, device, iterations, learning_rate):
    x, y, w1, w2 = (t.to(device).clone() for t in (x, y, w1, w2))
    if device.type == "cuda":
        torch.cuda.synchronize()
    start, losses = time.perf_counter(), []
    for _ in range(iterations):
        h, h_relu, y_pred = forward(x, w1, w2)
        losses.append(sum_squares(y_pred, y))  # one-element tensors, not numbers
        grad_w1, grad_w2 = backward(x, y, w2, h, h_relu, y_pred)
        w1 -= learning_rate * grad_w1
        w2 -= learning_rate * grad_w2
    if device.type == "cuda":
        torch.cuda.synchronize()
    return losses, time.perf_counter() - start


def milliseconds(x, y, w1, w2, device, iterations, learning_rate):
    losses, seconds = timed_training(x, y, w1, w2, device, iterations, learning_rate)
    return losses, seconds * 1000


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda *a: timed_training(*a, copy=False), "on the CPU, w1.to(device) returns w1 itself, not a copy"),
        (lambda *a: timed_training(*a, sign=-1), "the loss grows"),
        (no_update, "the loss never changes: the weights are not updated"),
        (unsynchronised, "timed_training never synchronises the GPU"),
        (synchronised_before_only, "does not synchronise between the end of the loop and the last clock reading:"),
        (synchronised_too_late, "(it synchronises after the clock is read: too late)"),
        (synchronised_before_the_copies, "does not synchronise between its copies and the first clock reading"),
        (clock_before_the_copies, "starts the clock before its copies of x, y, w1 and w2 are made"),
        (compared_with_a_string, "under `if device == 'cuda':`, which is always False: a torch.device never equals"),
        (when_cuda_is_available, "that says whether the machine has a GPU, not whether `device`"),
        (unguarded, 'if device.type == "cuda"'),  # without CUDA it raises first: the lesson says the same
        (tensor_losses, "the list of losses holds tensors, not numbers"),
        (milliseconds, "it looks like milliseconds"),
        (lambda *a: timed_training(*a)[0], "should return two values"),
        (lambda *a: (timed_training(*a)[0][:5], 0.1), "the list of losses should hold 20 numbers, one per iteration"),
        (lambda *a: (timed_training(*a)[0], 1e9), "it should be the loop's duration"),
        (
            lambda x, y, w1, w2, d, n, lr: timed_training(x, y, w1, w2, d, n, 2 * lr),
            "the list of losses does not match the lecture's training loop",
        ),
    ],
)
def test_timed_training_mistakes_are_named(wrong, message):
    with pytest.raises(checks.CheckFailed) as info:
        tensor_checks.check_timed_training(wrong)
    assert message in str(info.value)


@pytest.mark.skipif(torch.cuda.is_available(), reason="the error happens only on a machine without CUDA")
def test_an_unguarded_synchronize_without_cuda_gets_the_lesson():
    with pytest.raises(checks.CheckFailed) as info:
        tensor_checks.check_timed_training(unguarded)
    assert "raised AssertionError" in str(info.value) and "has no CUDA GPU" in str(info.value)
