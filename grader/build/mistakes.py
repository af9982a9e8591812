"""Plausible mistakes, to prove that each lab's tests can fail.

Each lab may have ``labs/<id>/mistakes.yml`` next to its source, mapping the ``grade_id`` of an
answer cell to mistakes a learner could make::

    q3_by_district:
      - why: counts census rows instead of subscribers
        code: |
          subscribers_by_district = census.groupby("district").size()

The tests run each mistake as a learner would meet it: the student version (the release
notebook, visible checks only) with every answer filled in from the key and one answer replaced
by the mistake, each cell under a time limit. Right after each check cell, that check's hidden
tests run in a cell of their own, so the same run also scores the notebook as nbgrader would.
The tests require that every mistake loses points, and that the learner meets it as a plain
message (a check that fails with a hint, or a later cell that stops with a short message), never
as a deep traceback or a cell that runs for minutes.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml
from nbclient import NotebookClient
from nbgrader.utils import determine_grade, is_grade, is_solution

from ..errors import GraderError
from .course import CELL_TIMEOUT_S
from .fixtures import strip_delimiters
from .gates import _regions

# A learner's cell that runs longer than this is a defect of the lab (not a timing assertion:
# a limit, far above what any cell of a lab needs).
LEARNER_CELL_LIMIT_S = 30
# Errors a learner sees as one plain line (lab_checks shows them without a traceback).
PLAIN_ERRORS = {"CheckFailed", "NameError"}
_ROLE = "mistakes"  # cell metadata key of the cells this module adds


@dataclass(frozen=True)
class Mistake:
    grade_id: str
    why: str
    code: str


def load_mistakes(lab_source: Path, notebook: nbformat.NotebookNode) -> list[Mistake]:
    """Read ``mistakes.yml`` beside a lab's MyST source; check it names real answer cells."""
    path = Path(lab_source).with_name("mistakes.yml")
    if not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise GraderError(f"{path} is not valid YAML: {exc}") from exc
    answers = {
        c.metadata["nbgrader"]["grade_id"]
        for c in notebook.cells
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
    }
    mistakes = []
    for grade_id, entries in data.items():
        if grade_id not in answers:
            raise GraderError(
                f"{path}: {grade_id!r} is not the grade_id of an answer (solution) cell",
                "use one of: " + ", ".join(sorted(answers)),
            )
        for entry in entries or []:
            if not isinstance(entry, dict) or not {"why", "code"} <= set(entry):
                raise GraderError(f"{path}: each mistake of {grade_id!r} needs 'why' and 'code'")
            mistakes.append(Mistake(grade_id, str(entry["why"]), str(entry["code"])))
    return mistakes


def answer_key(source_notebook: nbformat.NotebookNode, replace: dict[str, str] | None = None):
    """The source notebook as a perfect learner would hand it in, hidden tests included,
    with the answers named in ``replace`` swapped for other code."""
    notebook = nbformat.from_dict(source_notebook)
    replace = replace or {}
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            cell.source = replace.get(meta["grade_id"], strip_delimiters(cell.source))
    return notebook


@dataclass(frozen=True)
class Score:
    points: float
    max_points: float
    by_cell: dict[str, float]


# Runs before each notebook when one kernel scores many: a clean namespace in a fresh folder.
_FRESH_START = """\
%reset -f
import os
os.chdir({path!r})
try:
    import matplotlib.pyplot
    matplotlib.pyplot.close("all")
except ImportError:
    pass
"""


def score_many(notebooks: list[nbformat.NotebookNode], lab_folder: Path) -> list[Score]:
    """Run each notebook next to its own copy of the lab's files and score its test cells."""
    return [_grade(notebook) for notebook in run_many(notebooks, lab_folder)]


def run_many(
    notebooks: list[nbformat.NotebookNode], lab_folder: Path, timeout: int = CELL_TIMEOUT_S
) -> list[nbformat.NotebookNode]:
    """Run each notebook (in place) next to its own copy of the lab's files; a cell over
    ``timeout`` seconds is interrupted (a ``KeyboardInterrupt`` error) and the run goes on.

    One kernel serves them all, with its namespace reset between notebooks: starting a kernel
    and importing pandas costs more than most labs take to run.
    """
    with tempfile.TemporaryDirectory(prefix="lab-score-") as tmp:
        client = NotebookClient(
            nbformat.v4.new_notebook(),
            timeout=timeout,
            interrupt_on_timeout=True,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": tmp}},
        )
        with client.setup_kernel():
            for number, notebook in enumerate(notebooks):
                work = Path(tmp) / f"run-{number}"
                shutil.copytree(lab_folder, work, ignore=shutil.ignore_patterns("*.ipynb"))
                client.nb = notebook
                client.reset_execution_trackers()
                start = nbformat.v4.new_code_cell(_FRESH_START.format(path=str(work)))
                client.execute_cell(start, 0, store_history=False)
                for index, cell in enumerate(notebook.cells):
                    client.execute_cell(cell, index)
    return notebooks


def score(notebook: nbformat.NotebookNode, lab_folder: Path) -> Score:
    """Run one notebook next to a copy of the lab's files and score its test cells."""
    return score_many([notebook], lab_folder)[0]


def _grade(notebook: nbformat.NotebookNode) -> Score:
    by_cell = {}
    max_points = 0.0
    for cell in notebook.cells:
        if cell.cell_type == "code" and is_grade(cell) and not is_solution(cell):
            points, maximum = determine_grade(cell)
            by_cell[cell.metadata["nbgrader"]["grade_id"]] = float(points or 0)
            max_points += maximum
    return Score(sum(by_cell.values()), max_points, by_cell)


def _hidden_code(source_cell) -> str:
    return "\n".join(
        r.strip("\n")
        for r in _regions(source_cell.source, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
    )


def learner_notebook(
    release: nbformat.NotebookNode,
    source: nbformat.NotebookNode,
    replace: dict[str, str] | None = None,
) -> nbformat.NotebookNode:
    """The student version as a learner who answered everything would run it: each answer from
    the key (or from ``replace``), and after each check cell its hidden tests in a cell of their
    own (marked, so that what the learner sees can be told apart from the grading)."""
    replace = replace or {}
    answers, hidden = {}, {}
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or "grade_id" not in meta:
            continue
        if meta.get("solution"):
            answers[meta["grade_id"]] = strip_delimiters(cell.source)
        elif meta.get("grade"):
            hidden[meta["grade_id"]] = _hidden_code(cell)
    notebook = nbformat.from_dict(release)
    cells = []
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        grade_id = meta.get("grade_id")
        if cell.cell_type == "code" and meta.get("solution") and grade_id in answers:
            cell.source = replace.get(grade_id, answers[grade_id])
        cells.append(cell)
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            extra = nbformat.v4.new_code_cell(hidden.get(grade_id, "") or "pass")
            extra.metadata[_ROLE] = {"hidden_of": grade_id}
            cells.append(extra)
    notebook.cells = cells
    return notebook


@dataclass(frozen=True)
class Meeting:
    """How a learner meets a notebook: what the visible part showed, and its hidden score."""

    score: Score
    # check id -> the visible check's message when it failed (None: passed or never ran)
    visible_failures: dict[str, str]
    # plain-language problems: a cell over the time limit, a deep traceback outside an answer
    problems: list[str]
    # answer id -> the ids of the checks that follow it (up to the next answer)
    checks_after: dict[str, list[str]]

    def caught(self, answer_id: str) -> bool:
        """Did a check right after this answer fail (the learner sees it at once)?"""
        return any(c in self.visible_failures for c in self.checks_after.get(answer_id, []))


def _errors(cell) -> list:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def _first_line(source: str) -> str:
    return next((ln.strip() for ln in source.splitlines() if ln.strip()), "(empty)")[:60]


def meet(notebook: nbformat.NotebookNode) -> Meeting:
    """Read an executed :func:`learner_notebook`."""
    by_cell: dict[str, float] = {}
    max_points = 0.0
    visible_failures: dict[str, str] = {}
    problems: list[str] = []
    visible_ok: dict[str, bool] = {}
    checks_after: dict[str, list[str]] = {}
    answer = None
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        marked = cell.metadata.get(_ROLE, {})
        errors = _errors(cell)
        ran = cell.get("execution_count") is not None
        if "hidden_of" in marked:
            grade_id = marked["hidden_of"]
            passed = visible_ok.get(grade_id, False) and ran and not errors
            by_cell[grade_id] = by_cell[grade_id] if passed else 0.0
            continue
        where = f"cell {index + 1} ({_first_line(cell.source)!r})"
        timed_out = [e for e in errors if e.get("ename") == "KeyboardInterrupt"]
        if timed_out:
            problems.append(f"{where} ran longer than {LEARNER_CELL_LIMIT_S} s")
        if meta.get("solution"):
            answer = meta.get("grade_id")
        if meta.get("grade") and not meta.get("solution"):
            grade_id = meta["grade_id"]
            if answer is not None:
                checks_after.setdefault(answer, []).append(grade_id)
            max_points += float(meta.get("points", 0))
            visible_ok[grade_id] = ran and not errors
            by_cell[grade_id] = float(meta.get("points", 0)) if visible_ok[grade_id] else 0.0
            if errors:
                visible_failures[grade_id] = str(errors[0].get("evalue", ""))
        if meta.get("solution") or timed_out:
            continue  # the learner's own code may fail as it likes
        deep = [e for e in errors if e.get("ename") not in PLAIN_ERRORS]
        if deep:
            problems.append(
                f"{where} fails with a traceback: {deep[0].get('ename')}: "
                f"{str(deep[0].get('evalue', ''))[:200]}"
            )
        elif errors and len(errors[0].get("traceback", [])) > 1:
            problems.append(f"{where} shows a traceback instead of a plain message")
    score = Score(sum(by_cell.values()), max_points, by_cell)
    return Meeting(score, visible_failures, problems, checks_after)


def meet_many(notebooks: list[nbformat.NotebookNode], lab_folder: Path) -> list[Meeting]:
    """Run each :func:`learner_notebook` (one kernel, a clean namespace each) and read it."""
    executed = run_many(notebooks, lab_folder, timeout=LEARNER_CELL_LIMIT_S)
    return [meet(notebook) for notebook in executed]
