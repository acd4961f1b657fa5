"""Seeding random number generators visibly, so a notebook's numbers repeat run after run (notebook 01)."""

import random

import numpy as np
import torch


def seed_all(seed):
    """Returns a new CPU torch.Generator seeded with `seed`, after seeding Python's, NumPy's and torch's global ones.

    Draw random data from the returned generator on the CPU and then move it to the device: the numbers
    are then the same whatever device the notebook runs on.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative whole number, not {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return torch.Generator().manual_seed(seed)
