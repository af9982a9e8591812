"""Unicity of the synthetic call records against the literature, at two resolutions.

Run: ``python benchmarks/unicity.py [--country botswana] [--skip-large]``. For each country it
prints the share of SIMs singled out by p = 1..5 random points of their trace (de Montjoye et
al. 2013, Sci. Rep. 3:1376) at tower x hour and at district x day, on ``small`` (all SIMs) and
on a 50,000-SIM sample of ``large`` (the first chunk of the national-scale CDR; 10,000 of its
SIMs measured, the 50,000 as the crowd), then checks the targets of issue 15:

- tower x hour, on ``small``: p = 4 at least 0.90; p = 2 between 0.4 and 0.9;
- district x day: p = 4 between 0.25 and 0.75 on ``small``, and on the ``large`` sample at least
  half of the ``small`` value (uniqueness must not collapse as the crowd grows).

The numbers are those of ``ground_truth.json`` (``synthetic_data.unicity.unicity_curves``), so
lessons, data cards and this script quote one computation. A measurement, not a test: the large
sample needs the national-scale subscribers, which takes minutes and a few GiB.
"""

from __future__ import annotations

import argparse
import sys
import time

from synthetic_data.countries import COUNTRIES
from synthetic_data.unicity import RESOLUTIONS, UNICITY_P, unicity_curves

SEED = 2024


def _row(curve: dict) -> str:
    return "  ".join(f"p={p} {curve[str(p)]['share']:.3f}" for p in UNICITY_P)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--country", action="append", choices=sorted(COUNTRIES))
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--skip-large", action="store_true", help="small only (seconds)")
    args = parser.parse_args()
    failed = False
    for country in args.country or sorted(COUNTRIES):
        curves = {}
        for size in ("small",) if args.skip_large else ("small", "large"):
            started = time.perf_counter()
            curves[size] = unicity_curves(country, size, args.seed)
            seconds = time.perf_counter() - started
            found = curves[size]
            print(
                f"{country} {size}: crowd {found['crowd_sims']:,} SIMs, "
                f"{found['measured_sims']:,} measured ({seconds:.0f} s)"
            )
            for resolution in RESOLUTIONS:
                print(f"  {resolution:15s} {_row(found[resolution])}")
        fine = curves["small"]["tower x hour"]
        coarse = curves["small"]["district x day"]
        checks = [
            ("tower x hour, small: p=4 >= 0.90", fine["4"]["share"] >= 0.90),
            ("tower x hour, small: 0.4 <= p=2 <= 0.9", 0.4 <= fine["2"]["share"] <= 0.9),
            ("district x day, small: 0.25 <= p=4 <= 0.75", 0.25 <= coarse["4"]["share"] <= 0.75),
        ]
        if "large" in curves:
            large = curves["large"]["district x day"]["4"]["share"]
            ratio = large / coarse["4"]["share"]
            checks.append(
                (f"district x day, large sample / small at p=4 = {ratio:.2f} >= 0.5", ratio >= 0.5)
            )
        for text, ok in checks:
            print(f"  target {text}: {'met' if ok else 'NOT met'}")
            failed |= not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
