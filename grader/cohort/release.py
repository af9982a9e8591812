"""``release LAB``: the student zip of a course folder's lab, checked for leaks first.

The course's own labs are packed as the build packs them (notebook, data, checks, README); a
trainer's own nbgrader assignment (``add``) is packed as nbgrader's ``release/`` folder holds
it, every notebook and file, with a short README. Each release is recorded, so that reports
cover the labs handed out.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

from ..build import bundle, course, gates
from ..errors import GraderError
from .folder import Cohort, LabInfo, translation_dir

_EPOCH = (2024, 1, 1, 0, 0, 0)
README = """{title}
{underline}

What is in this folder
{files}

How to work
1. Unzip this folder somewhere you can write (not inside the zip viewer).
2. Open each notebook in Jupyter (JupyterLab, Jupyter Notebook or VS Code), run the cells
   from the top, and write your answers where it says "YOUR CODE HERE" or "YOUR ANSWER HERE".
3. Save, and hand in every notebook as your trainer asked (keep their names).
"""


def released_file(cohort: Cohort, lab_id: str) -> Path:
    return cohort.root / "grading" / lab_id / "released.json"


def was_released(cohort: Cohort, lab_id: str) -> bool:
    """Released with ``release``, or hand-ins collected (a zip handed out another way)."""
    if released_file(cohort, lab_id).exists():
        return True
    return any((cohort.root / "submitted").glob(f"*/{lab_id}/*.ipynb"))


def student_version(cohort: Cohort, lab: LabInfo, language: str = "en") -> Path:
    """The folder of ``lab``'s student version in ``language``: nbgrader's release folder for
    English, else the build's translation (copied by ``init``)."""
    if language == "en":
        release_dir = course.release_dir(cohort.root, lab.id)
    else:
        release_dir = translation_dir(cohort.root, language, lab.id)
        if lab.origin != "build" or not (release_dir / lab.notebook_name).is_file():
            raise GraderError(
                f"{lab.id} has no student version in {language!r} in this course folder",
                "the course's own labs have one in each language of the build: rebuild with "
                "`python -m grader build`, then run `init` again; a trainer's own assignment "
                "is released as it was added",
            )
    return release_dir


def release(cohort: Cohort, lab_id: str, out: Path | None = None, language: str = "en") -> Path:
    """Pack ``lab_id``'s student version in ``language`` as a zip (``zips/<lang>/`` if not
    English); every language has the same cells and tests, so one cohort can mix them."""
    lab = cohort.lab(lab_id)
    release_dir = student_version(cohort, lab, language)
    for source in cohort.source_notebooks(lab.id):
        gates.check_no_leaks(lab, source, release_dir)
    folder = cohort.root / "zips" if language == "en" else cohort.root / "zips" / language
    out = Path(out) if out else folder / f"{lab.id}.zip"
    if lab.origin == "build":
        path = bundle.pack_release(lab, release_dir, out, language)
    else:
        path = _pack(lab, release_dir, out)
    record = released_file(cohort, lab.id)
    record.parent.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    record.write_text(json.dumps({"at": stamp, "zip": str(path)}, indent=1), encoding="utf-8")
    return path


def _pack(lab: LabInfo, release_dir: Path, out: Path) -> Path:
    """A trainer's own assignment: the release folder as it is, under ``<id>/``, plus a README."""
    out.parent.mkdir(parents=True, exist_ok=True)
    files = "\n".join(f"- {name}: open it in Jupyter and answer it" for name in lab.notebooks)
    others = sorted(
        p
        for p in release_dir.rglob("*")
        if p.is_file()
        and not p.is_symlink()
        and "__pycache__" not in p.parts
        and ".ipynb_checkpoints" not in p.parts
    )
    if any(p.suffix != ".ipynb" for p in others):
        files += "\n- the other files: the notebooks use them; leave them where they are"
    readme = README.format(title=lab.title, underline="=" * len(lab.title), files=files)
    entries = [(f"{lab.id}/README.txt", readme.encode("utf-8"))]
    entries += [
        (f"{lab.id}/{p.relative_to(release_dir).as_posix()}", p.read_bytes()) for p in others
    ]
    partial = out.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    partial.replace(out)
    return out
