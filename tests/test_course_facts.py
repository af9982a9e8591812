"""Facts the course states once and the same way everywhere (issue 14 of the expert review)."""

from __future__ import annotations

import re

import pytest

import synthetic_data
from grader.paths import BOOK, LABS, ROOT

PAGES = sorted(BOOK.rglob("*.md")) + sorted(LABS.glob("lab*/lab*.md"))
SAMPLES = sorted((ROOT / "agreements" / "samples").rglob("*.yaml"))


def _text(path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", PAGES + SAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_cites_the_private_fact_sheet(path):
    text = _text(path).lower()
    assert "domain_facts" not in text
    assert "fact sheet" not in text


@pytest.mark.parametrize("name", sorted(synthetic_data.DATASETS))
def test_no_data_card_cites_the_private_fact_sheet(name):
    for country in ("botswana", "uruguay"):
        card = synthetic_data.data_card(name, country=country).lower()
        assert "domain_facts" not in card
        assert "fact sheet" not in card


def test_one_cell_size_rule_in_flowminders_terms():
    for path in PAGES + SAMPLES + [ROOT / "agreements" / "schema" / "agreement.schema.json"]:
        text = _text(path)
        assert "min_cell_size" not in text, path
        assert "count equal to the minimum" not in text, path
        # The rule is "greater than 15": no page may say that a count of 15 may be published.
        assert not re.search(r"at least 15 (active )?SIMs", text), path
    glossary = _text(BOOK / "glossary.md")
    assert '"should be greater than 15"' in glossary


def test_uruguays_breach_deadline_is_72_hours():
    wrong = r"24-hour breach|breach measures within 24|require breach measures"
    for path in PAGES + SAMPLES:
        assert not re.search(wrong, _text(path)), path
    assert "72 hours" in _text(BOOK / "lessons" / "03-law-and-institutions.md")


def test_the_sources_appendix_is_in_the_book():
    toc = _text(BOOK / "_toc.yml")
    assert "appendix/sources" in toc
    assert "trainer/dpia-template" in toc
    assert not (BOOK / "appendix" / "data" / "sources.md").exists()
