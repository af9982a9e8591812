"""Ride-hailing trips in the main cities: riders' homes show up as trip ends."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from .countries import COUNTRIES
from .geography import km_between, sample_in_cells
from .planted import PLANTED
from .population import population
from .rng import stream
from .sizes import SIZES
from .timeline import timeline

RIDE_HOURS = {
    "workday": np.array(
        [
            0.3,
            0.2,
            0.1,
            0.1,
            0.2,
            0.5,
            2,
            4.5,
            5,
            3,
            2,
            2,
            2.5,
            2.5,
            2,
            2.5,
            3.5,
            5,
            5.5,
            4,
            3,
            2.5,
            1.5,
            0.8,
        ]
    ),
    "restday": np.array(
        [
            1.5,
            1.5,
            1,
            0.6,
            0.3,
            0.3,
            0.5,
            1,
            1.5,
            2,
            2.5,
            3,
            3.5,
            3.5,
            3,
            3,
            3,
            3.5,
            4,
            4.5,
            4.5,
            4,
            3,
            2,
        ]
    ),
}
# Fare = base + per km + per minute, in pula; scaled to local currency.
FARE = (10.0, 6.0, 0.5)


@lru_cache(maxsize=8)
def rider_index(country_key: str, size: str, seed: int) -> np.ndarray:
    """Person index of each rider: town dwellers of the ride cities, mostly young adults."""
    planted = PLANTED[country_key]
    pop = population(country_key, size, seed)
    rng = stream(seed, country_key, size, "ride_riders")
    names = list(COUNTRIES[country_key].district_table()["district"])
    cities = [names.index(c) for c in planted.ride_cities]
    p = np.select([pop.age < 18, pop.age < 35, pop.age < 55], [0.0, 0.35, 0.2], 0.06)
    p = np.where(np.isin(pop.district, cities) & ~pop.rural, p, 0.0)
    riders = np.flatnonzero(rng.random(len(pop)) < p)
    return riders[rng.permutation(len(riders))]


def ride_trips(country_key: str, size: str, seed: int) -> pd.DataFrame:
    planted = PLANTED[country_key]
    pop = population(country_key, size, seed)
    tl = timeline(country_key, size, seed)
    riders = rider_index(country_key, size, seed)
    rng = stream(seed, country_key, size, "ride_trips")
    districts = COUNTRIES[country_key].district_table()["district"].to_numpy()

    rate = SIZES[size].rides_per_day * np.exp(rng.normal(-0.32, 0.8, len(riders)))
    counts = rng.poisson(rate[:, None] * tl.factor[None, :]).ravel()
    r, day = np.divmod(np.repeat(np.arange(len(riders) * tl.days), counts), tl.days)
    p = riders[r]
    n = len(r)
    city = pop.district[p]
    # Trip ends: home, work (if any, and in the city) or somewhere else in town.
    elsewhere = sample_in_cells(rng, country_key, city, np.full(n, 0.035))
    work_ok = (pop.work_district[p] == city)[:, None]
    other = np.where(work_ok & (rng.random(n) < 0.5)[:, None], pop.work[p], elsewhere)
    home = pop.home[p]
    kind = rng.random(n)
    pickup = np.where((kind < 0.4)[:, None], home, other)
    dropoff = np.where((kind >= 0.4)[:, None] & (kind < 0.8)[:, None], home, elsewhere)
    dropoff = np.where((kind < 0.4)[:, None], other, dropoff)
    # GPS noise of a few tens of metres.
    pickup = np.round(pickup + rng.normal(0, 0.0003, (n, 2)), 5)
    dropoff = np.round(dropoff + rng.normal(0, 0.0003, (n, 2)), 5)

    rest = tl.rest[day]
    cdf = np.stack([np.cumsum(RIDE_HOURS[k]) / RIDE_HOURS[k].sum() for k in ("workday", "restday")])
    hour = (cdf[rest.astype(np.int64)] < rng.random(n)[:, None]).sum(axis=1)
    start_s = day * 86_400 + hour * 3_600 + rng.integers(3_600, size=n)
    km = np.round(km_between(pickup, dropoff) * 1.3 + 0.3, 2)
    peak = ~rest & np.isin(hour, [7, 8, 17, 18])
    speed = np.where(peak, 18.0, 28.0) * np.exp(rng.normal(0, 0.15, n))
    minutes = km / speed * 60 + 2
    end_s = start_s + np.rint(minutes * 60).astype(np.int64)
    base, per_km, per_min = (x * planted.price_scale for x in FARE)
    fare = np.round((base + per_km * km + per_min * minutes) * np.where(peak, 1.3, 1.0), 0)

    n_drivers = max(5, len(riders) // 12)
    driver_city = np.sort(rng.choice(np.unique(city), size=n_drivers)) if n else np.array([], int)
    drivers = np.full(n, -1)
    for c in np.unique(city):
        pool = np.flatnonzero(driver_city == c)
        if not len(pool):
            pool = np.arange(n_drivers)
        mask = city == c
        drivers[mask] = pool[rng.integers(len(pool), size=mask.sum())]
    order = np.lexsort((r, start_s))
    t0 = tl.start.astype("datetime64[s]")
    return pd.DataFrame(
        {
            "trip_id": [f"RT{i:06d}" for i in range(1, n + 1)],
            "rider_id": np.array([f"R{i:05d}" for i in range(1, len(riders) + 1)])[r[order]],
            "driver_id": np.array([f"D{i:04d}" for i in range(1, n_drivers + 1)])[drivers[order]],
            "city": districts[city[order]],
            "pickup_time": t0 + start_s[order].astype("timedelta64[s]"),
            "dropoff_time": t0 + end_s[order].astype("timedelta64[s]"),
            "pickup_lat": pickup[order, 1],
            "pickup_lon": pickup[order, 0],
            "dropoff_lat": dropoff[order, 1],
            "dropoff_lon": dropoff[order, 0],
            "distance_km": km[order],
            "fare": fare[order],
            "currency": planted.currency,
        }
    )
