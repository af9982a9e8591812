"""``check NOTEBOOK``: a learner without a server runs their lab's visible checks.

The notebook runs from the top in a fresh Python, next to its ``data/`` and ``lab_checks.py``
(as unzipped). Each check cell is reported as passed or failed with its message and hint and
the points at stake. The copy a learner has holds only the visible checks; the trainer's
grading runs hidden ones too, and says so.
"""

from __future__ import annotations

from pathlib import Path

from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from .errors import GraderError
from .submission import Malformed, kind_of, plain_message, read_submission


def check(path: Path, timeout: int = 120, echo=print) -> bool:
    path = Path(path)
    if not path.is_file():
        raise GraderError(f"there is no notebook {path}", "give the path to your lab's .ipynb file")
    try:
        notebook = read_submission(path)
    except Malformed as exc:
        raise GraderError(
            f"{path.name} cannot be checked: {exc}",
            "open it in Jupyter and save it again, or start again from the lab's zip",
        ) from exc
    tests = [c for c in notebook.cells if kind_of(c) == "tests"]
    if not tests:
        raise GraderError(
            f"{path.name} has no check cells",
            "use the notebook from the lab's zip (its check cells carry nbgrader metadata)",
        )
    if not (path.parent / "lab_checks.py").exists():
        raise GraderError(
            f"lab_checks.py is not next to {path.name}",
            "keep the notebook in the folder you unzipped, with lab_checks.py and data/",
        )
    echo(f"Running {path.name} from the top (this can take a minute)…")
    client = NotebookClient(
        notebook,
        timeout=timeout,
        allow_errors=True,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent.resolve())}},
    )
    stopped = ""
    try:
        client.execute()
    except CellTimeoutError:
        stopped = f"a cell ran longer than {timeout} s, so the checks after it did not run"
    except DeadKernelError:
        stopped = "Python stopped while running your notebook (out of memory, or os._exit?)"
    except RuntimeError as exc:  # no kernel could start
        raise GraderError(
            f"could not start Python for the notebook: {exc}",
            "install the course's requirements (pip install -r requirements.txt) and try again",
        ) from exc
    passed_points = total_points = passed = 0
    for cell in tests:
        meta = cell.metadata["nbgrader"]
        points = float(meta.get("points", 0))
        total_points += points
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        ran = cell.get("execution_count") is not None
        label = f"{meta['grade_id']} ({points:g} point(s))"
        if ran and not errors:
            passed += 1
            passed_points += points
            echo(f"  ✓ {label}")
        elif not ran:
            echo(f"  ✗ {label}: did not run")
        else:
            message = plain_message(errors[0]).replace("\n", "\n      ")
            echo(f"  ✗ {label}: {message}")
    if stopped:
        echo(f"Stopped early: {stopped}.")
    echo(
        f"{passed} of {len(tests)} visible checks pass ({passed_points:g} of {total_points:g} "
        "points at stake in these cells)."
    )
    echo(
        "Your copy has only the visible checks: your trainer's grading also runs hidden "
        "checks, so passing here is a good sign, not a guarantee. Written answers are graded "
        "by your trainer."
    )
    return passed == len(tests) and not stopped
