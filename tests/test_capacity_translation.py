"""The capacity pages in Spanish: every English string translated and up to date, and the
Spanish form the same form as the English one (ids, values, scores, saved file), only in
other words. No build needed: the form is generated here, as the book's directive does."""

from __future__ import annotations

import copy
import csv
import json
import re
import shutil

import pytest
import yaml
from bs4 import BeautifulSoup
from click.testing import CliRunner

from grader.capacity import Catalogue, Instrument, load_catalogue, load_instrument, translation
from grader.capacity.page import SCRIPT_TEXT, form_html
from grader.capacity.translation import Translator, code_messages, data_messages, problems
from grader.cli import main
from grader.paths import ROOT

INSTRUMENT = load_instrument()
CATALOGUE = load_catalogue(INSTRUMENT)
DOC = "capacity/self-assessment"


def _form(language: str | None) -> BeautifulSoup:
    return BeautifulSoup(form_html(INSTRUMENT, CATALOGUE, DOC, language), "html.parser")


def _data(soup: BeautifulSoup) -> dict:
    return json.loads(soup.find("script", id="capacity-data").string.replace("<\\/", "</"))


def _visible_text(soup: BeautifulSoup) -> str:
    soup = copy.copy(soup)
    for script in soup.find_all("script"):
        script.decompose()
    texts = [soup.get_text(" ")]
    texts += [tag["placeholder"] for tag in soup.find_all(attrs={"placeholder": True})]
    return " ".join(" ".join(texts).split())


def test_every_english_string_has_an_up_to_date_spanish_one():
    left = problems("es", INSTRUMENT, CATALOGUE)
    assert left == [], (
        "capacity/locales/es/LC_MESSAGES/capacity.po is incomplete (run python -m grader "
        "capacity translations, then translate):\n" + "\n".join(f"  - {p}" for p in left)
    )


def test_the_catalogue_covers_the_data_and_the_page_code():
    contexts = {context for context, _ in data_messages(INSTRUMENT, CATALOGUE)}
    assert {f"statement:{s}" for s in INSTRUMENT.statement_ids()} <= contexts
    assert {f"anchor:{s}:3" for s in INSTRUMENT.statement_ids()} <= contexts
    assert {f"resource:{r['id']}" for r in CATALOGUE.resources} <= contexts
    code = set(code_messages())
    assert set(SCRIPT_TEXT.values()) <= code
    assert {"Show my results", "Save my answers to a file", "Your three largest gaps"} <= code


def _changed(instrument: Instrument) -> Instrument:
    raw = copy.deepcopy(instrument.raw)
    raw["statements"][0]["text"] = raw["statements"][0]["text"].replace("write down", "record")
    return Instrument(raw)


def test_a_changed_english_string_makes_its_spanish_out_of_date(tmp_path, monkeypatch):
    changed = _changed(INSTRUMENT)
    sid = changed.statements[0]["id"]
    # The check fails at once, without anyone running the update.
    assert any(f"statement:{sid}" in p for p in problems("es", changed, CATALOGUE))

    # The update keeps the old Spanish, marked fuzzy, for a translator to check.
    shutil.copytree(translation.LOCALES, tmp_path / "locales")
    monkeypatch.setattr(translation, "LOCALES", tmp_path / "locales")
    translation.update("es", changed, CATALOGUE)
    entry = translation.read("es").get(changed.statements[0]["text"], f"statement:{sid}")
    assert entry is not None
    assert entry.fuzzy
    assert entry.string
    left = problems("es", changed, CATALOGUE)
    assert len(left) == 1
    assert "fuzzy" in left[0]
    # A fuzzy entry is not shown: the page falls back to the (current) English.
    assert (
        Translator("es").instrument(changed).statements[0]["text"] == changed.statements[0]["text"]
    )


def test_the_spanish_form_is_the_english_form_in_other_words():
    english, spanish = _form("en"), _form("es")

    def structure(soup):
        return [
            (tag.name, tag.get("id"), tag.get("name"), tag.get("value"), tag.get("type"))
            for tag in soup.find_all(["input", "select", "option", "fieldset", "section", "button"])
        ] + [tag.get("for") for tag in soup.find_all("label")]

    assert structure(english) == structure(spanish)
    en, es = _data(english), _data(spanish)
    for key in ("instrument", "version", "target", "statements", "preferred_language"):
        assert en[key] == es[key], key
    assert [s["level"] for s in en["scale"]] == [s["level"] for s in es["scale"]]
    for kind in ("steps", "roles"):
        assert [a["id"] for a in en[kind]] == [a["id"] for a in es[kind]]
    assert [[x["href"] for x in s["lessons"] + s["labs"]] for s in en["steps"]] == [
        [x["href"] for x in s["lessons"] + s["labs"]] for s in es["steps"]
    ]
    assert en["text"].keys() == es["text"].keys()
    assert en["language"] == "en"
    assert es["language"] == "es"
    # Matches may rank Spanish resources first, but every area still has its resources.
    assert es["matches"]["es"].keys() == en["matches"]["en"].keys()
    assert all(es["matches"]["es"].values())


def test_the_spanish_form_shows_no_english():
    spanish = _form("es")
    text = _visible_text(spanish)
    ui = [m for m in code_messages() if len(m) >= 6 and Translator("es")(m) != m]
    # Whole words only: 'report' is inside the Spanish 'reporte'.
    left = [m for m in ui if re.search(rf"(?<!\w){re.escape(m)}(?!\w)", text)]
    left += [
        english
        for _context, english in data_messages(INSTRUMENT, CATALOGUE)
        if len(english) >= 12 and english in text
    ]
    assert left == [], "English left on the Spanish form:\n" + "\n".join(left)

    data = _data(spanish)
    english_ui = set(SCRIPT_TEXT.values())
    assert not english_ui & set(data["text"].values()), "the script's words are still English"
    assert data["language_names"]["en"] == "inglés"
    assert data["steps"][0]["title"] == "Necesidad"
    titles = [x["title"] for s in data["steps"] for x in s["lessons"] + s["labs"]]
    assert all(not t.startswith("Lab ") for t in titles), titles
    assert "2. De la solicitud al cierre" in titles
    assert "\\" not in "".join(titles)


def test_the_english_form_is_unchanged_by_the_translation():
    english = _form(None)
    text = _visible_text(english)
    assert "Show my results" in text
    assert "Not sure, or does not apply" in text
    assert INSTRUMENT.statements[0]["text"] in text
    assert _data(english)["text"]["not_answered"] == "not answered"


def test_translation_keeps_ids_levels_and_resources():
    t = Translator("es")
    instrument, catalogue = t.instrument(INSTRUMENT), t.catalogue(CATALOGUE)
    assert isinstance(catalogue, Catalogue)
    assert instrument.statement_ids() == INSTRUMENT.statement_ids()
    assert [(s["step"], s["role"], len(s["anchors"])) for s in instrument.statements] == [
        (s["step"], s["role"], len(s["anchors"])) for s in INSTRUMENT.statements
    ]
    assert instrument.target == INSTRUMENT.target
    assert instrument.version == INSTRUMENT.version
    for mine, theirs in zip(catalogue.resources, CATALOGUE.resources, strict=True):
        assert {k: v for k, v in mine.items() if k != "about"} == {
            k: v for k, v in theirs.items() if k != "about"
        }
    # Nothing in the loaded data was changed in place.
    assert INSTRUMENT.raw["language"] == "en"
    assert INSTRUMENT.statements[0]["text"] != instrument.statements[0]["text"]


@pytest.mark.parametrize("language", [None, "en", "fr"])
def test_languages_without_a_catalogue_are_english(language):
    t = Translator(language)
    assert t("Show my results") == "Show my results"
    assert t.instrument(INSTRUMENT).statements[0]["text"] == INSTRUMENT.statements[0]["text"]


# --- The trainer's report in Spanish --------------------------------------------------------------


def _csv(path) -> list[list[str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_the_report_in_spanish_has_spanish_headers_and_the_same_values(tmp_path):
    folder = tmp_path / "answers"
    folder.mkdir()
    for round_, level in (("before", 1), ("after", 2)):
        saved = {
            "instrument": INSTRUMENT.id,
            "instrument_version": INSTRUMENT.version,
            "respondent": {"kind": "person", "label": "x", "country": "uruguay"},
            "round": round_,
            "answers": dict.fromkeys(INSTRUMENT.statement_ids(), level),
        }
        (folder / f"{round_}.json").write_text(json.dumps(saved), encoding="utf-8")
    for language in ("en", "es"):
        out = str(tmp_path / language)
        args = ["capacity", "report", str(folder), "--out", out, "--language", language]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
    en = _csv(tmp_path / "en" / "capacity-areas.csv")
    es = _csv(tmp_path / "es" / "capacity-areas.csv")
    assert en[0][:4] == ["kind", "area", "title", "n_before"]
    assert es[0][:4] == ["tipo", "área", "título", "n_antes"]
    title = en[0].index("title")
    assert [r[title] for r in es[1:]][:2] == ["1. Necesidad", "2. Viabilidad"]
    # Everything but the titles and the suggested resources (Spanish ones first) is the same.
    keep = [i for i, c in enumerate(en[0]) if c not in ("title", "resources")]
    assert [[r[i] for i in keep] for r in en[1:]] == [[r[i] for i in keep] for r in es[1:]]
    statements = _csv(tmp_path / "es" / "capacity-statements.csv")
    assert statements[0][-1] == "texto"
    assert statements[1][-1] == Translator("es")(
        INSTRUMENT.statements[0]["text"], "statement:need-01"
    )


def test_the_spanish_uses_the_terminology_table():
    terms = yaml.safe_load((ROOT / "i18n" / "terminology.yml").read_text(encoding="utf-8"))
    checked = [t for t in terms["terms"] if t.get("check")]
    wrong = []
    for message in translation.read("es"):
        if not message.id:
            continue
        for term in checked:
            english = message.id.lower()
            for other in term.get("except", []):
                english = english.replace(other.lower(), " ")
            expected = (term.get("match") or term["es"]).lower()
            if term["en"].lower() in english and expected not in message.string.lower():
                wrong.append(f"{term['en']!r} → {term['es']!r}, in: {message.string[:90]!r}")
    assert wrong == [], "capacity.po does not use i18n/terminology.yml:\n" + "\n".join(wrong)
