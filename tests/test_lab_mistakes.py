"""Wrong answers lose points: every answer of every lab has plausible mistakes that must fail.

The answer key (hidden tests included) scores full marks; replacing one answer by a mistake
from ``labs/<id>/mistakes.yml`` must cost points, so no test is one that cannot fail.
"""

from __future__ import annotations

import nbformat
import pytest

from grader import course, mistakes
from grader.labsource import find_labs, read_lab
from grader.paths import LABS

pytestmark = pytest.mark.slow

LABS_FOUND = find_labs(LABS)
CASES = [
    pytest.param(path, m, id=f"{path.stem}:{m.grade_id}:{i}")
    for path in LABS_FOUND
    for i, m in enumerate(mistakes.load_mistakes(path, read_lab(path).notebook))
]


def _source(built, lab_id):
    path = course.source_dir(built.paths.course, lab_id) / f"{lab_id}.ipynb"
    return nbformat.read(path, as_version=4)


@pytest.fixture(scope="session")
def scores(built):
    """Per lab: the answer key's score, then each mistake's, from one kernel per lab."""
    results = {}
    for path in LABS_FOUND:
        source = _source(built, path.stem)
        found = mistakes.load_mistakes(path, read_lab(path).notebook)
        notebooks = [mistakes.answer_key(source)] + [
            mistakes.answer_key(source, {m.grade_id: m.code}) for m in found
        ]
        folder = course.source_dir(built.paths.course, path.stem)
        perfect, *mutants = mistakes.score_many(notebooks, folder)
        results[path.stem] = (perfect, dict(zip(found, mutants, strict=True)))
    return results


@pytest.mark.parametrize("path", LABS_FOUND, ids=lambda p: p.stem)
def test_every_answer_has_mistakes_to_catch(path):
    lab = read_lab(path)
    answers = {
        c.metadata["nbgrader"]["grade_id"]
        for c in lab.notebook.cells
        if c.cell_type == "code" and c.metadata["nbgrader"]["solution"]
    }
    covered = {m.grade_id for m in mistakes.load_mistakes(path, lab.notebook)}
    assert answers - covered == set(), f"add mistakes for these answers to {path.parent}"


@pytest.mark.parametrize("path", LABS_FOUND, ids=lambda p: p.stem)
def test_answer_key_gets_full_marks(scores, path):
    perfect, _ = scores[path.stem]
    assert perfect.max_points > 0
    assert perfect.points == perfect.max_points


@pytest.mark.parametrize(("path", "mistake"), CASES)
def test_a_mistake_loses_points(scores, path, mistake):
    perfect, mutants = scores[path.stem]
    assert mutants[mistake].points < perfect.points, f"not caught: {mistake.why}"


def test_a_shared_kernel_starts_each_notebook_clean(built):
    """A mistake's leftovers must not rescue the next notebook: run a mistake first, then a
    notebook that skips the answer, and the second must not find the first's variables."""
    lab_id = "lab01-meet-the-data"
    source = _source(built, lab_id)
    folder = course.source_dir(built.paths.course, lab_id)
    skipped = {"q1_count": "pass"}
    first, second = mistakes.score_many(
        [mistakes.answer_key(source), mistakes.answer_key(source, skipped)], folder
    )
    assert first.by_cell["q1_count_tests"] > 0
    assert second.by_cell["q1_count_tests"] == 0
