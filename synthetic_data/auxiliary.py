"""Auxiliary "public" knowledge about a few subscribers, for linkage-attack labs.

Each person's home area and a few dated visits are what an attacker could glean from social
media, news or neighbours. The visits are real events from that person's CDR, blurred to the
place (not the tower) and the hour; ``ground_truth()["linkable"]`` says who they are.
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

N_PEOPLE = 12
N_VISITS = 3
SOURCES = ("geotagged photo", "news report", "check-in post")


@lru_cache(maxsize=8)
def auxiliary_people(country_key: str, size: str, seed: int) -> tuple[np.ndarray, dict]:
    """(SIM index of each auxiliary person, the first-chunk CDR arrays their visits come from)."""
    s = sims(country_key, size, seed)
    last = min(len(s.person), SIZES[size].chunk_sims)
    events = first_chunk_events(country_key, size, seed)
    away = events["tower"] != s.home_towers[events["sim"], 0]
    n_away = np.bincount(events["sim"][away], minlength=last)
    eligible = np.flatnonzero(s.primary[:last] & (n_away >= 10))
    rng = stream(seed, country_key, size, "auxiliary")
    chosen = np.sort(rng.choice(eligible, size=min(N_PEOPLE, len(eligible)), replace=False))
    return chosen, events


def auxiliary(country_key: str, size: str, seed: int) -> pd.DataFrame:
    chosen, events = auxiliary_people(country_key, size, seed)
    s = sims(country_key, size, seed)
    pop = population(country_key, size, seed)
    tw = towers(country_key, size, seed)
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
        mine = np.flatnonzero((events["sim"] == sim) & (events["tower"] != s.home_towers[sim, 0]))
        picks = np.sort(rng.choice(mine, size=N_VISITS, replace=False))
        for e in picks:
            t = tw.iloc[events["tower"][e]]
            # The place is known to a few hundred metres, the time to the hour.
            lat, lon = np.round(np.array([t.lat, t.lon]) + rng.normal(0, 0.003, 2), 3)
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
