"""The checks inside every lab: type before value, plain messages, never the expected answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grader.shipped.lab_checks import (
    CheckFailed,
    check_columns,
    check_equal,
    check_true,
    check_type,
)


class EqualsEverything:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


@pytest.mark.parametrize(
    "expected",
    [3, 2.5, "quasi-identifier", True, {"a": 1}, pd.Series([1, 2], index=["x", "y"])],
)
def test_an_object_that_equals_everything_fails(expected):
    with pytest.raises(CheckFailed, match="but got an EqualsEverything"):
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
    plain = r"expected a whole number \(int\) or a number \(float\), but got a text \(str\)"
    with pytest.raises(CheckFailed, match=plain):
        check_type("3", (int, float), "n")


def test_check_unchanged_sees_a_function_that_changes_its_input():
    import pandas as pd

    from grader.shipped.lab_checks import check_unchanged

    table = pd.DataFrame({"a": [1, 20]})

    def careful(t):
        return t.where(t > 5)

    def careless(t):
        t.loc[0, "a"] = None
        return t

    assert check_unchanged(careful, table, what="careful(table)").isna().sum().sum() == 1
    with pytest.raises(CheckFailed, match="changed the data it was given"):
        check_unchanged(careless, table, what="careless(table)")
    with pytest.raises(CheckFailed, match="expected a list, but got an EqualsEverything"):
        check_type(EqualsEverything(), list, "n")


def test_a_read_only_cell_stops_with_a_plain_message_before_using_a_wrong_answer():
    from grader.shipped.lab_checks import needs

    counts = pd.Series([1, 2], index=["2024-09-16", "2024-09-17"])
    needs(counts, pd.Series, "events_per_day", "question 4", lambda: len(counts) <= 60)
    with pytest.raises(CheckFailed, match="uses your answer to question 4") as info:
        needs([1, 2], pd.Series, "events_per_day", "question 4", lambda: len(counts) <= 60)
    assert "expected a Series, but got a list" in str(info.value)
    with pytest.raises(CheckFailed, match="too many days"):
        needs(counts, pd.Series, "events_per_day", "question 4", lambda: False, "too many days")
    with pytest.raises(CheckFailed, match="cannot use it"):  # a condition that fails itself
        needs(counts, pd.Series, "events_per_day", "question 4", lambda: counts.no_such_thing)


def test_labels_are_not_quoted_once_the_grader_called_a_learners_function(monkeypatch):
    import sys
    import types

    frame = pd.DataFrame({"a": [1], "SECRET-FROM-A-HIDDEN-INPUT": [2]})
    with pytest.raises(CheckFailed, match="SECRET") as before:
        check_columns(frame, ["a"], "table")
    assert "SECRET" in str(before.value)  # the learner's own column, named to help them
    # In the grader's test kernel, after a call: the function may have seen a hidden input.
    monkeypatch.setitem(sys.modules, "answer_io", types.SimpleNamespace(_COUNT=[1]))
    for check in (
        lambda: check_columns(frame, ["a"], "table"),
        lambda: check_equal(pd.Series([1], index=["SECRET-X"]), pd.Series([1], index=["x"]), "s"),
    ):
        with pytest.raises(CheckFailed) as after:
            check()
        assert "SECRET" not in str(after.value)
