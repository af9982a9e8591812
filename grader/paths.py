"""Where things are: the project's sources and the single, git-ignored build folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class BuildPaths:
    """The layout of ``_build/``: everything the build writes goes under ``root``."""

    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def course(self) -> Path:
        return self.root / "course"

    @property
    def zips(self) -> Path:
        return self.root / "zips"

    @property
    def book_source(self) -> Path:
        return self.root / "book-src"

    @property
    def html(self) -> Path:
        return self.root / "html"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def release_zip(self, lab_id: str) -> Path:
        return self.zips / f"{lab_id}.zip"


LABS = ROOT / "labs"
BOOK = ROOT / "book"
DEFAULT_BUILD = ROOT / "_build"
