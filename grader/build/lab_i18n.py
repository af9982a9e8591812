"""Labs in other languages: their text as gettext catalogues, and translated student versions.

``labs/<id>/locales/<language>/LC_MESSAGES/<id>.po`` holds one message per markdown cell of the
lab (instructions, questions, written-answer prompts) and one per problem, hint or name its
checks show (string arguments of ``check_*`` and ``needs`` calls). Code is never translated, so
a translated notebook has the same code cells, grade ids, code checksums and tests as the
English one, and one cohort can mix languages. ``update`` refreshes a catalogue from the source
with babel: a new message comes back empty and a changed one fuzzy (with its old translation),
so a changed English paragraph is visibly out of date; only finished translations are used.
"""

from __future__ import annotations

import ast
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from nbgrader.utils import compute_checksum

from ..paths import ROOT
from .cells import cell_meta, visible_part

LAB_LANGUAGES = ("es",)
TEXT_FILE = "lab_text.json"  # next to lab_checks.py in a translated student version

# Where each check puts learner-facing text: positions (after the value) and keywords.
_TEXT_ARGS = {
    "check_type": ({2, 3}, {"what", "hint"}),
    "check_columns": ({2, 3}, {"what", "hint"}),
    "check_equal": ({2, 3}, {"what", "hint"}),
    "check_true": ({1, 2, 3}, {"what", "problem", "hint"}),
    "check_unchanged": (set(), {"what", "hint"}),
    "needs": ({2, 3, 5}, {"what", "question", "problem"}),
}


def pending_file(language: str) -> Path:
    return ROOT / "i18n" / f"labs-{language}-pending.txt"


def catalogue_path(lab_path: Path, language: str) -> Path:
    return lab_path.parent / "locales" / language / "LC_MESSAGES" / f"{lab_path.stem}.po"


@dataclass(frozen=True)
class Message:
    text: str
    where: str  # for translators: which cell it comes from
    hidden: bool  # only in hidden tests: must never ship in a student version


def _check_strings(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        positions, keywords = _TEXT_ARGS.get(node.func.id, (set(), set()))
        args = [a for i, a in enumerate(node.args) if i in positions]
        args += [k.value for k in node.keywords if k.arg in keywords]
        found += [a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return [text for text in found if not _is_code(text)]


def _is_code(text: str) -> bool:
    """Names and code (``n_subscribers``, ``cdr['day'] = ...``) read the same in any language."""
    try:
        ast.parse(text)
    except SyntaxError:
        return False
    return True


def messages(notebook: nbformat.NotebookNode) -> list[Message]:
    """The lab's translatable text, in order, each once. Model answers of written questions
    are the trainer's, not the learner's, so they are left out."""
    seen: dict[str, Message] = {}
    for index, cell in enumerate(notebook.cells):
        meta = cell_meta(cell)
        where = str(meta.get("grade_id") or f"cell-{index + 1}")  # no spaces: a .po location
        if cell.cell_type == "markdown":
            if not meta.get("solution") and cell.source.strip():
                seen.setdefault(cell.source, Message(cell.source, where, False))
            continue
        if cell.cell_type != "code":
            continue
        visible = set(_check_strings(visible_part(cell.source)))
        for text in _check_strings(cell.source):
            old = seen.get(text)
            hidden = text not in visible and (old is None or old.hidden)
            seen[text] = Message(text, old.where if old else where, hidden)
    return list(seen.values())


def _read(path: Path, language: str) -> Catalog:
    if not path.exists():
        return Catalog(locale=language)
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def update(lab_path: Path, notebook: nbformat.NotebookNode, language: str) -> Path:
    """Bring the lab's catalogue up to date with its source (new: empty; changed: fuzzy)."""
    path = catalogue_path(lab_path, language)
    template = Catalog(project=lab_path.stem)
    for message in messages(notebook):
        template.add(message.text, locations=[(message.where, None)])
    catalogue = _read(path, language)
    catalogue.update(template)
    catalogue.obsolete.clear()  # git keeps the history; stale entries only confuse
    buffer = io.BytesIO()
    write_po(buffer, catalogue, width=96, omit_header=False, sort_output=False)
    # babel stamps the time of the update: write only when a message changed, so that
    # `translate` leaves an up-to-date catalogue (and the build's fingerprint) as it was.
    if not path.exists() or _undated(path.read_bytes()) != _undated(buffer.getvalue()):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(buffer.getvalue())
    return path


def _undated(po: bytes) -> bytes:
    return re.sub(rb'"POT-Creation-Date: [^"]*"', b"", po)


def translations(lab_path: Path, language: str) -> dict[str, str]:
    """English → translation, for finished (translated, not fuzzy) messages only."""
    catalogue = _read(catalogue_path(lab_path, language), language)
    return {
        m.id: m.string
        for m in catalogue
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }


def missing(notebook: nbformat.NotebookNode, table: dict[str, str]) -> list[str]:
    return [m.text for m in messages(notebook) if m.text not in table]


def translate_notebook(
    notebook: nbformat.NotebookNode, table: dict[str, str], language: str
) -> nbformat.NotebookNode:
    """A copy with its markdown translated (untranslated cells stay English). Code cells are
    untouched; a locked markdown cell gets the checksum of its new text, as nbgrader would."""
    translated = nbformat.from_dict(json.loads(json.dumps(notebook)))
    for cell in translated.cells:
        meta = cell_meta(cell)
        if cell.cell_type != "markdown" or meta.get("solution") or cell.source not in table:
            continue
        cell.source = table[cell.source]
        if "checksum" in meta:
            meta["checksum"] = compute_checksum(cell)
    # Read by the trainer's feedback to write the summary in the learner's language.
    translated.metadata["lab_language"] = language
    return translated


def text_file(
    notebook: nbformat.NotebookNode, table: dict[str, str], language: str, with_hidden: bool
) -> str:
    """``lab_text.json`` for lab_checks: the language and the checks' text. A student version
    gets only the visible checks' text (hidden tests' hints would say what they test)."""
    text = {
        m.text: table[m.text]
        for m in messages(notebook)
        if m.text in table and (with_hidden or not m.hidden)
    }
    return json.dumps({"language": language, "text": text}, ensure_ascii=False, indent=1) + "\n"


def pending_labs(language: str) -> list[str]:
    """Labs listed as still being translated (``i18n/labs-<language>-pending.txt``)."""
    path = pending_file(language)
    if not path.exists():
        return []
    lines = (ln.split("#", 1)[0].strip() for ln in path.read_text(encoding="utf-8").splitlines())
    return [ln for ln in lines if ln]


def update_labs(sources: list[Path], notebooks: list, language: str) -> list[str]:
    """Update every lab's catalogue; return one report line per lab (done/fuzzy/empty)."""
    lines = []
    for path, notebook in zip(sources, notebooks, strict=True):
        update(path, notebook, language)
        catalogue = _read(catalogue_path(path, language), language)
        entries = [m for m in catalogue if m.id]
        fuzzy = sum(1 for m in entries if m.fuzzy)
        empty = sum(1 for m in entries if not m.string)
        done = len(entries) - fuzzy - empty
        lines.append(f"  {path.stem}: {done} translated, {fuzzy} fuzzy, {empty} untranslated")
    return lines
