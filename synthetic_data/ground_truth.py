"""What was planted, and exact measurements of it on the generated data, for labs and tests."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .auxiliary import auxiliary, auxiliary_people, nearest_tower, tower_hours
from .cards import holders_index
from .census import AGE_BANDS, census_cells
from .countries import COUNTRIES
from .mno import first_chunk_events, sims, towers, towers_district_index
from .planted import PLANTED
from .population import population
from .registry import GENERATOR_VERSION, check_args, resolve_seed
from .rides import rider_index
from .timeline import timeline
from .unicity import mobility_summary, unicity_curves


def _share(num: int, den: int) -> dict:
    return {"count": int(num), "of": int(den), "share": round(num / den, 6) if den else None}


def _by_group(labels: np.ndarray, keys, hit: np.ndarray) -> dict:
    return {str(k): _share(hit[labels == i].sum(), (labels == i).sum()) for i, k in enumerate(keys)}


def _representation(group_sims: np.ndarray, group_census: np.ndarray, keys) -> dict:
    """(share of SIMs in group) / (share of census population 15+ in group): 1 = fair."""
    a = group_sims / group_sims.sum()
    b = group_census / group_census.sum()
    return {str(k): round(float(x / y), 6) for k, x, y in zip(keys, a, b, strict=True) if y > 0}


def _matching_visits(country: str, size: str, seed: int) -> dict[str, tuple[set, list]]:
    """Per auxiliary person: the SIMs seen at every one of their visits, and the visits.

    As a lab matches them: each visit's nearest tower (plain degrees) and its hour, against
    the first chunk's events (all of them at size small)."""
    ev = first_chunk_events(country, size, seed)
    tl = timeline(country, size, seed)
    tw = towers(country, size, seed)
    point = tower_hours(ev, tl.days)
    order = np.argsort(point, kind="stable")
    sorted_points = point[order]
    visits = auxiliary(country, size, seed)
    visits = visits[visits["kind"] == "visit"]
    start = tl.start.astype("datetime64[h]")
    out: dict[str, tuple[set, list]] = {}
    for aux_id, rows in visits.groupby("aux_id", sort=True):
        common: set | None = None
        for lat, lon, time in zip(rows["lat"], rows["lon"], rows["time"], strict=True):
            hour = int((np.datetime64(time.replace(" ", "T"), "h") - start).astype(int))
            pt = nearest_tower(tw, lat, lon) * (tl.days * 24) + hour
            a, b = np.searchsorted(sorted_points, [pt, pt + 1])
            here = set(ev["sim"][order[a:b]].tolist())
            common = here if common is None else common & here
        out[str(aux_id)] = (common or set(), rows["time"].tolist())
    return out


@lru_cache(maxsize=8)
def ground_truth(country: str = "botswana", size: str = "small", seed: int | None = None) -> dict:
    seed = resolve_seed(seed)
    check_args(None, country, size, seed)
    c = COUNTRIES[country]
    planted = PLANTED[country]
    pop = population(country, size, seed)
    s = sims(country, size, seed)
    tl = timeline(country, size, seed)
    districts = list(c.district_table()["district"])
    adult = pop.age >= 15

    owns = np.zeros(len(pop), dtype=bool)
    owns[s.person] = True
    sims_per = np.bincount(s.person, minlength=len(pop))
    cells = census_cells(c)  # district, sex, band
    census15 = cells[:, :, 1:]
    sim_band = pop.band[s.person]
    coverage = {
        "planted_probability": {
            "formula": "base x sex factor x age-band factor x (rural factor if rural); ages 0-14 own none",
            "base": planted.sim_base,
            "sex": planted.sim_sex,
            "age_band": planted.sim_age,
            "rural": planted.sim_rural,
        },
        "realised_in_population_15plus": {
            "sex": _by_group(pop.female[adult].astype(int), ["M", "F"], owns[adult]),
            "age_band": _by_group(pop.band[adult], AGE_BANDS, owns[adult]),
            "rural": _by_group(pop.rural[adult].astype(int), ["urban", "rural"], owns[adult]),
            "district": _by_group(pop.district[adult], districts, owns[adult]),
        },
        "representation_index_vs_census_15plus": {
            "sex": _representation(
                np.bincount(~pop.female[s.person], minlength=2),
                census15.sum(axis=(0, 2)),
                ["F", "M"],
            ),
            "age_band": _representation(
                np.bincount(sim_band, minlength=len(AGE_BANDS))[1:],
                census15.sum(axis=(0, 1)),
                AGE_BANDS[1:],
            ),
            "district": _representation(
                np.bincount(pop.district[s.person], minlength=len(districts)),
                census15.sum(axis=(1, 2)),
                districts,
            ),
        },
    }
    multi = {
        "planted": {"p_2_sims": planted.extra_sims[0], "p_3_sims": planted.extra_sims[1]},
        "owners": int(owns.sum()),
        "sims": len(s.person),
        "owners_with_2_or_more": _share((sims_per >= 2).sum(), owns.sum()),
    }
    holders, _ = holders_index(country, size, seed)
    has_card = np.zeros(len(pop), dtype=bool)
    has_card[holders] = True
    cards = {
        "planted_probability": {
            "base": planted.card_base,
            "sex": planted.card_sex,
            "age_band": planted.card_age,
            "rural": planted.card_rural,
        },
        "realised_in_population_15plus": {
            "sex": _by_group(pop.female[adult].astype(int), ["M", "F"], has_card[adult]),
            "age_band": _by_group(pop.band[adult], AGE_BANDS, has_card[adult]),
            "rural": _by_group(pop.rural[adult].astype(int), ["urban", "rural"], has_card[adult]),
        },
    }

    ev = first_chunk_events(country, size, seed)
    tw_d = towers_district_index(country, size, seed)
    per_day = np.bincount(ev["day"], minlength=tl.days)
    in_locked = tw_d[ev["tower"]] == tl.lockdown_district
    lock_days = np.flatnonzero(tl.lockdown_days)
    at_home = (ev["tower"] == s.home_towers[ev["sim"], 0]) | (
        ev["tower"] == s.home_towers[ev["sim"], 1]
    )
    resident = pop.district[s.person[ev["sim"]]] == tl.lockdown_district

    def home_share(mask: np.ndarray) -> dict:
        hits = np.bincount(ev["day"][mask & at_home], minlength=tl.days)
        total = np.bincount(ev["day"][mask], minlength=tl.days)
        return {
            tl.date(d): round(h / t, 6) if t else None
            for d, (h, t) in enumerate(zip(hits, total, strict=True))
        }

    anomalies = {
        "holidays": [{"date": tl.date(d), "name": name} for d, name in tl.holidays],
        "lockdown": {
            "district": districts[tl.lockdown_district],
            "start": tl.date(int(lock_days[0])),
            "end": tl.date(int(lock_days[-1])),
            "effects": (
                "residents stay near home (no commuting, 90% of events at the home towers) and "
                "are 15% more active; outsiders cannot enter; non-essential card payments in "
                "the district stop"
            ),
        },
        "cdr_events_per_day": {tl.date(d): int(x) for d, x in enumerate(per_day)},
        "share_of_events_at_home_towers_per_day": home_share(np.ones(len(at_home), bool)),
        "share_of_events_at_home_towers_per_day_lockdown_residents": home_share(resident),
        "cdr_events_per_day_in_lockdown_district": {
            tl.date(d): int(x)
            for d, x in enumerate(np.bincount(ev["day"][in_locked], minlength=tl.days))
        },
    }

    chosen, crowd, _ = auxiliary_people(country, size, seed)
    riders = rider_index(country, size, seed)
    sim_ids = np.array([f"S{i:06d}" for i in range(1, len(s.person) + 1)])
    matching = _matching_visits(country, size, seed)
    linkable = []
    for k, sim_i in enumerate(chosen, start=1):
        person = s.person[sim_i]
        card = np.flatnonzero(holders == person)
        ride = np.flatnonzero(riders == person)
        aux_id = f"A{k:02d}"
        candidates = matching[aux_id]
        linkable.append(
            {
                "aux_id": aux_id,
                "sim_id": sim_ids[sim_i],
                "all_sim_ids": sim_ids[s.person == person].tolist(),
                "card_id": f"C{card[0] + 1:06d}" if len(card) else None,
                "rider_id": f"R{ride[0] + 1:05d}" if len(ride) else None,
                "known_visits": len(candidates[1]),
                "sims_matching_all_visits": len(candidates[0]),
                "singled_out_by_visits": candidates[0] == {sim_i},
                "planted_in_a_crowd": bool(sim_i == crowd),
            }
        )

    return {
        "country": country,
        "size": size,
        "seed": seed,
        "generator_version": GENERATOR_VERSION,
        "period": {"start": tl.date(0), "end": tl.date(tl.days - 1), "days": tl.days},
        "population_sample": {"persons": len(pop), "of_census_total": c.total_population},
        "sim_coverage": coverage,
        "multi_sim": multi,
        "card_ownership": cards,
        "uniqueness": unicity_curves(country, size, seed),
        "mobility": mobility_summary(country, size, seed),
        "anomalies": anomalies,
        "linkable": linkable,
    }
