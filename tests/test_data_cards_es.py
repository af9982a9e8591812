"""The Spanish data cards: their catalogue covers every English template, keeps its fields, code
and terms, and the cards it gives are Spanish. No build needed (the built pages are checked by
tests/test_translation.py)."""

from __future__ import annotations

import re

import pytest
from test_translation import _CODE, TERMS, _prose, english

import synthetic_data as sd
from synthetic_data.card_language import catalogue, catalogue_path, placeholders
from synthetic_data.data_cards import templates

LANGUAGE = "es"


@pytest.fixture(scope="module")
def spanish() -> dict[str, str]:
    return catalogue(LANGUAGE)


def _all_messages() -> list:
    from babel.messages.pofile import read_po

    with catalogue_path(LANGUAGE).open("rb") as handle:
        return [m for m in read_po(handle) if m.id]


def test_every_english_template_has_a_spanish_entry_with_the_same_fields(spanish):
    missing = [t for t in templates() if t not in spanish]
    assert missing == [], (
        f"translate these data-card templates in {catalogue_path(LANGUAGE)}:\n"
        + "\n".join(f"  - {t[:120]!r}" for t in missing)
    )
    wrong = [t for t in templates() if placeholders(t) != placeholders(spanish[t])]
    assert wrong == [], "these translations change the {fields}:\n" + "\n".join(
        f"  - {t[:80]!r}: {sorted(placeholders(t))} → {sorted(placeholders(spanish[t]))}"
        for t in wrong
    )


def test_the_catalogue_has_no_stale_fuzzy_or_empty_entry():
    current = set(templates())
    messages = _all_messages()
    assert [m.id for m in messages if m.id not in current] == [], (
        "entries whose English template is gone: remove them (or update their msgid)"
    )
    assert [m.id for m in messages if m.fuzzy or not m.string] == []


def test_translations_keep_code_and_use_the_terminology_table(spanish):
    wrong = []
    for english_text, text in spanish.items():
        # A Spanish card may put a value in backticks where the English does not; never fewer.
        lost = set(_CODE.findall(english_text)) - set(_CODE.findall(text))
        if lost:
            wrong.append(f"code {sorted(lost)} lost in: {text[:90]!r}")
        prose = _prose(english_text)
        for term in (t for t in TERMS if t.get("check")):
            expected = (term.get("match") or term["es"]).lower()
            words = prose
            for other in term.get("except", []):
                words = words.replace(other.lower(), " ")
            if term["en"].lower() in words and expected not in text.lower():
                wrong.append(f"{term['en']!r} → {term['es']!r}, in: {text[:90]!r}")
    assert wrong == [], "\n".join(wrong)


@pytest.mark.parametrize("country", ["botswana", "uruguay"])
@pytest.mark.parametrize("name", list(sd.DATASETS))
def test_the_spanish_card_is_spanish_myst_with_the_same_structure(name, country):
    card = sd.data_card(name, country=country, language=LANGUAGE)
    english_card = sd.data_card(name, country=country)
    assert card.startswith("# ")
    assert card.count("\n# ") == 0
    assert "**Datos sintéticos: no contienen ninguna persona real.**" in card
    assert "## Diccionario de datos" in card
    assert not re.search(r"<[a-zA-Z/]|\{cite|\{[a-z_]+\}", card)

    def shape(text: str) -> list[str]:
        # Headings, list items and table rows by their marker; any other line is text or blank.
        return [
            line.split(" ", 1)[0] if line[:1] in ("#", "-", "|") else "text" * bool(line)
            for line in text.splitlines()
        ]

    assert shape(card) == shape(english_card), "the Spanish card has other headings or rows"
    columns = re.findall(r"^\| `(\w+)` \|", english_card, flags=re.MULTILINE)
    assert re.findall(r"^\| `(\w+)` \|", card, flags=re.MULTILINE) == columns
    left = [
        line
        for line in card.splitlines()
        if english(" ".join(_CODE.sub(" ", line).strip("#-| ").split()))
    ]
    assert left == [], "English lines in the Spanish card:\n" + "\n".join(left)


def test_an_english_card_is_the_default_and_other_languages_are_refused():
    assert sd.data_card("census", country="uruguay", language="en") == sd.data_card(
        "census", country="uruguay"
    )
    with pytest.raises(sd.SyntheticDataError, match="language"):
        sd.data_card("census", language="fr")


def test_spanish_titles_are_data():
    assert sd.dataset_title("mno_cdr") == sd.DATASETS["mno_cdr"].title
    assert sd.dataset_title("mno_cdr", LANGUAGE).startswith("Registros de llamadas")
