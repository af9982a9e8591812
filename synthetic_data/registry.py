"""Which datasets exist, how each is generated, and the input checks every entry point shares."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from . import auxiliary, cards, census, geography, mno, rides
from .countries import COUNTRIES
from .errors import SyntheticDataError
from .sizes import SIZES

DEFAULT_SEED = 2024
MAX_SEED = 2**32 - 1
# Bump when any generator changes its output: the manifest records it, so labs notice.
# 1.1: faster CDR draws (same model, other numbers). 2.0: mobility from the literature
# (exploration and preferential return, radius of gyration, trips), bursty activity (issue 15).
GENERATOR_VERSION = "2.0.0"


SEED_VARIABLE = "SYNTHETIC_DATA_SEED"


def resolve_seed(seed: int | None) -> int:
    """The seed to use: the one given, else the cohort seed in $SYNTHETIC_DATA_SEED, else the
    public default. The course build sets the variable so lessons show a cohort's numbers."""
    if seed is not None:
        return seed
    value = os.environ.get(SEED_VARIABLE, "").strip()
    if not value:
        return DEFAULT_SEED
    if not value.isdigit() or int(value) > MAX_SEED:
        raise SyntheticDataError(
            f"${SEED_VARIABLE} is {value!r}, not a whole number from 0 to {MAX_SEED}; "
            "set it to a cohort seed such as 7, or unset it for the public data"
        )
    return int(value)


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    title: str
    generator: Callable[[str, str, int], pd.DataFrame]
    geometry: bool = False  # written as GeoPackage
    streamed: bool = False  # too big to hold at size "large": written in chunks, not loaded


def _census(country: str, size: str, seed: int) -> pd.DataFrame:
    return census.census(COUNTRIES[country])


def _districts(country: str, size: str, seed: int) -> pd.DataFrame:
    return geography.districts_frame(COUNTRIES[country])


DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec(
            "census",
            "Modelled census benchmark: population by district, sex and age band",
            _census,
        ),
        DatasetSpec("districts", "District boundaries (schematic)", _districts, geometry=True),
        DatasetSpec("mno_towers", "Mobile network towers", mno.towers),
        DatasetSpec("mno_subscribers", "Mobile network subscribers (SIMs)", mno.subscribers),
        DatasetSpec("mno_cdr", "Call detail records (calls and texts)", mno.cdr, streamed=True),
        DatasetSpec("card_holders", "Payment card holders", cards.card_holders),
        DatasetSpec("card_merchants", "Card-accepting merchants", cards.card_merchants),
        DatasetSpec(
            "card_transactions", "Card transactions", cards.card_transactions, streamed=True
        ),
        DatasetSpec("ride_trips", "Ride-hailing trips", rides.ride_trips),
        DatasetSpec(
            "auxiliary", "Auxiliary public knowledge about a few people", auxiliary.auxiliary
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
        raise SyntheticDataError(
            f"unknown size {size!r}; choose one of: {', '.join(SIZES)} (small for labs, "
            "large for national scale)"
        )
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        raise SyntheticDataError(
            f"the seed must be a whole number from 0 to {MAX_SEED}, got {seed!r}; "
            f"leave it out to use the default {DEFAULT_SEED}"
        )
