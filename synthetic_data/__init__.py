"""Synthetic private-sector datasets for Botswana and Uruguay. No real person is in them."""

from .build import build, load
from .countries import COUNTRIES
from .errors import SyntheticDataError
from .registry import DATASETS, DEFAULT_SEED, SIZES

__all__ = ["COUNTRIES", "DATASETS", "DEFAULT_SEED", "SIZES", "SyntheticDataError", "build", "load"]
