"""The hidden synthetic population: the people behind every dataset (never written out whole).

Subscribers, card holders, riders and the auxiliary "public" facts are all drawn from this one
population, so the same invented person can be linked across datasets, as in real attacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .census import AGE_BANDS, AGE_EDGES, census_cells
from .countries import COUNTRIES
from .geography import sample_in_cells
from .names import sample_names
from .planted import PLANTED
from .rng import stream
from .sizes import SIZES


@dataclass(frozen=True)
class Population:
    district: np.ndarray  # index into the country's district table
    female: np.ndarray  # bool
    age: np.ndarray  # int
    band: np.ndarray  # index into AGE_BANDS
    rural: np.ndarray  # bool
    home: np.ndarray  # (n, 2) lon/lat
    work: np.ndarray  # (n, 2) lon/lat, NaN if not working
    work_district: np.ndarray  # index, -1 if not working
    name: np.ndarray  # str

    def __len__(self) -> int:
        return len(self.age)


@lru_cache(maxsize=8)
def population(country_key: str, size: str, seed: int) -> Population:
    country = COUNTRIES[country_key]
    planted = PLANTED[country_key]
    rng = stream(seed, country_key, size, "population")
    cells = census_cells(country)
    n = SIZES[size].persons or country.total_population
    # A random sample of census cells, so group shares match the census up to sampling noise.
    counts = (
        rng.multinomial(n, cells.ravel() / cells.sum()) if SIZES[size].persons else cells.ravel()
    )
    flat = np.repeat(np.arange(cells.size), counts)
    district, sex, band = np.unravel_index(flat, cells.shape)
    female = sex == 0

    lo = np.asarray(AGE_EDGES)[band]
    width = np.diff([*AGE_EDGES, 200])[band]
    age = lo + np.floor(rng.random(n) * np.minimum(width, 10)).astype(np.int64)
    # Ten-year bands are uniform; 0-14 is 15 years wide; 65+ tails off towards 100.
    age = np.where(band == 0, rng.integers(0, 15, n), age)
    old = band == len(AGE_BANDS) - 1
    age = np.where(old, 65 + np.minimum(rng.exponential(8.0, n), 35).astype(np.int64), age)

    names = country.district_table()["district"].to_numpy()
    urban_d = np.isin(names, planted.urban_districts)
    rural_share = np.where(urban_d, planted.rural_share_urban, planted.rural_share_other)
    rural = rng.random(n) < rural_share[district]
    home = sample_in_cells(rng, country_key, district, np.where(rural, np.inf, 0.04))

    # Work: about 60% of 18-64 year olds in towns, 45% in rural areas; some commute to a hub.
    adult = (age >= 18) & (age <= 64)
    works = adult & (rng.random(n) < np.where(rural, 0.45, 0.62))
    hub_idx = np.flatnonzero(np.isin(names, planted.hubs))
    lonlat = country.district_table()[["lon", "lat"]].to_numpy()
    dist_to_hubs = np.linalg.norm(lonlat[:, None, :] - lonlat[hub_idx][None, :, :], axis=2)
    nearest_hub = hub_idx[dist_to_hubs.argmin(axis=1)]
    commuter_d = (dist_to_hubs.min(axis=1) < 0.8) & ~np.isin(np.arange(len(names)), hub_idx)
    commutes = works & commuter_d[district] & (rng.random(n) < planted.commute_share)
    work_district = np.where(works, np.where(commutes, nearest_hub[district], district), -1)
    work = np.full((n, 2), np.nan)
    work[works] = sample_in_cells(
        rng, country_key, work_district[works], np.full(works.sum(), 0.02)
    )

    return Population(
        district=district,
        female=female,
        age=age,
        band=band,
        rural=rural,
        home=home,
        work=work,
        work_district=work_district,
        name=sample_names(rng, country_key, female),
    )


def ownership_probability(pop: Population, base: float, sex: dict, age: dict, rural: float):
    """Planted probability of owning something (a SIM, a bank card): a product of factors."""
    p = np.full(len(pop), base)
    p *= np.where(pop.female, sex["F"], sex["M"])
    p *= np.asarray([age[b] for b in AGE_BANDS])[pop.band]
    p *= np.where(pop.rural, rural, 1.0)
    return np.clip(p, 0.0, 1.0)
