"""The open challenge at the end of each notebook: a stated target, and how close the student's attempt came.

    challenge.attempt(
        "validation accuracy of at least 97% within 300 steps",   # the goal, as the markdown states it
        lambda: train_for_the_challenge(model, steps=300),        # runs the student's attempt
        measure=lambda model: accuracy(model, val_x, val_y),      # the number the target is about
        target=0.97, unit="%",
    )

An attempt not made yet (its stub raises NotImplementedError("The challenge is not attempted yet ...")) is
reported and the notebook goes on: the challenge is optional. A target missed says by how much. An error raised
by the attempt itself is a CheckFailed with the course's lesson (checks.running), like any check of the
student's code. `keep={"w1": w1, ...}` names the notebook's tensors that the attempt starts from and must leave
as they are: an attempt that trained them in place, instead of copies, fails and they are put back.
"""

import math

import torch

from utils import checks, i18n


def _show(value, unit):
    return f"{value:.1%}" if unit == "%" else f"{value:.4g}{unit}"


def _put_back(keep, kept):
    """Returns the names of the tensors of `keep` that differ from their copies `kept`, after copying those back."""
    changed = []
    for name, tensor in keep.items():
        if not torch.equal(tensor.detach(), kept[name]):
            changed.append(name)
            with torch.no_grad():
                tensor.copy_(kept[name])
    return changed


def attempt(goal, run, measure, target, higher_is_better=True, unit="", keep=None):
    """Returns None; prints how the student's attempt compares with the target, or that it is not attempted yet.

    `run()` makes the attempt; `measure(result)` turns what it returns into the number that `target` bounds
    (from below when `higher_is_better`, else from above). `unit` "%" shows numbers as percentages. `keep`, a
    dict {name: tensor} of the notebook's tensors that the attempt starts from, must come out unchanged: an
    attempt that trained them in place fails (after they are put back as they were), since the cells that use
    them would otherwise go on with trained values.
    """
    kept = {name: tensor.detach().clone() for name, tensor in (keep or {}).items()}
    try:
        with checks.running("your challenge attempt"):
            result = run()
    except NotImplementedError as error:
        if "challenge is not attempted" not in i18n.english(str(error)):  # a translated stub reads in English too
            raise  # an exercise the attempt relies on is not done: its own message says which
        print(f"Challenge (optional): not attempted yet. The target: {goal}.")
        return
    finally:
        changed = _put_back(keep or {}, kept)
    if changed:
        checks.fail(
            f"your challenge attempt changed {', '.join(changed)}, which it was given to start from: it trained the "
            "notebook's own tensors instead of copies (they are now put back as they were, so you can run it again).",
            "train copies, made at the start of your function with .clone(): w1 = w1.clone(). In place, `w1 -= ...` "
            "writes into the tensor you were given.",
        )
    with checks.running("measuring your challenge attempt"):
        value = float(measure(result))
    unit = i18n.translate(unit) if unit != "%" else unit  # " iterations", in the course language in use
    bound = "at least" if higher_is_better else "at most"
    reached = value >= target if higher_is_better else value <= target
    if reached:
        print(f"Challenge reached: {_show(value, unit)}, the target was {bound} {_show(target, unit)} ({goal}).")
    elif not math.isfinite(value):
        print(
            f"Challenge not reached yet: this attempt never got there (the measure is {value}); the target is "
            f"{bound} {_show(target, unit)}. The goal: {goal}."
        )
    else:
        gap = abs(target - value)
        gap_text = f"{gap * 100:.1f} percentage points" if unit == "%" else f"{gap:.4g}{unit}"
        print(
            f"Challenge not reached yet: {_show(value, unit)}, the target is {bound} {_show(target, unit)} "
            f"({gap_text} to go). The goal: {goal}."
        )
