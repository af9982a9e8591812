"""End to end, for every lab: nbgrader's real autograde on demo students (blank/perfect/partial).

The honesty rules: the untouched student version scores 0, the solution gets every auto-graded
point, a partly done lab scores in between, and nothing secret reaches a learner.
"""

from __future__ import annotations

import html as html_lib
import zipfile

import nbformat
import pytest

from grader.build import course, fixtures, gates
from grader.build.labsource import DELIMITERS, find_labs, read_lab
from grader.paths import LABS

pytestmark = pytest.mark.slow
LAB_IDS = [p.stem for p in find_labs(LABS)]


def _submit(course_dir, lab_id, student, notebook) -> None:
    target = course_dir / "submitted" / student / lab_id
    target.mkdir(parents=True)
    nbformat.write(notebook, target / f"{lab_id}.ipynb")


def _autograde(api, course_dir, lab_id, students) -> None:
    for student, notebook in students.items():
        _submit(course_dir, lab_id, student, notebook)
        result = api.autograde(lab_id, student, force=True, create=True)
        assert result["success"], result.get("error") or result.get("log")


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_demo_students_score_as_expected(plain_demo_scores, lab_id):
    scores = plain_demo_scores(lab_id)

    assert scores["blank"]["auto"] == 0
    assert scores["blank"]["auto_max"] > 0
    assert not scores["blank"]["needs_manual"], "an untouched written answer needs no grading"
    assert scores["perfect"]["auto"] == scores["perfect"]["auto_max"]
    assert 0 < scores["partial"]["auto"] < scores["partial"]["auto_max"]


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_feedback_hides_hidden_tests(built, course_copy, api, lab_id):
    source = course.source_dir(course_copy, lab_id) / f"{lab_id}.ipynb"
    release = course.release_dir(course_copy, lab_id) / f"{lab_id}.ipynb"
    students = fixtures.demo_students(release, source)
    _autograde(api, course_copy, lab_id, {"partial": students["partial"]})
    result = api.generate_feedback(lab_id, "partial")
    assert result["success"], result.get("error")
    html = next((course_copy / "feedback" / "partial" / lab_id).glob("*.html")).read_text(
        encoding="utf-8"
    )
    secrets = gates.secret_lines(nbformat.read(source, as_version=4))
    assert secrets, "a lab without solutions or hidden tests cannot be graded"
    hidden_tests = {
        line
        for cell in nbformat.read(source, as_version=4).cells
        for region in gates._regions(cell.source, "### BEGIN HIDDEN", "### END HIDDEN")
        for line in (ln.strip() for ln in region.splitlines())
        if len(line) >= 8 and line in secrets
    }
    text = html_lib.unescape(html)
    leaked = [line for line in hidden_tests if line in text]
    assert not leaked


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_release_zip_is_complete_and_clean(built, lab_id):
    lab = read_lab(LABS / lab_id / f"{lab_id}.md")
    with zipfile.ZipFile(built.paths.release_zip(lab_id)) as archive:
        names = archive.namelist()
        assert f"{lab_id}/{lab_id}.ipynb" in names
        assert f"{lab_id}/lab_checks.py" in names
        assert f"{lab_id}/README.txt" in names
        for dataset in lab.datasets:
            assert any(n.startswith(f"{lab_id}/data/{dataset}.") for n in names), dataset
        text = "\n".join(
            archive.read(n).decode("utf-8", "replace") for n in names if not n.endswith(".gpkg")
        )
    assert not [d for d in DELIMITERS if d in text]
    source = course.source_dir(built.paths.course, lab_id) / f"{lab_id}.ipynb"
    secrets = gates.secret_lines(nbformat.read(source, as_version=4))
    lines = {ln.strip() for ln in text.splitlines()}
    assert not secrets & lines
