"""The cohort report: every saved self-assessment in a folder, before and after a course.

``python -m grader capacity report FOLDER [--out DIR]`` writes, into DIR:

- ``capacity-responses.csv``: one row per usable file, with its level for every step and role;
- ``capacity-areas.csv``: per step and role, the mean level before and after, the change, and
  whether a gap remains (with resources that build it);
- ``capacity-statements.csv``: the same per statement;
- ``capacity-steps.png`` and ``capacity-roles.png``: before/after charts.

A file that cannot be used (not JSON, from another tool, another version, damaged) is named
with the reason and skipped; the others are still read.

With ``--language es``, the CSV headers, area titles, statement texts and chart labels are in
Spanish; the values (ids, rounds, levels, yes/no) stay the same in every language, so that
reports in different languages can be compared and read by the same tools.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import GraderError
from .catalogue import Catalogue, Instrument
from .scoring import KINDS, Response, ResponseError, levels, matches, read_response
from .translation import N_, Translator

ROUNDS = ("before", "after", "other")
# A gap "remains" when the latest round's mean level is below this ("in place").
IN_PLACE = 2.0
# The CSV headers as shown (a column not named here, such as step:need, keeps its id).
COLUMNS = {
    "file": N_("file"),
    "round": N_("round"),
    "kind": N_("kind"),
    "label": N_("label"),
    "country": N_("country"),
    "answered": N_("answered"),
    "area": N_("area"),
    "title": N_("title"),
    "n_before": N_("n_before"),
    "before": N_("before"),
    "n_after": N_("n_after"),
    "after": N_("after"),
    "change": N_("change"),
    "gap": N_("gap"),
    "remaining": N_("remaining"),
    "resources": N_("resources"),
    "statement": N_("statement"),
    "step": N_("step"),
    "role": N_("role"),
    "text": N_("text"),
}
CHART_TITLES = {
    "step": N_("Capacity by step, before and after"),
    "role": N_("Capacity by role, before and after"),
}


@dataclass
class CohortReport:
    responses: list[Response]
    skipped: list[tuple[Path, str]]
    areas: list[dict] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def rounds(self) -> dict[str, int]:
        counts = {r: 0 for r in ROUNDS}
        for response in self.responses:
            counts[response.round] += 1
        return {r: n for r, n in counts.items() if n}

    def remaining(self) -> list[dict]:
        return [a for a in self.areas if a["remaining"] == "yes"]


def read_folder(
    folder: Path, instrument: Instrument
) -> tuple[list[Response], list[tuple[Path, str]]]:
    """Every ``*.json`` file under ``folder``: the usable responses and (file, reason) skipped."""
    folder = Path(folder)
    if not folder.is_dir():
        raise GraderError(f"{folder} is not a folder", "give the folder that holds the saved files")
    responses, skipped = [], []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() == ".json"):
        try:
            responses.append(read_response(path, instrument))
        except ResponseError as exc:
            skipped.append((path, str(exc)))
    return responses, skipped


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _by_round(responses: list[Response], value_of) -> dict[str, tuple[float | None, int]]:
    """Per round: the mean of ``value_of(response)`` over responses where it is not None, and n."""
    out = {}
    for rnd in ROUNDS:
        values = [v for r in responses if r.round == rnd and (v := value_of(r)) is not None]
        out[rnd] = (_mean(values), len(values))
    return out


def area_rows(
    responses: list[Response], instrument: Instrument, catalogue: Catalogue
) -> list[dict]:
    resources = catalogue.by_id()
    per_response = {id(r): {k: levels(r.answers, instrument, k) for k in KINDS} for r in responses}
    rows = []
    for kind in KINDS:
        for area in instrument.areas(kind):
            stats = _by_round(responses, lambda r, k=kind, a=area["id"]: per_response[id(r)][k][a])
            before, n_before = stats["before"]
            after, n_after = stats["after"]
            latest = (
                after
                if after is not None
                else (before if before is not None else stats["other"][0])
            )
            change = after - before if after is not None and before is not None else None
            remaining = latest is not None and latest < IN_PLACE
            suggested = (
                matches(catalogue, kind, area["id"], language=instrument.raw["language"])
                if remaining
                else []
            )
            rows.append(
                {
                    "kind": kind,
                    "area": area["id"],
                    "title": instrument.title_of(kind, area["id"]),
                    "n_before": n_before,
                    "before": _fmt(before),
                    "n_after": n_after,
                    "after": _fmt(after),
                    "change": "" if change is None else f"{change:+.2f}",
                    "gap": _fmt(None if latest is None else instrument.target - latest),
                    "remaining": "yes" if remaining else "no",
                    "resources": "; ".join(resources[r]["title"] for r in suggested),
                }
            )
    return rows


def _statement_rows(responses: list[Response], instrument: Instrument) -> list[dict]:
    rows = []
    for statement in instrument.statements:
        stats = _by_round(responses, lambda r, s=statement["id"]: r.answers.get(s))
        before, after = stats["before"][0], stats["after"][0]
        rows.append(
            {
                "statement": statement["id"],
                "step": statement["step"],
                "role": statement["role"],
                "before": _fmt(before),
                "after": _fmt(after),
                "change": "" if before is None or after is None else f"{after - before:+.2f}",
                "text": statement["text"],
            }
        )
    return rows


def _response_rows(responses: list[Response], instrument: Instrument, folder: Path) -> list[dict]:
    rows = []
    for response in responses:
        row = {
            "file": response.path.relative_to(folder).as_posix(),
            "round": response.round,
            "kind": response.kind,
            "label": response.label,
            "country": response.country,
            "answered": response.answered,
        }
        for kind in KINDS:
            for area, value in levels(response.answers, instrument, kind).items():
                row[f"{kind}:{area}"] = _fmt(value)
        rows.append(row)
    return rows


def _write_csv(path: Path, rows: list[dict], columns: list[str], t: Translator) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writerow({c: t(COLUMNS[c]) if c in COLUMNS else c for c in columns})
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _chart(path: Path, rows: list[dict], kind: str, instrument: Instrument, t: Translator) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mine = [r for r in rows if r["kind"] == kind]
    labels = [r["title"] for r in mine]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(mine) + 1.4), dpi=100)
    ys = range(len(mine))
    for offset, column, colour, hatch, label in (
        (-0.2, "before", "#9ecae1", "", t(N_("Before"))),
        (0.2, "after", "#08519c", "//", t(N_("After"))),
    ):
        values = [float(r[column]) if r[column] else 0.0 for r in mine]
        if any(r[column] for r in mine):
            ax.barh([y + offset for y in ys], values, height=0.38, color=colour, hatch=hatch,
                    edgecolor="#333333", label=label)  # fmt: skip
    ax.set_yticks(list(ys), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, instrument.target)
    ax.set_xlabel(t(N_("Mean level (0 = not in place, 3 = proven)")))
    ax.axvline(IN_PLACE, color="#666666", linestyle="--", linewidth=1)
    ax.set_title(t(CHART_TITLES[kind]))
    ax.legend(loc="lower right", frameon=False)
    fig.tight_layout()
    fig.savefig(path, format="png", metadata={"Software": None})
    plt.close(fig)
    return path


def cohort_report(
    folder: Path,
    out: Path,
    instrument: Instrument,
    catalogue: Catalogue,
    language: str | None = None,
) -> CohortReport:
    """Read every saved file in ``folder`` and write the CSVs and charts into ``out``, with
    headers and labels in ``language`` (English by default)."""
    folder = Path(folder)
    responses, skipped = read_folder(folder, instrument)
    # The files are read against the instrument as saved; only the words shown are translated.
    t = Translator(language)
    instrument, catalogue = t.instrument(instrument), t.catalogue(catalogue)
    if not responses:
        reasons = "".join(f"\n  - {p.name}: {why}" for p, why in skipped[:10])
        raise GraderError(
            f"no usable self-assessment in {folder} ({len(skipped)} file(s) skipped){reasons}",
            "put the .json files saved by the book's self-assessment page in that folder",
        )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    report = CohortReport(responses, skipped)
    report.areas = area_rows(responses, instrument, catalogue)
    response_rows = _response_rows(responses, instrument, folder)
    area_columns = [f"{k}:{a['id']}" for k in KINDS for a in instrument.areas(k)]
    report.files = [
        _write_csv(
            out / "capacity-responses.csv",
            response_rows,
            ["file", "round", "kind", "label", "country", "answered", *area_columns],
            t,
        ),
        _write_csv(out / "capacity-areas.csv", report.areas, list(report.areas[0]), t),
        _write_csv(
            out / "capacity-statements.csv",
            _statement_rows(responses, instrument),
            ["statement", "step", "role", "before", "after", "change", "text"],
            t,
        ),
        _chart(out / "capacity-steps.png", report.areas, "step", instrument, t),
        _chart(out / "capacity-roles.png", report.areas, "role", instrument, t),
    ]
    return report


def summary(report: CohortReport) -> list[str]:
    """A short text summary for the screen."""
    counts = ", ".join(f"{n} {r}" for r, n in report.rounds().items())
    lines = [f"Read {len(report.responses)} self-assessment(s): {counts}."]
    if report.skipped:
        lines.append(f"Skipped {len(report.skipped)} file(s):")
        lines += [f"  - {path}: {why}" for path, why in report.skipped]
    for kind in KINDS:
        lines.append(f"Mean level by {kind} (0-3), before -> after:")
        for row in (r for r in report.areas if r["kind"] == kind):
            change = f"  ({row['change']})" if row["change"] else ""
            lines.append(
                f"  {row['title']:<28} {row['before'] or '-':>5} -> {row['after'] or '-':<5}{change}"
            )
    remaining = report.remaining()
    if remaining:
        lines.append(f"Gaps that remain (latest mean level below {IN_PLACE:g}):")
        for row in remaining:
            lines.append(f"  {row['title']} ({row['kind']}): try {row['resources'] or '-'}")
    else:
        lines.append("No gap remains: every step and role is at least 'in place' on average.")
    return lines
