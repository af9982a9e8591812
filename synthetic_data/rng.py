"""Independent, reproducible random streams: one per (seed, country, dataset, part)."""

from __future__ import annotations

import hashlib

import numpy as np


def _word(key: str) -> int:
    # A stable 32-bit number per name; Python's hash() is salted per process, so it cannot be used.
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "little")


def stream(seed: int, *keys: str | int) -> np.random.Generator:
    """A generator that depends only on ``seed`` and ``keys``, never on call order."""
    words = [seed] + [k if isinstance(k, int) else _word(k) for k in keys]
    return np.random.default_rng(np.random.SeedSequence(words))
