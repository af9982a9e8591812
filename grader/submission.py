"""One submission, taken apart against the lab's source and put back together for grading.

Grading happens in two runs, so that no learner code runs where the tests decide:

1. the *answer run* (sandboxed): the learner's cells in the learner's order, read-only cells
   restored from the source, and in place of each test cell an export of the answers that test
   uses, followed by its visible part (to compare verdicts);
2. the *test run* (a fresh kernel): the source notebook, hidden tests included, with each test
   preceded by loading the exported answers, as data.

A function answer cannot travel as data: its text does (``carry``), read from the learner's
notebook, and is defined again in the test run just before each test that calls it; guard
cells around every test check that the function did not change the checks when called. A
function that cannot be carried is graded by its test's verdict in the answer run, where
such tests run whole (``sandboxed`` cells), and flagged.

The executed test run, with the learner's answers and their outputs put back in the answer
cells, is what nbgrader scores and what feedback shows.
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import nbformat
from nbformat import NotebookNode

_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.DOTALL)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
EXTRA = "grader_extra"  # metadata key of cells the grader adds (removed before scoring)


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {}) or {}


def kind_of(cell) -> str:
    meta = _meta(cell)
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
    return _HIDDEN.sub("", source)


def _is_lambda(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Lambda)
    )


def carried_parts(source: str, defined: set[str] | None = None) -> tuple[list[str], set[str]]:
    """A cell's top-level ``def``, ``class``, ``name = lambda`` and ``import`` statements (the
    code that can be carried to a clean kernel), and the functions and classes defined so far
    (``defined``, updated: a name any other statement sets afterwards is no longer carried)."""
    defined = set() if defined is None else defined
    tree = _parse(source)
    if tree is None:
        return [], defined
    lines = source.splitlines()
    pieces = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defined.add(node.name)
        elif _is_lambda(node):
            defined.add(node.targets[0].id)
        elif not isinstance(node, ast.Import | ast.ImportFrom):
            defined -= _writes(node)
            continue
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        pieces.append("\n".join(lines[start - 1 : node.end_lineno]))
    return pieces, defined


@dataclass
class Carried:
    """The learner's functions, as source for the clean kernel, and the values they read."""

    code: str = ""
    names: set[str] = field(default_factory=set)
    data: list[str] = field(default_factory=list)  # learner values the code reads (as data)
    written: set[str] = field(default_factory=set)  # every name the learner's answers set


def carry(plan: LabPlan, student: NotebookNode, matched: Matched) -> Carried:
    """Read from the learner's answer cells (their text, never their kernel)."""
    pieces, names, written = [], set(), set()
    for index in sorted(i for indexes in matched.answers.values() for i in indexes):
        source = student.cells[index].source
        code, names = carried_parts(source, names)
        pieces += code
        written |= names_written(source)
    code = "\n\n".join(pieces)
    reads = names_read(code) if code else set()
    data = sorted((reads & written) - names - names_written(code) - plan.lab_names)
    return Carried(code, names, data, written)


@dataclass
class LabPlan:
    """What grading needs to know about a lab, from its source notebook."""

    lab_id: str
    source: NotebookNode
    by_id: dict[str, int]  # grade_id → index in the source
    answer_names: dict[str, set[str]]  # answer grade_id → names it defines
    test_needs: dict[str, list[str]]  # test grade_id → answer names it reads
    checksums: dict[str, str] = field(default_factory=dict)  # of the student version's cells
    written_stub: str = "YOUR ANSWER HERE"
    functions: set[str] = field(default_factory=set)  # answers that are functions or classes
    lab_names: set[str] = field(default_factory=set)  # names the lab's own cells define

    def calls(self, test_id: str) -> list[str]:
        """The learner's functions a test calls (empty: it checks plain values only)."""
        return [n for n in self.test_needs.get(test_id, []) if n in self.functions]

    @cached_property
    def hidden_lines(self) -> set[str]:
        """Lines of the hidden tests, to keep out of anything a learner sees."""
        lines, public = set(), set()
        for cell in self.source.cells:
            if kind_of(cell) == "tests":
                for region in _HIDDEN.findall(cell.source):
                    lines |= {ln.strip() for ln in region.splitlines() if len(ln.strip()) >= 12}
            if kind_of(cell) != "answer":
                public |= {ln.strip() for ln in visible_part(cell.source).splitlines()}
        return {ln for ln in lines - public if not ln.startswith("###")}

    @classmethod
    def from_source(cls, lab_id: str, path: Path, release: Path | None = None) -> LabPlan:
        source = nbformat.read(path, as_version=4)
        by_id, answers, needs = {}, {}, {}
        functions, lab_names = set(), set()
        for index, cell in enumerate(source.cells):
            grade_id = _meta(cell).get("grade_id")
            if grade_id:
                by_id[grade_id] = index
            if kind_of(cell) == "answer" and cell.cell_type == "code":
                answers[grade_id] = names_written(cell.source)
                functions |= carried_parts(cell.source)[1]
            elif kind_of(cell) in ("locked", "plain") and cell.cell_type == "code":
                lab_names |= names_written(cell.source)
        defined = set().union(*answers.values()) if answers else set()
        for cell in source.cells:
            if kind_of(cell) == "tests":
                needs[_meta(cell)["grade_id"]] = sorted(names_read(cell.source) & defined)
        checksums = {}
        if release is not None:
            # nbgrader compares an answer with the student version's checksum to tell an
            # untouched answer (0 points, no manual grading needed) from a real one.
            for cell in nbformat.read(release, as_version=4).cells:
                meta = _meta(cell)
                if meta.get("grade_id") and meta.get("checksum"):
                    checksums[meta["grade_id"]] = meta["checksum"]
        return cls(
            lab_id,
            source,
            by_id,
            answers,
            needs,
            checksums,
            functions=functions,
            lab_names=lab_names,
        )

    def cell(self, grade_id: str) -> NotebookNode:
        return self.source.cells[self.by_id[grade_id]]


class Malformed(Exception):
    """The file is not a notebook we can grade; the message says why, for the trainer."""


def read_submission(path: Path) -> NotebookNode:
    data = path.read_bytes()
    if not data.strip():
        raise Malformed("the file is empty")
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise Malformed("the file is not text (not a notebook)") from exc
    except ValueError as exc:
        raise Malformed(f"the file is not a notebook (broken JSON: {exc})") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        raise Malformed("the file is JSON but not a Jupyter notebook (no cells)")
    try:
        with warnings.catch_warnings():
            # Duplicate or missing cell ids are repaired by nbformat; that is not the learner's
            # fault and does not change grading.
            warnings.simplefilter("ignore")
            notebook = nbformat.reads(json.dumps(raw), as_version=4)
    except Exception as exc:
        raise Malformed(f"the notebook cannot be read: {str(exc)[:200]}") from exc
    cells = []
    for cell in notebook.cells:
        if cell.get("cell_type") in ("code", "markdown", "raw") and isinstance(
            cell.get("source"), str
        ):
            cells.append(cell)
    notebook.cells = cells
    if not any(c.cell_type == "code" for c in cells):
        raise Malformed("the notebook has no code cells")
    return notebook


@dataclass
class Matched:
    """The learner's notebook read against the source: their answers and what was wrong."""

    answers: dict[str, list[int]] = field(default_factory=dict)  # answer id → learner cells
    written: dict[str, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    cell_role: dict[int, str] = field(default_factory=dict)  # learner cell → grade_id


def _first_line(source: str) -> str:
    return next((ln.strip() for ln in source.splitlines() if ln.strip()), "(empty)")[:60]


def match(plan: LabPlan, student: NotebookNode) -> Matched:
    found: dict[str, list[int]] = {}
    for index, cell in enumerate(student.cells):
        grade_id = _meta(cell).get("grade_id")
        if grade_id in plan.by_id and plan.cell(grade_id).cell_type == cell.cell_type:
            found.setdefault(grade_id, []).append(index)
    result = Matched()
    if not found:
        result.flags.append(
            f"none of the cells of {plan.lab_id} were found: is this the right notebook?"
        )
    claimed = {i for indexes in found.values() for i in indexes}
    for grade_id, source_index in plan.by_id.items():
        source_cell = plan.source.cells[source_index]
        kind = kind_of(source_cell)
        where = found.get(grade_id, [])
        if kind == "answer" and source_cell.cell_type == "code":
            if not where:
                where = _recover_answer(plan, grade_id, student, claimed)
                if where:
                    claimed.update(where)
                    result.flags.append(
                        f"the answer cell {grade_id} had lost its nbgrader metadata; graded "
                        f"from learner cell {where[0] + 1} ({_first_line(student.cells[where[0]].source)!r})"
                    )
                else:
                    result.flags.append(f"the answer cell {grade_id} is missing")
            elif len(where) > 1:
                result.flags.append(
                    f"the answer cell {grade_id} appears {len(where)} times; all copies were run"
                )
            result.answers[grade_id] = where
            for i in where:
                result.cell_role[i] = grade_id
            continue
        if kind == "written":
            if where:
                result.written[grade_id] = student.cells[where[-1]].source
            else:
                result.flags.append(f"the written answer {grade_id} is missing")
            continue
        if source_cell.cell_type != "code":
            continue
        label = "test cell" if kind == "tests" else "read-only cell"
        if not where:
            lost = _recover_by_text(plan, grade_id, student, claimed)
            why = "lost its nbgrader metadata" if lost is not None else "was deleted"
            if lost is not None:
                claimed.add(lost)
                where = [lost]
            result.flags.append(f"the {label} {grade_id} {why}; the original was put back")
        elif len(where) > 1:
            result.flags.append(f"the {label} {grade_id} was duplicated; it ran once")
        if where:
            expected = visible_part(source_cell.source) if kind == "tests" else source_cell.source
            if student.cells[where[0]].source.strip() != expected.strip():
                result.flags.append(f"the {label} {grade_id} was edited; the original was used")
            result.cell_role[where[0]] = grade_id
            for i in where[1:]:
                result.cell_role[i] = "(duplicate)"
    return result


def _recover_answer(plan, grade_id, student, claimed) -> list[int]:
    """A code cell without metadata that defines the names this answer should define."""
    wanted = plan.answer_names.get(grade_id, set())
    if not wanted:
        return []
    hits = [
        i
        for i, cell in enumerate(student.cells)
        if i not in claimed
        and cell.cell_type == "code"
        and not _meta(cell).get("grade_id")
        and wanted & names_written(cell.source)
    ]
    return hits[-1:]


def _recover_by_text(plan, grade_id, student, claimed) -> int | None:
    source_cell = plan.cell(grade_id)
    expected = visible_part(source_cell.source).strip()
    for i, cell in enumerate(student.cells):
        if i not in claimed and cell.cell_type == "code" and cell.source.strip() == expected:
            return i
    return None


def _extra(source: str, role: str, tag: str = "") -> NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata[EXTRA] = {"role": role, "tag": tag}
    return cell


def _export_cell(plan: LabPlan, test_id: str, carried: Carried | None) -> NotebookNode:
    # Functions travel as source (see ``carry``), so only the plain values are exported.
    names = [n for n in plan.test_needs.get(test_id, []) if n not in plan.functions]
    if carried is not None and plan.calls(test_id):
        names = sorted(set(names) | set(carried.data))
    return _extra(
        f"import answer_io as _grader_io\n_grader_io.export(globals(), {names!r}, {test_id!r}, 'out')",
        "export",
        test_id,
    )


def answer_run(
    plan: LabPlan, student: NotebookNode, matched: Matched, carried: Carried | None = None
) -> NotebookNode:
    """The notebook for the sandbox: the learner's code, exports in place of the tests."""
    placed: set[str] = set()
    blocks: list[tuple[int | None, list[NotebookNode]]] = []
    for index, cell in enumerate(student.cells):
        if cell.cell_type != "code":
            continue
        role = matched.cell_role.get(index)
        if role == "(duplicate)":
            continue
        if role is None or role in matched.answers:
            copy = nbformat.v4.new_code_cell(cell.source)
            copy.metadata[EXTRA] = {"role": "answer" if role else "learner", "tag": role or ""}
            blocks.append((index, [copy]))
            continue
        placed.add(role)
        blocks.append((index, _restored(plan, role, carried)))
    # Test and read-only cells the learner deleted go back after the cell before them.
    position = {role: n for n, (i, _) in enumerate(blocks) for role in [matched.cell_role.get(i)]}
    missing = [
        g
        for g, i in plan.by_id.items()
        if g not in placed
        and plan.source.cells[i].cell_type == "code"
        and kind_of(plan.source.cells[i]) in ("tests", "locked")
    ]
    inserts: dict[int, list[NotebookNode]] = {}
    ordered = sorted(plan.by_id, key=plan.by_id.get)
    for grade_id in missing:
        before = ordered[: ordered.index(grade_id)]
        anchor = next((position[g] for g in reversed(before) if g in position), -1)
        inserts.setdefault(anchor, []).extend(_restored(plan, grade_id, carried))
    cells = list(inserts.get(-1, []))
    for n, (_, block) in enumerate(blocks):
        cells += block + inserts.get(n, [])
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata = plan.source.metadata
    return notebook


def _restored(plan: LabPlan, grade_id: str, carried: Carried | None) -> list[NotebookNode]:
    source_cell = plan.cell(grade_id)
    if kind_of(source_cell) == "tests" and plan.calls(grade_id):
        # The whole test, hidden part included, as nbgrader would run it: its verdict is used
        # if the learner's functions cannot be carried to the clean kernel, and cross-checked
        # otherwise. (Outputs quoting hidden lines are removed before anyone sees them.)
        whole = _extra(source_cell.source, "sandboxed", grade_id)
        return [_export_cell(plan, grade_id, carried), whole]
    if kind_of(source_cell) == "tests":
        visible = _extra(visible_part(source_cell.source), "visible", grade_id)
        return [_export_cell(plan, grade_id, carried), visible]
    return [_extra(source_cell.source, "locked", grade_id)]


def clean_run(
    plan: LabPlan, matched: Matched, answers: str = "answers", carried: Carried | None = None
) -> NotebookNode:
    """The notebook for the clean kernel: the source, with answers loaded as data, and the
    learner's functions re-defined from their source where a test calls them."""
    carried = carried or Carried()
    guarded = bool(plan.functions)
    cells = [_extra("import answer_io as _grader_io", "prelude")]
    for cell in plan.source.cells:
        kind = kind_of(cell)
        grade_id = _meta(cell).get("grade_id")
        copy = nbformat.from_dict(json.loads(json.dumps(cell)))
        if kind == "answer" and cell.cell_type == "code":
            copy.source = "# the learner's answer: its values are loaded before each test"
        elif kind == "written":
            copy.source = matched.written.get(grade_id, plan.written_stub)
        elif kind == "tests":
            names = plan.test_needs.get(grade_id, [])
            cells.append(
                _extra(
                    f"_grader_io.apply(globals(), {grade_id!r}, {names!r}, {answers!r})",
                    "load",
                    grade_id,
                )
            )
            calls = plan.calls(grade_id)
            if calls:
                # A function the learner never wrote is simply missing (the test fails as
                # it should); one they wrote but that cannot be carried is graded elsewhere.
                absent = [n for n in calls if n not in carried.written]
                # Set by other code than a def (or after it): the text is not the function.
                refused = [n for n in calls if n in carried.written and n not in carried.names]
                cells.append(
                    _extra(
                        f"_grader_io.define(globals(), {carried.code!r}, {calls!r}, "
                        f"{carried.data!r}, {grade_id!r}, {answers!r}, {absent!r}, "
                        f"{refused!r})",
                        "define",
                        grade_id,
                    )
                )
            else:
                cells.append(_extra(visible_part(cell.source), "visible", grade_id))
            if guarded:
                cells.append(_extra("_grader_io.guard(globals())", "guard", grade_id))
        cells.append(copy)
        if kind == "tests" and guarded:
            cells.append(_extra("_grader_io.guard(globals())", "guard", grade_id))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata = plan.source.metadata
    return notebook


def failed(cell: NotebookNode) -> bool:
    return any(o.get("output_type") == "error" for o in cell.get("outputs", []))


def ran(cell: NotebookNode) -> bool:
    return cell.get("execution_count") is not None or bool(cell.get("outputs"))


def visible_verdicts(executed: NotebookNode, plan: LabPlan | None = None) -> dict[str, bool | None]:
    """test id → did its visible checks pass (None: never ran). For a test that calls the
    learner's functions, the whole test's verdict (``plan`` given: in the clean run)."""
    verdicts = {}
    for cell in executed.cells:
        extra = cell.metadata.get(EXTRA, {})
        grade_id = _meta(cell).get("grade_id")
        if extra.get("role") in ("visible", "sandboxed"):
            verdicts[extra["tag"]] = (not failed(cell)) if ran(cell) else None
        elif plan is not None and kind_of(cell) == "tests" and plan.calls(grade_id):
            verdicts[grade_id] = (not failed(cell)) if ran(cell) else None
    return verdicts


def grader_errors(executed: NotebookNode, role: str) -> dict[str, str]:
    """test id → the message of a grader cell of this role that failed."""
    found = {}
    for cell in executed.cells:
        extra = cell.metadata.get(EXTRA, {})
        if extra.get("role") == role and failed(cell):
            error = next(o for o in cell.outputs if o.get("output_type") == "error")
            found.setdefault(extra["tag"], f"{error.get('evalue', '')}"[:300])
    return found


def sandboxed_outputs(answered: NotebookNode | None) -> dict[str, list]:
    """test id → outputs of the whole test, as run in the learner's kernel."""
    outputs = {}
    for cell in answered.cells if answered is not None else []:
        extra = cell.metadata.get(EXTRA, {})
        if extra.get("role") == "sandboxed" and ran(cell):
            outputs[extra["tag"]] = list(cell.get("outputs", []))
    return outputs


def _error(ename: str, text: str) -> NotebookNode:
    return nbformat.v4.new_output("error", ename=ename, evalue=text, traceback=[f"✗ {text}"])


def not_run_error(why: str) -> NotebookNode:
    return _error("NotRun", f"this test did not run: {why}")


def tampered_error() -> NotebookNode:
    return _error(
        "CheckFailed",
        "your code changed the checks (or Python's own functions) while this test ran, "
        "so it cannot be trusted and scores 0; your trainer will look at it.",
    )


def plain_message(output) -> str:
    """What a failed check says, in words, without code: a traceback can quote hidden tests."""
    ename, evalue = str(output.get("ename", "")), str(output.get("evalue", ""))
    if ename == "CheckFailed" or ename in ("NotRun", "NotGraded"):
        return evalue
    if ename == "NameError":
        name = evalue.split("'")[1] if "'" in evalue else evalue
        return f"'{name}' is not defined: run the cell that defines it, then check again."
    return f"the check could not run on this answer ({ename}: {evalue[:200]})"


def _plain_error(output) -> NotebookNode:
    if output.get("output_type") != "error":
        return output
    return _error(str(output.get("ename", "Error")), plain_message(output))


_KEEP_OUTPUTS = {"stream", "error", "execute_result", "display_data"}


def graded_notebook(
    plan: LabPlan,
    tested: NotebookNode,
    answered: NotebookNode | None,
    student: NotebookNode | None,
    matched: Matched | None,
    why_not_run: str,
    replaced: dict[str, list] | None = None,
) -> NotebookNode:
    """What nbgrader scores: the test run without the grader's cells, the learner's answers put
    back. A test cell that never ran gets an error: nbgrader would count it as passed.
    ``replaced``: test id → the outputs to score instead (a verdict from elsewhere)."""
    replaced = replaced or {}
    outputs: dict[str, list] = {}
    if answered is not None:
        for cell in answered.cells:
            extra = cell.metadata.get(EXTRA, {})
            if extra.get("role") == "answer":
                kept = [o for o in cell.get("outputs", []) if o.get("output_type") in _KEEP_OUTPUTS]
                outputs.setdefault(extra["tag"], []).extend(kept)
    cells = []
    for cell in tested.cells:
        if EXTRA in cell.metadata:
            continue
        kind = kind_of(cell)
        grade_id = _meta(cell).get("grade_id")
        if grade_id in plan.checksums:
            cell.metadata["nbgrader"]["checksum"] = plan.checksums[grade_id]
        if kind == "answer" and cell.cell_type == "code":
            indexes = matched.answers.get(grade_id, []) if matched else []
            cell.source = "\n\n".join(student.cells[i].source for i in indexes) if indexes else ""
            cell.outputs = outputs.get(grade_id, [])
        elif kind == "tests" and grade_id in replaced:
            cell.outputs = [_plain_error(o) for o in replaced[grade_id]]
        elif kind == "tests" and not ran(cell):
            cell.outputs = [_error("NotRun", f"this test did not run: {why_not_run}")]
        elif kind == "tests":
            cell.outputs = [_plain_error(o) for o in cell.outputs]
        cells.append(cell)
    tested.cells = cells
    return scrub(tested, plan.hidden_lines)


_REMOVED = "[output removed by the grader: it quoted a hidden test]\n"


def _quotes(output, lines: set[str]) -> bool:
    text = json.dumps(output, ensure_ascii=False)
    return any(json.dumps(line, ensure_ascii=False)[1:-1] in text for line in lines)


def scrub(notebook: NotebookNode, hidden: set[str]) -> NotebookNode:
    """Remove outputs that quote a hidden test (learner code that ran next to one can print
    it); a failure stays a failure."""
    for cell in notebook.cells:
        if cell.cell_type != "code" or not hidden:
            continue
        kept = []
        for output in cell.get("outputs", []):
            if not _quotes(output, hidden):
                kept.append(output)
            elif output.get("output_type") == "error":
                kept.append(_error(str(output.get("ename", "Error")), _REMOVED.strip()))
            else:
                kept.append(nbformat.v4.new_output("stream", name="stderr", text=_REMOVED))
        cell.outputs = kept
    return notebook


def blank_graded(plan: LabPlan, why: str) -> NotebookNode:
    """A notebook scoring zero everywhere, for a submission that cannot be graded at all."""
    notebook = nbformat.from_dict(json.loads(json.dumps(plan.source)))
    for cell in notebook.cells:
        kind = kind_of(cell)
        grade_id = _meta(cell).get("grade_id")
        if grade_id in plan.checksums:
            cell.metadata["nbgrader"]["checksum"] = plan.checksums[grade_id]
        if kind == "answer" and cell.cell_type == "code":
            cell.source = ""
        elif kind == "written":
            cell.source = plan.written_stub
        if cell.cell_type == "code":
            cell.outputs = [_error("NotGraded", why)] if kind == "tests" else []
    return notebook
