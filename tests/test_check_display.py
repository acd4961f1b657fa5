"""A failed check shows the lesson, not the machinery: in a real kernel, its message alone."""

import re

from nbformat.v4 import new_code_cell, new_notebook

from tests import nbrun


def test_a_failed_check_shows_only_its_message_in_a_kernel(tmp_path):
    nb = new_notebook(
        cells=[
            new_code_cell(
                "import torch\nfrom utils import checks\n"
                "checks.check_shape('grad_w1', torch.zeros(100, 1000), (1000, 100))"
            )
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    executed, failed, error = nbrun.execute(nb, tmp_path)
    assert failed == 0 and error is not None
    out = next(o for o in executed.cells[0].outputs if o.output_type == "error")
    assert out.ename == "CheckFailed"
    assert (
        out.traceback[0] == "CheckFailed: grad_w1 has shape (100, 1000) but should be (1000, 100): did you transpose?"
    )
    assert out.traceback[1].startswith("Hint: a gradient has the shape of the tensor it belongs to")
    shown = "\n".join(out.traceback)
    assert "checks.py" not in shown and "Traceback" not in shown and len(out.traceback) == 2, shown


def test_an_unfinished_exercise_met_by_a_check_shows_only_its_message_in_a_kernel(tmp_path):
    """A stub's NotImplementedError that went through checks.running (a check, the challenge) shows as its message
    alone, without the checker's or PyTorch's frames; it stays that NotImplementedError, with that message."""
    stub = "Exercise 2 is not done yet: write backward. Replace this raise with your code, run this cell, then ..."
    nb = new_notebook(
        cells=[
            new_code_cell(
                "from utils import checks, errors\nerrors.show_lessons()\n\n\n"
                f"def backward():\n    raise NotImplementedError({stub!r})"
            ),
            new_code_cell('with checks.running("backward()", expected="grad_w1, grad_w2"):\n    backward()'),
            new_code_cell('with checks.running("forward()"):\n    raise NotImplementedError("some other feature")'),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    executed, _, error = nbrun.execute(nb, tmp_path)
    assert error is not None
    out = next(o for o in executed.cells[1].outputs if o.output_type == "error")
    assert (out.ename, out.evalue, out.traceback) == ("NotImplementedError", stub, [f"NotImplementedError: {stub}"])
    executed.cells = executed.cells[:1] + executed.cells[2:]  # an error that is not a stub keeps its traceback
    executed, _, _ = nbrun.execute(executed, tmp_path)
    other = next(o for o in executed.cells[1].outputs if o.output_type == "error")
    assert len(other.traceback) > 1 and "Cell In[" in re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(other.traceback))


def test_outside_jupyter_a_failed_check_keeps_its_traceback():
    import traceback

    import pytest
    import torch

    from utils import checks

    with pytest.raises(checks.CheckFailed) as caught:
        checks.check_shape("grad_w1", torch.zeros(2, 3), (3, 2))
    text = "".join(traceback.format_exception(caught.value))
    assert "checks.py" in text and "did you transpose?" in text
