"""The gates every lab passes before it is released.

1. The solution passes every test (nbgrader's ``Validator``).
2. The untouched student version passes none (``Validator(invert=True)``): no free points.
3. No file of the student version contains solution code, hidden tests, model answers or the
   delimiters that mark them.
"""

from __future__ import annotations

import ast
import json
import re
import time
from pathlib import Path

import nbformat
from nbgrader.validator import Validator
from traitlets.config import Config

from ..errors import GraderError
from . import cells
from .course import CELL_TIMEOUT_S
from .labsource import DELIMITERS, Lab

_MIN_LEAK_LINE = 8  # shorter lines (``else:``, ``)``) say nothing about an answer


def _validator(invert: bool) -> Validator:
    config = Config()
    config.Execute.timeout = CELL_TIMEOUT_S
    config.ExecutePreprocessor.timeout = CELL_TIMEOUT_S
    return Validator(invert=invert, config=config)


def _first_line(source: str) -> str:
    return next((ln.strip() for ln in source.splitlines() if ln.strip()), "(empty)")[:70]


def check_solution_passes(lab: Lab, notebook: Path) -> None:
    results = _validator(invert=False).validate(str(notebook))
    if results.get("type_changed") or results.get("changed"):
        raise GraderError(f"{lab.id}: nbgrader reports changed cells in the source notebook")
    failed = results.get("failed", [])
    if failed:
        details = "\n".join(
            f"  - test cell starting {_first_line(f['source'])!r} failed:\n"
            + "\n".join("      " + ln for ln in f["raw_error"].strip().splitlines()[-6:])
            for f in failed
        )
        raise GraderError(
            f"{lab.id}: the solution fails {len(failed)} test cell(s):\n{details}",
            f"fix the solution or the test in {lab.path}, then `python -m grader build "
            f"--only {lab.id}`",
        )


def check_release_fails(lab: Lab, notebook: Path) -> None:
    results = _validator(invert=True).validate(str(notebook))
    passed = results.get("passed", [])
    if passed:
        cells = "\n".join(f"  - test cell starting {_first_line(p['source'])!r}" for p in passed)
        raise GraderError(
            f"{lab.id}: {len(passed)} test cell(s) pass on the untouched student version, "
            f"so a learner would get points for doing nothing:\n{cells}",
            "make every test check the learner's answer (e.g. start with check_type on it)",
        )


def _regions(source: str, begin: str, end: str) -> list[str]:
    pattern = re.compile(re.escape(begin) + r"(.*?)" + re.escape(end), re.DOTALL)
    return [m.group(1) for m in pattern.finditer(source)]


def secret_lines(source_notebook: nbformat.NotebookNode) -> set[str]:
    """Lines a learner must not see: solutions, hidden tests and model answers.

    Lines that also appear in a visible part of the source (``import pandas as pd``) are not
    secrets, so they are left out.
    """
    secret: list[str] = []
    visible: list[str] = []
    for cell in source_notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        source = cell.source
        if cell.cell_type == "markdown" and meta.get("solution"):
            secret += source.splitlines()
            continue
        hidden = _regions(source, "### BEGIN SOLUTION", "### END SOLUTION") + _regions(
            source, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
        )
        for region in hidden:
            secret += region.splitlines()
            source = source.replace(region, "\n")
        visible += source.splitlines()
    visible_set = {ln.strip() for ln in visible}
    return {
        ln.strip()
        for ln in secret
        if len(ln.strip()) >= _MIN_LEAK_LINE and ln.strip() not in visible_set
    }


def _text_of(path: Path) -> str | None:
    if path.suffix == ".ipynb":
        notebook = nbformat.read(path, as_version=4)
        return "\n".join(cell.source for cell in notebook.cells)
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None  # binary files (images, GeoPackages) cannot hold code we would recognise


def check_no_leaks(lab: Lab, source_notebook: Path, release: Path) -> None:
    secrets = secret_lines(nbformat.read(source_notebook, as_version=4))
    problems = []
    for path in sorted(p for p in release.rglob("*") if p.is_file()):
        text = _text_of(path)
        if text is None:
            continue
        for delimiter in DELIMITERS:
            if delimiter in text:
                problems.append(f"{path.name} contains the delimiter {delimiter!r}")
        lines = {ln.strip() for ln in text.splitlines()}
        problems += [f"{path.name} contains the line {s!r}" for s in sorted(secrets & lines)]
    if problems:
        raise GraderError(
            f"{lab.id}: the student version leaks answers:\n"
            + "\n".join(f"  - {p}" for p in problems[:20]),
            "keep solution code between '### BEGIN SOLUTION' and '### END SOLUTION' and "
            "hidden tests between '### BEGIN HIDDEN TESTS' and '### END HIDDEN TESTS'",
        )


def changeable_names(notebook: nbformat.NotebookNode) -> dict[str, list[str]]:
    """test id → names its hidden part reads (and does not set) that both the lab's own cells
    and an answer cell define: in grading they hold the learner's values, which their code
    can change (even empty), so expected values computed from them can be made to match."""
    lab_names, answer_names = set(), set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        if cells.is_code_answer(cell):
            answer_names |= cells.names_written(cell.source)
        elif cells.kind_of(cell) in ("locked", "plain"):
            lab_names |= cells.names_written(cell.source)
    shared = lab_names & answer_names
    found = {}
    for cell in notebook.cells:
        if cells.kind_of(cell) != "tests":
            continue
        hidden = "\n".join(cells.HIDDEN.findall(cell.source))
        used = (_reference_names(hidden) & shared) - cells.names_written(cell.source)
        if used:
            found[cells.cell_meta(cell)["grade_id"]] = sorted(used)
    return found


def _reference_names(source: str) -> set[str]:
    """Names a hidden test reads, except as the value it checks (a ``check_*`` call's first
    argument): the names it computes expected values from."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return cells.names_read(source)
    checked = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id.startswith("check_")
            and node.args
        ):
            checked |= {id(n) for n in ast.walk(node.args[0])}
    return {
        n.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and id(n) not in checked
    }


def check_references_are_the_labs(lab: Lab, source_notebook: Path) -> None:
    found = changeable_names(nbformat.read(source_notebook, as_version=4))
    if found:
        details = "\n".join(f"  - {t} reads {', '.join(n)}" for t, n in sorted(found.items()))
        raise GraderError(
            f"{lab.id}: hidden tests compute with names a learner's answer also sets:\n{details}",
            "in the tests those hold the learner's values (a learner could empty them to match "
            "a wrong answer): compute expected values from the lab's data read afresh, e.g. "
            "`_cdr = pd.read_csv(...)` in the hidden part",
        )


def run_gates(lab: Lab, source_notebook: Path, release_notebook: Path) -> float:
    """The four gates; returns how long the solution took to run with its tests (seconds), the
    yardstick of a submission's time budget when it is graded."""
    started = time.perf_counter()
    check_solution_passes(lab, source_notebook)
    seconds = time.perf_counter() - started
    check_release_fails(lab, release_notebook)
    check_no_leaks(lab, source_notebook, release_notebook.parent)
    check_references_are_the_labs(lab, source_notebook)
    return seconds


TIMINGS = "timings.json"  # in the built course folder: lab id → the solution's seconds


def record_timing(course_dir: Path, lab_id: str, seconds: float) -> None:
    path = course_dir / TIMINGS
    try:
        timings = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        timings = {}
    timings[lab_id] = round(seconds, 1)
    path.write_text(json.dumps(timings, indent=1, sort_keys=True), encoding="utf-8")


def read_timings(course_dir: Path) -> dict[str, float]:
    try:
        timings = json.loads((course_dir / TIMINGS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: float(v) for k, v in timings.items() if isinstance(v, int | float)}
