"""Auxiliary "public" knowledge about a few subscribers, for linkage-attack labs.

Each person's home area and a few dated visits are what an attacker could glean from social
media, news or neighbours. The visits are real events from that person's CDR, blurred to the
place (not the tower) and the hour; ``ground_truth()["linkable"]`` says who they are.

One of them is planted in a crowd: a single known visit, at a tower and hour where at least
``CROWD`` subscribers were seen, so their visits cannot single them out (a linkage attack does
not find everyone, and a lab can tell a careful attack from one that guesses).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from .countries import COUNTRIES
from .mno import first_chunk_events, sims, towers
from .population import population
from .rng import stream
from .sizes import SIZES
from .timeline import timeline

N_PEOPLE = 12
N_VISITS = 3
CROWD = 5  # subscribers seen at the crowd person's one known visit (tower and hour), at least
SOURCES = ("geotagged photo", "news report", "check-in post")


@lru_cache(maxsize=8)
def auxiliary_people(country_key: str, size: str, seed: int) -> tuple[np.ndarray, int, dict]:
    """(SIM index of each auxiliary person, the SIM of the one planted in a crowd, and the
    first-chunk CDR arrays their visits come from)."""
    s = sims(country_key, size, seed)
    last = min(len(s.person), SIZES[size].chunk_sims)
    events = first_chunk_events(country_key, size, seed)
    away = events["tower"] != s.home_towers[events["sim"], 0]
    n_away = np.bincount(events["sim"][away], minlength=last)
    eligible = s.primary[:last] & (n_away >= 10)
    rng = stream(seed, country_key, size, "auxiliary")
    in_crowd = np.zeros(last, dtype=bool)
    in_crowd[events["sim"][away & (_seen_with(country_key, size, seed) >= CROWD)]] = True
    crowd = int(rng.choice(np.flatnonzero(eligible & in_crowd)))
    eligible[crowd] = False
    others = rng.choice(np.flatnonzero(eligible), size=N_PEOPLE - 1, replace=False)
    return np.sort(np.append(others, crowd)), crowd, events


@lru_cache(maxsize=2)
def _seen_with(country_key: str, size: str, seed: int) -> np.ndarray:
    """Per first-chunk event: how many SIMs were seen at its tower in its hour."""
    events = first_chunk_events(country_key, size, seed)
    point = tower_hours(events, timeline(country_key, size, seed).days)
    n_points = point.max() + 1
    pairs = np.unique(events["sim"] * n_points + point)  # one per SIM and point
    counts = np.bincount(pairs % n_points, minlength=n_points)
    return counts[point]


def tower_hours(events: dict, days: int) -> np.ndarray:
    """One integer per event for its tower and its hour of the period."""
    return events["tower"].astype(np.int64) * (days * 24) + events["day"] * 24 + events["hour"]


def nearest_tower(towers_table: pd.DataFrame, lat: float, lon: float) -> int:
    """The tower a lab would match to a point: nearest in plain degrees, as the labs compute."""
    d2 = (towers_table["lat"].to_numpy() - lat) ** 2 + (towers_table["lon"].to_numpy() - lon) ** 2
    return int(np.argmin(d2))


def auxiliary(country_key: str, size: str, seed: int) -> pd.DataFrame:
    chosen, crowd, events = auxiliary_people(country_key, size, seed)
    s = sims(country_key, size, seed)
    pop = population(country_key, size, seed)
    tw = towers(country_key, size, seed)
    seen_with = _seen_with(country_key, size, seed)
    rng = stream(seed, country_key, size, "auxiliary_rows")
    districts = COUNTRIES[country_key].district_table()["district"].to_numpy()
    rows = []
    for k, sim in enumerate(chosen, start=1):
        person = s.person[sim]
        who = {
            "aux_id": f"A{k:02d}",
            "name": pop.name[person],
            "sex": "F" if pop.female[person] else "M",
            "age": int(pop.age[person]),
            "home_district": districts[pop.district[person]],
        }
        # Home is known to about a kilometre (two decimals of a degree).
        home = np.round(pop.home[person], 2)
        rows.append(
            {
                **who,
                "kind": "home",
                "source": "social media profile",
                "lat": home[1],
                "lon": home[0],
                "time": None,
            }
        )
        mine = (events["sim"] == sim) & (events["tower"] != s.home_towers[sim, 0])
        if sim == crowd:
            picks = [rng.choice(np.flatnonzero(mine & (seen_with >= CROWD)))]
        else:
            picks = np.sort(rng.choice(np.flatnonzero(mine), size=N_VISITS, replace=False))
        for e in picks:
            t = tw.iloc[events["tower"][e]]
            # The place is known to a few hundred metres, the time to the hour.
            lat, lon = np.round(np.array([t.lat, t.lon]) + rng.normal(0, 0.003, 2), 3)
            if sim == crowd:
                # Blurred, but still nearest to its own tower, so the crowd stays around it.
                for _ in range(100):
                    if nearest_tower(tw, lat, lon) == events["tower"][e]:
                        break
                    lat, lon = np.round(np.array([t.lat, t.lon]) + rng.normal(0, 0.003, 2), 3)
                else:
                    lat, lon = round(t.lat, 3), round(t.lon, 3)
            hour = events["timestamp"][e].astype("datetime64[h]")
            rows.append(
                {
                    **who,
                    "kind": "visit",
                    "source": SOURCES[rng.integers(len(SOURCES))],
                    "lat": lat,
                    "lon": lon,
                    "time": str(hour).replace("T", " ") + ":00",
                }
            )
    frame = pd.DataFrame(rows)
    frame["time"] = frame["time"].astype("str")
    return frame
