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
def perfect_scores(built):
    scores = {}
    for path in LABS_FOUND:
        folder = course.source_dir(built.paths.course, path.stem)
        scores[path.stem] = mistakes.score(mistakes.answer_key(_source(built, path.stem)), folder)
    return scores


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
def test_answer_key_gets_full_marks(perfect_scores, path):
    score = perfect_scores[path.stem]
    assert score.max_points > 0
    assert score.points == score.max_points


@pytest.mark.parametrize(("path", "mistake"), CASES)
def test_a_mistake_loses_points(built, perfect_scores, path, mistake):
    source = _source(built, path.stem)
    folder = course.source_dir(built.paths.course, path.stem)
    mutant = mistakes.answer_key(source, {mistake.grade_id: mistake.code})
    score = mistakes.score(mutant, folder)
    assert score.points < perfect_scores[path.stem].points, f"not caught: {mistake.why}"
