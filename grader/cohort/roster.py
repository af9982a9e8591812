"""The roster: learners (id, name, email) read from a CSV file into nbgrader's gradebook.

Bad rows are reported by line number; good rows are still imported.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import GraderError
from .folder import Cohort

# nbgrader uses the id as a folder name, so it must be safe as one on every system.
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LMS_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
# A spreadsheet reads a cell that starts with one of these as a formula (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_MAX_NAME = 200


def field_problem(column: str, value: str) -> str | None:
    """Why a roster field cannot be used (None: it can). Names and emails reach report CSVs,
    spreadsheets and feedback pages, so what a spreadsheet would run as a formula, control
    characters and very long text are refused."""
    if value.startswith(FORMULA_STARTS):
        return (
            f"the {column} {value[:40]!r} starts with {value[0]!r}, which a spreadsheet would "
            "run as a formula; remove that character"
        )
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in value):
        return f"the {column} {value[:40]!r} holds a control character (a tab, a line break …)"
    if len(value) > _MAX_NAME:
        return f"the {column} is {len(value)} characters long (at most {_MAX_NAME})"
    return None


@dataclass
class Learner:
    id: str
    name: str
    email: str = ""
    lms_id: str = ""

    @property
    def first_last(self) -> tuple[str, str]:
        parts = self.name.split()
        if len(parts) < 2:
            return self.name, ""
        return " ".join(parts[:-1]), parts[-1]


@dataclass
class RosterImport:
    learners: list[Learner] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def normalise(text: str) -> str:
    """Lower case letters and digits only, accents dropped: 'José  Pérez-Díaz' → 'joseperezdiaz'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c)).lower()


def read_roster(path: Path) -> RosterImport:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise GraderError(f"there is no roster file {path}", "check the path") from exc
    except UnicodeDecodeError as exc:
        raise GraderError(
            f"{path} is not UTF-8 text", "save it from your spreadsheet as 'CSV UTF-8'"
        ) from exc
    # Read as a file (not line by line), so a line break inside a quoted field stays in it.
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, lines, ended = [], [], 0
    for row in reader:
        rows.append(row)
        lines.append(ended + 1)  # the line the row starts on
        ended = reader.line_num
    if not rows:
        raise GraderError(f"{path} is empty", "the first line must be: id,name,email")
    header = [h.strip().lower() for h in rows[0]]
    if "id" not in header or "name" not in header:
        raise GraderError(
            f"{path}: the first line must name the columns id and name (and email); "
            f"found {', '.join(header) or 'nothing'}",
            "make the first line: id,name,email",
        )
    result = RosterImport()
    seen: dict[str, int] = {}
    for number, row in zip(lines[1:], rows[1:], strict=True):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            result.problems.append(
                f"line {number}: {len(row)} fields, expected {len(header)} "
                "(a comma inside a name needs quotes)"
            )
            continue
        values = {h: cell.strip(" ").rstrip() for h, cell in zip(header, row, strict=True)}
        bad = next(
            (
                problem
                for column in ("id", "name", "email", "lms_id")
                if (problem := field_problem(column, values.get(column, "")))
            ),
            None,
        )
        if bad:
            result.problems.append(f"line {number}: {bad}")
            continue
        learner = Learner(
            id=values["id"],
            name=" ".join(values["name"].split()),
            email=values.get("email", ""),
            lms_id=values.get("lms_id", ""),
        )
        if not _ID.match(learner.id):
            result.problems.append(
                f"line {number}: id {learner.id!r} must be letters, digits, '.', '_' or '-' "
                "(no spaces), at most 64 characters"
            )
        elif not learner.name:
            result.problems.append(f"line {number}: {learner.id} has no name")
        elif learner.email and not _EMAIL.match(learner.email):
            result.problems.append(f"line {number}: {learner.email!r} is not an email address")
        elif learner.lms_id and not _LMS_ID.match(learner.lms_id):
            result.problems.append(
                f"line {number}: the LMS id {learner.lms_id!r} must be letters, digits, '.', "
                "'_', ':' or '-'"
            )
        elif learner.id in seen:
            result.problems.append(
                f"line {number}: id {learner.id} is already used on line {seen[learner.id]}"
            )
        else:
            seen[learner.id] = number
            result.learners.append(learner)
    return result


def import_roster(cohort: Cohort, path: Path) -> RosterImport:
    result = read_roster(path)
    with cohort.gradebook() as gb:
        for learner in result.learners:
            first, last = learner.first_last
            gb.update_or_create_student(
                learner.id,
                first_name=first,
                last_name=last,
                email=learner.email or None,
                lms_user_id=learner.lms_id or None,
            )
    return result


def learners(cohort: Cohort) -> list[Learner]:
    with cohort.gradebook() as gb:
        return [
            Learner(
                id=s.id,
                name=" ".join(p for p in (s.first_name, s.last_name) if p),
                email=s.email or "",
                lms_id=s.lms_user_id or "",
            )
            for s in gb.students
        ]
