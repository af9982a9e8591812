"""Collect hand-ins from a folder or an LMS bulk download into nbgrader's ``submitted/`` folder.

Moodle names each hand-in ``Full Name_12345_assignsubmission_file_`` (a folder holding the
file) or ``Full Name_12345_assignsubmission_file_lab.ipynb``; Canvas names it
``lastnamefirstname_12345_67890_lab.ipynb`` (``_LATE_`` after the name when late, ``-1``,
``-2`` … before the extension for resubmissions). A plain folder may hold
``<learner id>/<anything>.ipynb``, ``<learner id>.ipynb`` or nbgrader's own layout,
``<learner id>/<lab>/<notebook>.ipynb`` with a ``timestamp.txt``.

Files are read safely (``handins``: no link is followed, zips are checked first). Each file
is matched to a learner of the roster (by id or LMS id, by name, by the local part of the
email address) and to a notebook of the lab: by its name, else by its cells (a renamed copy).
Per learner and notebook, the file with the right name wins over a copy (``problem1
(1).ipynb``), a copy over a file recognised by its cells, then the latest. Everything else is listed in the collection log, never dropped silently. An
existing, different submission is moved to ``submitted-archive/`` first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import GraderError
from . import deadlines, handins
from .folder import Cohort, LabInfo, exclusive
from .roster import Learner, learners, normalise

_MOODLE = re.compile(
    r"^(?P<name>.+?)_(?P<lms>\d+)_assign(?:submission|feedback)_[a-z]+_(?P<rest>.*)$"
)
_CANVAS = re.compile(
    r"^(?P<name>[^_/]+?)(?:_(?i:late))?_(?P<lms>\d+)_(?P<subm>\d+)_(?P<rest>.+?)(?:-(?P<n>\d+))?"
    r"(?P<ext>\.[A-Za-z0-9]+)$"
)
_COPY_SUFFIX = re.compile(r"(\s*\(\d+\)|[-_ ]copy|-\d+)$", re.IGNORECASE)
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"
RECORD = "collected.json"
BY_NAME, BY_COPY_NAME, BY_CELLS, AS_ONLY = 3, 2, 1, 0


@dataclass
class Candidate:
    """One file found in the hand-ins."""

    path: Path  # where it is on disk (the private copy)
    shown: str  # its name in the hand-ins, for messages
    key: str  # the name part used to find the learner
    lms_id: str
    time: dt.datetime
    number: int = 0  # Canvas's resubmission counter
    late: bool = False  # the LMS marked it late (Canvas)
    file_name: str = ""  # the learner's own file name, without the LMS's additions
    time_source: str = "file"
    notebook: str = ""  # the lab's notebook it is
    tier: int = BY_NAME


@dataclass
class Collection:
    lab: str
    collected: list[tuple[str, str]] = field(default_factory=list)  # (learner, file)
    unchanged: list[tuple[str, str]] = field(default_factory=list)
    replaced: list[tuple[str, str]] = field(default_factory=list)  # (learner, archive path)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (learner, file not kept)
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (learner, "file → notebook")
    unknown: list[str] = field(default_factory=list)
    not_notebooks: list[str] = field(default_factory=list)
    wrong_notebook: list[str] = field(default_factory=list)  # no cell of this lab
    refused: list[str] = field(default_factory=list)  # unsafe: links, zip bombs, sizes …
    failed: list[str] = field(default_factory=list)  # could not be stored (with why)
    late: list[str] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)  # some notebooks missing
    missing: list[str] = field(default_factory=list)  # learners with nothing handed in, ever
    notes: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # learner id → name, for messages
    log: Path | None = None

    def who(self, learner: str) -> str:
        name = self.names.get(learner)
        return f"{learner} ({name})" if name else learner

    def _each(self, pairs: list[tuple[str, str]]) -> list[str]:
        return [f"{self.who(w)}: {n}" for w, n in pairs]

    def lines(self) -> list[str]:
        out = [f"{len(self.collected)} file(s) collected for {self.lab}"]
        out += [f"  ✓ {self.who(who)}: {name}" for who, name in self.collected]
        sections = [
            ("unchanged (already collected, same file)", self._each(self.unchanged)),
            ("replaced (the previous file was archived)", self._each(self.replaced)),
            ("handed in late", self.late),
            ("renamed files, recognised by their name or cells", self._each(self.renamed)),
            ("files not kept (the right name wins, then the latest)", self._each(self.duplicates)),
            ("no learner in the roster matches", self.unknown),
            ("notebooks that are not this lab's (none of its cells)", self.wrong_notebook),
            ("refused for safety (not read, not stored)", self.refused),
            ("could not be stored", self.failed),
            ("not notebooks (ignored)", self.not_notebooks),
            ("learners who handed in only some notebooks", self.incomplete),
            ("learners with nothing handed in", self.missing),
            ("notes", self.notes),
        ]  # fmt: skip
        for title, items in sections:
            if items:
                out.append(f"{len(items)} {title}:")
                out += [f"  - {item}" for item in items]
        return out


def _parse_name(relative: PurePosixPath, time: dt.datetime, path: Path) -> Candidate:
    """Read the learner part of an LMS file name (or of a plain folder's layout)."""
    first = relative.parts[0]
    moodle = _MOODLE.match(first)
    if moodle:
        own = relative.name if len(relative.parts) > 1 else moodle["rest"]
        return Candidate(path, str(relative), moodle["name"], moodle["lms"], time, file_name=own)
    canvas = _CANVAS.match(relative.name) if len(relative.parts) == 1 else None
    if canvas:
        return Candidate(
            path,
            str(relative),
            canvas["name"],
            canvas["lms"],
            time,
            number=int(canvas["n"] or 0),
            late="_late_" in relative.name.lower(),
            file_name=canvas["rest"] + canvas["ext"],
        )
    key = first if len(relative.parts) > 1 else relative.stem
    return Candidate(path, str(relative), key, "", time, file_name=relative.name)


class _Matcher:
    def __init__(self, roster: list[Learner]):
        self.by_key: dict[str, set[str]] = {}
        for learner in roster:
            first, last = learner.first_last
            keys = {learner.id, learner.id.lower(), normalise(learner.id)}
            keys |= {normalise(learner.name), normalise(last + first)}
            if learner.email:
                keys.add(normalise(learner.email.split("@")[0]))
            if learner.lms_id:
                keys.add(f"lms:{learner.lms_id}")
            for key in keys - {""}:
                self.by_key.setdefault(key, set()).add(learner.id)

    def match(self, candidate: Candidate) -> str | None:
        tries = [f"lms:{candidate.lms_id}"] if candidate.lms_id else []
        tries += [candidate.key, normalise(candidate.key)]
        for key in tries:
            found = self.by_key.get(key, set())
            if len(found) == 1:
                return next(iter(found))
        return None


def grade_ids(path: Path) -> set[str] | None:
    """The nbgrader cell ids in a notebook file; None if it cannot be read as one. Never
    raises: a file nested 100,000 levels deep, not UTF-8 or not JSON is simply unreadable."""
    try:
        raw = json.loads(path.read_bytes().decode("utf-8"))
        cells = raw.get("cells") if isinstance(raw, dict) else None
        if not isinstance(cells, list):
            return None
        ids = set()
        for cell in cells:
            meta = cell.get("metadata") if isinstance(cell, dict) else None
            nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
            grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
            if isinstance(grade_id, str):
                ids.add(grade_id)
        return ids
    except (RecursionError, MemoryError, ValueError, UnicodeDecodeError, OSError):
        return None


class _Notebooks:
    """Which of the lab's notebooks a file is: by its name, else by its cells."""

    def __init__(self, cohort: Cohort, lab: LabInfo):
        self.names = list(lab.notebooks)
        self.lab = lab
        self.ids = {}
        for path in cohort.source_notebooks(lab.id):
            self.ids[path.name] = grade_ids(path) or set()

    @staticmethod
    def _stem(name: str) -> str:
        stem = name[: -len(".ipynb")] if name.lower().endswith(".ipynb") else name
        return normalise(stem)

    def which(self, candidate: Candidate) -> tuple[str | None, int, str]:
        """(notebook, tier, why not) for a candidate."""
        wanted = self._stem(candidate.file_name)
        copy = normalise(_COPY_SUFFIX.sub("", candidate.file_name[: -len(".ipynb")]))
        for name in self.names:
            if wanted == self._stem(name):
                return name, BY_NAME, ""
        for name in self.names:
            if copy == self._stem(name):  # "problem1 (1).ipynb", "problem1 copy.ipynb"
                return name, BY_COPY_NAME, ""
        found = grade_ids(candidate.path)
        if found is None:
            if len(self.names) == 1:
                return self.names[0], AS_ONLY, ""
            return None, 0, "cannot be read as a notebook and its name is none of the lab's"
        overlap = {name: len(found & ids) for name, ids in self.ids.items()}
        best = max(overlap.values(), default=0)
        winners = [name for name, count in overlap.items() if count == best]
        if best == 0:
            return None, 0, f"has none of the cells of {self.lab.id} (another lab's notebook?)"
        if len(winners) > 1:
            return None, 0, f"its cells match several notebooks of {self.lab.id}"
        return winners[0], BY_CELLS, ""


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(2**20):
            digest.update(chunk)
    return digest.hexdigest()


def collect(cohort: Cohort, lab_id: str, source: Path) -> Collection:
    lab = cohort.lab(lab_id)
    roster = learners(cohort)
    if not roster:
        raise GraderError(
            "the roster is empty, so no hand-in can be matched to a learner",
            "import it first: `python -m grader roster import roster.csv`",
        )
    with exclusive(cohort, f"collect {lab.id}"):
        return _collect(cohort, lab, Path(source), roster)


def _unwrap(files: list[handins.Found]) -> list[handins.Found]:
    """LMS zips sometimes wrap everything in one top folder: drop it."""
    tops = {f.relative.parts[0] for f in files if len(f.relative.parts) > 1}
    if len(tops) == 1 and all(len(f.relative.parts) > 1 for f in files):
        top = next(iter(tops))
        if not _MOODLE.match(top):
            for found in files:
                found.relative = PurePosixPath(*found.relative.parts[1:])
    return files


def _collect(cohort: Cohort, lab: LabInfo, source: Path, roster: list[Learner]) -> Collection:
    matcher, notebooks = _Matcher(roster), _Notebooks(cohort, lab)
    result = Collection(lab.id)
    chosen: dict[str, dict[str, list[Candidate]]] = {}
    with tempfile.TemporaryDirectory(prefix="grader-collect-") as tmp:
        gathered = handins.gather(source, Path(tmp), deadlines.course_zone(cohort))
        result.refused += gathered.refused
        result.not_notebooks += gathered.others
        result.notes += gathered.notes
        files = _unwrap(gathered.files) if gathered.from_zip else gathered.files
        for found in files:
            candidate = _parse_name(found.relative, found.time, found.path)
            candidate.time_source = found.time_source
            parts = found.relative.parts
            if len(parts) >= 3 and parts[-2] != lab.id and parts[-2] in cohort.labs:
                result.not_notebooks.append(f"{found.relative} (another lab's folder)")
                continue
            learner = matcher.match(candidate)
            if learner is None:
                result.unknown.append(str(found.relative))
                continue
            notebook, tier, why = notebooks.which(candidate)
            if notebook is None:
                result.wrong_notebook.append(f"{learner}: {found.relative}: {why}")
                continue
            candidate.notebook, candidate.tier = notebook, tier
            chosen.setdefault(learner, {}).setdefault(notebook, []).append(candidate)
        archive_stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
        for learner, per_notebook in sorted(chosen.items()):
            kept = {}
            for notebook, candidates in per_notebook.items():
                # The right name first, then the latest; Canvas's resubmission number breaks
                # ties (files in one zip often share a time).
                candidates.sort(key=lambda c: (c.tier, c.time, c.number, c.shown))
                best = kept[notebook] = candidates[-1]
                result.duplicates += [(learner, c.shown) for c in candidates[:-1]]
                if best.tier in (BY_CELLS, BY_COPY_NAME):
                    result.renamed.append((learner, f"{best.shown} → {notebook}"))
            try:
                _store(cohort, lab, learner, kept, archive_stamp, result)
            except Exception as exc:  # noqa: BLE001 - one learner's files never stop the others
                result.failed.append(f"{learner}: {type(exc).__name__}: {exc}"[:300])
    _summarise(cohort, lab, roster, result)
    result.log = _write_log(cohort, lab.id, source, result)
    return result


def _inside(cohort: Cohort, path: Path) -> Path:
    """The folder, checked to be a real folder inside the course's submitted/ (no link)."""
    top = (cohort.root / "submitted").resolve()
    if path.is_symlink() or not path.resolve().is_relative_to(top):
        raise GraderError(f"{path} is a link or lies outside {top}; nothing was written there")
    return path


def _write_new(target: Path, source: Path) -> None:
    """Replace ``target`` with a copy of ``source``, never writing through a link."""
    partial = target.with_name(f".{target.name}.partial")
    if partial.is_symlink() or partial.exists():
        partial.unlink()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    with open(source, "rb") as src, os.fdopen(os.open(partial, flags, 0o644), "wb") as dst:
        shutil.copyfileobj(src, dst)
    os.replace(partial, target)


def _archive(cohort: Cohort, target_dir: Path, learner: str, lab_id: str, stamp: str) -> Path:
    archive = cohort.root / "submitted-archive" / learner / lab_id / stamp
    archive.mkdir(parents=True, exist_ok=True)
    for path in target_dir.iterdir():
        if path.is_file() and not path.is_symlink():
            shutil.copy2(path, archive / path.name, follow_symlinks=False)
    return archive


def _store(cohort, lab: LabInfo, learner: str, kept: dict[str, Candidate], stamp, result) -> None:
    target_dir = _inside(cohort, cohort.submitted_dir(learner, lab.id))
    changed = {
        name: c
        for name, c in kept.items()
        if not (target_dir / name).is_file()
        or (target_dir / name).is_symlink()
        or _digest(target_dir / name) != _digest(c.path)
    }
    for name, candidate in kept.items():
        if name not in changed:
            result.unchanged.append((learner, candidate.shown))
    if not changed:
        return
    if target_dir.is_dir() and any(target_dir.glob("*.ipynb")):
        archive = _archive(cohort, target_dir, learner, lab.id, stamp)
        result.replaced.append((learner, str(archive.relative_to(cohort.root))))
    target_dir.mkdir(parents=True, exist_ok=True)
    _inside(cohort, target_dir)
    records = _records(cohort, lab.id)
    record = records.setdefault(learner, {"notebooks": {}})
    for name, candidate in changed.items():
        _write_new(target_dir / name, candidate.path)
        record["notebooks"][name] = {
            "from": candidate.shown,
            "time": candidate.time.isoformat(),
            "time_source": candidate.time_source,
            "lms_late": candidate.late,
        }
        result.collected.append((learner, candidate.shown))
    latest = max(dt.datetime.fromisoformat(n["time"]) for n in record["notebooks"].values())
    stamp_file = target_dir / "timestamp.txt"
    if stamp_file.is_symlink():
        stamp_file.unlink()
    stamp_file.write_text(latest.strftime(TIMESTAMP_FORMAT), encoding="utf-8")
    _save_records(cohort, lab.id, records)


def _records(cohort: Cohort, lab_id: str) -> dict:
    path = cohort.root / "grading" / lab_id / RECORD
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _save_records(cohort: Cohort, lab_id: str, records: dict) -> None:
    path = cohort.root / "grading" / lab_id / RECORD
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(records, indent=1, sort_keys=True), encoding="utf-8")
    partial.replace(path)


def lms_marked_late(cohort: Cohort, lab_id: str, student: str) -> bool:
    record = _records(cohort, lab_id).get(student, {})
    return any(n.get("lms_late") for n in record.get("notebooks", {}).values())


def _summarise(cohort: Cohort, lab: LabInfo, roster: list[Learner], result: Collection) -> None:
    """Who handed in (now or in an earlier collect), who is late, who is missing what."""
    names = {r.id: r.name for r in roster}
    touched = {who for who, _ in result.collected + result.unchanged}
    zone = deadlines.course_zone(cohort)
    for learner in sorted(roster, key=lambda r: r.id):
        folder = cohort.submitted_dir(learner.id, lab.id)
        have = {n for n in lab.notebooks if (folder / n).is_file()}
        who = f"{learner.id} ({learner.name})"
        if not have:
            result.missing.append(who)
            continue
        if len(have) < len(lab.notebooks):
            lacking = ", ".join(n for n in lab.notebooks if n not in have)
            result.incomplete.append(f"{who}: no {lacking}")
        if learner.id in touched:
            late = deadlines.lateness(
                cohort, lab.id, learner.id, lms_marked_late(cohort, lab.id, learner.id)
            )
            if late.seconds > 0 or late.lms_late:
                when = deadlines.local_text(late.submitted, zone)
                result.late.append(f"{who}: {late.words() or 'marked late by the LMS'} ({when})")
    result.names = names


def _write_log(cohort: Cohort, lab_id: str, source: Path, result: Collection) -> Path:
    log_dir = cohort.root / "grading" / lab_id
    log_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    log = log_dir / f"collect-{stamp}.txt"
    log.write_text(f"source: {source}\n" + "\n".join(result.lines()) + "\n", encoding="utf-8")
    return log
