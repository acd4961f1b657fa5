"""Timing code fairly on CPUs and GPUs (notebook 01)."""

import time

from utils import device as devices


def seconds_per_call(fn, device, repeats=5, warmup=1):
    """Returns the fastest of `repeats` timings of fn(), in seconds, after `warmup` untimed calls.

    GPUs run asynchronously: a call returns before the GPU has finished. So the device is synchronised
    before each clock reading; without that you would time only how fast work is queued.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, not {repeats}")
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeats):
        devices.synchronize(device)
        start = time.perf_counter()
        fn()
        devices.synchronize(device)
        best = min(best, time.perf_counter() - start)
    return best
