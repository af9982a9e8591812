"""Demo students for end-to-end tests and benchmarks, as in nbgrader's own test suite.

- ``blank``: the student version, untouched; must score 0.
- ``perfect``: the solution; must get every auto-graded point.
- ``partial``: the student version with only the first answer filled in; scores in between.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

_SOLUTION = re.compile(r"### BEGIN SOLUTION\n?(.*?)### END SOLUTION\n?", re.DOTALL)


def strip_delimiters(source: str) -> str:
    """The code a learner would have typed: the solution without nbgrader's markers."""
    return _SOLUTION.sub(lambda m: m.group(1), source)


def _solution_cells(notebook) -> dict[str, str]:
    return {
        cell.metadata["nbgrader"]["grade_id"]: strip_delimiters(cell.source)
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }


def fill_answers(release: Path, source: Path, grade_ids: list[str] | None = None):
    """The student version with the named answers (default: all) taken from the source."""
    student = nbformat.read(release, as_version=4)
    answers = _solution_cells(nbformat.read(source, as_version=4))
    for cell in student.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers and (grade_ids is None or grade_id in grade_ids):
            cell.source = answers[grade_id]
    return student


def answer_ids(source: Path) -> list[str]:
    return list(_solution_cells(nbformat.read(source, as_version=4)))


def demo_students(release: Path, source: Path) -> dict[str, nbformat.NotebookNode]:
    first = answer_ids(source)[:1]
    return {
        "blank": nbformat.read(release, as_version=4),
        "perfect": fill_answers(release, source),
        "partial": fill_answers(release, source, first),
    }
