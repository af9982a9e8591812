"""Modelled census benchmark: population by district x sex x age band, on official totals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .countries import Country
from .errors import SyntheticDataError
from .planted import AGE_PROFILE, PLANTED

AGE_BANDS: tuple[str, ...] = ("0-14", "15-24", "25-34", "35-44", "45-54", "55-64", "65+")
# Lower edge of each band; the last band is open-ended.
AGE_EDGES: tuple[int, ...] = (0, 15, 25, 35, 45, 55, 65)
SEXES: tuple[str, ...] = ("F", "M")


def age_band(ages):
    """Label ages with ``AGE_BANDS`` (e.g. 23 -> "15-24"); a Series in gives a Series out."""
    values = np.asarray(ages, dtype=float)
    if np.isnan(values).any() or (values < 0).any():
        raise SyntheticDataError(
            "ages must be numbers ≥ 0; drop or fix missing/negative ages first"
        )
    labels = np.asarray(AGE_BANDS, dtype=object)[np.searchsorted(AGE_EDGES, values, "right") - 1]
    if isinstance(ages, pd.Series):
        return pd.Series(labels, index=ages.index, name="age_band", dtype="str")
    return labels


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``weights`` that sum exactly to ``total``."""
    raw = weights / weights.sum() * total
    out = np.floor(raw).astype(np.int64)
    short = total - out.sum()
    # Stable sort so ties break by position, never by platform-dependent float noise.
    out[np.argsort(-(raw - out), kind="stable")[:short]] += 1
    return out


def census_cells(country: Country) -> np.ndarray:
    """Integer populations, shape (district, sex, age band); margins match the fact sheet.

    The census does not depend on the seed: it plays the published benchmark, which a cohort
    seed should not change.
    """
    planted = PLANTED[country.key]
    table = country.district_table()
    pop = table["population"].to_numpy(np.int64)
    base = np.asarray(AGE_PROFILE[country.key], dtype=float)
    base = base / base.sum()

    # Seed table for iterative proportional fitting: urban districts have fewer children and
    # more young adults, and older women outnumber older men everywhere.
    urban = table["district"].isin(planted.urban_districts).to_numpy()
    urban_tilt = np.array([0.8, 1.05, 1.25, 1.2, 1.0, 0.9, 0.8])
    rural_tilt = np.array([1.1, 1.0, 0.9, 0.9, 1.0, 1.05, 1.15])
    age_d = np.where(urban[:, None], urban_tilt, rural_tilt) * base
    sex_a = np.ones((2, len(AGE_BANDS)))
    sex_a[0, -1], sex_a[0, -2] = 1.35, 1.1
    heavy = table["district"].isin(planted.male_heavy_districts).to_numpy()
    sex_d = np.ones((len(pop), 2))
    sex_d[heavy, 1] = 1.3
    cells = age_d[:, None, :] * sex_a[None, :, :] * sex_d[:, :, None]

    female = planted.female_total
    sex_target = np.array([female, country.total_population - female], dtype=float)
    age_target = base * country.total_population
    for _ in range(200):
        cells *= (pop / cells.sum(axis=(1, 2)))[:, None, None]
        cells *= (sex_target / cells.sum(axis=(0, 2)))[None, :, None]
        cells *= (age_target / cells.sum(axis=(0, 1)))[None, None, :]

    # Integer district x sex: round women per district, then fix the national female total by
    # moving single persons where rounding lost most; men are the district remainder.
    women = cells[:, 0, :].sum(axis=1)
    women_int = np.round(women).astype(np.int64)
    gap = female - women_int.sum()
    order = np.argsort(-(women - women_int) * np.sign(gap), kind="stable")
    women_int[order[: abs(gap)]] += np.sign(gap)
    men_int = pop - women_int
    out = np.zeros(cells.shape, dtype=np.int64)
    for d in range(len(pop)):
        out[d, 0] = _largest_remainder(cells[d, 0], women_int[d])
        out[d, 1] = _largest_remainder(cells[d, 1], men_int[d])
    return out


def census(country: Country) -> pd.DataFrame:
    cells = census_cells(country)
    districts = country.district_table()["district"].to_numpy()
    d, s, a = np.meshgrid(
        np.arange(len(districts)), np.arange(2), np.arange(len(AGE_BANDS)), indexing="ij"
    )
    return pd.DataFrame(
        {
            "district": districts[d.ravel()],
            "sex": np.asarray(SEXES)[s.ravel()],
            "age_band": np.asarray(AGE_BANDS)[a.ravel()],
            "population": cells.ravel(),
        }
    )
