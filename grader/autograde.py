"""``autograde LAB``: every collected submission, in parallel, sandboxed, with a status each.

Workers (threads that each drive two sandboxed processes) execute submissions in parallel;
only this process writes to the gradebook, one submission at a time, through nbgrader's own
``Autograde`` converter with its execution step switched off (the notebook it scores has
already run). A lock on the course folder keeps a second grading command from racing.

Statuses: ``graded``; ``flagged`` (graded, but something needs a look: the reasons say what);
``timeout`` and ``crashed`` (graded on what ran before; the rest scores 0); ``malformed`` (not
a notebook: scores 0).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    DeduplicateIds,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)
from sqlalchemy.exc import SAWarning
from tqdm import tqdm
from traitlets.config import Config

from . import sandbox, submission
from .cohort import Cohort, exclusive
from .errors import GraderError
from .sandbox import Limits

STAGING = "grading/staging"  # nbgrader reads the notebooks it scores from here
__all__ = ["Limits", "autograde"]


@dataclass
class Outcome:
    statuses: dict[str, dict] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # learners not graded or not cleanly


@dataclass
class Executed:
    """What a worker hands back for one submission."""

    student: str
    status: str
    reasons: list[str]
    notebook: nbformat.NotebookNode
    digest: str
    seconds: float


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _writer_config() -> Config:
    config = Config()
    config.CourseDirectory.submitted_directory = STAGING
    # The notebook nbgrader scores was built from the lab's source (read-only and test cells
    # come from there, never from the learner), so nbgrader's sanitising step, which restores
    # them from the gradebook, has nothing left to do: only the ids are made unique.
    config.Autograde.sanitize_preprocessors = [DeduplicateIds]
    config.Autograde.autograde_preprocessors = [
        IgnorePattern,
        ClearMetadataPreprocessor,
        LimitOutput,
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]
    return config


def _code_cells(notebook) -> int:
    return sum(1 for c in notebook.cells if c.cell_type == "code")


def _where(notebook, index: int | None) -> str:
    if index is None or index >= len(notebook.cells):
        return ""
    cell = notebook.cells[index]
    first = next((ln.strip() for ln in cell.source.splitlines() if ln.strip()), "")[:50]
    return f" in the cell starting {first!r}"


def execute_one(
    plan: submission.LabPlan,
    lab_source: Path,
    path: Path,
    student: str,
    limits: Limits,
    kernels: sandbox.TestKernels,
    learners: sandbox.LearnerKernels,
) -> Executed:
    """Both runs for one learner; never raises for anything the submission does."""
    started = time.perf_counter()
    digest = _digest(path)
    try:
        learner = submission.read_submission(path)
    except submission.Malformed as exc:
        return Executed(
            student,
            "malformed",
            [str(exc)],
            submission.blank_graded(plan, f"the submission could not be read: {exc}"),
            digest,
            time.perf_counter() - started,
        )
    matched = submission.match(plan, learner)
    reasons = list(matched.flags)
    status = "graded"
    fresh = learners.take()
    answers_dir = fresh.workdir
    tests_dir = answers_dir.with_name(f"{answers_dir.name}-tests")
    try:
        carried = submission.carry(plan, learner, matched)
        answer_nb = submission.answer_run(plan, learner, matched, carried)
        nbformat.write(answer_nb, answers_dir / sandbox.JOB / "submission.ipynb")
        run = fresh.run("submission.ipynb", _code_cells(answer_nb))
        answered = _read_untrusted(run.notebook)
        if run.status != "ok":
            status = run.status
            where = _where(answer_nb, run.cell)
            if run.status == "timeout":
                reasons.insert(0, f"a cell ran longer than {limits.cell_timeout} s{where}")
            else:
                reasons.insert(0, f"the learner's kernel stopped ({run.reason}){where}")
        if answered is not None:
            reasons += _learner_errors(answered, limits)
        reasons += _unusable_answers(answers_dir / "out")
        if run.truncated:
            reasons.append("output over the limit was cut")
        reasons += run.notes

        tests_dir.mkdir()
        _copy_plain_files(answers_dir / "out", tests_dir / "answers")
        test_nb = submission.clean_run(plan, matched, answers="job/answers", carried=carried)
        nbformat.write(test_nb, tests_dir / "tests.ipynb")
        checked = kernels.run(
            tests_dir / "tests.ipynb",
            tests_dir / "answers",
            _code_cells(test_nb),
            learner_code=bool(carried.names),
        )
        tested = _read_untrusted(checked.notebook)
        if checked.status != "ok" or tested is None:
            if status == "graded":
                status = checked.status if checked.status != "ok" else "crashed"
            reasons.append(
                f"the test run stopped ({checked.reason}){_where(test_nb, checked.cell)}"
            )
        reasons += checked.notes
        if tested is None:
            tested = test_nb
        replaced = _function_verdicts(plan, tested, answered, reasons)
        if answered is not None:
            reasons += _cross_check(plan, answered, tested, replaced)
    finally:
        fresh.stop()  # already gone if its notebook ran; here in case something above failed
        shutil.rmtree(answers_dir, ignore_errors=True)
        shutil.rmtree(tests_dir, ignore_errors=True)
    why = reasons[0] if reasons and status != "graded" else "the notebook stopped before it"
    graded = submission.graded_notebook(plan, tested, answered, learner, matched, why, replaced)
    if status == "graded" and reasons:
        status = "flagged"
    return Executed(student, status, reasons, graded, digest, time.perf_counter() - started)


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


def _unusable_answers(out: Path) -> list[str]:
    """Answers that could not be carried over as plain data (they fail their checks)."""
    reasons = []
    for manifest in sorted(out.glob("*/manifest.json")):
        try:
            entries = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(entries, dict):
            continue
        for name, entry in entries.items():
            if isinstance(entry, dict) and entry.get("t") == "unusable":
                why = str(entry.get("why", ""))[:120]
                reason = f"the answer {str(name)[:40]} is {why}, so its checks fail"
                if reason not in reasons:
                    reasons.append(reason)
    return reasons


def _learner_errors(answered, limits: Limits) -> list[str]:
    reasons = []
    for cell in answered.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == "MemoryError":
                reasons.append(
                    f"the learner's code ran out of memory (limit {limits.memory_mb} MB)"
                )
                return reasons
    return reasons


def _function_verdicts(plan, tested, answered, reasons: list[str]) -> dict[str, list]:
    """Tests that call the learner's functions: where the functions could not be carried to
    the clean kernel, the verdict of the learner's own kernel (flagged); where the learner's
    code changed the checks while it ran, a failure (flagged)."""
    replaced: dict[str, list] = {}
    inside = submission.sandboxed_outputs(answered)
    for test_id, why in sorted(submission.grader_errors(tested, "define").items()):
        replaced[test_id] = inside.get(test_id) or [
            submission.not_run_error("it did not run in the learner's notebook either")
        ]
        reasons.append(
            f"{test_id} was graded in the learner's own kernel (a weaker guarantee: their code "
            f"ran next to the test), because their function could not be re-defined in the "
            f"clean kernel: {why}"
        )
    for test_id, why in sorted(submission.grader_errors(tested, "guard").items()):
        replaced[test_id] = [submission.tampered_error()]
        reasons.append(f"{test_id} scores 0: the learner's code {why}; look at it")
    return replaced


def _cross_check(plan, answered, tested, replaced: dict[str, list]) -> list[str]:
    """A check that passes in the learner's kernel but fails in the clean one means something
    in that kernel interfered (an object that equals everything, checks turned off by code the
    learner ran)."""
    inside = submission.visible_verdicts(answered)
    clean = submission.visible_verdicts(tested, plan)
    return [
        f"the visible checks of {test_id} pass in the learner's notebook but fail on the "
        "exported answers: their code may interfere with the checks; look at it"
        for test_id, passed in sorted(inside.items())
        if passed and clean.get(test_id) is False and test_id not in replaced
    ]


@contextlib.contextmanager
def _one_engine_per_database():
    """Share one SQLAlchemy engine per database among nbgrader's gradebooks, for one run.

    nbgrader opens a new engine for each ``Gradebook`` (a dozen per submission it records),
    and a new engine compiles every query again: about a fifth of the time spent recording a
    grade. Only this process's main thread writes, one submission at a time.
    """
    import nbgrader.api

    original, engines = nbgrader.api.create_engine, {}

    def shared(url, **kwargs):
        key = (str(url), tuple(sorted(kwargs.items())))
        if key not in engines:
            engines[key] = original(url, **kwargs)
        return engines[key]

    nbgrader.api.create_engine = shared
    try:
        yield
    finally:
        nbgrader.api.create_engine = original
        for engine in engines.values():
            engine.dispose()


def _scores(cohort: Cohort, lab_id: str, student: str) -> tuple[float, float]:
    with cohort.gradebook() as gb:
        found = gb.find_submission(lab_id, student)
        return float(found.score), float(found.max_score)


def _write(cohort: Cohort, api, lab_id: str, done: Executed) -> dict:
    """Score one executed notebook with nbgrader and record its status (this process only)."""
    lab = cohort.lab(lab_id)
    staging = cohort.root / STAGING / done.student / lab_id
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    nbformat.write(done.notebook, staging / lab.notebook_name)
    stamp = cohort.submitted_dir(done.student, lab_id) / "timestamp.txt"
    if stamp.exists():
        shutil.copy2(stamp, staging / "timestamp.txt")
    with warnings.catch_warnings():
        # nbgrader's gradebook code triggers SQLAlchemy 2 session warnings; the writes happen.
        warnings.simplefilter("ignore", SAWarning)
        result = api.autograde(lab_id, done.student, force=True, create=True)
    shutil.rmtree(staging)
    if not result["success"]:
        raise GraderError(
            f"nbgrader could not record {done.student}'s grades:\n"
            + "\n".join((result.get("error") or result.get("log") or "").splitlines()[-8:])
        )
    score, max_score = _scores(cohort, lab_id, done.student)
    return {
        "status": done.status,
        "reasons": done.reasons,
        "score": score,
        "max_score": max_score,
        "submission_sha256": done.digest,
        "graded_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(done.seconds, 2),
    }


def _submissions(cohort: Cohort, lab_id: str) -> dict[str, Path]:
    lab = cohort.lab(lab_id)
    found = {}
    for folder in sorted((cohort.root / "submitted").glob(f"*/{lab_id}")):
        notebook = folder / lab.notebook_name
        if notebook.is_file():
            found[folder.parent.name] = notebook
    return found


def autograde(
    cohort: Cohort,
    lab_id: str,
    students: list[str] | None = None,
    force: bool = False,
    workers: int | None = None,
    limits: Limits | None = None,
    echo=print,
    progress: bool = True,
) -> Outcome:
    limits = limits or Limits()
    lab = cohort.lab(lab_id)
    available = _submissions(cohort, lab.id)
    if students:
        unknown = [s for s in students if s not in available]
        if unknown:
            raise GraderError(
                f"no collected submission of {lab.id} for: {', '.join(unknown)}",
                f"collect it first with `python -m grader collect {lab.id} SOURCE`",
            )
        available = {s: available[s] for s in students}
    if not available:
        raise GraderError(
            f"nothing to grade: no submissions of {lab.id} in {cohort.root / 'submitted'}",
            f"collect them first with `python -m grader collect {lab.id} SOURCE`",
        )
    outcome = Outcome()
    if not sandbox.available():
        echo(sandbox.NO_SANDBOX_WARNING)
    if not sandbox.process_limit():
        echo(sandbox.NO_LIMIT_WARNING)
    with exclusive(cohort, f"autograde {lab.id}"):
        statuses = cohort.read_statuses(lab.id)
        todo = {}
        for student, path in available.items():
            previous = statuses.get(student)
            if not force and previous and previous.get("submission_sha256") == _digest(path):
                outcome.skipped.append(student)
            else:
                todo[student] = path
        if outcome.skipped:
            echo(f"{len(outcome.skipped)} already graded (use --force to regrade them)")
        if not todo:
            return outcome
        plan = submission.LabPlan.from_source(
            lab.id, cohort.source_notebook(lab.id), cohort.release_notebook(lab.id)
        )
        lab_source = cohort.source_notebook(lab.id).parent
        api = cohort.api(_writer_config())
        workers = workers or os.cpu_count() or 1
        echo(f"Grading {len(todo)} submission(s) of {lab.id} with {workers} worker(s)")
        bar = tqdm(total=len(todo), unit="notebook", disable=not progress, dynamic_ncols=True)
        scratch = tempfile.TemporaryDirectory(prefix="grader-kernels-")
        kernels = sandbox.TestKernels(Path(scratch.name), lab_source, limits)
        learners = sandbox.LearnerKernels(
            Path(scratch.name),
            lab_source,
            limits,
            total=len(todo),
            ahead=workers,
            modules=submission.imported_modules(plan.source),
        )
        with scratch, _one_engine_per_database(), ThreadPoolExecutor(workers) as pool:
            futures = {
                pool.submit(
                    execute_one, plan, lab_source, path, student, limits, kernels, learners
                ): student
                for student, path in todo.items()
            }
            try:
                for future in as_completed(futures):
                    student = futures[future]
                    try:
                        done = future.result()
                        record = _write(cohort, api, lab.id, done)
                    except GraderError as exc:
                        record = {"status": "error", "reasons": [str(exc)], "score": None}
                    statuses[student] = record
                    cohort.write_statuses(lab.id, statuses)  # after each: a crash loses nothing
                    outcome.statuses[student] = record
                    if record["status"] == "error":
                        outcome.problems.append(student)
                    bar.update(1)
            finally:
                learners.close()
                kernels.close()
        bar.close()
    for student, record in sorted(outcome.statuses.items()):
        score = (
            "" if record.get("score") is None else f"{record['score']:g}/{record['max_score']:g}"
        )
        echo(f"  {record['status']:9} {student:20} {score}")
        for reason in record.get("reasons", []):
            echo(f"            - {reason}")
    return outcome
