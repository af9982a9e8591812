"""National-scale (``large``) builds: time, peak memory and byte-determinism, per country.

Run: ``python benchmarks/large_build.py [--country botswana] [--twice] [--keep DIR]``. Each build
runs ``python -m synthetic_data build --size large`` in its own process, so its peak resident
memory (the kernel's ``ru_maxrss`` for that process) is measured exactly rather than sampled.
With ``--twice`` every country is built a second time into another folder and the two
manifests (the sha256 of every file) must be identical. A measurement, not a test: it takes
minutes and gigabytes (the issue's target: peak memory well under 4 GiB on a 2-core machine).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synthetic_data.countries import COUNTRIES

TARGET_GIB = 4.0


def build_once(country: str, out: Path, seed: int) -> tuple[float, float, dict]:
    """(seconds, peak GiB, manifest) of one build in a child process."""
    command = [sys.executable, "-m", "synthetic_data", "build", "--country", country]
    command += ["--size", "large", "--seed", str(seed), "--out", str(out)]
    started = time.perf_counter()
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"the build of {country} failed (exit {os.waitstatus_to_exitcode(status)})")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return seconds, usage.ru_maxrss / 2**20, manifest  # ru_maxrss is in KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--country", action="append", choices=sorted(COUNTRIES))
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--twice", action="store_true", help="build again and compare bytes")
    parser.add_argument("--keep", type=Path, help="keep the builds in this folder")
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory(prefix="large-build-") as tmp:
        root = args.keep or Path(tmp)
        for country in args.country or sorted(COUNTRIES):
            seconds, peak, manifest = build_once(country, root / f"{country}-1", args.seed)
            rows = manifest["files"]["mno_cdr.parquet"]["rows"]
            print(
                f"{country}: {seconds / 60:.1f} min, peak memory {peak:.2f} GiB "
                f"({'under' if peak < TARGET_GIB else 'OVER'} the {TARGET_GIB:g} GiB target), "
                f"{rows:,} CDR rows ({rows / seconds:,.0f} per second of the whole build)",
                flush=True,
            )
            if args.twice:
                _, peak2, again = build_once(country, root / f"{country}-2", args.seed)
                same = again["files"] == manifest["files"]
                failed |= not same
                print(
                    f"{country}: second build {'byte-identical' if same else 'DIFFERENT'} "
                    f"({len(manifest['files'])} files; peak {peak2:.2f} GiB)",
                    flush=True,
                )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
