"""The course's CUDA toggle: turning a DEVICE setting into a torch.device (introduced in notebook 01)."""

import os

import torch

CHOICES = ("auto", "cuda", "mps", "cpu")
ENV_VAR = "COURSE_DEVICE"


def mps_available():
    """Returns True when Apple's Metal (mps) backend can be used by this PyTorch build."""
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def describe_accelerators():
    """Returns one phrase saying which accelerators this PyTorch build can see, for messages."""
    if torch.version.cuda is None:
        cuda = "this PyTorch build has no CUDA support (a CPU-only build)"
    elif torch.cuda.is_available():
        cuda = f"{torch.cuda.device_count()} CUDA GPU(s)"
    else:
        cuda = f"no CUDA GPU is visible (the build supports CUDA {torch.version.cuda})"
    mps = "Apple mps available" if mps_available() else "no Apple mps"
    return f"{cuda}; {mps}"


def choose_device(requested="auto", environ=None, announce=print):
    """Returns the torch.device to run on, and announces it in one line.

    `requested` is one of "auto", "cuda" (or "cuda:N"), "mps", "cpu": the notebook's DEVICE, or what papermill's
    `-p DEVICE ...` set. One order of precedence: a device named there wins; only when it is "auto" does the
    environment variable COURSE_DEVICE, if set, choose (for CI and instructors who run every notebook on one
    device); else "auto" picks cuda, then mps, then cpu. A device that is not available falls back to the CPU
    with one line saying what was found, so a notebook never crashes later because of a missing GPU.
    """
    environ = os.environ if environ is None else environ
    source = "DEVICE"
    if str(requested).strip().lower() == "auto" and environ.get(ENV_VAR, "").strip():
        requested, source = environ[ENV_VAR].strip(), ENV_VAR
    choice = str(requested).strip().lower()
    kind, _, index = choice.partition(":")
    if kind not in CHOICES or (index and (kind != "cuda" or not index.isdigit())):
        raise ValueError(
            f'{source} = "{requested}" is not a device this course knows. Use one of '
            + ", ".join(f'"{c}"' for c in CHOICES)
            + ' (or "cuda:N" for the N-th GPU).'
        )

    if kind == "auto":
        device = torch.device("cuda" if torch.cuda.is_available() else "mps" if mps_available() else "cpu")
    elif kind == "cuda" and not torch.cuda.is_available():
        announce(f'{source} asked for "{choice}", but {describe_accelerators()}: falling back to the CPU.')
        device = torch.device("cpu")
    elif kind == "cuda" and index and int(index) >= torch.cuda.device_count():
        announce(
            f'{source} asked for "{choice}", but only {torch.cuda.device_count()} CUDA GPU(s) exist: '
            "falling back to the CPU."
        )
        device = torch.device("cpu")
    elif kind == "mps" and not mps_available():
        announce(f'{source} asked for "mps", but {describe_accelerators()}: falling back to the CPU.')
        device = torch.device("cpu")
    else:
        device = torch.device(choice)
    announce(f"Device in use: {device}")
    return device


def synchronize(device):
    """Waits until all queued work on `device` has finished (GPUs run asynchronously); returns nothing."""
    kind = torch.device(device).type
    if kind == "cuda":
        torch.cuda.synchronize(device)
    elif kind == "mps":
        torch.mps.synchronize()
