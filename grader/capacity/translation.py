"""The capacity pages in other languages: a gettext catalogue per language, keyed by English.

Everything a reader sees comes from two places: the YAML data (statements, anchors, level
names, steps, roles, each resource's description) and the strings of the page code (labels,
buttons, the script's messages). Both are translated in one catalogue,
``capacity/locales/<language>/LC_MESSAGES/capacity.po``:

- data strings carry a context naming the item they belong to (``anchor:need-01:2``), so that
  two items with the same English never share a translation by accident;
- code strings are marked ``N_("...")`` in the modules listed in ``SOURCES`` and found there
  by babel's extractor, as gettext tools do.

Because the key is the English text, an English string that changes no longer finds its
translation: ``update`` (``python -m grader capacity translations``) merges the catalogue with
babel, which marks the nearest old translation fuzzy (out of date) for a translator to check,
and ``problems`` lists every missing, empty or fuzzy entry (tests/test_capacity_translation.py
fails on any). At build time, such an entry falls back to English rather than breaking the
page. Ids, levels and the saved file never go through this module: only the text changes.
"""

from __future__ import annotations

import copy
import re
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from ..paths import BOOK, LABS
from .catalogue import DATA, Catalogue, Instrument

LOCALES = DATA / "locales"
DOMAIN = "capacity"
HERE = Path(__file__).parent
# Modules whose reader-facing strings (and the trainer's report's) are marked with N_ (the page script's strings included).
SOURCES = (HERE / "page.py", HERE / "sphinx_pages.py", HERE / "report.py")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
HEADER = """\
# The capacity self-assessment and resource catalogue (capacity/*.yaml and the page code), in
# {language}. Keyed by the English text; a context names the YAML item (statement:need-01).
# After changing English text, run `python -m grader capacity translations`: new entries come
# in empty, changed ones fuzzy (out of date) until a translator checks them and clears the flag.
# Resource titles and publishers stay in their own language and are not here.
#"""


def N_(text: str) -> str:  # the gettext convention's name, which the extractor looks for
    """Mark ``text`` for translation where it is defined; translate it where it is shown."""
    return text


def po_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def data_messages(instrument: Instrument, catalogue: Catalogue) -> list[tuple[str, str]]:
    """(context, English) for every text of the YAML that a reader sees, in file order.

    Resource titles and publishers are not here: they stay in their own language.
    """
    found = [(f"scale:{s['level']}", s["name"]) for s in instrument.raw["scale"]]
    found += [(f"step:{s['id']}", s["title"]) for s in instrument.steps]
    found += [(f"role:{r['id']}", r["title"]) for r in instrument.roles]
    for statement in instrument.statements:
        found.append((f"statement:{statement['id']}", statement["text"]))
        found += [
            (f"anchor:{statement['id']}:{level}", anchor)
            for level, anchor in enumerate(statement["anchors"])
        ]
    found += [(f"resource:{r['id']}", r["about"]) for r in catalogue.resources]
    return found


def code_messages() -> list[str]:
    """The strings marked ``N_`` in ``SOURCES``, in order, each once."""
    found: dict[str, None] = {}
    for path in SOURCES:
        for _line, message, _comments, _context in extract_from_file(
            "python", str(path), keywords={"N_": None}
        ):
            found[message] = None
    return list(found)


def template(instrument: Instrument, catalogue: Catalogue) -> Catalog:
    """Every English message, as an empty catalogue (what a translation must cover)."""
    cat = Catalog(domain=DOMAIN, project="capacity", fuzzy=False)
    for context, text in data_messages(instrument, catalogue):
        cat.add(text, context=context, locations=[("capacity", 0)])
    for text in code_messages():
        cat.add(text, locations=[("grader/capacity", 0)])
    return cat


def read(language: str) -> Catalog | None:
    path = po_path(language)
    if not path.exists():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def update(language: str, instrument: Instrument, catalogue: Catalogue) -> Path:
    """Bring the catalogue in line with the English: new entries empty, changed ones fuzzy."""
    path = po_path(language)
    current = read(language) or Catalog(locale=language, domain=DOMAIN, fuzzy=False)
    created = current.creation_date  # kept, so that an update with no change changes nothing
    current.update(template(instrument, catalogue), update_header_comment=False)
    current.creation_date = created
    current.header_comment = HEADER.format(language=language)
    current.project, current.version = "capacity", instrument.version
    current.fuzzy = False
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(
            handle, current, width=100, omit_header=False, ignore_obsolete=True, no_location=True
        )
    return path


def problems(language: str, instrument: Instrument, catalogue: Catalogue) -> list[str]:
    """Every English message without a usable translation, and every placeholder mismatch."""
    translated = read(language)
    if translated is None:
        return [f"{po_path(language)} does not exist; run python -m grader capacity translations"]
    found = []
    for message in template(instrument, catalogue):
        if not message.id:
            continue
        where = f"{message.context or 'page'}: {message.id[:70]!r}"
        have = translated.get(message.id, message.context)
        if have is None or not have.string:
            found.append(f"{where} has no translation")
        elif have.fuzzy:
            found.append(
                f"{where} is fuzzy (its English changed, or it is a guess: check it and clear the flag)"
            )
        elif sorted(PLACEHOLDER.findall(message.id)) != sorted(PLACEHOLDER.findall(have.string)):
            found.append(f"{where}: the translation's {{placeholders}} differ")
    return found


class Translator:
    """Text in one language; English (the text itself) wherever a translation is missing."""

    def __init__(self, language: str | None):
        self.language = language or "en"
        self._catalog = None if self.language == "en" else read(self.language)

    def __call__(self, text: str, context: str | None = None) -> str:
        if self._catalog is None:
            return text
        message = self._catalog.get(text, context)
        if message is None or not message.string or message.fuzzy:
            return text
        return message.string

    def instrument(self, instrument: Instrument) -> Instrument:
        """The instrument with its text in this language (ids, levels and order unchanged)."""
        raw = copy.deepcopy(instrument.raw)
        raw["language"] = self.language
        for level in raw["scale"]:
            level["name"] = self(level["name"], f"scale:{level['level']}")
        for kind, areas in (("step", raw["steps"]), ("role", raw["roles"])):
            for area in areas:
                area["title"] = self(area["title"], f"{kind}:{area['id']}")
        for statement in raw["statements"]:
            sid = statement["id"]
            statement["text"] = self(statement["text"], f"statement:{sid}")
            statement["anchors"] = [
                self(anchor, f"anchor:{sid}:{level}")
                for level, anchor in enumerate(statement["anchors"])
            ]
        return Instrument(raw)

    def catalogue(self, catalogue: Catalogue) -> Catalogue:
        raw = copy.deepcopy(catalogue.raw)
        for resource in raw["resources"]:
            resource["about"] = self(resource["about"], f"resource:{resource['id']}")
        return Catalogue(raw)

    def lesson_title(self, doc: str, english: str) -> str:
        """A lesson's heading from the book's own catalogue for that page (one translation)."""
        return _book_heading(self.language, doc, english) or english

    def lab_title(self, lab_id: str, english: str) -> str:
        """A lab's title from the first heading of the lab's own Spanish catalogue."""
        return _lab_heading(self.language, lab_id, english) or english


@cache
def _book_heading(language: str, doc: str, english: str) -> str | None:
    path = BOOK / "locales" / language / "LC_MESSAGES" / f"{doc}.po"
    if language == "en" or not path.exists():
        return None
    with path.open("rb") as handle:
        message = read_po(handle, locale=language).get(english)
    if message is None or not message.string or message.fuzzy:
        return None
    return message.string.replace("\\", "")  # MyST escapes ("1\\.") are not part of the title


@cache
def _lab_heading(language: str, lab_id: str, english: str) -> str | None:
    path = LABS / lab_id / "locales" / language / "LC_MESSAGES" / f"{lab_id}.po"
    if language == "en" or not path.exists():
        return None
    with path.open("rb") as handle:
        for message in read_po(handle, locale=language):
            if (
                isinstance(message.id, str)
                and message.id.startswith(f"# {english}\n")
                and message.string
                and not message.fuzzy
            ):
                return message.string.splitlines()[0].removeprefix("# ").strip()
    return None
