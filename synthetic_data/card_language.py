"""The data cards in other languages than English: a gettext catalogue per language.

A catalogue maps each English template of ``card_texts`` (before any number is put in) to its
translation, so one translation serves every seed and size, and a test can find any English
template that changed without its translation. Babel reads it (the book's Sphinx needs Babel
anyway); it is imported only for a language other than English, so the English cards need
nothing more than before.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from functools import cache
from pathlib import Path

from .errors import SyntheticDataError

LANGUAGES = ("en", "es")
LOCALES = Path(__file__).parent / "locales"


def catalogue_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / "data_cards.po"


@cache
def catalogue(language: str) -> dict[str, str]:
    """English template -> translation, for the entries that are translated and not fuzzy."""
    from babel.messages.pofile import read_po

    with catalogue_path(language).open("rb") as handle:
        messages = read_po(handle, locale=language)
    return {m.id: m.string for m in messages if m.id and m.string and not m.fuzzy}


def placeholders(template: str) -> set[tuple[str, str | None, str]]:
    """The ``{field!conversion:spec}`` parts of a ``str.format`` template."""
    return {
        (field, conversion, spec or "")
        for _, field, spec, conversion in string.Formatter().parse(template)
        if field is not None
    }


def translator(language: str) -> Callable[[str], str]:
    """A function from an English template to the same template in ``language``."""
    if language not in LANGUAGES:
        raise SyntheticDataError(
            f"no data cards in language {language!r}; choose one of: {', '.join(LANGUAGES)}"
        )
    if language == "en":
        return str

    def translate(text: str) -> str:
        try:
            return catalogue(language)[text]
        except KeyError:
            # A half-translated card would pass for a finished one: fail instead.
            raise SyntheticDataError(
                f"the data cards' {language} catalogue ({catalogue_path(language)}) has no "
                f"translation of {text!r}"
            ) from None

    return translate
