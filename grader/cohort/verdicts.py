"""Reading the executed runs (which tests passed, which grader cells failed, what the learner's
code changed in their kernel) and building the notebook nbgrader scores: the test run with the
learner's answers put back, each test's verdict from the test kernel's own record, every
failure in plain words, and no output that quotes a hidden test."""

from __future__ import annotations

import json
import re
import textwrap

import nbformat
import nh3
from nbformat import NotebookNode
from nbgrader.utils import compute_checksum

from ..build.cells import cell_meta, is_code_answer, kind_of
from ..shipped.kernel_watch import MACHINERY_MARK
from .labplan import EXTRA, LabPlan
from .reading import Matched


def failed(cell: NotebookNode) -> bool:
    return any(o.get("output_type") == "error" for o in cell.get("outputs", []))


def ran(cell: NotebookNode) -> bool:
    return cell.get("execution_count") is not None or bool(cell.get("outputs"))


def _passed(cell: NotebookNode, verdict: str | None) -> bool | None:
    """Did a cell of the test run pass: the kernel's own verdict on it where it gave one, else
    whether it has an error output; None if it never ran."""
    if verdict is not None:
        return verdict == "ok"
    return (not failed(cell)) if ran(cell) else None


def visible_verdicts(
    executed: NotebookNode, plan: LabPlan | None = None, kernel: dict | None = None
) -> dict[str, bool | None]:
    """test id → did its visible checks pass (None: never ran). In the test run (``plan``
    given), a test that calls the learner's functions counts as a whole. ``kernel``: cell
    index → the kernel's own verdict."""
    kernel = kernel or {}
    verdicts = {}
    for index, cell in enumerate(executed.cells):
        extra = cell.metadata.get(EXTRA, {})
        grade_id = cell_meta(cell).get("grade_id")
        if extra.get("role") == "visible":
            verdicts[extra["tag"]] = _passed(cell, kernel.get(index))
        elif plan is not None and kind_of(cell) == "tests" and plan.calls(grade_id):
            verdicts[grade_id] = _passed(cell, kernel.get(index))
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


def machinery_flags(answered: NotebookNode | None) -> list[str]:
    """What the learner's code changed in how their kernel shows errors and output (noted by
    ``kernel_watch`` after their last cell), as reasons for the trainer to look."""
    cell = (
        next((c for c in answered.cells if c.metadata.get(EXTRA, {}).get("role") == "watch"), None)
        if answered is not None
        else None
    )
    if cell is None or not ran(cell):
        return []  # the notebook stopped before the end: its status already says so
    text = "".join(
        o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream"
    )
    line = next((ln for ln in text.splitlines() if ln.startswith(MACHINERY_MARK)), None)
    try:
        changed = json.loads(line[len(MACHINERY_MARK) :]) if line else None
    except (ValueError, RecursionError):
        changed = None
    if not isinstance(changed, list):
        why = (
            "the grader could not check how the learner's kernel shows errors and output after "
            "their last cell (their code may have changed it); look at it"
        )
        return [why]
    if not changed:
        return []
    shown = ", ".join(str(c)[:60] for c in changed[:6])
    why = (
        f"the learner's code changed how their kernel shows errors or output ({shown}); it "
        "cannot change the grade, but look at it"
    )
    return [why]


def _error(ename: str, text: str) -> NotebookNode:
    return nbformat.v4.new_output("error", ename=ename, evalue=text, traceback=[f"✗ {text}"])


def not_run_error(why: str) -> NotebookNode:
    return _error("NotRun", f"this test did not run: {why}")


def plain_message(output) -> str:
    """What a failed check says, in words, without code: a traceback can quote hidden tests."""
    ename, evalue = str(output.get("ename", "")), str(output.get("evalue", ""))
    if ename == "CheckFailed" or ename in ("NotRun", "NotGraded"):
        return evalue
    if ename == "NameError":
        name = evalue.split("'")[1] if "'" in evalue else evalue
        return f"'{name}' is not defined: run the cell that defines it, then check again."
    if _FIXED_TEXT.fullmatch(evalue):
        return f"the check could not run on this answer ({ename}: {evalue})"
    # Any other message is the test kernel's, about the test's own data: it could quote a
    # hidden test's values, so only the error's kind is shown.
    return f"the check could not run on this answer ({ename})"


# What the grader itself says of a learner's function (``answer_io``): fixed sentences.
_FIXED_TEXT = re.compile(
    r"your function (raised [A-Za-z]+|raised an exception of its own|could not be called: [a-z' ]+)"
)


def _plain_error(output) -> NotebookNode:
    if output.get("output_type") != "error":
        return output
    return _error(str(output.get("ename", "Error")), plain_message(output))


_KEEP_OUTPUTS = {"stream", "error", "execute_result", "display_data"}
# What a rich output may carry into the graded notebook, which the trainer's formgrader and the
# feedback pages render: pictures and text. HTML is cleaned (no scripts, no event handlers, no
# links to fetch); SVG, JavaScript, Markdown, LaTeX and widgets are dropped.
_SAFE_MIME = {"text/plain", "image/png", "image/jpeg", "image/gif"}


def safe_output(output: dict) -> dict | None:
    """An output as the trainer's pages may show it, or None if nothing of it is safe."""
    kind = output.get("output_type")
    if kind in ("stream", "error"):
        return output
    if kind not in ("display_data", "execute_result"):
        return None
    data = {k: v for k, v in output.get("data", {}).items() if k in _SAFE_MIME and type(v) is str}
    html = output.get("data", {}).get("text/html")
    if type(html) is str:
        cleaned = nh3.clean(html, url_schemes=set())
        if cleaned.strip():
            data["text/html"] = cleaned
    if not data:
        return None
    safe = nbformat.from_dict({**output, "data": data, "metadata": {}})
    return safe


def safe_markdown(text: str) -> str:
    """A written answer as a fenced block of plain text, so no renderer runs any of it.

    Escaping some of it cannot work: whatever a pattern takes for code, the markdown parser,
    MathJax (``$\\href{javascript:...}$``) or a link (``[x](javascript:...)``) may read
    otherwise. In a fenced block nothing is markup, MathJax skips it, and the fence is longer
    than any run of backticks in the answer, so no line of it can close the block. Lines are
    wrapped for reading, as a block is not.
    """
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    lines = []
    for line in text.splitlines() or [""]:
        lines += textwrap.wrap(line, WRAP, replace_whitespace=False, drop_whitespace=False) or [""]
    return f"{fence}text\n" + "\n".join(lines) + f"\n{fence}"


WRAP = 100  # characters per line of a written answer, as shown to the trainer


def _capped(outputs: list, limit: int) -> list:
    """Outputs up to about ``limit`` bytes: copies of an answer cell each bring their own."""
    kept, size = [], 0
    for output in outputs:
        size += len(json.dumps(output))
        if size > limit:
            kept.append(nbformat.v4.new_output("stream", name="stderr", text=_CUT))
            break
        kept.append(output)
    return kept


_CUT = "[more output was cut by the grader]\n"


def graded_notebook(
    plan: LabPlan,
    tested: NotebookNode,
    answered: NotebookNode | None,
    student: NotebookNode | None,
    matched: Matched | None,
    why_not_run: str,
    kernel: dict | None = None,
    max_output: int = 1_000_000,
) -> NotebookNode:
    """What nbgrader scores: the test run without the grader's cells, the learner's answers put
    back. Each test's verdict is the test kernel's own (``kernel``: cell index → ``ok`` or
    ``error``), written as nbgrader reads it: an error output for a failure, none for a pass.
    A test cell that never ran gets an error: nbgrader would count it as passed."""
    kernel = kernel or {}
    outputs: dict[str, list] = {}
    if answered is not None:
        for cell in answered.cells:
            extra = cell.metadata.get(EXTRA, {})
            if extra.get("role") == "answer":
                kept = [o for o in cell.get("outputs", []) if o.get("output_type") in _KEEP_OUTPUTS]
                outputs.setdefault(extra["tag"], []).extend(kept)
    outputs = {k: _capped(v, max_output) for k, v in outputs.items()}
    cells = []
    for index, cell in enumerate(tested.cells):
        if EXTRA in cell.metadata:
            continue
        kind = kind_of(cell)
        grade_id = cell_meta(cell).get("grade_id")
        if grade_id in plan.checksums:
            cell.metadata["nbgrader"]["checksum"] = plan.checksums[grade_id]
        if is_code_answer(cell):
            indexes = matched.answers.get(grade_id, []) if matched else []
            cell.source = "\n\n".join(student.cells[i].source for i in indexes) if indexes else ""
            cell.outputs = outputs.get(grade_id, [])
        elif kind == "tests":
            cell.outputs = _test_outputs(cell, _passed(cell, kernel.get(index)), why_not_run)
        elif kind == "written" and compute_checksum(cell) != plan.checksums.get(grade_id):
            # Untouched, it is the student version's own text, and nbgrader must see it so (it
            # scores an unchanged answer 0 without a trainer).
            cell.source = safe_markdown(cell.source)
        if cell.cell_type == "code":
            cell.outputs = [o for o in map(safe_output, cell.get("outputs", [])) if o is not None]
        cells.append(cell)
    tested.cells = cells
    return scrub(tested, plan.hidden_lines)


def _test_outputs(cell: NotebookNode, passed: bool | None, why_not_run: str) -> list:
    if passed is None:
        return [_error("NotRun", f"this test did not run: {why_not_run}")]
    kept = [o for o in cell.get("outputs", []) if o.get("output_type") != "error"]
    if passed:
        return kept
    errors = [_plain_error(o) for o in cell.outputs if o.get("output_type") == "error"]
    return kept + (errors[:1] or [_error("CheckFailed", "this check did not pass")])


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
        grade_id = cell_meta(cell).get("grade_id")
        if grade_id in plan.checksums:
            cell.metadata["nbgrader"]["checksum"] = plan.checksums[grade_id]
        if is_code_answer(cell):
            cell.source = ""
        elif kind == "written":
            cell.source = plan.written_stub
        if cell.cell_type == "code":
            cell.outputs = [_error("NotGraded", why)] if kind == "tests" else []
    return notebook
