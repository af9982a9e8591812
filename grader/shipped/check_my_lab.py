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

# What this script says, in English and in Spanish. A translated lab ships ``lab_text.json``
# (its language) next to the notebook, as ``lab_checks.py`` reads it: the check speaks the
# lab's language. Check messages themselves come from the notebook's own check cells.
MESSAGES = {
    "no_file": {
        "en": ("there is no notebook {path}", "give the path to your lab's .ipynb file"),
        "es": (
            "no existe el cuaderno {path}",
            "indique la ruta del archivo .ipynb de su laboratorio",
        ),
    },
    "again": {
        "en": "open it in Jupyter and save it again, or start again from the lab's zip",
        "es": "ábralo en Jupyter y guárdelo de nuevo, o empiece otra vez desde el zip del laboratorio",
    },
    "empty": {
        "en": "{name} cannot be checked: the file is empty",
        "es": "{name} no se puede verificar: el archivo está vacío",
    },
    "not_notebook": {
        "en": "{name} cannot be checked: it is not a notebook",
        "es": "{name} no se puede verificar: no es un cuaderno",
    },
    "not_jupyter": {
        "en": "{name} cannot be checked: it is not a Jupyter notebook",
        "es": "{name} no se puede verificar: no es un cuaderno de Jupyter",
    },
    "unreadable": {
        "en": "{name} cannot be read: {error}",
        "es": "{name} no se puede leer: {error}",
    },
    "no_code": {
        "en": "{name} cannot be checked: it has no code cells",
        "es": "{name} no se puede verificar: no tiene celdas de código",
    },
    "not_defined": {
        "en": "'{name}' is not defined: run the cell that defines it, then check again.",
        "es": "'{name}' no está definido: ejecute la celda que lo define y verifique de nuevo.",
    },
    "could_not_run": {
        "en": "the check could not run on this answer ({ename}: {evalue})",
        "es": "la verificación no pudo ejecutarse con esta respuesta ({ename}: {evalue})",
    },
    "timeout": {
        "en": "a cell ran longer than {timeout} s, so the checks after it did not run",
        "es": "una celda tardó más de {timeout} s, así que las verificaciones siguientes no se "
        "ejecutaron",
    },
    "dead": {
        "en": "Python stopped while running your notebook (out of memory, or os._exit?)",
        "es": "Python se detuvo al ejecutar su cuaderno (¿falta de memoria, u os._exit?)",
    },
    "no_kernel": {
        "en": (
            "could not start Python for the notebook: {error}",
            (
                "install the lab's requirements (pip install -r requirements-learner.txt) and try "
                "again"
            ),
        ),
        "es": (
            "no se pudo iniciar Python para el cuaderno: {error}",
            (
                "instale los paquetes del laboratorio (pip install -r requirements-learner.txt) y "
                "pruebe de nuevo"
            ),
        ),
    },
    "label": {"en": "{grade_id} ({points} point(s))", "es": "{grade_id} ({points} punto(s))"},
    "did_not_run": {"en": "did not run", "es": "no se ejecutó"},
    "stopped": {"en": "Stopped early: {why}.", "es": "Se detuvo antes de terminar: {why}."},
    "summary": {
        "en": "{passed} of {total} visible checks pass ({points} of {at_stake} points at stake "
        "in these cells).",
        "es": "Se cumplen {passed} de {total} verificaciones visibles ({points} de {at_stake} "
        "puntos en juego en estas celdas).",
    },
    "hidden": {
        "en": "Your copy has only the visible checks: your trainer's grading also runs hidden "
        "checks, so passing here is a good sign, not a guarantee. Written answers are graded by "
        "your trainer.",
        "es": "Su copia tiene solo las verificaciones visibles: la corrección de su docente "
        "también ejecuta verificaciones ocultas, así que cumplirlas aquí es una buena señal, no "
        "una garantía. Las respuestas escritas las califica su docente.",
    },
    "no_checks": {
        "en": (
            "{name} has no check cells",
            "use the notebook from the lab's zip (its check cells carry nbgrader metadata)",
        ),
        "es": (
            "{name} no tiene celdas de verificación",
            (
                "use el cuaderno del zip del laboratorio (sus celdas de verificación llevan los "
                "metadatos de nbgrader)"
            ),
        ),
    },
    "no_lab_checks": {
        "en": (
            "lab_checks.py is not next to {name}",
            "keep the notebook in the folder you unzipped, with lab_checks.py and data/",
        ),
        "es": (
            "lab_checks.py no está junto a {name}",
            "deje el cuaderno en la carpeta que descomprimió, con lab_checks.py y data/",
        ),
    },
    "running": {
        "en": "Running {name} from the top (this can take a minute)…",
        "es": "Ejecutando {name} desde el principio (puede tardar un minuto)…",
    },
    "no_notebook": {
        "en": (
            "there is no notebook in {folder}",
            "put this file in the folder you unzipped, next to the lab's notebook",
        ),
        "es": (
            "no hay ningún cuaderno en {folder}",
            "ponga este archivo en la carpeta que descomprimió, junto al cuaderno del laboratorio",
        ),
    },
    "several": {
        "en": (
            "this folder holds several notebooks ({names})",
            "say which one: python check_my_lab.py NAME.ipynb",
        ),
        "es": (
            "esta carpeta tiene varios cuadernos ({names})",
            "indique cuál: python check_my_lab.py NOMBRE.ipynb",
        ),
    },
    "no_jupyter": {
        "en": (
            "Jupyter is not installed in this Python.",
            "activate the lab's environment (see README.txt) and try again.",
        ),
        "es": (
            "Jupyter no está instalado en este Python.",
            "active el entorno del laboratorio (véase README.txt) y pruebe de nuevo.",
        ),
    },
    "what_to_do": {"en": "what to do", "es": "qué hacer"},
}
LANGUAGE = ["en"]  # the language of the lab being checked (a list: set once per check)


def use_language(folder: Path) -> str:
    """Speak the language of the lab in ``folder`` (its ``lab_text.json``), else English."""
    try:
        data = json.loads((Path(folder) / "lab_text.json").read_text(encoding="utf-8"))
        language = data.get("language") if isinstance(data, dict) else None
    except (OSError, ValueError):
        language = None
    LANGUAGE[0] = language if language in MESSAGES["again"] else "en"
    return LANGUAGE[0]


def say(key: str, **values):
    """A message in the lab's language: a string, or a (problem, hint) pair."""
    text = MESSAGES[key].get(LANGUAGE[0], MESSAGES[key]["en"])
    if isinstance(text, tuple):
        return tuple(t.format(**values) for t in text)
    return text.format(**values)


class CannotCheck(Exception):
    """The notebook cannot be checked; ``hint`` says what to do."""

    def __init__(self, problem: str, hint: str | None = None):
        if hint is None:  # a (problem, hint) pair from say()
            problem, hint = problem
        super().__init__(problem)
        self.problem = problem
        self.hint = hint


def read_notebook(path: Path):
    """The notebook at ``path``, or ``CannotCheck`` saying in plain words why not."""
    import nbformat

    path = Path(path)
    if not path.is_file():
        raise CannotCheck(say("no_file", path=path))
    again = say("again")
    data = path.read_bytes()
    if not data.strip():
        raise CannotCheck(say("empty", name=path.name), again)
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise CannotCheck(say("not_notebook", name=path.name), again) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        raise CannotCheck(say("not_jupyter", name=path.name), again)
    try:
        with warnings.catch_warnings():
            # Missing or repeated cell ids are repaired by nbformat: not the learner's doing.
            warnings.simplefilter("ignore")
            notebook = nbformat.reads(json.dumps(raw), as_version=4)
    except Exception as exc:
        raise CannotCheck(say("unreadable", name=path.name, error=str(exc)[:200]), again) from exc
    notebook.cells = [
        c
        for c in notebook.cells
        if c.get("cell_type") in ("code", "markdown", "raw") and isinstance(c.get("source"), str)
    ]
    if not any(c.cell_type == "code" for c in notebook.cells):
        raise CannotCheck(say("no_code", name=path.name), again)
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
        return say("not_defined", name=name)
    return say("could_not_run", ename=ename, evalue=evalue[:200])


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
                return say("timeout", timeout=timeout)
            except DeadKernelError:
                return say("dead")
            except RuntimeError as exc:  # no kernel could start
                raise CannotCheck(say("no_kernel", error=exc)) from exc
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
        label = say("label", grade_id=meta.get("grade_id", "?"), points=f"{points:g}")
        if ran and not errors:
            passed += 1
            passed_points += points
            echo(f"  ✓ {label}")
        elif not ran:
            echo(f"  ✗ {label}: {say('did_not_run')}")
        else:
            message = plain_message(errors[0]).replace("\n", "\n      ")
            echo(f"  ✗ {label}: {message}")
    if stopped:
        echo(say("stopped", why=stopped))
    points, at_stake = f"{passed_points:g}", f"{total_points:g}"
    echo(say("summary", passed=passed, total=len(tests), points=points, at_stake=at_stake))
    echo(say("hidden"))
    return passed == len(tests) and not stopped


def check(path: Path, timeout: int = CELL_TIMEOUT_S, echo=print) -> bool:
    """Run the notebook at ``path`` next to its files and report its visible checks."""
    path = Path(path)
    use_language(path.parent)
    notebook = read_notebook(path)
    tests = [c for c in notebook.cells if is_check_cell(c)]
    if not tests:
        raise CannotCheck(say("no_checks", name=path.name))
    # The course's labs import lab_checks.py; an nbgrader assignment of a trainer's own (one
    # notebook of several, say) has its checks in its own cells and needs no such file.
    uses_checks = any("lab_checks" in c.source for c in notebook.cells if c.cell_type == "code")
    if uses_checks and not (path.parent / "lab_checks.py").exists():
        raise CannotCheck(say("no_lab_checks", name=path.name))
    echo(say("running", name=path.name))
    stopped = run(notebook, path.parent, timeout)
    return report(tests, stopped, echo)


def _find_notebook(folder: Path) -> Path:
    found = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    if len(found) == 1:
        return found[0]
    if not found:
        raise CannotCheck(say("no_notebook", folder=folder))
    raise CannotCheck(say("several", names=", ".join(p.name for p in found)))


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):
        # A Windows console or a redirected output may not know ✓ and ✗: never crash on them.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    if args and args[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    here = Path(__file__).resolve().parent
    use_language(Path(args[0]).parent if args else here)
    try:
        import nbclient  # noqa: F401
    except ImportError:
        problem, hint = say("no_jupyter")
        print(f"✗ {problem}\n  {say('what_to_do')}: {hint}")
        return 2
    try:
        path = Path(args[0]) if args else _find_notebook(here)
        ok = check(path, echo=print)
    except CannotCheck as exc:
        print(f"✗ {exc.problem}\n  {say('what_to_do')}: {exc.hint}")
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
