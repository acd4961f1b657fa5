"""Checks for notebook 04's exercises: an nn.Sequential model and one optimizer training step.

Like utils.checks, each check prints "check passed: ..." or raises checks.CheckFailed with a message that names
the usual mistake: swapped layer sizes, a missing ReLU, a forgotten bias, a forgotten zero_grad(), an optimizer
created inside the training step, a builder that returns nothing.
"""

import copy

import torch
from torch import nn

from utils import checks, module_checks


def check_two_layer_sequential(model, D_in, H, D_out):
    """Returns None; prints "check passed" lines when model is Sequential(Linear(D_in, H), ReLU(), Linear(H, D_out))."""
    if model is None:
        checks.fail("model is None: build_model returned nothing.", "end build_model with `return nn.Sequential(...)`.")
    if not isinstance(model, nn.Sequential):
        checks.fail(
            f"model is a {type(model).__name__}, not an nn.Sequential.",
            "pass the layers, in order, to nn.Sequential(...) and return it.",
        )
    kinds = [type(layer).__name__ for layer in model]
    if len(kinds) != 3:
        checks.fail(
            f"model has the layers {kinds} but should have ['Linear', 'ReLU', 'Linear'].",
            "without a ReLU between them, two Linear layers compute a single linear map."
            if "ReLU" not in kinds
            else "one Linear layer to the hidden size, the ReLU, one Linear layer to the output size.",
        )
    if not isinstance(model[1], nn.ReLU):
        checks.fail(f"layer 1 of the model is a {kinds[1]} but should be an nn.ReLU.")
    module_checks.check_linear("layer 0 of the model", model[0], D_in, H)
    module_checks.check_linear("layer 2 of the model", model[2], H, D_out)
    print(f"check passed: model is Sequential(Linear({D_in} -> {H}), ReLU, Linear({H} -> {D_out}))")
    module_checks.check_registered(model, "model", D_in * H + H + H * D_out + D_out)


class _RecordingSGD(torch.optim.SGD):
    """SGD that keeps a copy of the gradients it finds at each step(), for check_train_step."""

    def __init__(self, params, lr):
        super().__init__(params, lr=lr)
        self.seen = []

    def step(self, closure=None):
        params = [p for group in self.param_groups for p in group["params"]]
        self.seen.append([None if p.grad is None else p.grad.detach().clone() for p in params])
        return super().step(closure)


def check_train_step(train_step, model, loss_fn, x, y, lr=1e-4, steps=100, fraction=0.01):
    """Returns None; prints "check passed" lines when train_step(model, loss_fn, optimizer, x, y) is one correct step.

    Works on copies of `model`. First two calls with a learning rate of 0 (the weights stay put, so both calls must
    see the same gradients: twice the gradient means zero_grad() was forgotten), then `steps` steps of SGD with `lr`,
    after which the loss must be below `fraction` of its start.
    """
    probe = copy.deepcopy(model)
    spy = _RecordingSGD(probe.parameters(), lr=0.0)
    with torch.no_grad():
        start = loss_fn(probe(x), y).item()
    before = copy.deepcopy(probe.state_dict())
    returned = [train_step(probe, loss_fn, spy, x, y) for _ in range(2)]
    moved = [key for key, value in probe.state_dict().items() if not torch.equal(value, before[key])]
    if not spy.seen and moved:
        checks.fail(
            f"train_step changed {', '.join(moved)} without calling step() on the optimizer passed in (its lr was 0).",
            "use the `optimizer` argument: do not create a new optimizer inside train_step, and do not update "
            "the weights by hand; optimizer.step() does the update.",
        )
    if len(spy.seen) != 2:
        checks.fail(
            f"two calls of train_step called optimizer.step() {len(spy.seen)} times instead of 2.",
            "each step ends with optimizer.step(), once, on the optimizer passed in as an argument.",
        )
    first, second = spy.seen
    if all(g is None or not g.any() for g in first):
        checks.fail(
            "at optimizer.step() the parameters had no gradient.",
            "call loss.backward() before optimizer.step(); zero the gradients BEFORE backward(), not between "
            "backward() and step().",
        )
    if any(checks.rel_error(g2, 2 * g1) < 1e-5 for g1, g2 in zip(first, second)):
        checks.fail(
            "zero_grad() is missing: with unchanged weights, the gradients doubled from one call of train_step "
            "to the next, because backward() adds into .grad (the gradients of earlier steps accumulate).",
            "call optimizer.zero_grad() before loss.backward() in every step.",
        )
    if any(checks.rel_error(g2, g1) > 1e-5 for g1, g2 in zip(first, second)):
        checks.fail(
            "two calls of train_step with unchanged weights saw different gradients.",
            "one step: optimizer.zero_grad(), forward, loss, loss.backward(), optimizer.step().",
        )
    print("check passed: train_step zeroes the gradients, computes them, and calls step() once")
    if isinstance(returned[0], torch.Tensor) or not isinstance(returned[0], (int, float)):
        checks.fail(
            f"train_step returned a {type(returned[0]).__name__}, not a Python number.",
            "return loss.item(): a number, so a list of losses does not keep every step's graph alive.",
        )
    trained = copy.deepcopy(model)
    optimizer = torch.optim.SGD(trained.parameters(), lr=lr)
    losses = [train_step(trained, loss_fn, optimizer, x, y) for _ in range(steps)]
    if abs(losses[0] - start) > 1e-5 * abs(start):
        checks.fail(
            f"train_step returned {losses[0]:.6g}, but the loss before the step is {start:.6g}.",
            "return this step's loss, loss.item(), computed by loss_fn(model(x), y) before step().",
        )
    if not losses[-1] < fraction * losses[0]:
        checks.fail(
            f"after {steps} steps of SGD (lr {lr:g}) the loss went from {losses[0]:.4g} to {losses[-1]:.4g}, "
            f"not below {fraction:.0%} of its start.",
            "is the update the optimizer's step() on these gradients?",
        )
    print(f"check passed: the loss falls below {fraction:.0%} of its start within {steps} steps (SGD, lr {lr:g})")
