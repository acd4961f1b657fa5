"""The walker that the progression test and grading share (tools/notebook_walk.py)."""

import nbformat
import pytest

from tools import notebook_walk

# Makes the first kernel of the walk die before it answers, as one does that loses its port to another process
# between the moment the port is picked and the moment the kernel binds it; the kernels after it start normally.
DIE_ONCE = """
import os
if not os.path.exists({marker!r}):  # (only the kernel's environment has this folder on PYTHONPATH)
    open({marker!r}, "w").close()
    os._exit(1)
"""


def notebook():
    return nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("print(6 * 7)"), nbformat.v4.new_code_cell("1 / 0")]
    )


def test_a_kernel_that_dies_before_it_answers_is_replaced(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(DIE_ONCE.format(marker=str(tmp_path / "died")))
    nb = notebook()
    with notebook_walk.Walk(nb, tmp_path, env={"PYTHONPATH": str(tmp_path)}) as walk:
        assert walk.run(0) is None and walk.text(0) == "42\n"
        error = walk.run(1)
    assert (tmp_path / "died").exists(), "the first kernel did not die: the test tested nothing"
    assert error.ename == "ZeroDivisionError", error


def test_a_kernel_that_never_starts_ends_the_walk_with_the_error(tmp_path):
    (tmp_path / "sitecustomize.py").write_text("import os\nos._exit(1)\n")
    with pytest.raises(RuntimeError, match="Kernel died"):
        with notebook_walk.Walk(notebook(), tmp_path, env={"PYTHONPATH": str(tmp_path)}):
            pass
