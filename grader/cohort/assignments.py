"""``add FOLDER``: a trainer's own nbgrader assignment, added to a course folder.

An nbgrader assignment is a folder of notebooks whose cells carry nbgrader's metadata (made
with nbgrader's "Create Assignment" toolbar), as in an nbgrader course's ``source/``, with any
other files they need next to them. It may have several notebooks, with any names. Once added,
it is released, collected, graded, fed back and reported like the course's own labs.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat

from ..errors import GraderError
from .folder import Cohort, LabInfo, exclusive, normalise_notebooks, write_manifest

# The assignment's name becomes a folder and a gradebook key, like a learner's id.
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_NOTEBOOK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.()-]{0,95}\.ipynb$")
_SKIP = {".ipynb_checkpoints", "__pycache__", ".git", "gradebook.db"}
MAX_FILES = 2000


def _nbgrader_cells(notebook, name: str) -> int:
    """How many cells carry nbgrader metadata; duplicate grade ids stop the import."""
    seen: dict[str, int] = {}
    count = 0
    for number, cell in enumerate(notebook.cells, start=1):
        meta = cell.metadata.get("nbgrader") or {}
        if not isinstance(meta, dict):
            continue
        if meta.get("grade") or meta.get("solution") or meta.get("task") or meta.get("locked"):
            count += 1
            grade_id = meta.get("grade_id")
            if not grade_id:
                raise GraderError(
                    f"{name}: cell {number} is an nbgrader cell without an id (grade_id)",
                    "open it in Jupyter with nbgrader's Create Assignment toolbar and give "
                    "the cell an id",
                )
            if grade_id in seen:
                raise GraderError(
                    f"{name}: cells {seen[grade_id]} and {number} have the same id {grade_id!r}",
                    "give every nbgrader cell its own id (Create Assignment toolbar)",
                )
            seen[grade_id] = number
    return count


def _title(notebook, fallback: str) -> str:
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.startswith("#"):
                return line.lstrip("#").strip()[:120] or fallback
    return fallback


def read_assignment(folder: Path) -> tuple[list[str], str]:
    """The notebooks of an assignment folder (checked) and a title from the first one."""
    if not folder.is_dir():
        raise GraderError(
            f"there is no folder {folder}",
            "give the folder that holds the assignment's notebooks (nbgrader's source/NAME)",
        )
    notebooks = sorted(p for p in folder.glob("*.ipynb") if not p.is_symlink())
    if not notebooks:
        raise GraderError(
            f"{folder} holds no notebook (.ipynb file)",
            "give the folder that holds the assignment's notebooks (nbgrader's source/NAME)",
        )
    title = ""
    for path in notebooks:
        if not _NOTEBOOK.match(path.name):
            raise GraderError(
                f"the notebook name {path.name!r} is not usable",
                "rename it with letters, digits, spaces, '.', '_', '-' or brackets only",
            )
        try:
            notebook = nbformat.read(path, as_version=4)
        except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same advice
            raise GraderError(
                f"{path.name} cannot be read as a notebook ({type(exc).__name__}: "
                f"{str(exc)[:200]})",
                "open it in Jupyter, save it, and add the folder again",
            ) from None
        if not _nbgrader_cells(notebook, path.name):
            raise GraderError(
                f"{path.name} has no nbgrader cells, so nothing in it could be graded",
                "mark its answer and test cells with nbgrader's Create Assignment toolbar "
                "(View > Cell Toolbar > Create Assignment in Jupyter), then add it again",
            )
        title = title or _title(notebook, "")
    return [p.name for p in notebooks], title


def _copy(folder: Path, target: Path) -> None:
    """Copy the assignment's files; links are never followed (they could point anywhere)."""
    count = 0
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if set(relative.parts) & _SKIP or path.is_symlink() or not path.is_file():
            continue
        count += 1
        if count > MAX_FILES:
            raise GraderError(
                f"{folder} holds more than {MAX_FILES} files",
                "give the folder of the assignment alone, not a folder above it",
            )
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination, follow_symlinks=False)


def add(cohort: Cohort, folder: Path, name: str | None = None, echo=print) -> LabInfo:
    """Copy an nbgrader assignment into the course, register it, and make its student version."""

    folder = Path(folder)
    lab_id = name or folder.resolve().name
    if not _ID.match(lab_id):
        raise GraderError(
            f"the assignment name {lab_id!r} is not usable as a folder name",
            "choose one with letters, digits, '.', '_' or '-' (no spaces) with --name",
        )
    existing = cohort.labs.get(lab_id)
    if existing is not None and existing.origin != "added":
        raise GraderError(
            f"the course already has a lab called {lab_id!r} (from the course's build)",
            "choose another name with --name",
        )
    notebooks, title = read_assignment(folder)
    with exclusive(cohort, f"add {lab_id}"):
        return _add(cohort, folder, lab_id, notebooks, title, existing, echo)


def _add(cohort, folder, lab_id, notebooks, title, existing, echo) -> LabInfo:
    from ..build import course

    target = course.source_dir(cohort.root, lab_id)
    partial = target.with_name(f".{lab_id}.partial")
    if partial.exists():
        shutil.rmtree(partial)
    _copy(folder, partial)
    normalise_notebooks(partial)
    if target.exists():
        shutil.rmtree(target)
    partial.rename(target)
    info = LabInfo(lab_id, title or lab_id, 0, None, tuple(notebooks), "added")
    cohort.labs[lab_id] = info
    api = cohort.api()
    result = api.generate_assignment(lab_id, force=True, create=True)
    if not result["success"]:
        if existing is None:
            del cohort.labs[lab_id]
            shutil.rmtree(target, ignore_errors=True)
        tail = "\n".join((result.get("error") or result.get("log") or "").splitlines()[-8:])
        raise GraderError(
            f"nbgrader could not make the student version of {lab_id}:\n{tail}",
            "fix the notebooks (nbgrader's own `nbgrader generate_assignment` says the same), "
            "then add the folder again",
        )
    write_manifest(cohort)
    echo(f"  ✓ {lab_id}: {', '.join(notebooks)}")
    return info
