"""utils.nn_checks: typical wrong answers to notebook 04's exercises (the Sequential, the training step) are named."""

import copy

import pytest
import torch
from torch import nn

from utils import checks, models, nn_checks

D_in, H, D_out = 20, 8, 3


@pytest.fixture
def data():
    g = torch.Generator().manual_seed(0)
    return torch.randn(16, D_in, generator=g), torch.randn(16, D_out, generator=g)


def sequential(*layers):
    return nn.Sequential(*layers)


def good_step(model, loss_fn, optimizer, x, y):
    loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def zero_grad_last(model, loss_fn, optimizer, x, y):
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    return loss.item()


def no_zero_grad(model, loss_fn, optimizer, x, y):
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def zero_grad_between(model, loss_fn, optimizer, x, y):
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.zero_grad()
    optimizer.step()
    return loss.item()


def no_backward(model, loss_fn, optimizer, x, y):
    loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    optimizer.step()
    return loss.item()


def no_step(model, loss_fn, optimizer, x, y):
    loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    return loss.item()


def returns_tensor(model, loss_fn, optimizer, x, y):
    loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


def returns_loss_after_step(model, loss_fn, optimizer, x, y):
    good_step(model, loss_fn, optimizer, x, y)
    with torch.no_grad():
        return loss_fn(model(x), y).item()


def manual_update_ignores_optimizer(model, loss_fn, optimizer, x, y):
    model.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 1e-3 * p.grad
    return loss.item()


def new_optimizer_inside(model, loss_fn, optimizer, x, y):
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-2)  # ignores the optimizer passed in
    return good_step(model, loss_fn, optimizer, x, y)


def two_layer(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(D_in, H), nn.ReLU(), nn.Linear(H, D_out))


def test_sequential_right_answer_passes(capsys):
    nn_checks.check_two_layer_sequential(sequential(nn.Linear(D_in, H), nn.ReLU(), nn.Linear(H, D_out)), D_in, H, D_out)
    assert capsys.readouterr().out == (
        "check passed: model is Sequential(Linear(20 -> 8), ReLU, Linear(8 -> 3))\n"
        "check passed: model registers 195 parameters\n"
    )


@pytest.mark.parametrize(
    "layers, message",
    [
        (
            (nn.Linear(D_in, H), nn.Linear(H, D_out)),
            r"(?s)has the layers \['Linear', 'Linear'\].*"
            r"without a ReLU between them, two Linear layers compute a single",
        ),
        ((nn.Linear(D_in, H), nn.Sigmoid(), nn.Linear(H, D_out)), "layer 1 of the model is a Sigmoid but should be"),
        (
            (nn.Linear(H, D_in), nn.ReLU(), nn.Linear(H, D_out)),
            r"(?s)layer 0 of the model maps 8 -> 20 features but should map 20 -> 8: did you swap them\?"
            r".*input size first",
        ),
        (
            (nn.Linear(D_in, H), nn.ReLU(), nn.Linear(H, D_out, bias=False)),
            "(?s)layer 2 of the model has no bias.*bias=True",
        ),
        (
            (nn.Linear(D_in, H), nn.ReLU(), nn.Linear(H, 5)),
            r"layer 2 of the model maps 8 -> 5 features but should map 8 -> 3.\nHint",
        ),
    ],
)
def test_sequential_wrong_answers_are_named(layers, message):
    with pytest.raises(checks.CheckFailed, match=message):
        nn_checks.check_two_layer_sequential(sequential(*layers), D_in, H, D_out)


def test_a_builder_without_return_is_named():
    with pytest.raises(checks.CheckFailed, match=r"(?s)model is None: build_model returned nothing.*`return nn"):
        nn_checks.check_two_layer_sequential(None, D_in, H, D_out)


def test_a_module_that_is_not_sequential_is_named():
    with pytest.raises(checks.CheckFailed, match="model is a TwoLayerNet, not an nn.Sequential"):
        nn_checks.check_two_layer_sequential(models.TwoLayerNet(D_in, H, D_out), D_in, H, D_out)


@pytest.mark.parametrize("step", [good_step, zero_grad_last])
def test_train_step_right_answers_pass(step, data, capsys):
    model = two_layer()
    before = copy.deepcopy(model.state_dict())
    nn_checks.check_train_step(step, model, nn.MSELoss(reduction="sum"), *data, lr=1e-2, steps=100, fraction=0.5)
    assert capsys.readouterr().out == (
        "check passed: train_step zeroes the gradients, computes them, and calls step() once\n"
        "check passed: the loss falls below 50% of its start within 100 steps (SGD, lr 0.01)\n"
    )
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items()), "the check trained the model itself"


@pytest.mark.parametrize(
    "step, message",
    [
        (
            no_zero_grad,
            r"(?s)^zero_grad\(\) is missing: .*gradients doubled.*accumulate"
            r".*call optimizer.zero_grad\(\) before loss.backward\(\)",
        ),
        (zero_grad_between, r"(?s)had no gradient.*not between backward\(\) and step\(\)"),
        (no_backward, r"(?s)had no gradient.*call loss.backward\(\) before optimizer.step\(\)"),
        (no_step, r"(?s)called optimizer.step\(\) 0 times instead of 2.*on the optimizer passed in"),
        (
            manual_update_ignores_optimizer,
            r"(?s)^train_step changed 0.weight, 0.bias, 2.weight, 2.bias without calling "
            r"step\(\) on the optimizer passed in.*do not update the weights by hand",
        ),
        (
            new_optimizer_inside,
            r"(?s)^train_step changed .* without calling step\(\) on the optimizer passed in \(its lr was "
            r"0\).*do not create a new optimizer inside train_step",
        ),
        (returns_tensor, r"(?s)returned a Tensor, not a Python number.*return loss.item\(\)"),
        (returns_loss_after_step, "(?s)but the loss before the step is.*return this step's loss"),
    ],
)
def test_train_step_wrong_answers_are_named(step, message, data):
    with pytest.raises(checks.CheckFailed, match=message):
        nn_checks.check_train_step(step, two_layer(), nn.MSELoss(reduction="sum"), *data, lr=1e-2)


def test_train_step_that_does_not_learn_enough_fails(data):
    message = r"after 3 steps of SGD \(lr 1e-06\) the loss went from .* not below 1%"
    with pytest.raises(checks.CheckFailed, match=message):
        nn_checks.check_train_step(good_step, two_layer(), nn.MSELoss(reduction="sum"), *data, lr=1e-6, steps=3)
