"""A cohort end to end: init, roster, release, collect a Moodle zip, autograde, feedback, report.

The cohort holds the demo students and every attack measured on plain nbgrader; each gets its
expected status and score, and none of them disturbs the others or the gradebook.
"""

from __future__ import annotations

import contextlib
import csv
import html as html_lib
import json
import os
import sqlite3
import zipfile
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from cohort_cases import FORK_BOMBS, SNOOP_MARK, build_cases, expected_score

from grader import cohort as cohort_mod
from grader import sandbox
from grader.build import gates
from grader.cli import main
from grader.cohort.autograde import autograde
from grader.cohort.collect import collect
from grader.cohort.feedback import feedback
from grader.cohort.folder import translation_dir
from grader.cohort.labplan import LabPlan
from grader.cohort.release import release
from grader.cohort.report import report
from grader.cohort.roster import import_roster
from grader.errors import GraderError
from grader.sandbox import Limits
from grader.sandbox import pids as process_limit

pytestmark = pytest.mark.slow
LAB = "lab01-meet-the-data"
# A smaller margin than the default keeps the time-budget case (twelve cells of 9 s) short, and
# smaller RAM disks let the disk-filling cases fill theirs well within a cell's 10 s, even on a
# busy machine.
LIMITS = Limits(cell_timeout=10, budget_margin=20, disk_mb=128)


def _full_name(case: str) -> str:
    return f"Learner {case.capitalize()}"


@pytest.fixture(scope="module")
def graded(built, tmp_path_factory):
    """One cohort, graded once for every test in this module."""
    root = tmp_path_factory.mktemp("cohort")
    course_dir = root / "course"
    cohort = cohort_mod.init(course_dir, built.paths.root, echo=lambda _: None)
    cases = build_cases(course_dir, LAB)
    roster = root / "roster.csv"
    lines = ["id,name,email"] + [
        f"s{n:02d},{_full_name(c.name)},{c.name}@example.org" for n, c in enumerate(cases)
    ]
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    imported = import_roster(cohort, roster)
    assert not imported.problems
    # A Moodle bulk download: a folder per hand-in for half, file names for the others,
    # plus an older duplicate, a stranger and a stray PDF.
    bulk = root / "moodle.zip"
    with zipfile.ZipFile(bulk, "w") as archive:
        for n, case in enumerate(cases):
            prefix = f"{_full_name(case.name)}_{1000 + n}_assignsubmission_file_"
            name = f"{prefix}/{LAB}.ipynb" if n % 2 else f"{prefix}{LAB}.ipynb"
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 3, 2, 10, 0, 0)), case.content)
        older = f"{_full_name('perfect')}_1000_assignsubmission_file_/old copy.ipynb"
        archive.writestr(zipfile.ZipInfo(older, date_time=(2026, 3, 1, 9, 0, 0)), b"{}")
        archive.writestr("Somebody Else_999_assignsubmission_file_lab.ipynb", cases[0].content)
        archive.writestr("Learner Perfect_1000_assignsubmission_file_notes.pdf", b"%PDF")
    collection = collect(cohort, LAB, bulk)
    ids = {c.name: f"s{n:02d}" for n, c in enumerate(cases)}
    try:
        outcome = autograde(
            cohort, LAB, workers=2, limits=LIMITS, echo=lambda _: None, progress=False
        )
    finally:
        # Whatever failed above, no process of a learner (a fork bomb) outlives the grading;
        # what was left is kept for the test that says nothing should be.
        leftovers = process_limit.groups_of_this_process()
        process_limit.kill_leftovers()
    return {
        "leftovers": leftovers,
        "cohort": cohort,
        "cases": cases,
        "ids": ids,
        "collection": collection,
        "outcome": outcome,
        "plan": LabPlan.from_source(LAB, cohort.source_notebook(LAB)),
    }


def test_collect_maps_every_file_and_lists_the_rest(graded):
    collection = graded["collection"]
    assert len(collection.collected) == len(graded["cases"])
    assert any("old copy.ipynb" in name for _, name in collection.duplicates)
    assert any("Somebody Else" in name for name in collection.unknown)
    assert any(name.endswith("notes.pdf") for name in collection.not_notebooks)
    stamp = graded["cohort"].submitted_dir(graded["ids"]["perfect"], LAB) / "timestamp.txt"
    assert stamp.read_text().startswith("2026-03-02 10:00:00")


def test_collecting_again_never_overwrites_silently(graded, tmp_path):
    cohort = graded["cohort"]
    learner = graded["ids"]["wrong"]
    folder = tmp_path / "resubmitted" / learner
    folder.mkdir(parents=True)
    (folder / "mine.ipynb").write_bytes(graded["cases"][0].content)
    before = (cohort.submitted_dir(learner, LAB) / f"{LAB}.ipynb").read_bytes()
    result = collect(cohort, LAB, tmp_path / "resubmitted")
    assert [who for who, _ in result.replaced] == [learner]
    archived = cohort.root / result.replaced[0][1] / f"{LAB}.ipynb"
    assert archived.read_bytes() == before
    # Put the original back so the other tests see the cohort as graded.
    (cohort.submitted_dir(learner, LAB) / f"{LAB}.ipynb").write_bytes(before)


@pytest.mark.parametrize(
    "case",
    [
        "perfect",
        "blank",
        "partial",
        "wrong",
        "transformer",
        "liar",
        "snoop",
        "deleted",
        "lostmeta",
        "duplicated",
        "edited",
        "malformed",
        "deep",
        "sleepy",
        "handler",
        "empty",
        "loop",
        "segfault",
        "exit",
        "membomb",
        "hugeout",
        "fulltmp",
        "fullwork",
        *FORK_BOMBS,
    ],
)
def test_each_submission_gets_its_status_and_score(graded, case):
    if case in FORK_BOMBS and process_limit.mechanism() != "cgroup":
        pytest.skip("no pids control group here, so a fork bomb is not safe to run")
    spec = next(c for c in graded["cases"] if c.name == case)
    record = graded["outcome"].statuses[graded["ids"][case]]
    assert record["status"] == spec.status, record
    assert record["score"] == pytest.approx(expected_score(graded["plan"], spec.lost)), record
    if spec.reason:
        assert any(spec.reason in r for r in record["reasons"]), record["reasons"]


def test_learner_code_cannot_reach_the_tests_or_the_gradebook(graded):
    cohort = graded["cohort"]
    autograded = cohort.autograded_dir(graded["ids"]["snoop"], LAB) / f"{LAB}.ipynb"
    text = autograded.read_text(encoding="utf-8")
    assert "source blocked" in text
    assert "gradebook blocked" in text
    assert SNOOP_MARK not in text.replace(f"print({SNOOP_MARK!r})", "")
    assert "GRADEBOOK-WRITTEN" not in text.replace("print('GRADEBOOK-WRITTEN')", "")
    db = cohort.root / "gradebook.db"
    assert not db.read_bytes().endswith(b"garbage")
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_no_learner_process_outlives_the_grading(graded):
    assert not graded["leftovers"]
    stray = []
    for stat in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            if b"sandbox_runner.py" in stat.read_bytes() or b"ipykernel" in stat.read_bytes():
                stray.append(stat.parent.name)
    assert not [pid for pid in stray if _started_by_us(pid)], stray


def _started_by_us(pid: str) -> bool:
    """A process whose chain of parents reaches this test process."""
    me, current = os.getpid(), pid
    for _ in range(20):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return False
        current = fields[1]
        if int(current) == me:
            return True
        if int(current) <= 1:
            return False
    return False


def test_no_scratch_folder_is_left_behind(graded):
    import tempfile

    from grader.sandbox import scratch

    mine = []
    for folder in Path(tempfile.gettempdir()).glob(f"{scratch.PREFIX}*"):
        with contextlib.suppress(OSError):  # another program's grading, or one just starting
            if (folder / scratch.OWNER).read_text().split()[0] == str(os.getpid()):
                mine.append(folder)
    assert not mine


def test_nothing_is_deleted(graded):
    cohort = graded["cohort"]
    for case in graded["cases"]:
        submitted = cohort.submitted_dir(graded["ids"][case.name], LAB) / f"{LAB}.ipynb"
        assert submitted.read_bytes() == case.content
        assert (cohort.autograded_dir(graded["ids"][case.name], LAB) / f"{LAB}.ipynb").exists()


def test_regrading_gives_identical_scores_and_skips_unless_forced(graded):
    cohort = graded["cohort"]
    again = autograde(cohort, LAB, workers=2, limits=LIMITS, echo=lambda _: None, progress=False)
    assert len(again.skipped) == len(graded["cases"])
    assert not again.statuses
    chosen = [graded["ids"][n] for n in ("perfect", "transformer")]
    regraded = autograde(
        cohort,
        LAB,
        students=chosen,
        force=True,
        workers=2,
        limits=LIMITS,
        echo=lambda _: None,
        progress=False,
    )
    for student in chosen:
        first, second = graded["outcome"].statuses[student], regraded.statuses[student]
        assert (second["status"], second["score"]) == (first["status"], first["score"])


def test_a_second_grading_run_waits_its_turn(graded):
    cohort = graded["cohort"]
    with cohort_mod.exclusive(cohort, "a test holding the lock"):
        # A second command (the lock is on an open file, so it holds within one process too).
        run = CliRunner().invoke(main, ["autograde", LAB, "--force", "--course", str(cohort.root)])
    assert run.exit_code == 1
    assert "is busy: `a test holding the lock`" in run.output
    assert "Traceback" not in run.output
    assert (cohort.autograded_dir(graded["ids"]["perfect"], LAB) / f"{LAB}.ipynb").exists()


def _hidden_test_lines(cohort) -> set[str]:
    source = nbformat.read(cohort.source_notebook(LAB), as_version=4)
    secrets = gates.secret_lines(source)
    return {
        line
        for cell in source.cells
        for region in gates._regions(cell.source, "### BEGIN HIDDEN", "### END HIDDEN")
        for line in (ln.strip() for ln in region.splitlines())
        if line in secrets
    }


def test_feedback_explains_failures_and_hides_hidden_tests(graded):
    cohort = graded["cohort"]
    waiting = feedback(cohort, LAB)
    assert graded["ids"]["perfect"] in waiting.waiting  # its written answers wait for a trainer
    run = feedback(cohort, LAB, allow_ungraded=True)
    pages = run.pages
    assert len(pages) == len(graded["cases"])
    assert not run.failed
    hidden = _hidden_test_lines(cohort)
    assert hidden
    for page in pages:
        raw = page.read_text(encoding="utf-8")
        text = html_lib.unescape(raw)
        assert "Summary" in text
        assert not [line for line in hidden if line in text], page
        assert "### BEGIN HIDDEN" not in text
        assert "Content-Security-Policy" in raw
        assert "<script" not in raw.lower()
        assert [p.name for p in page.parent.iterdir()] == [f"{LAB}.html"]  # no copy of the data
    wrong = cohort.root / "feedback" / graded["ids"]["wrong"] / LAB / f"{LAB}.html"
    assert "expected a" in html_lib.unescape(wrong.read_text(encoding="utf-8"))


def test_release_zip_has_no_hidden_tests(graded, tmp_path):
    cohort = graded["cohort"]
    path = release(cohort, LAB, tmp_path / "out.zip")
    with zipfile.ZipFile(path) as archive:
        text = "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    lines = {line.strip() for line in text.splitlines()}
    notebook = nbformat.reads(archive_text(path, LAB), as_version=4)
    sources = "\n".join(cell.source for cell in notebook.cells)
    assert not _hidden_test_lines(cohort) & lines
    assert not [line for line in _hidden_test_lines(cohort) if len(line) > 20 and line in sources]
    assert "### BEGIN HIDDEN" not in text


def test_a_spanish_release_has_the_same_cells_and_no_hidden_tests(graded, tmp_path):
    cohort = graded["cohort"]
    english = nbformat.reads(archive_text(release(cohort, LAB, tmp_path / "en.zip"), LAB), 4)
    path = release(cohort, LAB, None, "es")
    assert path == cohort.root / "zips" / "es" / f"{LAB}.zip"
    with zipfile.ZipFile(path) as archive:
        text = "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
        language = json.loads(archive.read(f"{LAB}/lab_text.json"))["language"]
        readme = archive.read(f"{LAB}/README.txt").decode("utf-8")
    spanish = nbformat.reads(archive_text(path, LAB), as_version=4)
    assert language == "es"
    assert "Qué hay en esta carpeta" in readme
    code = [[c.source for c in nb.cells if c.cell_type == "code"] for nb in (english, spanish)]
    assert code[0] == code[1]
    assert not _hidden_test_lines(cohort) & {line.strip() for line in text.splitlines()}
    assert "### BEGIN HIDDEN" not in text


def test_a_language_with_no_student_version_is_refused(graded, tmp_path):
    cohort = graded["cohort"]
    folder = translation_dir(cohort.root, "es", LAB)
    folder.rename(tmp_path / "moved")
    try:
        with pytest.raises(GraderError, match="no student version in 'es'"):
            release(cohort, LAB, None, "es")
    finally:
        (tmp_path / "moved").rename(folder)


def archive_text(path, lab_id: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(f"{lab_id}/{lab_id}.ipynb").decode("utf-8")


def test_report_has_a_row_per_learner_and_an_item_analysis(graded, tmp_path):
    cohort = graded["cohort"]
    paths = report(cohort, None, tmp_path)
    names = {p.name for p in paths}
    assert {f"{LAB}-grades.csv", f"{LAB}-items.csv", f"{LAB}-items.png", "all-labs.csv"} <= names
    assert "all-labs.xlsx" in names
    # Only the labs handed out: the others were never released or collected.
    assert not [n for n in names if n.startswith("lab02")]
    with open(tmp_path / f"{LAB}-grades.csv", encoding="utf-8-sig") as handle:
        rows = {r["id"]: r for r in csv.DictReader(handle)}
    assert len(rows) == len(graded["cases"])
    perfect = rows[graded["ids"]["perfect"]]
    assert float(perfect["auto_score"]) == expected_score(graded["plan"], "none")
    assert rows[graded["ids"]["empty"]]["status"] == "malformed"
    # An untouched written answer scores 0 without a trainer; a real one waits for one.
    assert rows[graded["ids"]["blank"]]["needs_manual_grading"] == ""
    assert perfect["needs_manual_grading"] == "yes"
    with open(tmp_path / f"{LAB}-items.csv", encoding="utf-8-sig") as handle:
        items = list(csv.DictReader(handle))
    assert [i["test"] for i in items] == list(graded["plan"].test_needs)
    assert all(0 < float(i["share_passing"]) < 1 for i in items)
    assert (tmp_path / f"{LAB}-items.png").read_bytes().startswith(b"\x89PNG")


def test_without_a_sandbox_grading_warns_loudly_and_goes_on(graded, monkeypatch):
    cohort = graded["cohort"]
    monkeypatch.setenv("GRADER_NO_SANDBOX", "1")
    sandbox.available.cache_clear()
    lines: list[str] = []
    student = graded["ids"]["perfect"]
    try:
        outcome = autograde(
            cohort,
            LAB,
            students=[student],
            force=True,
            limits=LIMITS,
            echo=lines.append,
            progress=False,
        )
    finally:
        monkeypatch.delenv("GRADER_NO_SANDBOX")
        sandbox.available.cache_clear()
    assert lines[0].startswith("WARNING: no sandbox")
    assert outcome.statuses[student]["score"] == graded["outcome"].statuses[student]["score"]
