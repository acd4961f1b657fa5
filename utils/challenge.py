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
student's code.
"""

import math

from utils import checks, i18n


def _show(value, unit):
    return f"{value:.1%}" if unit == "%" else f"{value:.4g}{unit}"


def attempt(goal, run, measure, target, higher_is_better=True, unit=""):
    """Returns None; prints how the student's attempt compares with the target, or that it is not attempted yet.

    `run()` makes the attempt; `measure(result)` turns what it returns into the number that `target` bounds
    (from below when `higher_is_better`, else from above). `unit` "%" shows numbers as percentages.
    """
    try:
        with checks.running("your challenge attempt"):
            result = run()
    except NotImplementedError as error:
        if "challenge is not attempted" not in i18n.english(str(error)):  # a translated stub reads in English too
            raise  # an exercise the attempt relies on is not done: its own message says which
        print(f"Challenge (optional): not attempted yet. The target: {goal}.")
        return
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
