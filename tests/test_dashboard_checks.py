"""Notebook 08's checks against the answers students really write: each mistake gets its lesson, the right one passes.

The loop below is the notebook's training loop with the two exercise lines passed in as functions; the client
plots inline (no server), which is also what these checks read when Visdom is in use (tests/test_visdom.py
runs them against a real server through the notebook).
"""

import time

import pytest
import torch

from utils import checks, dashboard_checks, live
from utils.dashboards import MAX_PANELS, InlinePlots

ITERATIONS, ACCURACY = 200, 0.96875


def inline_vis(drawn=None):
    """Returns a SafeVisdom that plots inline into nothing (`drawn` collects each figure drawn)."""
    shown = drawn if drawn is not None else []
    return live.SafeVisdom(None, announce=shown.append, inline=InlinePlots(display=lambda f, **k: shown.append(f)))


def train(vis, log_loss=None, log_status=None, after_loop=None):
    """Returns the losses of a loop shaped like notebook 08's, which calls the exercise lines given as functions."""
    losses = []
    for t in range(ITERATIONS):
        loss = (torch.tensor(3.0, requires_grad=True) / (t + 1)).exp()  # a loss with an autograd graph
        losses.append(loss.item())
        if log_loss:
            log_loss(vis, t, loss)
        if t % 20 == 0 or t == ITERATIONS - 1:
            accuracy = ACCURACY
            if log_status:
                log_status(vis, t, accuracy)
    if after_loop:
        after_loop(vis, t, loss, accuracy)
    return losses


def right_loss(vis, t, loss):
    vis.line(X=[t], Y=[loss.item()], win="loss", update="append", opts={"title": "training loss", "ytype": "log"})


def right_status(vis, t, accuracy):
    vis.text(f"iteration {t}: validation accuracy {accuracy:.1%}", win="status")


def check_loss(log_loss=right_loss, after_loop=None):
    vis = inline_vis()
    losses = train(vis, log_loss, right_status, after_loop)
    dashboard_checks.check_loss_window(vis, losses)


def check_status(log_status=right_status, after_loop=None):
    vis = inline_vis()
    train(vis, right_loss, log_status, after_loop)
    dashboard_checks.check_status_pane(vis, ITERATIONS, ACCURACY)


def test_the_right_answers_pass(capsys):
    vis = inline_vis()
    losses = train(vis, right_loss, right_status)
    dashboard_checks.check_loss_window(vis, losses)
    dashboard_checks.check_status_pane(vis, ITERATIONS, ACCURACY)
    assert capsys.readouterr().out == (
        "check passed: the window 'loss' holds the 200 losses, one per iteration (x = 0..199, relative error below "
        "1e-09)\ncheck passed: one text pane 'status', updated in place 11 times, shows "
        "'iteration 199: validation accuracy 96.9%'\n"
    )


@pytest.mark.parametrize(
    "log_loss, after_loop, message, hint",
    [
        (
            None,
            lambda vis, t, loss, acc: right_loss(vis, t, loss),
            "The window 'loss' holds 1 point, but the loop ran 200 iterations",
            "did you log after the loop instead of inside",
        ),
        (
            lambda vis, t, loss: vis.line(X=[t], Y=[loss.item()], win=f"loss{t}", update="append"),
            None,
            "There is no window 'loss', but 200 line windows ('loss0', 'loss1', 'loss2' and 197 more): "
            "each call opened a new",
            "pass the same fixed id at every call, win='loss'",
        ),
        (
            lambda vis, t, loss: vis.line(X=[t], Y=[loss.item()]),
            None,
            "There is no window 'loss', but 200 line windows",
            "without win=, or with an id that changes",
        ),
        (
            lambda vis, t, loss: vis.line(X=[t], Y=[loss.item()], win="loss"),
            None,
            "The window 'loss' holds 1 point, but the loop ran 200 iterations",
            "it received 200 calls, but each replaced the line: without update='append'",
        ),
        (
            lambda vis, t, loss: vis.line(X=[loss.item()], Y=[t], win="loss", update="append"),
            None,
            "has the iterations 0, 1, 2, ... as its y values and the losses as its x values",
            "X and Y are swapped",
        ),
        (
            lambda vis, t, loss: vis.text(f"{loss.item()}", win="loss"),
            None,
            "The window 'loss' holds text (vis.text), but the exercise asks for a line plot (vis.line)",
            "send it with vis.line(..., win='loss')",
        ),
        (
            lambda vis, t, loss: vis.line(X=[t], Y=[loss.item() * 2], win="loss", update="append"),
            None,
            "The y values of 'loss' do not match the losses computed: at iteration 0",
            "Y=[loss.item()], right after",
        ),
        (
            lambda vis, t, loss: vis.line(X=[0], Y=[loss.item()], win="loss", update="append"),
            None,
            "The x values of 'loss' should be the iterations 0..199, but point 1 has x = 0",
            "X=[t]",
        ),
        (
            lambda vis, t, loss: t % 2 or right_loss(vis, t, loss),
            None,
            "The window 'loss' holds 100 points",
            "is the call skipped on some iterations?",
        ),
        (None, None, "Nothing was sent to a window 'loss'.", "call vis.line(X=[t], Y=[loss.item()], win=..."),
    ],
    ids=[
        "after-the-loop",
        "new-id-each-time",
        "no-win",
        "append-forgotten",
        "x-y-swapped",
        "text-not-line",
        "wrong-values",
        "wrong-x",
        "skipped",
        "nothing",
    ],
)
def test_each_loss_mistake_gets_its_lesson(log_loss, after_loop, message, hint):
    with pytest.raises(checks.CheckFailed) as failed:
        check_loss(log_loss, after_loop)
    text = str(failed.value)
    assert message in text and hint in text.split("\nHint: ")[1], text


@pytest.mark.parametrize(
    "y, message",
    [
        (lambda t, loss: loss.item(), "vis.line: Y=20.0855"),
        (lambda t, loss: loss, "vis.line: Y is a 0-d tensor (one value, such as the loss itself)"),
        (lambda t, loss: [loss], "vis.line: Y is a list holding a tensor that is part of the autograd graph"),
    ],
    ids=["scalar-not-in-a-list", "loss-tensor", "list-of-loss-tensor"],
)
def test_arguments_visdom_cannot_take_are_refused_at_the_call(y, message):
    vis = inline_vis()
    with pytest.raises(TypeError) as refused:
        train(vis, lambda vis, t, loss: vis.line(X=[t], Y=y(t, loss), win="loss", update="append"))
    assert message in str(refused.value) and "loss.item()" in str(refused.value), refused.value
    assert vis.windows == {}, "a refused call must not reach the window"


def test_append_without_a_window_id_is_refused_as_visdom_refuses_it():
    with pytest.raises(ValueError, match="update='append' needs X and a window id, win=...") as refused:
        train(inline_vis(), lambda vis, t, loss: vis.line(X=[t], Y=[loss.item()], update="append"))
    assert "Must define a window to update" in str(refused.value)


def test_a_one_element_tensor_is_taken_as_visdom_takes_it():
    """visdom's client detaches tensors (pytorch_wrap): Y=loss.reshape(1) is a valid call there, so here too."""
    check_loss(lambda vis, t, loss: vis.line(X=[t], Y=loss.reshape(1), win="loss", update="append"))


@pytest.mark.parametrize(
    "log_status, after_loop, message, hint",
    [
        (
            lambda vis, t, acc: vis.text(f"iteration {t}: validation accuracy {acc:.1%}", win=f"status{t}"),
            None,
            "There is no window 'status', but 11 text windows ('status0', 'status20', 'status40' and 8 more): "
            "each call",
            "pass the same fixed id at every call, win='status'",
        ),
        (
            lambda vis, t, acc: vis.text(f"iteration {t}: validation accuracy {acc:.1%}"),
            None,
            "There is no window 'status', but 11 text windows",
            "without win=",
        ),
        (
            lambda vis, t, acc: vis.text(f"iteration {t}: validation accuracy {acc:.2%}", win="status"),
            None,
            "The pane 'status' shows 'iteration 199: validation accuracy 96.88%', "
            "but 'iteration 199: validation accuracy 96.9%' was expected.",
            'f"iteration {t}: validation accuracy {accuracy:.1%}"',
        ),
        (
            lambda vis, t, acc: vis.text(f"iteration {t}: validation accuracy {acc}", win="status"),
            None,
            "shows 'iteration 199: validation accuracy 0.96875'",
            "(a percentage with one decimal)",
        ),
        (
            lambda vis, t, acc: vis.text(f"iteration {t}: validation accuracy {acc:.1%}", win="status", append=True),
            None,
            "The pane 'status' shows 11 lines, one after another",
            "leave append=True out",
        ),
        (
            lambda vis, t, acc: vis.line(X=[t], Y=[acc], win="status", update="append"),
            None,
            "The window 'status' holds a line plot (vis.line), but the exercise asks for text (vis.text)",
            "send it with vis.text(..., win='status')",
        ),
        (
            None,
            lambda vis, t, loss, acc: right_status(vis, t, acc),
            "The pane 'status' was updated 1 time, but the loop reports 11 times (t = 0, 20, ..., 199)",
            "was it called after the loop",
        ),
        (
            lambda vis, t, acc: [right_status(vis, t, acc), vis.text("extra", win="notes")],
            None,
            "Besides 'status', 1 other text window ('notes') were opened",
            "send every status to win='status'",
        ),
        (
            lambda vis, t, acc: vis.text(f"iteration {t + 1}: validation accuracy {acc:.1%}", win="status"),
            None,
            "The pane 'status' shows 'iteration 200: validation accuracy 96.9%'",
            "the last update is at t = 199",
        ),
        (
            lambda vis, t, acc: t < 180 and right_status(vis, t, acc),
            None,
            "The pane 'status' was updated 9 times, but the loop reports 11 times",
            "call it once in the `if t % 20",
        ),
    ],
    ids=[
        "new-id-each-time",
        "no-win",
        "other-format",
        "raw-float",
        "append",
        "line-not-text",
        "after-the-loop",
        "second-pane",
        "off-by-one",
        "stops-early",
    ],
)
def test_each_status_mistake_gets_its_lesson(log_status, after_loop, message, hint):
    with pytest.raises(checks.CheckFailed) as failed:
        check_status(log_status, after_loop)
    text = str(failed.value)
    assert message in text and hint in text.split("\nHint: ")[1], text


def test_the_status_pane_updated_at_every_iteration_is_named():
    def every_iteration(vis, t, loss):
        right_loss(vis, t, loss)
        right_status(vis, t, ACCURACY)

    vis = inline_vis()
    train(vis, every_iteration)
    with pytest.raises(checks.CheckFailed, match="was updated 200 times, but the loop reports 11 times"):
        dashboard_checks.check_status_pane(vis, ITERATIONS, ACCURACY)


def test_a_window_id_that_changes_200_times_costs_seconds_not_minutes():
    drawn = []
    vis = inline_vis(drawn)
    begin = time.perf_counter()
    losses = train(
        vis, lambda vis, t, loss: vis.line(X=[t], Y=[loss.item()], win=f"loss{t}", update="append"), right_status
    )
    live.draw_inline(vis)
    with pytest.raises(checks.CheckFailed, match="each call opened a new window"):
        dashboard_checks.check_loss_window(vis, losses)
    assert time.perf_counter() - begin < 10
    figures = [f for f in drawn if hasattr(f, "axes")]
    assert figures and all(len(f.axes) <= MAX_PANELS for f in figures)
    assert "more windows, not drawn" in figures[-1]._suptitle.get_text()
