"""Pack a lab's student version as one zip a trainer can hand out or upload to an LMS."""

from __future__ import annotations

import zipfile
from pathlib import Path

from .labsource import Lab

# A fixed timestamp makes the same release give the same zip, byte for byte.
_EPOCH = (2024, 1, 1, 0, 0, 0)

README = """{title}
{underline}

What is in this folder
- {notebook}: the lab. Open it in Jupyter (JupyterLab, Jupyter Notebook or VS Code).
- data/: the lab's datasets and their data cards. All of it is synthetic: no real person,
  phone number or trip is in it.
- lab_checks.py: the checks the notebook runs. Leave it next to the notebook.

How to work
1. Unzip this folder somewhere you can write (not inside the zip viewer).
2. Open {notebook}, run the cells from the top, and write your answers where it says
   "YOUR CODE HERE" or "YOUR ANSWER HERE".
3. Run each check cell after your answer: a tick means the visible checks pass.
4. Save, and hand in {notebook} as your trainer asked (keep its name).

Estimated time: {minutes} minutes.
"""


def pack_release(lab: Lab, release: Path, out: Path) -> Path:
    """Write ``out`` with the release folder under ``<lab id>/`` plus a README."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".zip.partial")
    readme = README.format(
        title=lab.title,
        underline="=" * len(lab.title),
        notebook=lab.notebook_name,
        minutes=lab.minutes,
    )
    entries = [(f"{lab.id}/README.txt", readme.encode("utf-8"))]
    for path in sorted(p for p in release.rglob("*") if p.is_file()):
        if "__pycache__" in path.parts or ".ipynb_checkpoints" in path.parts:
            continue
        entries.append((f"{lab.id}/{path.relative_to(release).as_posix()}", path.read_bytes()))
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    partial.replace(out)
    return out
