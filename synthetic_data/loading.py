"""Generate one dataset in memory (``load``); small tables are cached per process."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from .errors import SyntheticDataError
from .registry import DATASETS, check_args, resolve_seed


@lru_cache(maxsize=64)
def _generate(name: str, country: str, size: str, seed: int) -> pd.DataFrame:
    return DATASETS[name].generator(country, size, seed)


def load(
    name: str, country: str = "botswana", size: str = "small", seed: int | None = None
) -> pd.DataFrame:
    """Return one synthetic dataset as a DataFrame (a fresh copy: callers may modify it).

    ``districts`` is a GeoDataFrame. The same arguments always give the same data.
    """
    seed = resolve_seed(seed)
    check_args(name, country, size, seed)
    if size != "small" and DATASETS[name].streamed:
        raise SyntheticDataError(
            f"{name!r} at size {size!r} is too big to load into memory; write it to disk with "
            f"`python -m synthetic_data build --size {size} --only {name} --out DIR` and read "
            "the Parquet file in pieces"
        )
    if size != "small":
        # National-scale tables are not cached: several held at once would exhaust memory.
        return DATASETS[name].generator(country, size, seed)
    return _generate(name, country, size, seed).copy()
