"""The open challenge (utils/challenge.py): not attempted goes on, a miss says by how much, an error teaches."""

import pytest
import torch

from utils import challenge, checks


def not_attempted():
    raise NotImplementedError("The challenge is not attempted yet: reach 97%. It is optional: ...")


def test_not_attempted_is_reported_and_the_notebook_goes_on(capsys):
    challenge.attempt("97% within 300 steps", not_attempted, float, target=0.97, unit="%")
    assert capsys.readouterr().out == "Challenge (optional): not attempted yet. The target: 97% within 300 steps.\n"


def test_reached_and_missed_say_where_the_student_stands(capsys):
    challenge.attempt("97%", lambda: 0.981, float, target=0.97, unit="%")
    assert capsys.readouterr().out.startswith("Challenge reached: 98.1%, the target was at least 97.0%")
    challenge.attempt("97%", lambda: 0.93, float, target=0.97, unit="%")
    assert "Challenge not reached yet: 93.0%, the target is at least 97.0% (4.0 percentage points to go)" in (
        capsys.readouterr().out
    )
    challenge.attempt("at most 1.5x", lambda: 2.0, float, target=1.5, higher_is_better=False, unit="x")
    assert "Challenge not reached yet: 2x, the target is at most 1.5x (0.5x to go)" in capsys.readouterr().out


def test_an_attempt_that_never_gets_there_says_so_without_an_infinite_gap(capsys):
    challenge.attempt(
        "1e-3 within 40 passes", lambda: float("inf"), float, target=40, higher_is_better=False, unit=" forward passes"
    )
    out = capsys.readouterr().out
    assert "this attempt never got there" in out and "at most 40 forward passes" in out and "to go" not in out


def test_an_error_in_the_attempt_is_a_lesson_and_an_unfinished_exercise_goes_through():
    def broken():
        return torch.ones(2, 3) @ torch.ones(2, 3)

    with pytest.raises(checks.CheckFailed, match="(?s)your challenge attempt raised RuntimeError.*shapes do not fit"):
        challenge.attempt("97%", broken, float, target=0.97)

    def needs_an_exercise():
        raise NotImplementedError("Exercise 2 is not done yet: ...")

    with pytest.raises(NotImplementedError, match="Exercise 2"):
        challenge.attempt("97%", needs_an_exercise, float, target=0.97)


def test_tensors_the_attempt_must_keep_are_checked_and_put_back(capsys):
    w1, w2 = torch.ones(3), torch.zeros(2)

    def trains_copies():
        v1 = w1.clone()
        v1 -= 1
        return 5.0

    challenge.attempt("at most 10", trains_copies, float, target=10, higher_is_better=False, keep={"w1": w1, "w2": w2})
    assert capsys.readouterr().out.startswith("Challenge reached: 5")

    def trains_in_place():
        w1.mul_(3)
        w2.sub_(1)
        return 5.0

    message = "(?s)your challenge attempt changed w1, w2, which it was given to start from.*Hint: train copies"
    with pytest.raises(checks.CheckFailed, match=message):
        challenge.attempt("at most 10", trains_in_place, float, target=10, keep={"w1": w1, "w2": w2})
    assert torch.equal(w1, torch.ones(3)) and torch.equal(w2, torch.zeros(2)), "put back as they were"

    def fails_half_way():
        w1.add_(1)
        return torch.ones(2, 3) @ torch.ones(2, 3)

    with pytest.raises(checks.CheckFailed, match="raised RuntimeError"):
        challenge.attempt("at most 10", fails_half_way, float, target=10, keep={"w1": w1})
    assert torch.equal(w1, torch.ones(3)), "put back after an error too"
    challenge.attempt("at most 10", not_attempted, float, target=10, keep={"w1": w1})
    assert "not attempted yet" in capsys.readouterr().out
