"""Wrong answers, as a learner meets them: every answer of every lab has plausible mistakes
(``labs/<id>/mistakes.yml``), and each one

- loses points when graded (hidden tests included): no test is one that cannot fail;
- is met as a plain message: the visible check catches it with a hint (never the expected
  value), or the cells after it go on, each within the time limit, and say in one line what
  is wrong; never a deep traceback or a cell that runs for minutes.

Each mistake runs through the student version (the release notebook, visible checks only) with
every other answer filled in from the key; the hidden tests run in cells of their own after each
check, so one run per mistake gives both. One kernel serves a lab's runs; labs are found with
``find_labs``, so a new lab is covered as soon as it has a ``mistakes.yml``.
"""

from __future__ import annotations

import nbformat
import pytest

from grader.build import course, mistakes
from grader.build.labsource import find_labs, read_lab
from grader.paths import LABS

pytestmark = pytest.mark.slow

LABS_FOUND = find_labs(LABS)
CASES = [
    pytest.param(path, m, id=f"{path.stem}:{m.grade_id}:{i}")
    for path in LABS_FOUND
    for i, m in enumerate(mistakes.load_mistakes(path, read_lab(path).notebook))
]


def _notebooks(built, lab_id):
    source = course.source_dir(built.paths.course, lab_id) / f"{lab_id}.ipynb"
    release = course.release_dir(built.paths.course, lab_id) / f"{lab_id}.ipynb"
    return nbformat.read(source, as_version=4), nbformat.read(release, as_version=4)


@pytest.fixture(scope="session")
def meetings(built):
    """Per lab: the answer key's run, then each mistake's, from one kernel per lab."""
    results = {}
    for path in LABS_FOUND:
        source, release = _notebooks(built, path.stem)
        found = mistakes.load_mistakes(path, read_lab(path).notebook)
        notebooks = [mistakes.learner_notebook(release, source)] + [
            mistakes.learner_notebook(release, source, {m.grade_id: m.code}) for m in found
        ]
        folder = course.release_dir(built.paths.course, path.stem)
        perfect, *mutants = mistakes.meet_many(notebooks, folder)
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
def test_answer_key_gets_full_marks_and_runs_cleanly(meetings, path):
    perfect, _ = meetings[path.stem]
    assert perfect.score.max_points > 0
    assert perfect.score.points == perfect.score.max_points
    assert perfect.visible_failures == {}
    assert perfect.problems == []


@pytest.mark.parametrize(("path", "mistake"), CASES)
def test_a_mistake_loses_points(meetings, path, mistake):
    perfect, mutants = meetings[path.stem]
    assert mutants[mistake].score.points < perfect.score.points, f"not caught: {mistake.why}"


@pytest.mark.parametrize(("path", "mistake"), CASES)
def test_a_mistake_is_met_with_a_plain_message_in_seconds(meetings, path, mistake):
    met = meetings[path.stem][1][mistake]
    assert met.problems == [], f"{mistake.why}: " + "; ".join(met.problems)
    for check, message in met.visible_failures.items():
        if "is not defined" in message:
            continue  # the answer's own cell failed, in front of the learner; the check says so
        assert "\nHint: " in message, f"{mistake.why}: {check} fails without a hint: {message!r}"


def test_a_shared_kernel_starts_each_notebook_clean(built):
    """A mistake's leftovers must not rescue the next notebook: run a mistake first, then a
    notebook that skips the answer, and the second must not find the first's variables."""
    lab_id = "lab01-meet-the-data"
    source, release = _notebooks(built, lab_id)
    folder = course.release_dir(built.paths.course, lab_id)
    skipped = {"q1_count": "pass"}
    first, second = mistakes.meet_many(
        [
            mistakes.learner_notebook(release, source),
            mistakes.learner_notebook(release, source, skipped),
        ],
        folder,
    )
    assert first.score.by_cell["q1_count_tests"] > 0
    assert second.score.by_cell["q1_count_tests"] == 0
    assert "q1_count_tests" in second.visible_failures
    assert "not defined" in second.visible_failures["q1_count_tests"]


def test_a_cell_over_the_limit_is_reported_and_the_run_goes_on(built, monkeypatch):
    lab_id = "lab01-meet-the-data"
    source, release = _notebooks(built, lab_id)
    monkeypatch.setattr(mistakes, "LEARNER_CELL_LIMIT_S", 3)
    slow = {"q1_count": "import time\ntime.sleep(60)\nn_subscribers = len(subscribers)"}
    (met,) = mistakes.meet_many(
        [mistakes.learner_notebook(release, source, slow)],
        course.release_dir(built.paths.course, lab_id),
    )
    assert any("ran longer than 3 s" in p for p in met.problems), met.problems
    assert met.score.by_cell["q2_roles_subscribers_tests"] > 0  # the cells after it still ran
