"""utils.nn_checks: the wrong answers students write to notebook 04's exercises are caught and named.

Exercise 1 builds the two-layer net as an nn.Sequential, Exercise 2 writes one training step with an optimizer,
Exercise 3 (build it yourself) a training run to a target loss. Each right answer passes with one line; each
classic mistake fails with its own message; an error raised by the student's code becomes a lesson.
"""

import copy
from collections import OrderedDict

import pytest
import torch
from torch import nn

from utils import checks, nn_checks


def fails_with(check, answer, message):
    """Asserts that check(answer) fails, and that `message` (a regular expression) is in what it says."""
    with pytest.raises(checks.CheckFailed, match=message):
        check(answer)


# ---- Exercise 1: build_model ----------------------------------------------------------------------------------


def build_model(D_in, H, D_out):
    return nn.Sequential(nn.Linear(D_in, H), nn.ReLU(), nn.Linear(H, D_out))


@pytest.mark.parametrize(
    "answer",
    [
        build_model,
        lambda D_in, H, D_out: nn.Sequential(nn.Linear(D_in, H), nn.ReLU(inplace=True), nn.Linear(H, D_out)),
        lambda D_in, H, D_out: nn.Sequential(
            OrderedDict(hidden=nn.Linear(D_in, H), relu=nn.ReLU(), output=nn.Linear(H, D_out))
        ),
    ],
    ids=["plain", "inplace-relu", "ordered-dict"],
)
def test_the_right_sequential_passes(answer, capsys):
    nn_checks.check_two_layer_sequential(answer)
    assert capsys.readouterr().out == (
        "check passed: build_model(7, 5, 3) is Sequential(Linear(7 -> 5), ReLU, Linear(5 -> 3)), 58 parameters, "
        "biases included\n"
    )


def no_return(D_in, H, D_out):
    nn.Sequential(nn.Linear(D_in, H), nn.ReLU(), nn.Linear(H, D_out))


class TwoLayer(nn.Module):
    def __init__(self, D_in, H, D_out):
        super().__init__()
        self.linear1, self.linear2 = nn.Linear(D_in, H), nn.Linear(H, D_out)

    def forward(self, x):
        return self.linear2(self.linear1(x).clamp(min=0))


SEQUENTIAL_MISTAKES = {
    "no-return": (no_return, r"returned None.*\nHint: end build_model with `return nn.Sequential"),
    "a-list": (
        lambda D_in, H, D_out: [nn.Linear(D_in, H), nn.ReLU(), nn.Linear(H, D_out)],
        r"returned a Python list of layers, not a module.*\nHint: pass the layers to nn.Sequential",
    ),
    "sequential-of-a-list": (
        lambda D_in, H, D_out: nn.Sequential([nn.Linear(D_in, H), nn.ReLU(), nn.Linear(H, D_out)]),
        r"(?s)build_model\(7, 5, 3\) raised TypeError.*nn.Sequential\(\*layers\).*list is not a Module subclass",
    ),
    "relu-class": (
        lambda D_in, H, D_out: nn.Sequential(nn.Linear(D_in, H), nn.ReLU, nn.Linear(H, D_out)),
        r"(?s)raised TypeError.*nn.ReLU\(\), not the class.*The error itself: TypeError: .*ReLU is not a Module",
    ),
    "relu-function": (
        lambda D_in, H, D_out: nn.Sequential(nn.Linear(D_in, H), torch.relu, nn.Linear(H, D_out)),
        r"(?s)raised TypeError.*not the class nn.ReLU nor the function torch.relu",
    ),
    "one-linear-module": (lambda D_in, H, D_out: nn.Linear(D_in, D_out), "returned a Linear, not an nn.Sequential"),
    "a-module-class": (TwoLayer, "returned a TwoLayer, not an nn.Sequential"),
    "no-relu": (
        lambda D_in, H, D_out: nn.Sequential(nn.Linear(D_in, H), nn.Linear(H, D_out)),
        r"the ReLU is missing.*\nHint: without a ReLU between them, two Linear layers compute a single linear map",
    ),
    "sigmoid": (
        lambda D_in, H, D_out: nn.Sequential(nn.Linear(D_in, H), nn.Sigmoid(), nn.Linear(H, D_out)),
        "layer 1 of the model is a Sigmoid, but the lecture's net has an nn.ReLU there",
    ),
    "relu-last": (
        lambda D_in, H, D_out: nn.Sequential(nn.Linear(D_in, H), nn.Linear(H, D_out), nn.ReLU()),
        r"\['Linear', 'Linear', 'ReLU'\]: the ReLU belongs between the two Linear layers",
    ),
    "softmax-at-the-end": (
        lambda D_in, H, D_out: nn.Sequential(nn.Linear(D_in, H), nn.ReLU(), nn.Linear(H, D_out), nn.Softmax(dim=1)),
        r"an extra Softmax after the last Linear.*\nHint: the net's output is the last Linear's output",
    ),
    "course-sizes-typed-in": (
        lambda D_in, H, D_out: nn.Sequential(nn.Linear(1000, 100), nn.ReLU(), nn.Linear(100, 10)),
        r"with the course's sizes \(10, 100, 1000\).*ignores its arguments.*\nHint: .*with the argument names",
    ),
    "hidden-size-typed-in": (
        lambda D_in, H, D_out: nn.Sequential(nn.Linear(D_in, 100), nn.ReLU(), nn.Linear(100, D_out)),
        r"with the course's sizes \(100\), not the sizes it was given",
    ),
    "swapped-sizes": (
        lambda D_in, H, D_out: nn.Sequential(nn.Linear(H, D_in), nn.ReLU(), nn.Linear(H, D_out)),
        r"layer 0 \(the first Linear\) maps 5 -> 7 features but should map 7 -> 5: did you swap them\?",
    ),
    "layers-reversed": (
        lambda D_in, H, D_out: nn.Sequential(nn.Linear(H, D_out), nn.ReLU(), nn.Linear(D_in, H)),
        r"the two Linear layers are in reverse order",
    ),
    "second-layer-from-d-in": (
        lambda D_in, H, D_out: nn.Sequential(nn.Linear(D_in, H), nn.ReLU(), nn.Linear(D_in, D_out)),
        r"layer 2 \(the second Linear\) maps 7 -> 3 features but should map 5 -> 3\.\nHint: nn.Linear\(in_features",
    ),
    "float64-weights": (
        lambda D_in, H, D_out: nn.Sequential(nn.Linear(D_in, H), nn.ReLU(), nn.Linear(H, D_out)).double(),
        r"the model's weights are torch.float64, but the data are float32.*\nHint: .*without .double\(\)",
    ),
    "a-dropout-too": (
        lambda D_in, H, D_out: nn.Sequential(nn.Linear(D_in, H), nn.ReLU(), nn.Dropout(), nn.Linear(H, D_out)),
        r"\['Linear', 'ReLU', 'Dropout', 'Linear'\], but should have .*\nHint: .*exactly three layers",
    ),
    "no-bias": (
        lambda D_in, H, D_out: nn.Sequential(nn.Linear(D_in, H), nn.ReLU(), nn.Linear(H, D_out, bias=False)),
        r"layer 2 \(the second Linear\) has no bias.*\nHint: keep nn.Linear's default bias=True",
    ),
}


@pytest.mark.parametrize("answer, message", SEQUENTIAL_MISTAKES.values(), ids=SEQUENTIAL_MISTAKES)
def test_sequential_mistakes_are_named(answer, message):
    fails_with(nn_checks.check_two_layer_sequential, answer, message)


# ---- Exercise 2: train_step -----------------------------------------------------------------------------------


def good_step(model, loss_fn, optimizer, x, y):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def zero_grad_last(model, loss_fn, optimizer, x, y):
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    return loss.item()


def model_zero_grad(model, loss_fn, optimizer, x, y):
    model.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return float(loss)


@pytest.mark.parametrize("answer", [good_step, zero_grad_last, model_zero_grad])
def test_the_right_train_step_passes(answer, capsys):
    nn_checks.check_train_step(answer)
    assert capsys.readouterr().out == (
        "check passed: train_step zeroes the gradients, computes them, calls step() once and returns the loss "
        "before the update (20 SGD steps: the losses of the lecture's loop)\n"
    )


def step(zero="before", backward=True, update=1, returns="item", no_grad=False):
    """Returns a train_step with one classic mistake: where zero_grad() sits, backward() or not, how many updates."""

    def train_step(model, loss_fn, optimizer, x, y):
        if zero == "before":
            optimizer.zero_grad()
        elif zero == "no-parentheses":
            optimizer.zero_grad  # noqa: B018 (the mistake under test)
        if no_grad:
            with torch.no_grad():
                loss = loss_fn(model(x), y)
        else:
            loss = loss_fn(model(x), y)
        if update == "before-backward":
            optimizer.step()
        if zero == "between":
            loss.backward()
            optimizer.zero_grad()
        elif backward == "no-parentheses":
            loss.backward  # noqa: B018 (the mistake under test)
        elif backward:
            loss.backward()
        if update == "no-parentheses":
            optimizer.step  # noqa: B018 (the mistake under test)
        elif isinstance(update, int):
            for _ in range(update):
                optimizer.step()
        return {"item": loss.item(), "tensor": loss, "none": None, "method": loss.item}[returns]

    return train_step


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


def manual_update_and_step(model, loss_fn, optimizer, x, y):
    loss = manual_update_ignores_optimizer(model, loss_fn, optimizer, x, y)
    optimizer.step()
    return loss


def new_optimizer_inside(model, loss_fn, optimizer, x, y):
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-2)  # the mistake under test: ignores the argument
    return good_step(model, loss_fn, optimizer, x, y)


NOTEBOOK_MODEL = nn.Sequential(nn.Linear(1000, 100), nn.ReLU(), nn.Linear(100, 10))
NOTEBOOK_X = torch.randn(64, 1000)


def global_model(model, loss_fn, optimizer, x, y):
    optimizer.zero_grad()
    loss = loss_fn(NOTEBOOK_MODEL(NOTEBOOK_X).double()[:6, :3], y)  # the mistake under test: the notebook's model
    loss.backward()
    optimizer.step()
    return loss.item()


def global_x(model, loss_fn, optimizer, x, y):
    return good_step(model, loss_fn, optimizer, NOTEBOOK_X, y)


def own_loss(model, loss_fn, optimizer, x, y):
    return good_step(model, nn.MSELoss(reduction="sum"), optimizer, x, y)


def backward_twice(model, loss_fn, optimizer, x, y):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    loss.backward()
    optimizer.step()
    return loss.item()


def mean_loss_of_its_own(model, loss_fn, optimizer, x, y):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)  # the mistake under test: not loss_fn
    loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


STEP_MISTAKES = {
    "no-zero-grad": (
        step(zero=None),
        r"^zero_grad\(\) is missing: .*gradients doubled.*accumulate.*\nHint: call optimizer.zero_grad\(\)",
    ),
    "zero-grad-without-parentheses": (step(zero="no-parentheses"), r"^zero_grad\(\) is missing"),
    "zero-grad-between-backward-and-step": (
        step(zero="between"),
        r"^at optimizer.step\(\) the parameters had no gradient.*not between backward\(\) and step\(\)",
    ),
    "no-backward": (step(backward=False), r"had no gradient.*\nHint: call loss.backward\(\) \(with its parentheses"),
    "backward-without-parentheses": (step(backward="no-parentheses"), r"had no gradient"),
    "step-before-backward": (step(update="before-backward"), r"^optimizer.step\(\) ran before loss.backward\(\)"),
    "no-step": (step(update=0), r"called optimizer.step\(\) 0 times instead of 2.*\nHint: .*with its parentheses"),
    "step-without-parentheses": (step(update="no-parentheses"), r"0 times instead of 2"),
    "two-steps": (step(update=2), r"called optimizer.step\(\) 4 times instead of 2"),
    "returns-the-tensor": (step(returns="tensor"), r"returned a Tensor, not a Python number.*return loss.item\(\)"),
    "returns-nothing": (step(returns="none"), r"^train_step returned None.*\nHint: end it with `return loss.item\(\)`"),
    "returns-the-method": (step(returns="method"), r"returned the method loss.item itself.*\nHint: call it"),
    "returns-the-loss-after-the-step": (returns_loss_after_step, r"the loss after its update; the loss before it"),
    "updates-by-hand": (
        manual_update_ignores_optimizer,
        r"^train_step changed 0.weight, 0.bias, 2.weight, 2.bias without calling step\(\).*by hand",
    ),
    "updates-by-hand-and-steps": (manual_update_and_step, r"although the optimizer passed in had a learning rate of 0"),
    "new-optimizer-inside": (
        new_optimizer_inside,
        r"without calling step\(\) on the optimizer passed in.*new optimizer",
    ),
    "forward-under-no-grad": (
        step(no_grad=True),
        r"(?s)raised RuntimeError.*computed under torch.no_grad\(\).*does not require grad",
    ),
    "uses-the-notebooks-model": (
        global_model,
        r"never called the model it was given.*\nHint: train_step works on its arguments",
    ),
    "uses-the-notebooks-x": (
        global_x,
        r"(?s)raised RuntimeError.*Hint: train_step works on its arguments.*shapes do not fit.*mat1 and mat2",
    ),
    "own-loss-function": (own_loss, r"never called the loss_fn it was given"),
    "own-mean-loss": (
        mean_loss_of_its_own,
        r"the list of 20 losses train_step returned does not match the lecture's loop",
    ),
    "backward-twice": (backward_twice, r"(?s)raised RuntimeError.*backward\(\) ran twice.*second time"),
}


@pytest.mark.parametrize("answer, message", STEP_MISTAKES.values(), ids=STEP_MISTAKES)
def test_train_step_mistakes_are_named(answer, message):
    fails_with(nn_checks.check_train_step, answer, f"(?s){message}")


def test_the_train_step_check_leaves_torchs_global_generator_alone():
    state = torch.random.get_rng_state()
    nn_checks.check_train_step(good_step)
    assert torch.equal(state, torch.random.get_rng_state())


# ---- Exercise 3: train_to -------------------------------------------------------------------------------------


def fit(make_optimizer=lambda p: torch.optim.Adam(p, lr=1e-3), **mistake):
    """Returns a train_to with the optimizer `make_optimizer` makes and, in `mistake`, one classic slip."""

    def train_to(model, loss_fn, x, y, target, max_steps):
        optimizer = make_optimizer(model.parameters())
        losses = []
        for _ in range(max_steps - mistake.get("fewer", 0)):
            if mistake.get("new_optimizer"):
                optimizer = make_optimizer(model.parameters())
            loss = (mistake.get("loss") or loss_fn)(model(x), y)
            if mistake.get("test_first") and loss.item() < target:
                break
            losses.append(loss if mistake.get("tensors") else loss.item())
            if not mistake.get("test_first") and not mistake.get("no_stop"):
                if (loss.item() > target) if mistake.get("inverted") else (loss.item() < target):
                    break
            if not mistake.get("no_zero_grad"):
                optimizer.zero_grad()
            loss.backward()
            if not mistake.get("no_step"):
                optimizer.step()
            if mistake.get("after"):
                with torch.no_grad():
                    losses[-1] = loss_fn(model(x), y).item()
            if mistake.get("return_in_loop"):
                return losses
        return losses[-1] if mistake.get("last_only") else None if mistake.get("no_return") else losses

    return train_to


def step_then_test(model, loss_fn, x, y, target, max_steps):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    losses, step = [], 0
    while step < max_steps:
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        step += 1
        if losses[-1] < target:
            break
    return losses


def clipped(model, loss_fn, x, y, target, max_steps):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(max_steps):
        loss = loss_fn(model(x), y)
        losses.append(loss.item())
        if losses[-1] < target:
            break
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.05)
        optimizer.step()
    return losses


def adagrad(model, loss_fn, x, y, target, max_steps):
    return fit(lambda p: torch.optim.Adagrad(p, lr=1e-2))(model, loss_fn, x, y, target, max_steps)


@pytest.mark.parametrize(
    "answer", [fit(), step_then_test, adagrad, clipped], ids=["adam", "sgd-momentum", "adagrad", "clipped-gradients"]
)
def test_the_right_train_to_passes(answer, capsys):
    nn_checks.check_train_to(answer)
    assert capsys.readouterr().out == (
        "check passed: train_to records the loss of every step, with one optimizer and fresh gradients, stops at "
        "max_steps and at the first loss below target; it brought the course's net below 0.001 (nn.MSELoss()) "
        "within 300 steps\n"
    )


def unbounded(model, loss_fn, x, y, target, max_steps):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    while not losses or losses[-1] >= target:  # the mistake under test: max_steps is never used
        loss = loss_fn(model(x), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return losses


def by_hand(model, loss_fn, x, y, target, max_steps):
    losses = []
    for _ in range(max_steps):
        loss = loss_fn(model(x), y)
        losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= 1e-2 * p.grad
    return losses


def trains_a_copy(model, loss_fn, x, y, target, max_steps):
    return fit()(copy.deepcopy(model), loss_fn, x, y, target, max_steps)


def lbfgs(model, loss_fn, x, y, target, max_steps):
    optimizer = torch.optim.LBFGS(model.parameters())
    losses = []

    def closure():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        return loss

    for _ in range(max_steps):
        losses.append(optimizer.step(closure).item())
        if losses[-1] < target:
            break
    return losses


def lbfgs_without_closure(model, loss_fn, x, y, target, max_steps):
    optimizer = torch.optim.LBFGS(model.parameters())
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return [loss.item()]


def sgd(lr, momentum=0.0):
    return lambda p: torch.optim.SGD(p, lr=lr, momentum=momentum)


FIT_MISTAKES = {
    "returns-nothing": (fit(no_return=True), r"returned None.*\nHint: end train_to with `return losses`"),
    "returns-the-last-loss": (fit(last_only=True), r"returned a single float, not the list of losses"),
    "appends-tensors": (fit(tensors=True), r"hold Tensor values, not Python numbers.*\nHint: append loss.item\(\)"),
    "never-stops": (unbounded, r"made more than 39 forward passes and was stopped: it does not end"),
    "one-step-short": (fit(fewer=1), r"returned 11 losses, after 11 steps; it should take all 12 steps"),
    "new-optimizer-every-step": (fit(new_optimizer=True), r"created 12 optimizers for 12 steps.*\nHint: create the"),
    "no-zero-grad": (fit(no_zero_grad=True), r"^zero_grad\(\) is missing: .*sum of this step's and all earlier"),
    "no-step": (fit(no_step=True), r"never called optimizer.step\(\), and the weights never changed"),
    "updates-by-hand": (by_hand, r"never called optimizer.step\(\): it changed the weights by hand"),
    "trains-a-copy": (trains_a_copy, r"does not hold the parameters of the model it was given"),
    "lbfgs": (lbfgs, r"train_to uses LBFGS.*\nHint: .*LBFGS suits the challenge"),
    "lbfgs-without-closure": (lbfgs_without_closure, r"train_to uses LBFGS"),
    "records-the-loss-after-the-update": (fit(after=True), r"loss 0 of the list is .*, the loss after update 0"),
    "its-own-loss": (
        fit(loss=nn.MSELoss()),
        r"loss 0 of the list is .* but loss_fn\(model\(x\), y\) was .*\nHint: the check passes nn.L1Loss\(\)",
    ),
    "never-stops-at-the-target": (fit(no_stop=True), r"which the loss of step 3 .* went on to step 11"),
    "tests-before-appending": (fit(test_first=True), r"returned the 3 losses before it: the one below target is"),
    "return-inside-the-loop": (fit(return_in_loop=True), r"returned 1 loss, after 1 step;.*indented inside the loop"),
    "inverted-test": (fit(inverted=True), r"returned 1 loss, after 0 steps.*is the comparison the right way round\?"),
    "sgd-with-the-sum's-learning-rate": (
        fit(sgd(1e-4)),
        r"went from .* in 300 steps: too slow.*\nHint: nn.MSELoss\(\) is the mean over the N\*D_out = 640 entries",
    ),
    "sgd-too-large": (fit(sgd(50.0)), r"the loss went from .* it did not fall.*too large"),
    "rmsprop-too-large": (
        fit(lambda p: torch.optim.RMSprop(p, lr=1e-2)),
        r"with RMSprop \(lr=0.01\).*it went down, then up and down again.*\nHint: .*a smaller learning rate",
    ),
}


@pytest.mark.parametrize("answer, message", FIT_MISTAKES.values(), ids=FIT_MISTAKES)
def test_train_to_mistakes_are_named(answer, message):
    fails_with(nn_checks.check_train_to, answer, f"(?s){message}")


def test_the_train_to_check_removes_its_step_hook():
    with pytest.raises(checks.CheckFailed):
        nn_checks.check_train_to(fit(no_zero_grad=True))
    model = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model(torch.ones(1, 2)).sum().backward()
    optimizer.step()  # no hook of the check is left to see it (it would fail: an optimizer it does not know)
