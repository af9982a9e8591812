"""Call-detail-record generation speed: the vectorised generator vs a row-by-row Faker baseline.

Run: ``python benchmarks/data_generation.py [--country botswana] [--repeat 5]``. Both sides are
measured in the same run, on the same machine, from the same synthetic subscribers (SIMs,
home/work/favourite towers, contacts, activity rates), and both end with a pandas DataFrame
of the same six columns sorted by time. A benchmark, not a test: numbers vary with the machine
and with whatever else it is running.

Vectorised: ``synthetic_data.mno.cdr_chunk`` for all small-size SIMs (numpy arrays for the
whole chunk, Arrow string columns, one DataFrame at the end). Each repeat uses another chunk
offset, which has its own random stream, so no repeat reuses another's work.

Baseline: what a straightforward first version written with Faker would do. For each SIM and
day it draws the number of events (a numpy Poisson draw, one scalar call), then for each
event it builds a dict with Faker calling one method per field:

- hour: ``fake.random_element`` over the weighted hourly profile (working or rest day);
- timestamp: ``fake.date_time_between`` inside that hour;
- tower: ``fake.boolean`` chooses home (always at night), work (office hours on working days,
  if the SIM's owner works) or one of three favourite places (``fake.random_element``);
- callee: a contact picked with ``fake.random_element`` (weights 1/rank); a contact on another
  network gets a number from ``fake.numerify`` in the national plan, as Faker users do;
- type: ``fake.boolean`` with the SIM's SMS share; duration: 0 for an SMS, else a lognormal
  draw from Faker's ``random`` instance (mean about a minute);

and appends it to a list; the list becomes a DataFrame sorted by time. It is a simpler model
than the vectorised one (no lockdown, no second-nearest home tower, no outings or trips, no
bursty activity), which flatters the baseline. It runs on a sample of SIMs because it is slow.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections import OrderedDict

import numpy as np
import pandas as pd
from faker import Faker

from synthetic_data.mno import CONTACTS, cdr_arrays, cdr_chunk, sims, towers
from synthetic_data.names import LOCALES
from synthetic_data.timeline import HOURLY, timeline

SEED = 2024
PLAN = {"botswana": "7#######", "uruguay": "9#######"}


def vectorised(country: str, repeat: int) -> tuple[float, float, int]:
    """Records per second: (numeric arrays only, DataFrame included) and the records made."""
    n = len(sims(country, "small", SEED).person)
    cdr_chunk(country, "small", SEED, 0, n)  # warm caches (population, towers) outside timing
    rows, start = 0, time.perf_counter()
    for k in range(1, repeat + 1):
        rows += len(cdr_arrays(country, "small", SEED, k, n)["sim"])
    arrays_rate = rows / (time.perf_counter() - start)
    rows, start = 0, time.perf_counter()
    for k in range(1, repeat + 1):
        rows += len(cdr_chunk(country, "small", SEED, k, n))
    return arrays_rate, rows / (time.perf_counter() - start), rows


def baseline(country: str, n_sims: int) -> tuple[float, int]:
    """Records per second of the row-by-row Faker generator described in the module docstring."""
    s = sims(country, "small", SEED)
    tl = timeline(country, "small", SEED)
    tower_ids = towers(country, "small", SEED)["tower_id"].tolist()
    fake = Faker(LOCALES[country])
    fake.seed_instance(1)
    rng = np.random.default_rng(1)
    start_day = dt.datetime.fromisoformat(str(tl.start))
    profiles = {
        rest: OrderedDict((h, float(w)) for h, w in enumerate(HOURLY[key]))
        for rest, key in ((False, "workday"), (True, "restday"))
    }
    ranks = OrderedDict((r, 1 / (r + 1)) for r in range(CONTACTS))
    rows = []
    t0 = time.perf_counter()
    for i in range(n_sims):
        for day in range(tl.days):
            midnight = start_day + dt.timedelta(days=day)
            rest = bool(tl.rest[day])
            for _ in range(rng.poisson(s.rate[i] * tl.factor[day])):
                hour = fake.random_element(profiles[rest])
                begin = midnight + dt.timedelta(hours=hour)
                timestamp = fake.date_time_between(
                    start_date=begin, end_date=begin + dt.timedelta(hours=1)
                )
                if hour < 7 or hour >= 21 or fake.boolean(chance_of_getting_true=55):
                    tower = tower_ids[s.home_towers[i, 0]]
                elif s.work_tower[i] >= 0 and not rest and 8 <= hour < 17:
                    tower = tower_ids[s.work_tower[i]]
                else:
                    tower = tower_ids[s.fav_towers[i, fake.random_element([0, 1, 2])]]
                contact = s.contacts[i, fake.random_element(ranks)]
                callee = str(s.phone[contact]) if contact >= 0 else fake.numerify(PLAN[country])
                sms = fake.boolean(chance_of_getting_true=round(float(s.sms_share[i]) * 100))
                rows.append(
                    {
                        "caller": str(s.phone[i]),
                        "callee": callee,
                        "timestamp": timestamp,
                        "tower_id": tower,
                        "duration_s": 0
                        if sms
                        else max(1, round(fake.random.lognormvariate(4.1, 1))),
                        "type": "sms" if sms else "call",
                    }
                )
    frame = pd.DataFrame(rows).sort_values(["timestamp", "caller"], ignore_index=True)
    return len(frame) / (time.perf_counter() - t0), len(frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--country", default="botswana")
    parser.add_argument("--repeat", type=int, default=5, help="vectorised runs (small, all SIMs)")
    parser.add_argument("--baseline-sims", type=int, default=300, help="SIMs for the baseline")
    args = parser.parse_args()
    arrays, fast, fast_rows = vectorised(args.country, args.repeat)
    slow, slow_rows = baseline(args.country, args.baseline_sims)
    print(f"vectorised: {fast:>12,.0f} records/s  ({fast_rows:,} records, DataFrame included)")
    print(f"  of which numpy arrays alone: {arrays:,.0f} records/s")
    print(f"baseline:   {slow:>12,.0f} records/s  ({slow_rows:,} records, row by row with Faker)")
    print(f"ratio:      {fast / slow:>12,.0f}x")
    print(
        f"targets: >= 1,000,000 records/s {'met' if fast >= 1e6 else 'NOT met'}; "
        f">= 100x baseline {'met' if fast / slow >= 100 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
