"""Carry a learner's answers out of their (sandboxed) kernel as data only, never as code.

This file runs on both sides, so it imports nothing from the course tools:
- in the learner's kernel, ``export`` writes the answers a test cell uses to a folder: plain
  values as tagged JSON, DataFrames and Series as Parquet, GeoDataFrames (maps) as GeoParquet;
- in the clean grading kernel, ``load`` reads them back. Only exact built-in types, numpy
  scalars, DataFrames, Series and GeoDataFrames come back as themselves. Anything else (a
  subclass, an object with its own ``__eq__``) becomes an ``Unusable`` marker, which fails
  every type check, so an object that claims to equal everything earns nothing.

Functions are not data, and a learner's code never runs in the grading kernel: a function
answer is exported as a name, and in the grading kernel it becomes a ``LearnerFunction``, which
sends its arguments (as data) to the learner's own kernel and brings the result back (as data).
See the end of this file.
"""

from __future__ import annotations

import json
import os
import re

MAX_DEPTH = 20
MAX_ITEMS = 1_000_000
_SAFE_FILE = re.compile(r"^[A-Za-z0-9_]+\.parquet$")


class Unusable:
    """Stands in for an answer that could not be carried over; equal to nothing."""

    def __init__(self, reason: str):
        self.reason = reason

    def __eq__(self, other):
        return False

    def __ne__(self, other):
        return True

    __hash__ = object.__hash__

    def __bool__(self):
        return False

    def __repr__(self):
        return f"<answer that cannot be graded: {self.reason}>"


class _TooBig(Exception):
    pass


def _encode(value, budget: list[int], depth: int = 0):
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        raise _TooBig()
    kind = type(value)
    if value is None:
        return {"t": "none"}
    if kind is bool or kind is str:
        return {"t": kind.__name__, "v": value}
    if kind is int:
        return {"t": "int", "v": str(value)}
    if kind is float:
        return {"t": "float", "v": repr(value)}
    if kind.__module__ == "numpy" and hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        plain = value.item()
        if type(plain) in (bool, int, float, str):
            return _encode(plain, budget, depth)
    if kind is LearnerFunction:  # a learner's function passed to another one: a name
        return {"t": "learner-function", "name": value.name, "tag": value.tag}
    if kind in (list, tuple, set, frozenset):
        return {"t": kind.__name__, "v": [_encode(x, budget, depth + 1) for x in value]}
    if kind is dict:
        return {
            "t": "dict",
            "v": [
                [_encode(k, budget, depth + 1), _encode(v, budget, depth + 1)]
                for k, v in value.items()
            ],
        }
    return {"t": "unusable", "why": f"a {kind.__name__}, not a plain value"}


def export(namespace: dict, names: list[str], tag: str, out_dir: str) -> None:
    """Write ``names`` from ``namespace`` to ``out_dir/tag/``. Runs in the learner's kernel."""
    folder = os.path.join(out_dir, tag)
    os.makedirs(folder, exist_ok=True)
    manifest = {}
    for number, name in enumerate(names):
        if name not in namespace:
            manifest[name] = {"t": "missing"}
            continue
        value = namespace[name]
        if _is_function(value):
            _FUNCTIONS[(tag, name)] = value
            manifest[name] = {"t": "function"}
            continue
        try:
            manifest[name] = _export_frame(value, folder, number) or _encode(value, [MAX_ITEMS])
        except _TooBig:
            manifest[name] = {"t": "unusable", "why": "too large or too deeply nested"}
        except Exception as exc:  # noqa: BLE001 - an answer that cannot be written is not plain
            manifest[name] = {"t": "unusable", "why": f"could not be saved ({type(exc).__name__})"}
    with open(os.path.join(folder, "manifest.json"), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle)


def _export_frame(value, folder: str, number: int):
    kind = type(value)
    top = kind.__module__.split(".")[0]
    if (top, kind.__name__) == ("geopandas", "GeoDataFrame"):
        import geopandas as gpd

        if kind is not gpd.GeoDataFrame:
            return None
        if not all(type(c) is str for c in value.columns):
            return {"t": "unusable", "why": "a table whose column names are not all text"}
        file = f"answer_{number}.parquet"
        value.to_parquet(os.path.join(folder, file))
        return {"t": "GeoDataFrame", "file": file}
    if top != "pandas" or kind.__name__ not in ("DataFrame", "Series"):
        return None
    import pandas as pd

    if kind is pd.Series:
        frame = value.to_frame(name="value")
        extra = {"name": _encode(value.name, [100])}
    elif kind is pd.DataFrame:
        if not all(type(c) is str for c in value.columns):
            return {"t": "unusable", "why": "a table whose column names are not all text"}
        frame = value
        extra = {}
    else:
        return None
    file = f"answer_{number}.parquet"
    frame.to_parquet(os.path.join(folder, file))
    return {"t": kind.__name__, "file": file, **extra}


def _decode(item):
    if not isinstance(item, dict):
        return Unusable("a damaged export")
    kind = item.get("t")
    value = item.get("v")
    if kind == "none":
        return None
    if kind == "bool" and type(value) is bool:
        return value
    if kind == "str" and type(value) is str:
        return value
    if kind == "int" and type(value) is str and re.fullmatch(r"-?\d{1,5000}", value):
        return int(value)
    if kind == "float" and type(value) is str:
        try:
            number = float(value)
        except ValueError:
            return Unusable("a damaged number")
        return number
    if kind in ("list", "tuple", "set", "frozenset") and type(value) is list:
        items = [_decode(x) for x in value]
        if kind == "list":
            return items
        try:
            return {"tuple": tuple, "set": set, "frozenset": frozenset}[kind](items)
        except TypeError:
            return Unusable("a set of values that cannot be in a set")
    if kind == "dict" and type(value) is list:
        result = {}
        for pair in value:
            if type(pair) is not list or len(pair) != 2:
                return Unusable("a damaged dictionary")
            key = _decode(pair[0])
            try:
                result[key] = _decode(pair[1])
            except TypeError:
                return Unusable("a dictionary with keys that cannot be keys")
        return result
    if kind == "unusable":
        return Unusable(str(item.get("why", "not a plain value"))[:200])
    if kind == "learner-function" and (item.get("tag"), item.get("name")) in _FUNCTIONS:
        return _FUNCTIONS[(item["tag"], item["name"])]  # in the learner's kernel only
    return Unusable("a damaged export")


def load(tag: str, out_dir: str) -> tuple[dict, list[str]]:
    """The answers exported for ``tag`` and the names that were not defined (clean kernel)."""
    folder = os.path.join(out_dir, tag)
    try:
        with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError, RecursionError):
        return {}, []
    if not isinstance(manifest, dict):
        return {}, []
    values, missing = {}, []
    for name, item in manifest.items():
        if not isinstance(name, str) or not name.isidentifier():
            continue
        if isinstance(item, dict) and item.get("t") == "missing":
            missing.append(name)
        elif isinstance(item, dict) and item.get("t") == "function":
            values[name] = LearnerFunction(name, tag)
        elif isinstance(item, dict) and item.get("t") in ("DataFrame", "Series", "GeoDataFrame"):
            values[name] = _load_frame(folder, item)
        else:
            values[name] = _decode(item)
    return values, missing


def _load_frame(folder: str, item: dict):
    file = item.get("file")
    if not isinstance(file, str) or not _SAFE_FILE.match(file):
        return Unusable("a damaged export")
    import pandas as pd

    try:
        if item["t"] == "GeoDataFrame":
            import geopandas as gpd

            frame = gpd.read_parquet(os.path.join(folder, file))
            return frame if type(frame) is gpd.GeoDataFrame else Unusable("a damaged export")
        frame = pd.read_parquet(os.path.join(folder, file))
    except Exception:  # noqa: BLE001 - a damaged file is an unusable answer
        return Unusable("a table that could not be read back")
    if type(frame) is not pd.DataFrame:
        return Unusable("a damaged export")
    if item["t"] == "DataFrame":
        return frame
    if list(frame.columns) != ["value"]:
        return Unusable("a damaged export")
    series = frame["value"]
    name = _decode(item.get("name", {"t": "none"}))
    series.name = None if isinstance(name, Unusable) else name
    return series


def apply(namespace: dict, tag: str, names: list[str], out_dir: str) -> None:
    """Put the answers for ``tag`` into ``namespace``; names without an answer are removed."""
    values, _ = load(tag, out_dir)
    for name in names:
        if name in values:
            namespace[name] = values[name]
        else:
            namespace.pop(name, None)
    _LOADED.clear()
    _LOADED.update({n: v for n, v in values.items() if type(v) is LearnerFunction})
    _NAMESPACE[0] = namespace


# --- Function answers -------------------------------------------------------------------------
# A learner's function runs only in the learner's own (sandboxed) kernel. ``export`` keeps it
# there under its name; in the grading kernel, ``load`` gives a ``LearnerFunction`` in its place.
# Calling it writes the arguments to a request folder as data, asks the kernel's client (the
# sandbox runner) for the call with ``input("grader-call FOLDER")``, and reads the result from
# ``FOLDER/reply`` as data. The runner and the grader carry the folder to the learner's kernel,
# where ``call_function`` runs the function. Nothing the learner's code prints comes back.

CALLS = "/tmp/grader-calls"
_FUNCTIONS: dict[tuple[str, str], object] = {}  # learner's kernel: (tag, name) → function
_LOADED: dict[str, object] = {}  # grading kernel: the functions loaded for the current test
_NAMESPACE: list[dict] = [{}]  # grading kernel: the namespace they were loaded into
_ASK = input  # how a call reaches the runner (the kernel's request for input)
_COUNT = [0]
_RESULT = "result"


def _is_function(value) -> bool:
    """A function, method, class or other callable that is not plain data."""
    return callable(value) and type(value) is not LearnerFunction


class LearnerError(Exception):
    """The learner's function raised an exception that is not one of Python's own."""


class GraderCallError(Exception):
    """The learner's function could not be called (no time left, their kernel stopped, ...)."""


# A reply comes out of the learner's sandbox, where their code can write any error.json: of
# it, only a kind from these lists becomes text, and each kind says a fixed sentence. (Their
# exception's message, or the name of a class they made, could carry a test's inputs out.)
_CALL_FAILED = {
    "TimeoutError": "it did not return within the time allowed",
    "Stopped": "your notebook's Python stopped",
    "NoTime": "the time for your notebook ran out",
    "GraderError": "the call could not be made",
}
_PYTHONS_OWN = frozenset(
    {
        "ArithmeticError", "AssertionError", "AttributeError", "EOFError", "FileNotFoundError",
        "ImportError", "IndexError", "KeyError", "LookupError", "MemoryError",
        "ModuleNotFoundError", "NameError", "NotImplementedError", "OSError", "OverflowError",
        "PermissionError", "RecursionError", "RuntimeError", "StopIteration", "TypeError",
        "UnboundLocalError", "UnicodeDecodeError", "UnicodeEncodeError", "UnicodeError",
        "ValueError", "ZeroDivisionError",
    }
)  # fmt: skip


def _raise(error: dict) -> None:
    """Raise, in the grading kernel, what the learner's function raised: Python's own
    exceptions as themselves, any other as ``LearnerError``, each with a fixed message."""
    import builtins

    kind = error.get("type")
    if kind in _CALL_FAILED:
        raise GraderCallError(f"your function could not be called: {_CALL_FAILED[kind]}")
    if kind in _PYTHONS_OWN:
        raise getattr(builtins, kind)(f"your function raised {kind}")
    raise LearnerError("your function raised an exception of its own")


class LearnerFunction:
    """Stands for a learner's function in the grading kernel; calling it calls theirs, in
    their kernel, on a copy of the arguments, and returns a copy of the result (as data).

    What their function does to its copy of the arguments stays there: a test's own data can
    never be changed by a learner's code. ``changed_arguments`` lists the arguments the last
    call changed (positions, and keyword names), for a check that a function leaves its input
    alone (``lab_checks.check_unchanged``)."""

    def __init__(self, name: str, tag: str):
        self.name, self.tag = name, tag
        self.changed_arguments: list = []

    def __repr__(self):
        return f"<function {self.name} (yours, run in your own notebook)>"

    def __call__(self, *args, **kwargs):
        import shutil

        _COUNT[0] += 1
        folder = f"{CALLS}/{_COUNT[0]}"
        values = {f"a{i}": value for i, value in enumerate(args)}
        values.update({f"k_{key}": value for key, value in kwargs.items()})
        export(values, list(values), "request", folder)
        with open(os.path.join(folder, "request", "manifest.json"), encoding="utf-8") as handle:
            for key, entry in json.load(handle).items():
                if entry.get("t") == "unusable":
                    raise TypeError(
                        f"the grader cannot pass {key} ({entry.get('why')}) to {self.name}: "
                        "only plain values and tables travel to the learner's notebook"
                    )
        namespace = _NAMESPACE[0]
        hidden = sorted(n for n, f in _LOADED.items() if namespace.get(n) is not f)
        request = {
            "function": self.name,
            "tag": self.tag,
            "args": len(args),
            "kwargs": list(kwargs),
            "hidden": hidden,
        }
        with open(os.path.join(folder, "request", "request.json"), "w", encoding="utf-8") as out:
            json.dump(request, out)
        try:
            answer = _ASK(f"grader-call {folder}")
            reply = os.path.join(folder, "reply")
            if answer != "ok":
                raise GraderCallError(f"the call to your function {self.name} was lost")
            if os.path.exists(os.path.join(reply, "error.json")):
                with open(os.path.join(reply, "error.json"), encoding="utf-8") as handle:
                    error = json.load(handle)
                _raise(error if isinstance(error, dict) else {})
            values, _ = load("reply", folder)
            keys = [*range(len(args)), *kwargs]
            self.changed_arguments = [
                key for key in keys if f"after_{'a' if type(key) is int else 'k_'}{key}" in values
            ]
            return values.get(_RESULT, Unusable("no result came back"))
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def _same(before, after) -> bool:
    try:
        if type(before) is not type(after):
            return False
        if hasattr(before, "equals"):
            return bool(
                before.equals(after)
                and before.index.equals(after.index)
                and list(getattr(before, "columns", [])) == list(getattr(after, "columns", []))
                and str(getattr(before, "dtypes", "")) == str(getattr(after, "dtypes", ""))
            )
        return bool(before == after)
    except Exception:  # noqa: BLE001 - what cannot be compared is reported as changed
        return False


def call_function(folder: str) -> None:
    """In the learner's kernel: run the call in ``folder/request``, write ``folder/reply``."""
    reply = os.path.join(folder, "reply")
    os.makedirs(reply, exist_ok=True)

    def fail(kind: str, message: str) -> None:
        with open(os.path.join(reply, "error.json"), "w", encoding="utf-8") as handle:
            json.dump({"type": kind, "message": message}, handle)

    try:
        with open(os.path.join(folder, "request", "request.json"), encoding="utf-8") as handle:
            request = json.load(handle)
        function = _FUNCTIONS[(str(request["tag"]), str(request["function"]))]
        values, _ = load("request", folder)
        keys = [f"a{i}" for i in range(int(request["args"]))]
        keys += [f"k_{k}" for k in request["kwargs"]]
        args = [values[k] for k in keys[: int(request["args"])]]
        kwargs = {k: values[f"k_{k}"] for k in request["kwargs"]}
    except Exception as exc:  # noqa: BLE001 - a request that cannot be read fails its test
        fail("GraderError", f"the call could not be prepared ({type(exc).__name__})")
        return
    shell = _shell()
    namespace = shell.user_ns if shell is not None else getattr(function, "__globals__", {})
    # Names the test removed (``del squares``) are missing while the function runs, as they
    # would be if it ran next to the test.
    saved = {n: namespace.pop(n) for n in request.get("hidden", []) if n in namespace}
    try:
        result = function(*args, **kwargs)
    except BaseException as exc:  # noqa: BLE001 - the test sees it as the function's error
        fail(type(exc).__name__, str(exc)[:500])
        return
    finally:
        namespace.update(saved)
    out = {_RESULT: result}
    before, _ = load("request", folder)
    for key, value in zip(keys, [*args, *kwargs.values()], strict=True):
        if not _same(before.get(key), value):
            out[f"after_{key}"] = True  # only that it changed: the test's data stays its own
    export(out, list(out), "reply", folder)


def _shell():
    try:
        return get_ipython()  # type: ignore[name-defined]
    except NameError:
        return None
