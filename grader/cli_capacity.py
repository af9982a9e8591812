"""The capacity self-assessment on the command line: ``python -m grader capacity ...``.

Registered on the main command group by ``grader.cli`` (``register``), which passes its
helper in, so this module never imports it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli_options import language_option


def register(main, _run) -> None:
    @main.group()
    def capacity() -> None:
        """The capacity self-assessment (book page: Capacity self-assessment)."""

    @capacity.command("report")
    @click.argument("folder", type=click.Path(path_type=Path))
    @click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder for the CSVs and charts (default: FOLDER/capacity-report).",
    )
    @language_option("Language of the CSV headers, titles and chart labels (values stay the same).")
    def capacity_report(folder: Path, out: Path | None, language: str) -> None:
        """Read every saved self-assessment (.json) in FOLDER and write a cohort report.

        Files are grouped by the round saved in them (before or after a course). Writes
        capacity-areas.csv (mean level per step and role, before and after, the change, the gaps
        that remain with resources to close them), capacity-responses.csv, capacity-statements.csv
        and two charts. A file that cannot be used is named with the reason and skipped.
        """
        from .capacity import load_catalogue, load_instrument
        from .capacity.report import cohort_report, summary

        def action():
            instrument = load_instrument()
            report = cohort_report(
                folder,
                out or Path(folder) / "capacity-report",
                instrument,
                load_catalogue(instrument),
                language,
            )
            for line in summary(report):
                click.echo(line)
            for path in report.files:
                click.echo(f"✓ {path}")

        _run(folder, action)

    @capacity.command("translations")
    @click.option("--language", default="es", show_default=True, help="The catalogue to update.")
    def capacity_translations(language: str) -> None:
        """Update capacity/locales/LANGUAGE/LC_MESSAGES/capacity.po from the English.

        New English strings come in empty and changed ones are marked fuzzy (out of date); then
        every entry still to translate or check is listed. Exits 1 while any is left.
        """
        from .capacity import load_catalogue, load_instrument, translation

        def action():
            instrument = load_instrument()
            catalogue = load_catalogue(instrument)
            path = translation.update(language, instrument, catalogue)
            click.echo(f"✓ {path}")
            left = translation.problems(language, instrument, catalogue)
            for line in left:
                click.echo(f"  - {line}")
            if left:
                click.echo(f"{len(left)} entr(ies) to translate or check.")
                sys.exit(1)

        _run(Path.cwd(), action)
