"""Call-detail-record generation speed: the vectorised generator vs a row-by-row baseline.

Run: ``python benchmarks/data_generation.py [--country botswana] [--repeat 5]``. Both are
measured in the same run on the same machine; the baseline (a Python loop calling Faker and
``random`` per record, as a first version would) runs on a small sample of SIMs because it is
slow. A benchmark, not a test: numbers vary with the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

import pandas as pd
from faker import Faker

from synthetic_data.mno import cdr_chunk, sims, towers
from synthetic_data.names import LOCALES
from synthetic_data.timeline import HOURLY, timeline


def vectorised(country: str, repeat: int) -> tuple[float, int]:
    """Records per second of the vectorised generator, DataFrame included."""
    n = len(sims(country, "small", 2024).person)
    cdr_chunk(country, "small", 2024, 0, n)  # warm caches (population, towers) outside timing
    rows, start = 0, time.perf_counter()
    for k in range(repeat):
        # Each chunk offset has its own random stream, so no run repeats another's work.
        rows += len(cdr_chunk(country, "small", 2024, k, n))
    return rows / (time.perf_counter() - start), rows


def baseline(country: str, n_sims: int) -> tuple[float, int]:
    """Records per second of a row-by-row generator with the same behaviour model."""
    s = sims(country, "small", 2024)
    tl = timeline(country, "small", 2024)
    tower_ids = towers(country, "small", 2024)["tower_id"].tolist()
    fake = Faker(LOCALES[country])
    fake.seed_instance(1)
    rnd = random.Random(1)
    start_day = dt.datetime.fromisoformat(str(tl.start))
    hours = list(range(24))
    plan = "7#######" if country == "botswana" else "9#######"
    ranks = list(range(s.contacts.shape[1]))
    rank_weights = [1 / (r + 1) for r in ranks]
    rows = []
    t0 = time.perf_counter()
    for i in range(n_sims):
        for day in range(tl.days):
            lam = s.rate[i] * tl.factor[day]
            # Poisson by counting exponential gaps, one random draw at a time.
            k, acc = 0, rnd.expovariate(1.0)
            while acc < lam:
                k += 1
                acc += rnd.expovariate(1.0)
            for _ in range(k):
                profile = HOURLY["restday" if tl.rest[day] else "workday"]
                hour = rnd.choices(hours, weights=profile)[0]
                u = rnd.random()
                if hour < 7 or hour >= 21 or u < 0.55:
                    tower = tower_ids[s.home_towers[i, 0]]
                elif s.work_tower[i] >= 0 and not tl.rest[day] and 8 <= hour < 17:
                    tower = tower_ids[s.work_tower[i]]
                else:
                    tower = tower_ids[s.fav_towers[i, rnd.randrange(3)]]
                sms = rnd.random() < s.sms_share[i]
                contact = s.contacts[i, rnd.choices(ranks, weights=rank_weights)[0]]
                # Off-net numbers are invented by Faker on the fly, one call per record.
                callee = str(s.phone[contact]) if contact >= 0 else fake.numerify(plan)
                rows.append(
                    {
                        "caller": str(s.phone[i]),
                        "callee": callee,
                        "timestamp": start_day
                        + dt.timedelta(days=day, hours=hour, seconds=rnd.randrange(3600)),
                        "tower_id": tower,
                        "duration_s": 0 if sms else max(1, round(rnd.lognormvariate(4.1, 1.0))),
                        "type": "sms" if sms else "call",
                    }
                )
    frame = pd.DataFrame(rows).sort_values("timestamp")
    return len(frame) / (time.perf_counter() - t0), len(frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--country", default="botswana")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline-sims", type=int, default=300)
    args = parser.parse_args()
    fast, fast_rows = vectorised(args.country, args.repeat)
    slow, slow_rows = baseline(args.country, args.baseline_sims)
    print(f"vectorised: {fast:>12,.0f} records/s  ({fast_rows:,} records)")
    print(f"baseline:   {slow:>12,.0f} records/s  ({slow_rows:,} records, row by row, Faker)")
    print(f"ratio:      {fast / slow:>12,.0f}x")
    print(
        f"targets: >= 1,000,000 records/s {'met' if fast >= 1e6 else 'NOT met'}; "
        f">= 100x baseline {'met' if fast / slow >= 100 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
