"""Plausible mistakes, to prove that each lab's tests can fail.

Each lab may have ``labs/<id>/mistakes.yml`` next to its source, mapping the ``grade_id`` of an
answer cell to mistakes a learner could make::

    q3_by_district:
      - why: counts census rows instead of subscribers
        code: |
          subscribers_by_district = census.groupby("district").size()

The tests run the lab's answer key with one answer replaced by a mistake, score it as nbgrader
would (hidden tests included), and require that it loses points.
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

from .course import CELL_TIMEOUT_S
from .errors import GraderError
from .fixtures import strip_delimiters


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
    """Run each notebook next to its own copy of the lab's files and score its test cells.

    One kernel serves them all, with its namespace reset between notebooks: starting a kernel
    and importing pandas costs more than most labs take to run.
    """
    scores = []
    with tempfile.TemporaryDirectory(prefix="lab-score-") as tmp:
        client = NotebookClient(
            nbformat.v4.new_notebook(),
            timeout=CELL_TIMEOUT_S,
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
                scores.append(_grade(notebook))
    return scores


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
