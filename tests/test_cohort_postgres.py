"""A gradebook on a PostgreSQL server (``init --db``), end to end, against the SQLite default.

A throwaway server is started for the module (see ``pg_server``); without PostgreSQL's server
binaries the end-to-end test is skipped with the reason. The messages for a wrong address run
everywhere.
"""

from __future__ import annotations

import csv
import os

import pytest
from click.testing import CliRunner
from cohort_cases import build_cases
from pg_server import missing_reason, running, url

from grader.cli import main
from grader.cohort import gradebook_db
from grader.errors import GraderError

LAB = "lab01-meet-the-data"
CASES = ("perfect", "partial", "wrong", "liar", "malformed")
HANDED_IN = 1_772_445_600  # 2026-03-02 10:00 UTC


def _cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _grade_small_cohort(built, root, db_url: str | None) -> dict:
    """init → roster import → collect → autograde → report, through the commands."""
    course = root / "course"
    _cli(
        "init",
        str(course),
        "--build-dir",
        str(built.paths.root),
        *(["--db", db_url] * bool(db_url)),
    )
    cases = [c for c in build_cases(course, LAB) if c.name in CASES]
    roster = root / "roster.csv"
    roster.write_text(
        "id,name,email\n"
        + "".join(f"{c.name},Learner {c.name},{c.name}@example.org\n" for c in cases),
        encoding="utf-8",
    )
    _cli("roster", "import", str(roster), "--course", str(course))
    handed_in = root / "hand-ins"
    for case in cases:
        (handed_in / case.name).mkdir(parents=True)
        (handed_in / case.name / f"{LAB}.ipynb").write_bytes(case.content)
        # The file's time is when it was handed in (the report shows it): the same in both runs.
        os.utime(handed_in / case.name / f"{LAB}.ipynb", (HANDED_IN, HANDED_IN))
    _cli("collect", LAB, str(handed_in), "--course", str(course))
    _cli("autograde", LAB, "--timeout", "10", "--workers", "2", "--course", str(course))
    _cli("report", LAB, "--out", str(root / "reports"), "--course", str(course))
    with open(root / "reports" / f"{LAB}-grades.csv", encoding="utf-8-sig") as handle:  # BOM
        return {row["id"]: row for row in csv.DictReader(handle)}


@pytest.mark.slow
def test_a_postgresql_gradebook_grades_like_sqlite(built, tmp_path):
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    with running("cohort7") as server:
        # The short spelling most trainers will type; the course tools pick the driver.
        address = url(server, "cohort7")
        on_server = _grade_small_cohort(built, tmp_path / "pg", address)
        import psycopg

        with psycopg.connect(host=str(server), port=5432, user="postgres", dbname="cohort7") as db:
            stored = dict(
                db.execute("SELECT student_id, count(*) FROM submitted_assignment GROUP BY 1")
            )
    in_file = _grade_small_cohort(built, tmp_path / "sqlite", None)
    assert set(on_server) == set(CASES)
    assert set(stored) == set(CASES)  # the grades really are in the server's database
    for learner, row in in_file.items():
        assert row == on_server[learner], learner
    assert float(on_server["perfect"]["total"]) > float(on_server["partial"]["total"]) > 0
    assert on_server["malformed"]["status"] == "malformed"


def test_postgres_urls_use_the_installed_driver():
    assert gradebook_db.normalise("postgresql://t@db/c7").startswith("postgresql+psycopg://")
    assert gradebook_db.normalise("postgres://t:pw@db:5433/c7") == (
        "postgresql+psycopg://t:pw@db:5433/c7"
    )
    assert gradebook_db.normalise("sqlite:////x/gradebook.db") == "sqlite:////x/gradebook.db"
    with pytest.raises(GraderError, match=r"psycopg2.*not installed"):
        gradebook_db.normalise("postgresql+psycopg2://t@db/c7")
    assert "secret" not in gradebook_db.safe("postgresql://t:secret@db/c7")


@pytest.mark.parametrize(
    ("address", "message", "advice"),
    [
        ("not a url", "is not a database URL", "SQLAlchemy URL"),
        ("nosuchdb://x/y", "kind of database", "postgresql://"),
        ("postgresql://t:secret@127.0.0.1:1/c7", "cannot open the gradebook", "server is running"),
        ("postgresql://t@/c7?host=/nonexistent-socket-dir", "cannot open the gradebook", "server"),
        ("sqlite:////nonexistent-folder/gradebook.db", "cannot open", "folder of the SQLite"),
    ],
)
def test_a_wrong_database_address_gives_a_message(built, tmp_path, address, message, advice):
    result = CliRunner().invoke(
        main, ["init", str(tmp_path / "c"), "--build-dir", str(built.paths.root), "--db", address]
    )
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "what to do: " in result.output
    assert advice in result.output
    assert "Traceback" not in result.output
    assert "secret" not in result.output


def test_a_missing_database_on_a_running_server_says_to_create_it(built, tmp_path):
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    with running("other") as server:
        result = CliRunner().invoke(
            main,
            [
                "init",
                str(tmp_path / "c"),
                "--build-dir",
                str(built.paths.root),
                "--db",
                url(server, "cohort9"),
            ],
        )
    assert result.exit_code == 1, result.output
    assert 'database "cohort9" does not exist' in result.output
    assert "createdb" in result.output
