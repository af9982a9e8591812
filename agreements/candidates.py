"""Candidate releases for the labs: tables a statistics office might propose to publish.

Made from the synthetic ``mno_subscribers`` table (Botswana). Some respect the sample
agreement's publication rules and term, some do not; which is which is decided by
``check_release``, never written down here.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

AGE_BANDS = [(15, 24), (25, 34), (35, 44), (45, 54), (55, 64)]


def age_band(age: pd.Series) -> pd.Series:
    """The census age bands (15-24 ... 65+) for ages of 15 and over."""
    labels = [f"{lo}-{hi}" for lo, hi in AGE_BANDS]
    bins = [lo for lo, _ in AGE_BANDS] + [65, 200]
    return pd.cut(age, bins=bins, right=False, labels=[*labels, "65+"]).astype(str)


def _counts(frame: pd.DataFrame, by: list[str], threshold: int | None) -> pd.DataFrame:
    table = frame.groupby(by).size().rename("subscribers").reset_index()
    if threshold is not None:
        # Suppression here only drops the cells at or below the threshold; real releases also
        # need complementary suppression so totals cannot reveal them (lesson 5).
        table = table[table["subscribers"] > threshold]
    return table.sort_values(by).reset_index(drop=True)


def candidate_releases(subscribers: pd.DataFrame, threshold: int = 15) -> dict[str, dict]:
    """Six proposed releases: ``{release_id: {"spec": {...}, "table": DataFrame}}``."""
    frame = subscribers.assign(
        district=subscribers["home_district"], age_band=age_band(subscribers["age"])
    )
    plans = [
        ("All districts, as counted", ["district"], None, "district", "2025-10-15"),
        (
            "Districts, small cells suppressed",
            ["district"],
            threshold,
            "district",
            "2025-10-15",
        ),
        ("National totals by sex", ["sex"], None, "national", "2026-09-30"),
        (
            "District by sex and age band, small cells suppressed",
            ["district", "sex", "age_band"],
            threshold,
            "district",
            "2026-11-02",
        ),
        (
            "Home towers, small cells suppressed",
            ["home_tower_id"],
            threshold,
            "tower",
            "2026-02-01",
        ),
        (
            "District by single year of age, small cells suppressed",
            ["district", "age"],
            threshold,
            "district",
            "2026-02-01",
        ),
    ]
    releases = {}
    for number, (title, by, cut, level, date) in enumerate(plans, start=1):
        release_id = f"release-{number}"
        releases[release_id] = {
            "spec": {
                "release_id": release_id,
                "title": title,
                "table": f"{release_id}.csv",
                "count_field": "subscribers",
                "aggregation_level": level,
                "publication_date": date,
            },
            "table": _counts(frame, by, cut),
        }
    return releases


def write_releases(releases: dict[str, dict], out: Path) -> list[Path]:
    """Write each release as ``<id>.yaml`` (its description) and ``<id>.csv`` (its table)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    header = (
        "# A candidate release (synthetic data): a table someone proposes to publish.\n"
        "# Made by `python -m agreements make-releases`; the table is in the CSV file named below.\n"
    )
    for release_id, release in releases.items():
        spec_path = out / f"{release_id}.yaml"
        spec_path.write_text(
            header + yaml.safe_dump(release["spec"], sort_keys=False), encoding="utf-8"
        )
        table_path = out / release["spec"]["table"]
        release["table"].to_csv(table_path, index=False, lineterminator="\n")
        written += [spec_path, table_path]
    return written
