"""Unicity of traces (de Montjoye et al. 2013): the share of SIMs singled out by p of their points.

A *point* is a place and a time at a given resolution (tower x hour, district x day). For each
SIM with at least p distinct points, p of them are drawn at random; the SIM is singled out
(unique) if no other SIM's trace contains all p. Exact counts, vectorised: crowds are
intersected as bitsets when the points x SIMs matrix is small (coarse resolutions, where crowds
are large), else from the smallest crowd with binary searches (fine resolutions, small crowds).
"""

from __future__ import annotations

import numpy as np

BITSET_BYTES = 256 * 2**20  # largest points x SIMs bit matrix held at once
BATCH = 4096  # traces per step


def unicity(
    sim: np.ndarray,
    point: np.ndarray,
    n_sims: int,
    rng: np.random.Generator,
    ps: tuple[int, ...] = (1, 2, 3, 4, 5),
    traces: np.ndarray | None = None,
) -> dict[int, tuple[int, int]]:
    """{p: (SIMs singled out, SIMs with at least p points)} for SIM indices ``sim`` (0 to
    ``n_sims - 1``) seen at non-negative integer ``point`` ids (one entry per event is fine).

    ``traces``: the SIMs whose uniqueness is measured (default: all); every SIM counts in the
    crowd. The p points of a trace are the first p of one random order of its points, so the
    points for p + 1 include those for p.
    """
    key = np.unique(sim.astype(np.int64) * (int(point.max()) + 1 if len(point) else 1) + point)
    pair_sim, raw_point = np.divmod(key, int(point.max()) + 1 if len(point) else 1)
    occupied, pair_point = np.unique(raw_point, return_inverse=True)
    n_occ = len(occupied)
    split = np.searchsorted(pair_sim, np.arange(n_sims + 1))
    length = np.diff(split)
    traces = np.arange(n_sims) if traces is None else np.asarray(traces)

    # One random order of each trace's points: sort by (SIM, random key).
    order = np.lexsort((rng.random(len(key)), pair_sim))
    shuffled = pair_point[order]

    words = -(-n_sims // 64)
    if n_occ * words * 8 <= BITSET_BYTES:
        bits = np.zeros((n_occ, words), dtype=np.uint64)
        np.bitwise_or.at(
            bits,
            (pair_point, pair_sim >> 6),
            np.left_shift(np.uint64(1), (pair_sim & 63).astype(np.uint64)),
        )
        count = _bitset_counter(bits)
    else:
        count = _sparse_counter(pair_sim, pair_point, n_occ)

    out = {}
    for p in ps:
        mine = traces[length[traces] >= p]
        unique = 0
        for a in range(0, len(mine), BATCH):
            batch = mine[a : a + BATCH]
            picks = shuffled[split[batch][:, None] + np.arange(p)]
            unique += int((count(picks) == 1).sum())
        out[p] = (unique, len(mine))
    return out


def _bitset_counter(bits: np.ndarray):
    def count(picks: np.ndarray) -> np.ndarray:
        acc = bits[picks[:, 0]].copy()
        for j in range(1, picks.shape[1]):
            acc &= bits[picks[:, j]]
        return np.bitwise_count(acc).sum(axis=1, dtype=np.int64)

    return count


def _sparse_counter(pair_sim: np.ndarray, pair_point: np.ndarray, n_occ: int):
    # SIMs at each point, as slices of one array; (SIM, point) pairs as sorted keys.
    by_point = np.lexsort((pair_sim, pair_point))
    sims_at = pair_sim[by_point]
    start = np.searchsorted(pair_point[by_point], np.arange(n_occ + 1))
    crowd = np.diff(start)
    keys = pair_sim * n_occ + pair_point  # sorted, since pairs are in (SIM, point) order

    def count(picks: np.ndarray) -> np.ndarray:
        smallest = picks[np.arange(len(picks)), crowd[picks].argmin(axis=1)]
        sizes = crowd[smallest]
        owner = np.repeat(np.arange(len(picks)), sizes)
        offset = np.arange(len(owner)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        candidate = sims_at[start[smallest][owner] + offset]
        everywhere = np.ones(len(candidate), dtype=bool)
        for j in range(picks.shape[1]):
            k = candidate * n_occ + picks[owner, j]
            found = np.searchsorted(keys, k)
            everywhere &= keys[np.minimum(found, len(keys) - 1)] == k
        return np.bincount(owner[everywhere], minlength=len(picks))

    return count


UNICITY_P = (1, 2, 3, 4, 5)
MAX_TRACES = 10_000  # traces measured at national scale: a fixed random sample of the first chunk
RESOLUTIONS = ("tower x hour", "district x day")


def _share(num: int, den: int) -> dict:
    return {"count": int(num), "of": int(den), "share": round(num / den, 6) if den else None}


def _first_chunk(country_key: str, size: str, seed: int):
    from .mno import first_chunk_events, sims, towers_district_index
    from .sizes import SIZES
    from .timeline import timeline

    n = min(len(sims(country_key, size, seed).person), SIZES[size].chunk_sims)
    events = first_chunk_events(country_key, size, seed)
    days = timeline(country_key, size, seed).days
    return n, events, days, towers_district_index(country_key, size, seed)


def points(events: dict, days: int, tower_district: np.ndarray, resolution: str) -> np.ndarray:
    """One integer per event for its place and time at ``resolution`` (see ``RESOLUTIONS``)."""
    if resolution == "tower x hour":
        return events["tower"].astype(np.int64) * (days * 24) + events["day"] * 24 + events["hour"]
    if resolution == "district x day":
        return tower_district[events["tower"]].astype(np.int64) * days + events["day"]
    raise ValueError(f"unknown resolution {resolution!r}; choose one of {RESOLUTIONS}")


def unicity_curves(country_key: str, size: str, seed: int) -> dict:
    """Unicity at tower x hour and district x day, p = 1..5, on the CDR's first chunk of SIMs
    (all of them at size small; at national scale the crowd is the chunk's SIMs and a fixed
    random sample of ``MAX_TRACES`` of them is measured)."""
    from .rng import stream

    n, events, days, tower_district = _first_chunk(country_key, size, seed)
    rng = stream(seed, country_key, size, "uniqueness")
    traces = np.arange(n)
    if n > MAX_TRACES:
        traces = np.sort(rng.choice(n, MAX_TRACES, replace=False))
    curves = {}
    for resolution in RESOLUTIONS:
        found = unicity(
            events["sim"],
            points(events, days, tower_district, resolution),
            n,
            rng,
            UNICITY_P,
            traces,
        )
        curves[resolution] = {str(p): _share(*found[p]) for p in UNICITY_P}
    return {
        "method": (
            "de Montjoye et al. 2013: for each SIM with at least p distinct points (place and "
            "time), p of them drawn at random; singled out if no other SIM's trace has all p"
        ),
        "crowd_sims": int(n),
        "measured_sims": len(traces),
        **curves,
    }


def mobility_summary(country_key: str, size: str, seed: int) -> dict:
    """How far and how often the SIMs of the first chunk move, measured on their events."""
    from .mno import sims, towers
    from .population import population

    n, events, days, tower_district = _first_chunk(country_key, size, seed)
    s = sims(country_key, size, seed)
    home = population(country_key, size, seed).district[s.person[:n]]
    sim = events["sim"]
    away = tower_district[events["tower"]] != home[sim]
    night = (events["hour"] < 7) | (events["hour"] >= 21)
    at_home = (events["tower"] == s.home_towers[sim, 0]) | (
        events["tower"] == s.home_towers[sim, 1]
    )
    sim_days = np.unique(sim.astype(np.int64) * days + events["day"])
    away_days = np.unique(sim[away].astype(np.int64) * days + events["day"][away])
    districts = np.unique(sim.astype(np.int64) * len(home) + tower_district[events["tower"]])
    per_sim = np.bincount(districts // len(home), minlength=n)
    active = np.bincount(sim_days // days, minlength=n)
    # Radius of gyration of each SIM's events (km, equirectangular), González et al. 2008.
    tw = towers(country_key, size, seed)[["lon", "lat"]].to_numpy()
    xy = tw[events["tower"]] * [np.cos(np.deg2rad(tw[:, 1].mean())) * 111.2, 111.2]
    count = np.maximum(np.bincount(sim, minlength=n), 1)
    centre = np.stack([np.bincount(sim, xy[:, k], n) / count for k in (0, 1)], axis=1)
    rg = np.sqrt(np.bincount(sim, ((xy - centre[sim]) ** 2).sum(axis=1), n) / count)
    seen = np.bincount(sim, minlength=n) > 0

    def quantiles(values: np.ndarray) -> dict:
        return {q: round(float(np.quantile(values, float(q))), 2) for q in ("0.5", "0.9", "0.99")}

    return {
        "sims_with_events": _share(seen.sum(), n),
        "active_days_per_sim": quantiles(active[seen]),
        "share_of_active_sim_days_outside_home_district": _share(len(away_days), len(sim_days)),
        "share_of_events_outside_home_district": _share(away.sum(), len(sim)),
        "share_of_night_events_at_home_towers": _share((at_home & night).sum(), night.sum()),
        "districts_per_sim": quantiles(per_sim[seen]),
        "radius_of_gyration_km": quantiles(rg[seen]),
    }
