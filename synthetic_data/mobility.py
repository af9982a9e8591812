"""Where people go: places from the mobility literature, and day-by-day exploration and return.

Besides home, work and three everyday places near home, each person has two lists of places,
each in the order the places were (or will be) discovered:

- **local places**, at heavy-tailed distances from home: each person's scale is a radius of
  gyration drawn from the truncated power law of González et al. (2008); each place lies at
  that scale times an exponential draw, in a random direction;
- **trip places** in other districts: a **family place** and a **market town** (the nearest
  other district's main settlement), known before the period, then places found by
  exploring, chosen like the family place by a gravity law (population over a power of the
  distance, ``GRAVITY_EXPONENT``; modelled, not an estimate).

Each day a subscriber may go on a **trip** (to a trip place) or an **errand** (to a local
place): more often on rest days, less for workers on working days, and more for people with
a larger radius of gyration (the same score sets both: explorers, as opposed to returners,
Pappalardo et al. 2015). Which place is decided by exploration and preferential return (Song
et al. 2010): a new place with probability ``RHO * S ** -GAMMA`` (``S`` places known so far),
otherwise a known place with probability proportional to past visits; places known before the
period start with visit counts ~ rank ** -ZETA. Trips may last overnight and into the next day.

Parameters from the literature are named as such; the rest are modelled (``OUTING`` etc.) and
documented in the data card.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import shapely

from .geography import geography, nearest, outline

# González, Hidalgo & Barabási 2008 (Nature 453:779): P(rg) ~ (rg + RG0)^-BETA_R exp(-rg/KAPPA).
RG0_KM, BETA_R, KAPPA_KM = 5.8, 1.65, 350.0
# Song, Koren, Wang & Barabási 2010 (Nature Physics 6:818): exploration and preferential return.
RHO, GAMMA = 0.6, 0.21
ZETA = 1.2  # visitation frequency of the k-th most visited place ~ k^-ZETA (Song et al. 2010)
GRAVITY_EXPONENT = 0.5  # trip places: population / distance^0.5, a weak decay (modelled)
GRAVITY_MIN_KM = 30.0  # distances between settlements below this count as this (modelled)

LOCAL, LOCAL_KNOWN = 6, 3  # local places per person; of which known before the period
TRIPS, TRIPS_KNOWN = 12, 2  # trip places (family place, market town, then explored ones)
PLACES = LOCAL + TRIPS
# Each trip place has a place on the way: halfway from home, give or take (modelled).
ROUTE_JITTER = 0.25  # sd of the position along the way, as a share of the trip
PAST_VISITS = 3.0  # visits to each list's known places before the period, ~ rank^-ZETA
# Modelled: chance per day of a trip and of an errand, by kind of day (times a personal factor).
TRIP = {"workday": 0.6, "workday_worker": 0.3, "restday": 0.85}
ERRAND = {"workday": 0.5, "workday_worker": 0.25, "restday": 0.5}
OVERNIGHT = {"workday": 0.5, "restday": 0.7}  # P(a trip lasts the night)
STAY_ON = 0.6  # P(after a night away, the trip goes on the next day)
SPREAD = 2.0  # sd of the log of the personal factor (mean 1; median 0.14: most rarely travel)
TOWN_SPREAD_DEGREES = 0.1  # trip places lie around a district's main settlement
KM_PER_DEGREE = 111.2
GRID_DEGREES = 0.02  # raster for snapping many points to towers at national scale
BATCH = 100_000  # people whose places are drawn at once (bounds memory at national scale)


def radius_of_gyration(quantile: np.ndarray) -> np.ndarray:
    """Radii of gyration in km at the given quantiles of González et al.'s truncated power law."""
    grid = np.concatenate([[0.0], np.geomspace(0.01, 3_000.0, 4_000)])
    density = (grid + RG0_KM) ** -BETA_R * np.exp(-grid / KAPPA_KM)
    cdf = np.concatenate([[0.0], np.cumsum((density[1:] + density[:-1]) / 2 * np.diff(grid))])
    return np.interp(quantile, cdf / cdf[-1], grid)


def normal_cdf(z: np.ndarray) -> np.ndarray:
    grid = np.linspace(-9.0, 9.0, 3_601)
    return np.interp(z, grid, [0.5 * math.erfc(-x / math.sqrt(2)) for x in grid])


def propensity(level: np.ndarray) -> np.ndarray:
    """Factor on the chance of trips and errands: lognormal with mean 1, rising with ``level``
    (a standard normal score that also sets the radius of gyration)."""
    return np.exp(SPREAD * level - SPREAD**2 / 2).astype(np.float32)


class Snap:
    """Points to towers: the country test and the nearest tower, exact for few points and
    through a raster of ``GRID_DEGREES`` cells for many (national scale)."""

    def __init__(self, country_key: str, towers_xy: np.ndarray, n_points: int):
        self.towers_xy = towers_xy
        self.shape = outline(country_key)
        x0, y0, x1, y1 = self.shape.bounds
        self.origin = np.array([x0, y0])
        self.cells = np.ceil((np.array([x1, y1]) - self.origin) / GRID_DEGREES).astype(int) + 1
        self.raster = n_points > self.cells.prod()
        if self.raster:
            gx, gy = np.meshgrid(*(np.arange(c) for c in self.cells), indexing="ij")
            centres = self.origin + (np.column_stack([gx.ravel(), gy.ravel()]) + 0.5) * GRID_DEGREES
            self.inside_grid = shapely.contains_xy(self.shape, centres[:, 0], centres[:, 1])
            self.tower_grid = nearest(centres, towers_xy)[:, 0].astype(np.int32)

    def _cell(self, xy: np.ndarray) -> np.ndarray:
        ij = np.floor((xy - self.origin) / GRID_DEGREES).astype(np.int64)
        ij = np.clip(ij, 0, self.cells - 1)
        return ij[:, 0] * self.cells[1] + ij[:, 1]

    def inside(self, xy: np.ndarray) -> np.ndarray:
        if self.raster:
            return self.inside_grid[self._cell(xy)]
        return shapely.contains_xy(self.shape, xy[:, 0], xy[:, 1])

    def tower(self, xy: np.ndarray) -> np.ndarray:
        if self.raster:
            return self.tower_grid[self._cell(xy)]
        return nearest(xy, self.towers_xy)[:, 0].astype(np.int32)

    def pull_inside(self, home: np.ndarray, target: np.ndarray) -> np.ndarray:
        """``target`` points, moved halfway back towards home until they are in the country."""
        out = target.copy()
        for _ in range(6):
            outside = ~self.inside(out)
            if not outside.any():
                return out
            out[outside] = (out[outside] + home[outside]) / 2
        outside = ~self.inside(out)
        out[outside] = home[outside]
        return out


@cache
def _gravity(country_key: str, populations: tuple[int, ...]) -> np.ndarray:
    """Cumulative P(trip place in district j | home district i), j != i: proportional to
    population_j / d_ij ** GRAVITY_EXPONENT."""
    anchors = geography(country_key).anchors
    scale = np.array([np.cos(np.deg2rad(anchors[:, 1].mean())), 1.0])
    km = np.linalg.norm((anchors[:, None, :] - anchors[None, :, :]) * scale, axis=2)
    km = np.maximum(km * KM_PER_DEGREE, GRAVITY_MIN_KM)
    weight = np.asarray(populations, float)[None, :] / km**GRAVITY_EXPONENT
    np.fill_diagonal(weight, 0.0)
    return np.cumsum(weight / weight.sum(axis=1, keepdims=True), axis=1)


def places(
    rng: np.random.Generator,
    country_key: str,
    populations: tuple[int, ...],
    home: np.ndarray,
    district: np.ndarray,
    level: np.ndarray,
    towers_xy: np.ndarray,
) -> np.ndarray:
    """(n, PLACES + TRIPS) int16 tower indices: each person's local places, their trip places,
    then a place on the way to each trip place. Drawn ``BATCH`` people at a time, so that
    national-scale memory stays bounded."""
    n = len(home)
    snap = Snap(country_key, towers_xy, n * (PLACES + TRIPS))
    out = np.empty((n, PLACES + TRIPS), dtype=np.int16)
    for first in range(0, n, BATCH):
        part = slice(first, min(n, first + BATCH))
        out[part] = _places(
            rng, snap, country_key, populations, home[part], district[part], level[part]
        )
    return out


def _places(rng, snap, country_key, populations, home, district, level) -> np.ndarray:
    n = len(home)
    anchors = geography(country_key).anchors
    scale = np.cos(np.deg2rad(home[:, 1]))

    # Local places: radius of gyration x exponential, in a random direction.
    rg = radius_of_gyration(normal_cdf(level))
    km = rg[:, None] * rng.exponential(1.0, (n, LOCAL))
    angle = rng.uniform(0, 2 * np.pi, (n, LOCAL))
    step = np.stack([np.cos(angle) / scale[:, None], np.sin(angle)], axis=2)
    local = home[:, None, :] + step * (km / KM_PER_DEGREE)[:, :, None]

    # Trip places: the market town (nearest other district), then districts by gravity.
    gap = np.linalg.norm(anchors[:, None, :] - anchors[None, :, :], axis=2)
    np.fill_diagonal(gap, np.inf)
    cdf = _gravity(country_key, populations)[district]
    u = rng.random((n, TRIPS - 1))
    other = np.minimum((cdf[:, None, :] < u[:, :, None]).sum(axis=2), len(anchors) - 1)
    trip_district = np.column_stack([other[:, 0], gap.argmin(axis=1)[district], other[:, 1:]])
    trip = anchors[trip_district] + rng.normal(0, TOWN_SPREAD_DEGREES, (n, TRIPS, 2))

    along = np.clip(rng.normal(0.5, ROUTE_JITTER, (n, TRIPS, 1)), 0.1, 0.9)
    way = home[:, None, :] + along * (trip - home[:, None, :])
    points = np.concatenate([local, trip, way], axis=1).reshape(-1, 2)
    points = snap.pull_inside(np.repeat(home, PLACES + TRIPS, axis=0), points)
    return snap.tower(points).reshape(n, PLACES + TRIPS)


def outings(
    rng: np.random.Generator,
    propensity: np.ndarray,
    worker: np.ndarray,
    rest: np.ndarray,
    blocked: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per subscriber and day: the place of the day's outing (index into their places, -1 for
    none) and whether they spend that night there. Exploration and preferential return, one
    step per outing, in each of the two lists (local places, trip places).

    ``propensity``: each subscriber's factor on the chances; ``worker``: who works; ``rest``:
    which days are rest days; ``blocked`` (m, days): days with no outing (a lockdown at home).
    """
    m, days = len(propensity), len(rest)
    visits = np.zeros((m, PLACES), dtype=np.float32)
    for first, known in ((0, LOCAL_KNOWN), (LOCAL, TRIPS_KNOWN)):
        weight = np.arange(1, known + 1, dtype=np.float32) ** -ZETA
        visits[:, first : first + known] = PAST_VISITS * weight / weight.sum()
    known = np.tile(np.array([LOCAL_KNOWN, TRIPS_KNOWN]), (m, 1))
    size = np.array([LOCAL, TRIPS])
    offset = np.array([0, LOCAL])
    plan = np.full((m, days), -1, dtype=np.int8)
    overnight = np.zeros((m, days), dtype=bool)
    trip_base = np.where(worker, TRIP["workday_worker"], TRIP["workday"]) * propensity
    errand_base = np.where(worker, ERRAND["workday_worker"], ERRAND["workday"]) * propensity
    for day in range(days):
        if rest[day]:
            trip = TRIP["restday"] * propensity
            errand = ERRAND["restday"] * propensity
        else:
            trip, errand = trip_base, errand_base
        u = rng.random((5, m), dtype=np.float32)
        goes = np.where(u[0] < trip, 1, np.where(u[0] < trip + errand, 0, -1))
        if day:
            stay = overnight[:, day - 1] & (u[3] < STAY_ON)
            goes[stay] = -2  # the trip goes on: same place, no new step
        if blocked is not None:
            goes[blocked[:, day]] = -1
        # Only the few who go out take a step (most people stay in on most days).
        who = np.flatnonzero(goes >= 0)
        k = goes[who]
        seen = known[who, k]
        explore = (u[1, who] < RHO * seen.astype(np.float32) ** -GAMMA) & (seen < size[k])
        # Preferential return: a known place of the chosen list, in proportion to its visits.
        pick = np.empty(len(who), dtype=np.int64)
        for kind in (0, 1):
            mine = k == kind
            past = visits[who[mine], offset[kind] : offset[kind] + size[kind]]
            cumulative = np.cumsum(past, axis=1)
            chosen = (cumulative < (u[2, who[mine]] * cumulative[:, -1])[:, None]).sum(axis=1)
            pick[mine] = np.minimum(chosen, size[kind] - 1)
        place = offset[k] + np.where(explore, seen, pick)
        plan[who, day] = place
        visits[who, place] += 1
        known[who[explore], k[explore]] += 1
        if day:
            kept = goes == -2
            plan[kept, day] = plan[kept, day - 1]
        on_trip = plan[:, day] >= LOCAL
        overnight[:, day] = on_trip & (u[4] < OVERNIGHT["restday" if rest[day] else "workday"])
    return plan, overnight
