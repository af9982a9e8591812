"""Card payments: card holders (with account-ownership bias), merchants and transactions."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from .census import _largest_remainder
from .countries import COUNTRIES
from .geography import sample_in_cells
from .planted import PLANTED
from .population import ownership_probability, population
from .rng import stream
from .sizes import SIZES
from .timeline import timeline

# category: (share of merchants, median amount in pula, essential during a lockdown)
CATEGORIES = {
    "grocery": (0.30, 120.0, True),
    "fuel": (0.10, 300.0, True),
    "pharmacy": (0.08, 90.0, True),
    "restaurant": (0.17, 110.0, False),
    "clothing": (0.12, 350.0, False),
    "electronics": (0.05, 900.0, False),
    "transport": (0.08, 40.0, False),
    "utilities": (0.10, 250.0, True),
}
SHOP_HOURS = {
    "workday": np.array(
        [0] * 7 + [1, 2, 3, 3.5, 4, 5, 4.5, 3.5, 3.5, 4, 5, 5.5, 4.5, 3, 1.5, 0.5, 0]
    ),
    "restday": np.array([0] * 8 + [1, 2.5, 4, 5, 5.5, 5, 4.5, 4, 4, 4, 3.5, 3, 2, 1, 0.3, 0]),
}


@lru_cache(maxsize=8)
def holders_index(country_key: str, size: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(person index of each card holder, planted ownership probability of every person)."""
    planted = PLANTED[country_key]
    pop = population(country_key, size, seed)
    rng = stream(seed, country_key, size, "card_holders")
    p = ownership_probability(
        pop, planted.card_base, planted.card_sex, planted.card_age, planted.card_rural
    )
    holders = np.flatnonzero(rng.random(len(pop)) < p)
    return holders[rng.permutation(len(holders))], p


def card_holders(country_key: str, size: str, seed: int) -> pd.DataFrame:
    pop = population(country_key, size, seed)
    person, _ = holders_index(country_key, size, seed)
    districts = COUNTRIES[country_key].district_table()["district"].to_numpy()
    return pd.DataFrame(
        {
            "card_id": [f"C{i:06d}" for i in range(1, len(person) + 1)],
            "name": pop.name[person],
            "age": pop.age[person],
            "sex": np.where(pop.female[person], "F", "M"),
            "district": districts[pop.district[person]],
        }
    )


@lru_cache(maxsize=8)
def card_merchants(country_key: str, size: str, seed: int) -> pd.DataFrame:
    table = COUNTRIES[country_key].district_table()
    rng = stream(seed, country_key, size, "card_merchants")
    per = _largest_remainder(
        table["population"].to_numpy(float) ** 0.9, SIZES[size].merchants - len(table)
    )
    district = np.repeat(np.arange(len(table)), per + 1)
    names = list(CATEGORIES)
    shares = np.array([CATEGORIES[c][0] for c in names])
    category = np.asarray(names)[
        rng.choice(len(names), size=len(district), p=shares / shares.sum())
    ]
    xy = sample_in_cells(rng, country_key, district, np.full(len(district), 0.03))
    number = pd.Series(district).groupby(district).cumcount().to_numpy() + 1
    dnames = table["district"].to_numpy()[district]
    return pd.DataFrame(
        {
            "merchant_id": [f"M{i:05d}" for i in range(1, len(district) + 1)],
            "merchant_name": [
                f"{d} {c.title()} {k}" for d, c, k in zip(dnames, category, number, strict=True)
            ],
            "category": category,
            "district": dnames,
            "lat": xy[:, 1],
            "lon": xy[:, 0],
        }
    )


def card_transactions(country_key: str, size: str, seed: int) -> pd.DataFrame:
    n = len(holders_index(country_key, size, seed)[0])
    return card_transactions_chunk(country_key, size, seed, 0, n)


@lru_cache(maxsize=8)
def _card_ids(country_key: str, size: str, seed: int) -> np.ndarray:
    n = len(holders_index(country_key, size, seed)[0])
    return np.array([f"C{i:06d}" for i in range(1, n + 1)], dtype=object)


@lru_cache(maxsize=8)
def _merchant_arrays(country_key: str, size: str, seed: int) -> tuple[np.ndarray, ...]:
    merchants = card_merchants(country_key, size, seed)
    names = list(COUNTRIES[country_key].district_table()["district"])
    m_district = merchants["district"].map(names.index).to_numpy()
    by_d = np.argsort(m_district, kind="stable")
    start = np.searchsorted(m_district[by_d], np.arange(len(names) + 1))
    category = merchants["category"].to_numpy()
    essential = np.array([CATEGORIES[c][2] for c in category])
    median = np.array([CATEGORIES[c][1] for c in category])
    return by_d, start, essential, median, merchants["merchant_id"].to_numpy()


def card_transactions_chunk(
    country_key: str, size: str, seed: int, first: int, last: int, id_offset: int = 0
) -> pd.DataFrame:
    """Payments by card holders ``first..last-1``, sorted by time; ids start at ``id_offset + 1``.

    Chunk 0 uses the random stream the whole table used before ``large`` was written in chunks,
    so the one-chunk ``small`` data is unchanged; later chunks have their own streams.
    """
    planted = PLANTED[country_key]
    pop = population(country_key, size, seed)
    person = holders_index(country_key, size, seed)[0][first:last]
    tl = timeline(country_key, size, seed)
    keys = ("card_transactions",) if first == 0 else ("card_transactions", first)
    rng = stream(seed, country_key, size, *keys)
    n_districts = len(COUNTRIES[country_key].district_table())
    by_d, start, m_essential, m_median, merchant_ids = _merchant_arrays(country_key, size, seed)

    rate = SIZES[size].card_tx_per_day * np.exp(rng.normal(-0.18, 0.6, len(person)))
    counts = rng.poisson(rate[:, None] * tl.factor[None, :]).ravel()
    holder, day = np.divmod(np.repeat(np.arange(len(person) * tl.days), counts), tl.days)
    n = len(holder)
    p = person[holder]
    # Shops near home mostly, near work sometimes, anywhere in the country rarely.
    u = rng.random(n)
    work_d = pop.work_district[p]
    target = np.where((u > 0.75) & (u <= 0.9) & (work_d >= 0), work_d, pop.district[p])
    target = np.where(u > 0.97, rng.integers(n_districts, size=n), target)
    count = start[target + 1] - start[target]
    merchant = by_d[start[target] + np.floor(rng.random(n) * count).astype(np.int64)]

    rest = tl.rest[day]
    cdf = np.stack([np.cumsum(SHOP_HOURS[k]) / SHOP_HOURS[k].sum() for k in ("workday", "restday")])
    hour = (cdf[rest.astype(np.int64)] < rng.random(n)[:, None]).sum(axis=1)
    seconds = day * 86_400 + hour * 3_600 + rng.integers(3_600, size=n)

    essential = m_essential[merchant]
    median = m_median[merchant] * planted.price_scale
    amount = np.round(median * np.exp(rng.normal(0, 0.6, n)), 2)
    # Lockdown: non-essential shops in the district are closed, so those payments never happen.
    keep = ~(tl.lockdown_days[day] & (target == tl.lockdown_district) & ~essential)
    order = np.lexsort((holder[keep], seconds[keep]))
    card_ids = _card_ids(country_key, size, seed)[first:last]
    return pd.DataFrame(
        {
            "transaction_id": [
                f"T{i:07d}" for i in range(id_offset + 1, id_offset + keep.sum() + 1)
            ],
            "card_id": card_ids[holder[keep][order]],
            "merchant_id": merchant_ids[merchant[keep][order]],
            "timestamp": tl.start.astype("datetime64[s]")
            + seconds[keep][order].astype("timedelta64[s]"),
            "amount": amount[keep][order],
            "currency": planted.currency,
        }
    )
