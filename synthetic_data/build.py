"""Generate datasets in memory (``load``) or write them to a folder with a manifest (``build``)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .countries import COUNTRIES
from .errors import SyntheticDataError
from .registry import DATASETS, DEFAULT_SEED, check_args


def _rng(name: str, country: str, seed: int) -> np.random.Generator:
    # One independent stream per (dataset, country), so adding a dataset never reshuffles another.
    key = [seed, *name.encode(), 0, *country.encode()]
    return np.random.default_rng(np.random.SeedSequence(key))


@lru_cache(maxsize=64)
def _generate(name: str, country: str, size: str, seed: int) -> pd.DataFrame:
    return DATASETS[name].generator(COUNTRIES[country], _rng(name, country, seed), size)


def load(
    name: str, country: str = "botswana", size: str = "small", seed: int | None = None
) -> pd.DataFrame:
    """Return one synthetic dataset as a DataFrame (a fresh copy: callers may modify it)."""
    seed = DEFAULT_SEED if seed is None else seed
    check_args(name, country, size, seed)
    return _generate(name, country, size, seed).copy()


def build(
    out: str | os.PathLike,
    country: str = "botswana",
    size: str = "small",
    seed: int | None = None,
    names: list[str] | None = None,
) -> dict:
    """Write datasets, their data cards and ``manifest.json`` into ``out``; return the manifest.

    Files are written into a temporary sibling folder first and moved into place at the end,
    so an interrupted build never leaves a folder that looks complete.
    """
    seed = DEFAULT_SEED if seed is None else seed
    names = sorted(DATASETS) if names is None else names
    for name in names:
        check_args(name, country, size, seed)
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    except OSError as exc:
        raise SyntheticDataError(
            f"cannot write to {out.parent}: {exc.strerror}; choose a folder you can write to"
        ) from exc
    try:
        files = {}
        for name in names:
            frame = load(name, country, size, seed)
            path = staging / f"{name}.csv"
            frame.to_csv(path, index=False, lineterminator="\n")
            (staging / f"{name}.md").write_text(DATASETS[name].card + "\n", encoding="utf-8")
            files[path.name] = {
                "rows": len(frame),
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            }
        manifest = {"country": country, "size": size, "seed": seed, "files": files}
        (staging / "manifest.json").write_text(
            json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest
