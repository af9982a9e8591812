"""Measure: what a learner downloads and installs (requirements-learner.txt), against baselines.

    python benchmarks/learner_env.py [--baselines] [--run-labs _build]

Makes a fresh virtual environment in a temporary folder, installs the learner's requirements as
the install steps say (``pip install --no-compile -r requirements-learner.txt``), and prints the
size of the downloaded wheels and of the environment on disk. ``--baselines`` measures the same
for the obvious unpinned set (jupyterlab, pandas, geopandas, matplotlib, installed the default
way) and for the course's whole ``requirements.txt``. ``--run-labs BUILD`` then runs every
lab's answer key, from its zip in ``BUILD/zips``, with ``check_my_lab.py`` in that environment,
to show the labs need nothing more, and measures the environment again.

It downloads from the package index (slowly on a slow link): a benchmark, never a test. Copy the
numbers into ``grader/build/learner_env.py`` (DOWNLOAD_MB, INSTALLED_MB) when they change.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import nbformat

from grader.build import fixtures, learner_env


def _size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def _venv(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    return folder / ("Scripts" if sys.platform == "win32" else "bin") / "python"


def measure(name: str, requirements: Path, tmp: Path, pip_args: list[str]) -> Path:
    wheels = tmp / f"{name}-wheels"
    env = tmp / f"{name}-env"
    python = _venv(env)
    pip = [str(python), "-m", "pip", "-q"]
    # From the course's folder: requirements.txt installs the course itself ("-e .").
    download = [*pip, "download", "-r", str(requirements), "-d", str(wheels)]
    subprocess.run(download, check=True, cwd=ROOT)
    subprocess.run([*pip, "install", *pip_args, "-r", str(requirements)], check=True, cwd=ROOT)
    print(f"{name}: download {_size_mb(wheels):.0f} MB, installed {_size_mb(env):.0f} MB")
    return python


def run_labs(python: Path, build: Path, tmp: Path) -> None:
    course = build / "course"
    for zip_path in sorted((build / "zips").glob("lab*.zip")):
        lab_id = zip_path.stem
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(tmp / "labs")
        folder = tmp / "labs" / lab_id
        notebook = folder / f"{lab_id}.ipynb"
        key = fixtures.fill_answers(notebook, course / "source" / lab_id / f"{lab_id}.ipynb")
        nbformat.write(key, notebook)
        run = subprocess.run(
            [str(python), "check_my_lab.py"],
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
        )
        last = run.stdout.strip().splitlines()[-2:] if run.stdout.strip() else [run.stderr[-300:]]
        print(f"  {lab_id}: exit {run.returncode}: {last[0]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baselines", action="store_true")
    parser.add_argument("--run-labs", type=Path, metavar="BUILD")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="learner-env-") as tmp_name:
        tmp = Path(tmp_name)
        learner = tmp / learner_env.FILE_NAME
        learner.write_text(learner_env.requirements_text(), encoding="utf-8")
        python = measure("learner", learner, tmp, ["--no-compile"])
        if args.run_labs:
            run_labs(python, args.run_labs, tmp)
            print(f"learner, after running the labs: {_size_mb(python.parent.parent):.0f} MB")
        if args.baselines:
            obvious = tmp / "obvious.txt"
            obvious.write_text("jupyterlab\npandas\ngeopandas\nmatplotlib\n", encoding="utf-8")
            measure("obvious unpinned set", obvious, tmp, [])
            measure("the course's requirements.txt", ROOT / "requirements.txt", tmp, [])
        shutil.rmtree(tmp / "labs", ignore_errors=True)


if __name__ == "__main__":
    main()
