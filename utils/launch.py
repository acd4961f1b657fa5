"""Runs torchrun from a notebook, bounded in time, and shows what each rank printed, in rank order (notebook 09).

    ranks = launch.torchrun(["torchrun", "--standalone", "--nproc_per_node=2", "hello.py", "gloo"])

`torchrun` is PyTorch's launcher: it starts `--nproc_per_node` processes of the script, sets RANK, WORLD_SIZE,
LOCAL_RANK, MASTER_ADDR and MASTER_PORT in each, and waits for them all. This helper runs that very command with the
kernel's own Python (`python -m torch.distributed.run`, which is what the `torchrun` command runs), with two more
flags, `--log-dir` and `--redirects=3`, so that each rank writes into a file of its own: it prints the files rank
after rank, whatever order the processes wrote in. It never waits forever, and it turns the classic failures into
one LaunchError that says what happened and what to do:
- a rendezvous port that something else already uses (checked before anything starts: torchrun would hang there);
- a rank that raised an error, or was killed (its error's last line, and the course's lesson for it);
- a backend this PyTorch build lacks (nccl without CUDA, or a build without gloo);
- a job still running after `timeout` seconds (then every process of it is stopped).
"""

import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch.distributed as dist

from utils import checks, errors, ports

COURSE_ROOT = Path(__file__).resolve().parent.parent  # the folder that holds utils/: the ranks import from it
DEFAULT_TIMEOUT = 120  # seconds for one job, start-up included: a busy 2-core machine needs ~20 s for 2 ranks
RANK_PREFIX = re.compile(r"^\[rank\d+\]: ?", re.M)  # torch prefixes a rank's error lines with it
SECONDARY = re.compile(r"Connection closed by peer|Connection reset by peer|Timed out waiting|Broken pipe")
ERROR_LINE = re.compile(r"^(?:[\w.]+\.)?(?P<name>[A-Z]\w*(?:Error|Exception|Interrupt|Exit)\w*)(?::\s?(?P<text>.*))?$")


class LaunchError(checks.CheckFailed):
    """A torchrun job failed or could not start; the message says why and what to do (shown without frames)."""

    def _render_traceback_(self):
        lines = str(self).splitlines() or [""]
        return [f"LaunchError: {lines[0]}", *lines[1:]]


@dataclass
class Ranks:
    """What a torchrun job left: `returncode`, `outputs` (rank -> what it printed), `seconds`, `failure` (a
    message, "" when every rank succeeded) and `launcher` (torchrun's own output)."""

    returncode: int
    outputs: dict = field(default_factory=dict)
    seconds: float = 0.0
    failure: str = ""
    launcher: str = ""


def work_folder():
    """Returns a new empty temporary folder (a Path) for a notebook's worker scripts and the ranks' results."""
    return Path(tempfile.mkdtemp())


free_port = ports.free_port  # a port of 127.0.0.1 free right now: for torchrun's --rdzv-endpoint


def _option(command, name):
    """Returns the value of torchrun's option `name` (either spelling, `=value` or a separate word), or None."""
    names = {name, name.replace("-", "_")}
    for i, word in enumerate(command):
        key, eq, value = word.partition("=")
        if key in names:
            return value if eq else (command[i + 1] if i + 1 < len(command) else None)
    return None


def check_backend(backend):
    """Returns None when this PyTorch build has the process-group `backend` ("gloo", "nccl"); else a LaunchError."""
    if not dist.is_available():
        raise LaunchError(
            "This PyTorch build has no torch.distributed at all, so no process group can start.\n"
            "Hint: install the standard build from pytorch.org (pip install torch): it includes gloo on Linux, "
            "macOS and Windows."
        )
    if not dist.is_backend_available(backend):
        fix = (
            "nccl needs CUDA GPUs on Linux: on a CPU (or macOS, Windows) use gloo"
            if backend == "nccl"
            else f"{backend} is missing from this PyTorch build: install the standard build from pytorch.org, "
            "whose gloo runs on every CPU"
        )
        raise LaunchError(f"The backend {backend!r} is not available in this PyTorch build.\nHint: {fix}.")


def _check_rendezvous_port(command):
    endpoint = _option(command, "--rdzv-endpoint")
    if not endpoint or "--standalone" in command:
        return
    host, _, port = endpoint.rpartition(":")
    if host in ("127.0.0.1", "localhost", "") and port.isdigit() and int(port) > 0:
        if not ports.port_is_free(int(port)):
            raise LaunchError(
                f"The rendezvous port {endpoint} is busy: another job (or another program) already listens there, "
                "and torchrun would wait for it forever.\n"
                "Hint: pick a free port for --rdzv-endpoint (launch.free_port() finds one), or use --standalone on "
                "one machine: it picks a free port itself."
            )


def _environment():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(COURSE_ROOT), env.get("PYTHONPATH", "")) if p)
    env.setdefault("OMP_NUM_THREADS", "1")  # torchrun's own default, set here so that it does not warn about it
    env["PYTHONUNBUFFERED"] = "1"  # a rank killed half-way still leaves what it printed
    return env


def _stop(process):
    """Stops `process` and every process it started (they share its session), SIGTERM first, then SIGKILL."""
    if sys.platform == "win32":
        subprocess.run(["taskkill", "/T", "/F", "/PID", str(process.pid)], capture_output=True, check=False)
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):  # SIGTERM lets torchrun stop its ranks; SIGKILL ends what is left
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            continue


def _rank_outputs(log_dir):
    """Returns {local rank: its stdout then stderr} from torchrun's --log-dir (the last attempt's files)."""
    outputs = {}
    folders = [p for p in Path(log_dir).glob("*/attempt_*/*") if p.is_dir() and p.name.isdigit()]
    for folder in sorted(folders, key=lambda p: (p.parent.name, int(p.name))):
        files = [folder / name for name in ("stdout.log", "stderr.log")]
        text = "".join(f.read_text(errors="replace") for f in files if f.is_file())
        outputs[int(folder.name)] = RANK_PREFIX.sub("", text)  # ours, [rank 0], replaces torch's [rank0]:
    return dict(sorted(outputs.items()))


def error_of(text):
    """Returns the last error line ("RuntimeError: ...") of a traceback in `text`, or "" if it holds none."""
    if "Traceback (most recent call last)" not in text:
        return ""
    lines = text.split("Traceback (most recent call last)")[-1].splitlines()
    found = [line.strip() for line in lines if not line.startswith(" ") and ERROR_LINE.match(line.strip())]
    return found[-1] if found else ""


def _exit_codes(launcher_text):
    """Returns {rank: exit code} from torchrun's failure summary."""
    return {int(r): int(c) for r, c in re.findall(r"rank\s*:\s*(\d+).*?\n\s*exitcode\s*:\s*(-?\d+)", launcher_text)}


def _lesson(line):
    match = ERROR_LINE.match(line)
    if not match:
        return ""
    kind = type(match["name"], (Exception,), {})  # an exception of that name, for the course's lessons
    return errors.lesson_for(kind(match["text"] or ""))


def _signal_name(code):
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


def describe_failure(outputs, launcher_text, returncode):
    """Returns one message for a failed job: which rank failed first and how, its lesson, and what the others did.

    A rank's own error comes first; then a rank killed by a signal; errors that only say a peer went away (gloo's
    "Connection closed by peer", a collective's timeout) come last: they are what the other ranks see.
    """
    failed = {rank: error_of(text) for rank, text in outputs.items() if error_of(text)}
    codes = _exit_codes(launcher_text)
    root = re.search(r"Root Cause.*?rank\s*:\s*(\d+)", launcher_text, re.S)
    first = int(root[1]) if root else None
    primary = [r for r, line in failed.items() if not SECONDARY.search(line)]
    killed = [r for r, code in codes.items() if code < 0 and code != -signal.SIGTERM and r not in failed]
    if primary or (failed and not killed):
        rank = min(primary or failed, key=lambda r: (r != first, r))
        lesson = _lesson(failed[rank])
        message = f"rank {rank} failed: {failed[rank]}"
        others = [r for r in failed if r != rank]
        if others:
            message += f"\n(then rank(s) {', '.join(map(str, others))} failed too: {failed[others[0]]})"
        return message + (f"\nHint: {lesson}" if lesson else "")
    if killed:
        rank = min(killed, key=lambda r: (r != first, r))
        last = (outputs.get(rank, "").strip().splitlines() or ["(nothing)"])[-1]
        return (
            f"rank {rank} was stopped by {_signal_name(codes[rank])} before it could report an error (its last "
            f"line: {last}).\nHint: SIGKILL often means the machine ran out of memory, SIGSEGV a crash inside a "
            "library."
        )
    launcher_line = error_of(launcher_text)
    if "The connection to the C10d store has failed" in launcher_text:
        return (
            f"torchrun could not reach its rendezvous: {launcher_line}\n"
            "Hint: the --rdzv-endpoint port may be busy or blocked: pick a free one, or use --standalone."
        )
    if codes:
        rank = first if first in codes else min(codes)
        code = codes[rank]
        last = (outputs.get(rank, "").strip().splitlines() or ["(nothing)"])[-1]
        if code < 0:
            message = (
                f"rank {rank} was stopped by {_signal_name(code)} before it could report an error (its last line: "
                f"{last})."
            )
        else:
            message = (
                f"rank {rank} ended with exit code {code} before it could report an error (its last line: {last})."
            )
        if all(c < 0 for c in codes.values()) and launcher_line:
            message += f"\ntorchrun itself said: {launcher_line}"  # a line of its own, for the translations
        return message + (
            "\nHint: SIGKILL often means the machine ran out of memory, SIGSEGV a crash inside a library, and "
            "SIGTERM that torchrun (or something else) stopped the job."
        )
    tail = " | ".join(launcher_text.strip().splitlines()[-3:])
    return f"torchrun ended with exit code {returncode}: {launcher_line or tail or 'no message'}"


def _display(command):
    return " ".join(shlex.quote(str(word)) for word in command)


def torchrun(command, timeout=DEFAULT_TIMEOUT, show=True, check=True, cwd=None):
    """Returns the job's Ranks after running `command`, a torchrun command line as a list of words.

    Prints the command and then each rank's output, rank 0 first (`show=False`: nothing). On failure, raises
    LaunchError with the reason (`check=False`: returns the Ranks with `failure` set instead). A job still running
    after `timeout` seconds is stopped, all its processes with it, and raises LaunchError in both cases.
    """
    command = [str(word) for word in command]
    if not command or Path(command[0]).name != "torchrun":
        raise ValueError(f"the command starts with torchrun, not {command[:1]}")
    _check_rendezvous_port(command)
    if show:
        print(f"$ {_display(command)}")
    with tempfile.TemporaryDirectory() as log_dir:
        full = [sys.executable, "-m", "torch.distributed.run", f"--log-dir={log_dir}", "--redirects=3", *command[1:]]
        started = time.perf_counter()
        process = subprocess.Popen(
            full,
            cwd=cwd,
            env=_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=sys.platform != "win32",
        )
        try:
            launcher_text, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop(process)
            launcher_text = process.communicate()[0] if process.stdout else ""
            outputs = _rank_outputs(log_dir)
            last = {r: (t.strip().splitlines() or ["(nothing)"])[-1] for r, t in outputs.items()}
            raise LaunchError(
                f"The job did not finish within {timeout} s, so it was stopped (every rank with it).\n"
                + "".join(f"  rank {r} last printed: {line}\n" for r, line in last.items())
                + "Hint: a rank waits for the others when they do not all make the same collective calls (an "
                "all_reduce on one rank only), or when one is much slower; the process group's timeout (its "
                "`timeout=timedelta(...)`) ends such a wait with an error."
            ) from None
        ranks = Ranks(process.returncode, _rank_outputs(log_dir), time.perf_counter() - started, "", launcher_text)
    if show:
        for rank, text in ranks.outputs.items():
            for line in text.rstrip("\n").splitlines():
                print(f"[rank {rank}] {line}")
    if ranks.returncode != 0:
        ranks.failure = describe_failure(ranks.outputs, launcher_text, ranks.returncode)
        if check:
            raise LaunchError(f"The torchrun job failed: {ranks.failure}")
    return ranks
