"""A trainer's own nbgrader assignment, end to end through the CLI, against plain nbgrader.

nbgrader's demo assignment ``ps1`` (two notebooks, names that do not start with ``lab``, a
manually graded code cell, a test that deletes a name to check a dependency, written answers
and a task) is added to a course made from an nbgrader course folder (its one assignment,
``warmup``, is nbgrader's ``test.ipynb``). Its learners are nbgrader's demo submissions
(``bitdiddle``, ``hacker``, with their ``timestamp.txt``) and a few of our own:

- ``errfirst``: their ``squares`` cell fails before the ``def``: feedback shows that error;
- ``figure``: their answer draws a plot: the page holds the figure;
- ``xss``: their written answers and outputs hold HTML and JavaScript: the page runs none;
- ``renamed``: hands in ``my problem1.ipynb`` (recognised by its cells) and no
  ``timestamp.txt``: late by the files' own time;
- ``canvas``: hands in through a Canvas zip marked ``_LATE_``.

Every cell's score equals plain nbgrader's on the same submissions.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import nbformat
import nbgrader
import pytest
from click.testing import CliRunner
from nbgrader.api import Gradebook

from grader import cohort as cohort_mod
from grader.build import course as course_mod
from grader.cli import main

pytestmark = pytest.mark.slow
GUIDE = Path(nbgrader.__file__).parent / "docs" / "source" / "user_guide"
FILES = Path(nbgrader.__file__).parent / "tests" / "apps" / "files"
LAB = "ps1"
NOTEBOOKS = ("problem1", "problem2")
OURS = ("errfirst", "figure", "xss", "renamed")
# 2015-02-04 11:00 in Los Angeles (19:00 UTC): two days and two hours after ps1's due date.
RENAMED_TIME = dt.datetime(2015, 2, 4, 19, 0, tzinfo=dt.timezone.utc).timestamp()


def invoke(*args, code: int | None = 0):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output, result.output
    if code is not None:
        assert result.exit_code == code, result.output
    return result


def _with_python3(notebook):
    # ps1 names its kernel "python"; this machine's is "python3" (plain nbgrader needs it).
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return notebook


def _copy_assignment(source: Path, target: Path) -> None:
    target.mkdir(parents=True)
    for path in source.iterdir():
        if path.suffix == ".ipynb":
            nbformat.write(_with_python3(nbformat.read(path, as_version=4)), target / path.name)
        else:
            shutil.copy(path, target / path.name)


def _cell(notebook, grade_id: str):
    return next(
        c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )


def _submissions(tmp: Path) -> dict[str, dict[str, nbformat.NotebookNode]]:
    """Every learner's notebooks, as they hand them in."""
    out = {}
    for student in ("bitdiddle", "hacker"):
        out[student] = {
            n: _with_python3(nbformat.read(GUIDE / "submitted" / student / LAB / f"{n}.ipynb", 4))
            for n in NOTEBOOKS
        }
    base = out["hacker"]
    errfirst = copy.deepcopy(base)
    squares = _cell(errfirst["problem1"], "squares")
    squares.source = "ratio = 1 / 0\n" + squares.source
    figure = copy.deepcopy(base)
    _cell(
        figure["problem1"], "squares"
    ).source += "\nimport matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9])\nplt.show()\n"
    xss = copy.deepcopy(base)
    payload = '<script>alert("xss")</script><img src="x" onerror="alert(1)">'
    _cell(xss["problem2"], "part-a").source = f"My answer. {payload}"
    _cell(xss["problem1"], "squares").source += (
        "\nfrom IPython.display import HTML, Javascript, display\n"
        f"display(HTML({payload!r}))\ndisplay(Javascript('alert(2)'))\n"
    )
    out.update(errfirst=errfirst, figure=figure, xss=xss, renamed=copy.deepcopy(base))
    out["canvas"] = copy.deepcopy(out["bitdiddle"])
    return out


def _plain_nbgrader(tmp: Path, submissions) -> dict:
    """Plain nbgrader's own autograde of the same submissions: per learner, cell → score."""
    folder = tmp / "plain"
    _copy_assignment(GUIDE / "source" / LAB, folder / "source" / LAB)
    api = course_mod.open_api(folder)
    assert api.generate_assignment(LAB, force=True, create=True)["success"]
    for student, notebooks in submissions.items():
        target = folder / "submitted" / student / LAB
        target.mkdir(parents=True)
        for name, notebook in notebooks.items():
            nbformat.write(notebook, target / f"{name}.ipynb")
        result = api.autograde(LAB, student, force=True, create=True)
        assert result["success"], result.get("log")
    return _scores(api.coursedir.db_url, submissions)


def _scores(db_url: str, students) -> dict:
    scores = {}
    with Gradebook(db_url) as gb:
        for student in students:
            submission = gb.find_submission(LAB, student)
            scores[student] = {
                f"{nb.name}:{g.name}": g.auto_score
                for nb in submission.notebooks
                for g in nb.grades
            }
    return scores


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nbgrader-course")
    their_course = tmp / "their-course"
    warmup = their_course / "source" / "warmup"
    warmup.mkdir(parents=True)
    shutil.copy(FILES / "test.ipynb", warmup / "test.ipynb")
    shutil.copy(FILES / "jupyter.png", warmup / "jupyter.png")
    course_dir = tmp / "course"
    invoke("init", course_dir, "--build-dir", their_course)
    ps1 = tmp / "ps1"
    _copy_assignment(GUIDE / "source" / LAB, ps1)
    added = invoke("add", ps1, "--course", course_dir)
    assert "✓ ps1: problem1.ipynb, problem2.ipynb" in added.output
    roster = tmp / "roster.csv"
    people = [
        ("bitdiddle", "Ben Bitdiddle", ""),
        ("hacker", "Alyssa Hacker", ""),
        ("errfirst", "Mpho Kgosi", ""),
        ("figure", "Lucía Fernández", ""),
        ("xss", "Tumelo Dube", ""),
        ("renamed", "Naledi Sebego", ""),
        ("canvas", "Martín Rodríguez", "4242"),
        ("absent", "Kabo Phiri", ""),
    ]
    roster.write_text(
        "id,name,email,lms_id\n"
        + "".join(f"{i},{n},{i}@example.org,{lms}\n" for i, n, lms in people),
        encoding="utf-8",
    )
    invoke("roster", "import", roster, "--course", course_dir)
    invoke("release", LAB, "--course", course_dir)
    invoke("due", LAB, "2015-02-02 09:00", "--timezone", "America/Los_Angeles",
           "--late-policy", "per-day:10", "--course", course_dir)  # fmt: skip

    submissions = _submissions(tmp)
    hand = tmp / "hand-ins"
    for student, notebooks in submissions.items():
        if student == "canvas":
            continue
        folder = hand / student / LAB
        folder.mkdir(parents=True)
        for name, notebook in notebooks.items():
            file_name = (
                "my problem1.ipynb"
                if (student, name) == ("renamed", "problem1")
                else f"{name}.ipynb"
            )
            nbformat.write(notebook, folder / file_name)
        if student == "renamed":  # no timestamp.txt: the files' own time counts
            for path in folder.iterdir():
                os.utime(path, (RENAMED_TIME, RENAMED_TIME))
            continue
        stamp = GUIDE / "submitted" / ("bitdiddle" if student == "bitdiddle" else "hacker") / LAB
        shutil.copy(stamp / "timestamp.txt", folder / "timestamp.txt")
    collected = invoke("collect", LAB, hand, "--course", course_dir)
    canvas = tmp / "canvas.zip"
    with zipfile.ZipFile(canvas, "w") as archive:
        for name, notebook in submissions["canvas"].items():
            entry = zipfile.ZipInfo(
                f"rodriguezmartin_LATE_4242_9911_{name}.ipynb", (2015, 2, 3, 10, 0, 0)
            )
            archive.writestr(entry, nbformat.writes(notebook))
    from_canvas = invoke("collect", LAB, canvas, "--course", course_dir)
    graded = invoke("autograde", LAB, "--timeout", "30", "--course", course_dir, code=None)
    return {
        "root": course_dir,
        "cohort": cohort_mod.open_cohort(course_dir),
        "collected": collected.output,
        "from_canvas": from_canvas.output,
        "graded": graded,
        "plain": _plain_nbgrader(tmp, submissions),
        "submissions": submissions,
        "tmp": tmp,
    }


def test_an_assignment_not_named_lab_with_two_notebooks_is_collected(cohort):
    output = cohort["collected"]
    assert "renamed/ps1/my problem1.ipynb → problem1.ipynb" in output
    assert "bitdiddle (Ben Bitdiddle): 5 h 59 min late (2015-02-02 14:58 PST)" in output
    assert "renamed (Naledi Sebego): 2 days 2 h late (2015-02-04 11:00 PST)" in output
    assert "older duplicates" not in output
    for student in ("bitdiddle", "hacker", "errfirst", "figure", "xss", "renamed"):
        folder = cohort["cohort"].submitted_dir(student, LAB)
        assert sorted(p.name for p in folder.glob("*.ipynb")) == [
            "problem1.ipynb",
            "problem2.ipynb",
        ]
    assert "rodriguezmartin_LATE_4242_9911_problem1.ipynb" in cohort["from_canvas"]
    missing = cohort["from_canvas"].split("nothing handed in:")[1]
    assert "absent (Kabo Phiri)" in missing
    assert "bitdiddle" not in missing  # stored by the first collect


def test_check_runs_one_notebook_of_an_assignment_of_several(cohort, tmp_path):
    # A learner checks problem1 alone, as handed out (no lab_checks.py: ps1 has none).
    release = cohort["root"] / "release" / LAB
    notebook = tmp_path / "problem1.ipynb"
    nbformat.write(_with_python3(nbformat.read(release / "problem1.ipynb", 4)), notebook)
    untouched = invoke("check", notebook, "--timeout", "30", code=1)
    assert "✗ correct_squares" in untouched.output, untouched.output
    assert "0 of " in untouched.output
    answered = cohort["submissions"]["bitdiddle"]["problem1"]
    nbformat.write(_with_python3(answered), notebook)
    output = invoke("check", notebook, "--timeout", "30", code=None).output
    assert "✓ correct_squares" in output, output


def test_every_cell_scores_as_plain_nbgrader(cohort):
    assert cohort["graded"].exit_code == 0, cohort["graded"].output
    ours = _scores(cohort["cohort"].db_url, cohort["submissions"])
    for student, plain in cohort["plain"].items():
        assert ours[student] == plain, student
    statuses = json.loads(cohort["cohort"].status_file(LAB).read_text())
    assert set(statuses) == set(cohort["submissions"])
    # A code cell that is both an answer and graded by hand keeps the learner's code, and
    # nobody is flagged for it (bitdiddle and canvas did edit two test cells).
    assert {s for s, r in statuses.items() if r["status"] == "graded"} >= {"hacker", "figure"}
    assert sorted(statuses["hacker"]["notebooks"]) == ["problem1.ipynb", "problem2.ipynb"]
    graded = nbformat.read(cohort["cohort"].autograded_dir("hacker", LAB) / "problem1.ipynb", 4)
    handed_in = cohort["submissions"]["hacker"]["problem1"]
    for grade_id in ("sum_of_squares_application", "squares"):
        assert _cell(graded, grade_id).source == _cell(handed_in, grade_id).source
    # nbgrader copied no data next to the graded notebooks.
    assert sorted(p.name for p in graded_path_folder(cohort, "hacker").iterdir()) == [
        "problem1.ipynb",
        "problem2.ipynb",
    ]


def graded_path_folder(cohort, student: str) -> Path:
    return cohort["cohort"].autograded_dir(student, LAB)


def test_feedback_waits_for_the_written_answers(cohort):
    root = cohort["root"]
    refused = invoke("feedback", LAB, "--course", root, code=1)
    assert "written answers not graded yet" in refused.output
    assert "--allow-ungraded" in refused.output
    early = invoke("feedback", LAB, "--student", "hacker", "--allow-ungraded", "--course", root)
    page = (root / "feedback" / "hacker" / LAB / "problem2.html").read_text(encoding="utf-8")
    assert "have not been graded yet" in page
    assert "problem1.html" in early.output


def _grade_by_hand(cohort) -> None:
    """What a trainer does in the formgrader: points for every answer that needs them."""
    with Gradebook(cohort["cohort"].db_url) as gb:
        for student in cohort["submissions"]:
            for notebook in gb.find_submission(LAB, student).notebooks:
                for grade in notebook.grades:
                    if grade.needs_manual_grade:
                        grade.manual_score = grade.max_score / 2
                        grade.needs_manual_grade = False  # as the formgrader does
            gb.db.commit()


@pytest.fixture(scope="module")
def pages(cohort):
    _grade_by_hand(cohort)
    run = invoke("feedback", LAB, "--course", cohort["root"])
    assert "✓" in run.output
    return {
        student: {
            name: (cohort["root"] / "feedback" / student / LAB / f"{name}.html").read_text("utf-8")
            for name in NOTEBOOKS
        }
        for student in cohort["submissions"]
    }


def test_feedback_names_questions_and_shows_the_first_real_error(pages):
    summary = pages["errfirst"]["problem1"].split('class="grader-summary"')[1].split("</div>")[0]
    assert "Part A (2 points)" in summary
    assert "correct_squares" not in summary  # titles, not the lab's internal ids
    assert "check again" not in summary
    assert "ZeroDivisionError: division by zero" in summary


def test_feedback_keeps_the_learners_figures_and_runs_nothing(cohort, pages):
    # The course's own picture (jupyter.png) is on every page; the learner's plot is one more.
    figures = {s: pages[s]["problem1"].count("data:image/png;base64,") for s in pages}
    assert figures["figure"] == figures["hacker"] + 1 > 1
    for student, by_notebook in pages.items():
        for text in by_notebook.values():
            lowered = text.lower()
            assert "<script" not in lowered, student
            assert not re.search(r"<[^>]*\son\w+\s*=", lowered), student  # no event handler
            assert "content-security-policy" in lowered
            assert not re.search(r"""(src|href)=["']?(https?:)?//""", lowered), student
            assert "mathjax" not in lowered
    assert "My answer." in pages["xss"]["problem2"]
    for folder in (cohort["root"] / "feedback").glob(f"*/{LAB}"):
        assert sorted(p.name for p in folder.iterdir()) == ["problem1.html", "problem2.html"]


def test_lateness_extensions_and_the_report(cohort):
    root, out = cohort["root"], cohort["tmp"] / "reports"
    invoke("report", "--all", "--out", out, "--course", root)
    with open(out / f"{LAB}-grades.csv", encoding="utf-8-sig") as handle:
        rows = {r["id"]: r for r in csv.DictReader(handle)}
    late, on_time = rows["bitdiddle"], rows["hacker"]
    assert late["late"] == "5 h 59 min late"
    assert float(late["late_penalty"]) > 0
    assert float(late["total"]) == pytest.approx(
        float(late["auto_score"]) + float(late["manual_score"]) - float(late["late_penalty"])
    )
    assert on_time["late"] == "on time"
    assert on_time["late_penalty"] == "0"
    assert rows["canvas"]["late"].endswith("late")
    assert rows["renamed"]["late"] == "2 days 2 h late"  # from the files' own time
    assert rows["absent"]["status"] == "not handed in"
    assert "correct_squares" in late  # a column per cell of both notebooks
    assert "part-a" in late
    with open(out / "all-labs.csv", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle))
    assert header == ["id", "name", "email", "lms_id", LAB, "total"]  # warmup never released
    invoke("extend", LAB, "bitdiddle", "--days", "1", "--course", root)
    invoke("report", LAB, "--out", out, "--course", root)
    with open(out / f"{LAB}-grades.csv", encoding="utf-8-sig") as handle:
        rows = {r["id"]: r for r in csv.DictReader(handle)}
    assert rows["bitdiddle"]["late"] == "on time"
    assert rows["bitdiddle"]["late_penalty"] == "0"
    page = cohort["root"] / "feedback" / "bitdiddle" / LAB / "problem1.html"
    assert "5 h 59 min late" in page.read_text(encoding="utf-8")  # written before the extension


def test_one_broken_graded_notebook_never_stops_the_others(cohort, pages):
    broken = cohort["cohort"].autograded_dir("figure", LAB) / "problem1.ipynb"
    saved = broken.read_bytes()
    broken.write_bytes(b"[" * 100_000)  # nested too deep to read
    try:
        run = invoke("feedback", LAB, "--course", cohort["root"], code=1)
    finally:
        broken.write_bytes(saved)
    assert "figure: the page could not be made" in run.output
    assert f"hacker/{LAB}/problem1.html" in run.output
    assert f"xss/{LAB}/problem2.html" in run.output


def test_init_again_keeps_the_added_assignment_and_its_grades(cohort):
    root = cohort["root"]
    before = _scores(cohort["cohort"].db_url, ["hacker"])
    invoke("init", root, "--build-dir", cohort["tmp"] / "their-course")
    again = cohort_mod.open_cohort(root)
    assert again.lab(LAB).notebooks == ("problem1.ipynb", "problem2.ipynb")
    assert again.lab(LAB).origin == "added"
    assert _scores(again.db_url, ["hacker"]) == before
