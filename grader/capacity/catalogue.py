"""Read and check the instrument (``capacity/instrument.yaml``) and the resource catalogue
(``capacity/resources.yaml``) against their JSON Schemas and against each other."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

from ..errors import GraderError
from ..paths import ROOT

DATA = ROOT / "capacity"
INSTRUMENT = DATA / "instrument.yaml"
RESOURCES = DATA / "resources.yaml"
SCHEMAS = DATA / "schema"


@dataclass(frozen=True)
class Instrument:
    """The self-assessment as data: its steps, roles and statements, in file order."""

    raw: dict = field(repr=False)

    @property
    def id(self) -> str:
        return self.raw["id"]

    @property
    def version(self) -> str:
        return self.raw["version"]

    @property
    def target(self) -> int:
        return int(self.raw["target"])

    @property
    def steps(self) -> list[dict]:
        return self.raw["steps"]

    @property
    def roles(self) -> list[dict]:
        return self.raw["roles"]

    @property
    def statements(self) -> list[dict]:
        return self.raw["statements"]

    def statement_ids(self) -> list[str]:
        return [s["id"] for s in self.statements]

    def areas(self, kind: str) -> list[dict]:
        """The steps (``kind="step"``) or the roles (``kind="role"``), in order."""
        return {"step": self.steps, "role": self.roles}[kind]

    def title_of(self, kind: str, area_id: str) -> str:
        for area in self.areas(kind):
            if area["id"] == area_id:
                return f"{area['number']}. {area['title']}" if kind == "step" else area["title"]
        raise KeyError(area_id)


@dataclass(frozen=True)
class Catalogue:
    """The resource catalogue: every resource, in file order, and lookup by id."""

    raw: dict = field(repr=False)

    @property
    def resources(self) -> list[dict]:
        return self.raw["resources"]

    def by_id(self) -> dict[str, dict]:
        return {r["id"]: r for r in self.resources}


def _read_yaml(path: Path) -> dict:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise GraderError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise GraderError(f"{path} is not valid YAML: {exc}", "fix the line it names") from exc
    if not isinstance(data, dict):
        raise GraderError(f"{path} should hold a mapping at the top level")
    # Dates and the like become text, as the schemas expect.
    return json.loads(json.dumps(data, default=str))


@cache
def schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))


def schema_problems(document: dict, name: str) -> list[str]:
    """Every way ``document`` breaks schema ``name``, as 'path: message' lines."""
    validator = Draft202012Validator(
        schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    problems = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.path))):
        where = "/".join(map(str, error.absolute_path)) or "(top)"
        problems.append(f"{where}: {error.message}")
    return problems


def _duplicates(values: list[str]) -> list[str]:
    seen, twice = set(), []
    for value in values:
        if value in seen:
            twice.append(value)
        seen.add(value)
    return twice


def instrument_problems(raw: dict) -> list[str]:
    """Schema errors, then cross-reference errors (unknown steps or roles, repeated ids)."""
    problems = schema_problems(raw, "instrument")
    if problems:
        return problems
    steps = [s["id"] for s in raw["steps"]]
    roles = [r["id"] for r in raw["roles"]]
    statements = raw["statements"]
    for kind, ids in (
        ("step", steps),
        ("role", roles),
        ("statement", [s["id"] for s in statements]),
    ):
        problems += [f"{kind} id {d!r} is used twice" for d in _duplicates(ids)]
    numbers = [s["number"] for s in raw["steps"]]
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append("steps must be numbered 1, 2, 3 ... in order")
    for statement in statements:
        if statement["step"] not in steps:
            problems.append(f"statement {statement['id']}: unknown step {statement['step']!r}")
        if statement["role"] not in roles:
            problems.append(f"statement {statement['id']}: unknown role {statement['role']!r}")
    for kind, ids in (("step", steps), ("role", roles)):
        used = {s[kind] for s in statements}
        problems += [f"{kind} {i!r} has no statement" for i in ids if i not in used]
    if [s["level"] for s in raw["scale"]] != [0, 1, 2, 3]:
        problems.append("scale: give levels 0, 1, 2 and 3, in that order")
    return problems


def catalogue_problems(raw: dict, instrument: Instrument) -> list[str]:
    problems = schema_problems(raw, "resources")
    if problems:
        return problems
    steps = {s["id"] for s in instrument.steps}
    roles = {r["id"] for r in instrument.roles}
    problems += [
        f"resource id {d!r} is used twice" for d in _duplicates([r["id"] for r in raw["resources"]])
    ]
    for resource in raw["resources"]:
        for step in resource["steps"]:
            if step not in steps:
                problems.append(f"resource {resource['id']}: unknown step {step!r}")
        for role in resource["roles"]:
            if role not in roles:
                problems.append(f"resource {resource['id']}: unknown role {role!r}")
    return problems


def _raise(path: Path, problems: list[str]) -> None:
    shown = "\n".join(f"  - {p}" for p in problems[:20])
    more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
    raise GraderError(
        f"{path} has {len(problems)} problem(s):\n{shown}{more}",
        f"fix them; the schema is in {SCHEMAS}",
    )


def load_instrument(path: Path | None = None) -> Instrument:
    """The instrument, checked; ``GraderError`` listing every problem otherwise."""
    path = Path(path or INSTRUMENT)
    raw = _read_yaml(path)
    problems = instrument_problems(raw)
    if problems:
        _raise(path, problems)
    return Instrument(raw)


def load_catalogue(instrument: Instrument | None = None, path: Path | None = None) -> Catalogue:
    """The resource catalogue, checked against its schema and the instrument's steps and roles."""
    path = Path(path or RESOURCES)
    raw = _read_yaml(path)
    problems = catalogue_problems(raw, instrument or load_instrument())
    if problems:
        _raise(path, problems)
    return Catalogue(raw)
