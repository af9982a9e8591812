"""Cohort tools without grading: help, bad input, LMS file names, the answer carrier."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import zipfile
from pathlib import PurePosixPath

import pandas as pd
import pytest
from click.testing import CliRunner

from grader import answer_io, cohort, collect, roster
from grader.cli import main
from grader.cohort_release import release
from grader.errors import GraderError
from grader.selfcheck import check
from grader.submission import LabPlan

COMMANDS = [
    ["init"],
    ["roster"],
    ["roster", "import"],
    ["roster", "list"],
    ["release"],
    ["collect"],
    ["autograde"],
    ["feedback"],
    ["report"],
    ["check"],
]


def _run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=cwd,
    )


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command):
    run = _run(*command, "--help")
    assert run.returncode == 0, run.stderr
    assert "Usage:" in run.stdout
    assert len(run.stdout.splitlines()) > 4


@pytest.fixture(scope="module")
def course(built, tmp_path_factory) -> cohort.Cohort:
    return cohort.init(tmp_path_factory.mktemp("units") / "course", built.paths.root, echo=print)


def _invoke(*args: str):
    """In-process, so a test can try many commands quickly; exit codes and messages as real."""
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_bad_input_gives_messages_not_tracebacks(course, tmp_path):
    bad_csv = tmp_path / "roster.csv"
    bad_csv.write_text(
        "id,name,email\nok1,Ana Silva,ana@example.org\nbad id,X,\n,,\n"
        'ok2,Bo,not-an-email\nok3,"Smith, Jo",jo@example.org,extra\n'
    )
    runs = {
        "unknown lab": _invoke("release", "lab01-meet-the-dat", "--course", str(course.root)),
        "no course": _invoke(
            "autograde", "lab01-meet-the-data", "--course", str(tmp_path / "none")
        ),
        "missing roster": _invoke(
            "collect", "lab01-meet-the-data", str(tmp_path), "--course", str(course.root)
        ),
        "missing file": _invoke(
            "roster", "import", str(tmp_path / "nope.csv"), "--course", str(course.root)
        ),
        "bad rows": _invoke("roster", "import", str(bad_csv), "--course", str(course.root)),
        "nothing collected": _invoke(
            "autograde", "lab01-meet-the-data", "--course", str(course.root)
        ),
        "not a notebook": _invoke("check", str(bad_csv)),
    }
    for what, run in runs.items():
        assert run.exit_code == 1, (what, run.output)
        assert "Traceback" not in run.output, what
    assert "did you mean 'lab01-meet-the-data'?" in runs["unknown lab"].output
    assert "not a course folder" in runs["no course"].output
    assert "the roster is empty" in runs["missing roster"].output
    assert "there is no roster file" in runs["missing file"].output
    assert "nothing to grade" in runs["nothing collected"].output
    report = runs["bad rows"].output
    assert "1 learner(s) imported" in report
    for line in ("line 3:", "line 5:", "line 6:"):
        assert line in report
    assert [s.id for s in roster.learners(course)] == ["ok1"]


def test_malformed_roster_header_is_refused(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("student;full name\n1;A\n")
    with pytest.raises(GraderError, match="id and name"):
        roster.read_roster(path)


def test_a_course_can_use_any_sqlalchemy_url(built, tmp_path):
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    made = cohort.init(tmp_path / "course", built.paths.root, url, echo=lambda _: None)
    assert (tmp_path / "elsewhere.db").exists()
    assert not (tmp_path / "course" / "gradebook.db").exists()
    assert cohort.open_cohort(tmp_path / "course").db_url == url
    assert url in (tmp_path / "course" / "nbgrader_config.py").read_text()
    assert made.lab("lab01-meet-the-data")


def _candidate(name: str):
    return collect._parse_name(PurePosixPath(name), dt.datetime(2026, 1, 1), None)


def test_lms_file_names_are_understood():
    moodle_folder = _candidate("Ana María Silva_4242_assignsubmission_file_/lab01.ipynb")
    assert (moodle_folder.key, moodle_folder.lms_id) == ("Ana María Silva", "4242")
    moodle_file = _candidate("Bo Li_77_assignsubmission_file_lab01 (1).ipynb")
    assert moodle_file.key == "Bo Li"
    canvas = _candidate("silvaanamaria_LATE_4242_998877_lab01-meet-the-data-2.ipynb")
    assert (canvas.key, canvas.lms_id, canvas.number, canvas.late) == (
        "silvaanamaria",
        "4242",
        2,
        True,
    )
    plain = _candidate("b001/whatever.ipynb")
    assert plain.key == "b001"


def test_matching_by_id_name_email_and_lms_id():
    matcher = collect._Matcher(
        [
            roster.Learner("b001", "Ana María Silva", "asilva@example.org"),
            roster.Learner("b002", "Bo Li", "bo.li@example.org", lms_id="77"),
        ]
    )
    assert matcher.match(_candidate("Ana Maria Silva_1_assignsubmission_file_/x.ipynb")) == "b001"
    assert matcher.match(_candidate("silvaanamaria_5_6_x.ipynb")) == "b001"
    assert matcher.match(_candidate("asilva/x.ipynb")) == "b001"
    assert matcher.match(_candidate("Someone_77_assignsubmission_file_x.ipynb")) == "b002"
    assert matcher.match(_candidate("Nobody Known_9_assignsubmission_file_x.ipynb")) is None


def test_canvas_zip_keeps_the_latest_and_lists_the_rest(course, tmp_path):
    people = tmp_path / "r.csv"
    people.write_text("id,name,email\nc1,Carla Mendes,carla@example.org\n")
    roster.import_roster(course, people)
    bulk = tmp_path / "canvas.zip"
    with zipfile.ZipFile(bulk, "w") as archive:
        for name, day in [
            ("mendescarla_11_21_lab01.ipynb", 1),
            ("mendescarla_LATE_11_22_lab01-1.ipynb", 2),
        ]:
            archive.writestr(zipfile.ZipInfo(name, (2026, 3, day, 9, 0, 0)), f'{{"day": {day}}}')
        archive.writestr("unknownperson_5_6_lab01.ipynb", "{}")
        archive.writestr("mendescarla_11_23_data.csv", "a,b")
    result = collect.collect(course, "lab01-meet-the-data", bulk)
    kept = course.submitted_dir("c1", "lab01-meet-the-data") / "lab01-meet-the-data.ipynb"
    assert kept.read_text() == '{"day": 2}'
    assert result.duplicates == [("c1", "mendescarla_11_21_lab01.ipynb")]
    assert result.unknown == ["unknownperson_5_6_lab01.ipynb"]
    assert result.not_notebooks == ["mendescarla_11_23_data.csv"]
    assert result.log.exists()


def test_answers_travel_as_plain_data_only(tmp_path):
    class Liar(int):
        def __eq__(self, other):
            return True

        __hash__ = int.__hash__

    namespace = {
        "n": 3,
        "x": 0.5,
        "flag": True,
        "roles": {"a": "b", 1: [1, (2, 3)]},
        "frame": pd.DataFrame({"a": [1, 2]}, index=["x", "y"]),
        "series": pd.Series([1.5, 2.5], index=["p", "q"], name="count"),
        "liar": Liar(5),
        "func": len,
        "subclassed": type("D", (dict,), {})(),
    }
    answer_io.export(namespace, [*namespace, "undefined"], "t1", str(tmp_path))
    values, missing = answer_io.load("t1", str(tmp_path))
    assert missing == ["undefined"]
    assert values["n"] == 3
    assert type(values["n"]) is int
    assert values["roles"] == {"a": "b", 1: [1, (2, 3)]}
    pd.testing.assert_frame_equal(values["frame"], namespace["frame"])
    pd.testing.assert_series_equal(values["series"], namespace["series"])
    for name in ("liar", "func", "subclassed"):
        assert isinstance(values[name], answer_io.Unusable)
        assert values[name] != values[name]
    fresh = {"undefined": 1}
    answer_io.apply(fresh, "t1", ["n", "undefined"], str(tmp_path))
    assert fresh == {"n": 3}


def test_every_command_is_in_the_trainer_guide():
    from grader.cli import main
    from grader.paths import BOOK

    guide = (BOOK / "trainer" / "grading.md").read_text(encoding="utf-8")
    for name, command in main.commands.items():
        if name == "build":
            continue
        assert f"`{name}" in guide, f"document `{name}` in book/trainer/grading.md"
        for option in command.params:
            if option.param_type_name == "option" and option.name != "course_dir":
                assert option.opts[0] in guide, f"document {name} {option.opts[0]}"


@pytest.mark.slow
def test_a_learner_can_check_their_notebook(course, tmp_path):
    import nbformat

    from grader import fixtures

    lab = "lab01-meet-the-data"
    with zipfile.ZipFile(release(course, lab, tmp_path / "lab.zip")) as archive:
        archive.extractall(tmp_path)
    notebook = tmp_path / lab / f"{lab}.ipynb"
    partial = fixtures.demo_students(notebook, course.source_notebook(lab))["partial"]
    nbformat.write(partial, notebook)
    plan = LabPlan.from_source(lab, course.source_notebook(lab))
    first, second = sorted(plan.answer_names, key=plan.by_id.get)[:2]
    done = plan.answer_names[first]
    passing = [t for t, needs in plan.test_needs.items() if set(needs) <= done]
    failing = next(
        t for t, needs in plan.test_needs.items() if plan.answer_names[second] & set(needs)
    )
    lines = []
    assert check(notebook, timeout=120, echo=lines.append) is False
    text = "\n".join(lines)
    points = plan.cell(passing[0]).metadata["nbgrader"]["points"]
    assert f"✓ {passing[0]} ({points:g} point(s))" in text
    assert f"✗ {failing} (" in text
    assert any(f"'{name}' is not defined" in text for name in plan.answer_names[second])
    assert f"{len(passing)} of {len(plan.test_needs)} visible checks pass" in text
    assert "hidden" in text


def test_function_answers_travel_as_source_and_are_guarded(tmp_path, monkeypatch):
    monkeypatch.setattr(answer_io, "_snapshot", None)
    from grader.submission import carried_parts

    learner = (
        "import math\n"
        "SCALE = 2\n"
        "@staticmethod\n"
        "def helper(x):\n    return x * SCALE\n"
        "def crack(x):\n    return helper(x) + math.floor(0.5)\n"
        "square = lambda x: x * x\n"
        "def later(x):\n    return x\n"
        "later = square\n"
        "print(crack(1))\n"
    )
    pieces, defined = carried_parts(learner)
    assert defined == {"helper", "crack", "square"}  # `later` was set again by other code
    code = "\n\n".join(pieces)
    assert "@staticmethod" in code
    assert "print(" not in code
    assert "SCALE = 2" not in code  # a value travels as data, not as code

    answer_io.export({"SCALE": 3}, ["SCALE"], "t1", str(tmp_path))
    namespace = {"check_len": len}
    answer_io.define(
        namespace, "def crack(x):\n    return x * SCALE", ["crack"], ["SCALE"], "t1", str(tmp_path)
    )
    assert namespace["crack"](2) == 6
    assert "SCALE" not in namespace  # the learner's values stay in the function's own globals
    with pytest.raises(answer_io.NotCarried, match="crack"):
        answer_io.define({}, "x = 1", ["crack"], [], "t1", str(tmp_path))
    with pytest.raises(answer_io.NotCarried, match="other code than a def"):
        answer_io.define({}, "", ["crack"], [], "t1", str(tmp_path), refused=["crack"])

    # Once a learner's function has been defined, changing what the tests rely on is caught,
    # and undone.
    import builtins

    real_sorted = builtins.sorted
    monkeypatch.setattr(builtins, "sorted", lambda *a, **k: [])
    with pytest.raises(answer_io.Tampered, match="sorted"):
        answer_io.guard(namespace)
    assert builtins.sorted is real_sorted
    answer_io.guard(namespace)  # nothing changed since
