"""``check NOTEBOOK``: a learner runs their lab's visible checks.

A thin wrapper over ``grader/shipped/check_my_lab.py``, the very file each lab's zip carries as
``check_my_lab.py``: a learner with only the zip and a trainer with the course run the same code.
The notebook runs from the top in a fresh Python, next to its ``data/`` and ``lab_checks.py``;
each check cell is reported as passed or failed with its message, hint and points at stake.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import GraderError
from ..shipped import check_my_lab


def check(path: Path, timeout: int = check_my_lab.CELL_TIMEOUT_S, echo=print) -> bool:
    try:
        return check_my_lab.check(Path(path), timeout, echo)
    except check_my_lab.CannotCheck as exc:
        raise GraderError(exc.problem, exc.hint) from exc
