"""Lab 6 (capstone): its agreement, its ministry letter and its release check.

The lab's notebook is graded end to end by test_labs.py and test_lab_mistakes.py; these tests
check what those cannot: that the letter follows the data for any cohort seed, that the sample
agreement fits the synthetic data's dates, and that the lab's ``check_release`` is Lab 4's.
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib.util

import pytest

import synthetic_data
from agreements import check_file, check_release, load_agreement, load_release
from grader.build.labsource import read_lab
from grader.paths import ROOT

LAB = ROOT / "labs" / "lab06-capstone" / "lab06-capstone.md"
AGREEMENT = ROOT / "agreements" / "samples" / "botswana-health-restriction.yaml"
RELEASES = sorted((ROOT / "agreements" / "samples" / "releases").glob("release-*.yaml"))


@pytest.fixture(scope="module")
def lab_functions(tmp_path_factory):
    """The functions the lab's set-up cells define, imported from its MyST source."""
    sources = []
    for cell in read_lab(LAB).notebook.cells:
        graded = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or graded.get("solution") or graded.get("grade"):
            continue  # answers and tests are graded by test_labs.py
        tree = ast.parse(cell.source)
        sources += [
            ast.get_source_segment(cell.source, node)
            for node in tree.body
            if isinstance(node, ast.FunctionDef)
        ]
    path = tmp_path_factory.mktemp("lab06") / "lab06_functions.py"
    path.write_text("import re\n\n\n" + "\n\n\n".join(sources) + "\n", encoding="utf-8")
    spec = importlib.util.spec_from_file_location("lab06_functions", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def agreement() -> dict:
    document, findings = load_agreement(AGREEMENT)
    assert findings == []
    return document


def test_the_capstone_agreement_is_complete_and_valid():
    assert check_file(AGREEMENT) == []


def test_the_capstone_agreement_is_fictional_and_names_real_laws(agreement):
    provider = next(p for p in agreement["parties"] if p["role"] == "data_provider")
    assert provider["name"] == "A mobile operator (fictional)"
    laws = " ".join(law["name"] for law in agreement["legal_basis"]["laws"])
    assert "Act 18 of 2024" in laws
    assert "Statistics Act" in laws
    assert "disputed" in AGREEMENT.read_text(encoding="utf-8")


def test_the_agreement_covers_the_synthetic_period_and_the_publication(agreement):
    period = synthetic_data.ground_truth("botswana")["period"]
    covered = agreement["data"]["period"]
    assert str(covered["start"]) <= period["start"]
    assert period["end"] <= str(covered["end"])
    # The lab's letter asks to publish 14 days after the last day of data.
    publish = dt.date.fromisoformat(period["end"]) + dt.timedelta(days=14)
    term = agreement["term"]
    assert dt.date.fromisoformat(str(term["start_date"])) <= publish
    assert publish <= dt.date.fromisoformat(str(term["end_date"]))


def test_the_agreement_allows_exactly_the_minimum_specification(agreement):
    minimum = {"date", "home_district", "active_sims", "share_at_home"}
    assert {f["name"] for f in agreement["data"]["fields"]} == minimum
    assert set(agreement["publication"]["allowed_fields"]) == minimum
    assert "district" in agreement["publication"]["aggregation_levels"]


def test_the_lab_ships_its_agreements_and_the_schema():
    shipped = set(read_lab(LAB).files)
    assert {
        "agreements/schema/agreement.schema.json",
        "agreements/samples/botswana-statistics-mno.yaml",
        "agreements/samples/botswana-health-restriction.yaml",
    } == shipped
    assert "mno_cdr" in read_lab(LAB).datasets  # its data card carries the letter's facts


@pytest.mark.parametrize("seed", [synthetic_data.DEFAULT_SEED, 3, 6])
def test_the_letter_states_the_planted_restriction_for_any_seed(lab_functions, seed):
    planted_events = lab_functions.planted_events
    (district, start, end), holidays = planted_events(
        synthetic_data.data_card("mno_cdr", seed=seed)
    )
    truth = synthetic_data.ground_truth("botswana", seed=seed)["anomalies"]
    lockdown = truth["lockdown"]
    assert (district, start, end) == (lockdown["district"], lockdown["start"], lockdown["end"])
    assert holidays == [(h["date"], h["name"]) for h in truth["holidays"]]


def test_a_card_without_the_restriction_gives_a_plain_message(lab_functions):
    planted_events = lab_functions.planted_events
    with pytest.raises(ValueError, match="does not say where and when"):
        planted_events("# A data card\n\n- Holiday: 2024-09-30 (Botswana Day).\n")


def _cases(agreement):
    rules, term = agreement["publication"], agreement["term"]
    base = {
        "fields": list(rules["allowed_fields"]),
        "aggregation_level": "district",
        "min_count": rules["suppression_threshold"] + 1,
        "publication_date": str(term["end_date"]),
    }
    start, end = (dt.date.fromisoformat(str(term[k])) for k in ("start_date", "end_date"))
    yield base
    yield {**base, "publication_date": str(start)}
    yield {**base, "publication_date": str(start - dt.timedelta(days=1))}
    yield {**base, "publication_date": str(end + dt.timedelta(days=1))}
    yield {**base, "min_count": rules["suppression_threshold"]}
    yield {**base, "min_count": rules["suppression_threshold"] - 1}
    yield {**base, "aggregation_level": "tower"}
    yield {**base, "fields": [*base["fields"], "caller"]}
    yield {
        **base,
        "fields": ["tower_id"],
        "aggregation_level": "individual",
        "min_count": 1,
        "publication_date": "2030-01-01",
    }


def test_the_labs_check_release_keeps_lab_4s_contract(lab_functions, agreement):
    lab_check = lab_functions.check_release
    lab4_sample, _ = load_agreement(
        ROOT / "agreements" / "samples" / "botswana-statistics-mno.yaml"
    )
    releases = [load_release(path)[0] for path in RELEASES]
    for document in (agreement, lab4_sample):
        for release in [*_cases(document), *releases]:
            expected = sorted(f.path for f in check_release(release, document))
            assert sorted(lab_check(release, document)) == expected, release
