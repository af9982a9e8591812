"""Notes changes to IPython's machinery in a learner's kernel (copied into their sandbox).

Verdicts never come from the learner's kernel, but code that changes how it shows errors or
output (an exception handler that swallows errors, a patched ``showtraceback``, an input
transformer, a replaced ``sys.stdout``) is worth a trainer's look. ``watch`` notes that
machinery before the learner's first cell; ``changed`` prints, after their last cell, a line
with what differs, which the grader turns into a flag (and a missing line is a flag too).
"""

from __future__ import annotations

import json
import sys

MACHINERY_MARK = "GRADER-MACHINERY:"
_WATCHED: dict = {}


def _machinery() -> dict:
    shell = _shell()
    found = {
        "sys.excepthook": sys.excepthook,
        "sys.displayhook": sys.displayhook,
        "sys.stdout": sys.stdout,
        "sys.stderr": sys.stderr,
    }
    if shell is None:
        return found
    kind = type(shell)
    for name in ("showtraceback", "_showtraceback", "showsyntaxerror", "run_cell", "run_code"):
        found[f"shell.{name}"] = getattr(kind, name, None)
        found[f"shell.{name} (own)"] = shell.__dict__.get(name)
    for name in ("CustomTB", "custom_exceptions", "InteractiveTB", "displayhook", "display_pub"):
        found[f"shell.{name}"] = getattr(shell, name, None)
    for name in ("input_transformers_cleanup", "input_transformers_post", "ast_transformers"):
        found[f"shell.{name}"] = tuple(getattr(shell, name, []) or [])
    callbacks = getattr(getattr(shell, "events", None), "callbacks", {}) or {}
    for event, functions in callbacks.items():
        # Libraries register their own (matplotlib draws figures after each cell): only
        # callbacks written in the notebook itself count.
        found[f"events.{event}"] = tuple(f for f in functions if _from_notebook(f))
    kernel = getattr(shell, "kernel", None)
    if kernel is not None:
        found["kernel.do_execute"] = getattr(type(kernel), "do_execute", None)
        found["kernel.do_execute (own)"] = kernel.__dict__.get("do_execute")
    return found


def watch() -> None:
    _WATCHED.clear()
    _WATCHED.update(_machinery())


def changed() -> None:
    now = _machinery()
    differs = sorted(
        key
        for key in set(now) | set(_WATCHED)
        if now.get(key) is not _WATCHED.get(key) and now.get(key) != _WATCHED.get(key)
    )
    print(MACHINERY_MARK, json.dumps(differs))


def _from_notebook(function) -> bool:
    module = getattr(getattr(function, "__func__", function), "__module__", None)
    return module is None or module == "__main__"


def _shell():
    try:
        return get_ipython()  # type: ignore[name-defined]
    except NameError:
        return None
