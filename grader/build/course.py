"""The nbgrader course directory: configuration, source notebooks, student and solution versions.

Everything goes through nbgrader's Python API (``NbGraderAPI``), never through shell strings.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import nbformat
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.apps import NbGraderAPI
from nbgrader.converters import GenerateSolution
from nbgrader.preprocessors import ClearHiddenTests, GetGrades
from nbgrader.utils import capture_log, temp_attrs
from traitlets.config import Config

from .. import shipped
from ..errors import GraderError
from ..paths import ROOT
from .labsource import Lab

COURSE_ID = "unlocking-private-data"
CHECKS_MODULE = Path(shipped.__file__).with_name("lab_checks.py")
CELL_TIMEOUT_S = 120

# One set of settings, used for the API and written to nbgrader_config.py for trainers who
# run nbgrader's own commands (e.g. the formgrader) inside the course folder.
SETTINGS = {
    "CourseDirectory": {"course_id": COURSE_ID},
    "ClearSolutions": {
        "code_stub": {"python": "# YOUR CODE HERE\nraise NotImplementedError()"},
        "text_stub": "YOUR ANSWER HERE",
    },
    "ExecutePreprocessor": {"timeout": CELL_TIMEOUT_S},
    "Execute": {"timeout": CELL_TIMEOUT_S},
    # nbgrader's feedback shows the graded notebook, hidden tests included; strip them with
    # nbgrader's own preprocessor so tests can be reused with the next cohort.
    "GenerateFeedback": {
        "preprocessors": [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor],
    },
    # The formgrader shows learners' work in the trainer's own Jupyter server: clean its
    # markdown and HTML outputs too (the grader already shows written answers as plain text).
    "HTMLExporter": {"sanitize_html": True},
}


def config_for(course_dir: Path, db_url: str | None = None) -> Config:
    config = Config()
    for section, values in SETTINGS.items():
        for key, value in values.items():
            config[section][key] = value
    config.CourseDirectory.root = str(course_dir)
    # Learners hand in through an LMS or a shared folder, not nbgrader's exchange; a private
    # exchange folder keeps nbgrader from probing a system-wide one it cannot write to.
    config.Exchange.root = str(course_dir / "exchange")
    if db_url:
        config.CourseDirectory.db_url = db_url
    return config


def write_config_file(course_dir: Path, db_url: str | None = None) -> None:
    imports = set()

    def literal(value):
        if isinstance(value, list) and value and all(isinstance(v, type) for v in value):
            imports.update(f"from {v.__module__} import {v.__name__}" for v in value)
            return "[" + ", ".join(v.__name__ for v in value) + "]"
        return repr(value)

    settings = [
        f"c.{section}.{key} = {literal(value)}"
        for section, values in SETTINGS.items()
        for key, value in values.items()
    ]
    lines = [
        "# Written by `python -m grader`; nbgrader reads it when run inside this folder.",
        *sorted(imports),
        "",
        "import os",
        "",
        "c = get_config()  # noqa: F821",
        *settings,
        'c.Exchange.root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "exchange")',
        *([f"c.CourseDirectory.db_url = {db_url!r}"] if db_url else []),
    ]
    text = "\n".join(lines) + "\n"
    path = course_dir / "nbgrader_config.py"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def open_api(
    course_dir: Path, db_url: str | None = None, extra: Config | None = None
) -> NbGraderAPI:
    (course_dir / "exchange").mkdir(parents=True, exist_ok=True)
    write_config_file(course_dir, db_url)
    config = config_for(course_dir, db_url)
    if extra is not None:
        config.merge(extra)
    api = NbGraderAPI(config=config)
    # nbgrader logs every step at INFO; our own progress lines say what matters.
    api.log.setLevel(logging.WARNING)
    return api


def source_dir(course_dir: Path, lab_id: str) -> Path:
    return course_dir / "source" / lab_id


def release_dir(course_dir: Path, lab_id: str) -> Path:
    return course_dir / "release" / lab_id


def solution_dir(course_dir: Path, lab_id: str) -> Path:
    return course_dir / "solution" / lab_id


def write_source(course_dir: Path, lab: Lab, data_dir: Path) -> Path:
    """Lay out ``source/<lab>/``: the notebook, its datasets (with data cards) and the checks."""
    target = source_dir(course_dir, lab.id)
    if target.exists():
        shutil.rmtree(target)
    (target / "data").mkdir(parents=True)
    for name in lab.datasets:
        found = sorted(data_dir.glob(f"{name}.*"))
        if not found:
            raise GraderError(
                f"{lab.path}: dataset {name!r} was not generated in {data_dir}",
                "check the name in the lab's 'datasets:' list against "
                "`python -m synthetic_data build --help`",
            )
        for path in found:
            shutil.copy2(path, target / "data" / path.name)
    for name in lab.files:
        path = ROOT / name
        if not path.is_file():
            raise GraderError(
                f"{lab.path}: the file {name!r} in 'files:' does not exist",
                "give a path relative to the repository root",
            )
        shutil.copy2(path, target / "data" / path.name)
    shutil.copy2(CHECKS_MODULE, target / "lab_checks.py")
    notebook_path = target / lab.notebook_name
    nbformat.write(lab.notebook, notebook_path)
    return notebook_path


def generate_versions(api: NbGraderAPI, lab: Lab) -> None:
    """Student version into ``release/``, answer key into ``solution/`` (nbgrader's own code)."""
    result = api.generate_assignment(lab.id, force=True, create=True)
    if not result["success"]:
        raise GraderError(
            f"nbgrader could not make the student version of {lab.id}:\n"
            + _tail(result.get("error") or result.get("log", "")),
            f"fix {lab.path} and rebuild with --only {lab.id}",
        )
    with temp_attrs(api.coursedir, assignment_id=lab.id):
        converter = GenerateSolution(coursedir=api.coursedir, parent=api)
        converter.force = True
        result = capture_log(converter)
    if not result["success"]:
        raise GraderError(
            f"nbgrader could not run the solution of {lab.id}:\n"
            + _tail(result.get("error") or result.get("log", "")),
            f"run the lab's source in Jupyter to find the failing cell, then fix {lab.path}",
        )


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
