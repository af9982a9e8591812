"""A lab's translated student version: built from the English one, gated, and zipped.

The translated answer key (the English source with its markdown translated) and the
translated student version go under ``<build>/labs-<language>/{source,release}/<lab id>/``,
outside nbgrader's course folder, and the zip to ``zips/<language>/<lab id>.zip``. They pass
the same gates as the English ones, and the leak scan also looks for the translated text of
hidden tests.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat

import synthetic_data

from ..errors import GraderError
from ..paths import BuildPaths
from . import bundle, gates, lab_i18n
from .labsource import Lab


@dataclass
class Translated:
    lab_id: str
    language: str
    release: Path
    zip_path: Path
    missing: int  # messages not (or no longer) translated: the lab is pending


def folder(paths: BuildPaths, language: str, kind: str, lab_id: str) -> Path:
    return paths.root / f"labs-{language}" / kind / lab_id


def zip_path(paths: BuildPaths, language: str, lab_id: str) -> Path:
    return paths.zips / language / f"{lab_id}.zip"


def _copy(src: Path, dst: Path) -> None:
    if dst.exists():
        shutil.rmtree(dst)
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc")
    shutil.copytree(src, dst, ignore=ignore)


def _write(
    notebook_path: Path, out_dir: Path, table: dict, language: str, with_hidden: bool
) -> Path:
    english = nbformat.read(notebook_path, as_version=4)
    translated = lab_i18n.translate_notebook(english, table, language)
    out = out_dir / notebook_path.name
    nbformat.write(translated, out)
    text = lab_i18n.text_file(english, table, language, with_hidden=with_hidden)
    (out_dir / lab_i18n.TEXT_FILE).write_text(text, encoding="utf-8")
    return out


def check_no_hidden_text(lab: Lab, source: nbformat.NotebookNode, table, release: Path) -> None:
    """No file of the translated student version holds a hidden test's translated text."""
    secret = {table[m.text] for m in lab_i18n.messages(source) if m.hidden and m.text in table}
    secret = {s for s in secret if len(s) >= 8}
    for path in sorted(p for p in release.rglob("*") if p.is_file()):
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        leaked = sorted(s for s in secret if s in text or json_escaped(s) in text)
        if leaked:
            raise GraderError(
                f"{lab.id}: the translated student version leaks a hidden test's text in "
                f"{path.name}: {leaked[0][:60]!r}",
                "report this as a bug of grader/build/translated.py",
            )


def json_escaped(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)[1:-1]


def _translate_cards(data: Path, country: str, seed: int, language: str) -> None:
    """The data cards next to a translated lab's data, in its language (same numbers: the
    cards are made from the same seed's data)."""
    for card in sorted(data.glob("*.md")) if data.is_dir() else []:
        if card.stem in synthetic_data.DATASETS:
            text = synthetic_data.data_card(card.stem, country, seed, language=language)
            card.write_text(text, encoding="utf-8")


def build_one(
    paths: BuildPaths, lab: Lab, source_nb: Path, release_nb: Path, language: str, seed: int
) -> Translated:
    """Translate, gate and zip one lab; raise ``GraderError`` if a gate fails."""
    table = lab_i18n.translations(lab.path, language)
    source = nbformat.read(source_nb, as_version=4)
    src_dir = folder(paths, language, "source", lab.id)
    rel_dir = folder(paths, language, "release", lab.id)
    _copy(source_nb.parent, src_dir)
    _copy(release_nb.parent, rel_dir)
    for folder_ in (src_dir, rel_dir):
        _translate_cards(folder_ / "data", lab.country, seed, language)
    es_source = _write(source_nb, src_dir, table, language, with_hidden=True)
    es_release = _write(release_nb, rel_dir, table, language, with_hidden=False)
    gates.check_solution_passes(lab, es_source)
    gates.check_release_fails(lab, es_release)
    gates.check_no_leaks(lab, source_nb, rel_dir)
    check_no_hidden_text(lab, source, table, rel_dir)
    out = bundle.pack_release(lab, rel_dir, zip_path(paths, language, lab.id), language)
    return Translated(lab.id, language, es_release, out, len(lab_i18n.missing(source, table)))
