"""Does a proposed release respect an agreement? The REFERENCE check for the labs and tests.

A release is a mapping with these keys (``load_release`` builds one from a YAML file and its
CSV table):

- ``fields``: the columns of the published table;
- ``aggregation_level``: the geographic level of its rows (``district``, ``national``...);
- ``min_count``: the smallest count in the table;
- ``publication_date``: when it is to be published (ISO text or a date).

``check_release`` returns one finding per broken rule, with the release key as its path, so
``{f.path for f in check_release(r, a)}`` is the set of keys at fault (empty when compliant).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

from .findings import Finding
from .validate import as_date
from .yamlfile import DOCUMENT, read_yaml_file

RELEASE_KEYS = ("fields", "aggregation_level", "min_count", "publication_date")


def check_release(release: object, agreement: object) -> list[Finding]:
    """Findings for every publication rule or term date that ``release`` breaks."""
    if not isinstance(release, Mapping):
        return [Finding("(release)", "a release must be a mapping with " + ", ".join(RELEASE_KEYS))]
    if not isinstance(agreement, Mapping):
        return [Finding("(agreement)", "the agreement must be a mapping of named sections.")]
    rules = agreement.get("publication")
    rules = rules if isinstance(rules, Mapping) else {}
    findings: list[Finding] = []
    if rules.get("publishes_aggregates") is not True:
        findings.append(
            Finding("(agreement)", "the agreement does not allow publishing tables of counts.")
        )

    fields, allowed = release.get("fields"), rules.get("allowed_fields")
    if not isinstance(fields, list | tuple) or not fields:
        findings.append(Finding("fields", "the release does not list the columns of its table."))
    elif not isinstance(allowed, list):
        findings.append(Finding("fields", "the agreement lists no allowed fields."))
    else:
        extra = [f for f in fields if f not in allowed]
        if extra:
            findings.append(
                Finding(
                    "fields",
                    f"{', '.join(map(str, extra))} may not be published; the agreement allows "
                    f"only {', '.join(map(str, allowed))}.",
                )
            )

    level, levels = release.get("aggregation_level"), rules.get("aggregation_levels")
    if not isinstance(levels, list) or level not in levels:
        findings.append(
            Finding(
                "aggregation_level",
                f"{level!r} is not an aggregation level the agreement allows "
                f"({', '.join(map(str, levels or [])) or 'none listed'}).",
            )
        )

    smallest, threshold = release.get("min_count"), rules.get("suppression_threshold")
    if not _is_count(threshold):
        findings.append(
            Finding(
                "min_count",
                "the agreement sets no suppression threshold, so no table may be published.",
            )
        )
    elif not _is_count(smallest):
        findings.append(Finding("min_count", "the release does not say its smallest count."))
    elif smallest <= threshold:  # every count must be greater than the threshold
        findings.append(
            Finding(
                "min_count",
                f"the smallest count is {smallest}, but every count must be greater than "
                f"{threshold}: suppress or combine the small cells.",
            )
        )

    when = as_date(release.get("publication_date"))
    term = agreement.get("term") if isinstance(agreement.get("term"), Mapping) else {}
    start, end = as_date(term.get("start_date")), as_date(term.get("end_date"))
    if when is None:
        findings.append(Finding("publication_date", "is missing or not a date (YYYY-MM-DD)."))
    elif start is None or end is None:
        findings.append(
            Finding("publication_date", "the agreement's term has no valid start and end dates.")
        )
    elif not start <= when <= end:
        findings.append(
            Finding(
                "publication_date",
                f"{when} is outside the agreement's term ({start} to {end}, both included).",
            )
        )
    return findings


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def load_release(path: str | Path) -> tuple[dict | None, list[Finding]]:
    """Read a release file (YAML naming a CSV table); fields and min_count come from the table.

    The YAML holds ``title``, ``table`` (a CSV file beside it), ``count_field``,
    ``aggregation_level`` and ``publication_date``; the columns and the smallest count are
    read from the table itself, so they cannot disagree with it.
    """
    path = Path(path)
    spec, findings = read_yaml_file(path)
    if findings:
        return None, findings
    if not isinstance(spec, dict):
        return None, [Finding(DOCUMENT, "a release file must be a set of key: value lines.")]
    missing = [
        k
        for k in ("table", "count_field", "aggregation_level", "publication_date")
        if k not in spec
    ]
    if missing:
        return None, [Finding(k, "is missing: add it.") for k in missing]
    table = path.parent / str(spec["table"])
    try:
        with table.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
            header = list(rows[0]) if rows else []
    except OSError as exc:
        return None, [Finding("table", f"cannot read {table}: {exc.strerror}.")]
    except (UnicodeDecodeError, csv.Error) as exc:
        return None, [Finding("table", f"{table.name} is not a readable CSV file: {exc}.")]
    count_field = spec["count_field"]
    if count_field not in header:
        return None, [Finding("count_field", f"{count_field!r} is not a column of {table.name}.")]
    try:
        counts = [int(row[count_field]) for row in rows]
    except (TypeError, ValueError):
        return None, [
            Finding("count_field", f"{count_field!r} has values that are not whole numbers.")
        ]
    release = {
        "release_id": spec.get("release_id", path.stem),
        "title": spec.get("title", ""),
        "fields": header,
        "aggregation_level": spec["aggregation_level"],
        "min_count": min(counts) if counts else None,
        "publication_date": str(spec["publication_date"]),
        "rows": len(rows),
    }
    return release, []
