"""What a learner installs to do the labs: a few pinned packages, and how to install them.

The course's ``requirements.txt`` holds every version (one source): the learner's file takes
the pins of the few packages the labs use, nothing for building the book, grading or testing.
Every zip carries it as ``requirements-learner.txt`` with the same install steps as the lab
pages and the start page of the book (both rendered from :func:`setup_steps`).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import GraderError
from ..paths import ROOT

FILE_NAME = "requirements-learner.txt"
# What the labs import (pandas, numpy, matplotlib, geopandas, yaml, jsonschema), geopandas'
# own engines (its map files are read by pyogrio, its coordinates need pyproj and shapely),
# and Jupyter: jupyterlab brings ipykernel, nbformat and nbclient, which check_my_lab.py uses.
PACKAGES = (
    "jupyterlab",
    "ipykernel",
    "nbformat",
    "nbclient",
    "numpy",
    "pandas",
    "matplotlib",
    "geopandas",
    "shapely",
    "pyogrio",
    "pyproj",
    "pyyaml",
    "jsonschema",
)
# Import names that differ from their package's name (IPython comes with ipykernel).
IMPORT_NAMES = {"yaml": "pyyaml", "IPython": "ipykernel"}
PYTHON_VERSIONS = "3.11, 3.12 or 3.13"
# Measured with Python 3.11 in a fresh virtual environment (`python benchmarks/learner_env.py`
# measures them again): pip downloads 141 MB of wheels on Linux x86_64 (119 MB on Windows,
# 111 MB on macOS arm64); installed with --no-compile the environment takes 522 MB, 535 MB once
# the labs have run (Python compiles only the modules they import). The obvious unpinned
# set (jupyterlab, pandas, geopandas, matplotlib) takes 644 MB, and the course's whole
# environment (book builder, grader, tests) 1.2 GB.
DOWNLOAD_MB = 140
INSTALLED_MB = 530
ENV_NAME = "unlocking-data"

_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*==\s*([^\s;#]+)")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def course_pins(requirements: Path = ROOT / "requirements.txt") -> dict[str, str]:
    """Package name (normalised) → version, for every exact pin in the course's file."""
    if not requirements.is_file():
        raise GraderError(
            f"{requirements} is missing, so the learner's requirements cannot be written",
            "run the build from the course's repository",
        )
    pins = {}
    for line in requirements.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            pins[_normal(match.group(1))] = match.group(3)
    return pins


# The comment at the top of the learner's requirements file, in each language of the zips.
# pip reads the file in the computer's own encoding unless it says otherwise (cp1252 on many
# Windows laptops), so one with accents declares UTF-8 on its first line.
HEADER = {
    "en": """# The Python packages the labs need, with the versions the course is tested with.
# Install them once into a new environment (see README.txt): about {download} MB
# to download, {installed} MB on disk. Python {python}.
# Ready-built packages only: nothing needs a compiler.""",
    "es": """# -*- coding: utf-8 -*-
# Los paquetes de Python que necesitan los laboratorios, en las versiones con que se
# prueba el curso. Instálelos una sola vez en un entorno nuevo (véase README.txt): unos
# {download} MB de descarga, {installed} MB en disco. Python {python_es}.
# Solo paquetes ya compilados: nada necesita un compilador.""",
}


def requirements_text(requirements: Path = ROOT / "requirements.txt", language: str = "en") -> str:
    """The learner's requirements file: the course's pins of :data:`PACKAGES` only."""
    pins = course_pins(requirements)
    missing = [p for p in PACKAGES if _normal(p) not in pins]
    if missing:
        raise GraderError(
            f"requirements.txt does not pin {', '.join(missing)}, which learners need",
            "add an exact pin (name==version) for each to requirements.txt",
        )
    lines = [
        *_format(HEADER.get(language, HEADER["en"])).splitlines(),
        "--only-binary :all:",
        *(f"{name}=={pins[_normal(name)]}" for name in PACKAGES),
    ]
    return "\n".join(lines) + "\n"


def _steps(words: dict) -> list[tuple[str, list[str]]]:
    venv = "python3 -m venv ~/{env}\nsource ~/{env}/bin/activate"
    # --no-compile: Python compiles only the modules the labs import, when they first run,
    # which saves about 110 MB of disk and minutes of installing on a slow laptop.
    install = f"pip install --no-compile -r {FILE_NAME}"
    windows, unix, conda = words["systems"]
    return [
        (
            windows,
            [
                "py -m venv %USERPROFILE%\\{env}",
                "%USERPROFILE%\\{env}\\Scripts\\activate",
                install,
            ],
        ),
        (unix, [*venv.split("\n"), install]),
        (conda, ["conda create -n {env} python=3.12 pip", "conda activate {env}", install]),
    ]


# The same steps in each language a lab is released in (English, and Spanish for the Spanish
# edition's lab pages and zips). The Spanish is word for word the start page's translation in
# book/locales/es/LC_MESSAGES/start-here.po (a test compares them), so a learner reads one text.
WORDS = {
    "en": {
        "intro": (
            "One setup serves every lab. You need Python {python} (from python.org, or your "
            "organisation's Anaconda). Open a terminal in the folder you unzipped (on Windows, "
            "type cmd in the folder's address bar and press Enter) and run the lines for your "
            "computer. They make a private folder of packages for the course (a virtual "
            "environment), so nothing else on your computer changes. The download is about "
            "{download} MB, once; the packages then take about {installed} MB on disk."
        ),
        "systems": (
            "Windows (Command Prompt)",
            "macOS or Linux (Terminal)",
            "Anaconda, Miniconda or Miniforge (conda; with mamba, type mamba for conda)",
        ),
        "after": (
            "Each time you work, activate the environment (the second line) and type "
            "`jupyter lab`. On Windows, if `py` is not found, type `python` instead; if "
            "PowerShell refuses to run the activate line, use Command Prompt. On Debian or "
            "Ubuntu, first `sudo apt-get install python3-venv`."
        ),
        "check": (
            "To check your whole lab at any time, save the notebook, then in the lab's folder, "
            "with the environment active, type `python check_my_lab.py`. It runs your notebook "
            "from the top and lists which checks pass, with hints."
        ),
    },
    "es": {
        "intro": (
            "Una sola instalación sirve para todos los laboratorios. Necesita Python {python_es} "
            "(de python.org, o el Anaconda de su organización). Abra una terminal en la carpeta "
            "que descomprimió (en Windows, escriba cmd en la barra de direcciones de la carpeta "
            "y pulse Enter) y ejecute las líneas que correspondan a su computadora. Crean una "
            "carpeta privada de paquetes para el curso (un entorno virtual), de modo que nada "
            "más cambia en su computadora. La descarga es de unos {download} MB, una sola vez; "
            "luego los paquetes ocupan unos {installed} MB en disco."
        ),
        "systems": (
            "Windows (Símbolo del sistema)",
            "macOS o Linux (Terminal)",
            "Anaconda, Miniconda o Miniforge (conda; con mamba, escriba mamba en lugar de conda)",
        ),
        "after": (
            "Cada vez que trabaje, active el entorno (la segunda línea) y escriba `jupyter lab`. "
            "En Windows, si no se encuentra `py`, escriba `python` en su lugar; si PowerShell se "
            "niega a ejecutar la línea de activación, use el Símbolo del sistema. En Debian o "
            "Ubuntu, ejecute primero `sudo apt-get install python3-venv`."
        ),
        "check": (
            "Para verificar todo su laboratorio en cualquier momento, guarde el cuaderno y "
            "luego, en la carpeta del laboratorio y con el entorno activo, escriba "
            "`python check_my_lab.py`. Ejecuta su cuaderno desde el principio y enumera qué "
            "verificaciones se cumplen, con pistas."
        ),
    },
}


def _format(text: str) -> str:
    return text.format(
        python=PYTHON_VERSIONS,
        python_es=PYTHON_VERSIONS.replace(" or ", " o "),
        download=DOWNLOAD_MB,
        installed=INSTALLED_MB,
        env=ENV_NAME,
    )


def setup_steps(markdown: bool, language: str = "en") -> str:
    """The install steps, as MyST markdown (the book) or plain text (a zip's README), in
    ``language`` (English if the steps have no such translation)."""
    words = WORDS.get(language, WORDS["en"])
    parts = [_format(words["intro"])]
    for title, lines in _steps(words):
        body = "\n".join(_format(line) for line in lines)
        if markdown:
            parts.append(f"**{title}:**\n\n```text\n{body}\n```")
        else:
            parts.append(f"{title}:\n" + "\n".join(f"    {ln}" for ln in body.splitlines()))
    parts += [_format(words["after"]), _format(words["check"])]
    text = "\n\n".join(parts)
    return text if markdown else text.replace("`", "")
