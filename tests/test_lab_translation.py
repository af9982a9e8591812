"""The labs in Spanish: catalogues, check messages, the Spanish student version and a cohort
that mixes languages.

Labs still being translated are listed in ``i18n/labs-es-pending.txt``: they are built (their
untranslated text in English) and skipped by the completeness and terminology checks.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml

from grader import cohort as cohort_mod
from grader.build import course, fixtures, lab_i18n, mistakes, translated
from grader.build.labsource import find_labs, read_lab
from grader.cohort import feedback_checks, feedback_words
from grader.cohort.autograde import autograde
from grader.cohort.collect import collect
from grader.cohort.feedback import feedback
from grader.cohort.roster import import_roster
from grader.paths import LABS, ROOT
from grader.sandbox import Limits
from grader.shipped import lab_checks

LAB = "lab01-meet-the-data"
LANGUAGE = "es"
PENDING = set(lab_i18n.pending_labs(LANGUAGE))
LAB_IDS = [p.stem for p in find_labs(LABS)]
DONE = [lab for lab in LAB_IDS if lab not in PENDING]
TERMS = yaml.safe_load((ROOT / "i18n" / "terminology.yml").read_text(encoding="utf-8"))["terms"]
INLINE_CODE = re.compile(r"`[^`]+`")


def _lab(lab_id: str):
    return read_lab(LABS / lab_id / f"{lab_id}.md")


def _code_spans(text: str) -> list[str]:
    # Wrapping may move a line break inside a span: compare the code, not the spacing.
    return sorted(" ".join(span.split()) for span in INLINE_CODE.findall(text))


def test_every_check_message_exists_in_every_language():
    for key, texts in lab_checks.MESSAGES.items():
        assert set(texts) == set(lab_checks.LANGUAGES), key
        fields = {tuple(sorted(re.findall(r"{(\w+)", t))) for t in texts.values()}
        assert len(fields) == 1, f"{key}: the languages fill in different values"
    for name, texts in lab_checks._PLAIN_TYPES.items():
        assert set(texts) == set(lab_checks.LANGUAGES), name


def _checks_in(folder: Path, text: dict | str | None):
    shutil.copy(lab_checks.__file__, folder / "lab_checks.py")
    if text is not None:
        data = text if isinstance(text, str) else json.dumps(text)
        (folder / lab_i18n.TEXT_FILE).write_text(data, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(
        f"lab_checks_{folder.name}", folder / "lab_checks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_translated_lab_speaks_its_language_and_grades_the_same(tmp_path):
    (tmp_path / "es").mkdir()
    (tmp_path / "bad").mkdir()
    text = {"language": "es", "text": {"it should be a positive number.": "debería ser positivo."}}
    spanish = _checks_in(tmp_path / "es", text)
    with pytest.raises(spanish.CheckFailed) as failed:
        spanish.check_true(False, "n", "it should be a positive number.", "use len().")
    assert str(failed.value) == "n: debería ser positivo.\nPista: use len()."
    with pytest.raises(spanish.CheckFailed, match="se esperaba un número entero"):
        spanish.check_type("3", int, "n")
    spanish.check_equal(3, 3, "n")  # the language never changes a verdict
    # A broken or foreign file is ignored: English.
    english = _checks_in(tmp_path / "bad", '{"language": "xx", "text": []}')
    with pytest.raises(english.CheckFailed, match="expected a whole number"):
        english.check_type("3", int, "n")


def test_the_pending_list_names_labs_that_exist():
    assert set(LAB_IDS) >= PENDING
    assert LAB in DONE, "lab 1 is translated in full"
    for lab_id in PENDING:
        lab = _lab(lab_id)
        table = lab_i18n.translations(lab.path, LANGUAGE)
        assert lab_i18n.missing(lab.notebook, table), f"{lab_id} is translated: unlist it"


@pytest.mark.parametrize("lab_id", DONE)
def test_a_translated_lab_has_every_message_in_spanish(lab_id):
    lab = _lab(lab_id)
    table = lab_i18n.translations(lab.path, LANGUAGE)
    assert lab_i18n.missing(lab.notebook, table) == [], (
        f"{lab_id}: run `python -m grader translate`, translate the new and fuzzy entries, "
        f"or list the lab in {lab_i18n.pending_file(LANGUAGE).name}"
    )


@pytest.mark.parametrize("lab_id", DONE)
def test_translations_keep_code_and_use_the_terminology_table(lab_id):
    lab = _lab(lab_id)
    table = lab_i18n.translations(lab.path, LANGUAGE)
    wrong = []
    for english, spanish in table.items():
        if _code_spans(english) != _code_spans(spanish):
            wrong.append(f"inline code differs in: {spanish[:80]!r}")
        prose = INLINE_CODE.sub(" ", english).lower()
        for term in (t for t in TERMS if t.get("check")):
            text = prose
            for other in term.get("except", []):
                text = text.replace(other.lower(), " ")
            expected = (term.get("match") or term["es"]).lower()
            if re.search(rf"\b{re.escape(term['en'].lower())}\b", text) and (
                expected not in spanish.lower()
            ):
                wrong.append(f"{term['en']!r} → {term['es']!r}, in: {spanish[:80]!r}")
    assert wrong == []


def test_a_changed_paragraph_comes_back_fuzzy_and_shows_in_english(tmp_path):
    folder = tmp_path / LAB
    shutil.copytree(LABS / LAB, folder)
    source = folder / f"{LAB}.md"
    text = source.read_text(encoding="utf-8")
    old = "Plot it. Weekends are quieter;"
    source.write_text(text.replace(old, "Plot it now. Weekends are quieter;"), encoding="utf-8")
    lab = read_lab(source)
    lab_i18n.update(source, lab.notebook, LANGUAGE)
    table = lab_i18n.translations(source, LANGUAGE)
    assert [m[:20] for m in lab_i18n.missing(lab.notebook, table)] == ["Plot it now. Weekend"]
    po = lab_i18n.catalogue_path(source, LANGUAGE).read_text(encoding="utf-8")
    assert "#, fuzzy" in po.split("Plot it now")[0].rsplit("msgid", 2)[-2]
    notebook = lab_i18n.translate_notebook(lab.notebook, table, LANGUAGE)
    assert any(c.source.startswith("Plot it now") for c in notebook.cells)


@pytest.mark.parametrize("lab_id", DONE)
def test_the_spanish_release_has_the_english_cells_and_tests(built, lab_id):
    paths = built.paths
    english = nbformat.read(course.release_dir(paths.course, lab_id) / f"{lab_id}.ipynb", 4)
    folder = translated.folder(paths, LANGUAGE, "release", lab_id)
    spanish = nbformat.read(folder / f"{lab_id}.ipynb", 4)
    assert spanish.metadata["lab_language"] == LANGUAGE
    assert len(spanish.cells) == len(english.cells)
    for en, es in zip(english.cells, spanish.cells, strict=True):
        assert en.cell_type == es.cell_type
        assert en.metadata["nbgrader"]["grade_id"] == es.metadata["nbgrader"]["grade_id"]
        if en.cell_type == "code" or en.metadata["nbgrader"].get("solution"):
            assert en == es
    assert spanish.cells[0].source.startswith("# Laboratorio ")
    assert built.pending_labs == {LANGUAGE: []}
    # The checks' text ships without a word of the hidden tests.
    shipped = json.loads((folder / lab_i18n.TEXT_FILE).read_text(encoding="utf-8"))
    hidden = {m.text for m in lab_i18n.messages(_lab(lab_id).notebook) if m.hidden}
    assert shipped["language"] == LANGUAGE
    assert hidden
    assert not hidden & set(shipped["text"])
    with zipfile.ZipFile(translated.zip_path(paths, LANGUAGE, lab_id)) as archive:
        names = archive.namelist()
    assert f"{lab_id}/{lab_id}.ipynb" in names
    assert f"{lab_id}/{lab_i18n.TEXT_FILE}" in names
    # Its data cards too (labs 4 and 7 have none): the same data, described in Spanish.
    for card in sorted((course.release_dir(paths.course, lab_id) / "data").glob("*.md")):
        spanish_card = (folder / "data" / card.name).read_text(encoding="utf-8")
        assert spanish_card != card.read_text(encoding="utf-8")
        assert "Datos sintéticos" in spanish_card, card.name


@pytest.mark.slow
def test_a_cohort_mixing_languages_is_graded_alike_with_feedback_in_each_language(built, tmp_path):
    paths = built.paths
    es_release = translated.folder(paths, LANGUAGE, "release", LAB) / f"{LAB}.ipynb"
    es_source = translated.folder(paths, LANGUAGE, "source", LAB) / f"{LAB}.ipynb"
    en_release = course.release_dir(paths.course, LAB) / f"{LAB}.ipynb"
    en_source = course.source_dir(paths.course, LAB) / f"{LAB}.ipynb"
    spanish = fixtures.demo_students(es_release, es_source)
    english = fixtures.demo_students(en_release, en_source)
    handins = {
        "es_perfect": spanish["perfect"],
        "es_blank": spanish["blank"],
        "en_perfect": english["perfect"],
        "en_blank": english["blank"],
    }
    cohort = cohort_mod.init(tmp_path / "course", paths.root, echo=lambda _: None)
    roster = tmp_path / "roster.csv"
    rows = ["id,name,email"] + [f"{s},Learner {s},{s}@example.org" for s in handins]
    roster.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert not import_roster(cohort, roster).problems
    folder = tmp_path / "handins"
    for student, notebook in handins.items():
        (folder / student).mkdir(parents=True)
        nbformat.write(notebook, folder / student / f"{LAB}.ipynb")
    assert len(collect(cohort, LAB, folder).collected) == len(handins)
    limits = Limits(cell_timeout=30, budget_margin=20, disk_mb=128)
    autograde(cohort, LAB, workers=2, limits=limits, echo=lambda _: None, progress=False)
    scores = {s: r["score"] for s, r in cohort.read_statuses(LAB).items()}
    assert scores["es_perfect"] == scores["en_perfect"] > 0
    assert scores["es_blank"] == scores["en_blank"] == 0
    run = feedback(cohort, LAB, allow_ungraded=True)
    pages = {p.parent.parent.name: p.read_text(encoding="utf-8") for p in run.pages}
    assert "<h2>Resumen</h2>" in pages["es_perfect"]
    assert "Puntaje:" in pages["es_perfect"]
    assert "1. ¿Cuántos abonados hay?" in pages["es_perfect"]
    assert "<h2>Summary</h2>" in pages["en_perfect"]
    assert "Resumen" not in pages["en_perfect"]


def test_a_failed_checks_message_is_put_into_the_learners_language():
    table = feedback_words.lab_text(LAB, LANGUAGE)
    message = (
        "n_subscribers: expected a whole number (int), but got a text (str).\n"
        "Hint: len() of a table gives its number of rows."
    )
    assert feedback_checks.translate(message, LANGUAGE, table) == (
        "n_subscribers: se esperaba un número entero (int), pero se recibió un texto (str).\n"
        "Pista: len() de una tabla da su cantidad de filas."
    )
    assert feedback_checks.translate(message, "en", table) == message
    assert feedback_checks.translate("not a check", LANGUAGE, table) == "not a check"


@pytest.mark.slow
@pytest.mark.parametrize("lab_id", DONE)
def test_wrong_answers_lose_points_in_spanish_and_get_spanish_hints(built, lab_id):
    """``labs/<id>/mistakes.yml`` through the Spanish student version: each loses points, and a
    visible check that catches it says so in Spanish, with a hint."""
    paths = built.paths
    folder = translated.folder(paths, LANGUAGE, "release", lab_id)
    source_folder = translated.folder(paths, LANGUAGE, "source", lab_id)
    release = nbformat.read(folder / f"{lab_id}.ipynb", 4)
    source = nbformat.read(source_folder / f"{lab_id}.ipynb", 4)
    found = mistakes.load_mistakes(LABS / lab_id / f"{lab_id}.md", _lab(lab_id).notebook)
    notebooks = [mistakes.learner_notebook(release, source)] + [
        mistakes.learner_notebook(release, source, {m.grade_id: m.code}) for m in found
    ]
    perfect, *mutants = mistakes.meet_many(notebooks, folder)
    assert perfect.score.points == perfect.score.max_points > 0
    hinted = 0
    for mistake, met in zip(found, mutants, strict=True):
        assert met.score.points < perfect.score.points, f"not caught: {mistake.why}"
        for check, message in met.visible_failures.items():
            assert "Hint:" not in message, f"{check}: {message!r}"
            # A name never set is Python's own NameError (as in tests/test_lab_mistakes.py).
            if "no está definido" not in message and "is not defined" not in message:
                assert "\nPista: " in message, f"{check}: {message!r}"
                hinted += 1
    assert hinted
