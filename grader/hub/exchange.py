"""The trainer's side of nbgrader's exchange on a hub: release a lab, collect hand-ins, send
feedback back.

Learners use nbgrader's own tools in their servers (the Assignments tab: fetch, submit, fetch
feedback), which run as the learner. Everything a learner puts in the exchange is therefore
treated as hostile here:

- a hand-in counts for a learner only if the learner's own account made it (nbgrader's
  ``submit --student=someone-else`` would otherwise hand in under another learner's name);
- folders and files are opened without following links, one level at a time from an open
  folder, so a link planted in the inbox (to another learner's work, or to the course's hidden
  tests) is refused, never read; only notebooks are taken, up to ``MAX_NOTEBOOK_MB``;
- the time of a hand-in is the time the system recorded when its files last changed
  (``ctime``, which no user can set), not the ``timestamp.txt`` the learner's server wrote.

The notebooks then go through the course's own ``collect`` (matching, archiving resubmissions,
lateness), from a folder laid out as nbgrader lays out ``submitted/``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..cohort.collect import collect as collect_folder
from ..cohort.release import release as release_zip
from ..cohort.release import student_version
from ..errors import GraderError
from .folder import Hub

MAX_NOTEBOOK_MB = 100
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK


def _course_exchange(hub: Hub, cohort) -> Path:
    path = hub.course_path(cohort.course_id)
    if not (path / "inbound").is_dir():
        raise GraderError(
            f"the hub has no exchange for this course in {path}",
            "run `python -m grader hub init` first",
        )
    return path


# --- release --------------------------------------------------------------------------------


def release(hub: Hub, lab_id: str, language: str = "en") -> Path:
    """Check the lab's student version in ``language`` for leaks, then put it in the exchange's
    outbound. One version per lab on a hub: the exchange has one folder per assignment."""
    cohort = hub.cohort()
    lab = cohort.lab(lab_id)
    # The leak check, and a zip for learners off the hub.
    release_zip(cohort, lab.id, language=language)
    source = student_version(cohort, lab, language)
    outbound = _course_exchange(hub, cohort) / "outbound"
    target = outbound / lab.id
    partial = outbound / f".{lab.id}.partial"
    if partial.exists():
        shutil.rmtree(partial)
    _copy_public(source, partial)
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.exists():
        shutil.rmtree(target)
    partial.rename(target)
    return target


def _copy_public(source: Path, target: Path) -> None:
    """Copy a release folder for every learner to read: root's files, 644 and 755, no links."""
    target.mkdir(mode=0o755)
    os.chmod(target, 0o755)
    for entry in sorted(source.iterdir()):
        if entry.is_symlink() or entry.name in ("__pycache__", ".ipynb_checkpoints"):
            continue
        if entry.is_dir():
            _copy_public(entry, target / entry.name)
        elif entry.is_file():
            shutil.copyfile(entry, target / entry.name)
            os.chmod(target / entry.name, 0o644)


# --- collect --------------------------------------------------------------------------------


@dataclass
class HandIn:
    learner: str
    folder: str  # its name in the inbox
    time: dt.datetime
    secret: str
    notebooks: dict[str, bytes] = field(default_factory=dict)


@dataclass
class HubCollection:
    taken: list[HandIn] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    older: int = 0
    course: object | None = None  # the course's own collection result

    def lines(self) -> list[str]:
        out = [f"{len(self.taken)} hand-in(s) taken from the hub's exchange"]
        if self.older:
            out.append(f"{self.older} older hand-in(s) left aside (the latest counts)")
        if self.refused:
            out.append(f"{len(self.refused)} refused (never read):")
            out += [f"  - {item}" for item in self.refused]
        if self.course is not None:
            out += self.course.lines()
        return out


def _read_regular(dir_fd: int, name: str, limit: int) -> tuple[bytes, os.stat_result]:
    fd = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("is not a regular file")
        if info.st_nlink > 1:
            raise ValueError("is a hard link to another file")
        if info.st_size > limit:
            raise ValueError(f"is over {limit // 2**20} MB")
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise ValueError(f"is over {limit // 2**20} MB")
        return data, info
    finally:
        os.close(fd)


def _read_hand_in(inbound_fd: int, name: str, owner: int, user: str, learner: str) -> HandIn:
    """One hand-in folder of ``learner`` (signed in as ``user``), read from the open inbox
    without following any link; the folder and every file taken must be the user's own."""
    fd = os.open(name, _DIR_FLAGS, dir_fd=inbound_fd)
    try:
        info = os.fstat(fd)
        if info.st_uid != owner:
            raise ValueError(f"was made by another account (user id {info.st_uid}), not {user}")
        changed = info.st_ctime
        notebooks, secret = {}, ""
        for entry in sorted(os.listdir(fd)):
            is_notebook = entry.endswith(".ipynb") and not entry.startswith(".")
            if not is_notebook and entry != "submission_secret.txt":
                continue
            limit = MAX_NOTEBOOK_MB * 2**20 if is_notebook else 1024
            try:
                data, file_info = _read_regular(fd, entry, limit)
            except (OSError, ValueError) as exc:
                raise ValueError(f"its file {entry} {_why(exc)}") from None
            if file_info.st_uid != owner:
                raise ValueError(f"its file {entry} was put there by another account")
            changed = max(changed, file_info.st_ctime)
            if is_notebook:
                notebooks[entry] = data
            else:
                secret = data.decode("utf-8", "replace").strip()
    finally:
        os.close(fd)
    when = dt.datetime.fromtimestamp(changed, tz=dt.timezone.utc)
    return HandIn(learner, name, when, secret, notebooks)


def _why(exc: Exception) -> str:
    if isinstance(exc, OSError):
        return "is a link, or cannot be opened" if exc.errno else str(exc)
    return str(exc)


def read_inbox(hub: Hub, cohort, lab_id: str) -> HubCollection:
    """The latest hand-in of each learner for ``lab_id``, read safely."""
    from . import accounts

    inbound = _course_exchange(hub, cohort) / "inbound"
    result = HubCollection()
    latest: dict[str, HandIn] = {}
    inbound_fd = os.open(inbound, _DIR_FLAGS)
    try:
        for name in sorted(os.listdir(inbound_fd)):
            parts = name.split("+")
            if len(parts) not in (3, 4) or parts[1] != lab_id:
                continue
            learner = hub.learner_of(parts[0])
            uid = accounts.uid_of(parts[0]) if learner else None
            if learner is None or uid is None:
                result.refused.append(f"{name}: {parts[0]!r} is not a learner of this hub")
                continue
            try:
                hand_in = _read_hand_in(inbound_fd, name, uid, parts[0], learner)
            except (OSError, ValueError) as exc:
                result.refused.append(f"{name}: {_why(exc)}")
                continue
            if not hand_in.notebooks:
                result.refused.append(f"{name}: holds no notebook")
                continue
            current = latest.get(learner)
            if current is None or hand_in.time > current.time:
                result.older += current is not None
                latest[learner] = hand_in
            else:
                result.older += 1
    finally:
        os.close(inbound_fd)
    result.taken = [latest[k] for k in sorted(latest)]
    return result


def collect(hub: Hub, lab_id: str) -> HubCollection:
    """Take the latest hand-in of each learner from the exchange into the course folder."""
    cohort = hub.cohort()
    lab = cohort.lab(lab_id)
    result = read_inbox(hub, cohort, lab.id)
    records = _records(hub, lab.id)
    with tempfile.TemporaryDirectory(prefix="grader-hub-collect-") as tmp:
        for hand_in in result.taken:
            folder = Path(tmp) / hand_in.learner / lab.id
            folder.mkdir(parents=True)
            stamp = hand_in.time.timestamp()
            for name, data in hand_in.notebooks.items():
                (folder / name).write_bytes(data)
                os.utime(folder / name, (stamp, stamp))  # collect takes a hand-in's time from it
            records[hand_in.learner] = {
                "folder": hand_in.folder,
                "time": hand_in.time.isoformat(),
                "secret": hand_in.secret,
                "notebooks": sorted(hand_in.notebooks),
            }
        if result.taken:
            result.course = collect_folder(cohort, lab.id, Path(tmp))
    _save_records(hub, lab.id, records)
    return result


def _records_path(hub: Hub, lab_id: str) -> Path:
    return hub.state / f"collected-{lab_id}.json"


def _records(hub: Hub, lab_id: str) -> dict:
    path = _records_path(hub, lab_id)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _save_records(hub: Hub, lab_id: str, records: dict) -> None:
    path = _records_path(hub, lab_id)
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(records, handle, indent=1, sort_keys=True)
    partial.replace(path)


# --- feedback -------------------------------------------------------------------------------


@dataclass
class FeedbackRelease:
    sent: list[tuple[str, str]] = field(default_factory=list)  # (learner, page)
    missing: list[str] = field(default_factory=list)  # why a learner got nothing


def send_feedback(hub: Hub, lab_id: str, students: list[str] | None = None) -> FeedbackRelease:
    """Put the pages written by ``grader feedback`` where each learner's nbgrader finds them.

    nbgrader's *Fetch Feedback* looks for ``feedback/<hash>.html``, the hash made of the
    secret its ``submit`` wrote and the notebook's name. Each page is owned by its learner and
    readable by them alone.
    """
    from nbgrader.utils import notebook_hash

    from . import accounts

    cohort = hub.cohort()
    lab = cohort.lab(lab_id)
    outbox = _course_exchange(hub, cohort) / "feedback"
    records = _records(hub, lab.id)
    result = FeedbackRelease()
    for learner in students or sorted(records):
        record = records.get(learner)
        user = hub.accounts.get(learner)
        uid = accounts.uid_of(user) if user else None
        if record is None or not record.get("secret") or uid is None:
            result.missing.append(f"{learner}: nothing collected from the hub for {lab.id}")
            continue
        pages = cohort.root / "feedback" / learner / lab.id
        found = False
        for notebook in record["notebooks"]:
            page = pages / (Path(notebook).stem + ".html")
            if not page.is_file():
                continue
            digest = notebook_hash(secret=record["secret"], notebook_id=Path(notebook).stem)
            partial = outbox / f".{digest}.partial"
            shutil.copyfile(page, partial)
            os.chown(partial, uid, -1)
            os.chmod(partial, 0o600)
            partial.replace(outbox / f"{digest}.html")
            result.sent.append((learner, page.name))
            found = True
        if not found:
            result.missing.append(
                f"{learner}: no feedback page yet; run `python -m grader feedback {lab.id}`"
            )
    return result
