"""A trainer's cohort seed reaches everything that loads data without naming a seed."""

from __future__ import annotations

import pytest

import synthetic_data as sd


def test_the_seed_variable_changes_the_default(monkeypatch):
    public = sd.load("mno_subscribers")
    monkeypatch.setenv(sd.SEED_VARIABLE, "7")
    cohort = sd.load("mno_subscribers")
    assert sd.resolve_seed(None) == 7
    assert not public["age"].equals(cohort["age"]) or len(public) != len(cohort)
    assert cohort.equals(sd.load("mno_subscribers", seed=7))
    assert sd.resolve_seed(3) == 3  # an explicit seed wins


@pytest.mark.parametrize("value", ["seven", "-1", "1e3", str(2**40)])
def test_a_bad_seed_variable_says_what_to_do(monkeypatch, value):
    monkeypatch.setenv(sd.SEED_VARIABLE, value)
    with pytest.raises(sd.SyntheticDataError, match="cohort seed"):
        sd.load("census")


def test_no_variable_means_the_public_seed(monkeypatch):
    monkeypatch.delenv(sd.SEED_VARIABLE, raising=False)
    assert sd.resolve_seed(None) == sd.DEFAULT_SEED


@pytest.mark.slow
def test_a_cohort_build_has_other_numbers_and_still_passes_its_gates(built, tmp_path):
    from grader import pipeline
    from grader.build import course

    lab = "lab01-meet-the-data"
    cohort = pipeline.build(
        build_dir=tmp_path / "cohort", only=lab, seed=7, with_book=False, echo=lambda _: None
    )
    assert cohort.labs == [lab]  # compiled and gated with the cohort's data

    def data(result):
        folder = course.source_dir(result.paths.course, lab) / "data"
        return (folder / "mno_subscribers.csv").read_bytes()

    assert data(cohort) != data(built)
