"""Integrity of what the cohort tools read and write, attack by attack, through the CLI.

A course made from nbgrader's own demo assignment (``ps1``: two notebooks) stands in for any
trainer's assignment; no build is needed. Each attack has its expected outcome:

- links (to the course's source, another learner's hand-in, the gradebook), hard links, pipes,
  huge files, files that are not UTF-8 or nested 100,000 levels deep: listed with a reason,
  never followed, never stored where they could be graded, and the others are collected;
- zips: names that climb out (``../``) or are absolute, links, encrypted entries, duplicate
  names, zip bombs: refused before extraction, nothing written outside;
- roster fields a spreadsheet would run as formulas: refused with the line number; names
  already in a gradebook are neutralised in CSVs and stored as text in the workbook.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import stat
import struct
import warnings
import zipfile
from pathlib import Path

import nbformat
import nbgrader
import pytest
from click.testing import CliRunner
from nbgrader.api import Gradebook

from grader import cohort as cohort_mod
from grader.cli import main
from grader.cohort import exports, handins, pages

PS1 = Path(nbgrader.__file__).parent / "docs" / "source" / "user_guide"
ROSTER = [
    ("b001", "Ana Silva"),
    ("b002", "Bo Li"),
    ("b003", "Carla Mendes"),
    ("b004", "Dikeledi Moyo"),
    ("b005", "Eva Díaz"),
    ("b006", "Femi Ade"),
    ("b007", "Gao Yan"),
    ("b008", "Hana Sato"),
    ("b009", "Iris Nkomo"),
    ("b010", "José Pérez"),
    ("b011", "Kagiso Molefe"),
]


def invoke(*args: str):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A course whose one assignment is nbgrader's ps1 (from an nbgrader course folder), made
    once; each test gets a copy."""
    tmp_path = tmp_path_factory.mktemp("template")
    nbgrader_course = tmp_path / "their-course"
    shutil.copytree(PS1 / "source" / "ps1", nbgrader_course / "source" / "ps1")
    run = invoke("init", tmp_path / "course", "--build-dir", nbgrader_course)
    assert run.exit_code == 0, run.output
    roster = tmp_path / "roster.csv"
    lines = ["id,name,email"] + [f"{i},{n},{i}@example.org" for i, n in ROSTER]
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert invoke("roster", "import", roster, "--course", tmp_path / "course").exit_code == 0
    return tmp_path / "course"


@pytest.fixture
def course(template, tmp_path) -> cohort_mod.Cohort:
    target = tmp_path / "course"
    shutil.copytree(template, target)
    manifest = target / "grader-course.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["db_url"] = f"sqlite:///{target / 'gradebook.db'}"  # its own copy of the gradebook
    manifest.write_text(json.dumps(data), encoding="utf-8")
    return cohort_mod.open_cohort(target)


def _problem(name: str) -> bytes:
    return (PS1 / "submitted" / "hacker" / "ps1" / name).read_bytes()


def _collect(course, source) -> str:
    run = invoke("collect", "ps1", source, "--course", course.root)
    assert run.exit_code == 0, run.output
    return run.output


def _stored(course, student: str) -> dict[str, bytes]:
    folder = course.submitted_dir(student, "ps1")
    return {p.name: p.read_bytes() for p in folder.glob("*.ipynb")} if folder.is_dir() else {}


def test_collect_never_follows_links_and_never_stops_for_one_file(course, tmp_path):
    hand = tmp_path / "hand-ins"
    for student in ("b001", "b002", "b003", "b005", "b006", "b007", "b008", "b009", "b010"):
        (hand / student).mkdir(parents=True)
    source = course.source_notebooks("ps1")[0]
    # b001: a link to the course's source notebook (solutions, hidden tests).
    (hand / "b001" / "problem1.ipynb").symlink_to(source)
    (hand / "b001" / "problem2.ipynb").write_bytes(_problem("problem2.ipynb"))
    # b002: a link to another learner's hand-in; b003: a link to the gradebook.
    (hand / "b002" / "problem1.ipynb").symlink_to(hand / "b001" / "problem2.ipynb")
    (hand / "b003" / "problem1.ipynb").symlink_to(course.root / "gradebook.db")
    # b004: a folder that is a link to the course's source folder.
    (hand / "b004").symlink_to(source.parent, target_is_directory=True)
    # b005: a hard link to the source notebook; b006: a named pipe (reading it would hang).
    os.link(source, hand / "b005" / "problem1.ipynb")
    os.mkfifo(hand / "b006" / "problem1.ipynb")
    # b007: 2 GB (sparse: no disk used); b008: not UTF-8; b009: JSON 100,000 levels deep.
    with open(hand / "b007" / "problem1.ipynb", "wb") as handle:
        handle.truncate(2 * 2**30)
    (hand / "b008" / "problem1.ipynb").write_bytes(b"\xff\xfe\x00garbage")
    (hand / "b009" / "mine.ipynb").write_bytes(b"[" * 100_000 + b"]" * 100_000)
    # b010: a good hand-in, collected whatever the others did.
    (hand / "b010" / "problem1.ipynb").write_bytes(_problem("problem1.ipynb"))
    (hand / "b010" / "problem2.ipynb").write_bytes(_problem("problem2.ipynb"))

    output = _collect(course, hand)

    refused = output.split("refused for safety")[1].split("learners who")[0]
    for student, why in [
        ("b001/problem1.ipynb", "is a link"),
        ("b002/problem1.ipynb", "is a link"),
        ("b003/problem1.ipynb", "is a link"),
        ("b004/", "a link to a folder, not followed"),
        ("b005/problem1.ipynb", "is a hard link"),
        ("b006/problem1.ipynb", "is not a regular file"),
        ("b007/problem1.ipynb", "is 2048 MB, over the limit of 100 MB"),
    ]:
        assert f"{student}: {why}" in refused, (student, output)
    assert "b009: b009/mine.ipynb: cannot be read as a notebook" in output
    assert list(_stored(course, "b001")) == ["problem2.ipynb"]  # not the linked source
    for student in ("b002", "b003", "b004", "b005", "b006", "b007", "b009"):
        assert not _stored(course, student), student
    # b008's file has the right name: it is kept, and grading will call it malformed.
    assert _stored(course, "b008") == {"problem1.ipynb": b"\xff\xfe\x00garbage"}
    assert set(_stored(course, "b010")) == {"problem1.ipynb", "problem2.ipynb"}
    assert not (course.root / "submitted" / "b003" / "ps1" / "problem1.ipynb").exists()
    everything = b"".join(p.read_bytes() for p in (course.root / "submitted").rglob("*.ipynb"))
    assert b"SQLite format" not in everything
    assert b"BEGIN HIDDEN TESTS" not in everything
    assert b"BEGIN SOLUTION" not in everything


def _zip(path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with (
        warnings.catch_warnings(),  # a duplicate name is one of the attacks
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        warnings.simplefilter("ignore", UserWarning)
        for info, data in entries:
            archive.writestr(info, data)
    return path


def _mark_encrypted(path: Path, name: str) -> None:
    """Set the 'encrypted' flag of one entry (Python's zipfile cannot write encrypted zips)."""
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + length]) == name.encode():
            data[at + 8] |= 1
            local = struct.unpack_from("<I", data, at + 42)[0]
            data[local + 6] |= 1
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))


def test_zip_entries_that_escape_or_explode_are_refused_before_extraction(course, tmp_path):
    link = zipfile.ZipInfo("Bo Li_2_assignsubmission_file_problem1.ipynb")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    locked = "Carla Mendes_3_assignsubmission_file_problem1.ipynb"
    good = "José Pérez_10_assignsubmission_file_problem1.ipynb"
    bulk = _zip(
        tmp_path / "moodle.zip",
        [
            ("../../escaped.ipynb", b"{}"),
            ("/tmp/absolute-grader-test.ipynb", b"{}"),
            ("..\\..\\windows.ipynb", b"{}"),
            (link, str(course.root / "gradebook.db").encode()),
            (locked, b"{}"),
            ("Ana Silva_1_assignsubmission_file_problem1.ipynb", b"{}"),
            ("Ana Silva_1_assignsubmission_file_problem1.ipynb", _problem("problem1.ipynb")),
            ("Eva Díaz_5_assignsubmission_file_problem1.ipynb", b"\0" * (101 * 2**20)),
            ("Femi Ade_6_assignsubmission_file_problem1.ipynb", b"\0" * (30 * 2**20)),
            (good, _problem("problem1.ipynb")),
        ],
    )
    _mark_encrypted(bulk, locked)
    output = _collect(course, bulk)
    for fragment in [
        "'../../escaped.ipynb': its name climbs out of the folder",
        "'/tmp/absolute-grader-test.ipynb': its name is absolute",
        "windows.ipynb': its name climbs out of the folder",
        "it is a link",
        "it is encrypted",
        "the zip holds several files with this name",
        "over the limit of 100 MB",
        "compressed more than 200 times",
    ]:
        assert fragment in output, (fragment, output)
    assert not (tmp_path / "escaped.ipynb").exists()
    assert not (tmp_path.parent / "escaped.ipynb").exists()
    assert not Path("/tmp/absolute-grader-test.ipynb").exists()
    assert _stored(course, "b010") == {"problem1.ipynb": _problem("problem1.ipynb")}
    for student in ("b001", "b002", "b003", "b005", "b006"):
        assert not _stored(course, student), student


def test_whole_zip_limits_stop_before_anything_is_extracted(course, tmp_path, monkeypatch):
    bulk = _zip(tmp_path / "many.zip", [(f"x{n}/problem1.ipynb", b"{}") for n in range(30)])
    monkeypatch.setattr(handins, "MAX_ZIP_ENTRIES", 20)
    run = invoke("collect", "ps1", bulk, "--course", course.root)
    assert run.exit_code == 1
    assert "holds 30 files, more than 20: nothing was extracted" in run.output
    monkeypatch.setattr(handins, "MAX_ZIP_ENTRIES", 10_000)
    monkeypatch.setattr(handins, "MAX_ZIP_TOTAL", 10)
    run = invoke("collect", "ps1", bulk, "--course", course.root)
    assert run.exit_code == 1
    assert "a zip bomb?" in run.output
    assert not list((course.root / "submitted").rglob("*.ipynb"))
    not_a_zip = tmp_path / "broken.zip"
    not_a_zip.write_bytes(b"PK\x03\x04" + b"\0" * 50)
    run = invoke("collect", "ps1", not_a_zip, "--course", course.root)
    assert run.exit_code == 1
    assert "neither a folder nor a zip" in run.output


def test_the_right_notebook_by_name_then_cells_and_a_second_collect_remembers(course, tmp_path):
    hand = tmp_path / "first"
    (hand / "b001").mkdir(parents=True)
    older, newer = hand / "b001" / "problem1.ipynb", hand / "b001" / "final version.ipynb"
    older.write_bytes(_problem("problem1.ipynb"))
    changed = nbformat.reads(_problem("problem1.ipynb").decode(), as_version=4)
    changed.cells[0].source += "\n(newer)"
    nbformat.write(changed, newer)
    os.utime(older, (1_000_000_000, 1_000_000_000))  # the right name is older
    (hand / "b002").mkdir()
    (hand / "b002" / "problem2.ipynb").write_bytes(_problem("problem2.ipynb"))
    (hand / "b003").mkdir()
    (hand / "b003" / "my work.ipynb").write_bytes(_problem("problem2.ipynb"))  # renamed
    (hand / "b004").mkdir()
    lab_two = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    lab_two.cells[0].metadata["nbgrader"] = {"grade_id": "other_lab", "solution": True}
    nbformat.write(lab_two, hand / "b004" / "lab02.ipynb")

    output = _collect(course, hand)
    assert _stored(course, "b001") == {"problem1.ipynb": _problem("problem1.ipynb")}
    assert "b001 (Ana Silva): b001/final version.ipynb" in output  # listed, not kept
    assert list(_stored(course, "b002")) == ["problem2.ipynb"]  # never graded as problem1
    assert "b002 (Bo Li): no problem1.ipynb" in output
    assert list(_stored(course, "b003")) == ["problem2.ipynb"]
    assert "b003/my work.ipynb → problem2.ipynb" in output
    assert "b004: b004/lab02.ipynb: has none of the cells of ps1" in output
    assert "b004 (Dikeledi Moyo)" in output.split("nothing handed in")[1]

    second = tmp_path / "second"
    (second / "b005").mkdir(parents=True)
    (second / "b005" / "problem1.ipynb").write_bytes(_problem("problem1.ipynb"))
    output = _collect(course, second)
    missing = output.split("nothing handed in:")[1]
    assert "b001" not in missing
    assert "b002" not in missing
    assert "b005" not in missing
    assert "b006 (Femi Ade)" in missing


@pytest.mark.parametrize(
    ("value", "column"),
    [
        ('=HYPERLINK("http://example.org","x")', "name"),
        ("+1+2", "name"),
        ("-2+3", "name"),
        ("@SUM(A1)", "name"),
        ("\tTab Name", "name"),
        ("Name\rWith CR", "name"),
        ("=cmd@example.org", "email"),
        ("=1", "lms_id"),
    ],
)
def test_roster_fields_that_a_spreadsheet_would_run_are_refused(course, tmp_path, value, column):
    row = {"id": "z001", "name": "Zoe Zulu", "email": "zoe@example.org", "lms_id": "9"}
    row[column] = value
    path = tmp_path / "roster.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(row))
        writer.writerow(list(row.values()))
        writer.writerow(["z002", "Good Learner", "good@example.org", "10"])
    run = invoke("roster", "import", path, "--course", course.root)
    assert run.exit_code == 1
    assert "line 2:" in run.output
    assert "formula" in run.output or "control character" in run.output
    assert "1 learner(s) imported" in run.output


def test_reports_neutralise_formulas_and_open_in_excel(course, tmp_path):
    import openpyxl

    nasty = '=HYPERLINK("http://evil.example","click")'
    with Gradebook(course.db_url) as gb:  # as an older version of the tools could have stored
        gb.update_or_create_student("b001", first_name=nasty, last_name="", lms_user_id="@77")
    invoke("release", "ps1", "--course", course.root)
    run = invoke("report", "--all", "--out", tmp_path / "out", "--course", course.root)
    assert run.exit_code == 0, run.output
    raw = (tmp_path / "out" / "all-labs.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel on Windows reads accents right
    text = raw.decode("utf-8-sig")
    assert "José Pérez" in text
    rows = {r["id"]: r for r in csv.DictReader(text.splitlines())}
    assert rows["b001"]["name"] == "'" + nasty
    assert rows["b001"]["lms_id"] == "'@77"
    assert list(rows["b001"]) == ["id", "name", "email", "lms_id", "ps1", "total"]
    book = openpyxl.load_workbook(tmp_path / "out" / "all-labs.xlsx")
    assert book.sheetnames == ["all labs", "ps1"]
    sheet = book["ps1"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "b001")
    cell = row[header.index("name")]
    assert (cell.value, cell.data_type) == (nasty, "s")
    with zipfile.ZipFile(tmp_path / "out" / "all-labs.xlsx") as archive:
        sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert not [s for s in sheets if b"<f>" in s]  # no formula anywhere


def test_csv_cells_are_neutralised_numbers_are_not():
    assert exports.safe_text("=1+1") == "'=1+1"
    assert exports.safe_text("-1.5") == "-1.5"
    assert exports.safe_text(2.0) == "2"
    assert exports.safe_text("\t=x") == "'\t=x"
    assert exports.safe_text("José") == "José"
    taken: set[str] = set()
    long = "lab02-pseudonyms-and-reidentification"
    assert exports.sheet_title(long, taken) == long[:31]
    assert exports.sheet_title(long, taken) == long[:27] + " (2)"
    assert exports.sheet_title("a/b[c]", taken) == "a-b-c-"


ATTACKS = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    '<iframe src="https://evil.example"></iframe>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    "<style>body{display:none}</style>",
    '<svg onload="alert(1)"><circle r="5"/></svg>',
    '<form action="https://evil.example"><input name="x"></form>',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<img src="https://evil.example/track.png">',
    '<div style="position:fixed;top:0">fake score 10/10</div>',
    '<object data="https://evil.example/x.swf"></object>',
    '<a href="../../gradebook.db">the gradebook</a>',
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_learner_html_cannot_run_or_load_anything(attack):
    cleaned = pages.clean(f"<p>answer</p>{attack}")
    lowered = cleaned.lower()
    for bad in ("<script", "onerror", "onload", "javascript:", "<iframe", "<meta", "<base",
                "<style", "<svg", "<form", "<input", "<link", "https://evil", "style=",
                "<object", "gradebook.db\""):  # fmt: skip
        assert bad not in lowered, (attack, cleaned)
    assert "<p>answer</p>" in cleaned


def test_rich_outputs_are_cut_to_plain_kinds():
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
    cell = nbformat.v4.new_code_cell("plot()")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"image/png": png, "text/plain": "<Figure>"},
            metadata={"image/png": {"width": 300, "height": '"><script>'}},
        ),
        nbformat.v4.new_output("display_data", data={"image/png": '" onerror="alert(1)'}),
        nbformat.v4.new_output("display_data", data={"application/javascript": "alert(1)"}),
        nbformat.v4.new_output(
            "display_data", data={"application/vnd.jupyter.widget-view+json": {"model_id": "x"}}
        ),
        nbformat.v4.new_output(
            "display_data", data={"image/svg+xml": '<svg onload="alert(1)"><script/></svg>'}
        ),
    ]
    notebook = nbformat.v4.new_notebook(cells=[cell])
    pages.prepare(notebook, learner_cell=lambda c: True)
    figure, fake, script, widget, svg = cell.outputs
    assert figure["data"]["image/png"] == png  # the learner's figure is kept
    assert figure["metadata"] == {"image/png": {"width": 300}}
    assert "image/png" not in fake["data"]
    assert script["data"] == {}
    assert widget["data"] == {}
    assert svg["data"]["text/html"].startswith('<img src="data:image/svg+xml;base64,')
    assert pages.clean(svg["data"]["text/html"]).startswith('<img src="data:image/svg+xml')
    page = pages.assemble(
        '<html><head><script src="https://cdn.example/mathjax.js"></script>'
        "<style>.x{}</style></head><body><p>hi</p><script>evil()</script></body></html>",
        "title",
        "<div>summary</div>",
    )
    assert "Content-Security-Policy" in page
    assert "default-src 'none'" in page
    assert "<script" not in page
    assert "cdn.example" not in page
    assert "<style>.x{}</style>" in page
    assert "<div>summary</div>" in page


def test_due_dates_and_extensions_refuse_bad_input_with_a_message(course):
    root = course.root
    for args, message in [
        (["due", "ps1", "next Friday"], "is not a date and time"),
        (["due", "ps1", "2026-03-10 17:00", "--timezone", "Mars/Olympus"], "unknown time zone"),
        (["due", "ps1", "--late-policy", "half"], "unknown late policy"),
        (["due", "ps2", "2026-03-10 17:00"], "no lab called 'ps2'"),
        (["extend", "ps1", "nobody", "--days", "1"], "no learner 'nobody'"),
    ]:
        run = invoke(*args, "--course", root)
        assert run.exit_code == 1, args
        assert message in run.output, (args, run.output)
    run = invoke("due", "ps1", "2026-03-10 17:00", "--timezone", "Africa/Gaborone",
                 "--late-policy", "per-day:25", "--course", root)  # fmt: skip
    assert "ps1: due 2026-03-10 17:00 CAT" in run.output
    invoke("extend", "ps1", "b002", "--days", "1", "--hours", "2", "--course", root)
    shown = invoke("due", "ps1", "--course", root).output
    assert "late policy: per-day:25" in shown
    assert "extension for b002: 1 day 2 h" in shown
    with Gradebook(course.db_url) as gb:  # nbgrader's own tools see the due date too
        assert str(gb.find_assignment("ps1").duedate) == "2026-03-10 15:00:00"


def test_the_late_policies_are_nbgraders_plugins():
    from nbgrader.plugins import LateSubmissionPlugin

    from grader.cohort import deadlines

    day = 86_400
    per_day = deadlines.plugin_for("per-day:10")
    assert isinstance(per_day, LateSubmissionPlugin)
    assert per_day.late_submission_penalty("s", 10.0, 1) == pytest.approx(1.0)
    assert per_day.late_submission_penalty("s", 10.0, day + 1) == pytest.approx(2.0)
    assert per_day.late_submission_penalty("s", 10.0, 30 * day) == 10.0  # never more than it
    assert deadlines.plugin_for("zero").late_submission_penalty("s", 7.0, 5) == 7.0
    assert deadlines.plugin_for("none").late_submission_penalty("s", 7.0, 5) is None
    assert deadlines.duration(5 * 3600 + 59 * 60) == "5 h 59 min"
    assert deadlines.duration(90_000) == "1 day 1 h"
