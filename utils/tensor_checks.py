"""Checks for notebook 01's exercises: the two-layer net's forward pass, its backward pass, and a timed training loop.

Each check runs the student's functions on data of its own (odd sizes, so a transposed product shows up as a
wrong shape), compares with a reference, and when the numbers match a classic mistake it names that mistake:
the mean where the lecture sums, a ReLU done in place on h, h where h_relu belongs, a missing factor 2, a gradient
divided by N, a ReLU applied to the gradient, a `.to(device)` that trained the caller's weights, losses kept as
tensors, milliseconds for seconds. The fair clock of Exercise 3 is read from the function's syntax tree: a
synchronisation under `if device.type == "cuda":` after the copies, before the clock starts, and after the loop,
before it stops. Failures go through checks.fail; errors raised by the student's code through checks.running.
"""

import ast
import inspect
import textwrap
import time

import numpy as np
import torch

from utils import checks

SIZES = {"N": 5, "D_in": 7, "H": 6, "D_out": 3}  # all different, so every transpose changes a shape
SHAPES = (
    "the check uses sizes of its own, N=5, D_in=7, H=6, D_out=3 (not the notebook's): x is (N, D_in), w1 (D_in, H), "
    "w2 (H, D_out), so h = x w1 is (N, H) and y_pred = h_relu w2 is (N, D_out)"
)
CLOCKS = {"perf_counter", "perf_counter_ns", "time", "time_ns", "monotonic", "monotonic_ns", "default_timer"}
GUARD = 'if device.type == "cuda": torch.cuda.synchronize()'  # a fair clock's wait, on a CUDA GPU only


def sample(dtype=torch.float64, seed=0):
    """Returns x, y, w1, w2 of the check's sizes, drawn on a seeded CPU generator, with both signs in h."""
    g = torch.Generator().manual_seed(seed)
    n, d_in, h, d_out = SIZES.values()
    return tuple(
        torch.randn(*shape, generator=g, dtype=dtype) for shape in ((n, d_in), (n, d_out), (d_in, h), (h, d_out))
    )


def _reference(x, y, w1, w2):
    h = x @ w1
    h_relu = torch.relu(h)
    y_pred = h_relu @ w2
    grad_y_pred = 2.0 * (y_pred - y)
    grad_h = grad_y_pred @ w2.t() * (h > 0)
    return {"h": h, "h_relu": h_relu, "y_pred": y_pred, "grad_w2": h_relu.t() @ grad_y_pred, "grad_w1": x.t() @ grad_h}


def _same(a, b, tol=1e-9):
    return tuple(a.shape) == tuple(b.shape) and checks.rel_error(a, b) < tol


def _tensors(name, values, names):
    """Returns `values` as a tuple of tensors named `names`; fails naming what is missing or of the wrong kind."""
    if not isinstance(values, tuple) or len(values) != len(names):
        count = len(values) if isinstance(values, tuple) else 1
        checks.fail(f"{name} returned {count} value(s), but should return {len(names)}: {', '.join(names)}.")
    for part, value in zip(names, values):
        if isinstance(value, np.ndarray):
            checks.fail(
                f"{part} is a numpy array.", "use torch operations (x.mm(w1), h.clamp(min=0)): they run on a GPU."
            )
        if not isinstance(value, torch.Tensor):
            checks.fail(f"{part} should be a torch tensor, but it is {type(value).__name__}.")
    return values


def check_forward(forward, sum_squares):
    """Returns None; prints "check passed" when forward(x, w1, w2) and sum_squares(y_pred, y) compute the lecture's."""
    x, y, w1, w2 = sample()
    inputs = [t.clone() for t in (x, w1, w2)]
    ref = _reference(x, y, w1, w2)
    with checks.running("forward(x, w1, w2)", expected="h, h_relu, y_pred", cause=SHAPES):
        out = forward(x, w1, w2)
    h, h_relu, y_pred = _tensors("forward", out, ("h", "h_relu", "y_pred"))
    for name, got in (("h", h), ("h_relu", h_relu), ("y_pred", y_pred)):
        checks.check_shape(name, got, ref[name].shape, hint=SHAPES)
    if not all(torch.equal(a, b) for a, b in zip(inputs, (x, w1, w2))):
        checks.fail("forward changed one of its inputs x, w1 or w2 in place.", "compute new tensors from them.")
    if _same(h_relu, ref["h"]):
        checks.fail("h_relu has negative entries: the ReLU was not applied.", "h_relu = h.clamp(min=0).")
    if h is h_relu or _same(h, ref["h_relu"]):
        checks.fail(
            "h has no negative entries: the ReLU changed h itself.",
            "the backward pass needs h as it was before the ReLU: make h_relu a new tensor, h.clamp(min=0), "
            "instead of changing h in place (h[h < 0] = 0, h.clamp_(min=0)).",
        )
    if not _same(h, ref["h"]):
        checks.fail("h does not match x w1.", "h = x.mm(w1) (or x @ w1), before any ReLU.")
    if not _same(h_relu, ref["h_relu"]):
        checks.fail("h_relu does not match ReLU(h).", "ReLU keeps the positive entries and sets the others to 0.")
    if _same(y_pred, ref["h"] @ w2):
        checks.fail("y_pred is h w2: it skips the ReLU.", "multiply h_relu, not h, by w2.")
    if not _same(y_pred, ref["y_pred"]):
        checks.fail("y_pred does not match h_relu w2.", SHAPES)
    _check_loss(sum_squares, ref["y_pred"], y)
    print("check passed: forward computes h, h_relu and y_pred as the numpy version does, sum_squares the loss")


def _check_loss(sum_squares, y_pred, y):
    with checks.running("sum_squares(y_pred, y)", expected="one number in a tensor"):
        loss = sum_squares(y_pred.clone(), y.clone())
    if isinstance(loss, (float, int)):
        checks.fail(
            "sum_squares returned a Python number, not a tensor.",
            "keep the loss a tensor (no .item()): notebook 02 calls loss.backward() on it; .item() is for printing.",
        )
    (loss,) = _tensors("sum_squares", (loss,), ("the loss",))
    if loss.numel() != 1:
        checks.fail(f"the loss has shape {tuple(loss.shape)}: it should be one number.", "add .sum() at the end.")
    diff = y_pred - y
    mistakes = {
        "it is the mean of the squared differences; the lecture's loss is their sum: .pow(2).sum().": diff.pow(
            2
        ).mean(),
        "it is the length of the difference, the square root of the loss: drop the sqrt (or .norm()).": diff.norm(),
        "it sums the differences without squaring them: (y_pred - y).pow(2).sum().": diff.sum(),
        "it sums the absolute differences: square them instead, .pow(2).": diff.abs().sum(),
        "it is half the loss: the lecture's loss has no 1/2.": 0.5 * diff.pow(2).sum(),
    }
    got = float(loss.detach().reshape(()))
    for mistake, value in mistakes.items():
        if abs(got - float(value)) <= 1e-9 * max(1.0, abs(float(value))):
            checks.fail(
                f"sum_squares gives {got:.6g}, not the sum of squared errors {float(diff.pow(2).sum()):.6g}: " + mistake
            )
    checks.compare("the loss", loss.reshape(()), diff.pow(2).sum(), tol=1e-9, against="the sum of squared errors")


def check_backward(backward):
    """Returns None; prints "check passed" when backward(x, y, w2, h, h_relu, y_pred) returns the true gradients."""
    x, y, w1, w2 = sample()
    ref = _reference(x, y, w1, w2)
    given = [x, y, w2, ref["h"], ref["h_relu"], ref["y_pred"]]
    kept = [t.clone() for t in given]
    with checks.running("backward(x, y, w2, h, h_relu, y_pred)", expected="grad_w1, grad_w2", cause=SHAPES):
        out = backward(*given)
    grad_w1, grad_w2 = _tensors("backward", out, ("grad_w1", "grad_w2"))
    changed = [n for n, a, b in zip(("x", "y", "w2", "h", "h_relu", "y_pred"), kept, given) if not torch.equal(a, b)]
    if changed:
        checks.fail(f"backward changed {', '.join(changed)} in place.", _IN_PLACE.get(changed[0], _IN_PLACE[""]))
    if tuple(grad_w1.shape) == tuple(w2.shape) and tuple(grad_w2.shape) == tuple(w1.shape):
        checks.fail("backward returned grad_w2 first: return grad_w1, grad_w2 in that order.")
    checks.check_shape("grad_w2", grad_w2, w2.shape)
    checks.check_shape("grad_w1", grad_w1, w1.shape)
    grad_y = 2.0 * (ref["y_pred"] - y)
    n, d_out = SIZES["N"], SIZES["D_out"]
    mean = {
        f"it is the true gradient divided by N = {n}, the gradient of the loss's mean over the batch; the lecture's "
        "loss is a sum: grad_y_pred = 2.0 * (y_pred - y), with no division.": 1 / n,
        f"it is the true gradient divided by N * D_out = {n * d_out}, the gradient of the mean squared error; the "
        "lecture's loss is a sum: grad_y_pred = 2.0 * (y_pred - y), with no division.": 1 / (n * d_out),
    }
    _diagnose(
        "grad_w2",
        grad_w2,
        ref["grad_w2"],
        {
            "it is half the true gradient: the derivative of (y_pred - y)^2 is 2 (y_pred - y).": ref["grad_w2"] / 2,
            "its sign is flipped: grad_y_pred = 2 (y_pred - y), not 2 (y - y_pred).": -ref["grad_w2"],
            "it uses h where h_relu belongs: y_pred = h_relu w2, so grad_w2 = h_relu^T grad_y_pred.": ref["h"].t()
            @ grad_y,
            **{mistake: ref["grad_w2"] * factor for mistake, factor in mean.items()},
        },
    )
    grad_h_relu = grad_y @ w2.t()
    _diagnose(
        "grad_w1",
        grad_w1,
        ref["grad_w1"],
        {
            "the ReLU's mask is missing: the gradient is zero wherever h < 0.": x.t() @ grad_h_relu,
            "the mask is inverted: it keeps the entries where h < 0 and zeroes the others.": x.t() @ grad_h_relu
            - ref["grad_w1"],
            "it applies a ReLU to the gradient, zeroing it where grad_h_relu < 0; the mask comes from the forward "
            "pass: zero grad_h where h < 0, whatever the gradient's sign.": x.t() @ grad_h_relu.clamp(min=0),
            "besides the mask on h, it applies a ReLU to the gradient, zeroing it where grad_h_relu < 0: zero grad_h "
            "where h < 0 only, whatever the gradient's sign.": x.t() @ (grad_h_relu.clamp(min=0) * (ref["h"] > 0)),
            "it is half the true gradient: the factor 2 of grad_y_pred is missing.": ref["grad_w1"] / 2,
            "its sign is flipped: grad_y_pred = 2 (y_pred - y).": -ref["grad_w1"],
            **{mistake: ref["grad_w1"] * factor for mistake, factor in mean.items()},
        },
    )
    print("check passed: backward returns grad_w1 and grad_w2 equal to the true gradients (relative error below 1e-9)")


_IN_PLACE = {  # what backward changed in place (the first of x, y, w2, h, h_relu, y_pred): the hint that fits
    "h": "the mask reads h but must leave it as it is: zero the entries of a gradient of your own, "
    "grad_h = grad_h_relu.clone(), then grad_h[h < 0] = 0.",
    "y_pred": "compute grad_y_pred as a new tensor, 2.0 * (y_pred - y): `y_pred -= y` or `y_pred *= 2` write into "
    "the caller's y_pred.",
    "": "use operations that return new tensors (w2.t(), h_relu.t(), a - b), not in-place ones (t_(), `-=`, "
    "`a[...] = 0`), which write into the tensor you were given.",
}


def _diagnose(name, got, expected, mistakes):
    if _same(got, expected):
        return
    for mistake, value in mistakes.items():
        if _same(got, value):
            checks.fail(f"{name} is not the gradient: {mistake}")
    checks.compare(
        name,
        got,
        expected,
        tol=1e-9,
        against="the true gradient",
        hint="derive each line from the chain rule and the shapes, from the output back.",
    )


def check_timed_training(timed_training, iterations=20, learning_rate=1e-3):
    """Returns None; prints "check passed" when timed_training(x, y, w1, w2, device, iterations, learning_rate) trains
    and times the two-layer net fairly: the lecture's losses, the caller's tensors untouched, the clock honest."""
    x, y, w1, w2 = sample(torch.float32, seed=1)
    kept = [t.clone() for t in (x, y, w1, w2)]
    started = time.perf_counter()
    call = "timed_training(x, y, w1, w2, device, iterations, learning_rate)"
    with checks.running(call, expected="(losses, seconds)"):
        out = timed_training(x, y, w1, w2, torch.device("cpu"), iterations, learning_rate)
    elapsed = time.perf_counter() - started
    if not isinstance(out, tuple) or len(out) != 2:
        checks.fail("timed_training should return two values: the list of losses, and the seconds the loop took.")
    losses, seconds = out
    if not all(torch.equal(a, b) for a, b in zip(kept, (x, y, w1, w2))):
        checks.fail(
            "timed_training changed the x, y, w1 or w2 it was given.",
            "on the CPU, w1.to(device) returns w1 itself, not a copy, so `w1 -= ...` wrote into the caller's "
            "tensor: train copies, w1.to(device).clone().",
        )
    if not isinstance(losses, (list, tuple)) or len(losses) != iterations:
        count = len(losses) if isinstance(losses, (list, tuple)) else type(losses).__name__
        checks.fail(
            f"the list of losses should hold {iterations} numbers, one per iteration, not {count}.",
            "append loss.item() inside the loop.",
        )
    if any(isinstance(v, torch.Tensor) for v in losses):
        checks.fail(
            "the list of losses holds tensors, not numbers: the exercise asks for each loss as a number.",
            "append loss.item(), a Python number: a tensor would keep its memory (on a GPU, the GPU's) for as long "
            "as the list lives.",
        )
    with checks.running("reading the losses as numbers", cause="append loss.item(), a Python number"):
        got = torch.tensor([float(v) for v in losses])
    expected = _reference_losses(x, y, w1, w2, iterations, learning_rate)
    if torch.allclose(got, got[0].expand_as(got)):
        checks.fail(
            "the loss never changes: the weights are not updated.",
            "after backward: w1 -= learning_rate * grad_w1, and the same for w2, on the tensors you train.",
        )
    if not torch.isfinite(got).all() or got[-1] > got[0]:
        checks.fail(
            f"the loss grows, from {got[0]:.4g} to {got[-1]:.4g}: the update climbs the gradient.",
            "gradient descent subtracts it: w1 -= learning_rate * grad_w1.",
        )
    checks.compare(
        "the list of losses",
        got,
        expected,
        tol=1e-4,
        against="the lecture's training loop",
        hint="each iteration: forward, sum_squares, backward, then w -= learning_rate * grad_w.",
    )
    if isinstance(seconds, float) and seconds > elapsed and 0 < seconds / 1000 <= elapsed:
        checks.fail(
            f"seconds is {seconds:.4g}, more than the whole call took ({elapsed:.4f} s): it looks like milliseconds.",
            "return the difference of two time.perf_counter() readings as it is, in seconds (no * 1000).",
        )
    if not isinstance(seconds, float) or not 0 < seconds <= elapsed:
        checks.fail(
            f"seconds is {seconds!r}: it should be the loop's duration, a float between 0 and {elapsed:.3f}.",
            "read time.perf_counter() before and after the loop, and return the difference.",
        )
    _check_fair_clock(timed_training)
    print(
        f"check passed: timed_training trains on the device it is given ({iterations} iterations, the lecture's "
        "losses) and times the loop fairly"
    )


# ---- Exercise 3's clock, read from the source: where the clock is read, and where the GPU is waited for -------


def _check_fair_clock(fn):
    """Fails unless fn's code (its syntax tree: comments do not count) synchronises, when device.type == "cuda",
    after the copies and before the first clock reading, and between the training loop and the last one."""
    code = _source_tree(fn)
    if code is None:
        return  # no source to read (a built-in or compiled function): nothing to tell
    events = _clock_events(code)
    syncs = [(where, guards) for kind, where, guards in events if kind == "sync"]
    clocks = [where for kind, where, _ in events if kind == "clock"]
    if not syncs:
        checks.fail(
            "timed_training never synchronises the GPU: on a GPU, each operation returns as soon as it is queued, "
            "so the clock would stop before the work is done.",
            f"after the copies and after the loop, each time right before reading the clock: {GUARD}.",
        )
    for _, guards in syncs:
        _check_guard(guards, code)
    loop = _training_loop(code)
    if not clocks or loop is None:
        return  # a clock or a loop of another kind: the run above is all the check can judge
    start, stop = (loop.lineno, loop.col_offset, 0), (loop.end_lineno, loop.end_col_offset, 0)
    copies = [where for kind, where, _ in events if kind == "copy" and where < start]
    if not clocks[0] < start or not clocks[-1] > stop:
        checks.fail(
            "timed_training should read the clock twice: right before the training loop and right after it.",
            "start = time.perf_counter() before the loop; after it, time.perf_counter() - start.",
        )
    if copies and copies[-1] > clocks[0]:
        checks.fail(
            "timed_training starts the clock before its copies of x, y, w1 and w2 are made: the seconds should be "
            "the loop's alone.",
            "make the copies first, then synchronise and read the clock, right before the loop.",
        )
    after = [where for where, _ in syncs if stop < where < clocks[-1]]
    if not after:
        late = any(where > clocks[-1] for where, _ in syncs)
        checks.fail(
            "timed_training does not synchronise between the end of the loop and the last clock reading"
            + (" (it synchronises after the clock is read: too late)" if late else "")
            + ": on a GPU, the loop's work may still be queued when the loop ends, so the clock would stop early.",
            f"right after the loop, before reading the clock: {GUARD}.",
        )
    before = [where for where, _ in syncs if (copies[-1] if copies else (0, 0, 0)) < where < clocks[0]]
    if not before:
        checks.fail(
            "timed_training does not synchronise between its copies and the first clock reading: on a GPU, the "
            "copies to device may still be running when the clock starts, and their time would count as the loop's.",
            f"after the copies, right before start = time.perf_counter(): {GUARD}.",
        )


def _source_tree(fn):
    """Returns the syntax tree of the function fn (ast.FunctionDef), or None when its source cannot be read."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return None
    return next((node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))), None)


def _called(call):
    """Returns the name a call calls: "synchronize" for torch.cuda.synchronize(), "forward" for forward(x)."""
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _guards(node, parents, stop):
    """Returns the conditions around `node` up to `stop`: [(test, True in its if-branch, False in its else)]."""
    found = []
    while node is not stop and node in parents:
        parent = parents[node]
        if isinstance(parent, (ast.If, ast.IfExp)) and node is not parent.test:
            body = parent.body if isinstance(parent.body, list) else [parent.body]
            found.append((parent.test, node in body))
        node = parent
    return found


def _clock_events(code):
    """Returns the clock readings, synchronisations (with their conditions) and copies in fn, in source order:
    [(kind, (line, column, step), guards)]. A call of a helper defined inside fn stands for what the helper does."""
    parents = {child: node for node in ast.walk(code) for child in ast.iter_child_nodes(node)}
    helpers = {node.name: node for node in ast.walk(code) if isinstance(node, ast.FunctionDef) and node is not code}
    inside = {n for helper in helpers.values() for n in ast.walk(helper) if n is not helper}
    events = []
    for call in (n for n in ast.walk(code) if isinstance(n, ast.Call) and n not in inside):
        name, where = _called(call), (call.lineno, call.col_offset)
        if name in helpers:  # sync() or now(): what its body does, in its order, under the call's conditions
            for step, (kind, _, guards) in enumerate(_clock_events(helpers[name])):
                events.append((kind, (*where, step), guards + _guards(call, parents, code)))
        elif name == "synchronize":
            events.append(("sync", (*where, 0), _guards(call, parents, code)))
        elif name in CLOCKS:
            events.append(("clock", (*where, 0), []))
        elif name in ("to", "clone", "copy_", "cuda"):
            events.append(("copy", (*where, 0), []))
    return sorted(events, key=lambda event: event[1])


def _training_loop(code):
    """Returns fn's training loop: its first loop that calls forward, sum_squares or backward, else its last loop."""
    loops = sorted((n for n in ast.walk(code) if isinstance(n, (ast.For, ast.While))), key=lambda n: n.lineno)
    steps = ("forward", "sum_squares", "backward")
    training = [loop for loop in loops if any(_called(n) in steps for n in ast.walk(loop) if isinstance(n, ast.Call))]
    return training[0] if training else loops[-1] if loops else None


def _check_guard(guards, code):
    """Fails unless one of a synchronisation's conditions is device.type == "cuda" (on its true side)."""
    names = {  # is_gpu = device.type == "cuda", then `if is_gpu:`
        target.id: node.value
        for node in ast.walk(code)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    verdicts = [
        _condition(names.get(test.id, test) if isinstance(test, ast.Name) else test, side) for test, side in guards
    ]
    if "cuda" in verdicts:
        return
    if not guards:
        checks.fail(
            "timed_training calls torch.cuda.synchronize() whatever the device: on a machine without CUDA it raises, "
            "and on the CPU there is nothing to wait for.",
            f"synchronise only on a CUDA GPU: {GUARD}.",
        )
    tests = [ast.unparse(test) for test, _ in guards]
    if "string" in verdicts:
        checks.fail(
            f"timed_training synchronises under `if {tests[verdicts.index('string')]}:`, which is always False: a "
            "torch.device never equals a string, so the GPU is never waited for.",
            'compare the device\'s type, a string: if device.type == "cuda":',
        )
    if "available" in verdicts:
        checks.fail(
            "timed_training synchronises when torch.cuda.is_available(): that says whether the machine has a GPU, "
            "not whether `device`, the one it trains on, is one.",
            f"synchronise only on a CUDA GPU: {GUARD}.",
        )
    checks.fail(
        f"timed_training synchronises under `if {tests[0]}:`, which does not test device.type.",
        f"synchronise only on a CUDA GPU: {GUARD}.",
    )


def _condition(test, side):
    """Returns "cuda" for device.type == "cuda" (or != "cuda" on its false side), "string" for device == "cuda",
    "available" for torch.cuda.is_available(), else "other"."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) and side:
        verdicts = [_condition(value, side) for value in test.values]
        return next((v for v in ("cuda", "string", "available") if v in verdicts), "other")
    if isinstance(test, ast.Call):
        return "available" if _called(test) == "is_available" else "other"
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return "other"
    left, right, op = test.left, test.comparators[0], test.ops[0]
    if isinstance(left, ast.Constant):
        left, right = right, left
    if not (isinstance(right, ast.Constant) and right.value == "cuda" and isinstance(op, (ast.Eq, ast.NotEq))):
        return "other"
    if side != isinstance(op, ast.Eq):
        return "other"
    if isinstance(left, ast.Attribute) and left.attr == "type":
        return "cuda"
    return "string" if isinstance(left, (ast.Name, ast.Attribute)) else "other"


def _reference_losses(x, y, w1, w2, iterations, learning_rate):
    w1, w2, losses = w1.clone(), w2.clone(), []
    for _ in range(iterations):
        ref = _reference(x, y, w1, w2)
        losses.append((ref["y_pred"] - y).pow(2).sum().item())
        w1 -= learning_rate * ref["grad_w1"]
        w2 -= learning_rate * ref["grad_w2"]
    return torch.tensor(losses)
