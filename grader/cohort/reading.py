"""A learner's file read as a notebook (``read_submission``) and matched cell by cell against
the lab's source (``match``): their answers, their written answers, and what was wrong."""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from ..build.cells import cell_meta, is_code_answer, kind_of, names_written, visible_part
from .labplan import LabPlan


class Malformed(Exception):
    """The file is not a notebook we can grade; the message says why, for the trainer."""


MAX_BYTES = 100 * 1024 * 1024  # a lab notebook with its outputs is a few MB
MAX_DEPTH = 64  # nbformat nests about 6 levels; rich outputs a few more


def _depth(value, limit: int) -> int:
    """How deeply ``value`` nests, counted without recursion (up to ``limit`` + 1)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > limit:
            break
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def read_submission(path: Path) -> NotebookNode:
    """The learner's file as a notebook; ``Malformed`` (with a reason for the trainer) for
    anything that is not one, however it is broken."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise Malformed(f"the file is too large ({size / 1e6:.0f} MB) for a notebook")
        data = path.read_bytes()
    except OSError as exc:
        raise Malformed(f"the file cannot be read ({exc.strerror})") from exc
    if not data.strip():
        raise Malformed("the file is empty")
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise Malformed("the file is not text (not a notebook)") from exc
    except RecursionError as exc:
        raise Malformed("the file nests its data too deeply to be a notebook") from exc
    except ValueError as exc:
        raise Malformed(f"the file is not a notebook (broken JSON: {str(exc)[:100]})") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        raise Malformed("the file is JSON but not a Jupyter notebook (no cells)")
    if _depth(raw, MAX_DEPTH) > MAX_DEPTH:
        raise Malformed("the file nests its data too deeply to be a notebook")
    try:
        # JSON may escape a lone surrogate (\ud800), which no file can then hold as UTF-8.
        json.dumps(raw, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise Malformed("the notebook holds text that is not valid Unicode") from exc
    try:
        with warnings.catch_warnings():
            # Duplicate or missing cell ids are repaired by nbformat; that is not the learner's
            # fault and does not change grading.
            warnings.simplefilter("ignore")
            notebook = nbformat.reads(json.dumps(raw), as_version=4)
    except Exception as exc:
        raise Malformed(f"the notebook cannot be read: {str(exc)[:200]}") from exc
    cells = []
    for cell in notebook.cells:
        if cell.get("cell_type") in ("code", "markdown", "raw") and isinstance(
            cell.get("source"), str
        ):
            cells.append(cell)
    notebook.cells = cells
    if not any(c.cell_type == "code" for c in cells):
        raise Malformed("the notebook has no code cells")
    return notebook


@dataclass
class Matched:
    """The learner's notebook read against the source: their answers and what was wrong."""

    answers: dict[str, list[int]] = field(default_factory=dict)  # answer id → learner cells
    written: dict[str, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    cell_role: dict[int, str] = field(default_factory=dict)  # learner cell → grade_id


def _first_line(source: str) -> str:
    return next((ln.strip() for ln in source.splitlines() if ln.strip()), "(empty)")[:60]


def match(plan: LabPlan, student: NotebookNode) -> Matched:
    found: dict[str, list[int]] = {}
    for index, cell in enumerate(student.cells):
        grade_id = cell_meta(cell).get("grade_id")
        if grade_id in plan.by_id and plan.cell(grade_id).cell_type == cell.cell_type:
            found.setdefault(grade_id, []).append(index)
    result = Matched()
    if not found:
        result.flags.append(
            f"none of the cells of {plan.lab_id} were found: is this the right notebook?"
        )
    claimed = {i for indexes in found.values() for i in indexes}
    for grade_id, source_index in plan.by_id.items():
        source_cell = plan.source.cells[source_index]
        kind = kind_of(source_cell)
        where = found.get(grade_id, [])
        if is_code_answer(source_cell):
            if not where:
                where = _recover_answer(plan, grade_id, student, claimed)
                if where:
                    claimed.update(where)
                    result.flags.append(
                        f"the answer cell {grade_id} had lost its nbgrader metadata; graded "
                        f"from learner cell {where[0] + 1} ({_first_line(student.cells[where[0]].source)!r})"
                    )
                else:
                    result.flags.append(f"the answer cell {grade_id} is missing")
            elif len(where) > 1:
                result.flags.append(
                    f"the answer cell {grade_id} appears {len(where)} times; all copies were run"
                )
            result.answers[grade_id] = where
            for i in where:
                result.cell_role[i] = grade_id
            continue
        if kind == "written":
            if where:
                result.written[grade_id] = student.cells[where[-1]].source
            else:
                result.flags.append(f"the written answer {grade_id} is missing")
            continue
        if source_cell.cell_type != "code":
            continue
        label = "test cell" if kind == "tests" else "read-only cell"
        if not where:
            lost = _recover_by_text(plan, grade_id, student, claimed)
            why = "lost its nbgrader metadata" if lost is not None else "was deleted"
            if lost is not None:
                claimed.add(lost)
                where = [lost]
            result.flags.append(f"the {label} {grade_id} {why}; the original was put back")
        elif len(where) > 1:
            result.flags.append(f"the {label} {grade_id} was duplicated; it ran once")
        if where:
            expected = visible_part(source_cell.source) if kind == "tests" else source_cell.source
            if student.cells[where[0]].source.strip() != expected.strip():
                result.flags.append(f"the {label} {grade_id} was edited; the original was used")
            result.cell_role[where[0]] = grade_id
            for i in where[1:]:
                result.cell_role[i] = "(duplicate)"
    return result


def _recover_answer(plan, grade_id, student, claimed) -> list[int]:
    """A code cell without metadata that defines the names this answer should define."""
    wanted = plan.answer_names.get(grade_id, set())
    if not wanted:
        return []
    hits = [
        i
        for i, cell in enumerate(student.cells)
        if i not in claimed
        and cell.cell_type == "code"
        and not cell_meta(cell).get("grade_id")
        and wanted & names_written(cell.source)
    ]
    return hits[-1:]


def _recover_by_text(plan, grade_id, student, claimed) -> int | None:
    source_cell = plan.cell(grade_id)
    expected = visible_part(source_cell.source).strip()
    for i, cell in enumerate(student.cells):
        if i not in claimed and cell.cell_type == "code" and cell.source.strip() == expected:
            return i
    return None
