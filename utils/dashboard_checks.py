"""Checks for notebook 08's exercises: a loss curve and a status pane logged with Visdom's own calls.

Each check takes the SafeVisdom the notebook logged to (utils.live), prints one "check passed: ..." line or
raises checks.CheckFailed naming the usual mistake: logging after the loop, a new window id at every call,
update="append" forgotten, X and Y swapped, a text window opened anew each time, append=True on the text,
another format than the exercise asks, a line where text belongs. (Arguments visdom's line cannot take, such as
a bare number or the loss tensor, are refused at the call itself, by utils.live.) Every check reads only the
windows it names plus a count of the others, and at most one bounded call to the server: it cannot hang.
"""

import numpy as np

from utils import checks

TOL = 1e-9
KIND = {
    "line": "a line plot (vis.line)",
    "text": "text (vis.text)",
    "histogram": "a histogram (vis.histogram)",
    "image": "an image (vis.image)",
}


def _others(vis, kind, win):
    return [w.win for (env, name), w in vis.windows.items() if env == vis.env and w.kind == kind and name != win]


def _ids(names):
    shown = ", ".join(repr(n) for n in names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _window(vis, win, kind, verb):
    """Returns the Window `win` of vis's environment; fails naming the likely cause if it is missing or not `kind`."""
    window = vis.window(win)
    others = _others(vis, kind, win)
    if window is None:
        if len(others) > 1:
            checks.fail(
                f"There is no window {win!r}, but {len(others)} {kind} windows ({_ids(others)}): "
                "each call opened a new window.",
                f"pass the same fixed id at every call, win={win!r}: without win=, or with an id that changes "
                "(such as one made from t), Visdom opens a new window each time.",
            )
        elsewhere = [env for (env, name) in vis.windows if name == win and env != vis.env]
        if elsewhere:
            checks.fail(
                f"The window {win!r} is in the environment {elsewhere[0]!r}, not in {vis.env!r}.",
                "leave env= out: the client's environment is the one the dashboard shows.",
            )
        checks.fail(
            f"Nothing was sent to a window {win!r}"
            + (f" (the only {kind} window is {others[0]!r})." if others else "."),
            f"{verb} inside the loop, with win={win!r}.",
        )
    if window.kind != kind:
        checks.fail(
            f"The window {win!r} holds {KIND[window.kind]}, but the exercise asks for {KIND[kind]}.",
            f"send it with {KIND[kind].split('(')[1][:-1]}(..., win={win!r}).",
        )
    return window


def _read_back(vis, win, copy):
    """Returns None; fails when the dashboard (the Visdom server when in use) holds other content for `win`."""
    held = vis.read_back(win)
    if vis.backend == "visdom" and held != copy:
        checks.fail(
            f"The Visdom server holds other content for {win!r} than was logged in this run: {str(held):.200}",
            "rerun the training cell from fresh_run(vis), which closes the old windows first.",
        )


def check_loss_window(vis, losses, win="loss"):
    """Returns None; prints "check passed" when line window `win` holds one point (t, losses[t]) per iteration t."""
    window = _window(vis, win, "line", "call vis.line(X=[t], Y=[loss.item()], win=..., update='append')")
    xs, ys = np.ravel(window.xs), np.ravel(window.ys)
    expected, steps = np.asarray(losses, dtype=np.float64), np.arange(len(losses), dtype=np.float64)
    if len(ys) != len(expected):
        if len(ys) == 1 and window.calls > 1:
            cause = (
                f"it received {window.calls} calls, but each replaced the line: without update='append', "
                "vis.line draws a new line in place of the old one."
            )
        elif len(ys) == 1:
            cause = "it received one call: did you log after the loop instead of inside it, once per iteration?"
        elif len(ys) > len(expected):
            cause = "did you log more than once per iteration, or append to a window a previous run had filled?"
        else:
            cause = "is the call skipped on some iterations?"
        checks.fail(
            f"The window {win!r} holds {len(ys)} point{'s' * (len(ys) != 1)}, but the loop ran "
            f"{len(expected)} iterations: one point per iteration was expected.",
            cause,
        )
    if checks.rel_error(ys, steps) == 0 and checks.rel_error(xs, expected) <= TOL:
        checks.fail(
            f"The window {win!r} has the iterations 0, 1, 2, ... as its y values and the losses as its x values.",
            "X and Y are swapped: X=[t] is the horizontal axis (the iteration), Y=[loss.item()] the loss.",
        )
    if checks.rel_error(xs, steps) != 0:
        first = int(np.flatnonzero(xs != steps)[0])
        checks.fail(
            f"The x values of {win!r} should be the iterations 0..{len(steps) - 1}, but point {first} has "
            f"x = {xs[first]:.6g}.",
            "pass this iteration's number as X=[t].",
        )
    error = checks.rel_error(ys, expected)
    if error > TOL:
        first = int(np.flatnonzero(np.abs(ys - expected) > TOL * np.abs(expected).max())[0])
        checks.fail(
            f"The y values of {win!r} do not match the losses computed: at iteration {first} the window has "
            f"{ys[first]:.6g}, the loss was {expected[first]:.6g} (relative error {error:.1e}, tolerance "
            f"{TOL:.0e}).",
            "log this iteration's loss, Y=[loss.item()], right after computing it.",
        )
    _read_back(vis, win, (window.xs, window.ys))
    print(
        f"check passed: the window {win!r} holds the {len(ys)} losses, one per iteration (x = 0..{len(ys) - 1}, "
        f"relative error below {TOL:.0e})"
    )


def status_text(t, accuracy):
    """Returns the status line exercise 2 asks for, such as "iteration 199: validation accuracy 96.9%"."""
    return f"iteration {t}: validation accuracy {accuracy:.1%}"


def check_status_pane(vis, iterations, accuracy, win="status", every=20):
    """Returns None; prints "check passed" when text window `win`, updated every `every` iterations, shows the last
    status."""
    window = _window(vis, win, "text", "call vis.text(...)")
    updates = len([t for t in range(iterations) if t % every == 0 or t == iterations - 1])
    others = _others(vis, "text", win)
    if others:
        checks.fail(
            f"Besides {win!r}, {len(others)} other text window{'s' * (len(others) > 1)} ({_ids(others)}) "
            "were opened: the status should be one pane.",
            f"send every status to win={win!r}.",
        )
    expected = status_text(iterations - 1, accuracy)
    if "append" in window.updates:
        checks.fail(
            f"The pane {win!r} shows {window.text.count('<br>') + 1} lines, one after another: {window.text!r:.160}",
            "leave append=True out: then each call replaces the text, in place.",
        )
    if window.calls != updates:
        cause = (
            "was it called after the loop, instead of inside the `if t % 20 == 0 ...` block?"
            if window.calls == 1
            else f"call it once in the `if t % {every} == 0 ...` block, at the iterations it reports."
        )
        checks.fail(
            f"The pane {win!r} was updated {window.calls} time{'s' * (window.calls != 1)}, but the loop reports "
            f"{updates} times (t = 0, {every}, ..., {iterations - 1}).",
            cause,
        )
    if window.text != expected:
        hint = 'the exercise asks for exactly f"iteration {t}: validation accuracy {accuracy:.1%}"'
        if str(iterations - 1) not in str(window.text):
            hint += f"; the last update is at t = {iterations - 1}, the loop's last iteration"
        checks.fail(
            f"The pane {win!r} shows {window.text!r}, but {expected!r} was expected.",
            hint + " (a percentage with one decimal).",
        )
    _read_back(vis, win, window.text)
    print(f"check passed: one text pane {win!r}, updated in place {updates} times, shows {expected!r}")
