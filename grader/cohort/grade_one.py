"""Grading one submission: its two runs, its time budget, its status and the reasons for it.

The learner's notebook runs in a fresh sandbox of its own (the *answer run*), which exports the
answers as data and then stays up, holding their functions. The lab's tests run in a test
kernel (the *test run*) on those answers; when a test calls one of the learner's functions, the
call travels to the learner's sandbox as data and the result comes back as data (``Relay``).
All of the learner's work, their notebook and every call, shares one time budget.

``execute_one`` never raises: whatever goes wrong with one submission, even a fault of the
grader's own, becomes a status and a reason, and the rest of the cohort goes on.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .. import sandbox
from ..sandbox import Limits
from . import labplan, reading, runs, verdicts


@dataclass
class Executed:
    """What a worker hands back for one submission."""

    student: str
    status: str
    reasons: list[str]
    notebook: nbformat.NotebookNode
    digest: str
    seconds: float


def digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def budget(limits: Limits, solution_seconds: float | None) -> float | None:
    """Seconds a submission's own work (its notebook and every call to its functions) may
    take: ``budget_factor`` times the solution's run at the build, plus ``budget_margin``.
    None where the solution was never timed: then only each cell's timeout applies."""
    if solution_seconds is None or limits.budget_factor <= 0:
        return None
    return limits.budget_factor * solution_seconds + limits.budget_margin


def _code_cells(notebook) -> int:
    return sum(1 for c in notebook.cells if c.cell_type == "code")


def _where(notebook, index: int | None) -> str:
    if index is None or index >= len(notebook.cells):
        return ""
    cell = notebook.cells[index]
    first = next((ln.strip() for ln in cell.source.splitlines() if ln.strip()), "")[:50]
    return f" in the cell starting {first!r}"


def execute_one(
    plan: labplan.LabPlan,
    path: Path,
    student: str,
    limits: Limits,
    kernels: sandbox.TestKernels,
    learners: sandbox.LearnerKernels,
    seconds: float | None = None,
) -> Executed:
    """Both runs for one learner; never raises. ``seconds``: the submission's time budget."""
    started = time.perf_counter()
    found = digest(path)
    try:
        return _execute(plan, path, student, limits, kernels, learners, seconds, found, started)
    except Exception as exc:  # noqa: BLE001 - one submission never stops the others
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:300]
        why = (
            f"the grader itself failed on this submission ({detail}); the others were graded. "
            "Run autograde again for this learner with --force; if it fails again, report it"
        )
        blank = verdicts.blank_graded(plan, "this submission could not be graded")
        return Executed(student, "error", [why], blank, found, time.perf_counter() - started)


def _execute(plan, path, student, limits, kernels, learners, seconds, found, started):
    try:
        learner = reading.read_submission(path)
    except reading.Malformed as exc:
        blank = verdicts.blank_graded(plan, f"the submission could not be read: {exc}")
        return Executed(student, "malformed", [str(exc)], blank, found, 0.0)
    matched = reading.match(plan, learner)
    reasons = list(matched.flags)
    status = "graded"
    fresh = learners.take()
    answers_dir = fresh.workdir
    tests_dir = answers_dir.with_name(f"{answers_dir.name}-tests")
    deadline = None if seconds is None else time.monotonic() + seconds
    try:
        answer_nb = runs.answer_run(plan, learner, matched)
        nbformat.write(answer_nb, answers_dir / sandbox.JOB / "submission.ipynb")
        run = fresh.run("submission.ipynb", _code_cells(answer_nb), seconds)
        answered = _read_untrusted(run.notebook)
        if run.status != "ok":
            status = run.status
            where = _where(answer_nb, run.cell)
            if run.reason == "over budget":
                reasons.insert(0, _over_budget(seconds, where))
            elif run.status == "timeout":
                reasons.insert(0, f"a cell ran longer than {limits.cell_timeout} s{where}")
            else:
                reasons.insert(0, f"the learner's kernel stopped ({run.reason}){where}")
        if answered is not None:
            reasons += _learner_errors(answered, limits)
            reasons += verdicts.machinery_flags(answered) if run.status == "ok" else []
        reasons += _unusable_answers(answers_dir / sandbox.WRITABLE)
        if run.truncated:
            reasons.append("output over the limit was cut")
        reasons += run.notes

        tests_dir.mkdir()
        _copy_plain_files(answers_dir / sandbox.WRITABLE, tests_dir / "answers")
        if not _exports_functions(tests_dir / "answers"):
            fresh.stop()  # no function to call: free its memory for the test run
        relay = sandbox.Relay(fresh, deadline)
        test_nb = runs.clean_run(plan, matched, answers="job/answers")
        nbformat.write(test_nb, tests_dir / "tests.ipynb")
        checked = kernels.run(
            tests_dir / "tests.ipynb", tests_dir / "answers", _code_cells(test_nb), relay
        )
        tested = _read_untrusted(checked.notebook)
        if checked.status != "ok" or tested is None:
            if status == "graded":
                status = checked.status if checked.status != "ok" else "crashed"
            reasons.append(
                f"the test run stopped ({checked.reason}){_where(test_nb, checked.cell)}"
            )
        reasons += checked.notes + relay.notes
        if relay.notes and status == "graded" and deadline and time.monotonic() > deadline:
            status = "timeout"
        if tested is None:
            tested = test_nb
        if answered is not None:
            reasons += _cross_check(plan, answered, tested, checked.verdicts)
    finally:
        fresh.stop()
        shutil.rmtree(answers_dir, ignore_errors=True)
        shutil.rmtree(tests_dir, ignore_errors=True)
    reasons = [plain_text(r) for r in reasons]
    why = reasons[0] if reasons and status != "graded" else "the notebook stopped before it"
    graded = verdicts.graded_notebook(
        plan, tested, answered, learner, matched, why, checked.verdicts, limits.max_output
    )
    if status == "graded" and reasons:
        status = "flagged"
    return Executed(student, status, reasons, graded, found, time.perf_counter() - started)


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f]")


def plain_text(text: str, limit: int = 500) -> str:
    """A reason as plain, printable text: it may quote the learner (a cell's first line, an
    answer's name), and their text must not steer the trainer's terminal or break a CSV."""
    text = str(text).encode("utf-8", "backslashreplace").decode("utf-8")
    text = _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _over_budget(seconds: float | None, where: str) -> str:
    return (
        f"the notebook used up its time budget of {seconds:.0f} s{where} (twice the solution's "
        "time plus a margin: see `autograde --help`); what ran before is graded"
    )


def _read_untrusted(path: Path):
    try:
        return nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - learner code may have damaged it: treat as not run
        return None


def _copy_plain_files(source: Path, target: Path) -> None:
    """Copy regular files only: a link planted by learner code must not reach other files."""
    target.mkdir(parents=True, exist_ok=True)
    for root, dirs, files in os.walk(source, followlinks=False):
        here = Path(root)
        for name in files:
            path = here / name
            if path.is_symlink() or not path.is_file():
                continue
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination, follow_symlinks=False)
        dirs[:] = [d for d in dirs if not (here / d).is_symlink()]


def _manifests(out: Path):
    for manifest in sorted(out.glob("*/manifest.json")):
        try:
            entries = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):  # a damaged export is an unusable one
            continue
        if isinstance(entries, dict):
            yield entries


def _exports_functions(out: Path) -> bool:
    return any(
        isinstance(e, dict) and e.get("t") == "function"
        for entries in _manifests(out)
        for e in entries.values()
    )


def _unusable_answers(out: Path) -> list[str]:
    """Answers that could not be carried over as plain data (they fail their checks)."""
    reasons = []
    for entries in _manifests(out):
        for name, entry in entries.items():
            if isinstance(entry, dict) and entry.get("t") == "unusable":
                why = str(entry.get("why", ""))[:120]
                reason = f"the answer {str(name)[:40]} is {why}, so its checks fail"
                if reason not in reasons:
                    reasons.append(reason)
    return reasons


def _learner_errors(answered, limits: Limits) -> list[str]:
    for cell in answered.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == "MemoryError":
                return [f"the learner's code ran out of memory (limit {limits.memory_mb} MB)"]
    return []


def _cross_check(plan, answered, tested, kernel: dict) -> list[str]:
    """A check that passes in the learner's kernel but fails in the test kernel means
    something in the learner's kernel interfered (an object that equals everything, checks
    turned off by code the learner ran): it cannot change the grade, but it is worth a look."""
    inside = verdicts.visible_verdicts(answered)
    clean = verdicts.visible_verdicts(tested, plan, kernel)
    return [
        f"the visible checks of {test_id} pass in the learner's notebook but fail on the "
        "exported answers: their code may interfere with the checks; look at it"
        for test_id, passed in sorted(inside.items())
        if passed and clean.get(test_id) is False
    ]
