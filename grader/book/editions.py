"""The book's editions (one per language): where each is staged, built and printed.

English is the source: its catalogues of messages are what the Spanish edition translates
(``book/locales/es/LC_MESSAGES``, Sphinx's gettext). English keeps the paths it always had
(``_build/html``). Spanish is staged and built beside it, with its own Sphinx environment, and
copied to ``_build/html/es`` so that one folder holds the whole site: MyST-NB writes executed
notebooks next to Sphinx's output folder (``<out>/../jupyter_execute``), so Sphinx must not
write into a folder inside the English HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import GraderError
from ..paths import ROOT, BuildPaths

SOURCE = "en"
LANGUAGES = ("en", "es")
# What a reader clicks to read the same page in another edition, in that edition's language.
NAMES = {"en": "English", "es": "Español"}
# Where each edition's catalogues live, relative to the book's folder (Sphinx's locale_dirs).
LOCALE_DIR = "locales"
# Pages whose translation is not finished yet: one docname a line, '#' starts a comment.
I18N = ROOT / "i18n"
PDF_STEM = "unlocking-private-data"
# Folders of pages the build generates in each edition's own language (each lab's student
# version, from the lab's catalogue in labs/<id>/locales; the data cards, from synthetic_data's
# Spanish templates). They have no book catalogue: gettext would translate them twice.
NATIVE = ("labs", "appendix/data")


def is_native(docname: str) -> bool:
    """Whether ``docname`` is written by the build in each edition's language."""
    return any(docname == f or docname.startswith(f + "/") for f in NATIVE)


def pdf_name(language: str) -> str:
    """The whole book's PDF in ``language``, e.g. ``unlocking-private-data-es.pdf``."""
    return f"{PDF_STEM}.pdf" if language == SOURCE else f"{PDF_STEM}-{language}.pdf"


def pending_file(language: str) -> Path:
    return I18N / f"{language}-pending.txt"


def pending_pages(language: str) -> list[str]:
    """The pages of ``language`` still shown in English (empty for the source language)."""
    path = pending_file(language)
    if language == SOURCE or not path.exists():
        return []
    lines = (line.split("#", 1)[0].strip() for line in path.read_text("utf-8").splitlines())
    return [line for line in lines if line]


def check_languages(languages: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The languages asked for, in the build's order (English first), each once."""
    unknown = sorted(set(languages) - set(LANGUAGES))
    if unknown:
        raise GraderError(
            f"the book has no edition in {', '.join(unknown)}",
            "choose among: " + ", ".join(LANGUAGES),
        )
    return tuple(lang for lang in LANGUAGES if lang in languages)


@dataclass(frozen=True)
class Edition:
    """One language's edition of the book, inside a build folder."""

    paths: BuildPaths
    language: str = SOURCE

    @property
    def is_source(self) -> bool:
        return self.language == SOURCE

    def _own(self, name: str) -> Path:
        # English keeps the folders it always had; other editions get a folder of their own.
        return self.paths.root / name if self.is_source else self.paths.root / self.language / name

    @property
    def staging(self) -> Path:
        return self.paths.book_source if self.is_source else self._own("book-src")

    @property
    def doctrees(self) -> Path:
        return self._own("doctrees")

    @property
    def sphinx_out(self) -> Path:
        """Where Sphinx writes this edition's HTML."""
        return self._own("html")

    @property
    def html(self) -> Path:
        """Where a reader finds it: English at the top, the others in a folder each."""
        return self.paths.html if self.is_source else self.paths.html / self.language

    @property
    def single_page_out(self) -> Path:
        return self._own("pdf-html")

    @property
    def pdf_name(self) -> str:
        return pdf_name(self.language)

    @property
    def log_suffix(self) -> str:
        return "" if self.is_source else f"-{self.language}"
