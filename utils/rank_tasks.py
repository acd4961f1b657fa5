"""The course's side of notebook 09's checks, run inside each rank of a torchrun job.

    torchrun --standalone --nproc_per_node=2 -m utils.rank_tasks gradients OUT BACKEND average.py
    torchrun --standalone --nproc_per_node=2 -m utils.rank_tasks ddp OUT BACKEND train_ddp.py

Each rank joins the process group (with a timeout: a rank left waiting for the others ends with an error instead
of hanging), builds the running example (the two-layer net and its data, the same on every rank: drawn from one
seed), imports the student's module from its file, calls the student's function, and saves what it holds then
into OUT, `<module>.rank<r>.pt`, for utils/distributed_checks.py to compare in the notebook. An error raised by the
student's code is saved instead (its type, its message, the line of the student's file, the course's lesson), and
the rank exits with status 1. Several files may follow each other in one job (the tests check many answers so).
Nothing here is an exercise's answer: the student's functions do the distributed work.
"""

import importlib.util
import os
import sys
import traceback
from datetime import timedelta
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import TensorDataset

from utils import errors

N, D_IN, H, D_OUT = 64, 1000, 100, 10  # the running example
SEED = 0
EPOCHS, BATCH_SIZE, LEARNING_RATE, ORDER_SEED = 2, 8, 0.05, 7  # notebook 09's DDP exercise: 8 items per rank
PG_TIMEOUT = timedelta(seconds=60)  # how long a rank waits for the others in a collective before it gives up


def running_example(seed=SEED, dtype=torch.float64):
    """Returns x (N, D_in), y (N, D_out) and the two-layer net, drawn from `seed`: the same in every process.

    The global random generator is left as it was (the model is drawn inside torch.random.fork_rng).
    """
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(N, D_IN, generator=g, dtype=dtype)
    y = torch.randn(N, D_OUT, generator=g, dtype=dtype)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Linear(D_IN, H), nn.ReLU(), nn.Linear(H, D_OUT)).to(dtype)
    return x, y, model


def indexed_dataset(x, y):
    """Returns a TensorDataset whose items are (index, x[index], y[index]): a batch says which items it holds."""
    return TensorDataset(torch.arange(len(x), device=x.device), x, y)


def load_student_module(path):
    """Returns the module in the file `path`, imported under a name of its own (its code runs now)."""
    path = Path(path)
    spec = importlib.util.spec_from_file_location(f"student_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def error_record(error, student_file):
    """Returns a dict describing `error`: type, message, the student's file line where it happened, the lesson."""
    where = ""
    if isinstance(error, SyntaxError) and error.filename == str(student_file):
        where = f"line {error.lineno}: {(error.text or '').strip()}"
    else:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == str(student_file)]
        if frames:
            where = f"line {frames[-1].lineno}: {frames[-1].line}"
    return {
        "type": type(error).__name__,
        "message": str(error),
        "where": where,
        "lesson": errors.lesson_for(error),
    }


def _rows(batches, x):
    """Returns the indexes of the rows of x that the model saw (each batch matched row by row), in order."""
    seen = []
    for batch in batches:
        if batch.dim() != 2 or batch.shape[1] != x.shape[1]:
            seen.append([-1] * len(batch))
            continue
        same = (batch[:, None, :] == x[None, :, :]).all(dim=2)
        seen.append([int(row.nonzero()[0]) if row.any() else -1 for row in same])
    return [i for batch in seen for i in batch]


def gradients_task(student, device):
    """Exercise 1: data_parallel_gradients(model, x, y) on this rank; returns what the check compares."""
    x, y, model = running_example()
    x, y, model = x.to(device), y.to(device), model.to(device)
    inputs = []
    model.register_forward_pre_hook(lambda module, args: inputs.append(args[0].detach()))
    before = [p.detach().clone() for p in model.parameters()]
    student.data_parallel_gradients(model, x, y)
    return {
        "rows": _rows(inputs, x),
        "grads": [None if p.grad is None else p.grad.detach().cpu() for p in model.parameters()],
        "weights_changed": any(not torch.equal(a, p.detach()) for a, p in zip(before, model.parameters())),
    }


def ddp_task(student, device):
    """Exercise 3: train(model, dataset, epochs, batch_size, learning_rate, seed); returns the weights and batches."""
    x, y, model = running_example()
    dataset = indexed_dataset(x.to(device), y.to(device))
    model = model.to(device)
    seen = student.train(model, dataset, EPOCHS, BATCH_SIZE, LEARNING_RATE, ORDER_SEED)
    try:
        batches = [[int(i) for i in batch] for batch in seen]
    except (TypeError, ValueError, RuntimeError):
        batches = None  # not a list of index batches: the check says so
    return {
        "seen": batches,
        "seen_type": describe(seen),
        "state": {k: v.detach().cpu() for k, v in model.state_dict().items()},
    }


def describe(value):
    """Returns what `value` is, in type notation that needs no translation: "NoneType", "list[Tensor[8, 1000]]", ..."""
    if isinstance(value, torch.Tensor):
        return f"Tensor[{', '.join(map(str, value.shape))}]"
    if isinstance(value, (list, tuple)) and value:
        return f"{type(value).__name__}[{describe(value[0])}]"
    return type(value).__name__


TASKS = {"gradients": gradients_task, "ddp": ddp_task}


def main(argv):
    task, out, backend, *files = argv
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if backend == "nccl":
        torch.cuda.set_device(local_rank)  # one GPU per process
    device = torch.device("cuda", local_rank) if backend == "nccl" else torch.device("cpu")
    dist.init_process_group(backend, timeout=PG_TIMEOUT)
    rank, failed = dist.get_rank(), False
    for number, student_file in enumerate(files):
        try:
            student = load_student_module(student_file)
            result = TASKS[task](student, device)
        except Exception as error:
            result, failed = {"error": error_record(error, student_file)}, True
        result["world_size"] = dist.get_world_size()
        torch.save(result, Path(out) / f"{Path(student_file).stem}.rank{rank}.pt")
        if failed and number == len(files) - 1:
            sys.exit(1)  # torchrun then stops the other ranks, which may be waiting for this one
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1:])
