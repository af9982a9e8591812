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


GRID_BITS = 16  # categorical draws use a 1/65,536 probability grid: exact enough, much faster


def inverse_cdf_table(weights: np.ndarray) -> np.ndarray:
    """A lookup table from a 16-bit uniform draw to a category with the given weights.

    Category ``i`` gets ``round(65,536 * p_i)`` table entries (within one), so a draw through it
    is within 1/65,536 of the exact probability; a table lookup is several times faster than a
    binary search per event.
    """
    cdf = np.cumsum(weights) / np.sum(weights)
    grid = (np.arange(1 << GRID_BITS) + 0.5) / (1 << GRID_BITS)
    found = np.minimum(np.searchsorted(cdf, grid, side="right"), len(cdf) - 1)
    return found.astype(np.min_scalar_type(len(cdf) - 1))


def draw_categorical(
    rng: np.random.Generator, table: np.ndarray, n: int, row: np.ndarray | None = None
) -> np.ndarray:
    """``n`` draws through ``table``; with several tables stacked (``table.shape == (r, 65536)``),
    ``row`` picks the table for each draw."""
    u = rng.integers(0, 1 << GRID_BITS, size=n, dtype=np.uint32)
    if row is not None:
        u |= row.astype(np.uint32) << GRID_BITS
    return table.ravel()[u]
