"""Validate a data-sharing agreement: the published schema, then the checks a schema can't say.

Every function here returns findings and never raises on a bad document, so a checker run over
many files reports on all of them.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterator, Mapping
from pathlib import Path

from jsonschema import Draft202012Validator, ValidationError

from .findings import ERROR, WARNING, Finding
from .yamlfile import DOCUMENT, read_yaml_file

SCHEMA_PATH = Path(__file__).with_name("schema") / "agreement.schema.json"
SAMPLES_DIR = Path(__file__).with_name("samples")

# A purpose containing one of these phrases lets the data be used for almost anything. The list
# is a teaching heuristic, not a legal test: a precise purpose names what is measured, where
# and when (C4DC "Why?"; ICO data sharing code, Annex A "What is the aim?").
VAGUE_PURPOSES = (
    "any purpose",
    "any lawful purpose",
    "any other purpose",
    "other purposes",
    "any use",
    "general research",
    "research purposes",
    "public good",
    "as needed",
    "as required",
    "including but not limited to",
    "future use",
)

_PLAIN_TYPES = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "array": "a list",
    "object": "a section of named entries (key: value)",
    "boolean": "true or false",
}


@functools.cache
def load_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@functools.cache
def _validator() -> Draft202012Validator:
    schema = load_schema()
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def load_agreement(path: str | Path) -> tuple[dict | None, list[Finding]]:
    """Read an agreement file: ``(data, [])``, or ``(None, findings)`` when it can't be read."""
    data, findings = read_yaml_file(path)
    if findings:
        return None, findings
    if data is None:
        return None, [Finding(DOCUMENT, "the file is empty. Start from a sample agreement.")]
    if not isinstance(data, dict):
        return None, [
            Finding(
                DOCUMENT,
                "the file must be a set of named sections (key: value lines), "
                f"not {_PLAIN_TYPES.get(_json_type(data), 'a single value')}.",
            )
        ]
    return data, []


def check_file(path: str | Path) -> list[Finding]:
    """Every finding for one agreement file (syntax, schema and cross-field checks)."""
    data, findings = load_agreement(path)
    return findings if data is None else check_agreement(data)


def check_agreement(agreement: object) -> list[Finding]:
    """Schema findings, then cross-field findings, for an agreement already loaded."""
    if not isinstance(agreement, Mapping):
        return [Finding(DOCUMENT, "an agreement must be a mapping of named sections.")]
    agreement = _dates_as_text(dict(agreement))
    return schema_findings(agreement) + cross_checks(agreement)


def schema_findings(agreement: Mapping) -> list[Finding]:
    """Findings from the JSON Schema, one per problem, in document order."""
    findings: list[Finding] = []
    errors = sorted(_validator().iter_errors(agreement), key=lambda e: [str(p) for p in e.path])
    for error in errors:
        for path, problem in _explain(error):
            finding = Finding(path, problem, ERROR)
            if finding not in findings:
                findings.append(finding)
    return findings


def cross_checks(agreement: Mapping) -> list[Finding]:
    """What the schema can't express: a vague purpose, dates that contradict each other, and a
    breach notice between the parties that comes later than the regulator's deadline."""
    findings: list[Finding] = []
    statement = _get(agreement, "purpose", "statement")
    if isinstance(statement, str):
        vague = [p for p in VAGUE_PURPOSES if p in statement.lower()]
        if vague:
            findings.append(
                Finding(
                    "purpose.statement",
                    f"is too broad: '{vague[0]}' lets the data be used for almost anything. "
                    "Name one precise purpose: what is measured, where and when.",
                )
            )

    start, end = (
        _date(agreement, "analysis_period", "start"),
        _date(agreement, "analysis_period", "end"),
    )
    term_start, term_end = (
        _date(agreement, "term", "start_date"),
        _date(agreement, "term", "end_date"),
    )
    deletion = _date(agreement, "retention", "deletion_date")

    if start and end and end < start:
        findings.append(Finding("analysis_period.end", f"{end} is before the start ({start})."))
    if term_start and term_end and term_end < term_start:
        findings.append(
            Finding("term.end_date", f"{term_end} is before the term starts ({term_start}).")
        )
    if term_start and start and term_start > start:
        findings.append(
            Finding(
                "term.start_date",
                f"the analysis starts on {start}, before the agreement does ({term_start}); "
                "no data may be used outside the term.",
            )
        )
    if term_end and end and term_end < end:
        findings.append(
            Finding(
                "term.end_date",
                f"the agreement ends on {term_end}, before the analysis does ({end}); "
                "extend the term or shorten the analysis.",
            )
        )
    if deletion and end and deletion <= end:
        findings.append(
            Finding(
                "retention.deletion_date",
                f"{deletion} is not after the end of the analysis ({end}): the data would be "
                "deleted while it is still being analysed. Set a date after the analysis ends.",
            )
        )
    if deletion and term_end and deletion > term_end:
        findings.append(
            Finding(
                "retention.deletion_date",
                f"{deletion} is after the agreement ends ({term_end}): no clause would govern "
                "the data in between.",
                WARNING,
            )
        )
    to_parties = _get(agreement, "security", "breach_notification_hours")
    to_regulator = _get(agreement, "security", "breach_notice", "regulator_hours")
    if _is_hours(to_parties) and _is_hours(to_regulator) and to_parties > to_regulator:
        findings.append(
            Finding(
                "security.breach_notification_hours",
                f"a party may wait {to_parties} hours to tell the others of a breach, but the "
                f"regulator must be told within {to_regulator} hours: the controller could learn "
                "of it too late. Tell the parties no later than the regulator.",
            )
        )
    return findings


def _is_hours(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- helpers -------------------------------------------------------------------------------


def _get(data: Mapping, *keys: str) -> object:
    for key in keys:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def _date(data: Mapping, *keys: str) -> dt.date | None:
    return as_date(_get(data, *keys))


def as_date(value: object) -> dt.date | None:
    """A date from a date or ISO text; ``None`` when it is missing or not a real date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _dates_as_text(value: object) -> object:
    # yaml.safe_load turns 2025-01-31 into a date; the schema (like JSON) expects text.
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    return value


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _dotted(parts) -> str:
    return ".".join(str(p) for p in parts)


def _description(parts: list) -> str | None:
    """The schema's description of the field at an instance path, if it has one."""
    schema = load_schema()
    node: Mapping | None = schema
    for part in parts:
        node = _resolve(node)
        if node is None:
            return None
        node = node.get("items") if isinstance(part, int) else node.get("properties", {}).get(part)
    node = _resolve(node)
    return node.get("description") if isinstance(node, Mapping) else None


def _resolve(node: Mapping | None) -> Mapping | None:
    if isinstance(node, Mapping) and "$ref" in node and "description" not in node:
        return load_schema()["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    if isinstance(node, Mapping) and "$ref" in node:
        target = dict(load_schema()["$defs"][node["$ref"].rsplit("/", 1)[-1]])
        target["description"] = node["description"]
        return target
    return node


def _explain(error: ValidationError) -> Iterator[tuple[str, str]]:
    """Turn one schema error into (path, plain-language problem) pairs."""
    parts = list(error.absolute_path)
    here = _dotted(parts) or DOCUMENT
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind == "required":
        names = [n for n in expected if isinstance(value, Mapping) and n not in value]
        for name in names:
            why = _description([*parts, name])
            problem = "is missing: add it."
            if "then" in error.schema_path and error.schema.get("description"):
                problem = f"is missing: it is {error.schema['description']}."
            yield _dotted([*parts, name]), problem + (f" ({why})" if why else "")
        return
    why = _description(parts)
    if kind == "const":
        problem = f"is {json.dumps(value)} but must be {json.dumps(expected)}."
    elif kind == "enum":
        problem = f"{value!r} is not one of the allowed values: {', '.join(map(str, expected))}."
    elif kind == "type":
        problem = f"should be {_PLAIN_TYPES.get(expected, expected)}, not {_PLAIN_TYPES.get(_json_type(value), 'empty')}."
    elif kind == "format" and expected == "date":
        problem = f"{value!r} is not a real date written as YYYY-MM-DD."
    elif kind == "minLength":
        problem = (
            "is empty." if expected <= 1 else f"is too short (at least {expected} characters)."
        )
    elif kind == "minItems":
        problem = f"needs at least {expected} item(s)."
    elif kind == "minimum":
        problem = f"is {value}, below the smallest allowed value ({expected})."
    elif kind == "maximum":
        problem = f"is {value}, above the largest allowed value ({expected})."
    elif kind == "additionalProperties":
        extras = sorted(set(value) - set(error.schema.get("properties", {})))
        problem = (
            f"has unknown entries: {', '.join(map(str, extras))}. Check their spelling against "
            "the schema."
        )
        why = None
    elif kind == "contains":
        problem, why = "lacks a required party.", error.schema.get("description")
    else:
        problem = error.message + "."
    yield here, problem + (f" ({why})" if why else "")
