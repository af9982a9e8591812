"""Reading hand-ins safely, from a folder or an LMS bulk-download zip, into a work folder.

Hand-ins come from learners, so nothing in them is trusted:

- **Links are never followed** and nothing is written outside the work folder: a symbolic
  link (to the course's source notebook, another learner's hand-in, the gradebook …), a hard
  link, a named pipe or a device is listed with its reason and left alone. Files are opened
  without following links and checked once open, so a file swapped for a link in between is
  caught too.
- **A zip is checked before anything is extracted**: how many files it holds, their total
  size, and how much each is compressed (a *zip bomb*: a small file that grows enormous), plus
  names that climb out of the folder (``../``), absolute names, links, encrypted entries and
  names that appear twice. Only notebooks (and nbgrader's ``timestamp.txt``) are extracted,
  under numbered names (never the name in the zip), and never more bytes than the entry
  declares.
- **Sizes are bounded**: a notebook over ``MAX_NOTEBOOK_MB`` is listed, not read.

Each file gets the time it was handed in: nbgrader's ``timestamp.txt`` next to it, else the
time in the zip (its exact UTC time when the zip has one, else read in the course's time
zone), else the file's own time.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import GraderError

MAX_NOTEBOOK_MB = 100
MAX_NOTEBOOK_BYTES = MAX_NOTEBOOK_MB * 2**20
MAX_ZIP_ENTRIES = 10_000
MAX_ZIP_TOTAL = 4 * 2**30  # every notebook of a zip, uncompressed
MAX_RATIO = 200  # uncompressed / compressed, for entries over RATIO_FROM bytes
RATIO_FROM = 10 * 2**20
STAMP = "timestamp.txt"
_CHUNK = 2**20


@dataclass
class Found:
    """One notebook of the hand-ins, copied into the work folder."""

    relative: PurePosixPath  # its name in the hand-ins
    path: Path  # the private copy
    time: dt.datetime  # aware, UTC
    time_source: str  # "timestamp.txt", "zip" or "file"


@dataclass
class Gathered:
    files: list[Found] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # "name: why", never extracted or read
    others: list[str] = field(default_factory=list)  # not notebooks (ignored)
    notes: list[str] = field(default_factory=list)
    from_zip: bool = False


def _skipped(relative: PurePosixPath) -> bool:
    return relative.name.startswith(".") or "__MACOSX" in relative.parts


def _is_notebook(relative: PurePosixPath) -> bool:
    return relative.suffix.lower() == ".ipynb" and ".ipynb_checkpoints" not in relative.parts


def parse_stamp(data: bytes) -> dt.datetime | None:
    """nbgrader's ``timestamp.txt`` (``2015-02-02 14:58:23.948203 America/Los_Angeles``)."""
    from nbgrader.utils import parse_utc

    try:
        text = data.decode("utf-8").strip()
        if not text or len(text) > 100:
            return None
        return parse_utc(text).replace(tzinfo=dt.timezone.utc)
    except Exception:  # noqa: BLE001 - whatever is in the file, it is not a time we can use
        return None


# --- A folder -------------------------------------------------------------------------------


def _open_regular(path: Path, limit: int) -> tuple[int, os.stat_result]:
    """Open without following a link; refuse anything but a regular file of at most ``limit``."""
    if path.is_symlink():
        raise _Refused("is a link (links are never followed)")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise _Refused("is a link, or cannot be opened" + f" ({exc.strerror})") from None
    info = os.fstat(fd)
    problem = None
    if not stat.S_ISREG(info.st_mode):
        problem = "is not a regular file (a pipe, a device …)"
    elif info.st_nlink > 1:
        problem = "is a hard link to another file (copy the file itself instead)"
    elif info.st_size > limit:
        problem = f"is {info.st_size / 2**20:.0f} MB, over the limit of {limit // 2**20} MB"
    if problem:
        os.close(fd)
        raise _Refused(problem)
    return fd, info


class _Refused(Exception):
    pass


def _copy_fd(fd: int, target: Path, limit: int) -> None:
    written = 0
    with os.fdopen(fd, "rb") as src, open(target, "xb") as dst:
        while chunk := src.read(_CHUNK):
            written += len(chunk)
            if written > limit:
                raise _Refused(f"grew over the limit of {limit // 2**20} MB while being read")
            dst.write(chunk)


def _from_folder(source: Path, workdir: Path, gathered: Gathered) -> None:
    top = source.resolve()
    number = 0
    for root, dirs, files in os.walk(top, followlinks=False):
        here = Path(root)
        for name in sorted(dirs):
            if (here / name).is_symlink():
                gathered.refused.append(
                    f"{_rel(here / name, top)}/: a link to a folder, not followed"
                )
        dirs[:] = sorted(d for d in dirs if not (here / d).is_symlink())
        stamps: dict[Path, tuple[dt.datetime | None, str]] = {}
        for name in sorted(files):
            path = here / name
            relative = PurePosixPath(_rel(path, top))
            if _skipped(relative) or (name != STAMP and not _is_notebook(relative)):
                if not _skipped(relative):
                    gathered.others.append(str(relative))
                continue
            try:
                fd, info = _open_regular(path, MAX_NOTEBOOK_BYTES if name != STAMP else 4096)
                if name == STAMP:
                    with os.fdopen(fd, "rb") as handle:
                        stamps[here] = (parse_stamp(handle.read(4096)), str(relative))
                    continue
                number += 1
                target = workdir / f"{number:05d}.ipynb"
                _copy_fd(fd, target, MAX_NOTEBOOK_BYTES)
            except _Refused as exc:
                gathered.refused.append(f"{relative}: {exc}")
                continue
            except OSError as exc:
                gathered.refused.append(f"{relative}: could not be read ({exc.strerror})")
                continue
            time = dt.datetime.fromtimestamp(info.st_mtime, tz=dt.timezone.utc)
            gathered.files.append(Found(relative, target, time, "file"))
        _apply_stamps(gathered, stamps, top)


def _rel(path: Path, top: Path) -> str:
    return path.relative_to(top).as_posix()


def _apply_stamps(gathered: Gathered, stamps: dict, top: Path) -> None:
    """nbgrader's timestamp.txt gives the time of the notebooks in its folder."""
    for folder, (time, shown) in stamps.items():
        prefix = PurePosixPath(_rel(folder, top)) if folder != top else PurePosixPath(".")
        if time is None:
            gathered.notes.append(f"{shown} is not a time nbgrader understands; ignored")
            continue
        for found in gathered.files:
            if found.relative.parent == prefix and found.time_source == "file":
                found.time, found.time_source = time, STAMP


# --- A zip ----------------------------------------------------------------------------------


def _unsafe_name(name: str) -> str | None:
    posix = name.replace("\\", "/")
    if "\x00" in name:
        return "its name holds a NUL character"
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":"):
        return "its name is absolute (it would be written outside the folder)"
    if ".." in PurePosixPath(posix).parts:
        return "its name climbs out of the folder ('..')"
    return None


def _is_link(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _utc_time(info: zipfile.ZipInfo, zone: dt.tzinfo) -> tuple[dt.datetime, str]:
    """The entry's time: the exact UTC time of the 'extended timestamp' field when the zip
    has one, else the zip's plain time (which has no time zone) read in the course's zone."""
    extra = info.extra
    while len(extra) >= 4:
        kind, size = struct.unpack("<HH", extra[:4])
        body = extra[4 : 4 + size]
        if kind == 0x5455 and len(body) >= 5 and body[0] & 1:
            seconds = struct.unpack("<i", body[1:5])[0]
            return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc), "zip"
        extra = extra[4 + size :]
    try:
        local = dt.datetime(*info.date_time, tzinfo=zone)
    except ValueError:
        local = dt.datetime(1980, 1, 1, tzinfo=zone)
    return local.astimezone(dt.timezone.utc), "zip"


def _check_zip(source: Path, entries: list[zipfile.ZipInfo]) -> None:
    """Whole-zip limits, before anything is extracted."""
    if len(entries) > MAX_ZIP_ENTRIES:
        raise GraderError(
            f"{source} holds {len(entries)} files, more than {MAX_ZIP_ENTRIES}: nothing was "
            "extracted",
            "check that this is your LMS's download of one assignment; unzip it yourself and "
            "collect from the folder if it really is",
        )
    total = sum(i.file_size for i in entries if _is_notebook(PurePosixPath(i.filename)))
    if total > MAX_ZIP_TOTAL:
        raise GraderError(
            f"the notebooks in {source} add up to {total / 2**30:.1f} GB uncompressed, more "
            f"than {MAX_ZIP_TOTAL // 2**30} GB: nothing was extracted (a zip bomb?)",
            "check where the zip came from; download it again from your LMS",
        )


def _entry_problem(info: zipfile.ZipInfo, names: dict[str, int]) -> str | None:
    problem = _unsafe_name(info.filename)
    if problem:
        return problem
    if _is_link(info):
        return "it is a link (links are never followed)"
    if info.flag_bits & 0x1:
        return "it is encrypted"
    if names[info.filename.replace("\\", "/")] > 1:
        return "the zip holds several files with this name (which one is meant?)"
    if info.file_size > MAX_NOTEBOOK_BYTES:
        return f"it is {info.file_size / 2**20:.0f} MB, over the limit of {MAX_NOTEBOOK_MB} MB"
    if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return f"it is compressed more than {MAX_RATIO} times (a zip bomb?)"
    return None


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> None:
    """Copy one entry, never more bytes than it declares (a lying header stops here)."""
    written = 0
    with archive.open(info) as src, open(target, "xb") as dst:
        while chunk := src.read(_CHUNK):
            written += len(chunk)
            if written > info.file_size:
                raise _Refused("it holds more than its declared size (a damaged or forged zip)")
            dst.write(chunk)


def _from_zip(source: Path, workdir: Path, gathered: Gathered, zone: dt.tzinfo) -> None:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise GraderError(
            f"{source} cannot be read as a zip file ({exc})",
            "download it again from your LMS, or unzip it and collect from the folder",
        ) from None
    with archive:
        entries = [i for i in archive.infolist() if not i.is_dir()]
        _check_zip(source, entries)
        names: dict[str, int] = {}
        for info in entries:
            key = info.filename.replace("\\", "/")
            names[key] = names.get(key, 0) + 1
        found: list[Found] = []
        stamps: dict[PurePosixPath, tuple[dt.datetime | None, str]] = {}
        for number, info in enumerate(entries, start=1):
            relative = PurePosixPath(info.filename.replace("\\", "/"))
            is_stamp = relative.name == STAMP
            if _skipped(relative) or not (is_stamp or _is_notebook(relative)):
                if not _skipped(relative) and not _unsafe_name(info.filename):
                    gathered.others.append(str(relative))
                continue
            problem = _entry_problem(info, names)
            if problem is None and is_stamp and info.file_size > 4096:
                problem = "it is too big to be nbgrader's timestamp"
            if problem:
                gathered.refused.append(f"{info.filename!r}: {problem}")
                continue
            target = workdir / f"{number:05d}.ipynb"
            try:
                _extract(archive, info, target)
            except _Refused as exc:
                gathered.refused.append(f"{relative}: {exc}")
                target.unlink(missing_ok=True)
                continue
            except Exception as exc:  # noqa: BLE001 - a damaged entry must not stop the others
                gathered.refused.append(f"{relative}: could not be extracted ({exc})"[:300])
                target.unlink(missing_ok=True)
                continue
            if is_stamp:
                stamps[relative.parent] = (parse_stamp(target.read_bytes()), str(relative))
                target.unlink()
                continue
            time, source_kind = _utc_time(info, zone)
            found.append(Found(relative, target, time, source_kind))
        for parent, (time, shown) in stamps.items():
            if time is None:
                gathered.notes.append(f"{shown} is not a time nbgrader understands; ignored")
                continue
            for item in found:
                if item.relative.parent == parent:
                    item.time, item.time_source = time, STAMP
        gathered.files += found


def gather(source: Path, workdir: Path, zone: dt.tzinfo = dt.timezone.utc) -> Gathered:
    """Every notebook of the hand-ins, copied into ``workdir``, and what was left out, why."""
    source = Path(source)
    gathered = Gathered()
    if source.is_dir():
        _from_folder(source, workdir, gathered)
    elif source.is_file() and zipfile.is_zipfile(source):
        gathered.from_zip = True
        _from_zip(source, workdir, gathered, zone)
    elif source.exists():
        raise GraderError(
            f"{source} is neither a folder nor a zip file",
            "give the folder of hand-ins or the bulk-download zip from your LMS",
        )
    else:
        raise GraderError(f"there is no {source}", "check the path to the hand-ins")
    return gathered
