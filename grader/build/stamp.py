"""A record of what a complete build made, and from which sources.

The main job writes it last, after every lab passed its gates (and the book, when asked, was
built). A later step of the same checkout, the tests above all, can then reuse that build
instead of repeating several minutes of work, and never reuses a stale one: the record holds a
fingerprint of every source the build reads, and a build that starts, fails or builds only one
lab removes it first.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..paths import ROOT, BuildPaths
from .bundle import source_date_epoch

# What a build reads: change any of it and an earlier build no longer stands for this checkout.
SOURCES = (
    "agreements",
    "book",
    "capacity",
    "grader",
    "i18n",
    "labs",
    "synthetic_data",
    "pyproject.toml",
    "requirements.txt",
)
SKIPPED = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".ruff_cache"}
NAME = "build-stamp.json"


def fingerprint(root: Path = ROOT) -> str:
    """sha256 over the names and bytes of every source file (in a stable order)."""
    digest = hashlib.sha256()
    for name in SOURCES:
        top = root / name
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for path in files:
            rel = path.relative_to(root)
            if SKIPPED.intersection(rel.parts) or path.suffix in (".pyc", ".ipynb"):
                continue
            digest.update(rel.as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def clear(paths: BuildPaths) -> None:
    """Forget the last complete build (called as a build starts)."""
    (paths.root / NAME).unlink(missing_ok=True)


def write(
    paths: BuildPaths,
    *,
    seed: int,
    labs: list[str],
    book: bool,
    pdf: bool,
    languages: list[str] | None = None,
    pending_labs: dict[str, list[str]] | None = None,
) -> None:
    """``book`` and ``pdf``: the English edition and its PDF; ``languages``: every edition built."""
    record = {
        "fingerprint": fingerprint(),
        # The zips carry the date of the newest commit: a commit since makes other zips.
        "zip_date": source_date_epoch(),
        "seed": seed,
        "labs": sorted(labs),
        "book": book,
        "pdf": pdf,
        "languages": sorted(languages or []),
        # Per language, the labs whose translation is incomplete (built in English text).
        "pending_labs": pending_labs or {},
    }
    (paths.root / NAME).write_text(json.dumps(record, indent=1), encoding="utf-8")


def current(paths: BuildPaths, seed: int) -> dict | None:
    """The record of a complete build of this checkout's sources with ``seed``, or None."""
    try:
        record = json.loads((paths.root / NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if record.get("seed") != seed or record.get("fingerprint") != fingerprint():
        return None
    if record.get("zip_date") != source_date_epoch():
        return None
    return record
