"""Read a lab's single MyST source and compile it into an nbgrader source notebook.

A lab is ``labs/<id>/<id>.md``, a MyST markdown notebook (jupytext). Its front matter has a
``lab:`` block; cells say what they are with a ``role`` option:

=============  ===========================================================================
role           becomes
=============  ===========================================================================
``solution``   code the learner writes: ``### BEGIN SOLUTION`` … ``### END SOLUTION``
``tests``      an auto-graded test cell (needs ``points``); may hold ``### BEGIN HIDDEN TESTS``
``written``    a markdown answer graded by a trainer (needs ``points``); its text is the
               model answer, replaced by "YOUR ANSWER HERE" in the student version
(none)         read-only instructions or set-up code, locked in the student version
=============  ===========================================================================

Every cell with a role also needs a ``grade_id`` unique within the lab. See labs/README.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import jupytext
import nbformat
from nbgrader.nbgraderformat import MetadataValidator, ValidationError

from ..errors import GraderError

ROLES = {
    "solution": {"solution": True, "grade": False, "locked": False},
    "tests": {"solution": False, "grade": True, "locked": True},
    "written": {"solution": True, "grade": True, "locked": False},
}
DELIMITERS = (
    "### BEGIN SOLUTION",
    "### END SOLUTION",
    "### BEGIN HIDDEN TESTS",
    "### END HIDDEN TESTS",
    "=== BEGIN MARK SCHEME ===",
    "=== END MARK SCHEME ===",
)
# A line that looks like a delimiter but is not exactly one would leave its region in the
# student version, so near-misses ("### BEGIN HIDDEN TEST", "## end solution") are errors.
_NEAR_DELIMITER = re.compile(r"^\s*#+\s*(BEGIN|END)\s+(HIDDEN|SOLUTION|MARK)", re.IGNORECASE)
_GRADE_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_LAB_ID = re.compile(r"^lab\d{2}-[a-z0-9-]+$")


@dataclass
class Lab:
    """A lab as its author wrote it: its settings and its compiled notebook."""

    id: str
    title: str
    path: Path
    country: str
    datasets: list[str]
    files: list[str]  # extra files (repository-relative) copied into the lab's data/ folder
    minutes: int
    lesson: str | None
    notebook: nbformat.NotebookNode = field(repr=False)

    @property
    def notebook_name(self) -> str:
        return f"{self.id}.ipynb"


def find_labs(labs_dir: Path) -> list[Path]:
    """Every lab source: ``labs/<id>/<id>.md``, in name order."""
    return sorted(p for p in labs_dir.glob("lab*/*.md") if p.stem == p.parent.name)


def _where(path: Path, index: int, cell) -> str:
    first = next((ln.strip() for ln in cell.source.splitlines() if ln.strip()), "(empty)")
    return f"{path}, cell {index + 1} ({cell.cell_type}: {first[:60]!r})"


def read_lab(path: Path) -> Lab:
    """Parse and compile one lab source; raise ``GraderError`` naming the cell at fault."""
    path = Path(path)
    try:
        notebook = jupytext.reads(path.read_text(encoding="utf-8"), fmt="md:myst")
    except OSError as exc:
        raise GraderError(f"cannot read lab source {path}: {exc.strerror}") from exc
    except Exception as exc:
        raise GraderError(
            f"{path} is not valid MyST markdown: {exc}",
            "compare it with labs/_template/lab00-template.md",
        ) from exc
    meta = notebook.metadata.get("lab")
    if not isinstance(meta, dict):
        raise GraderError(
            f"{path} has no 'lab:' block in its front matter",
            "copy the front matter of labs/_template/lab00-template.md",
        )
    lab_id = path.stem
    if meta.get("id", lab_id) != lab_id or not _LAB_ID.match(lab_id):
        raise GraderError(
            f"{path}: the lab id must be the file and folder name, like 'lab01-meet-the-data'",
            "rename the folder and file, and set lab.id to the same name",
        )
    for key in ("title", "country", "datasets"):
        if key not in meta:
            raise GraderError(f"{path}: the 'lab:' block has no '{key}'", "add it")
    notebook.metadata.pop("lab")
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.metadata.pop("jupytext", None)
    _apply_roles(path, lab_id, notebook)
    return Lab(
        id=lab_id,
        title=str(meta["title"]),
        path=path,
        country=str(meta["country"]),
        datasets=list(meta["datasets"]),
        files=list(meta.get("files", [])),
        minutes=int(meta.get("minutes", 60)),
        lesson=meta.get("lesson"),
        notebook=notebook,
    )


def _apply_roles(path: Path, lab_id: str, notebook) -> None:
    seen: dict[str, int] = {}
    for index, cell in enumerate(notebook.cells):
        where = _where(path, index, cell)
        role = cell.metadata.pop("role", None)
        grade_id = cell.metadata.pop("grade_id", None)
        points = cell.metadata.pop("points", None)
        if role is None:
            if grade_id is not None or points is not None:
                raise GraderError(f"{where}: has grade_id/points but no role", "add a role")
            # Locked so nbgrader restores it if a learner edits it; ids are positional.
            grade_id = f"{lab_id}-locked-{index + 1:03d}"
            cell.metadata["nbgrader"] = {"locked": True, "solution": False, "grade": False}
        else:
            if role not in ROLES:
                raise GraderError(
                    f"{where}: unknown role {role!r}",
                    f"use one of: {', '.join(ROLES)}",
                )
            if grade_id is None or not _GRADE_ID.match(str(grade_id)):
                raise GraderError(
                    f"{where}: a '{role}' cell needs a grade_id of letters, digits, - or _",
                    "add e.g. ':grade_id: q1_count' to the cell",
                )
            cell.metadata["nbgrader"] = dict(ROLES[role])
            if ROLES[role]["grade"]:
                if not isinstance(points, int | float) or points <= 0:
                    raise GraderError(
                        f"{where}: a '{role}' cell needs positive points", "add ':points: 1'"
                    )
                cell.metadata["nbgrader"]["points"] = points
            _check_cell_shape(where, role, cell)
        if grade_id in seen:
            raise GraderError(
                f"{where}: grade_id {grade_id!r} is already used by cell {seen[grade_id] + 1}",
                "give every graded cell its own grade_id",
            )
        seen[grade_id] = index
        cell.metadata["nbgrader"].update(grade_id=str(grade_id), schema_version=3)
        try:
            MetadataValidator().validate_cell(cell)
        except ValidationError as exc:
            raise GraderError(f"{where}: invalid nbgrader metadata: {exc}") from exc


def _check_delimiters(where: str, source: str) -> None:
    open_region = None
    for line in source.splitlines():
        stripped = line.strip()
        if not _NEAR_DELIMITER.match(stripped):
            continue
        if stripped not in DELIMITERS:
            raise GraderError(
                f"{where}: {stripped!r} is not an nbgrader delimiter, so the region it marks "
                "would reach learners",
                "use exactly one of: " + ", ".join(DELIMITERS[:4]),
            )
        kind = stripped.split(" ", 2)[2]
        if stripped.startswith("### BEGIN"):
            if open_region:
                raise GraderError(f"{where}: {stripped!r} inside an open {open_region} region")
            open_region = kind
        elif open_region != kind:
            raise GraderError(f"{where}: {stripped!r} has no matching BEGIN line")
        else:
            open_region = None
    if open_region:
        raise GraderError(f"{where}: the {open_region} region is never closed", "add its END line")


def _check_cell_shape(where: str, role: str, cell) -> None:
    source = cell.source
    _check_delimiters(where, source)
    if role == "solution":
        if cell.cell_type != "code":
            raise GraderError(f"{where}: a 'solution' cell must be a code cell")
        if "### BEGIN SOLUTION" not in source or "### END SOLUTION" not in source:
            raise GraderError(
                f"{where}: a solution cell needs '### BEGIN SOLUTION' and '### END SOLUTION'",
                "wrap the answer code between the two lines",
            )
    elif role == "tests":
        if cell.cell_type != "code":
            raise GraderError(f"{where}: a 'tests' cell must be a code cell")
        if "### BEGIN SOLUTION" in source:
            raise GraderError(f"{where}: a tests cell cannot contain a solution")
    elif role == "written" and cell.cell_type != "markdown":
        raise GraderError(
            f"{where}: a 'written' answer must be a markdown cell",
            'start it with +++ {"role": "written", "grade_id": "...", "points": 2}',
        )
