"""The code's layout: which part of ``grader`` may import which, no import circles, short modules.

Imports are read with ``ast`` (those inside functions too), so a lazy import cannot hide an
arrow that runs the wrong way.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from grader.paths import ROOT

PACKAGES = ("grader", "synthetic_data", "agreements")

# The part of grader a module belongs to, and the parts it may import (its own included).
# ``shipped`` is copied into sandboxes, kernels and lab zips as single files: it may import
# nothing of the project. The cohort code uses the sandbox, never the reverse; the build never
# imports the cohort code; only the command line (``cli``) sees everything.
ALLOWED = {
    "shipped": set(),
    "base": {"base"},
    "build": {"base", "shipped", "build"},
    "book": {"base", "build", "book"},
    "pipeline": {"base", "build", "book", "pipeline"},
    "sandbox": {"base", "shipped", "sandbox"},
    "cohort": {"base", "shipped", "build", "sandbox", "cohort"},
    # The capacity self-assessment and resource catalogue: data in capacity/, read here.
    "capacity": {"base", "capacity"},
    "hub": {"base", "sandbox", "cohort", "hub"},
    "cli": {
        "base",
        "shipped",
        "build",
        "book",
        "pipeline",
        "sandbox",
        "cohort",
        "capacity",
        "hub",
        "cli",
    },
}
MAX_LINES = 450


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Project modules ``name`` imports (resolved to the module, not the names in it)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            targets = [
                f"{target}.{alias.name}" if f"{target}.{alias.name}" in MODULES else target
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target:
                found.add(target)
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _part(module: str) -> str:
    parts = module.split(".")
    if parts[0] != "grader":
        return parts[0]
    if len(parts) == 1 or parts[1] in ("cli", "__main__") or parts[1].startswith("cli_"):
        return "cli"
    if parts[1] in ("errors", "paths"):
        return "base"
    return parts[1]


def test_every_grader_module_belongs_to_a_known_part():
    unknown = {m for m in MODULES if m.startswith("grader") and _part(m) not in ALLOWED}
    assert not unknown, f"add these to ALLOWED in {__file__}: {sorted(unknown)}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("grader")))
def test_imports_run_one_way(module):
    part = _part(module)
    # ``grader/__init__`` only re-exports the error class: importing it is fine.
    wrong = {
        target
        for target in GRAPH[module] - {"grader"}
        if target.startswith("grader") and _part(target) not in ALLOWED[part]
    }
    assert not wrong, f"{module} ({part}) may not import {sorted(wrong)}"


@pytest.mark.parametrize(
    ("package", "may_use"), [("synthetic_data", set()), ("agreements", {"synthetic_data"})]
)
def test_the_data_and_agreement_packages_stand_alone(package, may_use):
    for module in (m for m in MODULES if m.split(".")[0] == package):
        others = {t.split(".")[0] for t in GRAPH[module]} - {package} - may_use
        assert not others, f"{module} imports {sorted(others)}"


def test_shipped_modules_import_nothing_of_the_project():
    for module in (m for m in MODULES if m.startswith("grader.shipped.")):
        assert not GRAPH[module], f"{module} is copied alone; it imports {sorted(GRAPH[module])}"


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """An import circle, if any (a package's ``__init__`` importing its own modules is not one:
    Python imports a module's packages before the module)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if node.startswith(target + "."):  # a module importing its own package
                continue
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_circles():
    # Package ``__init__`` files gather their modules' names; leave them out of the circles.
    modules = {m for m, p in MODULES.items() if p.name != "__init__.py"}
    graph = {m: {t for t in GRAPH[m] if t in modules} for m in modules}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_the_circle_finder_finds_a_circle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("grader")))
def test_modules_stay_short(module):
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines: split it by responsibility"


def test_every_grader_package_says_what_it_may_import():
    for path in sorted((ROOT / "grader").glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        assert "import" in doc, f"{path.parent.name}/__init__.py: say what it may import"
