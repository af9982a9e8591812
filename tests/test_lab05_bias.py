"""Lab 5 reveals the bias planted in the synthetic data: fewer women, older and rural people.

The lab's answer key is run on the built course and its coverage ratios are compared with the
generator's own measurement (``synthetic_data.ground_truth``), which learners never see.
"""

from __future__ import annotations

import json

import nbformat
import pytest
from nbclient import NotebookClient

import synthetic_data
from grader.build import course, mistakes

pytestmark = pytest.mark.slow
LAB_ID = "lab05-bias-checks"
# Districts that are towns in the generator (no rural residents); the rest are partly rural.
TOWNS = {"Gaborone", "Francistown", "Lobatse", "Selebi-Phikwe", "Jwaneng", "Orapa", "Sowa"}

_DUMP = """
import json
print(json.dumps({
    "sex": coverage_sex.to_dict(),
    "age": coverage_age.to_dict(),
    "district": coverage_district.to_dict(),
    "card_age": card_coverage_age.to_dict(),
    "card_district": card_coverage_district.to_dict(),
    "empty_cells": int((cells["subscribers"] == 0).sum()),
    "weight_total": float(weight.sum()),
    "shares": [share_unweighted, share_weighted],
}))
"""


@pytest.fixture(scope="module")
def answers(built) -> dict:
    folder = course.source_dir(built.paths.course, LAB_ID)
    notebook = mistakes.answer_key(nbformat.read(folder / f"{LAB_ID}.ipynb", as_version=4))
    notebook.cells.append(nbformat.v4.new_code_cell(_DUMP))
    NotebookClient(
        notebook, timeout=course.CELL_TIMEOUT_S, resources={"metadata": {"path": str(folder)}}
    ).execute()
    return json.loads(notebook.cells[-1].outputs[0]["text"])


@pytest.fixture(scope="module")
def truth(built) -> dict:
    return synthetic_data.ground_truth("botswana", seed=built.seed)


def test_coverage_matches_the_planted_representation(answers, truth):
    planted = truth["sim_coverage"]["representation_index_vs_census_15plus"]
    for ours, theirs in (("sex", "sex"), ("age", "age_band"), ("district", "district")):
        assert answers[ours] == pytest.approx(planted[theirs], abs=1e-5), ours


def test_fewer_women_older_and_rural_people(answers):
    assert answers["sex"]["F"] < 1 < answers["sex"]["M"]
    assert min(answers["age"], key=answers["age"].get) == "65+"
    towns = [v for d, v in answers["district"].items() if d in TOWNS]
    rural = [v for d, v in answers["district"].items() if d not in TOWNS]
    assert sum(rural) / len(rural) < 1 < sum(towns) / len(towns)


def test_card_data_misses_the_young_and_rural_most(answers, truth):
    factors = truth["card_ownership"]["planted_probability"]["age_band"]
    least_likely = min((b for b in factors if b != "0-14"), key=factors.get)
    assert min(answers["card_age"], key=answers["card_age"].get) == least_likely
    rural = [v for d, v in answers["card_district"].items() if d not in TOWNS]
    assert sum(rural) / len(rural) < 1


def test_weights_keep_the_census_total_despite_empty_cells(answers, built):
    census = synthetic_data.load("census", country="botswana", seed=built.seed)
    assert answers["empty_cells"] > 0, "the lab should meet empty cells to teach what to do"
    adults = census.loc[census["age_band"] != "0-14", "population"].sum()
    assert answers["weight_total"] == pytest.approx(adults)
    assert all(0 < s < 1 for s in answers["shares"])
