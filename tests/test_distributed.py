"""Notebook 09's jobs end cleanly, never hang (utils/launch.py): each bad situation ends with one clear message, soon.

Real torchrun jobs of two ranks with the gloo backend, on this machine's CPU: a busy rendezvous port, a rank that
crashes, a rank stuck in a collective (the process group's timeout), a rank that never joins (init_process_group's
timeout), a rank killed by a signal, a job past its own time limit, and a backend missing from the build. Each case
takes well under 30 s even on a loaded 2-core machine (a job of two ranks starts in 3 to 10 s there).
"""

import os
import socket
import textwrap
import time

import pytest
import torch
import torch.distributed as dist

from utils import launch

WORKER = """
import os, signal, sys, time
from datetime import timedelta
import torch
import torch.distributed as dist

case = sys.argv[1]
rank = int(os.environ["RANK"])
if case == "never joins" and rank == 1:
    time.sleep(60)  # never reaches init_process_group
dist.init_process_group("gloo", timeout=timedelta(seconds=3))
value = torch.tensor([rank + 1.0])
if case == "ok":
    time.sleep(1.0 if rank == 0 else 0.0)  # rank 1 prints first
    dist.all_reduce(value)
    print(f"rank {rank}: {value.item():g}")
elif case == "crash" and rank == 1:
    raise RuntimeError("rank 1 breaks on purpose")
elif case == "stuck":
    if rank == 0:
        dist.all_reduce(value)  # rank 1 never makes this call
    else:
        time.sleep(60)
elif case == "killed" and rank == 1:
    os.kill(os.getpid(), signal.SIGKILL)
elif case == "forever":
    print(f"rank {rank} pid {os.getpid()}", flush=True)
    time.sleep(600)
else:
    dist.all_reduce(value)
dist.destroy_process_group()
"""


@pytest.fixture(scope="module")
def worker(tmp_path_factory):
    path = tmp_path_factory.mktemp("ranks") / "worker.py"
    path.write_text(textwrap.dedent(WORKER))
    return path


def run(worker, case, timeout=60, **options):
    """Returns (what launch.torchrun returned or the LaunchError it raised, seconds) for a 2-rank job of `case`."""
    started = time.perf_counter()
    try:
        result = launch.torchrun(["torchrun", "--standalone", "--nproc_per_node=2", worker, case], timeout, **options)
    except launch.LaunchError as error:
        result = error
    return result, time.perf_counter() - started


def test_the_ranks_output_comes_back_in_rank_order(worker, capsys):
    ranks, _ = run(worker, "ok")
    assert isinstance(ranks, launch.Ranks) and ranks.returncode == 0 and not ranks.failure
    assert ranks.outputs == {0: "rank 0: 3\n", 1: "rank 1: 3\n"}
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("$ torchrun --standalone --nproc_per_node=2 ") and printed[0].endswith(" ok")
    assert printed[1:] == ["[rank 0] rank 0: 3", "[rank 1] rank 1: 3"], "rank 0 first, though rank 1 printed first"


def test_a_busy_rendezvous_port_is_refused_at_once_with_the_fix(worker):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        started = time.perf_counter()
        command = ["torchrun", "--nnodes=1", "--rdzv-backend=c10d", f"--rdzv-endpoint=127.0.0.1:{port}", worker, "ok"]
        with pytest.raises(launch.LaunchError) as info:
            launch.torchrun(command, timeout=30)
    assert time.perf_counter() - started < 1, "refused before any process starts"
    message = str(info.value)
    assert f"The rendezvous port 127.0.0.1:{port} is busy" in message and "launch.free_port()" in message
    assert "--standalone" in message


def test_the_rendezvous_form_works_on_a_free_port(worker):
    port = launch.free_port()
    command = ["torchrun", "--nnodes=1", "--node-rank=0", "--rdzv-backend=c10d", f"--rdzv-endpoint=127.0.0.1:{port}"]
    ranks = launch.torchrun([*command, "--nproc_per_node=2", worker, "ok"], timeout=60, show=False)
    assert ranks.outputs == {0: "rank 0: 3\n", 1: "rank 1: 3\n"}


def test_a_rank_that_crashes_is_named_with_its_error(worker):
    error, seconds = run(worker, "crash")
    assert isinstance(error, launch.LaunchError), "the job must fail"
    message = str(error)
    assert message.startswith("The torchrun job failed: rank 1 failed: RuntimeError: rank 1 breaks on purpose")
    assert seconds < 30


def test_a_rank_stuck_in_a_collective_ends_with_the_process_groups_timeout(worker):
    error, seconds = run(worker, "stuck")
    message = str(error)
    assert "rank 0 failed: " in message and "Timed out waiting 3000ms" in message, message
    assert "a collective inside `if rank == 0:` is the classic cause" in message, "the course's lesson"
    assert seconds < 30


def test_a_rank_that_never_joins_ends_with_init_process_groups_timeout(worker):
    error, seconds = run(worker, "never joins")
    message = str(error)
    assert isinstance(error, launch.LaunchError) and "rank 0 failed: " in message, message
    assert "DistStoreError: wait timeout after 3000ms" in message and "for ranks that never joined" in message
    assert seconds < 30


def test_a_rank_killed_by_a_signal_is_named(worker):
    error, seconds = run(worker, "killed")
    message = str(error)
    assert "rank 1 was stopped by SIGKILL" in message and "out of memory" in message, message
    assert seconds < 30


def processes_running(path):
    """Returns the pids of the processes whose command line names `path` (Linux: read from /proc)."""
    pids = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if str(path).encode() in f.read():
                    pids.append(int(entry))
        except (OSError, ValueError):
            continue
    return pids


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads the processes from /proc")
def test_a_job_past_its_time_is_stopped_with_every_process(worker):
    error, seconds = run(worker, "forever", timeout=12, show=False)
    message = str(error)
    assert message.startswith("The job did not finish within 12 s, so it was stopped (every rank with it).")
    assert "Hint: a rank waits for the others" in message
    assert seconds < 25
    time.sleep(0.5)
    assert processes_running(worker) == [], "torchrun and both ranks are gone"


@pytest.mark.skipif(dist.is_nccl_available(), reason="this build has NCCL: it is not missing here")
def test_a_backend_missing_from_the_build_is_refused_before_starting(worker):
    with pytest.raises(launch.LaunchError, match="The backend 'nccl' is not available in this PyTorch build") as info:
        launch.check_backend("nccl")
    assert "use gloo" in str(info.value)


def test_a_build_without_gloo_is_refused_with_the_fix(monkeypatch):
    """Simulated: this build has gloo, so is_backend_available answers as a build without it would."""
    monkeypatch.setattr(dist, "is_backend_available", lambda backend: backend != "gloo")
    with pytest.raises(launch.LaunchError, match="'gloo' is not available") as info:
        launch.check_backend("gloo")
    assert "install the standard build from pytorch.org" in str(info.value)


@pytest.mark.skipif(dist.is_nccl_available(), reason="this build has NCCL: it is not missing here")
def test_a_rank_asking_for_a_missing_backend_fails_with_the_lesson(tmp_path):
    """Past the launcher's own check (a script of one's own): each rank's init_process_group fails, and says why."""
    script = tmp_path / "nccl_worker.py"
    script.write_text("import torch.distributed as dist\ndist.init_process_group('nccl')\n")
    started = time.perf_counter()
    with pytest.raises(launch.LaunchError) as info:
        launch.torchrun(["torchrun", "--standalone", "--nproc_per_node=2", script], timeout=60, show=False)
    message = str(info.value)
    assert "failed: RuntimeError: Distributed package doesn't have NCCL built in" in message
    assert 'backend = "nccl" if device.type == "cuda" else "gloo"' in message
    assert time.perf_counter() - started < 30


def test_the_command_must_be_torchrun():
    with pytest.raises(ValueError, match="starts with torchrun"):
        launch.torchrun(["python", "worker.py"])


def test_the_ranks_import_the_course_from_anywhere(tmp_path):
    """On Colab the kernel finds utils through sys.path, which child processes do not inherit: PYTHONPATH does it."""
    script = tmp_path / "imports.py"
    script.write_text("import utils.checks\nprint('ok')\n")
    ranks = launch.torchrun(
        ["torchrun", "--standalone", "--nproc_per_node=1", script], timeout=60, show=False, cwd=tmp_path
    )
    assert ranks.outputs == {0: "ok\n"}
    assert torch.__version__  # the same PyTorch in the ranks (launched with the kernel's own Python)
