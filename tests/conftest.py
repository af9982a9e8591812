"""Shared fixtures: one course built once per test session, into a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader import course, pipeline


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> pipeline.BuildResult:
    """Data and every lab, compiled and gated (no book: the main job builds that)."""
    build_dir = tmp_path_factory.mktemp("build")
    return pipeline.build(build_dir=build_dir, with_book=False, echo=lambda _: None)


@pytest.fixture
def course_copy(built, tmp_path) -> Path:
    """A private copy of the built course, so each test can grade into it freely."""
    target = tmp_path / "course"
    shutil.copytree(built.paths.course, target)
    return target


@pytest.fixture
def api(course_copy):
    return course.open_api(course_copy)
