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
        are translated, fuzzy and untranslated. The labs' catalogues
        (labs/ID/locales/LANG/LC_MESSAGES/ID.po) are updated the same way. See i18n/README.md.
        """
        from .build import lab_i18n
        from .build.labsource import find_labs, read_lab
        from .paths import LABS
        from .pipeline import translate as run_translate

        try:
            # The labs' catalogues first: they need no build (labs/<id>/locales/LANG/...).
            sources = find_labs(LABS)
            notebooks = [read_lab(path).notebook for path in sources]
            for language in languages:
                click.echo(f"Labs ({language}):")
                for line in lab_i18n.update_labs(sources, notebooks, language):
                    click.echo(line)
            run_translate(build_dir=build_dir, languages=languages, echo=click.echo)
        except Exception as exc:  # noqa: BLE001 - the one place that turns crashes into messages
            fail(exc, build_dir)
