"""The book agrees with the labs: a rubric for every written answer, the labs' times in lessons."""

from __future__ import annotations

import re

import pytest

from grader.build.labsource import find_labs, read_lab
from grader.paths import BOOK, LABS

LABS_FOUND = [read_lab(path) for path in find_labs(LABS)]


def _written_answers(lab) -> list[tuple[str, float]]:
    """(grade_id, points) of each answer the trainer grades by hand."""
    answers = []
    for cell in lab.notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("grade"):
            answers.append((meta["grade_id"], float(meta["points"])))
    return answers


def _rubric_section(lab_number: int) -> str:
    """The text of the rubrics page between '## Lab N:' and the next '## ' heading."""
    text = (BOOK / "trainer" / "rubrics.md").read_text(encoding="utf-8")
    match = re.search(rf"^## Lab {lab_number}:.*?(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"book/trainer/rubrics.md: add a section '## Lab {lab_number}: ...'"
    return match.group(0)


def _points_text(points: float) -> str:
    return f"{points:g} point" + ("" if points == 1 else "s")


@pytest.mark.parametrize("lab", LABS_FOUND, ids=lambda lab: lab.id)
def test_every_written_answer_has_a_rubric_with_its_points(lab):
    section = _rubric_section(int(lab.id[3:5]))
    answers = _written_answers(lab)
    assert answers, f"{lab.id} has no written answer; the trainer guide expects one or two"
    for grade_id, points in answers:
        marker = f"`{grade_id}`, {_points_text(points)}"
        assert marker in section, f"rubrics.md, Lab {lab.id[3:5]}: write '{marker}' for its rubric"
        # The rubric runs from its marker to the next answer's marker (or the section's end).
        rubric = section[section.index(marker) :]
        following = re.search(r"`w\d_[a-z_]+`, \d", rubric[len(marker) :])
        if following:
            rubric = rubric[: len(marker) + following.start()]
        criteria = [line for line in rubric.splitlines() if line.startswith("| **")]
        assert len(criteria) == points, (
            f"rubrics.md, {grade_id}: one criterion (1, ½ or 0) per point: "
            f"{len(criteria)} criteria for {points:g} points"
        )


@pytest.mark.parametrize("lab", [lab for lab in LABS_FOUND if lab.lesson], ids=lambda lab: lab.id)
def test_the_paired_lesson_links_the_lab_and_states_its_time(lab):
    lesson = (BOOK / f"{lab.lesson}.md").read_text(encoding="utf-8")
    time_line = next(line for line in lesson.splitlines() if line.startswith("**Time:**"))
    assert f"{lab.minutes} minutes" in time_line, (
        f"{lab.lesson}.md: its Time line should give {lab.minutes} minutes for {lab.id} "
        "(the lab's front matter)"
    )
    assert f"<../labs/{lab.id}>`" in lesson, f"{lab.lesson}.md: link the lab with {{doc}}"
