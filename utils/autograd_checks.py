"""Checks for notebook 02's exercises: gradients by hand, the autograd training loop, and a three-layer net.

Each check runs the student's functions inside checks.running on data of its own (float64, every size different,
so a transposed product changes a shape), compares the results with a reference, and names the classic mistake
when the numbers match one: for the chain rule, a missing outer or inner derivative, a and b swapped; for the
loops, gradients never zeroed, loss tensors appended instead of loss.item(), a learning rate of its own, a weight
left out of the update or trained as a copy; for the three-layer net, weights that are not leaves, unscaled or
wrongly scaled, not drawn from the generator, a ReLU on the output. The errors PyTorch raises in a student's loop
(the update outside torch.no_grad(), backward() under it, the 2017 `if w1.grad:`, `w1 = w1 - ...`) get the
course's lesson (utils.errors), and the checker says which of the usual causes it was where it can tell.
"""

import math
import warnings

import torch

from utils import checks, errors

TOL = 1e-8  # float64 all along: only the order of the sums differs from the reference
RATE = 0.02  # the checks' learning rate: not the notebook's, so a number typed into the loop shows
NOTEBOOK_RATES = (1e-6, 1e-4, 2e-4)  # the notebook's learning rates, which a student may type instead of the argument


def sample(sizes, n=6, seed=0):
    """Returns x (n, sizes[0]), y (n, sizes[-1]) and one weight (fan_in, fan_out) per layer, float64, on the CPU."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, sizes[0], generator=g, dtype=torch.float64)
    y = torch.randn(n, sizes[-1], generator=g, dtype=torch.float64)
    shapes = zip(sizes[:-1], sizes[1:])
    weights = [torch.randn(a, b, generator=g, dtype=torch.float64) / math.sqrt(a) for a, b in shapes]
    return x, y, weights


def _predict(x, weights, relu="hidden"):
    """Returns the net's output; relu: "hidden" (after every layer but the last), "all", "first" or "none"."""
    out = x
    for k, w in enumerate(weights):
        out = out @ w
        last = k == len(weights) - 1
        if relu == "all" or (relu == "hidden" and not last) or (relu == "first" and k == 0 and not last):
            out = torch.relu(out)
    return out


def descent(x, y, weights, iterations, rate, zero=True, sign=1.0, reduce="sum", relu="hidden", trained=None):
    """Returns the losses of gradient descent from copies of `weights`, or of one classic mistake:
    zero=False (gradients add up), sign=-1 (the update climbs), reduce="mean", trained (the indexes updated)."""
    current = [w.detach().clone() for w in weights]
    summed = [torch.zeros_like(w) for w in current]  # what .grad holds when it is never zeroed
    trained = range(len(current)) if trained is None else trained
    history = torch.empty(iterations, dtype=torch.float64)
    for step in range(iterations):
        leaves = [w.requires_grad_() for w in current]
        objective = getattr((_predict(x, leaves, relu) - y).square(), reduce)()
        grads = torch.autograd.grad(objective, leaves)
        history[step] = objective.detach()
        current = [w.detach() for w in leaves]
        for k in trained:
            summed[k] = grads[k] + (0 if zero else summed[k])
            current[k] = current[k] - sign * rate * summed[k]
    return history


def _close(got, expected, tol=TOL):
    finite = bool(torch.isfinite(expected).all())
    return got.shape == expected.shape and finite and checks.rel_error(got, expected) < tol


def _same_start(got, wrong):
    """Returns True when `got` matches `wrong` over all of wrong's finite beginning (at least 3 entries)."""
    finite = int(torch.isfinite(wrong).long().cumprod(0).sum())
    return got.shape == wrong.shape and finite >= 3 and _close(got[:finite], wrong[:finite])


# ---- Exercise 2 (in section 7): grads_by_hand -----------------------------------------------------------------

POINTS = [(2.0, -3.0, 4.0), (0.5, 1.5, -0.25)]  # a != b, u != 1: each slip gives other numbers


def _autograd_grads(point):
    a, b, c = (torch.tensor(value, dtype=torch.float64, requires_grad=True) for value in point)
    ((a * b + c) ** 2).backward()
    return torch.stack([a.grad, b.grad, c.grad])


def check_grads_by_hand(grads_by_hand):
    """Returns None; prints "check passed" when grads_by_hand(a, b, c) returns autograd's (df/da, df/db, df/dc) of
    f(a, b, c) = (a*b + c)**2 at two points, within 1e-12 (notebook 02).

    Names: not three numbers; the 2 of d(u**2)/du left out; the outer derivative 2u left out, or written 2; the
    inner derivatives du/da = b, du/db = a left out; df/da and df/db swapped; the sign flipped.
    """
    for point in POINTS:
        call = f"grads_by_hand{point}"
        with checks.running(call, expected="three numbers", cause="a, b, c are Python floats: * and + are enough"):
            yours = grads_by_hand(*point)
        if isinstance(yours, str) or not hasattr(yours, "__len__") or getattr(yours, "ndim", 1) != 1:
            checks.fail(f"{call} returned {yours!r}, not three numbers.", "return df_da, df_db, df_dc")
        if len(yours) != 3:
            checks.fail(f"{call} returned {len(yours)} values, not three numbers.", "return df_da, df_db, df_dc")
        try:
            yours = torch.tensor([float(v) for v in yours], dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError):
            checks.fail(f"{call} returned {yours!r}: its three values should be numbers.")
        expected = _autograd_grads(point)
        a, b, c = point
        u = c + a * b  # the inner function
        mistakes = {
            "they are half of autograd's: the derivative of u**2 is 2u, did you leave out the 2?": [u * b, u * a, u],
            "they are du/da, du/db, du/dc without the outer derivative: by the chain rule, df/da = df/du * du/da, "
            "with df/du = 2u.": [b, a, 1.0],
            "they are 2 * (du/da, du/db, du/dc): the outer derivative df/du is 2u, not 2.": [2 * b, 2 * a, 2.0],
            "all three are df/du = 2u: multiply by the inner derivatives du/da = b, du/db = a, du/dc = 1.": [
                2 * u,
                2 * u,
                2 * u,
            ],
            "df/da and df/db are swapped: u = a*b + c changes with a at the rate du/da = b, so df/da = 2u * b.": [
                2 * u * a,
                2 * u * b,
                2 * u,
            ],
            "their signs are flipped: f = u**2 grows with u, so df/dc = 2u, not -2u.": [-2 * u * b, -2 * u * a, -2 * u],
        }
        name = f"(df/da, df/db, df/dc) at the point (a, b, c) = {point}"
        if not _close(yours, expected, 1e-12):
            for message, wrong in mistakes.items():
                if _close(yours, torch.tensor(wrong, dtype=torch.float64), 1e-12):
                    checks.fail(
                        f"{name} does not match autograd's gradients: {message}\n  expected {expected.tolist()}, "
                        f"got {yours.tolist()}"
                    )
        checks.compare(
            name,
            yours,
            expected,
            tol=1e-12,
            against="autograd's gradients",
            hint="with u = a*b + c: df/da = df/du * du/da = 2u * b; likewise for b and c.",
        )
    print("check passed: grads_by_hand returns autograd's df/da, df/db and df/dc at two points (within 1e-12)")


# ---- The training loops: Exercise 1 (train) and the last piece of Exercise 3 (train_net) ----------------------


def _cause_of(error, weights):
    """Returns which usual mistake made the student's loop raise `error`, where the weights tell; else "" when the
    course has a lesson for the error (checks.running adds it), or the steps of an iteration."""
    text = str(error)
    backward_ran = any(w.grad is not None for w in weights)
    if "does not require grad and does not have a grad_fn" in text:
        if not backward_ran:
            return "it happened at the very first backward(): the forward pass ran under torch.no_grad()"
        return "it happened after the first update, which made new weights (`w1 = w1 - ...` under torch.no_grad())"
    if "NoneType" in text:
        if not backward_ran:
            return "it happened before the first backward(): zero the gradients after the update, not before"
        return "it happened after the first update, which made new weights (`w1 = w1 - ...`, or `w = w - ...`)"
    if errors.lesson_for(error):
        return ""  # the course's lesson for that error says it
    return "each iteration: the forward pass, the loss, backward(), the update under torch.no_grad(), the zeroing"


def _run_loop(call, run, weights):
    """Returns run()'s result; an error it raises becomes a CheckFailed naming the likely cause and the lesson."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ".grad of a Tensor that is not a leaf": the message below says why
            return run()
    except (checks.CheckFailed, NotImplementedError):
        raise
    except Exception as error:
        with checks.running(call, expected="the list of losses", cause=_cause_of(error, weights)):
            raise error


def _as_numbers(name, losses, iterations):
    """Returns `losses` as a float64 tensor; fails when it is not one Python number per iteration."""
    if losses is None:
        checks.fail(f"{name} returned None.", "end it with `return losses`, the list you appended to.")
    if not isinstance(losses, (list, tuple)):
        checks.fail(f"{name} returned a {type(losses).__name__}, not a list of losses.", "return the list losses.")
    tensors = [t for t, value in enumerate(losses) if isinstance(value, torch.Tensor)]
    if tensors:
        first = losses[tensors[0]]
        why = (
            " Each loss tensor keeps its iteration's whole graph alive (section 6 shows this)."
            if first.grad_fn is not None
            else ""
        )
        checks.fail(
            f"the losses are tensors (losses[{tensors[0]}] is a Tensor), not numbers.{why}",
            "append loss.item(), a Python float: losses.append(loss.item()).",
        )
    if len(losses) != iterations:
        checks.fail(
            f"{name} returned {len(losses)} losses, but it was asked for iterations={iterations}.",
            "loop `for t in range(iterations)`, not a number of your own, and append loss.item() once per iteration.",
        )
    try:
        return torch.tensor([float(value) for value in losses], dtype=torch.float64)
    except (TypeError, ValueError):
        checks.fail(f"the losses should be numbers, but losses[0] is {losses[0]!r}.", "append loss.item().")


def _diagnose_losses(got, expected, mistakes, frozen, hint):
    """Fails naming the mistake whose losses `got` matches, or saying how the losses go wrong."""
    if _close(got, expected):
        return
    for message, wrong in mistakes:
        if _same_start(got, wrong()):
            checks.fail(f"the losses are not those of gradient descent: {message}")
    if not torch.isfinite(got).all():
        checks.fail(
            "the loss grew to inf or nan.",
            "were the gradients zeroed after each update, and does the update subtract learning_rate * grad?",
        )
    if _close(got, got[:1].expand_as(got), 1e-12):
        checks.fail(f"the loss never changes: {frozen}")
    if got[-1] > got[0]:
        checks.fail(
            f"the loss grows, from {got[0]:.4g} to {got[-1]:.4g}: the update climbs the gradient.",
            "gradient descent subtracts it: w1 -= learning_rate * w1.grad.",
        )
    checks.compare("the losses", got, expected, tol=TOL, against="gradient descent's", hint=hint)


def _loop_mistakes(x, y, weights, iterations, names):
    """Returns [(message, losses function)]: the classic mistakes of a training loop and the losses each gives."""
    args = (x, y, weights, iterations)
    mistakes = [
        (
            "they are the losses of a loop that never zeroes the gradients. backward() adds into .grad, so each "
            "update used the sum of all gradients so far: zero each one after the update, w1.grad.zero_().",
            lambda: descent(*args, RATE, zero=False),
        ),
        (
            "the update climbs the gradient (w1 += ... or w1 -= -...): gradient descent subtracts it, "
            "w1 -= learning_rate * w1.grad.",
            lambda: descent(*args, RATE, sign=-1.0),
        ),
        (
            "they are the losses of the mean of the squared errors; the lecture's loss is their sum: "
            "(y_pred - y).pow(2).sum().",
            lambda: descent(*args, RATE, reduce="mean"),
        ),
        (
            "they are the losses of a net without its ReLU: .clamp(min=0) after every layer but the last.",
            lambda: descent(*args, RATE, relu="none"),
        ),
    ]
    mistakes += [
        (
            f"they are the losses of learning rate {rate:g}, not of the learning_rate argument ({RATE:g}): use the "
            "argument, not a number of your own.",
            lambda rate=rate: descent(*args, rate),
        )
        for rate in NOTEBOOK_RATES
    ]
    mistakes += [
        (
            f"only {names[k]} is updated: update every weight, each with its own gradient.",
            lambda k=k: descent(*args, RATE, trained=[k]),
        )
        for k in range(len(weights))
    ]
    return mistakes


def check_train(train, iterations=25):
    """Returns None; prints "check passed" when train(x, y, w1, w2, iterations, learning_rate) runs the lecture's
    autograd loop: one loss.item() per iteration, the losses of gradient descent, w1 and w2 trained in place.

    Names: gradients never zeroed (or zeroed before the update), loss tensors appended, the mean for the sum, a
    learning rate or a number of iterations of its own, w1 or w2 left out, copies trained; and, through the
    error's lesson, an update outside torch.no_grad(), backward() under it, `if w1.grad:`, `w1 = w1 - ...`.
    """
    x, y, (w1, w2) = sample((5, 4, 3))
    start = [w1.clone(), w2.clone()]
    w1.requires_grad_()
    w2.requires_grad_()
    kept = [x.clone(), y.clone()]
    call = "train(x, y, w1, w2, iterations, learning_rate)"
    losses = _run_loop(call, lambda: train(x, y, w1, w2, iterations, RATE), [w1, w2])
    got = _as_numbers("train", losses, iterations)
    if not all(torch.equal(a, b) for a, b in zip(kept, (x, y))):
        checks.fail("train changed x or y: only w1 and w2 are trained.")
    _diagnose_losses(
        got,
        descent(x, y, start, iterations, RATE),
        _loop_mistakes(x, y, start, iterations, ("w1", "w2")),
        "w1 and w2 are not updated, or their gradients were zeroed before the update used them.",
        "each iteration: forward pass, loss, loss.backward(), then w1 -= learning_rate * w1.grad (and w2).",
    )
    _check_trained_in_place_from(start, [w1, w2], ("w1", "w2"), x, y, iterations, "train")
    print(
        f"check passed: train runs the lecture's autograd loop ({iterations} losses as numbers, w1 and w2 trained "
        "in place, gradients zeroed)"
    )


def _check_trained_in_place_from(start, weights, names, x, y, iterations, name):
    """Fails when the caller's weights did not end where `iterations` steps from `start` lead, or are not leaves."""
    for label, w in zip(names, weights):
        if not (w.is_leaf and w.requires_grad):
            checks.fail(f"{label} is no longer a leaf that requires grad after {name} returned.")
    if all(torch.equal(a, b.detach()) for a, b in zip(start, weights)):
        checks.fail(
            f"{name} returned the right losses, but the {', '.join(names)} it was given are unchanged: it trained "
            "copies.",
            "update the weights you were given, in place, under torch.no_grad(): w -= learning_rate * w.grad.",
        )
    after = descent(x, y, start, iterations + 1, RATE)[-1:]
    if not _close(descent(x, y, weights, 1, RATE), after):
        checks.fail(
            f"after {name}, the {', '.join(names)} it was given are not the trained weights.",
            "update each weight once per iteration, in place: w -= learning_rate * w.grad.",
        )


# ---- Exercise 3 (build it yourself): init_weights, net_forward, train_net ------------------------------------

INIT_SIZES = (500, 300, 200, 3)  # large enough to measure each weight's spread within a few percent
SCALES = {  # the usual rules for a weight's standard deviation, and what to say when a student's matches one
    "He": lambda fan_in, fan_out: math.sqrt(2 / fan_in),
    "unit": lambda fan_in, fan_out: 1.0,
    "Xavier": lambda fan_in, fan_out: math.sqrt(1 / fan_in),
    "variance": lambda fan_in, fan_out: 2 / fan_in,
    "fan_out": lambda fan_in, fan_out: math.sqrt(2 / fan_out),
    "Glorot": lambda fan_in, fan_out: math.sqrt(2 / (fan_in + fan_out)),
}
SCALE_MISTAKES = {
    "unit": "they have standard deviation 1: torch.randn alone. Then every layer multiplies the size of its input "
    "by about sqrt(fan_in / 2), and a deep net's outputs explode (section 8 shows it).",
    "Xavier": "they have standard deviation sqrt(1 / fan_in), Xavier's scale for tanh: a ReLU zeroes half of its "
    "inputs, so He's sqrt(2 / fan_in) keeps the size of the activations.",
    "variance": "they have standard deviation 2 / fan_in, the variance He asks for: the standard deviation is its "
    "square root, math.sqrt(2 / fan_in).",
    "fan_out": "they are scaled with fan_out, the number of outputs: He's scale uses fan_in, the number of inputs "
    "each output sums over.",
    "Glorot": "they are scaled with sqrt(2 / (fan_in + fan_out)), Glorot's rule: He's scale for ReLUs is "
    "sqrt(2 / fan_in).",
}


def _weights(name, weights, count):
    if weights is None:
        checks.fail(f"{name} returned None.", "end it with `return weights`, the list of weights.")
    if not isinstance(weights, (list, tuple)):
        checks.fail(f"{name} returned a {type(weights).__name__}, not a list of weights.", "return a list.")
    if len(weights) != count:
        checks.fail(
            f"{name} returned {len(weights)} weight(s) for {count + 1} sizes: one weight per layer, i.e. per pair of "
            "neighbouring sizes, (sizes[0], sizes[1]), (sizes[1], sizes[2]), ...",
            "zip(sizes[:-1], sizes[1:]) gives the pairs (fan_in, fan_out).",
        )
    for k, w in enumerate(weights):
        if not isinstance(w, torch.Tensor):
            checks.fail(f"weight {k} is a {type(w).__name__}, not a tensor.")
    return list(weights)


def _check_init(init_weights, device):
    sizes = INIT_SIZES
    call = f"init_weights({sizes}, generator, device)"
    with checks.running(call, expected="a list of weights", cause="sizes holds the layers' widths, D_in first"):
        weights = _weights("init_weights", init_weights(sizes, torch.Generator().manual_seed(0), device), 3)
    for k, (w, fan_in, fan_out) in enumerate(zip(weights, sizes[:-1], sizes[1:])):
        checks.check_shape(f"weight {k}", w, (fan_in, fan_out), hint="draw it as torch.randn(fan_in, fan_out)")
        if w.device.type != device.type:
            checks.fail(f"weight {k} is on {w.device}, not on the device given ({device}).", "move it: .to(device).")
        if w.dtype != torch.float32:
            checks.fail(f"weight {k} is {w.dtype}: the course's data are float32, torch.randn's default.")
        if not w.requires_grad:
            checks.fail(
                f"weight {k} does not require grad: autograd would compute no gradient for it.",
                "end with .requires_grad_(), after the scaling and the move to device.",
            )
        if not w.is_leaf:
            checks.fail(
                f"weight {k} is not a leaf: it was computed ({type(w.grad_fn).__name__}) from a tensor that already "
                "required grad, so backward() fills the .grad of that hidden tensor, never this one's.",
                "scale and move first, set requires_grad last: (torch.randn(...) * scale).to(device).requires_grad_()",
            )
    return list(weights)  # the weights checked so far


def _check_init_spread(weights, sizes=INIT_SIZES):
    """Fails unless every weight has mean about 0 and the standard deviation sqrt(2 / fan_in), naming other rules."""
    stds = [float(w.detach().double().std()) for w in weights]
    for k, (w, std) in enumerate(zip(weights, stds)):
        mean = float(w.detach().double().mean())
        if abs(mean) > 0.25 * std:
            checks.fail(
                f"weight {k} has mean {mean:.3g}: the weights should be centred on 0.",
                "torch.rand draws from [0, 1); torch.randn draws from the normal distribution, mean 0.",
            )

    def fits(rule):
        return all(abs(s / SCALES[rule](a, b) - 1) < 0.1 for s, a, b in zip(stds, sizes[:-1], sizes[1:]))

    if fits("He"):
        return
    for rule, message in SCALE_MISTAKES.items():
        if fits(rule):
            checks.fail(f"the weights are not He-scaled: {message}")
    expected = [SCALES["He"](a, b) for a, b in zip(sizes[:-1], sizes[1:])]
    checks.fail(
        f"the weights' standard deviations are {[round(s, 4) for s in stds]}, but He's scale gives "
        f"{[round(s, 4) for s in expected]} for the sizes {sizes}.",
        "multiply torch.randn(fan_in, fan_out) by math.sqrt(2 / fan_in).",
    )


def check_init_weights(init_weights):
    """Returns None; passes quietly when init_weights(sizes, generator, device) returns one He-scaled float32 leaf
    per layer that requires grad, on `device`, drawn from `generator` (Exercise 3's first piece)."""
    weights = _check_init(init_weights, torch.device("cpu"))
    _check_init_spread(weights)
    with checks.running("init_weights called a second time", expected="a list of weights"):
        again = init_weights(INIT_SIZES, torch.Generator().manual_seed(0), torch.device("cpu"))
    if not all(torch.equal(a.detach(), b.detach()) for a, b in zip(weights, again)):
        checks.fail(
            "init_weights gives other weights for a generator with the same seed: it does not draw from the "
            "generator it is given, so a seed cannot repeat your run.",
            "torch.randn(fan_in, fan_out, generator=generator).",
        )
    if torch.cuda.is_available():
        _check_init(init_weights, torch.device("cuda"))


FORWARD_SIZES = {3: (5, 7, 4, 3), 2: (5, 7, 3), 4: (5, 7, 4, 6, 3)}  # the exercise's depth first


def check_net_forward(net_forward):
    """Returns None; passes quietly when net_forward(x, weights) is the net with a ReLU after every layer but the
    last, recorded by autograd, for 3, 2 and 4 weights (Exercise 3's second piece)."""
    for depth, sizes in FORWARD_SIZES.items():
        x, _, weights = sample(sizes)
        weights = [w.requires_grad_() for w in weights]
        call = f"net_forward(x, weights) called with {depth} weights"
        cause = "x is (N, D_in), weights[k] is (fan_in, fan_out): h = h @ w for each weight in turn"
        if depth != 3:
            cause = "it worked with 3 weights: write it for any number, a loop over weights[:-1], then the last"
        with checks.running(call, expected="y_pred", cause=cause):
            y_pred = net_forward(x, weights)
        if not isinstance(y_pred, torch.Tensor):
            checks.fail(f"{call} returned a {type(y_pred).__name__}, not the tensor y_pred.")
        if tuple(y_pred.shape) != (x.shape[0], sizes[-1]):
            checks.fail(
                f"{call} returned shape {tuple(y_pred.shape)}, not (N, D_out) = {(x.shape[0], sizes[-1])}.",
                "every weight is used once, in order, the last one without a ReLU after it"
                + ("" if depth == 3 else f": with {depth} weights, {depth} products"),
            )
        if y_pred.grad_fn is None:
            checks.fail(
                f"{call} returned a tensor with no grad_fn: autograd did not record the forward pass.",
                "no torch.no_grad(), .detach(), .data or numpy inside net_forward.",
            )
        expected = _predict(x, weights)
        if not _close(y_pred.detach(), expected.detach()):
            for relu, message in (
                ("all", "the output went through a ReLU too: the last layer's output is y_pred, with no ReLU."),
                ("none", "it has no ReLU: apply .clamp(min=0) after every layer but the last."),
                ("first", "only the first layer has a ReLU: every hidden layer needs one."),
            ):
                if _close(y_pred.detach(), _predict(x, weights, relu).detach()):
                    checks.fail(f"{call} does not compute the net: {message}")
            checks.compare(f"y_pred of {call}", y_pred, expected, tol=TOL, against="the net's output")
        grads = torch.autograd.grad(y_pred.sum(), weights, allow_unused=True)
        wanted = torch.autograd.grad(expected.sum(), weights)
        for k, (got, want) in enumerate(zip(grads, wanted)):
            if got is None or not _close(got, want):
                checks.fail(
                    f"{call}: the gradient reaching weight {k} is not the net's: part of the forward pass was "
                    "hidden from autograd.",
                    "compute with the weights themselves (no .data, .detach() or .item()).",
                )


def check_train_net(train_net, iterations=20):
    """Returns None; passes quietly when train_net(x, y, weights, iterations, learning_rate) trains every weight of
    the list in place and returns one loss.item() per iteration, the losses of gradient descent (Exercise 3)."""
    x, y, start = sample(FORWARD_SIZES[3])
    weights = [w.clone().requires_grad_() for w in start]
    given = list(weights)
    names = tuple(f"weights[{k}]" for k in range(len(weights)))
    call = "train_net(x, y, weights, iterations, learning_rate)"
    losses = _run_loop(call, lambda: train_net(x, y, weights, iterations, RATE), given)
    got = _as_numbers("train_net", losses, iterations)
    if any(a is not b for a, b in zip(given, weights)) or len(weights) != len(given):
        checks.fail(
            "train_net changed the list `weights` itself (replaced or removed its tensors).",
            "update each tensor in place: `for w in weights: w -= learning_rate * w.grad`.",
        )
    _diagnose_losses(
        got,
        descent(x, y, start, iterations, RATE),
        _loop_mistakes(x, y, start, iterations, names),
        "the weights are not updated. `for w in weights: w = w - ...` gives the name w a new tensor and leaves the "
        "list's weights as they were; update in place, w -= learning_rate * w.grad. (Or were the gradients "
        "zeroed before the update used them?)",
        "each iteration: loss of net_forward(x, weights), backward(), then every w -= learning_rate * w.grad.",
    )
    _check_trained_in_place_from(start, given, names, x, y, iterations, "train_net")


def check_three_layer(init_weights, net_forward, train_net):
    """Returns None; checks Exercise 3 piece by piece, init_weights, net_forward, train_net, printing a line for each.

    Names, besides the training loop's mistakes (see check_train): weights that are not leaves (requires_grad set
    before the scaling or the move), not scaled, or scaled by another rule than He's; drawn without the generator;
    a ReLU on the output or missing; a forward pass written for three weights only, or hidden from autograd.
    """
    check_init_weights(init_weights)
    print(
        "check passed: init_weights draws one He-scaled weight per layer from the generator, each a leaf that "
        "requires grad"
    )
    check_net_forward(net_forward)
    print("check passed: net_forward puts a ReLU after every layer but the last (with 2, 3 and 4 weights)")
    check_train_net(train_net)
    print("check passed: train_net trains every weight in place (20 iterations, the losses of gradient descent)")
