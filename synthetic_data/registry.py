"""Which datasets exist, how each is generated, and the names the rest of the project uses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .countries import COUNTRIES, Country
from .errors import SyntheticDataError

DEFAULT_SEED = 2024
SIZES = {"small": 1.0}


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    title: str
    generator: Callable[[Country, np.random.Generator, str], pd.DataFrame]
    card: str  # the data card, markdown


def _census(country: Country, rng: np.random.Generator, size: str) -> pd.DataFrame:
    # Stub: equal sexes, one age profile; the full generator replaces this.
    bands = ["0-14", "15-34", "35-64", "65+"]
    shares = np.array([0.185, 0.284, 0.376, 0.155])
    rows = []
    for district, population in country.district_table()[["district", "population"]].itertuples(
        index=False
    ):
        cells = np.floor(np.outer([0.5, 0.5], shares) * population).astype(int)
        cells[0, 0] += population - cells.sum()
        for i, sex in enumerate(["F", "M"]):
            rows += [(district, sex, b, int(c)) for b, c in zip(bands, cells[i], strict=True)]
    return pd.DataFrame(rows, columns=["district", "sex", "age_band", "population"])


def _mno_subscribers(country: Country, rng: np.random.Generator, size: str) -> pd.DataFrame:
    n = 2000
    districts = country.district_table()
    p = districts["population"] / districts["population"].sum()
    home = rng.choice(districts["district"].to_numpy(), size=n, p=p.to_numpy())
    sex = np.where(rng.random(n) < 0.46, "F", "M")
    age = rng.integers(15, 80, size=n)
    return pd.DataFrame(
        {
            "sim_id": [f"S{i:06d}" for i in range(n)],
            "age": age,
            "sex": sex,
            "home_district": home,
        }
    )


DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec("census", "Census benchmark by district", _census, "Census population."),
        DatasetSpec(
            "mno_subscribers",
            "Mobile operator subscribers",
            _mno_subscribers,
            "Synthetic subscribers of a mobile network operator.",
        ),
    )
}


def check_args(name: str | None, country: str, size: str, seed: int) -> None:
    if name is not None and name not in DATASETS:
        raise SyntheticDataError(
            f"unknown dataset {name!r}; choose one of: {', '.join(sorted(DATASETS))}"
        )
    if country not in COUNTRIES:
        raise SyntheticDataError(
            f"unknown country {country!r}; choose one of: {', '.join(sorted(COUNTRIES))}"
        )
    if size not in SIZES:
        raise SyntheticDataError(f"unknown size {size!r}; choose one of: {', '.join(SIZES)}")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise SyntheticDataError(f"the seed must be a whole number ≥ 0, got {seed!r}")
