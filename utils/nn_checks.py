"""Checks for notebook 04's exercises: an nn.Sequential model, one optimizer step, and a training run to a target.

Each check calls the student's function on nets and data of its own (sizes all different, so a swapped size
shows; float64 where exact comparisons help) inside checks.running, so that an error it raises becomes a lesson
with PyTorch's message beneath, and names the classic mistake its result matches: a missing or misplaced ReLU,
sizes swapped or typed in instead of the arguments, a forgotten zero_grad() (the gradients double), step() before
backward(), a loss returned as a tensor or after the update, a new optimizer at every step, a loop that never stops
or stops too late, a learning rate that does not suit a mean loss. Failures go through checks.fail.
"""

import copy
import math

import torch
from torch import nn
from torch.optim.optimizer import register_optimizer_step_pre_hook

from utils import checks

SIZES = (7, 5, 3)  # D_in, H, D_out of the check's own nets
COURSE = (64, 1000, 100, 10)  # N, D_in, H, D_out of the course's running example
USE_ARGUMENTS = "train_step works on its arguments (model, loss_fn, optimizer, x, y), not on the notebook's variables"
USE_THE_MODEL = (
    "train_step works on its arguments (model, loss_fn, optimizer, x, y), not on the notebook's variables: "
    "loss_fn(model(x), y)."
)
USE_X = "train_step works on its arguments (model, loss_fn, optimizer, x, y), not on the notebook's variables."


def _data(n, d_in, d_out, seed, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, d_in, generator=g, dtype=dtype), torch.randn(n, d_out, generator=g, dtype=dtype)


def _net(d_in, hidden, d_out, seed, dtype=torch.float64):
    """Returns a two-layer Sequential drawn from `seed`, leaving torch's global generator as it was."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, d_out)).to(dtype)


class _Watch:
    """Counts a model's forward passes (a forward pre-hook) and stops a loop that goes on past `limit` of them."""

    def __init__(self, model, limit=None, loop="the loop"):
        self.inputs, self.limit, self.loop, self.paused = [], limit, loop, False
        model.register_forward_pre_hook(self._seen)

    def _seen(self, module, args):
        if self.paused:
            return
        self.inputs.append(args[0] if args else None)
        if self.limit is not None and len(self.inputs) > self.limit:
            checks.fail(
                f"{self.loop} made more than {self.limit} forward passes and was stopped: it does not end.",
                "bound the loop: `for step in range(max_steps):`, and leave it as soon as a loss is below target.",
            )


# ---- Exercise 1: the Sequential ------------------------------------------------------------------------------


def check_two_layer_sequential(build_model):
    """Returns None; prints "check passed" when build_model(D_in, H, D_out) returns the lecture's two-layer net,
    Sequential(Linear(D_in, H), ReLU(), Linear(H, D_out)): checked with sizes of its own, (7, 5, 3)."""
    d_in, hidden, d_out = SIZES
    call = f"build_model({d_in}, {hidden}, {d_out})"
    cause = "build_model creates the three layers and passes them, in order, to nn.Sequential(...)"
    with checks.running(call, expected="an nn.Sequential", cause=cause):
        model = build_model(d_in, hidden, d_out)
    if model is None:
        checks.fail(f"{call} returned None.", "end build_model with `return nn.Sequential(...)`.")
    if isinstance(model, (list, tuple)):
        checks.fail(
            f"{call} returned a Python {type(model).__name__} of layers, not a module: it cannot be called on x, "
            "and an optimizer would not find its parameters.",
            "pass the layers to nn.Sequential(...), one by one, and return that.",
        )
    if not isinstance(model, nn.Sequential):
        checks.fail(
            f"{call} returned a {type(model).__name__}, not an nn.Sequential.",
            "pass the three layers, in order, to nn.Sequential(...) and return it.",
        )
    layers = list(model)
    kinds = [type(layer).__name__ for layer in layers]
    sizes = {n for layer in layers if isinstance(layer, nn.Linear) for n in (layer.in_features, layer.out_features)}
    typed = sorted(sizes & {COURSE[1], COURSE[2], COURSE[3]})
    if typed:
        checks.fail(
            f"{call} built Linear layers with the course's sizes ({', '.join(map(str, typed))}), not the sizes it "
            f"was given: build_model ignores its arguments.",
            "write nn.Linear(D_in, H) and nn.Linear(H, D_out) with the argument names, not the numbers.",
        )
    _check_layer_kinds(kinds)
    _check_linear("layer 0 (the first Linear)", layers[0], d_in, hidden, layers[2], d_out)
    _check_linear("layer 2 (the second Linear)", layers[2], hidden, d_out)
    dtypes = sorted({str(p.dtype) for p in model.parameters()} - {"torch.float32"})
    if dtypes:
        checks.fail(
            f"the model's weights are {', '.join(dtypes)}, but the data are float32 (torch's default).",
            "nn.Linear creates float32 weights: return the Sequential as it is, without .double() or .to(dtype).",
        )
    x, _ = _data(6, d_in, d_out, seed=0, dtype=torch.float32)
    with checks.running("model(x)", expected=f"an output of shape (6, {d_out})"):
        output = model(x)
    checks.check_shape("model(x)", output, (6, d_out))
    count = sum(p.numel() for p in model.parameters())
    print(
        f"check passed: {call} is Sequential(Linear({d_in} -> {hidden}), ReLU, Linear({hidden} -> {d_out})), "
        f"{count} parameters, biases included"
    )


def _check_layer_kinds(kinds):
    if kinds == ["Linear", "ReLU", "Linear"]:
        return
    if len(kinds) == 4 and kinds[:3] == ["Linear", "ReLU", "Linear"]:
        checks.fail(
            f"the model has the layers {kinds}: an extra {kinds[3]} after the last Linear.",
            "the net's output is the last Linear's output as it is: the loss takes it unchanged (no activation).",
        )
    if kinds.count("Linear") == 2 and len(kinds) == 2:
        checks.fail(
            f"the model has the layers {kinds}: the ReLU is missing.",
            "without a ReLU between them, two Linear layers compute a single linear map: Linear, ReLU, Linear.",
        )
    if sorted(kinds) == ["Linear", "Linear", "ReLU"]:
        checks.fail(
            f"the model has the layers {kinds}: the ReLU belongs between the two Linear layers.",
            "the order is Linear (D_in -> H), ReLU, Linear (H -> D_out).",
        )
    if len(kinds) == 3 and kinds[0] == kinds[2] == "Linear":
        checks.fail(
            f"layer 1 of the model is a {kinds[1]}, but the lecture's net has an nn.ReLU there.",
            "nn.ReLU() between the two Linear layers.",
        )
    checks.fail(
        f"the model has the layers {kinds}, but should have ['Linear', 'ReLU', 'Linear'].",
        "the lecture's net has exactly three layers: a Linear layer from D_in to H, a ReLU, a Linear layer from H to "
        "D_out.",
    )


def _check_linear(name, layer, fan_in, fan_out, last=None, d_out=None):
    """Fails unless `layer` maps fan_in -> fan_out with a bias; names swapped sizes and reversed layers."""
    got = (layer.in_features, layer.out_features)
    if last is not None and got == (fan_out, d_out) and (last.in_features, last.out_features) == (fan_in, fan_out):
        checks.fail(
            "the two Linear layers are in reverse order: the first one maps H -> D_out, the second D_in -> H.",
            "the input (D_in features) goes in first: Linear(D_in, H), ReLU, Linear(H, D_out).",
        )
    if got != (fan_in, fan_out):
        swapped = got == (fan_out, fan_in)
        checks.fail(
            f"{name} maps {got[0]} -> {got[1]} features but should map {fan_in} -> {fan_out}"
            + (": did you swap them?" if swapped else "."),
            "nn.Linear(in_features, out_features) takes the input size first.",
        )
    if layer.bias is None:
        checks.fail(f"{name} has no bias.", "keep nn.Linear's default bias=True, as the lecture's code does.")


# ---- Exercise 2: one training step ---------------------------------------------------------------------------


class _RecordingSGD(torch.optim.SGD):
    """SGD that keeps a copy of the gradients it finds at each step(), for check_train_step."""

    def __init__(self, params, lr):
        super().__init__(params, lr=lr)
        self.seen = []

    def step(self, closure=None):
        params = [p for group in self.param_groups for p in group["params"]]
        self.seen.append([None if p.grad is None else p.grad.detach().clone() for p in params])
        return super().step(closure)


class _CountingLoss(nn.MSELoss):
    """nn.MSELoss(reduction="sum") that counts its calls, for check_train_step."""

    def __init__(self):
        super().__init__(reduction="sum")
        self.calls = 0

    def forward(self, prediction, target):
        self.calls += 1
        return super().forward(prediction, target)


def _no_gradient(grads):
    return all(g is None or not g.any() for g in grads)


def check_train_step(train_step, steps=20, lr=0.02):
    """Returns None; prints "check passed" when train_step(model, loss_fn, optimizer, x, y) is one correct step.

    On a net of its own: two calls with a learning rate of 0 (the weights stay put, so both calls must see the same
    gradients: twice the gradient means zero_grad() was forgotten), then `steps` steps of SGD with `lr`, whose
    returned losses must be those of the lecture's loop.
    """
    d_in, hidden, d_out = SIZES
    x, y = _data(6, d_in, d_out, seed=1, dtype=torch.float32)  # float32, as the student's own tensors
    model, loss_fn = _net(d_in, hidden, d_out, seed=2, dtype=torch.float32), _CountingLoss()
    watch = _Watch(model)
    spy = _RecordingSGD(model.parameters(), lr=0.0)
    before = copy.deepcopy(model.state_dict())
    call = "train_step(model, loss_fn, optimizer, x, y)"
    with checks.running(call, expected="this step's loss, a Python number", cause=USE_ARGUMENTS):
        returned = [train_step(model, loss_fn, spy, x, y) for _ in range(2)]
    if not watch.inputs:
        checks.fail(f"{call} never called the model it was given.", USE_THE_MODEL)
    if any(a is None or a.shape != x.shape or not torch.equal(a, x) for a in watch.inputs):
        checks.fail(f"{call} called the model on another tensor than its argument x.", USE_X)
    if not loss_fn.calls:
        checks.fail(f"{call} never called the loss_fn it was given.", USE_THE_MODEL)
    moved = [key for key, value in model.state_dict().items() if not torch.equal(value, before[key])]
    if moved and not spy.seen:
        checks.fail(
            f"train_step changed {', '.join(moved)} without calling step() on the optimizer passed in (its lr was 0).",
            "use the `optimizer` argument: do not create a new optimizer inside train_step, and do not update "
            "the weights by hand; optimizer.step() does the update.",
        )
    if moved:
        checks.fail(
            f"train_step changed {', '.join(moved)} although the optimizer passed in had a learning rate of 0.",
            "the update is optimizer.step() alone: no update by hand, and no second optimizer.",
        )
    if len(spy.seen) != 2:
        checks.fail(
            f"two calls of train_step called optimizer.step() {len(spy.seen)} times instead of 2.",
            "each step ends with optimizer.step(), with its parentheses, once, on the optimizer passed in.",
        )
    _check_gradients_at_step(spy.seen, model)
    _check_returned(returned[0])
    _check_step_losses(train_step, model, before, x, y, steps, lr)
    print(
        "check passed: train_step zeroes the gradients, computes them, calls step() once and returns the loss "
        f"before the update ({steps} SGD steps: the losses of the lecture's loop)"
    )


def _check_gradients_at_step(seen, model):
    first, second = seen
    if _no_gradient(first):
        if not _no_gradient([p.grad for p in model.parameters()]):
            checks.fail(
                "optimizer.step() ran before loss.backward(): at step() the parameters had no gradient yet, so the "
                "update used none (the gradients came afterwards).",
                "the order is zero_grad(), forward and loss, backward(), then step().",
            )
        checks.fail(
            "at optimizer.step() the parameters had no gradient.",
            "call loss.backward() (with its parentheses) before optimizer.step(); zero the gradients BEFORE "
            "backward(), not between backward() and step().",
        )
    if any(g1 is not None and g2 is not None and checks.rel_error(g2, 2 * g1) < 1e-6 for g1, g2 in zip(first, second)):
        checks.fail(
            "zero_grad() is missing: with unchanged weights, the gradients doubled from one call of train_step "
            "to the next, because backward() adds into .grad (the gradients of earlier steps accumulate).",
            "call optimizer.zero_grad() (with its parentheses) before loss.backward() in every step.",
        )
    if any(g1 is None or g2 is None or checks.rel_error(g2, g1) > 1e-6 for g1, g2 in zip(first, second)):
        checks.fail(
            "two calls of train_step with unchanged weights saw different gradients.",
            "one step: optimizer.zero_grad(), forward and loss, loss.backward(), optimizer.step().",
        )


def _check_returned(value):
    if value is None:
        checks.fail("train_step returned None.", "end it with `return loss.item()`.")
    if callable(value):
        checks.fail("train_step returned the method loss.item itself, not its result.", "call it: loss.item().")
    if isinstance(value, torch.Tensor) or not isinstance(value, (int, float)):
        checks.fail(
            f"train_step returned a {type(value).__name__}, not a Python number.",
            "return loss.item(): a number, so that a list of losses does not keep every step's graph alive.",
        )


def _check_step_losses(train_step, model, start, x, y, steps, lr):
    reference = _net(*SIZES, seed=0, dtype=torch.float32)  # then the weights the student started from
    reference.load_state_dict(start)
    expected, sgd = [], torch.optim.SGD(reference.parameters(), lr=lr)
    for _ in range(steps + 1):
        value = nn.functional.mse_loss(reference(x), y, reduction="sum")
        expected.append(value.item())
        reference.zero_grad()
        value.backward()
        sgd.step()
    model.load_state_dict(start)
    trained = torch.optim.SGD(model.parameters(), lr=lr)
    with checks.running("train_step", expected="this step's loss, a Python number", cause=USE_ARGUMENTS):
        got = [train_step(model, nn.MSELoss(reduction="sum"), trained, x, y) for _ in range(steps)]
    if math.isclose(got[0], expected[1], rel_tol=1e-6) and not math.isclose(got[0], expected[0], rel_tol=1e-6):
        checks.fail(
            f"train_step returned {got[0]:.6g}, the loss after its update; the loss before it is {expected[0]:.6g}.",
            "return the loss that backward() went through: loss.item() of loss_fn(model(x), y), computed before "
            "step().",
        )
    checks.compare(
        f"the list of {steps} losses train_step returned",
        torch.tensor(got),
        torch.tensor(expected[:steps]),
        tol=1e-6,
        against="the lecture's loop",
        hint="each call: zero_grad(), loss = loss_fn(model(x), y), loss.backward(), step(); return loss.item().",
    )


# ---- Exercise 3: training to a target loss -------------------------------------------------------------------

CALL = "train_to(model, loss_fn, x, y, target, max_steps)"
REACH = {"target": 1e-3, "max_steps": 300}  # on the course's net, with nn.MSELoss() (the mean)


class _Steps:
    """While active, records every optimizer.step() (torch's step hook common to all optimizers): the optimizer,
    the loss at the weights it is about to change, and whether the gradients it finds are those of that loss."""

    def __init__(self, model, loss_fn, x, y, watch, limit):
        self.model, self.loss_fn, self.x, self.y, self.watch, self.limit = model, loss_fn, x, y, watch, limit
        self.params = list(model.parameters())
        self.optimizers, self.losses, self.verdicts = [], [], []
        self.total = [torch.zeros_like(p) for p in self.params]

    def __enter__(self):
        self.handle = register_optimizer_step_pre_hook(self._before_step)
        return self

    def __exit__(self, *exc):
        self.handle.remove()

    def _before_step(self, optimizer, args, kwargs):
        self.optimizers.append(optimizer)  # kept alive, so that a new optimizer never reuses an old one's id
        if len(self.optimizers) > self.limit:
            checks.fail(f"{CALL} called optimizer.step() more than {self.limit} times and was stopped.")
        if isinstance(optimizer, torch.optim.LBFGS):
            checks.fail(
                "train_to uses LBFGS, which evaluates the loss several times inside one step(closure): this exercise "
                "records one loss per step.",
                "take an optimizer that steps once per gradient (SGD with momentum, RMSprop, Adam...); LBFGS suits "
                "the challenge.",
            )
        held = {id(p) for group in optimizer.param_groups for p in group["params"]}
        if not all(id(p) in held for p in self.params):
            self.verdicts.append("foreign")
            return
        self.watch.paused = True
        try:
            with torch.enable_grad():
                loss = self.loss_fn(self.model(self.x), self.y)
                true = torch.autograd.grad(loss, self.params)
        finally:
            self.watch.paused = False
        self.losses.append(loss.item())
        self.total = [t + g for t, g in zip(self.total, true)]
        found = [p.grad for p in self.params]
        if _no_gradient(found):
            self.verdicts.append("none")
        elif any(g is None for g in found):
            self.verdicts.append("other")
        elif _scaled_down(found, true):
            self.verdicts.append("fresh")
        elif all(checks.rel_error(g, t) < 1e-9 for g, t in zip(found, self.total)):
            self.verdicts.append("accumulated")
        else:
            self.verdicts.append("other")


def _scaled_down(found, true):
    """Returns True when the gradients found are the true ones, or the true ones all scaled down by one factor (as
    torch.nn.utils.clip_grad_norm_ does)."""
    norm = sum(float((t * t).sum()) for t in true)
    if norm == 0:
        return not any(g.any() for g in found)
    factor = sum(float((g * t).sum()) for g, t in zip(found, true)) / norm
    return 0 < factor < 1 + 1e-9 and all(checks.rel_error(g, factor * t) < 1e-9 for g, t in zip(found, true))


def _run_train_to(train_to, x, y, target, max_steps, seed=6):
    """Returns (losses, steps, trajectory, moved): train_to run on a small net under watch; `trajectory` is the loss
    before each step, then at the final weights; `moved` says whether the weights changed."""
    model, loss_fn = _net(*SIZES, seed=seed), nn.L1Loss()
    start = copy.deepcopy(model.state_dict())
    limit = 3 * max_steps + 3
    watch = _Watch(model, limit, loop=f"{CALL} with max_steps={max_steps}")
    cause = "each step: loss = loss_fn(model(x), y), then zero_grad(), backward(), step() on one optimizer"
    with _Steps(model, loss_fn, x, y, watch, limit) as steps:
        with checks.running(CALL, expected="the list of losses", cause=cause):
            losses = train_to(model, loss_fn, x, y, target, max_steps)
    with torch.no_grad():
        trajectory = [*steps.losses, loss_fn(model(x), y).item()]
    moved = any(not torch.equal(v, start[k]) for k, v in model.state_dict().items())
    return losses, steps, trajectory, moved


def _as_numbers(losses):
    """Returns the losses as a list of floats; fails naming what train_to returned instead."""
    if losses is None:
        checks.fail(f"{CALL} returned None.", "end train_to with `return losses`, the list of every step's loss.")
    if isinstance(losses, (int, float, torch.Tensor)):
        checks.fail(
            f"{CALL} returned a single {type(losses).__name__}, not the list of losses.",
            "append each step's loss.item() to a list, and return the list.",
        )
    if not isinstance(losses, (list, tuple)):
        checks.fail(f"{CALL} returned a {type(losses).__name__}; it should return a list of numbers.")
    kinds = {type(v).__name__ for v in losses if not isinstance(v, (int, float)) or isinstance(v, bool)}
    if kinds:
        checks.fail(
            f"the losses train_to returned hold {', '.join(sorted(kinds))} values, not Python numbers.",
            "append loss.item(): a number, so that the list does not keep every step's graph alive.",
        )
    return [float(v) for v in losses]


def _check_optimizer(steps, moved):
    if not steps.optimizers:
        checks.fail(
            f"{CALL} never called optimizer.step()"
            + (": it changed the weights by hand." if moved else ", and the weights never changed."),
            "create an optimizer of torch.optim for model.parameters(), once, and call its step() at every step.",
        )
    if "foreign" in steps.verdicts:
        checks.fail(
            "the optimizer train_to steps does not hold the parameters of the model it was given.",
            "create it with model.parameters() of the `model` argument (not the notebook's model, nor a copy).",
        )
    count = len({id(o) for o in steps.optimizers})
    if count > 1:
        checks.fail(
            f"train_to created {count} optimizers for {len(steps.optimizers)} steps: a new one at every step.",
            "create the optimizer once, before the loop: it keeps state from step to step (momentum's velocity, "
            "Adam's running averages) that a new optimizer starts from zero.",
        )


def _check_gradients(steps):
    messages = {
        "none": (
            "at optimizer.step() the parameters had no gradient",
            "call loss.backward() before step(), and zero the gradients before backward(), not between them.",
        ),
        "accumulated": (
            "zero_grad() is missing: at each step() the gradients were the sum of this step's and all earlier "
            "steps', because backward() adds into .grad",
            "call optimizer.zero_grad() before loss.backward() at every step.",
        ),
        "other": (
            "at optimizer.step() the gradients were not those of loss_fn(model(x), y) at the current weights",
            "backward() on this step's loss, computed with the loss_fn argument, right before step().",
        ),
    }
    for verdict, (message, hint) in messages.items():
        if verdict in steps.verdicts:
            checks.fail(f"{message} (first seen at step {steps.verdicts.index(verdict)}).", hint)


def _check_recorded(losses, trajectory):
    """Fails unless losses[i] is the loss before update i (the one backward() went through)."""
    for i, (got, want) in enumerate(zip(losses, trajectory)):
        if math.isclose(got, want, rel_tol=1e-7, abs_tol=1e-12):
            continue
        if i + 1 < len(trajectory) and math.isclose(got, trajectory[i + 1], rel_tol=1e-7, abs_tol=1e-12):
            checks.fail(
                f"loss {i} of the list is {got:.6g}, the loss after update {i}; the loss before it is {want:.6g}.",
                "append loss.item() of the loss you call backward() on, before step().",
            )
        hint = "append loss.item() of loss = loss_fn(model(x), y), with the loss_fn argument, once per step."
        if i == 0:
            hint = (
                "the check passes nn.L1Loss() as loss_fn: compute the loss with the argument, not a loss of your own."
            )
        checks.fail(f"loss {i} of the list is {got:.6g}, but loss_fn(model(x), y) was {want:.6g} then.", hint)


def check_train_to(train_to, max_steps=12):
    """Returns None; prints "check passed" when train_to(model, loss_fn, x, y, target, max_steps) trains to a target.

    Piece by piece, on a net of its own with nn.L1Loss(): a target no loss reaches (it must stop after max_steps
    steps); every recorded loss is the loss before that step's update; one optimizer, fresh gradients at every step;
    then a target its own run reaches mid-way (it must stop at the first loss below it); at last the course's net
    with nn.MSELoss() (the mean), whose loss must fall below REACH["target"] within REACH["max_steps"] steps.
    """
    x, y = _data(8, SIZES[0], SIZES[2], seed=5)
    kept = (x.clone(), y.clone())
    losses, steps, trajectory, moved = _run_train_to(train_to, x, y, 0.0, max_steps)
    losses = _as_numbers(losses)
    if not (torch.equal(x, kept[0]) and torch.equal(y, kept[1])):
        checks.fail(f"{CALL} changed x or y.", "train_to changes the model's weights only.")
    if len(losses) != max_steps:
        hint = "`for step in range(max_steps):`, one loss appended per step; stop early only when a loss < target."
        if len(losses) == 1:
            hint = (
                "stop when loss < target: is the comparison the right way round?"
                if not steps.optimizers
                else "is `return losses` indented inside the loop? It belongs after it."
            )
        checks.fail(_took_message(len(losses), len(steps.optimizers), max_steps), hint)
    _check_optimizer(steps, moved)
    _check_recorded(losses, trajectory)
    _check_gradients(steps)
    if not trajectory[-1] < trajectory[0]:
        checks.fail(
            f"in {max_steps} steps the loss went from {trajectory[0]:.4g} to {trajectory[-1]:.4g}: it did not fall.",
            ("the learning rate is far too large" if trajectory[-1] > trajectory[0] else "is the learning rate 0?")
            + ": Adam with lr=1e-3 is a safe start.",
        )
    _check_stops_at_target(train_to, x, y, trajectory[:max_steps], max_steps)
    _check_reaches(train_to)
    print(
        "check passed: train_to records the loss of every step, with one optimizer and fresh gradients, stops at "
        f"max_steps and at the first loss below target; it brought the course's net below {REACH['target']:g} "
        f"(nn.MSELoss()) within {REACH['max_steps']} steps"
    )


def _took_message(returned, taken, max_steps):
    """Returns what train_to did with a target no loss reaches: one whole message per case, for the translations."""
    if returned == 1 and taken == 1:
        return (
            f"with a target no loss reaches (0.0) and max_steps={max_steps}, train_to returned 1 loss, after 1 step; "
            f"it should take all {max_steps} steps, one loss each."
        )
    if returned == 1:
        return (
            f"with a target no loss reaches (0.0) and max_steps={max_steps}, train_to returned 1 loss, after {taken} "
            f"steps; it should take all {max_steps} steps, one loss each."
        )
    if taken == 1:
        return (
            f"with a target no loss reaches (0.0) and max_steps={max_steps}, train_to returned {returned} losses, "
            f"after 1 step; it should take all {max_steps} steps, one loss each."
        )
    return (
        f"with a target no loss reaches (0.0) and max_steps={max_steps}, train_to returned {returned} losses, after "
        f"{taken} steps; it should take all {max_steps} steps, one loss each."
    )


def _check_stops_at_target(train_to, x, y, trajectory, max_steps):
    record = [min(trajectory[:j]) for j in range(1, len(trajectory))]
    j = next((j for j in range(3, max_steps - 1) if trajectory[j] < record[j - 1] * (1 - 1e-6)), None)
    if j is None:
        checks.fail(
            f"in {max_steps} steps the loss never fell below all earlier ones after step 3: {trajectory}.",
            "the optimizer should bring the loss down step after step: is the learning rate too large?",
        )
    target = (trajectory[j] + record[j - 1]) / 2  # below every loss before step j, above the loss of step j
    losses, _, _, _ = _run_train_to(train_to, x, y, target, max_steps)
    losses = _as_numbers(losses)
    where = f"with target {target:.6g}, which the loss of step {j} ({trajectory[j]:.6g}) is the first to go below,"
    if len(losses) > j + 1:
        checks.fail(
            f"{where} train_to went on to step {len(losses) - 1}.",
            "leave the loop (break, or return) as soon as a loss is below target.",
        )
    if len(losses) == j and all(math.isclose(a, b, rel_tol=1e-7) for a, b in zip(losses, trajectory)):
        checks.fail(
            f"{where} train_to returned the {j} losses before it: the one below target is missing.",
            "append the loss first, then test it: the list ends with the loss that reached the target.",
        )
    if len(losses) < j + 1:
        checks.fail(
            f"{where} train_to stopped at step {len(losses) - 1}, whose loss {losses[-1]:.6g} is not below it.",
            "stop when loss < target"
            + (": is the comparison the right way round?" if len(losses) <= 1 else ", and only then."),
        )


def _check_reaches(train_to):
    n, d_in, hidden, d_out = COURSE
    x, y = _data(n, d_in, d_out, seed=7, dtype=torch.float32)
    model = _net(d_in, hidden, d_out, seed=8, dtype=torch.float32)
    target, max_steps = REACH["target"], REACH["max_steps"]
    _Watch(model, 3 * max_steps + 3, loop=f"{CALL} with max_steps={max_steps}")
    used = []  # the optimizer train_to steps with
    handle = register_optimizer_step_pre_hook(
        lambda optimizer, args, kwargs: used.append(optimizer) if not used else None
    )
    call = f"train_to(model, nn.MSELoss(), x, y, {target:g}, {max_steps}) on the course's net"
    try:
        with checks.running(call, expected="the list of losses"):
            losses = _as_numbers(train_to(model, nn.MSELoss(), x, y, target, max_steps))
    finally:
        handle.remove()
    if losses and losses[-1] < target and len(losses) <= max_steps:
        return
    name, lr = (type(used[0]).__name__, used[0].param_groups[0].get("lr")) if used else ("the optimizer", None)
    setting = f"{name}" + (f" (lr={lr:g})" if isinstance(lr, float) else "")
    first, last = losses[0], losses[-1]
    what = (
        f"on the course's net, with {setting}, nn.MSELoss() went from {first:.3g} to {last:.3g} in {len(losses)} steps"
    )
    rises = sum(b > a for a, b in zip(losses[len(losses) // 2 :], losses[len(losses) // 2 + 1 :]))
    if not math.isfinite(last) or last > first:
        checks.fail(f"{what}: it grew.", "the learning rate is too large for this loss: take a smaller one.")
    if rises > len(losses) // 10 or min(losses) < last / 10:
        checks.fail(
            f"{what}, after a low of {min(losses):.3g}: it went down, then up and down again ({rises} rises in the "
            f"last half), not below {target:g}.",
            "the steps are too large near the minimum: a smaller learning rate.",
        )
    hint = f"a larger learning rate for {name} (Adam with lr=1e-3 gets there in about 50 steps)."
    if isinstance(used[0] if used else None, torch.optim.SGD):
        hint = (
            f"nn.MSELoss() is the mean over the N*D_out = {n * d_out} entries, so its gradients are {n * d_out} "
            "times smaller than the sum's: SGD needs a learning rate about that much larger (section 6), or take "
            "Adam (lr=1e-3), whose steps do not depend on the loss's scale."
        )
    checks.fail(f"{what}: too slow to get below {target:g} within {max_steps} steps.", hint)
