"""Checks used by the tests inside every lab notebook.

This file is copied next to each lab notebook as ``lab_checks.py``. Its messages are written for
learners: they say what is wrong and give a hint, never the expected answer, and a failed check
is shown as a short message instead of a Python traceback.

Every check compares the *type* before the value, so an object that claims to be equal to
everything (a custom ``__eq__``) fails, as does a DataFrame where a Series was asked for.
"""

from __future__ import annotations

import json
import math
import numbers
import sys
from pathlib import Path

try:
    import pandas as pd
except ImportError:  # pragma: no cover - every lab environment has pandas
    pd = None


class CheckFailed(AssertionError):
    """A check did not pass. The message is meant for the learner."""


# The language of the messages. A translated student version ships ``lab_text.json`` next to
# this file: its language, and the lab's own problems and hints (English text → translation).
# It only chooses words: no check reads it, so it can never change a verdict.
LANGUAGES = ("en", "es")
LANGUAGE = "en"
_LAB_TEXT: dict[str, str] = {}

# This module's own messages, keyed by an id, in every language of LANGUAGES.
MESSAGES = {
    "hint": {"en": "Hint: {hint}", "es": "Pista: {hint}"},
    "expected_type": {
        "en": "expected {names}, but got {got}.",
        "es": "se esperaba {names}, pero se recibió {got}.",
    },
    "or": {"en": " or ", "es": " o "},
    "missing_columns": {
        "en": "missing column(s) {names}",
        "es": "falta(n) la(s) columna(s) {names}",
    },
    "extra_columns": {
        "en": "unexpected column(s) {names}",
        "es": "columna(s) no prevista(s) {names}",
    },
    "series_length": {
        "en": "has {got} entries, expected {want}.",
        "es": "tiene {got} entradas, se esperaban {want}.",
    },
    "example": {"en": " (for example {names})", "es": " (por ejemplo {names})"},
    "bad_index": {
        "en": "its index (labels) is not what was asked for{detail}.",
        "es": "su índice (etiquetas) no es el que se pidió{detail}.",
    },
    "wrong_values": {
        "en": "{wrong} of {total} values are not right ({examples}…).",
        "es": "{wrong} de {total} valores no son correctos ({examples}…).",
    },
    "frame_rows": {
        "en": "has {got} rows, expected {want}.",
        "es": "tiene {got} filas, se esperaban {want}.",
    },
    "column": {"en": "{what}, column {column}", "es": "{what}, columna {column}"},
    "dict_keys": {
        "en": "{missing} key(s) missing and {extra} unexpected.",
        "es": "falta(n) {missing} clave(s) y sobra(n) {extra}.",
    },
    "wrong_entries": {
        "en": "{wrong} of {total} entries are not right ({examples}…).",
        "es": "{wrong} de {total} entradas no son correctas ({examples}…).",
    },
    "not_right": {"en": "that is not right.", "es": "eso no es correcto."},
    "hidden_label": {"en": "(a label of yours)", "es": "(una etiqueta suya)"},
    "wrong_number": {"en": "the number is not right.", "es": "el número no es correcto."},
    "changed_data": {
        "en": "it changed the data it was given; work on a copy (table.copy()).",
        "es": "modificó los datos que recibió; trabaje sobre una copia (table.copy()).",
    },
    "needs_hint": {
        "en": "this cell uses your answer to {question}: fix it until its check passes, then run"
        " this cell again.",
        "es": "esta celda usa su respuesta a {question}: corríjala hasta que su verificación"
        " pase y vuelva a ejecutar esta celda.",
    },
    "cannot_use": {
        "en": "this cell cannot use it as it is.",
        "es": "esta celda no puede usarla tal como está.",
    },
    "not_defined": {
        "en": "✗ '{name}' is not defined yet.\n"
        "Run the cell where you define it (and the cells above it), then run this check again.",
        "es": "✗ '{name}' todavía no está definido.\n"
        "Ejecute la celda donde lo define (y las celdas anteriores) y vuelva a ejecutar esta"
        " verificación.",
    },
}


def _m(key: str, **values) -> str:
    texts = MESSAGES[key]
    return texts.get(LANGUAGE, texts["en"]).format(**values)


def _lab(text):
    """A lab's own text (a problem, a hint, a name) in the notebook's language, if translated."""
    return _LAB_TEXT.get(text, text) if isinstance(text, str) else text


def _load_language() -> None:
    global LANGUAGE, _LAB_TEXT
    try:
        data = json.loads(Path(__file__).with_name("lab_text.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, NameError):
        return  # no translation shipped: English
    if not isinstance(data, dict) or data.get("language") not in LANGUAGES:
        return
    text = data.get("text")
    LANGUAGE = data["language"]
    if isinstance(text, dict):
        _LAB_TEXT = {k: v for k, v in text.items() if isinstance(k, str) and isinstance(v, str)}


def _fail(what: str, problem: str, hint: str | None) -> None:
    message = f"{_lab(what)}: {_lab(problem)}"
    if hint:
        message += "\n" + _m("hint", hint=_lab(hint))
    raise CheckFailed(message)


# Types named in plain words, with the name Python uses (which error messages and help pages
# use too). Other types are named "a <name>" or "an <name>".
_PLAIN_TYPES = {
    "int": {"en": "a whole number (int)", "es": "un número entero (int)"},
    "float": {"en": "a number (float)", "es": "un número (float)"},
    "bool": {"en": "True or False (bool)", "es": "True o False (bool)"},
    "str": {"en": "a text (str)", "es": "un texto (str)"},
    "dict": {"en": "a dictionary (dict)", "es": "un diccionario (dict)"},
    "list": {"en": "a list", "es": "una lista (list)"},
    "set": {"en": "a set", "es": "un conjunto (set)"},
    "tuple": {"en": "a tuple", "es": "una tupla (tuple)"},
    "NoneType": {
        "en": "None (nothing: did the cell forget to store or return a value?)",
        "es": "None (nada: ¿la celda olvidó guardar o devolver un valor?)",
    },
    "DataFrame": {"en": "a table (DataFrame)", "es": "una tabla (DataFrame)"},
    "GeoDataFrame": {"en": "a map table (GeoDataFrame)", "es": "una tabla con mapa (GeoDataFrame)"},
    "Series": {"en": "a Series", "es": "una Series"},
    "function": {"en": "a function", "es": "una función"},
}


def _a(name: str) -> str:
    if name in _PLAIN_TYPES:
        return _PLAIN_TYPES[name].get(LANGUAGE, _PLAIN_TYPES[name]["en"])
    if LANGUAGE == "es":
        return f"un {name}"
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _type_name(value: object) -> str:
    return _a(type(value).__name__)


def _short(label: object) -> str:
    """A label of the learner's, quoted short: their data, not a channel for anything else.

    Not quoted at all once the grader has called one of their functions (in its test kernel,
    ``answer_io`` counts the calls): that function may have been given a hidden test's inputs,
    and whatever it returned is theirs to shape, labels included."""
    grader_io = sys.modules.get("answer_io")
    if grader_io is not None and getattr(grader_io, "_COUNT", [0])[0]:
        return _m("hidden_label")
    text = repr(label)
    return text if len(text) <= 24 else text[:23] + "…"


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
    names = _m("or").join(_a(t.__name__) for t in expected_types)
    _fail(what, _m("expected_type", names=names, got=_type_name(value)), hint)


def check_columns(frame: object, columns: list[str], what: str, hint=None) -> None:
    """Fail unless ``frame`` is a DataFrame with exactly these columns (in any order)."""
    check_type(frame, pd.DataFrame, what, hint)
    missing = [c for c in columns if c not in frame.columns]
    extra = [c for c in frame.columns if c not in columns]
    if missing or extra:
        parts = []
        if missing:
            parts.append(_m("missing_columns", names=", ".join(map(repr, missing))))
        if extra:
            parts.append(_m("extra_columns", names=", ".join(_short(c) for c in extra[:3])))
        _fail(what, "; ".join(parts) + ".", hint)


def _close(a: float, b: float, rel: float, abs_: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def _check_series(actual, expected, what, hint, rel, abs_):
    if len(actual) != len(expected):
        _fail(what, _m("series_length", got=len(actual), want=len(expected)), hint)
    if set(actual.index) != set(expected.index):
        unknown = [_short(k) for k in actual.index if k not in set(expected.index)][:3]
        detail = _m("example", names=", ".join(unknown)) if unknown else ""
        _fail(what, _m("bad_index", detail=detail), hint)
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
        _fail(
            what, _m("wrong_values", wrong=len(wrong), total=len(expected), examples=examples), hint
        )


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
            _fail(what, _m("frame_rows", got=len(actual), want=len(expected)), hint)
        for column in expected.columns:
            left = actual[column].reset_index(drop=True)
            right = expected[column].reset_index(drop=True)
            where = _m("column", what=_lab(what), column=repr(column))
            _check_series(left, right, where, hint, rel, abs_)
    elif isinstance(expected, dict):
        check_type(actual, dict, what, hint)
        missing = [k for k in expected if k not in actual]
        extra = [k for k in actual if k not in expected]
        if missing or extra:
            _fail(what, _m("dict_keys", missing=len(missing), extra=len(extra)), hint)
        wrong = [k for k in expected if not _equal_scalar(actual[k], expected[k], rel, abs_)]
        if wrong:
            examples = ", ".join(map(repr, wrong[:3]))
            problem = _m("wrong_entries", wrong=len(wrong), total=len(expected), examples=examples)
            _fail(what, problem, hint)
    elif isinstance(expected, bool):
        check_type(actual, bool, what, hint)
        if actual is not expected:
            _fail(what, _m("not_right"), hint)
    elif _is_number(expected):
        check_type(actual, float if isinstance(expected, float) else int, what, hint)
        if not _close(float(actual), float(expected), rel, abs_):
            _fail(what, _m("wrong_number"), hint)
    else:
        check_type(actual, type(expected), what, hint)
        if not _equal_scalar(actual, expected, rel, abs_):
            _fail(what, _m("not_right"), hint)


def _equal_scalar(actual: object, expected: object, rel: float, abs_: float) -> bool:
    if _is_number(expected):
        return _is_number(actual) and _close(float(actual), float(expected), rel, abs_)
    if type(actual) is not type(expected):
        return False
    if isinstance(expected, str):
        return actual.strip().lower() == expected.strip().lower()
    return bool(actual == expected)


def _same_value(before: object, after: object) -> bool:
    try:
        if type(before) is not type(after):
            return False
        if pd is not None and isinstance(before, pd.DataFrame | pd.Series):
            return bool(
                before.equals(after)
                and before.index.equals(after.index)
                and str(getattr(before, "dtypes", "")) == str(getattr(after, "dtypes", ""))
                and list(getattr(before, "columns", [])) == list(getattr(after, "columns", []))
            )
        return bool(before == after)
    except Exception:  # noqa: BLE001 - what cannot be compared counts as changed
        return False


def check_unchanged(function, *args, what: str, hint: str | None = None, **kwargs) -> object:
    """Call ``function(*args, **kwargs)``, fail if it changed any of its arguments, and return
    its result. Works on the learner's own function (in their notebook) and on the grader's
    stand-in for it (which says what the call changed; the test's data itself never changes)."""
    import copy

    given = [*args, *kwargs.values()]
    before = [copy.deepcopy(value) for value in given]
    returned = function(*args, **kwargs)
    changed = getattr(function, "changed_arguments", None)
    if not isinstance(changed, list):
        changed = [
            n for n, (b, a) in enumerate(zip(before, given, strict=True)) if not _same_value(b, a)
        ]
    if changed:
        _fail(what, _m("changed_data"), hint)
    return returned


def check_true(condition: bool, what: str, problem: str, hint: str | None = None) -> None:
    """Fail with ``problem`` unless ``condition`` is exactly True."""
    if condition is not True and not (hasattr(condition, "item") and condition.item() is True):
        _fail(what, problem, hint)


def needs(
    value: object,
    expected: type | tuple[type, ...],
    what: str,
    question: str,
    condition=None,
    problem: str | None = None,
) -> None:
    """For a read-only cell that uses an answer: stop with one plain line before the cell's own
    code fails deep inside pandas (or runs for minutes), when the answer is not of the type
    the cell needs, or when ``condition`` (a function of no arguments, called after the type
    check) does not return True."""
    hint = _m("needs_hint", question=_lab(question))
    check_type(value, expected, what, hint)
    if condition is None:
        return
    try:
        result = condition()
        ok = result is True or (hasattr(result, "item") and result.item() is True)
    except Exception:  # noqa: BLE001 - any failure of the condition means "cannot use it"
        ok = False
    if not ok:
        _fail(what, problem or _m("cannot_use"), hint)


def _show_short(shell, etype, value, tb, tb_offset=None):
    # A failed check or a missing answer is shown as one plain message: the error output
    # stays, so nbgrader still counts the test as failed.
    if issubclass(etype, NameError):
        name = str(value).split("'")[1] if "'" in str(value) else str(value)
        text = _m("not_defined", name=name)
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


_load_language()
_install()
