"""Make nbgrader and Jupyter use this Python, whether or not its virtual environment is active.

nbgrader runs ``alembic`` through PATH, and Jupyter picks the kernel named ``python3`` from the
first kernelspec it finds, which may belong to another Python without our packages.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def prepare(build_dir: Path) -> None:
    """Put this interpreter's scripts first on PATH and pin the ``python3`` kernel to it."""
    scripts = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if path.split(os.pathsep)[0] != scripts:
        os.environ["PATH"] = scripts + os.pathsep + path
    kernels = build_dir / "jupyter" / "kernels" / "python3"
    kernels.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [
            sys.executable,
            "-m",
            "ipykernel_launcher",
            "-f",
            "{connection_file}",
            # Quiet the kernel's own start-up warnings; cell errors still show.
            "--IPKernelApp.log_level=ERROR",
        ],
        "display_name": "Python 3",
        "language": "python",
        "metadata": {"debugger": False},
    }
    spec_file = kernels / "kernel.json"
    text = json.dumps(spec, indent=1)
    if not spec_file.exists() or spec_file.read_text(encoding="utf-8") != text:
        spec_file.write_text(text, encoding="utf-8")
    jupyter_path = str(build_dir / "jupyter")
    existing = os.environ.get("JUPYTER_PATH", "")
    if jupyter_path not in existing.split(os.pathsep):
        os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (jupyter_path, existing) if p)
    # Jupyter warns when platformdirs will change; adopting the new behaviour silences it.
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
