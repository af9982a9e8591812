"""The two notebooks built for one submission: the answer run and the test run.

Grading happens in two runs, so that no learner code runs where the tests decide:

1. the *answer run* (in the learner's sandbox): the learner's cells in the learner's order,
   read-only cells restored from the source, and in place of each test cell an export of the
   answers that test uses, followed by its visible part (to compare verdicts). Hidden tests
   never enter it.
2. the *test run* (a test kernel): the source notebook, hidden tests included, with each test
   preceded by loading the exported answers, as data. A learner's function is loaded as a
   stand-in that calls it in their own kernel, still running, with the arguments and the
   result carried as data (``answer_io.LearnerFunction``): no learner code runs here.

The executed test run, with the learner's answers and their outputs put back in the answer
cells, is what nbgrader scores and what feedback shows.
"""

from __future__ import annotations

import json

import nbformat
from nbformat import NotebookNode

from ..build.cells import cell_meta, is_code_answer, kind_of, visible_part
from .labplan import EXTRA, LabPlan
from .reading import Matched

WATCH = "kernel_watch"  # the module that notes changes to IPython's machinery
PRELUDE = (
    f"import answer_io as _grader_io, {WATCH} as _grader_watch\n"
    "try:\n"
    "    __import__('lab_checks')  # the lab's own checks change the machinery: before watching\n"
    "except Exception:\n"
    "    pass\n"
    "_grader_watch.watch()"
)


def _extra(source: str, role: str, tag: str = "") -> NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata[EXTRA] = {"role": role, "tag": tag}
    return cell


def _export_cell(plan: LabPlan, test_id: str) -> NotebookNode:
    names = plan.test_needs.get(test_id, [])
    return _extra(
        f"_grader_io.export(globals(), {names!r}, {test_id!r}, 'out')",
        "export",
        test_id,
    )


def answer_run(plan: LabPlan, student: NotebookNode, matched: Matched) -> NotebookNode:
    """The notebook for the sandbox: the learner's code, exports in place of the tests."""
    placed: set[str] = set()
    blocks: list[tuple[int | None, list[NotebookNode]]] = []
    for index, cell in enumerate(student.cells):
        if cell.cell_type != "code":
            continue
        role = matched.cell_role.get(index)
        if role == "(duplicate)":
            continue
        if role is None or role in matched.answers:
            copy = nbformat.v4.new_code_cell(cell.source)
            copy.metadata[EXTRA] = {"role": "answer" if role else "learner", "tag": role or ""}
            blocks.append((index, [copy]))
            continue
        placed.add(role)
        blocks.append((index, _restored(plan, role)))
    # Test and read-only cells the learner deleted go back after the cell before them.
    position = {role: n for n, (i, _) in enumerate(blocks) for role in [matched.cell_role.get(i)]}
    missing = [
        g
        for g, i in plan.by_id.items()
        if g not in placed
        and plan.source.cells[i].cell_type == "code"
        and kind_of(plan.source.cells[i]) in ("tests", "locked")
    ]
    inserts: dict[int, list[NotebookNode]] = {}
    ordered = sorted(plan.by_id, key=plan.by_id.get)
    for grade_id in missing:
        before = ordered[: ordered.index(grade_id)]
        anchor = next((position[g] for g in reversed(before) if g in position), -1)
        inserts.setdefault(anchor, []).extend(_restored(plan, grade_id))
    cells = [_extra(PRELUDE, "prelude"), *inserts.get(-1, [])]
    for n, (_, block) in enumerate(blocks):
        cells += block + inserts.get(n, [])
    cells.append(_extra("_grader_watch.changed()", "watch"))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata = plan.source.metadata
    return notebook


def _restored(plan: LabPlan, grade_id: str) -> list[NotebookNode]:
    source_cell = plan.cell(grade_id)
    if kind_of(source_cell) == "tests":
        visible = _extra(visible_part(source_cell.source), "visible", grade_id)
        return [_export_cell(plan, grade_id), visible]
    return [_extra(source_cell.source, "locked", grade_id)]


def clean_run(plan: LabPlan, matched: Matched, answers: str = "answers") -> NotebookNode:
    """The notebook for the test kernel: the source, with the answers loaded as data (and the
    learner's functions as stand-ins) before each test."""
    cells = [_extra("import answer_io as _grader_io", "prelude")]
    for cell in plan.source.cells:
        kind = kind_of(cell)
        grade_id = cell_meta(cell).get("grade_id")
        copy = nbformat.from_dict(json.loads(json.dumps(cell)))
        if is_code_answer(cell):
            copy.source = "# the learner's answer: its values are loaded before each test"
        elif kind == "written":
            copy.source = matched.written.get(grade_id, plan.written_stub)
        elif kind == "tests":
            names = plan.test_needs.get(grade_id, [])
            cells.append(
                _extra(
                    f"_grader_io.apply(globals(), {grade_id!r}, {names!r}, {answers!r})",
                    "load",
                    grade_id,
                )
            )
            if not plan.calls(grade_id):
                # Its visible part alone, to compare with the learner's kernel. (A test that
                # calls the learner's functions is compared as a whole: no call twice.)
                cells.append(_extra(visible_part(cell.source), "visible", grade_id))
        cells.append(copy)
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata = plan.source.metadata
    return notebook
