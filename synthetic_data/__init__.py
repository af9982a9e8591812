"""Synthetic private-sector datasets for Botswana and Uruguay. No real person is in them."""

from .build import build
from .census import AGE_BANDS, AGE_EDGES, age_band
from .countries import COUNTRIES
from .data_cards import data_card, dataset_title
from .errors import SyntheticDataError
from .ground_truth import ground_truth
from .loading import load
from .maps import plot_country
from .registry import DATASETS, DEFAULT_SEED, GENERATOR_VERSION, SEED_VARIABLE, resolve_seed
from .sizes import SIZES

__version__ = GENERATOR_VERSION

__all__ = [
    "AGE_BANDS",
    "AGE_EDGES",
    "COUNTRIES",
    "DATASETS",
    "DEFAULT_SEED",
    "GENERATOR_VERSION",
    "SEED_VARIABLE",
    "SIZES",
    "SyntheticDataError",
    "age_band",
    "build",
    "data_card",
    "dataset_title",
    "ground_truth",
    "load",
    "plot_country",
    "resolve_seed",
]
