"""The observation period and its planted anomalies: a real public holiday and a fictional lockdown."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .countries import COUNTRIES
from .planted import PLANTED
from .rng import stream
from .sizes import SIZES

# Relative activity by hour, for working days and for weekends/holidays: quiet nights, a morning
# rise, a lunch bump and an evening peak; weekends start later.
HOURLY = {
    "workday": np.array(
        [
            0.3,
            0.15,
            0.1,
            0.1,
            0.15,
            0.4,
            1.2,
            2.5,
            3.5,
            4,
            4,
            4.2,
            4.8,
            4.5,
            4,
            4,
            4.3,
            5,
            5.5,
            5.2,
            4.5,
            3.5,
            2.2,
            1.0,
        ]
    ),
    "restday": np.array(
        [
            0.6,
            0.4,
            0.2,
            0.1,
            0.1,
            0.2,
            0.5,
            1.0,
            2.0,
            3.0,
            3.8,
            4.3,
            4.8,
            4.8,
            4.5,
            4.3,
            4.3,
            4.6,
            5.0,
            5.2,
            5.0,
            4.2,
            3.0,
            1.6,
        ]
    ),
}
# Relative activity by day: weekdays 1, Saturday and Sunday lower, holidays like a Sunday.
DAY_FACTOR = {"weekday": 1.0, "saturday": 0.85, "sunday": 0.7, "holiday": 0.75}


@dataclass(frozen=True)
class Timeline:
    start: np.datetime64  # midnight of day 0
    days: int
    rest: np.ndarray  # bool per day: weekend or holiday (no commuting)
    factor: np.ndarray  # activity factor per day
    holidays: tuple[tuple[int, str], ...]  # (day index, name)
    lockdown_district: int  # index into the country's district table
    lockdown_days: np.ndarray  # bool per day

    def date(self, day: int) -> str:
        return str(self.start + np.timedelta64(day, "D"))


@lru_cache(maxsize=8)
def timeline(country_key: str, size: str, seed: int) -> Timeline:
    planted = PLANTED[country_key]
    days = SIZES[size].days
    start = np.datetime64(planted.period_start, "D")
    dates = start + np.arange(days)
    weekday = (dates.astype("datetime64[D]").view("int64") - 4) % 7  # 0 = Monday
    holidays = tuple(
        (int((np.datetime64(d) - start).astype(int)), name)
        for d, name in planted.holidays
        if 0 <= (np.datetime64(d) - start).astype(int) < days
    )
    holiday = np.zeros(days, dtype=bool)
    holiday[[d for d, _ in holidays]] = True
    factor = np.where(weekday == 5, DAY_FACTOR["saturday"], DAY_FACTOR["weekday"])
    factor = np.where(weekday == 6, DAY_FACTOR["sunday"], factor)
    factor = np.where(holiday, DAY_FACTOR["holiday"], factor)

    # The lockdown's district and dates follow the seed, so a cohort seed changes the answer.
    rng = stream(seed, country_key, size, "lockdown")
    length = planted.lockdown_days
    starts = [
        s for s in range(2, days - length - 1) if not holiday[max(0, s - 1) : s + length + 1].any()
    ]
    first = starts[rng.integers(len(starts))]
    lockdown = np.zeros(days, dtype=bool)
    lockdown[first : first + length] = True
    names = list(COUNTRIES[country_key].district_table()["district"])
    district = names.index(
        planted.lockdown_candidates[rng.integers(len(planted.lockdown_candidates))]
    )
    return Timeline(
        start=start,
        days=days,
        rest=(weekday >= 5) | holiday,
        factor=factor,
        holidays=holidays,
        lockdown_district=district,
        lockdown_days=lockdown,
    )
