"""Translation kept as data: the book's gettext catalogues, updated from the English source.

``python -m grader translate`` runs Sphinx's ``gettext`` builder on the staged English book
(one ``.pot`` per page: ``gettext_compact`` off) and ``sphinx-intl update``, which merges each
template into ``book/locales/<lang>/LC_MESSAGES/<page>.po``. A paragraph whose English changed
comes back *fuzzy* (the old translation kept, marked for review) and a new one *untranslated*;
Sphinx shows the English text for both, and the tests fail until a translator has looked.

A figure's alt text (``mystnb: image: alt:`` in its code cell's metadata) is never seen by the
gettext builder: MyST-NB renders a cell's outputs after Sphinx has translated the page. So
``alt_texts`` reads them from each staged lesson and ``add_alt_texts`` appends them to its
page's template before the merge: they come back untranslated or fuzzy like any message, and
the Spanish build translates the images' ``alt`` from the catalogue (``sphinx_i18n``).

Source locations are left out of the templates (``gettext_location`` off): they change with
every edit above a paragraph and would make each catalogue's diff noisy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import normalize, read_po

from ..errors import GraderError
from ..paths import BOOK, BuildPaths
from .editions import LOCALE_DIR, is_native

LOCALES = BOOK / LOCALE_DIR


@dataclass(frozen=True)
class PageStats:
    """How far one page's catalogue is translated (the page's title counts as a message)."""

    page: str
    translated: int
    fuzzy: int
    untranslated: int

    @property
    def total(self) -> int:
        return self.translated + self.fuzzy + self.untranslated

    @property
    def done(self) -> bool:
        return self.fuzzy == 0 and self.untranslated == 0


def catalogue(language: str, page: str, locales: Path = LOCALES) -> Path:
    return locales / language / "LC_MESSAGES" / f"{page}.po"


def read(path: Path):
    """A catalogue as babel reads it (obsolete entries apart, the header entry left out)."""
    with path.open("rb") as handle:
        return read_po(handle, abort_invalid=True)


def messages(path: Path) -> list:
    return [m for m in read(path) if m.id]


def page_stats(language: str, page: str, locales: Path = LOCALES) -> PageStats:
    path = catalogue(language, page, locales)
    translated = fuzzy = untranslated = 0
    for message in messages(path):
        if message.fuzzy:
            fuzzy += 1
        elif message.string if isinstance(message.string, str) else all(message.string):
            translated += 1
        else:
            untranslated += 1
    return PageStats(page, translated, fuzzy, untranslated)


def pages(language: str, locales: Path = LOCALES) -> list[str]:
    """Every page that has a catalogue in ``language``, as a docname."""
    root = locales / language / "LC_MESSAGES"
    return sorted(p.relative_to(root).with_suffix("").as_posix() for p in root.rglob("*.po"))


def stats(language: str, locales: Path = LOCALES) -> list[PageStats]:
    return [page_stats(language, page, locales) for page in pages(language, locales)]


def extract(paths: BuildPaths, staging: Path, seed: int) -> Path:
    """Sphinx's gettext builder on the staged English book: one template per page."""
    out = paths.root / "gettext"
    shutil.rmtree(out, ignore_errors=True)  # a page removed from the book leaves no template
    log_file = paths.logs / "gettext.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, SYNTHETIC_DATA_SEED=str(seed), PYDEVD_DISABLE_FILE_VALIDATION="1")
    cmd = [
        sys.executable, "-m", "sphinx", "-b", "gettext", "-q",
        "-D", "gettext_compact=0", "-D", "gettext_location=0",
        "-d", str(paths.root / "gettext-doctrees"), str(staging), str(out),
    ]  # fmt: skip
    with log_file.open("w", encoding="utf-8") as log:
        run = subprocess.run(cmd, check=False, stdout=log, stderr=subprocess.STDOUT, env=env)
    if run.returncode == 0:
        for template in sorted(out.rglob("*.pot")):
            if is_native(template.relative_to(out).with_suffix("").as_posix()):
                template.unlink()  # written in each language by the build: no catalogue
    if run.returncode != 0:
        raise GraderError(
            "Sphinx could not extract the book's messages for translation",
            f"see {log_file}; the English book must build first (`python -m grader build "
            "--language en`)",
        )
    return out


def alt_texts(page: Path) -> list[str]:
    """The alt texts of a MyST notebook's figures (``mystnb: image: alt:``), in page order."""
    from myst_nb.core.read import read_myst_markdown_notebook

    text = page.read_text(encoding="utf-8")
    if "{code-cell}" not in text:
        return []
    notebook = read_myst_markdown_notebook(text, path=page)
    found = []
    for cell in notebook.cells:
        image = cell.get("metadata", {}).get("mystnb", {}).get("image", {})
        alt = image.get("alt") if isinstance(image, dict) else None
        if isinstance(alt, str) and alt.strip() and alt not in found:
            found.append(alt)
    return found


def add_alt_texts(pot_dir: Path, staging: Path) -> int:
    """Append each staged page's figure alt texts to its template; return how many."""
    added = 0
    for template in sorted(pot_dir.rglob("*.pot")):
        page = staging / template.relative_to(pot_dir).with_suffix(".md")
        if not page.is_file():
            continue
        with template.open("rb") as handle:
            known = {m.id for m in read_po(handle)}
        entries = [
            f'\nmsgid {normalize(alt, width=76)}\nmsgstr ""\n'
            for alt in alt_texts(page)
            if alt not in known
        ]
        if entries:
            with template.open("a", encoding="utf-8") as handle:
                handle.write("".join(entries))
            added += len(entries)
    return added


def update(pot_dir: Path, languages: list[str], locales: Path = LOCALES) -> str:
    """Merge the templates into each language's catalogues (sphinx-intl); return its report."""
    cmd = [sys.executable, "-m", "sphinx_intl", "update", "-p", str(pot_dir), "-d", str(locales)]
    for language in languages:
        cmd += ["-l", language]
    # One process: the machines this runs on are small and often busy.
    run = subprocess.run([*cmd, "-j", "1"], check=False, capture_output=True, text=True)
    if run.returncode != 0:
        raise GraderError(
            "sphinx-intl could not update the catalogues:\n" + (run.stderr or run.stdout)[-1500:],
            "check that sphinx-intl is installed (pip install -r requirements.txt)",
        )
    return run.stdout


def report(rows: list[PageStats], pending: set[str]) -> str:
    """A table, one page a line: translated / fuzzy / untranslated, and whether it is pending."""
    width = max((len(r.page) for r in rows), default=10)
    lines = [f"{'page':<{width}}  translated  fuzzy  untranslated"]
    for r in rows:
        state = "pending" if r.page in pending else ("" if r.done else "NOT DONE")
        lines.append(
            f"{r.page:<{width}}  {r.translated:>10}  {r.fuzzy:>5}  {r.untranslated:>12}  {state}"
        )
    done = sum(r.done for r in rows)
    lines.append(f"{done} of {len(rows)} pages fully translated; {len(pending)} pending.")
    return "\n".join(lines)
