"""utils.checks: what passes prints one line; what fails says what, where, and the likely cause."""

import numpy as np
import pytest
import torch

from utils import checks


def test_rel_error_is_relative_to_the_largest_magnitude():
    assert checks.rel_error(torch.ones(3), np.ones(3)) == 0.0
    assert checks.rel_error([100.0, 0.0], [100.0, 1e-3]) == pytest.approx(1e-5)
    assert checks.rel_error(torch.tensor(2.0, requires_grad=True), 1.0) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="equal shapes"):
        checks.rel_error(np.ones(2), np.ones(3))


def test_check_close_passes_with_one_line(capsys):
    checks.check_close("y_pred", torch.ones(2, 3), np.ones((2, 3)), tol=1e-6, against="numpy")
    assert capsys.readouterr().out == "check passed: y_pred matches numpy (relative error below 1e-06, shape (2, 3))\n"


def test_transposed_answer_is_named():
    with pytest.raises(
        checks.CheckFailed,
        match=r"grad_w1 has shape \(100, 1000\) but should be \(1000, 100\): "
        r"did you transpose\?",
    ):
        checks.check_close("grad_w1", torch.zeros(100, 1000), torch.zeros(1000, 100))


def test_other_wrong_shape_is_named_with_the_hint():
    with pytest.raises(checks.CheckFailed) as info:
        checks.check_shape("y_pred", torch.zeros(64, 100), (64, 10), hint="multiply by w2 too")
    assert str(info.value) == "y_pred has shape (64, 100) but should be (64, 10).\nHint: multiply by w2 too"


def test_none_and_wrong_types_are_explained():
    with pytest.raises(checks.CheckFailed, match="(?s)grad_w2 is None.*forget to assign it, or to return it"):
        checks.check_close("grad_w2", None, torch.zeros(2))
    with pytest.raises(checks.CheckFailed, match="loss should be a tensor, but it is a str"):
        checks.check_close("loss", "12", 12.0)


def test_wrong_values_show_expected_and_got_at_the_worst_index():
    expected = torch.arange(6.0).reshape(2, 3)
    got = expected.clone()
    got[1, 2] = -5.0
    with pytest.raises(checks.CheckFailed) as info:
        checks.check_close("grad_w1", got, expected, tol=1e-4, hint="zero the gradient where h < 0")
    message = str(info.value)
    assert "grad_w1 does not match the reference: relative error 2.0e+00 is above the tolerance 1e-04" in message
    assert "at index (1, 2): expected 5, got -5" in message
    assert message.endswith("Hint: zero the gradient where h < 0")


def test_nan_is_reported_before_values():
    with pytest.raises(checks.CheckFailed, match="loss contains nan or inf"):
        checks.check_close("loss", torch.tensor(float("nan")), 1.0)


def test_check_below_and_check_that(capsys):
    checks.check_below("final loss", torch.tensor(1e-5), 1e-3)
    checks.check_that("weights changed", True, "unused")
    assert capsys.readouterr().out == "check passed: final loss is below 1e-03\ncheck passed: weights changed\n"
    with pytest.raises(checks.CheckFailed, match="final loss should be below 1e-03, but it is 0.5"):
        checks.check_below("final loss", 0.5, 1e-3)
    with pytest.raises(checks.CheckFailed, match="final loss should be below 1e-03, but it is nan"):
        checks.check_below("final loss", float("nan"), 1e-3)
    with pytest.raises(checks.CheckFailed, match="^the weights did not change\nHint: call step"):
        checks.check_that("weights changed", False, "the weights did not change", hint="call step")


def test_failures_are_assertion_errors():
    assert issubclass(checks.CheckFailed, AssertionError)


def second_backward():
    loss = (torch.ones(2, requires_grad=True) * 2).pow(2).sum()
    loss.backward()
    loss.backward()


def test_shows_error_prints_the_last_traceback_line_and_goes_on(capsys):
    with checks.shows_error(RuntimeError, "a second time") as shown:
        second_backward()
    out = capsys.readouterr().out
    assert out.startswith("RuntimeError: Trying to backward through the graph a second time") and out.count("\n") == 1
    assert isinstance(shown.error, RuntimeError) and out == shown.line + "\n"
    assert (
        checks.shows_error(ValueError, "empty", lambda: torch.optim.SGD([], lr=1)).line
        == "ValueError: optimizer got an empty parameter list"
    )
    assert capsys.readouterr().out == "ValueError: optimizer got an empty parameter list\n"


def test_shows_error_accepts_a_subclass_and_prints_its_own_name(capsys):
    with checks.shows_error(LookupError, "'w3'"):
        {}["w3"]
    assert capsys.readouterr().out == "KeyError: 'w3'\n"
    assert checks.error_line(StopIteration()) == "StopIteration"


def test_shows_error_fails_clearly_when_nothing_is_raised(capsys):
    with pytest.raises(checks.CheckFailed) as info:
        with checks.shows_error(RuntimeError, "a second time"):
            pass
    assert str(info.value).startswith(
        "the code should raise RuntimeError with 'a second time' in its message, but it raised nothing.\nHint: "
    )
    with pytest.raises(checks.CheckFailed, match="^a second loss.backward.. should raise RuntimeError with"):
        checks.shows_error(RuntimeError, "x", lambda: None, name="a second loss.backward()")
    assert capsys.readouterr().out == ""


def test_shows_error_fails_clearly_on_another_error_type_or_message():
    with pytest.raises(
        checks.CheckFailed,
        match="should raise RuntimeError with 'x' in its message, but it raised ValueError: invalid literal",
    ) as info:
        with checks.shows_error(RuntimeError, "x"):
            int("bad")
    assert isinstance(info.value.__cause__, ValueError)  # the real error is shown above the check's message
    with pytest.raises(
        checks.CheckFailed,
        match="raised RuntimeError as expected, but its message does not contain "
        "'third time': RuntimeError: Trying to backward",
    ):
        checks.shows_error(RuntimeError, "third time", second_backward)


def test_shows_error_lets_an_unfinished_exercise_and_ctrl_c_through():
    with pytest.raises(NotImplementedError, match="Exercise 2 is not done yet"):
        with checks.shows_error(RuntimeError, "x"):
            raise NotImplementedError("Exercise 2 is not done yet")
    with pytest.raises(KeyboardInterrupt):
        with checks.shows_error(Exception, ""):
            raise KeyboardInterrupt
    with checks.shows_error(NotImplementedError, "on purpose"):  # unless it is the error shown
        raise NotImplementedError("on purpose")
