"""Due dates, extensions and the late policy, per lab (``due`` and ``extend``).

They are kept in ``COURSE/grading/deadlines.json`` and copied into nbgrader's gradebook (the
assignment's due date, each submission's extension), so nbgrader's own tools see them too.
When a hand-in was made is what ``collect`` recorded in nbgrader's ``timestamp.txt``: the
LMS's time, nbgrader's own ``timestamp.txt`` or the file's time.

Late policies (the points a late hand-in loses, computed by nbgrader's late-submission
plugins, ``nbgrader.plugins.LateSubmissionPlugin``):

- ``none`` (the default): lateness is recorded and shown, no points are lost;
- ``zero``: a late hand-in scores 0 (nbgrader's ``zero`` method);
- ``per-day:P``: a late hand-in loses P percent of its score for each day or part of a day
  late, never more than its score (a plugin of this course, ``PerDayPenalty``).

Penalties are computed again whenever grades are read for feedback or a report, so written
answers graded later, a new due date or an extension are always taken into account.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nbgrader.api import MissingEntry
from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float

from ..errors import GraderError
from .folder import Cohort

FILE = "grading/deadlines.json"
_POLICY = re.compile(r"^(none|zero|per-day:(\d{1,3}(?:\.\d+)?))$")
POLICY_HELP = "none (record only), zero (a late hand-in scores 0) or per-day:P (P% per day)"


class PerDayPenalty(LateSubmissionPlugin):
    """P percent of the score for each day or part of a day late, at most the score."""

    percent_per_day = Float(10.0, help="Percent of the score lost per day late").tag(config=True)

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        if total_seconds_late <= 0:
            return None
        days = math.ceil(total_seconds_late / 86400)
        return min(score, score * self.percent_per_day / 100 * days)


def plugin_for(policy: str) -> LateSubmissionPlugin:
    match = _POLICY.match(policy)
    if not match:
        raise GraderError(f"unknown late policy {policy!r}", f"use {POLICY_HELP}")
    if match.group(2):
        return PerDayPenalty(percent_per_day=float(match.group(2)))
    return LateSubmissionPlugin(penalty_method=match.group(1))


def _path(cohort: Cohort) -> Path:
    return cohort.root / FILE


def load(cohort: Cohort) -> dict:
    path = _path(cohort)
    if not path.exists():
        return {"labs": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise GraderError(
            f"{path} is damaged ({exc})", "fix it by hand, or delete it and set the due dates again"
        ) from None
    data.setdefault("labs", {})
    return data


def _save(cohort: Cohort, data: dict) -> None:
    path = _path(cohort)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    partial.replace(path)


def course_zone(cohort: Cohort) -> dt.tzinfo:
    """The course's time zone (``due --timezone``), else this computer's."""
    name = load(cohort).get("timezone")
    if name:
        return zone_named(str(name))
    return dt.datetime.now().astimezone().tzinfo or dt.timezone.utc


def zone_named(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise GraderError(
            f"unknown time zone {name!r}",
            "give a zone such as Africa/Gaborone or America/Montevideo",
        ) from None


def parse_when(text: str, zone: dt.tzinfo) -> dt.datetime:
    """'2026-03-10 17:00' (in ``zone``) or ISO 8601 with an offset, as an aware UTC time."""
    try:
        when = dt.datetime.fromisoformat(text.strip().replace("/", "-"))
    except ValueError:
        raise GraderError(
            f"{text!r} is not a date and time",
            "write it as YEAR-MONTH-DAY HOUR:MINUTE, e.g. '2026-03-10 17:00'",
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=zone)
    return when.astimezone(dt.timezone.utc)


@dataclass
class Deadline:
    due: dt.datetime | None
    policy: str
    extensions: dict[str, float]  # learner → seconds


def deadline(cohort: Cohort, lab_id: str) -> Deadline:
    entry = load(cohort)["labs"].get(lab_id, {})
    due = dt.datetime.fromisoformat(entry["due"]) if entry.get("due") else None
    return Deadline(due, entry.get("policy", "none"), dict(entry.get("extensions", {})))


def set_due(
    cohort: Cohort,
    lab_id: str,
    when: str | None,
    zone_name: str | None = None,
    policy: str | None = None,
    clear: bool = False,
) -> Deadline:
    lab = cohort.lab(lab_id)
    data = load(cohort)
    if zone_name:
        zone_named(zone_name)
        data["timezone"] = zone_name
    zone = zone_named(data["timezone"]) if data.get("timezone") else course_zone(cohort)
    entry = data["labs"].setdefault(lab.id, {})
    if clear:
        entry.pop("due", None)
    elif when:
        entry["due"] = parse_when(when, zone).isoformat()
    if policy:
        plugin_for(policy)
        entry["policy"] = policy
    _save(cohort, data)
    _to_gradebook(cohort, lab.id)
    return deadline(cohort, lab.id)


def extend(cohort: Cohort, lab_id: str, student: str, days: float, hours: float) -> Deadline:
    lab = cohort.lab(lab_id)
    if student not in cohort.student_ids():
        raise GraderError(
            f"there is no learner {student!r} in the roster",
            "check the id with `python -m grader roster list`",
        )
    data = load(cohort)
    extensions = data["labs"].setdefault(lab.id, {}).setdefault("extensions", {})
    seconds = (days * 24 + hours) * 3600
    if seconds <= 0:
        extensions.pop(student, None)
    else:
        extensions[student] = seconds
    _save(cohort, data)
    _to_gradebook(cohort, lab.id)
    return deadline(cohort, lab.id)


def _naive_utc(when: dt.datetime | None):
    return None if when is None else when.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _to_gradebook(cohort: Cohort, lab_id: str) -> None:
    """Due date and extensions into nbgrader's gradebook; penalties computed again."""
    rule = deadline(cohort, lab_id)
    plugin = plugin_for(rule.policy)
    with cohort.gradebook() as gb:
        assignment = gb.find_assignment(lab_id)
        assignment.duedate = _naive_utc(rule.due)
        for submission in assignment.submissions:
            seconds = rule.extensions.get(submission.student.id)
            submission.extension = dt.timedelta(seconds=seconds) if seconds else None
        gb.db.commit()
        for submission in assignment.submissions:
            late = submission.total_seconds_late if rule.due else 0
            for notebook in submission.notebooks:
                penalty = None
                if late > 0:
                    penalty = plugin.late_submission_penalty(
                        submission.student.id, notebook.score, late
                    )
                    if penalty is not None:
                        penalty = max(0.0, min(float(penalty), float(notebook.score)))
                notebook.late_submission_penalty = penalty
        gb.db.commit()


def refresh(cohort: Cohort, lab_id: str) -> None:
    """Penalties from the current scores (after manual grading, a new policy …)."""
    _to_gradebook(cohort, lab_id)


def submitted_at(cohort: Cohort, lab_id: str, student: str) -> dt.datetime | None:
    """When the learner handed in, as ``collect`` recorded it (nbgrader's timestamp.txt)."""
    from .handins import parse_stamp

    stamp = cohort.submitted_dir(student, lab_id) / "timestamp.txt"
    if not stamp.is_file() or stamp.is_symlink():
        return None
    return parse_stamp(stamp.read_bytes()[:4096])


@dataclass
class Late:
    submitted: dt.datetime | None
    due: dt.datetime | None  # with the learner's extension
    seconds: float
    lms_late: bool = False

    def words(self) -> str:
        if self.seconds > 0:
            return f"{duration(self.seconds)} late"
        if self.lms_late and self.due is None:
            return "marked late by the LMS"
        return "on time" if self.due and self.submitted else ""


def lateness(cohort: Cohort, lab_id: str, student: str, lms_late: bool = False) -> Late:
    rule = deadline(cohort, lab_id)
    when = submitted_at(cohort, lab_id, student)
    due = rule.due
    if due is not None and student in rule.extensions:
        due = due + dt.timedelta(seconds=rule.extensions[student])
    seconds = max(0.0, (when - due).total_seconds()) if when and due else 0.0
    return Late(when, due, seconds, lms_late)


def duration(seconds: float) -> str:
    """'2 days 3 h', '5 h 10 min', '12 min', in plain words."""
    minutes = math.ceil(seconds / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} day{'s' if days > 1 else ''} {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def penalty_of(cohort: Cohort, lab_id: str, student: str) -> float:
    with cohort.gradebook() as gb:
        try:
            return float(gb.find_submission(lab_id, student).late_submission_penalty or 0)
        except MissingEntry:
            return 0.0


def local_text(when: dt.datetime | None, zone: dt.tzinfo) -> str:
    return "" if when is None else when.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z").strip()
