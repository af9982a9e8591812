"""Command line for trainers and authors: ``python -m grader COMMAND`` (thin over the library)."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click

from .cli_book import register as register_book_commands
from .cli_capacity import register as register_capacity_commands
from .cli_hub import register as register_hub_commands
from .cli_options import language_option
from .cli_trainer import register as register_trainer_commands
from .errors import GraderError
from .paths import DEFAULT_BUILD


def _fail(exc: BaseException, build_dir: Path) -> None:
    if isinstance(exc, GraderError):
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    # Anything else is a bug in this tool: keep the traceback in a file, not on the screen.
    log = Path(build_dir) / "logs" / "grader-crash.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
    click.echo(
        f"error: unexpected {type(exc).__name__}: {exc}\n"
        f"  what to do: this is a bug in the course tools; please report it with {log}",
        err=True,
    )
    sys.exit(70)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Build and grade the course's labs (nbgrader underneath)."""


@main.command()
@click.option("--only", metavar="LAB", help="Rebuild one lab (e.g. lab01-meet-the-data).")
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    help="A cohort seed: different numbers and answers from the public build.",
)
@click.option("--no-book", is_flag=True, help="Build data and labs only, not the book.")
@click.option(
    "--no-pdf", is_flag=True, help="Skip the whole-book PDF (printed with headless Chromium)."
)
@click.option(
    "--language",
    "languages",
    multiple=True,
    type=click.Choice(["en", "es"]),
    help="Build this edition of the book only (repeatable); default: English and Spanish.",
)
@click.option(
    "--build-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_BUILD,
    show_default=True,
    help="Where every output goes.",
)
def build(only, seed, no_book, no_pdf, languages, build_dir: Path) -> None:
    """Generate data, compile and gate every lab, pack zips, build the book.

    Outputs: BUILD_DIR/course (nbgrader course: source, release, solution),
    BUILD_DIR/zips (one zip per lab for learners), BUILD_DIR/html (the book; its Spanish
    edition in BUILD_DIR/html/es) and BUILD_DIR/html/unlocking-private-data.pdf (the whole
    book, if Chromium is installed; Spanish: html/es/unlocking-private-data-es.pdf).
    """
    from .pipeline import build as run_build

    try:
        run_build(
            build_dir=build_dir,
            only=only,
            seed=seed,
            with_book=not no_book,
            with_pdf=not no_pdf,
            echo=click.echo,
            **({"languages": tuple(languages)} if languages else {}),
        )
    except Exception as exc:  # noqa: BLE001 - the one place that turns crashes into messages
        _fail(exc, build_dir)


# The book's translations (translate).
register_book_commands(main, _fail)


# --- Running a cohort --------------------------------------------------------------------------

DEFAULT_COURSE = Path("cohort")
_language_option = language_option(
    "The student version's language: same cells, tests and points in each."
)
_course_option = click.option(
    "--course",
    "course_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_COURSE,
    envvar="GRADER_COURSE",
    show_default=True,
    help="The course folder made by `init` (or set GRADER_COURSE).",
)


def _run(course_dir: Path, action) -> None:
    try:
        action()
    except Exception as exc:  # noqa: BLE001 - the one place that turns crashes into messages
        _fail(exc, Path(course_dir))


def _open(course_dir: Path):
    from .cohort import open_cohort

    return open_cohort(course_dir)


# A trainer's own assignments, due dates and extensions (add, due, extend).
register_trainer_commands(main, _run, _open, _course_option)
# A cohort on a JupyterHub (hub init, start, release, collect, feedback …).
register_hub_commands(main, _run, _open, _course_option)

# The capacity self-assessment: the cohort report and the pages' translations.
register_capacity_commands(main, _run)


@main.command()
@click.argument(
    "course_dir", metavar="[DIR]", default=DEFAULT_COURSE, type=click.Path(path_type=Path)
)
@click.option(
    "--build-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_BUILD,
    show_default=True,
    help="The build whose labs the course uses (run `build --seed N` first for a cohort), "
    "or an nbgrader course folder whose source/ assignments to use.",
)
@click.option(
    "--db",
    "db_url",
    metavar="URL",
    help="Gradebook database as an SQLAlchemy URL (default: SQLite file DIR/gradebook.db; "
    "e.g. postgresql://user@host/course for several trainers).",
)
def init(course_dir: Path, build_dir: Path, db_url: str | None) -> None:
    """Make a course folder DIR (default: ./cohort) from the labs of a build.

    It holds nbgrader's configuration, each lab's source and student version, and the
    gradebook. Running it again refreshes the labs and keeps learners and grades.
    """
    from .cohort import init as run_init

    def action():
        click.echo(f"Setting up the course folder {course_dir}")
        run_init(course_dir, build_dir, db_url, echo=click.echo)
        click.echo("Next: `python -m grader roster import roster.csv`")

    _run(course_dir, action)


@main.group()
def roster() -> None:
    """The learners of the course."""


@roster.command("import")
@click.argument("csv_file", metavar="ROSTER.CSV", type=click.Path(path_type=Path))
@_course_option
def roster_import(csv_file: Path, course_dir: Path) -> None:
    """Add or update learners from a CSV file with columns id,name,email (optional: lms_id).

    Bad rows are reported by line number; every good row is still imported.
    """
    from .cohort.roster import import_roster

    def action():
        result = import_roster(_open(course_dir), csv_file)
        click.echo(f"{len(result.learners)} learner(s) imported from {csv_file}")
        if result.problems:
            click.echo(f"{len(result.problems)} row(s) skipped; fix them and import again:")
            for problem in result.problems:
                click.echo(f"  - {problem}")
            sys.exit(1)

    _run(course_dir, action)


@roster.command("list")
@_course_option
def roster_list(course_dir: Path) -> None:
    """Print the learners in the gradebook."""
    from .cohort.roster import learners

    def action():
        for learner in learners(_open(course_dir)):
            click.echo(f"{learner.id}\t{learner.name}\t{learner.email}")

    _run(course_dir, action)


@main.command()
@click.argument("lab")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Zip to write.")
@_language_option
@_course_option
def release(lab: str, out: Path | None, language: str, course_dir: Path) -> None:
    """Pack LAB's student version (notebook, data, checks, README) as a zip for learners, in
    English or Spanish (zips/es/); one cohort may mix them. Checked for leaks first."""
    from .cohort.release import release as run_release

    _run(course_dir, lambda: click.echo(f"✓ {run_release(_open(course_dir), lab, out, language)}"))


@main.command()
@click.argument("lab")
@click.argument("source", type=click.Path(path_type=Path))
@_course_option
def collect(lab: str, source: Path, course_dir: Path) -> None:
    """Take LAB's hand-ins from SOURCE (a folder or an LMS bulk-download zip).

    Understands Moodle's and Canvas's file names and plain <learner id>/ folders; matches files
    to the roster by id, name or email; keeps the latest per learner with its time. Unknown
    names, duplicates and other files are listed, never dropped silently; a changed
    resubmission moves the previous file to submitted-archive/.
    """
    from .cohort.collect import collect as run_collect

    def action():
        result = run_collect(_open(course_dir), lab, source)
        for line in result.lines():
            click.echo(line)
        click.echo(f"Log: {result.log}")

    _run(course_dir, action)


@main.command()
@click.argument("lab")
@click.option(
    "--student",
    "students",
    multiple=True,
    metavar="ID",
    help="Grade only this learner (repeatable); implies --force for them.",
)
@click.option("--force", is_flag=True, help="Regrade submissions that are already graded.")
@click.option(
    "--workers", type=click.IntRange(min=1), help="Parallel workers (default: one per core)."
)
@click.option(
    "--timeout",
    type=click.IntRange(min=1),
    default=60,
    show_default=True,
    help="Seconds a cell may run.",
)
@click.option(
    "--memory",
    type=click.IntRange(min=256),
    default=4096,
    show_default=True,
    help="Memory (address space) limit per process, in MB.",
)
@click.option(
    "--budget-factor",
    type=click.FloatRange(min=0),
    default=2.0,
    show_default=True,
    help="Time budget of one submission, as a multiple of the solution's time at the build "
    "(0: no budget, only --timeout per cell).",
)
@click.option(
    "--budget-margin",
    type=click.IntRange(min=0),
    default=60,
    show_default=True,
    help="Seconds added to that budget.",
)
@_course_option
def autograde(
    lab, students, force, workers, timeout, memory, budget_factor, budget_margin, course_dir
) -> None:
    """Grade LAB's collected submissions, in parallel, each in a sandbox.

    Each learner's code runs in a sandbox that sees only their notebook and the lab's data;
    the tests (hidden ones included) then run in a separate Python on the answers exported
    from it, and call the learner's functions in their own sandbox, with arguments and results
    sent as data. All of a learner's work shares one time budget. Every submission gets a
    status: graded, flagged (graded, but look: the reason says why), timeout, crashed,
    malformed or error. Already graded submissions are skipped unless --force.
    """
    from .cohort.autograde import autograde as run_autograde
    from .sandbox import Limits

    def action():
        outcome = run_autograde(
            _open(course_dir),
            lab,
            students=list(students),
            force=force or bool(students),
            workers=workers,
            limits=Limits(
                cell_timeout=timeout,
                memory_mb=memory,
                budget_factor=budget_factor,
                budget_margin=budget_margin,
            ),
            echo=click.echo,
        )
        if outcome.problems:
            sys.exit(3)

    _run(course_dir, action)


@main.command()
@click.argument("lab")
@click.option(
    "--student", "students", multiple=True, metavar="ID", help="Only this learner (repeatable)."
)
@click.option(
    "--allow-ungraded",
    is_flag=True,
    help="Also write pages for learners whose written answers are not graded yet (the page "
    "says so).",
)
@_course_option
def feedback(lab, students, allow_ungraded, course_dir) -> None:
    """Write HTML feedback for each graded learner of LAB into feedback/<id>/<lab>/.

    Each page shows the learner's answers, their scores and a plain-language note under every
    failed check. Hidden tests' code never appears, no script runs and nothing is loaded from
    the network. Learners whose written answers are not graded yet get no page unless
    --allow-ungraded.
    """
    from .cohort.feedback import feedback as run_feedback

    def action():
        run = run_feedback(_open(course_dir), lab, list(students), allow_ungraded)
        for path in run.pages:
            click.echo(f"✓ {path}")
        if run.waiting:
            click.echo(
                f"{len(run.waiting)} learner(s) have written answers not graded yet, so no "
                f"page was written for them: {', '.join(run.waiting)}\n  what to do: grade "
                "them in nbgrader's formgrader, then run feedback again (or add "
                "--allow-ungraded to send pages that say so)"
            )
        for problem in run.failed:
            click.echo(f"  - {problem}")
        if run.waiting or run.failed:
            sys.exit(1)

    _run(course_dir, action)


@main.command()
@click.argument("lab", required=False)
@click.option("--all", "all_labs", is_flag=True, help="Every lab of the course.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the files (default: COURSE/reports).",
)
@_course_option
def report(lab, all_labs, out, course_dir) -> None:
    """Export grades as CSV for an LMS (one row per learner) plus an item analysis.

    For each lab: <lab>-grades.csv (per-question scores, total, status), <lab>-items.csv (the
    share of learners passing each test) and <lab>-items.png (a plot of it). With --all, also
    all-labs.csv with one column per lab.
    """
    from .cohort.report import report as run_report

    def action():
        if not lab and not all_labs:
            raise GraderError("say which lab to report on", "give LAB, or --all for every lab")
        for path in run_report(_open(course_dir), None if all_labs else lab, out):
            click.echo(f"✓ {path}")

    _run(course_dir, action)


@main.command()
@click.argument("notebook", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--timeout",
    type=click.IntRange(min=1),
    default=120,
    show_default=True,
    help="Seconds a cell may run.",
)
def check(notebook: Path, timeout: int) -> None:
    """For learners: run NOTEBOOK's visible checks and print which pass, with hints.

    Run it next to the lab's data/ folder and lab_checks.py (as unzipped). The trainer's
    grading also runs hidden checks, which are not in your copy, so passing here is a good
    sign, not a guarantee.
    """
    from .cohort.selfcheck import check as run_check

    def action():
        ok = run_check(notebook, timeout, echo=click.echo)
        sys.exit(0 if ok else 1)

    _run(notebook.parent, action)
