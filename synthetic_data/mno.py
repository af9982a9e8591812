"""Mobile network operator: towers, subscribers (SIMs) and call detail records (CDR)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa

from .census import _largest_remainder
from .countries import COUNTRIES
from .geography import geography, nearest, sample_in_cells
from .planted import PLANTED
from .population import ownership_probability, population
from .rng import stream
from .sizes import SIZES
from .timeline import sample_hours, timeline

PREFIX = {"botswana": "BW", "uruguay": "UY"}
STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default string dtype
TYPES = pa.array(["call", "sms"])
CONTACTS = 8  # people each SIM calls or texts; weights fall as 1/rank
OFF_NET_SHARE = 0.1  # contacts on another network: their numbers are not in the subscriber table


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
    fav_towers: np.ndarray  # (n, 3) other places the owner goes
    rate: np.ndarray  # mean events per day
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
    # The same person's SIMs share places: copy the primary SIM's favourites to the others.
    first = np.full(len(pop), -1)
    first[person[primary]] = np.flatnonzero(primary)
    fav = fav[first[person]]

    band = pop.band[person]
    activity = np.exp(rng.normal(-0.245, 0.7, n))  # lognormal with mean 1
    activity *= np.where(band == 1, 1.2, 1.0) * np.where(band == 6, 0.6, 1.0)
    activity *= np.where(primary, 1.0, 0.4)
    rate = SIZES[size].calls_per_day * activity
    sms_share = np.clip(0.35 + np.where(band <= 2, 0.2, 0.0) - np.where(band >= 5, 0.15, 0.0), 0, 1)

    # Contacts: mostly people from the same district, some from anywhere, some off-net.
    district = pop.district[person]
    by_d = np.argsort(district, kind="stable")
    start = np.searchsorted(district[by_d], np.arange(district.max() + 2))
    count = np.diff(start)
    # In place and freed early: at national scale each of these arrays is ~200 MB.
    d = np.repeat(district.astype(np.int16), CONTACTS)
    u = rng.random(len(d))
    u *= count[d]
    local = np.floor(u, out=u).astype(np.int64)
    del u
    local += start[d]
    local = by_d[local]
    anywhere = rng.integers(n, size=len(d))
    kind = rng.random(len(d))
    contacts = np.where(kind < 0.7, local, anywhere)
    del local, anywhere
    off = rng.integers(n_off, size=len(d))
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
        rate=rate,
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
    """The CDR as numeric arrays (SIM and tower indices): the vectorised core of the generator."""
    s = sims(country_key, size, seed)
    pop = population(country_key, size, seed)
    tl = timeline(country_key, size, seed)
    tw_district = towers_district_index(country_key, size, seed)
    rng = stream(seed, country_key, size, "mno_cdr", first)
    idx = np.arange(first, last)
    m, days = len(idx), tl.days

    home_d = pop.district[s.person[idx]]
    locked_home = (home_d == tl.lockdown_district)[:, None] & tl.lockdown_days[None, :]
    lam = s.rate[idx, None] * tl.factor[None, :] * np.where(locked_home, 1.15, 1.0)
    counts = rng.poisson(lam).ravel()
    cell = np.repeat(np.arange(m * days), counts)
    local, day = np.divmod(cell, days)
    sim = idx[local]
    n = len(sim)
    rest = tl.rest[day]
    hour = sample_hours(rng, rest)

    locked_day = tl.lockdown_days[day]
    resident_locked = locked_day & (home_d[local] == tl.lockdown_district)
    work_t = s.work_tower[sim]
    work_locked = locked_day & (tw_district[np.maximum(work_t, 0)] == tl.lockdown_district)
    at_work_time = ~rest & (hour >= 8) & (hour < 17) & (work_t >= 0)
    at_work_time &= ~resident_locked & ~work_locked
    night = (hour < 7) | (hour >= 21)
    # Probabilities of (home, favourite place, anywhere) by context; the rest is work.
    # Contexts: 0 daytime, 1 locked-down resident, 2 working hours, 3 night.
    context = np.where(resident_locked, 1, np.where(at_work_time, 2, np.where(night, 3, 0)))
    p_home = np.array([0.55, 0.9, 0.05, 0.93])[context]
    p_fav = np.array([0.42, 0.1, 0.15, 0.06])[context]
    p_any = np.array([0.03, 0.0, 0.02, 0.01])[context]
    u = rng.random(n)
    second_home = rng.random(n) < 0.15  # the phone sometimes picks the next-nearest tower
    tower = np.where(
        u < p_home,
        s.home_towers[sim, second_home.astype(np.int64)],
        np.where(
            u < p_home + p_fav,
            s.fav_towers[sim, rng.integers(3, size=n)],
            np.where(u < p_home + p_fav + p_any, rng.integers(len(tw_district), size=n), work_t),
        ),
    )
    # Outsiders cannot enter the locked-down district: they stay home instead.
    blocked = locked_day & (tw_district[tower] == tl.lockdown_district) & ~resident_locked
    tower = np.where(blocked, s.home_towers[sim, 0], tower)

    rank_cdf = np.cumsum(1 / np.arange(1, CONTACTS + 1))
    rank = np.searchsorted(rank_cdf / rank_cdf[-1], rng.random(n), side="right")
    contact = s.contacts[sim, rank]
    sms = rng.random(n) < s.sms_share[sim]
    duration = np.where(sms, 0, np.maximum(1, np.rint(rng.lognormal(np.log(60), 1.0, n))))
    seconds = day * 86_400 + hour * 3_600 + rng.integers(3_600, size=n)
    # Sort by time, ties by SIM: one integer key is much faster than a lexsort.
    order = np.argsort(seconds * m + local)
    return {
        "sim": sim[order],
        "contact": contact[order],
        "timestamp": tl.start.astype("datetime64[s]") + seconds[order].astype("timedelta64[s]"),
        "tower": tower[order],
        "duration_s": duration[order].astype(np.int64),
        "sms": sms[order],
        "day": day[order],
        "hour": hour[order],
    }


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
