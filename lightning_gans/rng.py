"""Random-number-generator states as checkpoint entries that load with ``torch.load(weights_only=True)``.

An exact resume needs the same random streams as the uninterrupted run: the noise of every discriminator and
generator step comes from torch's global generator (the CUDA one on GPU); numpy and Python's ``random`` are
saved as well for user code. The states are stored as tensors, ints and tuples only (a numpy array would make
the checkpoint need full unpickling).
"""

from __future__ import annotations

import random

import numpy as np
import torch


def collect_rng_states() -> dict:
    """torch (CPU and every CUDA device), numpy and Python RNG states, as weights_only-loadable objects."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    states = {
        "torch": torch.get_rng_state(),
        "numpy": {
            "kind": str(kind),
            "keys": torch.from_numpy(np.asarray(keys, dtype=np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached),
        },
        "python": random.getstate(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states["torch.cuda"] = torch.cuda.get_rng_state_all()
    return states


def restore_rng_states(states: dict) -> None:
    """Inverse of ``collect_rng_states``."""
    torch.set_rng_state(states["torch"])
    numpy_state = states["numpy"]
    np.random.set_state(
        (
            numpy_state["kind"],
            numpy_state["keys"].numpy().astype(np.uint32),
            numpy_state["pos"],
            numpy_state["has_gauss"],
            numpy_state["cached_gaussian"],
        )
    )
    version, internal, gauss_next = states["python"]
    random.setstate((version, tuple(internal), gauss_next))
    if "torch.cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["torch.cuda"])
