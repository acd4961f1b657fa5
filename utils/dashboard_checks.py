"""Checks for notebook 08's exercises: log_loss, show_status and log_evaluation, written with Visdom's own calls.

Each check calls the student's function as the notebook's training loop does, on a dashboard of its own: a
SafeVisdom (utils.safe_visdom) that keeps a copy of every window and draws nothing, so a check needs no server,
takes milliseconds and cannot hang. It then reads the windows and names the usual mistake: a new window id at
every call, update="append" forgotten, X and Y swapped, the loss tensor given where visdom needs a number, a text
window opened anew or appended to, another format than asked, one line where two named lines belong, the
validation loss computed with autograd on, per-class accuracy confused with precision or counts, a line where
bars belong. An error raised by the student's code (including visdom's refusals) becomes a lesson, checks.running.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F

from utils import checks
from utils.safe_visdom import SafeVisdom

KIND = {  # each a phrase of its own in the catalogs (a window's kind, and the call that makes it)
    "line": "a line plot (vis.line)",
    "bar": "a bar chart (vis.bar)",
    "text": "a text window (vis.text)",
    "histogram": "a histogram (vis.histogram)",
    "image": "an image (vis.image)",
}


class _NoPlots:
    """Stands in for the inline plots: a check keeps the windows' content and draws nothing."""

    def updated(self, windows):
        pass

    def draw(self, windows):
        pass


def dashboard():
    """Returns a SafeVisdom without a server that keeps every window's content and draws nothing."""
    return SafeVisdom(None, announce=lambda line: None, inline=_NoPlots())


def _others(vis, kind, win):
    return [w.win for (env, name), w in vis.windows.items() if env == vis.env and w.kind == kind and name != win]


def _ids(names):
    shown = ", ".join(repr(n) for n in names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _window(vis, win, kind, who, verb):
    """Returns the Window `win`; fails naming the likely cause if `who` left it missing or not of `kind`."""
    window = vis.window(win)
    others = _others(vis, kind, win)
    if window is None:
        if len(others) > 1:
            checks.fail(
                f"After {who}, there is no window {win!r}, but {len(others)} {kind} windows ({_ids(others)}): "
                "each call opened a new window.",
                f"pass the same fixed id at every call, win={win!r}: without win=, or with an id that changes "
                "(such as one made from t), Visdom opens a new window each time.",
            )
        elsewhere = [env for (env, name) in vis.windows if name == win and env != vis.env]
        if elsewhere:
            checks.fail(
                f"{who} sent {win!r} to the environment {elsewhere[0]!r}, given by env=.",
                "leave env= out: the client's own environment is the page its dashboard shows.",
            )
        ignored = vis.ignored.get((vis.env, win))
        if ignored:
            checks.fail(
                f"After {who}, there is no window {win!r}: Visdom ignored the calls ({ignored}, and there was none).",
                "update='append' adds to the window, and creates it the first time.",
            )
        checks.fail(
            f"After {who}, nothing was sent to a window {win!r}"
            + (f" (the only {kind} window is {others[0]!r})." if others else "."),
            f"{verb}, with win={win!r}.",
        )
    if window.kind != kind:
        checks.fail(
            f"The window {win!r} is {KIND[window.kind]}, but the exercise asks for {KIND[kind]}.",
            f"send it with {KIND[kind].split('(')[1][:-1]}(..., win={win!r}).",
        )
    return window


def _first_difference(got, expected, tol):
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    scale = max(np.abs(expected).max(), 1e-12)
    return int(np.flatnonzero(np.abs(got - expected) > tol * scale)[0])


LOSS_STEPS = 25


def _losses():
    """Returns LOSS_STEPS tensors that, like a training loss, are part of an autograd graph (values 0.05 to 3)."""
    w = torch.tensor(3.0, requires_grad=True)
    return [w * (0.6 + 0.4 * math.cos(t)) / (t + 1) ** 0.8 for t in range(LOSS_STEPS)]


def check_log_loss(log_loss):
    """Returns None; prints "check passed" when log_loss(vis, t, loss), called at each of 25 iterations, grows one
    line in window "loss" by the point (t, the loss's value)."""
    vis, losses = dashboard(), _losses()
    for t, loss in enumerate(losses):
        with checks.running(
            f"log_loss(vis, {t}, loss)",
            cause="log_loss gets the iteration t and the loss tensor, and sends one point to the window 'loss' "
            "with Visdom's vis.line; X and Y take a list with one value each, and Y a Python number",
        ):
            log_loss(vis, t, loss)
    who = f"{LOSS_STEPS} calls of log_loss"
    window = _window(vis, "loss", "line", who, "call vis.line(X=[t], Y=[...], win=..., update='append')")
    xs, ys = np.ravel(window.xs), np.ravel(window.ys)
    expected, steps = np.array([loss.item() for loss in losses]), np.arange(LOSS_STEPS, dtype=np.float64)
    if window.points() != len(ys):
        checks.fail(f"The window 'loss' holds {len(window.traces)} lines: one line, of all the losses, was expected.")
    if len(ys) != LOSS_STEPS:
        if len(ys) == 1 and window.calls > 1:
            cause = (
                f"it received {window.calls} calls, but each replaced the line: without update='append', "
                "vis.line draws a new line in place of the old one."
            )
        elif len(ys) > LOSS_STEPS:
            cause = "one call of log_loss should send one point: is vis.line called more than once?"
        else:
            cause = "is the call skipped for some values of t?"
        checks.fail(
            f"After {who}, the window 'loss' holds 1 point: one point per call was expected, {LOSS_STEPS} in all."
            if len(ys) == 1
            else f"After {who}, the window 'loss' holds {len(ys)} points: one point per call was expected, "
            f"{LOSS_STEPS} in all.",
            cause,
        )
    if "append" not in window.updates:
        checks.fail(
            f"Each call of log_loss sent the whole line again ({window.calls} plots of up to {LOSS_STEPS} points), "
            "in place of the window's plot.",
            "send only the new point, with update='append': the server adds it to the line it holds.",
        )
    if checks.rel_error(ys, steps) == 0 and checks.rel_error(xs, expected) <= 1e-9:
        checks.fail(
            "The window 'loss' has the iterations 0, 1, 2, ... as its y values and the losses as its x values.",
            "X and Y are swapped: X=[t] is the horizontal axis (the iteration), Y the loss. Unnamed, visdom's "
            "line takes Y first, vis.line(Y, X): name them, X=..., Y=...",
        )
    if checks.rel_error(xs, steps) != 0:
        first = int(np.flatnonzero(xs != steps)[0])
        checks.fail(
            f"The x values of 'loss' should be the iterations 0..{LOSS_STEPS - 1}, but point {first} has "
            f"x = {xs[first]:.6g}.",
            "pass the iteration log_loss receives as X=[t].",
        )
    if checks.rel_error(ys, expected) > 1e-9:
        first = _first_difference(ys, expected, 1e-9)
        checks.fail(
            f"The y values of 'loss' do not match the losses: log_loss(vis, {first}, loss) got a loss of "
            f"{expected[first]:.6g}, and the window shows {ys[first]:.6g}.",
            "log the value of the loss it receives, as a Python number: loss.item().",
        )
    print(
        f"check passed: log_loss grows one line in the window 'loss' by one point (t, loss) per call "
        f"({LOSS_STEPS} calls)"
    )


def status_text(t, accuracy):
    """Returns the status line Exercise 2 asks for, such as "iteration 199: validation accuracy 96.9%"."""
    return f"iteration {t}: validation accuracy {accuracy:.1%}"


REPORTS = [*range(0, 200, 20), 199]  # the iterations at which the notebook's loop reports
ACCURACIES = [0.103125 + 0.87 * (1 - math.exp(-i / 3)) + 0.0037 * i for i in range(len(REPORTS))]


def _status_mistakes(t, accuracy):
    return {
        f"iteration {t}: validation accuracy {accuracy:.2%}": "two decimals: the exercise asks for one, "
        "{accuracy:.1%}.",
        f"iteration {t}: validation accuracy {accuracy}": "the accuracy as a fraction: show it as a percentage with "
        "one decimal, {accuracy:.1%}.",
        f"iteration {t}: validation accuracy {accuracy:.1f}": "the fraction rounded: the format for a percentage "
        "with one decimal is {accuracy:.1%}.",
        f"iteration {t + 1}: validation accuracy {accuracy:.1%}": "the iteration shown is t + 1: show t as given.",
        f"iteration {t}: validation accuracy {100 * accuracy:.1f}": "the % sign is missing: {accuracy:.1%} "
        "multiplies by 100 and adds it.",
    }


def check_show_status(show_status):
    """Returns None; prints "check passed" when show_status(vis, t, accuracy), called at each report of a 200-iteration
    loop, keeps one text window "status" that shows, in place, the last report in the asked format."""
    vis, shown = dashboard(), []
    for t, accuracy in zip(REPORTS, ACCURACIES):
        with checks.running(
            f"show_status(vis, {t}, {accuracy:.6g})",
            cause="show_status gets the iteration t and the accuracy, a fraction such as 0.969, and shows one line "
            "of text in the window 'status' with Visdom's vis.text",
        ):
            show_status(vis, t, accuracy)
        window = vis.window("status")
        shown.append(window.text if window is not None and window.kind == "text" else None)
    who = f"{len(REPORTS)} calls of show_status"
    window = _window(vis, "status", "text", who, "call vis.text(...)")
    others = _others(vis, "text", "status")
    if others:
        checks.fail(
            f"Besides 'status', {len(others)} other text window{'s' * (len(others) > 1)} ({_ids(others)}) "
            "were opened: the status should be one pane.",
            "send every status to win='status'.",
        )
    if "append" in window.updates:
        checks.fail(
            f"The pane 'status' shows {window.text.count('<br>') + 1} lines, one after another: {window.text!r:.160}",
            "leave append=True out: then each call replaces the text, in place.",
        )
    if window.calls != len(REPORTS):
        checks.fail(
            f"After {who}, the pane 'status' received {window.calls} texts.",
            "one call of show_status should send one text.",
        )
    for t, accuracy, text in zip(REPORTS, ACCURACIES, shown):
        expected = status_text(t, accuracy)
        if text != expected:
            mistake = _status_mistakes(t, accuracy).get(text, "")
            if not mistake and f"{accuracy:.1%}" not in str(text):
                mistake = "show the accuracy that show_status receives, as a percentage with one decimal."
            checks.fail(
                f"After show_status(vis, {t}, {accuracy:.6g}), the pane 'status' shows {text!r}, but {expected!r} "
                "was expected.",
                mistake or 'the exercise asks for exactly f"iteration {t}: validation accuracy {accuracy:.1%}".',
            )
    print(f"check passed: show_status keeps one text pane 'status', updated in place ({len(REPORTS)} calls)")


CLASS_SIZES = [3, 5, 4, 6, 2, 7, 5, 3, 4, 6]  # unequal, so that a mean over all images differs from one per class
EVALUATIONS = [(0, 2.25), (10, 1.125), (20, 0.5625)]  # (t, train_loss) of each call, as in the notebook's loop
EVALUATE = (
    "log_evaluation gets the model, this iteration's training loss (a number) and x_val, y_val: scores = "
    "model(x_val) is (N, 10), one row per image; each vis.line call sends one point, X=[t], Y=[value], to one line"
)


class _Probe(torch.nn.Module):
    """A linear classifier of 12 features into 10 classes that notes whether autograd recorded each of its calls."""

    def __init__(self):
        super().__init__()
        self.linear, self.recorded = torch.nn.Linear(12, 10), []

    def forward(self, x):
        self.recorded.append(torch.is_grad_enabled())
        return self.linear(x)


def _evaluation_data(seed=8):
    """Returns (x_val, y_val, a _Probe): 45 images of 12 features, every class present, with CLASS_SIZES images."""
    g = torch.Generator().manual_seed(seed)
    y = torch.repeat_interleave(torch.arange(10), torch.tensor(CLASS_SIZES))
    y = y[torch.randperm(len(y), generator=g)]
    x = torch.randn(len(y), 12, generator=g) + 3.0 * F.pad(F.one_hot(y, 10).float(), (0, 2))
    model = _Probe()
    with torch.no_grad():
        model.linear.weight.copy_(torch.eye(10, 12) + 0.2 * torch.randn(10, 12, generator=g))
        model.linear.bias.zero_()
    return x, y, model


def _truth(model, x, y):
    """Returns the validation loss, the overall accuracy and, per class, its accuracy, correct count and precision."""
    with torch.no_grad():
        scores = model.linear(x).double()
    guess, sizes = scores.argmax(dim=1), torch.bincount(y, minlength=10).double()
    right = torch.bincount(y[guess == y], minlength=10).double()
    guessed = torch.bincount(guess, minlength=10).double()
    return {
        "loss": F.cross_entropy(scores, y).item(),
        "accuracy": (guess == y).double().mean().item(),
        "per_class": (right / sizes).numpy(),
        "right": right.numpy(),
        "precision": (right / guessed).numpy(),  # nan for a class never guessed
        "sizes": sizes.numpy(),
        "scores": scores,
        "y": y,
    }


def _check_val_loss(val_loss, truth, tol):
    if isinstance(val_loss, torch.Tensor):
        checks.fail(
            "log_evaluation returned val_loss as a tensor, but a Python number was asked for.",
            "return the loss's value, val_loss = loss_fn(...).item(): a number to log and to keep.",
        )
    if not isinstance(val_loss, (float, int)) or isinstance(val_loss, bool):
        checks.fail(f"val_loss should be a Python number, but it is a {type(val_loss).__name__}.")
    scores, y = truth["scores"], truth["y"]
    mistakes = {
        "it is the accuracy, not the loss: the loss is the cross-entropy of the scores and the labels.": truth[
            "accuracy"
        ],
        "it is the sum of the per-image losses; CrossEntropyLoss (and F.cross_entropy) average them.": truth["loss"]
        * len(y),
        "it is nll_loss of the raw scores: nll_loss expects log-probabilities. cross_entropy applies log_softmax "
        "first.": F.nll_loss(scores, y).item(),
    }
    for mistake, value in mistakes.items():
        if abs(val_loss - value) <= tol * max(1.0, abs(value)):
            checks.fail(f"val_loss is {val_loss:.6g}, but the validation loss is {truth['loss']:.6g}: {mistake}")
    if abs(val_loss - truth["loss"]) > tol * max(1.0, abs(truth["loss"])):
        checks.fail(
            f"val_loss is {val_loss:.6g}, but the cross-entropy of model(x_val) and y_val is {truth['loss']:.6g}.",
            "use the course's loss, loss_fn (torch.nn.CrossEntropyLoss()), on the model's scores for x_val and y_val.",
        )


def _per_class_mistake(got, truth, tol):
    """Returns the name of the classic mistake `got` (10 numbers) matches, or ""."""
    if np.isnan(got).any():
        return (
            "it holds nan, the mean over no image at all: did you select the images predicted as c "
            "(a precision), instead of the images whose label is c?"
        )
    candidates = {
        "it is each class's precision (of the images predicted as c, how many are c); the exercise asks, of the "
        "images whose label is c, how many are predicted c.": truth["precision"],
        "it counts the correct images of each class: divide by the number of images of that class.": truth["right"],
        "it divides each class's correct images by all the images: divide by the images of that class only.": truth[
            "right"
        ]
        / truth["sizes"].sum(),
        "it is the overall accuracy, the same for every class: compute one accuracy per class.": np.full(
            10, truth["accuracy"]
        ),
        "it is each class's error rate, 1 - accuracy.": 1 - truth["per_class"],
        "it is in percent: the exercise asks fractions between 0 and 1.": 100 * truth["per_class"],
    }
    for mistake, value in candidates.items():
        if np.allclose(got, value, rtol=tol, atol=tol, equal_nan=False):
            return mistake
    return ""


def _check_curves(vis, truths):
    """Fails unless window "curves" holds the lines "train" and "validation", one point per evaluation each."""
    who = f"{len(EVALUATIONS)} calls of log_evaluation"
    lines = _others(vis, "line", "curves")
    if vis.window("curves") is None and {"train", "validation"} & set(lines):
        checks.fail(
            f"The training and validation losses went to separate windows ({_ids(lines)}), not to one window 'curves'.",
            "send both to win='curves', each as its own line: name='train' and name='validation'.",
        )
    window = _window(vis, "curves", "line", who, "call vis.line(X=[t], Y=[...], win=..., update='append', name=...)")
    ts = [float(t) for t, _ in EVALUATIONS]
    train, val = [loss for _, loss in EVALUATIONS], [truth["loss"] for truth in truths]
    names = list(window.traces)
    if len(names) == 1 and window.points() == 2 * len(ts):
        checks.fail(
            f"The window 'curves' holds one line of {window.points()} points, training and validation losses "
            "taking turns.",
            "give each vis.line call its own name=: name='train' and name='validation' make two lines.",
        )
    if window.points() < 2 * len(ts):
        checks.fail(
            f"After {who}, the window 'curves' holds 1 point ({', '.join(names)}): two per call were expected, "
            f"{2 * len(ts)} in all."
            if window.points() == 1
            else f"After {who}, the window 'curves' holds {window.points()} points ({', '.join(names)}): two per "
            f"call were expected, {2 * len(ts)} in all.",
            "without update='append', each vis.line call replaces the whole plot, the other line included.",
        )
    if set(names) != {"train", "validation"}:
        checks.fail(
            f"The lines of 'curves' are named {', '.join(repr(n) for n in names)}, but the exercise names them "
            "'train' and 'validation'.",
            "name each line with name=... (or with opts={'legend': [...]} when one call sends both).",
        )
    for name, values in (("train", train), ("validation", val)):
        trace, other = window.traces[name], val if name == "train" else train
        if len(trace.ys) != len(ts):
            checks.fail(
                f"After {who}, the line {name!r} holds {len(trace.ys)} points, but {len(ts)} were expected: one per "
                "call.",
                "send one point per line and per call.",
            )
        if list(trace.xs) != ts:
            checks.fail(f"The line {name!r} has x values {trace.xs}, but the calls' t were {ts}.", "X=[t].")
        if np.allclose(trace.ys, other, rtol=1e-5) and not np.allclose(trace.ys, values, rtol=1e-5):
            checks.fail(
                "The line 'train' holds the validation losses."
                if name == "train"
                else "The line 'validation' holds the training losses.",
                "the two lines' values are swapped: train_loss goes to 'train', val_loss to 'validation'.",
            )
        if not np.allclose(trace.ys, values, rtol=1e-5):
            first = _first_difference(trace.ys, values, 1e-5)
            got, at, wanted = trace.ys[first], ts[first], values[first]
            if name == "train":
                checks.fail(
                    f"The line 'train' holds {got:.6g} at t = {at:g}, but the train_loss passed in was {wanted:.6g}.",
                    "log the train_loss passed in of each call.",
                )
            checks.fail(
                f"The line 'validation' holds {got:.6g} at t = {at:g}, but the validation loss was {wanted:.6g}.",
                "log the validation loss of each call.",
            )


def _check_bars(vis, truth, per_class):
    """Fails unless window "per_class" shows the 10 per-class accuracies as bars."""
    window = _window(vis, "per_class", "bar", f"{len(EVALUATIONS)} calls of log_evaluation", "call vis.bar(X=...)")
    heights = window.values.ravel()
    if len(heights) != 10:
        checks.fail(f"The window 'per_class' shows {len(heights)} bars, but there are 10 classes.")
    mistake = _per_class_mistake(heights, truth, 1e-5)
    if mistake or not np.allclose(heights, truth["per_class"], rtol=1e-5, atol=1e-6):
        checks.fail(
            f"The bars of 'per_class' show {np.round(heights, 3).tolist()}, but the accuracies of the last call's "
            f"classes are {np.round(truth['per_class'], 3).tolist()}" + (f": {mistake}" if mistake else "."),
            "show the per-class accuracies of this call, vis.bar(X=per_class, win='per_class').",
        )


def check_log_evaluation(log_evaluation):
    """Returns None; prints "check passed" when log_evaluation(vis, t, model, train_loss, x_val, y_val) returns the
    validation loss and the accuracy of each class, appends both losses to window "curves" as the lines "train" and
    "validation", and shows the accuracies as bars in window "per_class", without changing the model."""
    vis, (x, y, model) = dashboard(), _evaluation_data()
    truths = []
    for step, (t, train_loss) in enumerate(EVALUATIONS):
        with torch.no_grad():  # a model that changes between calls, as in training
            model.linear.weight.mul_(1.0 + 0.5 * step)
            model.linear.bias[step + 2] += 0.9 * step
        truth, model.recorded = _truth(model, x, y), []
        truths.append(truth)
        kept = [p.detach().clone() for p in model.parameters()]
        call = f"log_evaluation(vis, {t}, model, {train_loss}, x_val, y_val)"
        with checks.running(call, expected="val_loss, per_class", cause=EVALUATE):
            out = log_evaluation(vis, t, model, train_loss, x, y)
        if not isinstance(out, tuple) or len(out) != 2:
            checks.fail(f"{call} returned {type(out).__name__}, but should return two values: val_loss, per_class.")
        val_loss, per_class = out
        if not model.recorded:
            checks.fail(f"{call} never called the model it was given.", "evaluate it on x_val: scores = model(x_val).")
        if any(model.recorded):
            checks.fail(
                "log_evaluation ran the model with autograd recording: evaluation needs no gradients.",
                "put the evaluation inside `with torch.no_grad():`, which saves the memory and time of the graph.",
            )
        if not model.training:
            checks.fail(
                "log_evaluation left the model in evaluation mode (model.eval()): training would go on in it.",
                "call model.train() before returning, or leave the mode alone (this model has no dropout).",
            )
        if any(p.grad is not None for p in model.parameters()) or any(
            not torch.equal(a, b) for a, b in zip(kept, model.parameters())
        ):
            checks.fail("log_evaluation changed the model or its gradients: evaluation only measures.")
        _check_val_loss(val_loss, truth, 1e-5)
        got = checks.to_numpy(per_class).ravel()
        if got.shape != (10,):
            checks.fail(f"per_class holds {got.size} numbers, but there are 10 classes: one accuracy per class.")
        mistake = _per_class_mistake(got, truth, 1e-5)
        if mistake:
            checks.fail(f"per_class is {np.round(got, 3).tolist()}: {mistake}")
        checks.compare("per_class", got, truth["per_class"], tol=1e-5, against="the accuracy of each class")
    _check_curves(vis, truths)
    _check_bars(vis, truths[-1], per_class)
    print(
        "check passed: log_evaluation returns the validation loss and the 10 per-class accuracies, appends the "
        "losses to 'curves' as the lines 'train' and 'validation', and shows the accuracies as bars in 'per_class'"
    )
