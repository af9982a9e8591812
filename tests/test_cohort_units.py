"""Cohort tools without grading: help, bad input, LMS file names, the answer carrier."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath

import nbformat
import pandas as pd
import pytest
from click.testing import CliRunner

from grader import cohort
from grader.cli import main
from grader.cohort import collect, roster
from grader.cohort.labplan import LabPlan
from grader.cohort.release import release
from grader.cohort.selfcheck import check
from grader.errors import GraderError
from grader.shipped import answer_io, lab_checks

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
    ["add"],
    ["due"],
    ["extend"],
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
    for name in ("liar", "subclassed"):
        assert isinstance(values[name], answer_io.Unusable)
        assert values[name] != values[name]
    # A function stays where it was defined; the grading side gets a stand-in that calls it.
    assert type(values["func"]) is answer_io.LearnerFunction
    assert values["func"].name == "func"
    fresh = {"undefined": 1}
    answer_io.apply(fresh, "t1", ["n", "undefined"], str(tmp_path))
    assert fresh == {"n": 3}


def test_every_command_is_in_the_trainer_guide():
    from grader.cli import main
    from grader.paths import BOOK, ROOT

    # The course's own commands are documented where their users read: building in the
    # README, the translation catalogues in the translators' guide; the rest for trainers.
    elsewhere = {"build": ROOT / "README.md", "translate": ROOT / "i18n" / "README.md"}
    for name, command in main.commands.items():
        page = elsewhere.get(name, BOOK / "trainer" / "grading.md")
        guide = page.read_text(encoding="utf-8")
        assert f"`{name}" in guide or f"grader {name}" in guide, f"document `{name}` in {page}"
        for option in command.params:
            # Where the course or the build is: described in each command's own help.
            internal = ("course_dir", "build_dir") if name in elsewhere else ("course_dir",)
            if option.param_type_name == "option" and option.name not in internal:
                assert option.opts[0] in guide, f"document {name} {option.opts[0]} in {page}"


def test_the_readmes_trainer_workflow_grades_written_answers_before_feedback():
    from grader.paths import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    workflow = readme.split("## For a trainer")[1].split("```")[1]
    steps = ["grader autograde", "Formgrader", "grader feedback", "grader report"]
    where = [workflow.find(step) for step in steps]
    assert -1 not in where, dict(zip(steps, where, strict=True))
    assert where == sorted(where), dict(zip(steps, where, strict=True))


@pytest.mark.slow
def test_a_learner_can_check_their_notebook(course, tmp_path):
    import nbformat

    from grader.build import fixtures

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


def _relay_in_process(learner_dir: Path):
    """Carry a call as the sandboxes' runners do, without kernels: the request folder to the
    learner's side, ``call_function`` there, the reply folder back."""
    import shutil

    def ask(prompt: str) -> str:
        folder = Path(prompt.removeprefix("grader-call "))
        shutil.rmtree(learner_dir, ignore_errors=True)
        shutil.copytree(folder / "request", learner_dir / "request")
        answer_io.call_function(str(learner_dir))
        shutil.copytree(learner_dir / "reply", folder / "reply")
        return "ok"

    return ask


def test_function_answers_run_where_they_were_defined(tmp_path, monkeypatch):
    learner: dict = {}
    exec(  # noqa: S102 - the "learner's notebook" of this test
        "import pandas as pd\n"
        "SCALE = 2\n"
        "def squares(n):\n    return [i * i * SCALE // 2 for i in range(1, n + 1)]\n"
        "def sum_of_squares(n):\n    return sum(squares(n))\n"
        "def suppress(table, threshold=3):\n    return table.where(table > threshold)\n"
        "def careless(table):\n    table['extra'] = 1\n    return len(table)\n"
        "def picky(x):\n    raise ValueError(f'no {x}')\n"
        "class Odd(Exception):\n    pass\n"
        "def odd():\n    raise Odd('mine')\n",
        learner,
    )
    names = ["squares", "sum_of_squares", "suppress", "careless", "picky", "odd", "SCALE"]
    answer_io.export(learner, names, "t1", str(tmp_path / "out"))
    monkeypatch.setattr(answer_io, "_ASK", _relay_in_process(tmp_path / "learner"))
    tests: dict = {}
    answer_io.apply(tests, "t1", names, str(tmp_path / "out"))
    assert tests["SCALE"] == 2
    assert type(tests["squares"]) is answer_io.LearnerFunction

    # Arguments and results travel as data, positional and keyword.
    assert tests["sum_of_squares"](3) == 14
    table = pd.DataFrame({"a": [1, 5], "b": [7, 2]}, index=["x", "y"])
    result = tests["suppress"](table, threshold=4)
    pd.testing.assert_frame_equal(result, table.where(table > 4))
    pd.testing.assert_frame_equal(table, pd.DataFrame({"a": [1, 5], "b": [7, 2]}, index=["x", "y"]))
    # A function that changes its argument changes its own copy: the test's data stays whole
    # (or a learner could rewrite the inputs a test computes its expected values from), and
    # the stand-in says which arguments the call changed.
    assert tests["careless"](table) == 2
    assert list(table.columns) == ["a", "b"]
    assert tests["careless"].changed_arguments == [0]
    assert tests["suppress"](table, threshold=4) is not None
    assert tests["suppress"].changed_arguments == []
    with pytest.raises(lab_checks.CheckFailed, match="changed the data"):
        lab_checks.check_unchanged(tests["careless"], table, what="careless(table)")
    # Python's own exceptions come back as themselves, the learner's own as LearnerError; only
    # their names travel, for Python's own (a message could carry the test's inputs out).
    with pytest.raises(ValueError, match="your function raised ValueError") as raised:
        tests["picky"](3)
    assert "no 3" not in str(raised.value)
    with pytest.raises(answer_io.LearnerError, match="raised an exception of its own") as own:
        tests["odd"]()
    assert "Odd" not in str(own.value)  # a class's name is the learner's text too
    # A test that deletes a name sees the learner's function fail as it would beside it.
    del tests["squares"]
    with pytest.raises(NameError, match="raised NameError"):
        tests["sum_of_squares"](2)
    assert "squares" in learner  # and the learner's namespace is whole again afterwards
    # What cannot travel as data is refused with a plain message, before anything is sent.
    with pytest.raises(TypeError, match="only plain values"):
        tests["sum_of_squares"](object())


def test_a_lone_surrogate_makes_a_notebook_malformed_not_an_error(tmp_path):
    from grader.cohort.reading import Malformed, read_submission

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_markdown_cell("ANSWER")]
    path = tmp_path / "lab.ipynb"
    path.write_text(nbformat.writes(notebook).replace("ANSWER", "\\ud800"), encoding="utf-8")
    with pytest.raises(Malformed, match="not valid Unicode"):
        read_submission(path)


def test_a_written_answer_is_plain_text_whatever_its_backticks():
    from grader.cohort.verdicts import safe_markdown

    answer = "A ````` run, then ```\n</code></pre><img src=x onerror=alert(1)>\n" + "long " * 40
    shown = safe_markdown(answer)
    fence = shown.splitlines()[0].removesuffix("text")
    assert fence == "`" * 6  # longer than any run in the answer: nothing inside can close it
    assert shown.endswith("\n" + fence)
    inner = shown.splitlines()[1:-1]
    assert all(fence not in line for line in inner)
    assert max(len(line) for line in inner) <= 100  # wrapped for reading
    assert "".join(inner).replace(" ", "") == answer.replace("\n", "").replace(" ", "")


def test_a_failed_checks_wrapper_speaks_the_learners_language():
    from grader.cohort.feedback import _check_message

    undefined = {"ename": "NameError", "evalue": "name 'cdr' is not defined"}
    assert _check_message(undefined).startswith("'cdr' was not defined")
    assert _check_message(undefined, "es").startswith("'cdr' no estaba definido")
    wrapped = {"ename": "X", "evalue": "the check could not run on this answer (ValueError)."}
    assert _check_message(wrapped, "es") == (
        "la verificación no pudo ejecutarse con esta respuesta (ValueError)."
    )
    assert _check_message({"ename": "AssertionError", "evalue": ""}, "es") == (
        "su respuesta no cumple esta verificación."
    )
    assert _check_message({"ename": "CheckFailed", "evalue": ""}, "es") == (
        "esta verificación no se cumplió."
    )
