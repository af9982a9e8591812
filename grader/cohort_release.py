"""``release LAB``: the student zip of a course folder's lab, checked for leaks first."""

from __future__ import annotations

from pathlib import Path

from . import bundle, course, gates
from .cohort import Cohort


def release(cohort: Cohort, lab_id: str, out: Path | None = None) -> Path:
    lab = cohort.lab(lab_id)
    release_dir = course.release_dir(cohort.root, lab.id)
    gates.check_no_leaks(lab, cohort.source_notebook(lab.id), release_dir)
    out = Path(out) if out else cohort.root / "zips" / f"{lab.id}.zip"
    return bundle.pack_release(lab, release_dir, out)
