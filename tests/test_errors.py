"""PyTorch's classic errors get the course's lesson (utils/errors.py): in checkers, and under a cell's traceback."""

import contextlib
import hashlib
import io
import math
import re
import warnings
from datetime import timedelta

import pytest
import torch
from nbformat.v4 import new_code_cell, new_notebook

from tests import nbrun
from utils import checks, errors


def raised(action):
    try:
        action()
    except Exception as error:  # any error is what is under test
        return error
    raise AssertionError("nothing was raised")


def rebind_then_update():
    w1 = torch.ones(3, requires_grad=True)
    (w1 * 2).sum().backward()
    w1 = w1 - 0.1 * w1.grad  # rebinding: w1 is no longer a leaf
    (w1 * 2).sum().backward()
    w1 = w1 - 0.1 * w1.grad


def if_grad():
    w1 = torch.ones(3, requires_grad=True)
    for _ in range(2):
        (w1 * 2).sum().backward()
        if w1.grad:
            w1.grad.zero_()


def backward_under_no_grad():
    w1 = torch.ones(3, requires_grad=True)
    with torch.no_grad():
        loss = (w1 * 2).sum()
    loss.backward()


def update_outside_no_grad():
    w1 = torch.ones(3, requires_grad=True)
    w1 -= 0.1


def forward_without_self():
    class NoSelf(torch.nn.Module):
        def forward(x):  # the mistake under test: no self
            return x

    NoSelf()(torch.ones(2))


def custom_function(backward, forward=lambda ctx, x: x * 2):
    """Returns a custom autograd Function class with these static methods (notebook 03)."""
    return type(
        "MyFunction", (torch.autograd.Function,), {"forward": staticmethod(forward), "backward": staticmethod(backward)}
    )


def backward_through(function):
    x = torch.ones(3, requires_grad=True)
    function.apply(x).sum().backward()


class OldStyleFunction(torch.autograd.Function):
    def forward(self, x):  # the mistake under test: the 2017 style, with self
        return x * 2


def call_the_2017_way():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # "should not be instantiated": the error comes next
        OldStyleFunction()(torch.ones(2))


def saves_a_shape(ctx, x):
    ctx.save_for_backward(x.shape)  # the mistake under test: not a tensor
    return x * 2


def saves_x(ctx, x):
    ctx.save_for_backward(x)
    return x * 2


def unpacks_two(ctx, grad_output):
    x, w = ctx.saved_tensors  # the mistake under test: forward saved one tensor
    return grad_output * w


def unpacks_nothing(ctx, grad_output):
    s = ctx.saved_tensors  # the mistake under test: a tuple
    return grad_output * (1 - s)


def load_wrong_sizes():
    torch.nn.Linear(3, 2).load_state_dict({"weight": torch.zeros(4, 3), "bias": torch.zeros(2)})


CASES = [
    (load_wrong_sizes, "the checkpoint was saved from a model of other sizes"),
    (lambda: torch.ones(64, 1000) @ torch.ones(100, 1000), "shapes do not fit together"),
    (lambda: torch.ones(2, dtype=torch.float64) @ torch.ones(2), "different dtypes"),
    (update_outside_no_grad, "with torch.no_grad():"),
    (backward_under_no_grad, "no graph to go back through"),
    (if_grad, "`if w1.grad is not None:`"),
    (rebind_then_update, "makes w1 a new tensor"),
    (lambda: torch.tensor(2.0)[0], ".item()"),
    (lambda: b"x".decode("utf-8") + b"\xff".decode("utf-8"), "opened as text"),
    (lambda: type("NoForward", (torch.nn.Module,), {})()(torch.ones(2)), "a method named forward(self, x)"),
    (forward_without_self, "def forward(self, x)"),
    (lambda: type("NoInit", (torch.nn.Module,), {"__int__": lambda self, d: None})(3), "two underscores"),
    (lambda: torch.nn.ModuleList([torch.nn.Linear(2, 2)])(torch.ones(2)), "loop over it and call each one"),
    (lambda: backward_through(custom_function(lambda ctx, g: (g, g))), "one gradient per input of forward"),
    (lambda: backward_through(custom_function(lambda ctx, g: g[:2])), "a gradient of the wrong shape"),
    (call_the_2017_way, "MyFunction.apply(x), not MyFunction()(x)"),
    (lambda: custom_function(lambda ctx, g: g, saves_a_shape).apply(torch.ones(2, requires_grad=True)), "ctx.shape"),
    (lambda: backward_through(custom_function(unpacks_nothing, saves_x)), "`x, = ctx.saved_tensors`"),
    (lambda: backward_through(custom_function(unpacks_two, saves_x)), "given to save_for_backward, in order"),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU), "nn.ReLU(), not the class"),
    (lambda: torch.nn.Sequential([torch.nn.Linear(2, 3)]), "nn.Sequential(*layers)"),
    (lambda: torch.optim.LBFGS(torch.nn.Linear(2, 1).parameters()).step(), "optimizer.step(closure)"),
    (lambda: hashlib.sha256().update("weights"), "open the file in binary mode ('rb')"),
    (lambda: torch.nn.Linear(3, 2).load_state_dict({"weight": torch.zeros(2, 3)}), "the architecture they were"),
    (lambda: torch.utils.data.DataLoader(range(4), sampler=range(4), shuffle=True), "either shuffle=True"),
    (lambda: torch.utils.data.default_collate([torch.zeros(2), torch.zeros(3)]), "pad them in a collate_fn"),
    (lambda: torch.optim.SGD(torch.nn.Linear(2, 1).parameters, lr=0.1), "model.parameters(), lr=...)"),
    (lambda: math.exp(-torch.ones(3, 5)), "torch.exp(x), which works entry by entry"),
    (lambda: eval("QUESTION_2", {}), "run that cell first, or Run > Run All Above"),
]


@pytest.mark.skipif(torch.cuda.is_available(), reason="the error happens only on a machine without CUDA")
def test_a_gpu_checkpoint_on_a_cpu_only_machine_gets_map_location():
    error = raised(lambda: torch.serialization.default_restore_location(torch.UntypedStorage(2), "cuda:0"))
    assert "map_location='cpu'" in errors.lesson_for(error)


@pytest.mark.skipif(torch.cuda.is_available(), reason="the error happens only on a machine without CUDA")
def test_a_cuda_call_on_a_machine_without_cuda_says_to_guard_it_with_the_device_type():
    error = raised(torch.cuda.synchronize)  # AssertionError (a CPU build) or RuntimeError (no driver, no GPU)
    assert 'guard calls such as torch.cuda.synchronize() with `if device.type == "cuda":`' in errors.lesson_for(error)


@pytest.mark.parametrize(
    "message",
    ["Torch not compiled with CUDA enabled", "Found no NVIDIA driver on your system.", "No CUDA GPUs are available"],
)
def test_every_way_of_having_no_cuda_gets_that_lesson(message):
    error = AssertionError(message) if "compiled" in message else RuntimeError(message)
    assert '`if device.type == "cuda":`' in errors.lesson_for(error)


def test_the_shape_lesson_speaks_of_gradients_only_for_backward_passes():
    lesson = errors.lesson_for(raised(lambda: torch.ones(5, 7) @ torch.ones(6, 3)))
    assert "in a @ b the inner sizes must agree" in lesson
    assert lesson.endswith("In a backward pass, a gradient has the shape of the tensor it belongs to.")


@pytest.mark.parametrize("action, lesson", CASES, ids=[lesson for _, lesson in CASES])
def test_the_classic_mistakes_get_their_lesson(action, lesson):
    assert lesson in errors.lesson_for(raised(action))


def test_an_unknown_error_gets_no_lesson():
    assert errors.lesson_for(ValueError("something else")) == ""


def test_running_names_the_part_the_cause_and_keeps_the_original_message():
    with pytest.raises(checks.CheckFailed) as info:
        with checks.running("forward(x, w1, w2)", expected="h, h_relu, y_pred", cause="h = x @ w1 is (N, H)"):
            torch.ones(64, 1000) @ torch.ones(100, 1000)
    message = str(info.value)
    assert message.startswith("forward(x, w1, w2) raised RuntimeError instead of returning h, h_relu, y_pred.")
    assert "Hint: h = x @ w1 is (N, H); two tensors' shapes do not fit together" in message
    assert message.splitlines()[-1].startswith("The error itself: RuntimeError: mat1 and mat2 shapes cannot be")


def test_running_lets_unfinished_exercises_and_checks_through():
    with pytest.raises(NotImplementedError):
        with checks.running("f"):
            raise NotImplementedError("Exercise 1 is not done yet")
    with pytest.raises(checks.CheckFailed, match="^inner$"):
        with checks.running("f"):
            checks.fail("inner")


def test_in_a_kernel_the_lesson_is_a_note_under_pytorchs_own_traceback(tmp_path):
    nb = new_notebook(
        cells=[
            new_code_cell("import torch\nfrom utils import errors\nerrors.show_lessons()"),
            new_code_cell("w1 = torch.ones(3, requires_grad=True)\nw1 -= 0.1"),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    executed, failed, error = nbrun.execute(nb, tmp_path)
    assert failed == 1 and error is not None, "the error still stops the run"
    out = next(o for o in executed.cells[1].outputs if o.output_type == "error")
    assert out.ename == "RuntimeError" and "a leaf Variable that requires grad" in out.evalue
    shown = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(out.traceback))  # without its colours
    assert "w1 -= 0.1" in shown, "PyTorch's traceback stays"
    assert shown.rstrip().endswith("do the update inside `with torch.no_grad():`.")


GLOO_CLOSED = (
    "[/pytorch/third_party/gloo/gloo/transport/tcp/pair.cc:553] Connection closed by peer [127.0.0.1]:1454. This is "
    "typically caused by a remote worker crashing."
)
GLOO_TIMEOUT = "[/pytorch/third_party/gloo/gloo/transport/tcp/unbound_buffer.cc:78] Timed out waiting 5000ms for recv"


@pytest.mark.parametrize(
    "action, lesson",
    [
        (lambda: torch.distributed.get_rank(), "The notebook's own process is not one of the ranks"),
        (lambda: torch.distributed.all_reduce(None), "a parameter's .grad stays None until loss.backward()"),
        (lambda: (_ for _ in ()).throw(RuntimeError(GLOO_CLOSED)), "the same collective calls in the same order"),
        (lambda: (_ for _ in ()).throw(RuntimeError(GLOO_TIMEOUT)), "a collective inside `if rank == 0:`"),
    ],
    ids=["no process group", "a None gradient reduced", "a peer gone", "a peer that never came"],
)
def test_the_classic_torch_distributed_mistakes_get_their_lesson(action, lesson):
    """Notebook 09's: torch.distributed called in the notebook's own process, a .grad reduced before backward(), and
    gloo's messages when one rank waits in a collective that another rank never makes (the real texts, from runs)."""
    assert lesson in errors.lesson_for(raised(action))


@pytest.mark.skipif(torch.distributed.is_nccl_available(), reason="this build has NCCL: the error cannot happen here")
def test_a_backend_missing_from_the_build_gets_the_gloo_lesson():
    store = torch.distributed.HashStore()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Attempted to get default timeout for nccl backend"
        error = raised(lambda: torch.distributed.init_process_group("nccl", store=store, rank=0, world_size=1))
    assert 'backend = "nccl" if device.type == "cuda" else "gloo"' in errors.lesson_for(error)


def test_a_visdom_client_without_a_server_gets_its_lesson():
    """Notebook 08's: visdom's own client (raise_exceptions=True) made where no server listens."""
    from visdom import Visdom

    from utils.ports import free_port

    def make_client():
        return Visdom(server="http://127.0.0.1", port=free_port(), raise_exceptions=True, use_incoming_socket=False)

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):  # visdom's own prints
        error = raised(make_client)
    assert "python3 course.py visdom" in errors.lesson_for(error)


def test_a_process_group_started_twice_gets_its_lesson():
    """Notebook 09's: dist.init_process_group called again in a function the ranks call (the group is running)."""
    store = torch.distributed.HashStore()
    torch.distributed.init_process_group("gloo", store=store, rank=0, world_size=1)
    try:
        error = raised(lambda: torch.distributed.init_process_group("gloo", store=store, rank=0, world_size=1))
    finally:
        torch.distributed.destroy_process_group()
    assert "dist.init_process_group runs once per process" in errors.lesson_for(error)


def test_a_rank_that_never_joins_gets_its_lesson():
    """Notebook 09's: init_process_group's wait for the other ranks ends at its timeout (a store's wait, as there)."""
    store = torch.distributed.TCPStore("127.0.0.1", 0, is_master=True, timeout=timedelta(milliseconds=100))
    error = raised(lambda: store.wait(["/default_pg/0//cpu//0/1"]))
    assert "for ranks that never joined" in errors.lesson_for(error)
