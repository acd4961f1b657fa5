"""Notebook 08's checks against the answers students really write: each mistake gets its lesson, the right one passes.

Each exercise is a function the notebook's training loops call; the checks run it on a dashboard of their own
(utils.dashboard_checks.dashboard: no server, nothing drawn). tests/test_visdom.py runs the notebook against a real
server, and the course's client (utils.safe_visdom) against visdom's own.
"""

import pytest
import torch
import torch.nn.functional as F

from utils import checks, dashboard_checks

loss_fn = torch.nn.CrossEntropyLoss()


def failure(check, answer):
    """Returns (message, hint) of the CheckFailed that check(answer) raises."""
    with pytest.raises(checks.CheckFailed) as failed:
        check(answer)
    message, _, hint = str(failed.value).partition("\nHint: ")
    return message, hint


# Exercise 1: log_loss(vis, t, loss)


def right_log_loss(vis, t, loss):
    vis.line(X=[t], Y=[loss.item()], win="loss", update="append", opts={"title": "training loss", "ytype": "log"})


HISTORY = []


def whole_history(vis, t, loss):
    HISTORY.append(loss.item())
    vis.line(X=list(range(len(HISTORY))), Y=HISTORY, win="loss")


LOSS_MISTAKES = {
    "loss-tensor-in-list": (
        lambda vis, t, loss: vis.line(X=[t], Y=[loss], win="loss", update="append"),
        "log_loss(vis, 0, loss) raised TypeError",
        "Y is a list holding a tensor that is part of the autograd graph",
    ),
    "scalar-not-in-a-list": (
        lambda vis, t, loss: vis.line(X=[t], Y=loss.item(), win="loss", update="append"),
        "log_loss(vis, 0, loss) raised TypeError",
        "is a single number, but visdom's line takes an array",
    ),
    "loss-tensor": (
        lambda vis, t, loss: vis.line(X=[t], Y=loss, win="loss", update="append"),
        "raised TypeError",
        "Y is a 0-d tensor",
    ),
    "no-x-with-append": (
        lambda vis, t, loss: vis.line(Y=[loss.item()], win="loss", update="append"),
        "raised ValueError",
        "needs X and a window id",
    ),
    "no-win": (
        lambda vis, t, loss: vis.line(X=[t], Y=[loss.item()]),
        "there is no window 'loss', but 25 line windows",
        "without win=, or with an id that changes",
    ),
    "new-id-each-time": (
        lambda vis, t, loss: vis.line(X=[t], Y=[loss.item()], win=f"loss{t}", update="append"),
        "there is no window 'loss', but 25 line windows ('loss0', 'loss1', 'loss2' and 22 more)",
        "pass the same fixed id at every call, win='loss'",
    ),
    "append-forgotten": (
        lambda vis, t, loss: vis.line(X=[t], Y=[loss.item()], win="loss"),
        "the window 'loss' holds 1 point",
        "it received 25 calls, but each replaced the line: without update='append'",
    ),
    "replace-not-append": (
        lambda vis, t, loss: vis.line(X=[t], Y=[loss.item()], win="loss", update="replace"),
        "Visdom ignored the calls (update='replace' changes an existing window only",
        "update='append' adds to the window, and creates it the first time",
    ),
    "whole-history-each-time": (
        whole_history,
        "Each call of log_loss sent the whole line again",
        "send only the new point, with update='append'",
    ),
    "x-y-swapped": (
        lambda vis, t, loss: vis.line(X=[loss.item()], Y=[t], win="loss", update="append"),
        "has the iterations 0, 1, 2, ... as its y values and the losses as its x values",
        "X and Y are swapped",
    ),
    "positional-x-first": (
        lambda vis, t, loss: vis.line([t], [loss.item()], win="loss", update="append"),
        "has the iterations 0, 1, 2, ... as its y values",
        "visdom's line takes Y first, vis.line(Y, X)",
    ),
    "text-not-line": (
        lambda vis, t, loss: vis.text(f"{loss.item()}", win="loss"),
        "The window 'loss' is a text window (vis.text), but the exercise asks for a line plot (vis.line)",
        "send it with vis.line(..., win='loss')",
    ),
    "wrong-values": (
        lambda vis, t, loss: vis.line(X=[t], Y=[2 * loss.item()], win="loss", update="append"),
        "The y values of 'loss' do not match the losses: log_loss(vis, 0, loss) got a loss of",
        "loss.item()",
    ),
    "log-of-the-loss": (
        lambda vis, t, loss: vis.line(X=[t], Y=[loss.log().item()], win="loss", update="append"),
        "The y values of 'loss' do not match the losses",
        "loss.item()",
    ),
    "constant-x": (
        lambda vis, t, loss: vis.line(X=[0], Y=[loss.item()], win="loss", update="append"),
        "point 1 has x = 0",
        "X=[t]",
    ),
    "x-off-by-one": (
        lambda vis, t, loss: vis.line(X=[t + 1], Y=[loss.item()], win="loss", update="append"),
        "point 0 has x = 1",
        "X=[t]",
    ),
    "twice-per-call": (
        lambda vis, t, loss: [right_log_loss(vis, t, loss), right_log_loss(vis, t, loss)],
        "the window 'loss' holds 50 points",
        "is vis.line called more than once?",
    ),
    "skips-calls": (
        lambda vis, t, loss: t % 2 or right_log_loss(vis, t, loss),
        "the window 'loss' holds 13 points",
        "is the call skipped",
    ),
    "nothing-sent": (
        lambda vis, t, loss: None,
        "nothing was sent to a window 'loss'.",
        "call vis.line(X=[t], Y=[...], win=..., update='append'), with win='loss'",
    ),
    "printed-instead": (
        lambda vis, t, loss: print(t, loss.item()),
        "nothing was sent to a window 'loss'.",
        "win='loss'",
    ),
    "another-environment": (
        lambda vis, t, loss: vis.line(X=[t], Y=[loss.item()], win="loss", env="mine", update="append"),
        "sent 'loss' to the environment 'mine', given by env=",
        "leave env= out",
    ),
    "stub-like-name-error": (
        lambda vis, t, loss: vis.line(X=[t], Y=[losses[-1]], win="loss", update="append"),  # noqa: F821
        "log_loss(vis, 0, loss) raised NameError",
        "log_loss gets the iteration t and the loss tensor",
    ),
}


def test_the_right_log_loss_passes(capsys):
    dashboard_checks.check_log_loss(right_log_loss)
    assert capsys.readouterr().out == (
        "check passed: log_loss grows one line in the window 'loss' by one point (t, loss) per call (25 calls)\n"
    )


@pytest.mark.parametrize(
    "answer",
    [
        lambda vis, t, loss: vis.line(Y=[loss.item()], X=[t], win="loss", update="append"),
        lambda vis, t, loss: vis.line(X=[t], Y=loss.reshape(1), win="loss", update="append"),  # detached as visdom does
        lambda vis, t, loss: vis.line(X=[t], Y=[loss.detach()], win="loss", update="append"),
        lambda vis, t, loss: vis.line(X=torch.tensor([t]), Y=[loss.item()], win="loss", update="append", name="t"),
    ],
    ids=["keywords-reordered", "one-element-tensor", "detached-tensor-in-list", "tensor-x-and-a-name"],
)
def test_other_valid_visdom_calls_pass(answer):
    dashboard_checks.check_log_loss(answer)


@pytest.mark.parametrize("mistake", LOSS_MISTAKES, ids=list(LOSS_MISTAKES))
def test_each_log_loss_mistake_gets_its_lesson(mistake):
    HISTORY.clear()
    answer, message, hint = LOSS_MISTAKES[mistake]
    got, got_hint = failure(dashboard_checks.check_log_loss, answer)
    assert message in got and hint in got_hint + got, (got, got_hint)


def test_an_exercise_not_done_yet_goes_through_unchanged():
    def stub(vis, t, loss):
        raise NotImplementedError("Exercise 1 is not done yet: log this iteration's loss")

    with pytest.raises(NotImplementedError, match="Exercise 1 is not done yet"):
        dashboard_checks.check_log_loss(stub)


# Exercise 2: show_status(vis, t, accuracy)


def right_status(vis, t, accuracy):
    vis.text(f"iteration {t}: validation accuracy {accuracy:.1%}", win="status")


STATUS_MISTAKES = {
    "new-id-each-time": (
        lambda vis, t, acc: vis.text(f"iteration {t}: validation accuracy {acc:.1%}", win=f"status{t}"),
        "there is no window 'status', but 11 text windows ('status0', 'status20', 'status40' and 8 more)",
        "pass the same fixed id at every call, win='status'",
    ),
    "no-win": (
        lambda vis, t, acc: vis.text(f"iteration {t}: validation accuracy {acc:.1%}"),
        "there is no window 'status', but 11 text windows",
        "without win=",
    ),
    "two-decimals": (
        lambda vis, t, acc: vis.text(f"iteration {t}: validation accuracy {acc:.2%}", win="status"),
        "After show_status(vis, 0, 0.103125), the pane 'status' shows 'iteration 0: validation accuracy 10.31%', but "
        "'iteration 0: validation accuracy 10.3%' was expected.",
        "two decimals: the exercise asks for one",
    ),
    "raw-fraction": (
        lambda vis, t, acc: vis.text(f"iteration {t}: validation accuracy {acc}", win="status"),
        "shows 'iteration 0: validation accuracy 0.103125'",
        "the accuracy as a fraction",
    ),
    "rounded-fraction": (
        lambda vis, t, acc: vis.text(f"iteration {t}: validation accuracy {acc:.1f}", win="status"),
        "shows 'iteration 0: validation accuracy 0.1'",
        "the fraction rounded",
    ),
    "percent-sign-missing": (
        lambda vis, t, acc: vis.text(f"iteration {t}: validation accuracy {acc * 100:.1f}", win="status"),
        "shows 'iteration 0: validation accuracy 10.3'",
        "the % sign is missing",
    ),
    "off-by-one": (
        lambda vis, t, acc: vis.text(f"iteration {t + 1}: validation accuracy {acc:.1%}", win="status"),
        "shows 'iteration 1: validation accuracy 10.3%'",
        "the iteration shown is t + 1",
    ),
    "other-words": (
        lambda vis, t, acc: vis.text(f"step {t}, accuracy {acc:.1%}", win="status"),
        "shows 'step 0, accuracy 10.3%'",
        'the exercise asks for exactly f"iteration {t}: validation accuracy {accuracy:.1%}"',
    ),
    "a-fixed-accuracy": (
        lambda vis, t, acc: vis.text(f"iteration {t}: validation accuracy {0.5:.1%}", win="status"),
        "shows 'iteration 0: validation accuracy 50.0%'",
        "show the accuracy that show_status receives",
    ),
    "appended": (
        lambda vis, t, acc: vis.text(f"iteration {t}: validation accuracy {acc:.1%}", win="status", append=True),
        "The pane 'status' shows 11 lines, one after another",
        "leave append=True out",
    ),
    "line-not-text": (
        lambda vis, t, acc: vis.line(X=[t], Y=[acc], win="status", update="append"),
        "The window 'status' is a line plot (vis.line), but the exercise asks for a text window (vis.text)",
        "send it with vis.text(..., win='status')",
    ),
    "second-pane": (
        lambda vis, t, acc: [right_status(vis, t, acc), vis.text("extra", win="notes")],
        "Besides 'status', 1 other text window ('notes') were opened",
        "send every status to win='status'",
    ),
    "twice-per-call": (
        lambda vis, t, acc: [right_status(vis, t, acc), right_status(vis, t, acc)],
        "the pane 'status' received 22 texts",
        "one call of show_status should send one text",
    ),
    "printed-instead": (
        lambda vis, t, acc: print(f"iteration {t}: validation accuracy {acc:.1%}"),
        "nothing was sent to a window 'status'",
        "call vis.text(...), with win='status'",
    ),
    "uses-a-global": (
        lambda vis, t, acc: vis.text(f"iteration {t}: validation accuracy {accuracy:.1%}", win="status"),  # noqa: F821
        "show_status(vis, 0, 0.103125) raised NameError",
        "show_status gets the iteration t and the accuracy",
    ),
}


def test_the_right_show_status_passes(capsys):
    dashboard_checks.check_show_status(right_status)
    assert capsys.readouterr().out == (
        "check passed: show_status keeps one text pane 'status', updated in place (11 calls)\n"
    )


@pytest.mark.parametrize("mistake", STATUS_MISTAKES, ids=list(STATUS_MISTAKES))
def test_each_show_status_mistake_gets_its_lesson(mistake):
    answer, message, hint = STATUS_MISTAKES[mistake]
    got, got_hint = failure(dashboard_checks.check_show_status, answer)
    assert message in got and hint in got_hint + got, (got, got_hint)


# Exercise 3: log_evaluation(vis, t, model, train_loss, x_val, y_val), written here as the parts students vary


def evaluation(
    *,
    no_grad=True,
    loss=lambda scores, y: loss_fn(scores, y).item(),
    per_class=lambda predicted, y: torch.stack([(predicted[y == c] == c).float().mean() for c in range(10)]),
    curves=None,
    bars=lambda vis, per_class: vis.bar(X=per_class, win="per_class", opts={"rownames": [str(c) for c in range(10)]}),
    eval_mode=False,
    answer=None,
    dim=1,
):
    """Returns a log_evaluation made of the given parts (the defaults are a right answer)."""

    def right_curves(vis, t, train_loss, val_loss):
        vis.line(X=[t], Y=[train_loss], win="curves", name="train", update="append")
        vis.line(X=[t], Y=[val_loss], win="curves", name="validation", update="append")

    def log_evaluation(vis, t, model, train_loss, x_val, y_val):
        if eval_mode:
            model.eval()
        with torch.no_grad() if no_grad else torch.enable_grad():
            scores = model(x_val)
            val_loss = loss(scores, y_val)
            predicted = scores.argmax(dim=dim)
        (curves or right_curves)(vis, t, train_loss, val_loss)
        accuracies = per_class(predicted, y_val)
        bars(vis, accuracies)
        return answer(val_loss, accuracies) if answer else (val_loss, accuracies)

    return log_evaluation


def test_the_right_log_evaluation_passes(capsys):
    dashboard_checks.check_log_evaluation(evaluation())
    assert capsys.readouterr().out == (
        "check passed: log_evaluation returns the validation loss and the 10 per-class accuracies, appends the "
        "losses to 'curves' as the lines 'train' and 'validation', and shows the accuracies as bars in 'per_class'\n"
    )


def one_call_with_a_legend(vis, t, train_loss, val_loss):
    vis.line(
        X=[[t, t]], Y=[[train_loss, val_loss]], win="curves", update="append", opts={"legend": ["train", "validation"]}
    )


@pytest.mark.parametrize(
    "answer",
    [
        evaluation(curves=one_call_with_a_legend),
        evaluation(per_class=lambda p, y: [float((p[y == c] == c).float().mean()) for c in range(10)]),
        evaluation(per_class=lambda p, y: torch.bincount(y[p == y], minlength=10) / torch.bincount(y, minlength=10)),
        evaluation(bars=lambda vis, a: vis.bar(X=a, win="per_class")),
    ],
    ids=["both-lines-in-one-call-with-a-legend", "a-list-of-numbers", "bincount", "bars-without-labels"],
)
def test_other_valid_log_evaluations_pass(answer):
    dashboard_checks.check_log_evaluation(answer)


def separate_windows(vis, t, train_loss, val_loss):
    vis.line(X=[t], Y=[train_loss], win="train", update="append")
    vis.line(X=[t], Y=[val_loss], win="validation", update="append")


EVALUATION_MISTAKES = {
    "autograd-on": (
        evaluation(no_grad=False),
        "log_evaluation ran the model with autograd recording",
        "`with torch.no_grad():`",
    ),
    "left-in-eval-mode": (
        evaluation(eval_mode=True),
        "left the model in evaluation mode",
        "model.train()",
    ),
    "val-loss-a-tensor": (
        evaluation(loss=lambda s, y: loss_fn(s, y)),
        "returned val_loss as a tensor",
        ".item()",
    ),
    "accuracy-not-loss": (
        evaluation(loss=lambda s, y: (s.argmax(1) == y).float().mean().item()),
        "it is the accuracy, not the loss",
        "",
    ),
    "summed-loss": (
        evaluation(loss=lambda s, y: F.cross_entropy(s, y, reduction="sum").item()),
        "it is the sum of the per-image losses",
        "",
    ),
    "nll-of-raw-scores": (
        evaluation(loss=lambda s, y: F.nll_loss(s, y).item()),
        "nll_loss expects log-probabilities",
        "",
    ),
    "softmax-then-cross-entropy": (
        evaluation(loss=lambda s, y: loss_fn(s.softmax(dim=1), y).item()),
        "but the cross-entropy of model(x_val) and y_val is",
        "loss_fn",
    ),
    "precision-not-accuracy": (
        evaluation(per_class=lambda p, y: torch.stack([(y[p == c] == c).float().mean() for c in range(10)])),
        "precision",
        "",
    ),
    "counts": (
        evaluation(per_class=lambda p, y: torch.stack([(p[y == c] == c).sum() for c in range(10)]).float()),
        "it counts the correct images of each class",
        "",
    ),
    "over-all-images": (
        evaluation(per_class=lambda p, y: torch.stack([(p[y == c] == c).sum() / len(y) for c in range(10)])),
        "divides each class's correct images by all the images",
        "",
    ),
    "overall-accuracy": (
        evaluation(per_class=lambda p, y: (p == y).float().mean().repeat(10)),
        "it is the overall accuracy, the same for every class",
        "",
    ),
    "error-rate": (
        evaluation(per_class=lambda p, y: torch.stack([(p[y == c] != c).float().mean() for c in range(10)])),
        "it is each class's error rate",
        "",
    ),
    "percent": (
        evaluation(per_class=lambda p, y: torch.stack([(p[y == c] == c).float().mean() * 100 for c in range(10)])),
        "it is in percent",
        "",
    ),
    "argmax-over-the-images": (
        evaluation(dim=0),
        "raised IndexError",
        "scores = model(x_val) is (N, 10), one row per image",
    ),
    "returns-only-the-loss": (
        evaluation(answer=lambda loss, acc: loss),
        "returned float, but should return two values: val_loss, per_class",
        "",
    ),
    "one-line-no-names": (
        evaluation(
            curves=lambda vis, t, a, b: [
                vis.line(X=[t], Y=[v], win="curves", update="append")
                for v in (a, b)  # no name=
            ]
        ),
        "holds one line of 6 points, training and validation losses taking turns",
        "give each vis.line call its own name=",
    ),
    "append-forgotten": (
        evaluation(
            curves=lambda vis, t, a, b: [
                vis.line(X=[t], Y=[v], win="curves", name=n) for n, v in (("train", a), ("validation", b))
            ]
        ),
        "the window 'curves' holds 1 point (validation)",
        "without update='append', each vis.line call replaces the whole plot",
    ),
    "other-names": (
        evaluation(
            curves=lambda vis, t, a, b: [
                vis.line(X=[t], Y=[v], win="curves", name=n, update="append") for n, v in (("training", a), ("val", b))
            ]
        ),
        "The lines of 'curves' are named 'training', 'val'",
        "name each line with name=",
    ),
    "swapped-lines": (
        evaluation(
            curves=lambda vis, t, a, b: [
                vis.line(X=[t], Y=[v], win="curves", name=n, update="append")
                for n, v in (("train", b), ("validation", a))
            ]
        ),
        "The line 'train' holds the validation losses",
        "swapped",
    ),
    "separate-windows": (
        evaluation(curves=separate_windows),
        "went to separate windows ('train', 'validation'), not to one window 'curves'",
        "send both to win='curves'",
    ),
    "x-off-by-one": (
        evaluation(
            curves=lambda vis, t, a, b: [
                vis.line(X=[t + 1], Y=[v], win="curves", name=n, update="append")
                for n, v in (("train", a), ("validation", b))
            ]
        ),
        "The line 'train' has x values [1.0, 11.0, 21.0], but the calls' t were [0.0, 10.0, 20.0]",
        "X=[t]",
    ),
    "no-bars": (
        evaluation(bars=lambda vis, a: None),
        "nothing was sent to a window 'per_class'",
        "call vis.bar(X=...), with win='per_class'",
    ),
    "line-not-bars": (
        evaluation(bars=lambda vis, a: vis.line(X=list(range(10)), Y=a, win="per_class")),
        "The window 'per_class' is a line plot (vis.line), but the exercise asks for a bar chart (vis.bar)",
        "vis.bar(..., win='per_class')",
    ),
    "bars-of-counts": (
        evaluation(bars=lambda vis, a: vis.bar(X=a * torch.tensor(dashboard_checks.CLASS_SIZES), win="per_class")),
        "The bars of 'per_class' show",
        "show the per-class accuracies of this call",
    ),
    "bars-in-new-windows": (
        evaluation(bars=lambda vis, a: vis.bar(X=a)),
        "there is no window 'per_class', but 3 bar windows",
        "pass the same fixed id at every call, win='per_class'",
    ),
}


@pytest.mark.parametrize("mistake", EVALUATION_MISTAKES, ids=list(EVALUATION_MISTAKES))
def test_each_log_evaluation_mistake_gets_its_lesson(mistake):
    answer, message, hint = EVALUATION_MISTAKES[mistake]
    got, got_hint = failure(dashboard_checks.check_log_evaluation, answer)
    assert message in got and hint in got_hint + got, (got, got_hint)


def test_a_model_never_called_is_named():
    other = torch.nn.Linear(12, 10)

    def evaluates_another_model(vis, t, model, train_loss, x_val, y_val):
        return evaluation()(vis, t, other, train_loss, x_val, y_val)

    got, hint = failure(dashboard_checks.check_log_evaluation, evaluates_another_model)
    assert "never called the model it was given" in got and "scores = model(x_val)" in hint


def test_a_model_changed_by_the_evaluation_is_named():
    def trains_while_evaluating(vis, t, model, train_loss, x_val, y_val):
        out = evaluation()(vis, t, model, train_loss, x_val, y_val)
        loss_fn(model(x_val), y_val).backward()
        return out

    got, _ = failure(dashboard_checks.check_log_evaluation, trains_while_evaluating)
    assert "ran the model with autograd recording" in got or "changed the model or its gradients" in got


def test_the_student_code_error_names_the_call_and_shows_the_error_itself():
    def student(vis, t, model, train_loss, x_val, y_val):
        return model(x_val.t())  # a transposed input

    with pytest.raises(checks.CheckFailed) as failed:
        dashboard_checks.check_log_evaluation(student)
    text = str(failed.value)
    assert text.startswith("log_evaluation(vis, 0, model, 2.25, x_val, y_val) raised RuntimeError")
    assert "two tensors' shapes do not fit together" in text  # the course's lesson (utils.errors)
    assert "The error itself: RuntimeError: mat1 and mat2 shapes cannot be multiplied" in text
