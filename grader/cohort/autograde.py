"""``autograde LAB``: every collected submission, in parallel, sandboxed, with a status each.

Workers (threads that each drive two sandboxed processes) execute submissions in parallel;
only this process writes to the gradebook, one submission at a time, through nbgrader's own
``Autograde`` converter with its execution step switched off (the notebook it scores has
already run). A lock on the course folder keeps a second grading command from racing.

A lab may have several notebooks (a trainer's own nbgrader assignment): each runs as its own
job, and nbgrader records a learner's notebooks together once all of them have run (its
``Autograde`` grades a whole assignment per learner); a notebook not handed in scores 0.

Statuses: ``graded``; ``flagged`` (graded, but something needs a look: the reasons say what);
``timeout`` and ``crashed`` (graded on what ran before; the rest scores 0); ``malformed`` (not
a notebook: scores 0); ``error`` (the grader itself failed on this one submission: the reason
says what; the others are graded). How one submission is graded: ``grade_one``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import shutil
import signal
import threading
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

from .. import sandbox
from ..build import cells
from ..errors import GraderError
from ..sandbox import Limits
from ..sandbox.scratch import scratch_folder
from . import deadlines, grade_one, labplan
from .folder import Cohort, exclusive

STAGING = "grading/staging"  # nbgrader reads the notebooks it scores from here
__all__ = ["Limits", "autograde"]


@dataclass
class Outcome:
    statuses: dict[str, dict] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # learners not graded or not cleanly


def _writer_config() -> Config:
    config = Config()
    config.CourseDirectory.submitted_directory = STAGING
    # nbgrader copies every other file of the lab (its data) next to each graded notebook, and
    # the grader has already run it: no copy (the feedback pages need none either).
    config.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*"]
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


@contextlib.contextmanager
def _stopped_by_signals():
    """A run stopped with SIGTERM (or the terminal's hang-up) ends like one stopped with
    Ctrl-C: sandboxes are killed and scratch folders removed on the way out."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(number, frame):
        raise KeyboardInterrupt(f"stopped by signal {number}")

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


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


SEVERITY = ["graded", "flagged", "malformed", "timeout", "crashed", "error"]


def _write(cohort: Cohort, api, lab_id: str, student: str, done: dict) -> dict:
    """Score a learner's executed notebooks together with nbgrader (it grades a whole
    assignment per learner) and record their status (this process only). ``done``: notebook
    file name → ``grade_one.Executed``."""
    lab = cohort.lab(lab_id)
    staging = cohort.root / STAGING / student / lab_id
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    for name, executed in done.items():
        nbformat.write(executed.notebook, staging / name)
    stamp = cohort.submitted_dir(student, lab_id) / "timestamp.txt"
    if stamp.is_file() and not stamp.is_symlink():
        shutil.copyfile(stamp, staging / "timestamp.txt")
    with warnings.catch_warnings():
        # nbgrader's gradebook code triggers SQLAlchemy 2 session warnings; the writes happen.
        warnings.simplefilter("ignore", SAWarning)
        result = api.autograde(lab_id, student, force=True, create=True)
    shutil.rmtree(staging)
    if not result["success"]:
        raise GraderError(
            f"nbgrader could not record {student}'s grades:\n"
            + "\n".join((result.get("error") or result.get("log") or "").splitlines()[-8:])
        )
    score, max_score = _scores(cohort, lab_id, student)
    several = len(lab.notebooks) > 1
    reasons = [
        f"{name}: {reason}" if several else reason
        for name, executed in done.items()
        for reason in executed.reasons
    ]
    reasons += [f"{n} was not handed in (it scores 0)" for n in lab.notebooks if n not in done]
    status = max((e.status for e in done.values()), key=_severity)
    if status == "graded" and reasons:
        status = "flagged"
    return {
        "status": status,
        "reasons": reasons,
        "score": score,
        "max_score": max_score,
        "submission_sha256": _digest(
            lab, {n: cohort.submitted_dir(student, lab_id) / n for n in done}
        ),
        "notebooks": {n: {"status": e.status, "sha256": e.digest} for n, e in done.items()},
        "graded_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(sum(e.seconds for e in done.values()), 2),
    }


def _severity(status: str) -> int:
    return SEVERITY.index(status) if status in SEVERITY else len(SEVERITY)


def _file_digest(path: Path) -> str:
    """SHA-256 of a file, read in pieces (a huge file never fills the memory)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(2**20):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()


def _digest(lab, notebooks: dict[str, Path]) -> str:
    """What a learner handed in, as one fingerprint: a lab of one notebook keeps that file's
    SHA-256 (as before); several notebooks, the SHA-256 of their names and fingerprints."""
    if len(lab.notebooks) == 1 and len(notebooks) == 1:
        return _file_digest(next(iter(notebooks.values())))
    joined = "".join(f"{n}\0{_file_digest(p)}\n" for n, p in sorted(notebooks.items()))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def _submissions(cohort: Cohort, lab_id: str) -> dict[str, dict[str, Path]]:
    """Learner → their notebooks of the lab (file name → path); links are never followed."""
    lab = cohort.lab(lab_id)
    found = {}
    for folder in sorted((cohort.root / "submitted").glob(f"*/{lab_id}")):
        if folder.is_symlink() or folder.parent.is_symlink():
            continue
        notebooks = {
            name: folder / name
            for name in lab.notebooks
            if (folder / name).is_file() and not (folder / name).is_symlink()
        }
        if notebooks:
            found[folder.parent.name] = notebooks
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
        for student, notebooks in available.items():
            previous = statuses.get(student)
            if (
                not force
                and previous
                and previous.get("submission_sha256") == _digest(lab, notebooks)
            ):
                outcome.skipped.append(student)
            else:
                todo[student] = notebooks
        if outcome.skipped:
            echo(f"{len(outcome.skipped)} already graded (use --force to regrade them)")
        if not todo:
            return outcome
        plans = {
            source.name: labplan.LabPlan.from_source(lab.id, source, release)
            for source, release in zip(
                cohort.source_notebooks(lab.id), cohort.release_notebooks(lab.id), strict=True
            )
        }
        lab_source = cohort.source_notebook(lab.id).parent
        # Learners' sandboxes get the student version's folder: by construction, nothing in it
        # is hidden (the source folder holds the same data, but it is the trainer's).
        lab_release = cohort.release_notebook(lab.id).parent
        jobs = [
            (s, name, path) for s, notebooks in todo.items() for name, path in notebooks.items()
        ]
        modules = list(
            dict.fromkeys(m for plan in plans.values() for m in cells.imported_modules(plan.source))
        )
        api = cohort.api(_writer_config())
        workers = workers or os.cpu_count() or 1
        seconds = grade_one.budget(limits, lab.solution_seconds)
        echo(f"Grading {len(todo)} submission(s) of {lab.id} with {workers} worker(s)")
        if seconds is not None:
            echo(f"Each submission may take {seconds:.0f} s of work in all (see --help)")
        bar = tqdm(total=len(todo), unit="notebook", disable=not progress, dynamic_ncols=True)
        with (
            scratch_folder() as scratch,
            _stopped_by_signals(),
            _one_engine_per_database(),
            ThreadPoolExecutor(workers) as pool,
        ):
            kernels = sandbox.TestKernels(scratch, lab_source, limits)
            learners = sandbox.LearnerKernels(
                scratch, lab_release, limits, total=len(jobs), ahead=workers, modules=modules
            )
            # One job per notebook; nbgrader records a learner once all of theirs have run.
            futures = {
                pool.submit(
                    grade_one.execute_one,
                    plans[name],
                    path,
                    student,
                    limits,
                    kernels,
                    learners,
                    seconds,
                ): (student, name)
                for student, name, path in jobs
            }
            done: dict[str, dict] = {}
            try:
                for future in as_completed(futures):
                    student, name = futures[future]
                    done.setdefault(student, {})[name] = future.result()
                    if len(done[student]) < len(todo[student]):
                        continue
                    try:
                        ordered = {n: done[student][n] for n in lab.notebooks if n in done[student]}
                        record = _write(cohort, api, lab.id, student, ordered)
                    except Exception as exc:  # noqa: BLE001 - one learner never stops the rest
                        record = {
                            "status": "error",
                            "reasons": [f"the grade could not be recorded: {str(exc)[:300]}"],
                            "score": None,
                        }
                    statuses[student] = record
                    cohort.write_statuses(lab.id, statuses)  # after each: a crash loses nothing
                    outcome.statuses[student] = record
                    if record["status"] == "error":
                        outcome.problems.append(student)
                    bar.update(1)
            finally:
                for future in futures:
                    future.cancel()
                learners.close()
                kernels.close()
        bar.close()
        try:
            deadlines.refresh(cohort, lab.id)  # late penalties from the new scores
        except Exception as exc:  # noqa: BLE001 - the grades are recorded; say what failed
            echo(f"WARNING: late penalties could not be computed: {exc}")
    for student, record in sorted(outcome.statuses.items()):
        score = (
            "" if record.get("score") is None else f"{record['score']:g}/{record['max_score']:g}"
        )
        echo(f"  {record['status']:9} {student:20} {score}")
        for reason in record.get("reasons", []):
            echo(f"            - {reason}")
    return outcome
