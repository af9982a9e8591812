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
