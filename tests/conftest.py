"""Shared fixtures: one course built once per test session, into a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

import synthetic_data
from grader import pipeline
from grader.build import course, environment, fixtures, stamp
from grader.paths import DEFAULT_BUILD, BuildPaths


def main_build() -> dict | None:
    """The main job's record when ``_build/`` is a complete build of this very checkout (as in
    CI, where the README's first command runs just before the tests), else None."""
    return stamp.current(BuildPaths(DEFAULT_BUILD), synthetic_data.DEFAULT_SEED)


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> pipeline.BuildResult:
    """Data and every lab, compiled and gated, in the session's own folder: a copy of the main
    job's build when it is current, else built here (no book: the main job builds that)."""
    build_dir = tmp_path_factory.mktemp("build")
    record = main_build()
    if record is None:
        return pipeline.build(build_dir=build_dir, with_book=False, echo=lambda _: None)
    paths = BuildPaths(build_dir)
    # The data, the course, the zips and each language's translated labs (labs-es, ...).
    for part in ("data", "course", "zips", *(p.name for p in DEFAULT_BUILD.glob("labs-*"))):
        shutil.copytree(DEFAULT_BUILD / part, build_dir / part)
    environment.prepare(build_dir)
    return pipeline.BuildResult(
        paths=paths,
        seed=record["seed"],
        labs=record["labs"],
        pending_labs=record["pending_labs"],
    )


@pytest.fixture
def course_copy(built, tmp_path) -> Path:
    """A private copy of the built course, so each test can grade into it freely."""
    target = tmp_path / "course"
    shutil.copytree(built.paths.course, target)
    return target


@pytest.fixture
def api(course_copy):
    return course.open_api(course_copy)


def gradebook_scores(db_url: str, lab_id: str, students) -> dict[str, dict]:
    """Per learner: auto-graded total and maximum, manual grading needed, score per cell."""
    scores = {}
    with Gradebook(db_url) as gb:
        for student in students:
            submission = gb.find_submission(lab_id, student)
            grades = [g for g in submission.notebooks[0].grades if g.auto_score is not None]
            scores[student] = {
                "auto": sum(g.auto_score for g in grades),
                "auto_max": sum(g.max_score for g in grades),
                "needs_manual": submission.needs_manual_grade,
                "cells": {g.name: g.auto_score for g in grades},
            }
    return scores


@pytest.fixture(scope="session")
def plain_demo_scores(built, tmp_path_factory):
    """``lab_id`` → plain nbgrader's autograde of the demo students (computed once per lab)."""
    done: dict[str, dict] = {}

    def scores(lab_id: str) -> dict[str, dict]:
        if lab_id not in done:
            course_dir = tmp_path_factory.mktemp(f"plain-{lab_id}") / "course"
            shutil.copytree(built.paths.course, course_dir)
            api = course.open_api(course_dir)
            source = course.source_dir(course_dir, lab_id) / f"{lab_id}.ipynb"
            release = course.release_dir(course_dir, lab_id) / f"{lab_id}.ipynb"
            students = fixtures.demo_students(release, source)
            for student, notebook in students.items():
                target = course_dir / "submitted" / student / lab_id
                target.mkdir(parents=True)
                nbformat.write(notebook, target / f"{lab_id}.ipynb")
                result = api.autograde(lab_id, student, force=True, create=True)
                assert result["success"], result.get("error") or result.get("log")
            done[lab_id] = gradebook_scores(api.coursedir.db_url, lab_id, students)
        return done[lab_id]

    return scores
