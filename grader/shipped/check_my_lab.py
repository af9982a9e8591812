"""Check your lab: run the notebook from the top and say which check cells pass.

This file ships in every lab's zip. In the folder you unzipped (the one with the notebook,
``lab_checks.py`` and ``data/``), save your notebook in Jupyter, then run in a terminal:

    python check_my_lab.py

(give the notebook's name after it if the folder holds more than one). Your notebook runs from
the top in a fresh Python, as your trainer's grading will run it; each check cell is reported
with its message and hint. Your copy has only the visible checks: the trainer's grading also
runs hidden ones, so a pass here is a good sign, not a guarantee.

The course's ``python -m grader check NOTEBOOK`` runs this same code. It needs only what the lab
needs (Jupyter, which brings ``nbformat`` and ``nbclient``); it imports nothing of the course.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import warnings
from pathlib import Path

CELL_TIMEOUT_S = 120


class CannotCheck(Exception):
    """The notebook cannot be checked; ``hint`` says what to do."""

    def __init__(self, problem: str, hint: str):
        super().__init__(problem)
        self.problem = problem
        self.hint = hint


def read_notebook(path: Path):
    """The notebook at ``path``, or ``CannotCheck`` saying in plain words why not."""
    import nbformat

    path = Path(path)
    if not path.is_file():
        raise CannotCheck(f"there is no notebook {path}", "give the path to your lab's .ipynb file")
    again = "open it in Jupyter and save it again, or start again from the lab's zip"
    data = path.read_bytes()
    if not data.strip():
        raise CannotCheck(f"{path.name} cannot be checked: the file is empty", again)
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise CannotCheck(f"{path.name} cannot be checked: it is not a notebook", again) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        raise CannotCheck(f"{path.name} cannot be checked: it is not a Jupyter notebook", again)
    try:
        with warnings.catch_warnings():
            # Missing or repeated cell ids are repaired by nbformat: not the learner's doing.
            warnings.simplefilter("ignore")
            notebook = nbformat.reads(json.dumps(raw), as_version=4)
    except Exception as exc:
        raise CannotCheck(f"{path.name} cannot be read: {str(exc)[:200]}", again) from exc
    notebook.cells = [
        c
        for c in notebook.cells
        if c.get("cell_type") in ("code", "markdown", "raw") and isinstance(c.get("source"), str)
    ]
    if not any(c.cell_type == "code" for c in notebook.cells):
        raise CannotCheck(f"{path.name} cannot be checked: it has no code cells", again)
    return notebook


def is_check_cell(cell) -> bool:
    """An auto-graded test cell: graded, not an answer (nbgrader's cell metadata)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def plain_message(output) -> str:
    """What a failed cell says, in words, without code."""
    ename, evalue = str(output.get("ename", "")), str(output.get("evalue", ""))
    if ename in ("CheckFailed", "NotRun", "NotGraded"):
        return evalue
    if ename == "NameError":
        name = evalue.split("'")[1] if "'" in evalue else evalue
        return f"'{name}' is not defined: run the cell that defines it, then check again."
    return f"the check could not run on this answer ({ename}: {evalue[:200]})"


def _this_python_kernel(folder: Path) -> None:
    """Make the kernel called ``python3`` this very Python (the one with the lab's packages),
    even if another Python installed a kernel of that name for the whole computer."""
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "Python 3", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (str(folder), os.environ.get("JUPYTER_PATH", "")) if p
    )


def run(notebook, folder: Path, timeout: int = CELL_TIMEOUT_S) -> str:
    """Execute ``notebook`` in place, in ``folder``; return why it stopped early ("" if not)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    saved = os.environ.get("JUPYTER_PATH")
    try:
        with tempfile.TemporaryDirectory(prefix="check-my-lab-") as kernels:
            _this_python_kernel(Path(kernels))
            client = NotebookClient(
                notebook,
                timeout=timeout,
                allow_errors=True,
                kernel_name="python3",
                resources={"metadata": {"path": str(Path(folder).resolve())}},
            )
            try:
                client.execute()
            except CellTimeoutError:
                return f"a cell ran longer than {timeout} s, so the checks after it did not run"
            except DeadKernelError:
                return "Python stopped while running your notebook (out of memory, or os._exit?)"
            except RuntimeError as exc:  # no kernel could start
                raise CannotCheck(
                    f"could not start Python for the notebook: {exc}",
                    "install the lab's requirements (pip install -r requirements-learner.txt) "
                    "and try again",
                ) from exc
    finally:
        if saved is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = saved
    return ""


def report(tests, stopped: str, echo=print) -> bool:
    """Print a line per check cell and a summary; True if every check passed."""
    passed_points = total_points = passed = 0
    for cell in tests:
        meta = cell.metadata["nbgrader"]
        points = float(meta.get("points", 0))
        total_points += points
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        ran = cell.get("execution_count") is not None
        label = f"{meta.get('grade_id', '?')} ({points:g} point(s))"
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


def check(path: Path, timeout: int = CELL_TIMEOUT_S, echo=print) -> bool:
    """Run the notebook at ``path`` next to its files and report its visible checks."""
    path = Path(path)
    notebook = read_notebook(path)
    tests = [c for c in notebook.cells if is_check_cell(c)]
    if not tests:
        raise CannotCheck(
            f"{path.name} has no check cells",
            "use the notebook from the lab's zip (its check cells carry nbgrader metadata)",
        )
    if not (path.parent / "lab_checks.py").exists():
        raise CannotCheck(
            f"lab_checks.py is not next to {path.name}",
            "keep the notebook in the folder you unzipped, with lab_checks.py and data/",
        )
    echo(f"Running {path.name} from the top (this can take a minute)…")
    stopped = run(notebook, path.parent, timeout)
    return report(tests, stopped, echo)


def _find_notebook(folder: Path) -> Path:
    found = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    if len(found) == 1:
        return found[0]
    if not found:
        raise CannotCheck(
            f"there is no notebook in {folder}",
            "put this file in the folder you unzipped, next to the lab's notebook",
        )
    names = ", ".join(p.name for p in found)
    raise CannotCheck(
        f"this folder holds several notebooks ({names})",
        "say which one: python check_my_lab.py NAME.ipynb",
    )


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):
        # A Windows console or a redirected output may not know ✓ and ✗: never crash on them.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    if args and args[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    try:
        import nbclient  # noqa: F401
    except ImportError:
        print(
            "✗ Jupyter is not installed in this Python.\n"
            "  what to do: activate the lab's environment (see README.txt) and try again."
        )
        return 2
    try:
        path = Path(args[0]) if args else _find_notebook(Path(__file__).resolve().parent)
        ok = check(path, echo=print)
    except CannotCheck as exc:
        print(f"✗ {exc.problem}\n  what to do: {exc.hint}")
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
