"""Pack a lab's student version as one zip a trainer can hand out or upload to an LMS.

Besides the student version (notebook, data, ``lab_checks.py``) the zip holds what a learner
with nothing else needs: a README with the install steps, ``requirements-learner.txt`` and
``check_my_lab.py`` (the self-check, the same code as ``python -m grader check``).
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
import time
import zipfile
from pathlib import Path

from .. import shipped
from ..paths import ROOT
from . import learner_env
from .labsource import Lab

SELF_CHECK = Path(shipped.__file__).with_name("check_my_lab.py")
SELF_CHECK_NAME = "check_my_lab.py"
# The oldest date a zip can hold (its format counts from 1980).
_ZIP_EPOCH = 315532800

# What Jupyter's Python kernel writes into a notebook when it starts. A notebook that already
# says so opens unmodified; without it, JupyterLab marks the notebook as changed the moment it
# opens (seen with JupyterLab 4.6). The Python version is left out: it is the learner's own.
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
}

README = """{title}
{underline}

What is in this folder
- {notebook}: the lab. Open it in Jupyter (JupyterLab, Jupyter Notebook or VS Code).
- data/: the lab's datasets and their data cards. All of it is synthetic: no real person,
  phone number or trip is in it.
- lab_checks.py: the checks the notebook runs. Leave it next to the notebook.
- {self_check}: checks your whole notebook at once (see "Check your work" below).
- {requirements}: the Python packages the labs need, with exact versions.

Set up once

{setup}

How to work
1. Unzip this folder somewhere you can write (not inside the zip viewer).
2. Open {notebook}, run the cells from the top, and write your answers where it says
   "YOUR CODE HERE" or "YOUR ANSWER HERE".
3. Run each check cell after your answer: a tick means the visible checks pass.
4. Save, and hand in {notebook} as your trainer asked (keep its name).

Check your work
Save the notebook, then, in this folder, with the environment active, type:
    python {self_check}
It runs your notebook from the top in a fresh Python and lists which checks pass, with hints.
Your trainer's grading also runs hidden checks, so a pass is a good sign, not a guarantee.

Estimated time: {minutes} minutes.
"""
# The README of a translated student version (its notebook, hints and check messages are in
# that language too): the same sections, in the words of the terminology table (i18n/).
READMES = {
    "en": README,
    "es": """{title}
{underline}

Qué hay en esta carpeta
- {notebook}: el laboratorio. Ábralo en Jupyter (JupyterLab, Jupyter Notebook
  o VS Code).
- data/: los conjuntos de datos del laboratorio y sus fichas. Todo es sintético: no contiene
  ninguna persona, número de teléfono ni viaje reales.
- lab_checks.py y lab_text.json: las verificaciones que ejecuta el cuaderno, y sus mensajes en
  español. Déjelos junto al cuaderno.
- {self_check}: verifica todo su cuaderno de una vez (véase "Verificar su trabajo" más abajo).
- {requirements}: los paquetes de Python que necesitan los laboratorios, con sus
  versiones exactas.

Instalar una sola vez

{setup}

Cómo trabajar
1. Descomprima esta carpeta en un lugar donde pueda escribir (no dentro del visor del zip).
2. Abra {notebook}, ejecute las celdas desde el principio y escriba sus respuestas donde dice
   "YOUR CODE HERE" o "YOUR ANSWER HERE" (esas marcas quedan en inglés: el corrector las busca).
3. Ejecute cada celda de verificación después de su respuesta: una marca de visto quiere decir
   que las verificaciones visibles se cumplen.
4. Guarde y entregue {notebook} como le indicó su docente (sin cambiarle el nombre).

Verificar su trabajo
Guarde el cuaderno y luego, en esta carpeta y con el entorno activo, escriba:
    python {self_check}
Ejecuta su cuaderno desde el principio en un Python nuevo y enumera qué verificaciones se
cumplen, con pistas. La corrección de su docente también ejecuta verificaciones ocultas, así que
cumplirlas aquí es una buena señal, no una garantía.

Tiempo estimado: {minutes} minutos.
""",
}


def source_date_epoch(root: Path = ROOT) -> int:
    """The date stamped on every file of a zip, in seconds since 1970 (UTC).

    The reproducible-builds convention: ``SOURCE_DATE_EPOCH`` if set, else the date of the last
    commit of the course (when its sources last changed), else the newest source file of the
    labs. The same sources give the same zip, byte for byte, and a learner sees a date that
    says how recent the lab is (a fixed date in the past would look years old).
    """
    chosen = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if chosen.isdigit():
        return max(int(chosen), _ZIP_EPOCH)
    try:
        run = subprocess.run(
            ["git", "log", "-1", "--format=%ct"],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
        if run.returncode == 0 and run.stdout.strip().isdigit():
            return max(int(run.stdout.strip()), _ZIP_EPOCH)
    except (OSError, subprocess.TimeoutExpired):
        pass  # no git: a copy of the course downloaded as a zip
    newest = max((p.stat().st_mtime for p in (root / "labs").rglob("*") if p.is_file()), default=0)
    return max(int(newest), _ZIP_EPOCH)


def _wrap(text: str) -> str:
    """Plain text for a README: paragraphs wrapped, indented lines (commands) kept."""
    out = []
    for block in text.split("\n\n"):
        lines = block.splitlines()
        if any(ln.startswith("    ") for ln in lines):
            out.append(block)
        else:
            out.append(textwrap.fill(" ".join(lines), width=92, break_on_hyphens=False))
    return "\n\n".join(out)


def notebook_title(notebook: Path, default: str) -> str:
    """The notebook's first level-one heading (a translated lab's own title), else ``default``."""
    for cell in json.loads(notebook.read_text(encoding="utf-8")).get("cells", []):
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "markdown" and source.lstrip().startswith("# "):
            return source.lstrip()[2:].splitlines()[0].strip()
    return default


def readme(lab: Lab, language: str = "en", title: str | None = None) -> str:
    title = title or lab.title
    return READMES.get(language, README).format(
        title=title,
        underline="=" * len(title),
        notebook=lab.notebook_name,
        minutes=lab.minutes,
        self_check=SELF_CHECK_NAME,
        requirements=learner_env.FILE_NAME,
        setup=_wrap(learner_env.setup_steps(markdown=False, language=language)),
    )


def learner_notebook(data: bytes) -> bytes:
    """The student notebook as a learner's Jupyter would leave it: with the kernel's own
    metadata, so that opening it changes nothing."""
    notebook = json.loads(data.decode("utf-8"))
    metadata = notebook.setdefault("metadata", {})
    metadata["kernelspec"] = dict(KERNELSPEC)
    metadata["language_info"] = dict(LANGUAGE_INFO)
    return (json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode()


def pack_release(lab: Lab, release: Path, out: Path, language: str = "en") -> Path:
    """Write ``out`` with the release folder under ``<lab id>/``, a README (in ``language``,
    titled like the notebook), the learner's requirements and the self-check."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".zip.partial")
    title = notebook_title(release / lab.notebook_name, lab.title)
    entries = [
        (f"{lab.id}/README.txt", readme(lab, language, title).encode("utf-8")),
        (
            f"{lab.id}/{learner_env.FILE_NAME}",
            learner_env.requirements_text(language=language).encode("utf-8"),
        ),
        (f"{lab.id}/{SELF_CHECK_NAME}", SELF_CHECK.read_bytes()),
    ]
    for path in sorted(p for p in release.rglob("*") if p.is_file()):
        if "__pycache__" in path.parts or ".ipynb_checkpoints" in path.parts:
            continue
        data = path.read_bytes()
        if path.name == lab.notebook_name:
            data = learner_notebook(data)
        entries.append((f"{lab.id}/{path.relative_to(release).as_posix()}", data))
    stamp = time.gmtime(source_date_epoch())[:6]
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    partial.replace(out)
    return out
