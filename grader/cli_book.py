"""The book's translations on the command line: ``python -m grader translate``."""

from __future__ import annotations

from pathlib import Path

import click

from .paths import DEFAULT_BUILD


def register(main: click.Group, fail) -> None:
    @main.command()
    @click.option(
        "--language",
        "languages",
        multiple=True,
        type=click.Choice(["es"]),
        default=("es",),
        show_default=True,
        help="The language whose catalogues to update (repeatable).",
    )
    @click.option(
        "--build-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=DEFAULT_BUILD,
        show_default=True,
        help="A build whose labs the book shows (run `python -m grader build` once first).",
    )
    def translate(languages: tuple[str, ...], build_dir: Path) -> None:
        """Update the book's translation catalogues from the English text.

        Extracts every page's messages (Sphinx's gettext builder) and merges them into
        book/locales/LANG/LC_MESSAGES/PAGE.po (sphinx-intl). A changed English paragraph comes
        back fuzzy and a new one untranslated; the report says, per page, how many messages
        are translated, fuzzy and untranslated. See i18n/README.md.
        """
        from .pipeline import translate as run_translate

        try:
            run_translate(build_dir=build_dir, languages=languages, echo=click.echo)
        except Exception as exc:  # noqa: BLE001 - the one place that turns crashes into messages
            fail(exc, build_dir)
