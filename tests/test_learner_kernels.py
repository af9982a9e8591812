"""Learners' kernels are started ahead of need: each serves one submission, warmed invisibly."""

from __future__ import annotations

import nbformat

from grader import sandbox
from grader.sandbox import Limits


def _lab(tmp_path):
    lab = tmp_path / "lab"
    lab.mkdir()
    (lab / "lab_checks.py").write_text("")
    return lab


def _run(fresh: sandbox.Fresh, *sources: str) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nbformat.write(notebook, fresh.workdir / sandbox.JOB / "n.ipynb")
    run = fresh.run("n.ipynb", len(sources))
    assert run.status == "ok", run.reason
    return nbformat.read(run.notebook, as_version=4)


def _text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def test_each_submission_gets_a_kernel_of_its_own_and_no_more_are_started(tmp_path):
    pool = sandbox.LearnerKernels(tmp_path / "pool", _lab(tmp_path), Limits(), total=3, ahead=2)
    try:
        assert pool.count == 2  # started ahead, before any submission is known
        first, second = pool.take(), pool.take()
        assert first is not second
        assert pool.count == 3  # one started in place of each taken, up to the total
        pool.take()
        assert pool.count == 3
        _run(first, "secret = 42")
        # The next learner's kernel never saw the first one's names, nor its process.
        out = _run(second, "print('secret' in globals())")
        assert _text(out.cells[0]).strip() == "False"
        # Each stays up after its notebook, for calls to the learner's functions, until it is
        # stopped; then its kernel and sandbox are gone.
        assert first.process.poll() is None
        first.stop()
        assert first.process.poll() is not None
    finally:
        pool.close()


def test_warm_imports_leave_no_trace_in_the_learners_namespace(tmp_path):
    pool = sandbox.LearnerKernels(
        tmp_path / "pool",
        _lab(tmp_path),
        Limits(),
        total=1,
        ahead=1,
        modules=["colorsys", "no_such_module_here", "os; import shutil"],  # the last: refused
    )
    try:
        assert pool.modules == ["colorsys", "no_such_module_here"]
        out = _run(
            pool.take(),
            "import sys\nprint('colorsys' in sys.modules, 'colorsys' in dir(), "
            "'netrc' in sys.modules)",
        )
    finally:
        pool.close()
    # Imported ahead (so the learner's own import is quick), but bound to no name; a module
    # not asked for is not imported; and the learner's first cell is still cell 1.
    assert _text(out.cells[0]).split() == ["True", "False", "False"]
    assert out.cells[0].execution_count == 1
