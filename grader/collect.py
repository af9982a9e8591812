"""Collect hand-ins from a folder or an LMS bulk download into nbgrader's ``submitted/`` folder.

Moodle names each hand-in ``Full Name_12345_assignsubmission_file_`` (a folder holding the
file) or ``Full Name_12345_assignsubmission_file_lab.ipynb``; Canvas names it
``lastnamefirstname_12345_67890_lab.ipynb`` (``_LATE_`` after the name when late, ``-1``,
``-2`` … before the extension for resubmissions). A plain folder may hold
``<learner id>/<anything>.ipynb`` or ``<learner id>.ipynb``.

Each file is matched to a learner of the roster (by id or LMS id, by name, by the local part
of the email address); the latest file per learner is kept. Everything else (unknown names,
older duplicates, files that are not notebooks) is listed in the collection log, never dropped
silently. An existing, different submission is moved to ``submitted-archive/`` first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .cohort import Cohort, exclusive
from .errors import GraderError
from .roster import Learner, learners, normalise

_MOODLE = re.compile(
    r"^(?P<name>.+?)_(?P<lms>\d+)_assign(?:submission|feedback)_[a-z]+_(?P<rest>.*)$"
)
_CANVAS = re.compile(
    r"^(?P<name>[^_/]+?)(?:_(?i:late))?_(?P<lms>\d+)_(?P<subm>\d+)_(?P<rest>.+?)(?:-(?P<n>\d+))?"
    r"(?P<ext>\.[A-Za-z0-9]+)$"
)
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"


@dataclass
class Candidate:
    """One file found in the hand-ins."""

    path: Path  # where it is on disk (extracted)
    shown: str  # its name in the hand-ins, for messages
    key: str  # the name part used to find the learner
    lms_id: str
    time: dt.datetime
    number: int = 0  # Canvas's resubmission counter
    late: bool = False


@dataclass
class Collection:
    lab: str
    collected: list[tuple[str, str]] = field(default_factory=list)  # (learner, file)
    unchanged: list[tuple[str, str]] = field(default_factory=list)
    replaced: list[tuple[str, str]] = field(default_factory=list)  # (learner, archive path)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (learner, older file)
    unknown: list[str] = field(default_factory=list)
    not_notebooks: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # learners with nothing handed in
    log: Path | None = None

    def lines(self) -> list[str]:
        out = [f"{len(self.collected)} submission(s) collected for {self.lab}"]
        out += [f"  ✓ {who}: {name}" for who, name in self.collected]
        sections = [
            ("unchanged (already collected, same file)", [f"{w}: {n}" for w, n in self.unchanged]),
            ("replaced (the previous file was archived)", [f"{w}: {n}" for w, n in self.replaced]),
            ("older duplicates (the latest was kept)", [f"{w}: {n}" for w, n in self.duplicates]),
            ("no learner in the roster matches", self.unknown),
            ("not notebooks (ignored)", self.not_notebooks),
            ("learners with nothing handed in", self.missing),
        ]
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
        return Candidate(path, str(relative), moodle["name"], moodle["lms"], time)
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
        )
    key = first if len(relative.parts) > 1 else relative.stem
    return Candidate(path, str(relative), key, "", time)


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


def _time_of_zip_entry(info: zipfile.ZipInfo) -> dt.datetime:
    return dt.datetime(*info.date_time, tzinfo=dt.timezone.utc)


def _gather(source: Path, workdir: Path) -> list[tuple[PurePosixPath, Path, dt.datetime]]:
    """Every file of the hand-ins with its name relative to the top and its time."""
    files = []
    if source.is_file() and zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as archive:
            for number, info in enumerate(archive.infolist()):
                if info.is_dir():
                    continue
                relative = PurePosixPath(info.filename)
                if relative.is_absolute() or ".." in relative.parts:
                    continue  # never write outside the work folder
                target = workdir / f"{number:05d}" / relative.name
                target.parent.mkdir(parents=True)
                with archive.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                files.append((relative, target, _time_of_zip_entry(info)))
        # LMS zips sometimes wrap everything in one top folder: drop it.
        tops = {r.parts[0] for r, _, _ in files if len(r.parts) > 1}
        if len(tops) == 1 and all(len(r.parts) > 1 for r, _, _ in files):
            top = next(iter(tops))
            if not _MOODLE.match(top):
                files = [(PurePosixPath(*r.parts[1:]), p, t) for r, p, t in files]
    elif source.is_dir():
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            relative = PurePosixPath(path.relative_to(source).as_posix())
            time = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.timezone.utc)
            files.append((relative, path, time))
    elif source.exists():
        raise GraderError(
            f"{source} is neither a folder nor a zip file",
            "give the folder of hand-ins or the bulk-download zip from your LMS",
        )
    else:
        raise GraderError(f"there is no {source}", "check the path to the hand-ins")
    return files


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def collect(cohort: Cohort, lab_id: str, source: Path) -> Collection:
    lab = cohort.lab(lab_id)
    roster = learners(cohort)
    if not roster:
        raise GraderError(
            "the roster is empty, so no hand-in can be matched to a learner",
            "import it first: `python -m grader roster import roster.csv`",
        )
    with exclusive(cohort, f"collect {lab.id}"):
        return _collect(cohort, lab, source, roster)


def _collect(cohort: Cohort, lab, source: Path, roster: list[Learner]) -> Collection:
    lab_id = lab.id
    matcher = _Matcher(roster)
    result = Collection(lab_id)
    chosen: dict[str, list[Candidate]] = {}
    with tempfile.TemporaryDirectory(prefix="grader-collect-") as tmp:
        for relative, path, time in _gather(Path(source), Path(tmp)):
            if relative.name.startswith(".") or "__MACOSX" in relative.parts:
                continue
            if relative.suffix != ".ipynb" or ".ipynb_checkpoints" in relative.parts:
                result.not_notebooks.append(str(relative))
                continue
            candidate = _parse_name(relative, time, path)
            learner = matcher.match(candidate)
            if learner is None:
                result.unknown.append(str(relative))
                continue
            chosen.setdefault(learner, []).append(candidate)
        archive_stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
        for learner, candidates in sorted(chosen.items()):
            # Latest by time; Canvas's resubmission number breaks ties (and files in one zip
            # often share a time).
            candidates.sort(key=lambda c: (c.time, c.number, c.shown))
            latest = candidates[-1]
            result.duplicates += [(learner, c.shown) for c in candidates[:-1]]
            _store(cohort, lab.notebook_name, learner, lab_id, latest, archive_stamp, result)
    seen = {who for who, _ in result.collected} | {who for who, _ in result.unchanged}
    result.missing = sorted(r.id for r in roster if r.id not in seen)
    result.log = _write_log(cohort, lab_id, source, result)
    return result


def _store(cohort, notebook_name, learner, lab_id, candidate, stamp, result) -> None:
    target_dir = cohort.submitted_dir(learner, lab_id)
    target = target_dir / notebook_name
    if target.exists():
        if _digest(target) == _digest(candidate.path):
            result.unchanged.append((learner, candidate.shown))
            return
        archive = cohort.root / "submitted-archive" / learner / lab_id / stamp
        archive.mkdir(parents=True, exist_ok=True)
        for path in target_dir.iterdir():
            if path.is_file():
                shutil.copy2(path, archive / path.name)
        result.replaced.append((learner, str(archive.relative_to(cohort.root))))
    target_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    shutil.copyfile(candidate.path, partial)
    partial.replace(target)
    (target_dir / "timestamp.txt").write_text(
        candidate.time.strftime(TIMESTAMP_FORMAT), encoding="utf-8"
    )
    result.collected.append((learner, candidate.shown))


def _write_log(cohort: Cohort, lab_id: str, source: Path, result: Collection) -> Path:
    log_dir = cohort.root / "grading" / lab_id
    log_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    log = log_dir / f"collect-{stamp}.txt"
    log.write_text(f"source: {source}\n" + "\n".join(result.lines()) + "\n", encoding="utf-8")
    return log
