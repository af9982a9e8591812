"""Checks used by the tests inside every lab notebook.

This file is copied next to each lab notebook as ``lab_checks.py``. Its messages are written for
learners: they say what is wrong and give a hint, never the expected answer, and a failed check
is shown as a short message instead of a Python traceback.

Every check compares the *type* before the value, so an object that claims to be equal to
everything (a custom ``__eq__``) fails, as does a DataFrame where a Series was asked for.
"""

from __future__ import annotations

import math
import numbers

try:
    import pandas as pd
except ImportError:  # pragma: no cover - every lab environment has pandas
    pd = None


class CheckFailed(AssertionError):
    """A check did not pass. The message is meant for the learner."""


def _fail(what: str, problem: str, hint: str | None) -> None:
    message = f"{what}: {problem}"
    if hint:
        message += f"\nHint: {hint}"
    raise CheckFailed(message)


def _type_name(value: object) -> str:
    return type(value).__name__


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_type(value: object, expected: type | tuple[type, ...], what: str, hint=None) -> None:
    """Fail unless ``value`` is an instance of ``expected`` (bools are never numbers)."""
    expected_types = expected if isinstance(expected, tuple) else (expected,)
    wants_number = any(t in (int, float) for t in expected_types)
    if (
        wants_number
        and _is_number(value)
        and (float in expected_types or isinstance(value, numbers.Integral))
    ):
        return
    if isinstance(value, expected_types) and not (isinstance(value, bool) and wants_number):
        return
    names = " or ".join(t.__name__ for t in expected_types)
    _fail(what, f"expected a {names}, but got a {_type_name(value)}.", hint)


def check_columns(frame: object, columns: list[str], what: str, hint=None) -> None:
    """Fail unless ``frame`` is a DataFrame with exactly these columns (in any order)."""
    check_type(frame, pd.DataFrame, what, hint)
    missing = [c for c in columns if c not in frame.columns]
    extra = [c for c in frame.columns if c not in columns]
    if missing or extra:
        parts = []
        if missing:
            parts.append("missing column(s) " + ", ".join(map(repr, missing)))
        if extra:
            parts.append("unexpected column(s) " + ", ".join(map(repr, extra)))
        _fail(what, "; ".join(parts) + ".", hint)


def _close(a: float, b: float, rel: float, abs_: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def _check_series(actual, expected, what, hint, rel, abs_):
    if len(actual) != len(expected):
        _fail(what, f"has {len(actual)} entries, expected {len(expected)}.", hint)
    if set(actual.index) != set(expected.index):
        unknown = [str(k) for k in actual.index if k not in set(expected.index)][:3]
        detail = f" (for example {', '.join(unknown)})" if unknown else ""
        _fail(what, f"its index (labels) is not what was asked for{detail}.", hint)
    aligned = actual.reindex(expected.index)
    wrong = []
    for label, a, e in zip(expected.index, aligned.to_numpy(), expected.to_numpy(), strict=True):
        if _is_number(e):
            if not _is_number(a) or not _close(float(a), float(e), rel, abs_):
                wrong.append(label)
        elif a != e:
            wrong.append(label)
    if wrong:
        examples = ", ".join(map(str, wrong[:3]))
        _fail(what, f"{len(wrong)} of {len(expected)} values are not right ({examples}…).", hint)


def check_equal(
    actual: object,
    expected: object,
    what: str,
    hint: str | None = None,
    *,
    rel: float = 1e-6,
    abs_: float = 1e-9,
) -> None:
    """Fail unless ``actual`` has the type of ``expected`` and the same value.

    Numbers compare with a tolerance; Series compare label by label (order does not matter);
    DataFrames compare column by column; dicts key by key. Messages never reveal ``expected``.
    """
    if pd is not None and isinstance(expected, pd.Series):
        check_type(actual, pd.Series, what, hint)
        _check_series(actual, expected, what, hint, rel, abs_)
    elif pd is not None and isinstance(expected, pd.DataFrame):
        check_columns(actual, list(expected.columns), what, hint)
        if len(actual) != len(expected):
            _fail(what, f"has {len(actual)} rows, expected {len(expected)}.", hint)
        for column in expected.columns:
            left = actual[column].reset_index(drop=True)
            right = expected[column].reset_index(drop=True)
            _check_series(left, right, f"{what}, column {column!r}", hint, rel, abs_)
    elif isinstance(expected, dict):
        check_type(actual, dict, what, hint)
        missing = [k for k in expected if k not in actual]
        extra = [k for k in actual if k not in expected]
        if missing or extra:
            _fail(what, f"{len(missing)} key(s) missing and {len(extra)} unexpected.", hint)
        wrong = [k for k in expected if not _equal_scalar(actual[k], expected[k], rel, abs_)]
        if wrong:
            examples = ", ".join(map(repr, wrong[:3]))
            _fail(
                what, f"{len(wrong)} of {len(expected)} entries are not right ({examples}…).", hint
            )
    elif isinstance(expected, bool):
        check_type(actual, bool, what, hint)
        if actual is not expected:
            _fail(what, "that is not right.", hint)
    elif _is_number(expected):
        check_type(actual, float if isinstance(expected, float) else int, what, hint)
        if not _close(float(actual), float(expected), rel, abs_):
            _fail(what, "the number is not right.", hint)
    else:
        check_type(actual, type(expected), what, hint)
        if not _equal_scalar(actual, expected, rel, abs_):
            _fail(what, "that is not right.", hint)


def _equal_scalar(actual: object, expected: object, rel: float, abs_: float) -> bool:
    if _is_number(expected):
        return _is_number(actual) and _close(float(actual), float(expected), rel, abs_)
    if type(actual) is not type(expected):
        return False
    if isinstance(expected, str):
        return actual.strip().lower() == expected.strip().lower()
    return bool(actual == expected)


def check_true(condition: bool, what: str, problem: str, hint: str | None = None) -> None:
    """Fail with ``problem`` unless ``condition`` is exactly True."""
    if condition is not True and not (hasattr(condition, "item") and condition.item() is True):
        _fail(what, problem, hint)


def _show_short(shell, etype, value, tb, tb_offset=None):
    # A failed check or a missing answer is shown as one plain message: the error output
    # stays, so nbgrader still counts the test as failed.
    if issubclass(etype, NameError):
        name = str(value).split("'")[1] if "'" in str(value) else str(value)
        text = (
            f"✗ '{name}' is not defined yet.\n"
            "Run the cell where you define it (and the cells above it), then run this check again."
        )
    else:
        text = f"✗ {value}"
    shell._showtraceback(etype, value, [text])


def _install() -> None:
    try:
        shell = get_ipython()  # type: ignore[name-defined]
    except NameError:
        return  # plain Python (e.g. the command-line self-check): tracebacks are fine there
    if shell is not None:
        shell.set_custom_exc((CheckFailed, NameError), _show_short)


_install()
