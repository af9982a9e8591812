"""Command line for trainers and authors: ``python -m grader COMMAND`` (thin over the library)."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click

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
    "--build-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_BUILD,
    show_default=True,
    help="Where every output goes.",
)
def build(only: str | None, seed: int | None, no_book: bool, no_pdf: bool, build_dir: Path) -> None:
    """Generate data, compile and gate every lab, pack zips, build the book.

    Outputs: BUILD_DIR/course (nbgrader course: source, release, solution),
    BUILD_DIR/zips (one zip per lab for learners), BUILD_DIR/html (the book) and
    BUILD_DIR/html/unlocking-private-data.pdf (the whole book, if Chromium is installed).
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
        )
    except Exception as exc:  # noqa: BLE001 - the one place that turns crashes into messages
        _fail(exc, build_dir)
