"""Reading a lab notebook's cells: which are answers, tests or read-only, what names a cell's
code reads and writes, and which part of a test is hidden. Shared by the build's gates and the
cohort's grading (which may import the build, not the reverse).
"""

from __future__ import annotations

import ast
import re

from nbformat import NotebookNode

HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.DOTALL)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def cell_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {}) or {}


def kind_of(cell) -> str:
    meta = cell_meta(cell)
    if meta.get("grade") and meta.get("solution"):
        return "written" if cell.cell_type == "markdown" else "answer-graded"
    if meta.get("solution"):
        return "answer"
    if meta.get("grade"):
        return "tests"
    if meta.get("locked"):
        return "locked"
    return "plain"


def _parse(source: str) -> ast.AST | None:
    # IPython magics and shell lines are not Python; blank them out for the analysis.
    lines = ["" if ln.lstrip().startswith(("%", "!")) else ln for ln in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def names_read(source: str) -> set[str]:
    tree = _parse(source)
    if tree is None:
        return set(_IDENT.findall(source))
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def imported_modules(notebook: NotebookNode) -> list[str]:
    """Modules the notebook's code cells import (absolute imports), in order of appearance."""
    found: dict[str, None] = {}
    for cell in notebook.cells:
        tree = _parse(cell.source) if cell.cell_type == "code" else None
        for node in ast.walk(tree) if tree is not None else ():
            if isinstance(node, ast.Import):
                found.update(dict.fromkeys(alias.name for alias in node.names))
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found[node.module] = None
    return list(found)


def names_written(source: str) -> set[str]:
    """Names a cell defines or changes (``x = …``, ``x[...] = …``, ``def x``, ``import x``)."""
    tree = _parse(source)
    return set() if tree is None else _writes(tree)


def _writes(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.Subscript | ast.Attribute) and isinstance(
            node.ctx, ast.Store | ast.Del
        ):
            base = node.value
            while isinstance(base, ast.Subscript | ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name):
                names.add(base.id)
    return names


def visible_part(source: str) -> str:
    return HIDDEN.sub("", source)


def is_code_answer(cell) -> bool:
    """A code cell the learner writes: auto-graded by the tests, or graded by hand."""
    return cell.cell_type == "code" and kind_of(cell) in ("answer", "answer-graded")


def defined_functions(source: str) -> set[str]:
    """Names a cell binds to a function or class at its top level (``def``, ``class``,
    ``name = lambda``), unless a later statement of the cell binds them again."""
    tree = _parse(source)
    defined: set[str] = set()
    for node in tree.body if tree is not None else ():
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defined.add(node.name)
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Lambda)
        ):
            defined.add(node.targets[0].id)
        else:
            defined -= _writes(node)
    return defined
