"""Mobile network operator: towers, subscribers (SIMs) and call detail records (CDR)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa

from . import mobility
from .census import _largest_remainder
from .countries import COUNTRIES
from .geography import geography, nearest, sample_in_cells
from .planted import PLANTED
from .population import ownership_probability, population
from .rng import draw_categorical, inverse_cdf_table, stream
from .sizes import SIZES
from .timeline import HOURLY, timeline

PREFIX = {"botswana": "BW", "uruguay": "UY"}
STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default string dtype
TYPES = pa.array(["call", "sms"])
CONTACTS = 8  # people each SIM calls or texts; weights fall as 1/rank
ACTIVE_DAYS_B = 3.0  # share of days on which a SIM is active ~ Beta(1, this) (modelled)
ACTIVE_MOBILE = -0.6  # correlation of that share with the mobility score (modelled)
OFF_NET_SHARE = 0.1  # contacts on another network: their numbers are not in the subscriber table
HOUR_TABLES = np.stack([inverse_cdf_table(HOURLY[k]) for k in ("workday", "restday")])
# Where an event happens: a slot among each SIM's candidate towers, drawn by context.
SLOTS = (
    "home",
    "home (next-nearest)",
    "favourite 1",
    "favourite 2",
    "favourite 3",
    "outing",
    "work",
    "on the way",
)
_PLACES = {  # context: P(home), P(a favourite place), P(the outing's place), P(work)
    "daytime": (0.55, 0.45, 0.0, 0.0),
    "daytime, rest day": (0.7, 0.3, 0.0, 0.0),
    "locked-down resident": (0.9, 0.1, 0.0, 0.0),
    "working hours": (0.05, 0.15, 0.0, 0.8),
    "night": (0.95, 0.05, 0.0, 0.0),
    "daytime, errand": (0.3, 0.1, 0.6, 0.0),
    "daytime, trip": (0.03, 0.02, 0.7, 0.0),  # the rest: on the way
    "evening, back from a trip": (0.5, 0.0, 0.5, 0.0),
    "night away": (0.05, 0.0, 0.95, 0.0),
}
CONTEXT = {name: np.uint8(i) for i, name in enumerate(_PLACES)}
SECOND_HOME = 0.15  # the phone sometimes uses the next-nearest tower to home
SLOT_TABLES = np.stack(
    [
        inverse_cdf_table(
            [
                home * (1 - SECOND_HOME),
                home * SECOND_HOME,
                *[fav / 3] * 3,
                outing,
                work,
                max(0.0, 1 - home - fav - outing - work),
            ]
        )
        for home, fav, outing, work in _PLACES.values()
    ]
)
NIGHT = np.array([h < 7 or h >= 21 for h in range(24)], dtype=np.uint8)
WORK_HOURS = np.array([8 <= h < 17 for h in range(24)])
# Kinds of hour: daytime, working hours, the early hours of the night, the evening.
DAYTIME, WORKING, MORNING, EVENING = range(4)
HOUR_KIND = np.array(
    [
        MORNING if h < 7 else EVENING if h >= 21 else WORKING if 8 <= h < 17 else DAYTIME
        for h in range(24)
    ],
    dtype=np.uint8,
)
# Day codes (see _day_codes): bits for an errand, a trip, a night away tonight, a night away
# last night.
ERRAND_DAY, TRIP_DAY, AWAY_TONIGHT, AWAY_LAST_NIGHT = 1, 2, 4, 8


def _context(code: int, hour_kind: int, rest: bool, works: bool) -> np.uint8:
    if hour_kind in (MORNING, EVENING):
        if hour_kind == MORNING:
            return CONTEXT["night away" if code & AWAY_LAST_NIGHT else "night"]
        if code & AWAY_TONIGHT:
            return CONTEXT["night away"]
        return CONTEXT["evening, back from a trip" if code & TRIP_DAY else "night"]
    if code & TRIP_DAY:
        return CONTEXT["daytime, trip"]
    if hour_kind == WORKING and works and not rest:
        return CONTEXT["working hours"]
    if code & ERRAND_DAY:
        return CONTEXT["daytime, errand"]
    return CONTEXT["daytime, rest day" if rest else "daytime"]


# Context of an event: CONTEXT_TABLE[day code, kind of hour, rest day, works].
CONTEXT_TABLE = np.array(
    [
        [[[_context(c, h, r, w) for w in (0, 1)] for r in (0, 1)] for h in range(4)]
        for c in range(16)
    ],
    dtype=np.uint8,
)


def _day_codes(plan: np.ndarray, overnight: np.ndarray) -> np.ndarray:
    """(SIMs, days) uint8: what each SIM does each day, as the bits above."""
    code = np.where(plan >= mobility.LOCAL, TRIP_DAY, np.where(plan >= 0, ERRAND_DAY, 0))
    code = code.astype(np.uint8) | overnight.view(np.uint8) * np.uint8(AWAY_TONIGHT)
    code[:, 1:] |= overnight[:, :-1].view(np.uint8) * np.uint8(AWAY_LAST_NIGHT)
    return code


RANK_TABLE = inverse_cdf_table(1 / np.arange(1, CONTACTS + 1))  # contacts weighted 1/rank


@lru_cache(maxsize=8)
def towers(country_key: str, size: str, seed: int) -> pd.DataFrame:
    country = COUNTRIES[country_key]
    planted = PLANTED[country_key]
    rng = stream(seed, country_key, size, "mno_towers")
    table = country.district_table()
    # Operators build where people are, with diminishing returns: count ~ population^0.7.
    weights = table["population"].to_numpy(float) ** 0.7
    per = _largest_remainder(weights, SIZES[size].towers - 2 * len(table)) + 2
    district = np.repeat(np.arange(len(table)), per)
    urban = table["district"].isin(planted.urban_districts).to_numpy()[district]
    # Towns get dense clusters; elsewhere 60% of towers cluster at the main settlement.
    clustered = urban | (rng.random(len(district)) < 0.6)
    spread = np.where(urban, 0.04, np.where(clustered, 0.08, np.inf))
    xy = sample_in_cells(rng, country_key, district, spread)
    return pd.DataFrame(
        {
            "tower_id": [f"{PREFIX[country_key]}T{i:04d}" for i in range(1, len(district) + 1)],
            "district": table["district"].to_numpy()[district],
            "lat": xy[:, 1],
            "lon": xy[:, 0],
        }
    )


@dataclass(frozen=True)
class Sims:
    """Everything the CDR generator needs per SIM, row-aligned with ``mno_subscribers``."""

    person: np.ndarray  # index into the population
    primary: np.ndarray  # bool: the owner's first SIM
    phone: np.ndarray  # national number, str
    offnet: np.ndarray  # numbers of contacts on other networks, str
    home_towers: np.ndarray  # (n, 2) nearest and second-nearest tower to home
    work_tower: np.ndarray  # -1 if the owner does not work
    fav_towers: np.ndarray  # (n, 3) everyday places near home
    places: np.ndarray  # (n, PLACES + TRIPS) int16: local places, trip places, ways there
    propensity: np.ndarray  # float32: factor on the chances of trips and errands
    rate: np.ndarray  # mean events per day
    active_share: np.ndarray  # share of days with at least one event, on average
    sms_share: np.ndarray
    contacts: np.ndarray  # (n, CONTACTS) SIM index, or -1 - k for off-net number k
    p_own: np.ndarray  # planted ownership probability of every person in the population


@lru_cache(maxsize=8)
def sims(country_key: str, size: str, seed: int) -> Sims:
    planted = PLANTED[country_key]
    pop = population(country_key, size, seed)
    tw = towers(country_key, size, seed)
    rng = stream(seed, country_key, size, "mno_subscribers")

    p_own = ownership_probability(
        pop, planted.sim_base, planted.sim_sex, planted.sim_age, planted.sim_rural
    )
    owners = np.flatnonzero(rng.random(len(pop)) < p_own)
    u = rng.random(len(owners))
    p2, p3 = planted.extra_sims
    n_sims = 1 + (u < p2 + p3) + (u < p3)
    person = np.repeat(owners, n_sims)
    primary = np.ones(len(person), dtype=bool)
    primary[1:] = person[1:] != person[:-1]
    # Shuffle so that SIM ids say nothing about district or person.
    order = rng.permutation(len(person))
    person, primary = person[order], primary[order]
    n = len(person)

    # Distinct numbers for subscribers and off-net contacts, drawn together so they never clash.
    n_off = max(1, int(n * OFF_NET_SHARE * 2))
    space = len(planted.phone_second) * 10**6
    drawn = rng.choice(space, size=n + n_off, replace=False)
    second = np.asarray(planted.phone_second)[drawn // 10**6]
    numbers = planted.phone_first * 10**7 + second * 10**6 + drawn % 10**6
    numbers = numbers.astype("U8")

    towers_xy = tw[["lon", "lat"]].to_numpy()
    home_towers = nearest(pop.home[person], towers_xy, k=2)
    works = ~np.isnan(pop.work[person, 0])
    work_tower = np.full(n, -1)
    work_tower[works] = nearest(pop.work[person[works]], towers_xy)[:, 0]
    spread = np.where(pop.rural[person], np.inf, 0.08)
    fav = np.stack(
        [
            nearest(sample_in_cells(rng, country_key, pop.district[person], spread), towers_xy)[
                :, 0
            ]
            for _ in range(3)
        ],
        axis=1,
    )
    # The same person's SIMs share places: copy the primary SIM's to the others.
    first = np.full(len(pop), -1)
    first[person[primary]] = np.flatnonzero(primary)
    fav = fav[first[person]]
    owner = person[primary]
    level = rng.standard_normal(len(owner))  # sets radius of gyration and outing chances
    far = mobility.places(
        rng,
        country_key,
        tuple(COUNTRIES[country_key].district_table()["population"]),
        pop.home[owner],
        pop.district[owner],
        level,
        towers_xy,
    )
    slot_of = np.cumsum(primary) - 1  # row of each primary SIM among the primary SIMs
    far = far[slot_of[first[person]]]
    level_sim = level[slot_of[first[person]]]
    propensity = mobility.propensity(level_sim)

    band = pop.band[person]
    activity = np.exp(rng.normal(-0.245, 0.7, n))  # lognormal with mean 1
    activity *= np.where(band == 1, 1.2, 1.0) * np.where(band == 6, 0.6, 1.0)
    activity *= np.where(primary, 1.0, 0.4)
    rate = SIZES[size].calls_per_day * activity
    # Share of days with an event: Beta(1, ACTIVE_DAYS_B), by a score tied to mobility.
    z = ACTIVE_MOBILE * level_sim + np.sqrt(1 - ACTIVE_MOBILE**2) * rng.standard_normal(n)
    active_share = 1 - (1 - mobility.normal_cdf(z)) ** (1 / ACTIVE_DAYS_B)
    active_share = np.clip(active_share, 0.02, 0.98)
    sms_share = np.clip(0.35 + np.where(band <= 2, 0.2, 0.0) - np.where(band >= 5, 0.15, 0.0), 0, 1)

    # Contacts: mostly people from the same district, some from anywhere, some off-net.
    district = pop.district[person]
    by_d = np.argsort(district, kind="stable")
    start = np.searchsorted(district[by_d], np.arange(district.max() + 2))
    count = np.diff(start)
    # 32-bit, in place and freed early: at national scale each of these arrays is ~120 MB.
    d = np.repeat(district.astype(np.int16), CONTACTS)
    local = rng.integers(0, count.astype(np.int32)[d], dtype=np.int32)  # a SIM of the district
    local += start.astype(np.int32)[d]
    local = by_d.astype(np.int32)[local]
    anywhere = rng.integers(n, size=len(d), dtype=np.int32)
    kind = rng.random(len(d), dtype=np.float32)
    contacts = np.where(kind < 0.7, local, anywhere)
    del local, anywhere
    off = rng.integers(n_off, size=len(d), dtype=np.int32)
    np.negative(off, out=off)
    off -= 1
    np.copyto(contacts, off, where=kind > 1 - OFF_NET_SHARE)
    del off, kind, d
    contacts = contacts.reshape(n, CONTACTS)
    rows, cols = np.nonzero(contacts == np.arange(n)[:, None])
    contacts[rows, cols] = (rows + 1) % n

    return Sims(
        person=person,
        primary=primary,
        phone=numbers[:n],
        offnet=numbers[n:],
        home_towers=home_towers,
        work_tower=work_tower,
        fav_towers=fav,
        places=far,
        propensity=propensity,
        rate=rate,
        active_share=active_share,
        sms_share=sms_share,
        contacts=contacts,
        p_own=p_own,
    )


def subscribers(country_key: str, size: str, seed: int) -> pd.DataFrame:
    pop = population(country_key, size, seed)
    s = sims(country_key, size, seed)
    tw = towers(country_key, size, seed)
    tower_ids = tw["tower_id"].to_numpy()
    districts = COUNTRIES[country_key].district_table()["district"].to_numpy()
    work = pd.array(
        np.where(s.work_tower >= 0, tower_ids[np.maximum(s.work_tower, 0)], None), dtype="str"
    )
    return pd.DataFrame(
        {
            "sim_id": [f"S{i:06d}" for i in range(1, len(s.person) + 1)],
            "phone_number": s.phone.astype(object),
            "name": pop.name[s.person],
            "age": pop.age[s.person],
            "sex": np.where(pop.female[s.person], "F", "M"),
            "home_district": districts[pop.district[s.person]],
            "home_tower_id": tower_ids[s.home_towers[:, 0]],
            "work_tower_id": work,
        }
    )


@lru_cache(maxsize=8)
def _books(country_key: str, size: str, seed: int) -> tuple[pa.Array, pa.Array, pa.Array]:
    s = sims(country_key, size, seed)
    return (
        pa.array(s.phone.tolist()),
        pa.array([*s.phone.tolist(), *s.offnet.tolist()]),
        pa.array(towers(country_key, size, seed)["tower_id"].tolist()),
    )


def cdr_chunk(country_key: str, size: str, seed: int, first: int, last: int) -> pd.DataFrame:
    """Outgoing calls and texts of SIMs ``first..last-1``, sorted by time.

    Each chunk has its own random stream, so ``large`` can be written chunk by chunk with
    bounded memory and the result does not depend on how many chunks are held at once.
    """
    columns = _cdr_columns(country_key, size, seed, first, last)
    for name in ("caller", "callee", "tower_id", "type"):
        # Arrow's take builds string columns ~10x faster than indexing a numpy array of str,
        # and gives pandas' default ``str`` dtype, so labs see ordinary string columns.
        columns[name] = pd.array(columns[name], dtype=STR)
    return pd.DataFrame(columns)


def cdr_table(country_key: str, size: str, seed: int, first: int, last: int) -> pa.Table:
    """The same chunk as :func:`cdr_chunk`, as an Arrow table (for writing Parquet, no pandas)."""
    return pa.table(_cdr_columns(country_key, size, seed, first, last))


def _cdr_columns(country_key: str, size: str, seed: int, first: int, last: int) -> dict:
    arrays = cdr_arrays(country_key, size, seed, first, last)
    n_sims = len(sims(country_key, size, seed).phone)
    callers, callees, tower_ids = _books(country_key, size, seed)
    contact = arrays["contact"]
    callee = np.where(contact >= 0, contact, n_sims - 1 - contact)
    return {
        "caller": callers.take(arrays["sim"]),
        "callee": callees.take(callee),
        "timestamp": arrays["timestamp"],
        "tower_id": tower_ids.take(arrays["tower"]),
        "duration_s": arrays["duration_s"],
        "type": TYPES.take(arrays["sms"].astype(np.int8)),
    }


def cdr_arrays(country_key: str, size: str, seed: int, first: int, last: int) -> dict:
    """The CDR as numeric arrays (SIM and tower indices): the vectorised core of the generator.

    Speed matters here (``large`` makes hundreds of millions of rows), hence: 32-bit uniforms,
    categorical draws through lookup tables, durations drawn only for calls, and a two-pass
    radix sort by time (``benchmarks/data_generation.py`` measures it).
    """
    s = sims(country_key, size, seed)
    pop = population(country_key, size, seed)
    tl = timeline(country_key, size, seed)
    tw_district = towers_district_index(country_key, size, seed)
    rng = stream(seed, country_key, size, "mno_cdr", first)
    idx = np.arange(first, last)
    m, days = len(idx), tl.days

    home_d = pop.district[s.person[idx]]
    home_locked = home_d == tl.lockdown_district
    lam = s.rate[idx, None] * tl.factor[None, :]
    lam[np.ix_(home_locked, tl.lockdown_days)] *= 1.15
    works = s.work_tower[idx] >= 0
    # The day's outing, if any (exploration and preferential return), and nights away;
    # locked-down residents stay in.
    plan, overnight = mobility.outings(
        rng,
        s.propensity[idx],
        works,
        tl.rest,
        blocked=home_locked[:, None] & tl.lockdown_days[None, :],
    )
    # Bursty activity: each SIM is active on a share of days (its own, from a beta law); on an
    # active day it makes at least one event, more on average, so that its mean stays ``lam``.
    share = np.minimum(s.active_share[idx], lam.max(axis=1) * 0.999)[:, None]
    active = rng.random(lam.shape, dtype=np.float32) < share
    counts = active * (1 + rng.poisson(np.maximum(lam / share - 1, 0)))
    # Events come out grouped by SIM, then day: ``local`` is already sorted, which the final
    # sort relies on to break ties by SIM.
    local = np.repeat(np.arange(m), counts.sum(axis=1))
    day = np.repeat(np.tile(np.arange(days, dtype=np.int16), m), counts.ravel())
    sim = idx[local]
    n = len(sim)
    rest = tl.rest[day]
    hour = draw_categorical(rng, HOUR_TABLES, n, rest)
    cell = local * days + day
    # Each SIM's candidate towers, one row per SIM of the chunk: (nearest home tower,
    # second-nearest, three favourite places, the outing's place and the way there [set
    # below], work).
    candidates = np.column_stack(
        [
            s.home_towers[idx],
            s.fav_towers[idx],
            s.home_towers[idx, 0],
            s.work_tower[idx],
            s.home_towers[idx, 0],
        ]
    ).astype(np.int32)
    # Context per event picks the table that draws the candidate: one lookup from the day's
    # plan (see ``_day_codes``), the kind of hour, the kind of day and whether the SIM works.
    code = _day_codes(plan, overnight).ravel()[cell]
    hour_kind = HOUR_KIND[hour]
    context = CONTEXT_TABLE[code, hour_kind, rest.view(np.uint8), works[local].view(np.uint8)]
    locked = np.flatnonzero(tl.lockdown_days[day])  # only these events need lockdown rules
    if len(locked):
        tower_locked = tw_district == tl.lockdown_district
        work_locked = tower_locked[np.maximum(s.work_tower[idx], 0)] & works
        resident = home_locked[local[locked]]
        context[locked[resident]] = CONTEXT["locked-down resident"]
        outsider = locked[~resident]
        commuter = outsider[work_locked[local[outsider]]]
        at_work = commuter[context[commuter] == CONTEXT["working hours"]]
        context[at_work] = CONTEXT["daytime"]  # their workplace is closed
    slot = draw_categorical(rng, SLOT_TABLES, n, context)
    tower = candidates.ravel()[local * len(SLOTS) + slot]
    there = np.flatnonzero(slot == SLOTS.index("outing"))
    # In the early hours after a night away, the place is the previous day's.
    back = (hour_kind[there] == MORNING) & (code[there] & AWAY_LAST_NIGHT > 0)
    tower[there] = s.places[sim[there], plan.ravel()[cell[there] - back]]
    there = np.flatnonzero(slot == SLOTS.index("on the way"))
    tower[there] = s.places[sim[there], plan.ravel()[cell[there]] + mobility.TRIPS]
    if len(locked):
        # Outsiders cannot enter the locked-down district: they stay home instead.
        blocked = outsider[tower_locked[tower[outsider]]]
        tower[blocked] = s.home_towers[sim[blocked], 0]

    contact = s.contacts[idx].ravel()[local * CONTACTS + draw_categorical(rng, RANK_TABLE, n)]
    sms = rng.random(n, dtype=np.float32) < s.sms_share[sim]
    duration = np.zeros(n, dtype=np.int64)
    calls = ~sms
    # Lognormal with median 60 s; float32 normals are twice as fast as float64 ones.
    normal = rng.standard_normal(int(calls.sum()), dtype=np.float32)
    duration[calls] = np.maximum(1, np.rint(np.exp(normal + np.float32(np.log(60)))))
    seconds = day.astype(np.int32) * 86_400 + hour * np.int32(3_600)
    seconds += rng.integers(3_600, size=n, dtype=np.int32)
    order = _time_order(seconds)
    start = tl.start.astype("datetime64[s]").astype(np.int64)
    return {
        "sim": sim[order],
        "contact": contact[order],
        "timestamp": (seconds[order] + start).view("datetime64[s]"),
        "tower": tower[order],
        "duration_s": duration[order],
        "sms": sms[order],
        "day": day[order],
        "hour": hour[order],
    }


def _time_order(seconds: np.ndarray) -> np.ndarray:
    """Stable argsort of non-negative int32 seconds: two 16-bit radix passes, ~3x faster than
    ``np.argsort`` on 64-bit keys. Stable, so events at the same second stay in SIM order."""
    low = np.argsort(seconds.astype(np.uint16), kind="stable")
    high = np.argsort((seconds[low] >> 16).astype(np.uint16), kind="stable")
    return low[high]


@lru_cache(maxsize=2)
def first_chunk_events(country_key: str, size: str, seed: int) -> dict:
    """CDR arrays of the first chunk of SIMs (all of them at size small), shared read-only by
    the ground truth and the auxiliary data so that national-scale builds hold one copy."""
    last = min(len(sims(country_key, size, seed).person), SIZES[size].chunk_sims)
    events = cdr_arrays(country_key, size, seed, 0, last)
    for array in events.values():
        array.flags.writeable = False
    return events


@lru_cache(maxsize=8)
def towers_district_index(country_key: str, size: str, seed: int) -> np.ndarray:
    names = list(COUNTRIES[country_key].district_table()["district"])
    return np.array([names.index(d) for d in towers(country_key, size, seed)["district"]])


def cdr(country_key: str, size: str, seed: int) -> pd.DataFrame:
    n = len(sims(country_key, size, seed).person)
    chunk = SIZES[size].chunk_sims
    parts = [cdr_chunk(country_key, size, seed, a, min(n, a + chunk)) for a in range(0, n, chunk)]
    return pd.concat(parts, ignore_index=True)


def anchor_of(country_key: str, district: int) -> np.ndarray:
    return geography(country_key).anchors[district]
