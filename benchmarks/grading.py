"""Benchmark: a cohort of 40 submissions graded by plain sequential nbgrader and by the grader.

    python benchmarks/grading.py [--build-dir _build] [--lab LAB ...] [-n 40]

By default it measures lab 1 (answers are values) and lab 4 (answers are functions, which the
tests call in the learner's own sandbox), one after the other, each with its own baseline.

Both run in the same process, on the same submissions (a mix of right, wrong and broken, made
from ``grader.build.fixtures``), each in its own copy of the course. Plain nbgrader is driven through
its Python API (``NbGraderAPI.autograde``, one learner after the other); the grader runs
``grader.cohort.autograde`` with one worker per core, sandboxed, two kernels per submission (the
learner's answers in a fresh kernel started ahead of need, then the tests in a clean kernel
that serves one worker; a learner's function is called in the learner's kernel, which stays
up for the test run). It prints both times and their ratio, and the lab's own execution time
plus a kernel start, for scale. The target: at least 1.6x on each lab, on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from sqlalchemy.exc import SAWarning

from grader import cohort, sandbox
from grader.build import fixtures
from grader.cohort.autograde import autograde
from grader.paths import DEFAULT_BUILD


def make_submissions(course_dir: Path, lab: str, count: int) -> dict[str, bytes]:
    source = course_dir / "source" / lab / f"{lab}.ipynb"
    release = course_dir / "release" / lab / f"{lab}.ipynb"
    demo = fixtures.demo_students(release, source)
    wrong = fixtures.fill_answers(release, source)
    for cell in wrong.cells:
        if cell.metadata.get("nbgrader", {}).get("solution") and cell.cell_type == "code":
            cell.source = "raise ValueError('not done yet')"
    kinds = {
        "perfect": nbformat.writes(demo["perfect"]).encode(),
        "partial": nbformat.writes(demo["partial"]).encode(),
        "blank": nbformat.writes(demo["blank"]).encode(),
        "wrong": nbformat.writes(wrong).encode(),
        "broken": b'{"cells": [',
    }
    # Mostly right or partly right, as in a real cohort; a few broken files.
    mix = ["perfect", "perfect", "partial", "perfect", "wrong", "partial", "blank", "perfect"]
    mix = (mix * count)[: count - count // 20] + ["broken"] * (count // 20)
    return {f"learner{n:02d}-{kind}": kinds[kind] for n, kind in enumerate(mix)}


def place(course_dir: Path, lab: str, submissions: dict[str, bytes]) -> None:
    for student, content in submissions.items():
        folder = course_dir / "submitted" / student / lab
        folder.mkdir(parents=True)
        (folder / f"{lab}.ipynb").write_bytes(content)


def lab_execution_time(course_dir: Path, lab: str) -> float:
    notebook = nbformat.read(course_dir / "source" / lab / f"{lab}.ipynb", as_version=4)
    started = time.perf_counter()
    NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(course_dir / "source" / lab)}},
    ).execute()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", type=Path, default=DEFAULT_BUILD)
    parser.add_argument(
        "--lab",
        action="append",
        help="a lab to measure (repeatable; default: lab 1 and lab 4)",
    )
    parser.add_argument("-n", type=int, default=40, help="submissions (default 40)")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()
    warnings.simplefilter("ignore", SAWarning)
    labs = args.lab or ["lab01-meet-the-data", "lab04-agreements-as-code"]
    ratios = {lab: measure(args, lab) for lab in labs}
    print("ratios (plain / grader): " + ", ".join(f"{k} {v:.2f}x" for k, v in ratios.items()))
    return 0


def measure(args, lab: str) -> float:
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        plain = cohort.init(Path(tmp) / "plain", args.build_dir, echo=lambda _: None)
        ours = cohort.init(Path(tmp) / "ours", args.build_dir, echo=lambda _: None)
        submissions = make_submissions(plain.root, lab, args.n)
        place(plain.root, lab, submissions)
        place(ours.root, lab, submissions)
        one = lab_execution_time(plain.root, lab)
        print(
            f"{len(submissions)} submissions of {lab}; {os.cpu_count()} core(s); "
            f"sandbox: {'bubblewrap' if sandbox.available() else 'NONE'}"
        )
        print(f"the lab's own execution time plus a kernel start: {one:.1f} s")

        api = plain.api()
        started = time.perf_counter()
        failures = 0
        for student in submissions:
            result = api.autograde(lab, student, force=True, create=True)
            failures += not result["success"]
        baseline = time.perf_counter() - started
        print(
            f"plain nbgrader, sequential: {baseline:6.1f} s "
            f"({baseline / len(submissions):.2f} s per submission; {failures} failed)"
        )

        started = time.perf_counter()
        outcome = autograde(ours, lab, workers=args.workers, echo=lambda _: None, progress=False)
        grader_time = time.perf_counter() - started
        statuses = {}
        for record in outcome.statuses.values():
            statuses[record["status"]] = statuses.get(record["status"], 0) + 1
        print(
            f"grader autograde, {args.workers} workers: {grader_time:6.1f} s "
            f"({grader_time / len(submissions):.2f} s per submission; statuses {statuses})"
        )
        print(f"ratio (plain / grader): {baseline / grader_time:.2f}x\n")
        return baseline / grader_time


if __name__ == "__main__":
    sys.exit(main())
