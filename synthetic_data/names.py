"""Person names: sampled from Faker's name lists for a locale that fits each country."""

from __future__ import annotations

from functools import cache

import numpy as np
from faker import Faker

# Faker has no Setswana locale; isiZulu (South Africa, a neighbour) is the closest southern
# African list it ships. For Uruguay, Argentine Spanish shares the Rioplatense naming pool.
LOCALES = {"botswana": "zu_ZA", "uruguay": "es_AR"}


@cache
def name_pools(country_key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(female first names, male first names, surnames), read once from Faker's provider."""
    provider = Faker(LOCALES[country_key])
    person = next(
        p for p in provider.providers if type(p).__module__.startswith("faker.providers.person")
    )
    return tuple(
        np.array(sorted(set(getattr(person, attr))), dtype=object)
        for attr in ("first_names_female", "first_names_male", "last_names")
    )


def sample_names(rng: np.random.Generator, country_key: str, female: np.ndarray) -> np.ndarray:
    """One full name per person; vectorised, no Faker call per row."""
    fem, mal, last = name_pools(country_key)
    first = np.where(
        female,
        fem[rng.integers(len(fem), size=len(female))],
        mal[rng.integers(len(mal), size=len(female))],
    )
    surname = last[rng.integers(len(last), size=len(female))]
    return (first + " " + surname).astype(object)
