"""The checks inside every lab: type before value, plain messages, never the expected answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grader.lab_checks import CheckFailed, check_columns, check_equal, check_true, check_type


class EqualsEverything:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


@pytest.mark.parametrize(
    "expected",
    [3, 2.5, "quasi-identifier", True, {"a": 1}, pd.Series([1, 2], index=["x", "y"])],
)
def test_an_object_that_equals_everything_fails(expected):
    with pytest.raises(CheckFailed, match="expected a"):
        check_equal(EqualsEverything(), expected, "answer")


def test_numbers_accept_numpy_types_but_not_bools():
    check_equal(np.int64(3), 3, "n")
    check_equal(np.float64(0.1 + 0.2), 0.3, "share")
    with pytest.raises(CheckFailed):
        check_equal(True, 1, "n")
    with pytest.raises(CheckFailed, match="not right"):
        check_equal(4, 3, "n")


def test_series_compare_by_label_so_a_shuffled_index_fails():
    expected = pd.Series([10, 20, 30], index=["a", "b", "c"])
    check_equal(expected.sample(frac=1, random_state=1), expected, "counts")  # order is free
    shuffled = pd.Series([20, 10, 30], index=["a", "b", "c"])
    with pytest.raises(CheckFailed, match="2 of 3 values"):
        check_equal(shuffled, expected, "counts")
    with pytest.raises(CheckFailed, match="expected a Series"):
        check_equal(expected.to_frame(), expected, "counts")


def test_messages_never_reveal_the_expected_value():
    with pytest.raises(CheckFailed) as info:
        check_equal(41, 12345, "n", hint="count the rows")
    assert "12345" not in str(info.value)
    assert "Hint: count the rows" in str(info.value)


def test_frames_dicts_and_conditions():
    frame = pd.DataFrame({"district": ["a", "b"], "n": [1, 2]})
    check_equal(frame.copy(), frame, "table")
    with pytest.raises(CheckFailed, match="missing column"):
        check_columns(frame[["n"]], ["district", "n"], "table")
    with pytest.raises(CheckFailed, match="1 of 2 entries"):
        check_equal({"x": "other", "y": "b"}, {"x": "other", "y": "c"}, "roles")
    check_equal({"x": " Other "}, {"x": "other"}, "roles")  # labels ignore case and spaces
    with pytest.raises(CheckFailed, match="positive"):
        check_true(np.bool_(False), "n", "it should be positive.")
    check_true(np.bool_(True), "n", "never shown")
    with pytest.raises(CheckFailed, match="expected a int or float"):
        check_type("3", (int, float), "n")
