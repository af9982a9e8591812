"""Carry a learner's answers out of their (sandboxed) kernel as data only, never as code.

This file runs on both sides, so it imports nothing from the course tools:
- in the learner's kernel, ``export`` writes the answers a test cell uses to a folder: plain
  values as tagged JSON, DataFrames and Series as Parquet, GeoDataFrames (maps) as GeoParquet;
- in the clean grading kernel, ``load`` reads them back. Only exact built-in types, numpy
  scalars, DataFrames, Series and GeoDataFrames come back as themselves. Anything else (a
  subclass, an object with its own ``__eq__``) becomes an ``Unusable`` marker, which fails
  every type check, so an object that claims to equal everything earns nothing.

Functions are not data: ``define`` re-defines them from their text (see the end of this file).
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
    return Unusable("a damaged export")


def load(tag: str, out_dir: str) -> tuple[dict, list[str]]:
    """The answers exported for ``tag`` and the names that were not defined (clean kernel)."""
    folder = os.path.join(out_dir, tag)
    try:
        with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError):
        return {}, []
    if not isinstance(manifest, dict):
        return {}, []
    values, missing = {}, []
    for name, item in manifest.items():
        if not isinstance(name, str) or not name.isidentifier():
            continue
        if isinstance(item, dict) and item.get("t") == "missing":
            missing.append(name)
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


# --- Function answers -------------------------------------------------------------------------
# A function cannot travel as data. The grader carries its *source* instead: the learner's
# top-level ``def``/``class``/``import`` statements (read from the notebook, never from the
# learner's kernel), re-defined here with globals of their own, so the rest of the learner's
# code never runs in this kernel. The function bodies do run when the tests call them, so
# ``guard`` checks, around every test, that nothing the tests rely on was changed.


class NotCarried(Exception):
    """The learner's functions could not be re-defined in the clean kernel."""


class Tampered(Exception):
    """Code the learner wrote changed what the tests rely on while it ran."""


_BUILTINS = [
    "abs",
    "all",
    "any",
    "bool",
    "callable",
    "dict",
    "float",
    "getattr",
    "hasattr",
    "int",
    "isinstance",
    "issubclass",
    "len",
    "list",
    "max",
    "min",
    "print",
    "range",
    "repr",
    "round",
    "set",
    "sorted",
    "str",
    "sum",
    "tuple",
    "type",
    "zip",
]
_snapshot: dict | None = None


def _shell():
    try:
        return get_ipython()  # type: ignore[name-defined]
    except NameError:
        return None


def _hooks() -> dict:
    import builtins
    import sys

    shell = _shell()
    hooks = {"trace": sys.gettrace(), "profile": sys.getprofile()}
    hooks.update({f"builtins.{n}": getattr(builtins, n, None) for n in _BUILTINS})
    for name in ("input_transformers_cleanup", "input_transformers_post", "ast_transformers"):
        hooks[name] = list(getattr(shell, name, []) or [])
    return hooks


def _checks(namespace: dict) -> dict:
    import sys

    module = sys.modules.get("lab_checks")
    found = {"module": module}
    if module is not None:
        for name, value in vars(module).items():
            if callable(value) and not name.startswith("__"):
                found[f"lab_checks.{name}"] = value
                code = getattr(value, "__code__", None)
                found[f"lab_checks.{name}.__code__"] = code
                found[f"lab_checks.{name}.__defaults__"] = getattr(value, "__defaults__", None)
    for name, value in namespace.items():
        if getattr(value, "__module__", None) == "lab_checks":
            found[f"ns.{name}"] = value
    return found


def define(
    namespace: dict,
    code: str,
    names: list[str],
    data: list[str],
    tag,
    out_dir,
    absent=(),
    refused=(),
) -> None:
    """Re-define the learner's functions ``names`` from ``code`` (their source), with the
    learner's plain values ``data`` (exported for ``tag``) as their globals. ``absent``: names
    the learner never wrote, left undefined; ``refused``: names their code sets otherwise than
    by a ``def`` (its text is not the function), not carried."""
    global _snapshot
    if refused:
        for name in names:
            namespace.pop(name, None)
        raise NotCarried(f"{', '.join(refused)} (set by other code than a def)")
    if _snapshot is None:  # before any learner code runs here
        _snapshot = {"hooks": _hooks(), "checks": _checks(namespace)}
    values, _ = load(tag, out_dir)
    scope = {k: v for k, v in namespace.items() if not k.startswith("_grader")}
    unusable = [name for name in data if isinstance(values.get(name), Unusable)]
    if unusable and set(names) - set(absent):
        for name in names:
            namespace.pop(name, None)
        raise NotCarried(f"{', '.join(names)} (they use {', '.join(unusable)}, not plain data)")
    scope.update({name: values[name] for name in data if name in values})
    scope["__name__"] = "__learner__"
    try:
        exec(compile(code, "<the learner's functions>", "exec"), scope)  # noqa: S102
        missing = [name for name in names if name not in scope]
    except BaseException as exc:  # noqa: BLE001 - any failure means: not carried
        missing, why = names, f"{type(exc).__name__}: {str(exc)[:200]}"
    else:
        why = "not defined by a top-level def or class"
    for name in names:
        if name in missing:
            namespace.pop(name, None)
        else:
            namespace[name] = scope[name]
    missing = [name for name in missing if name not in absent]
    if missing:
        raise NotCarried(f"{', '.join(missing)} ({why})")


def guard(namespace: dict) -> None:
    """Fail if the tests' checks, Python's hooks or IPython's transformers were changed since
    the learner's functions were defined; put the originals back first."""
    if _snapshot is None:
        return
    import builtins
    import sys

    changed = []
    now = _hooks()
    for key, before in _snapshot["hooks"].items():
        if now.get(key) is not before and now.get(key) != before:
            changed.append(key)
            if key == "trace":
                sys.settrace(before)
            elif key == "profile":
                sys.setprofile(before)
            elif key.startswith("builtins."):
                setattr(builtins, key.split(".", 1)[1], before)
            else:
                getattr(_shell(), key)[:] = before
    checks = _snapshot["checks"]
    module = checks["module"]
    if sys.modules.get("lab_checks") is not module:
        changed.append("lab_checks")
        sys.modules["lab_checks"] = module
    for key, before in checks.items():
        if key.startswith("lab_checks.") and key.count(".") == 1:
            name = key.split(".", 1)[1]
            value = getattr(module, name, None)
            if value is not before:
                changed.append(key)
                setattr(module, name, before)
            for attribute in ("__code__", "__defaults__"):
                if getattr(before, attribute, None) is not checks.get(f"{key}.{attribute}"):
                    changed.append(f"{key}.{attribute}")
                    setattr(before, attribute, checks[f"{key}.{attribute}"])
        elif key.startswith("ns.") and namespace.get(key[3:]) is not before:
            changed.append(key[3:])
            namespace[key[3:]] = before
    if changed:
        raise Tampered("changed while the learner's code ran: " + ", ".join(sorted(set(changed))))
