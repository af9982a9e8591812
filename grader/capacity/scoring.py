"""One saved self-assessment: read it, check it, and turn it into levels and gaps.

The rules are simple so that the book page's JavaScript (``static/capacity.js``) applies the
same ones: an area's level is the mean of the levels given to its answered statements (0-3);
its gap is the instrument's target minus that level; unanswered statements are left out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .catalogue import Catalogue, Instrument, schema_problems

KINDS = ("step", "role")


class ResponseError(Exception):
    """A file that is not a usable saved self-assessment; the message says why, in plain words."""


@dataclass(frozen=True)
class Response:
    path: Path
    kind: str  # person or institution
    label: str
    country: str
    round: str  # before, after or other
    answers: dict[str, int | None] = field(repr=False)
    version: str = ""

    @property
    def answered(self) -> int:
        return sum(v is not None for v in self.answers.values())


def _major(version: str) -> str:
    return str(version).split(".", 1)[0]


def parse_response(data: object, instrument: Instrument, path: Path) -> Response:
    """Check a decoded response file against the instrument; ``ResponseError`` if unusable."""
    if not isinstance(data, dict):
        raise ResponseError("it is JSON, but not a saved self-assessment (no fields)")
    found = data.get("instrument")
    if found != instrument.id:
        raise ResponseError(
            f"it comes from another tool (instrument {found!r}, expected {instrument.id!r})"
        )
    version = str(data.get("instrument_version", ""))
    if _major(version) != _major(instrument.version):
        raise ResponseError(
            f"it was saved with version {version or '(none)'} of the self-assessment; this report "
            f"reads version {_major(instrument.version)}.x (answer the current version again)"
        )
    problems = schema_problems(data, "response")
    if problems:
        raise ResponseError("it is damaged: " + "; ".join(problems[:3]))
    known = set(instrument.statement_ids())
    unknown = sorted(set(data["answers"]) - known)
    if unknown:
        raise ResponseError(
            f"it answers statements this version does not have: {', '.join(unknown[:5])}"
        )
    answers = {sid: data["answers"].get(sid) for sid in instrument.statement_ids()}
    if not any(v is not None for v in answers.values()):
        raise ResponseError("it has no answers")
    respondent = data["respondent"]
    return Response(
        path=Path(path),
        kind=respondent["kind"],
        label=str(respondent.get("label", "")).strip(),
        country=str(respondent.get("country", "")),
        round=data["round"],
        answers=answers,
        version=version,
    )


def read_response(path: Path, instrument: Instrument) -> Response:
    """Read one saved file; ``ResponseError`` (never another exception) if it is unusable."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ResponseError(f"it cannot be read ({exc.strerror})") from exc
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ResponseError("it is not a JSON file saved by the self-assessment page") from exc
    return parse_response(data, instrument, path)


def levels(
    answers: dict[str, int | None], instrument: Instrument, kind: str
) -> dict[str, float | None]:
    """Mean level (0-3) of the answered statements in each step or role; None if none answered."""
    key = {"step": "step", "role": "role"}[kind]
    sums: dict[str, list[int]] = {a["id"]: [] for a in instrument.areas(kind)}
    for statement in instrument.statements:
        value = answers.get(statement["id"])
        if value is not None:
            sums[statement[key]].append(int(value))
    return {area: (sum(v) / len(v) if v else None) for area, v in sums.items()}


def gaps(area_levels: dict[str, float | None], instrument: Instrument) -> dict[str, float | None]:
    """How far each area is from the target (0 = at target); None where nothing was answered."""
    return {a: (None if v is None else instrument.target - v) for a, v in area_levels.items()}


def largest_gaps(
    area_levels: dict[str, float | None], instrument: Instrument, n: int = 3
) -> list[tuple[str, float]]:
    """The ``n`` areas furthest from the target (ties: the earlier area first), gap > 0 only."""
    order = {area: i for i, area in enumerate(area_levels)}
    found = [(a, g) for a, g in gaps(area_levels, instrument).items() if g is not None and g > 0]
    found.sort(key=lambda item: (-round(item[1], 9), order[item[0]]))
    return found[:n]


def matches(
    catalogue: Catalogue, kind: str, area_id: str, limit: int = 3, language: str = "en"
) -> list[str]:
    """Resources that build an area: those in the reader's ``language`` first, then the most
    specific (serving fewer areas of this kind), then free ones, then the newest, then by
    title. Returns their ids."""
    field_name = {"step": "steps", "role": "roles"}[kind]
    fitting = [r for r in catalogue.resources if area_id in r[field_name]]
    fitting.sort(
        key=lambda r: (
            language not in r["languages"],
            len(r[field_name]),
            r["cost"] != "free",
            -(r["year"] or 0),
            r["title"].lower(),
        )
    )
    return [r["id"] for r in fitting[:limit]]


def all_matches(
    catalogue: Catalogue, instrument: Instrument, limit: int = 3, language: str | None = None
) -> dict[str, list[str]]:
    """``"step:<id>"`` and ``"role:<id>"`` to matched resource ids, for every area, preferring
    resources in ``language`` (by default the instrument's)."""
    language = language or instrument.raw["language"]
    return {
        f"{kind}:{area['id']}": matches(catalogue, kind, area["id"], limit, language)
        for kind in KINDS
        for area in instrument.areas(kind)
    }
