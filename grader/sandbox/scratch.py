"""The scratch folder of one grading run, and the removal of those that killed runs left behind.

A run that is killed (the machine shuts down, the trainer presses Ctrl-C twice, the process is
sent SIGKILL) cannot remove its own folder. Each folder therefore names its owner (process id
and start time); the next run removes every folder whose owner is gone.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path

PREFIX = "grader-kernels-"
OWNER = "owner"


def _started(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot), or None if there is none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _me() -> str:
    return f"{os.getpid()} {_started(os.getpid())}"


def sweep(root: Path | None = None) -> list[Path]:
    """Remove the scratch folders of grading runs that are no longer running."""
    root = Path(root or tempfile.gettempdir())
    removed = []
    if not Path("/proc/self/stat").exists():
        return removed  # no way to tell a live owner from a dead one here: leave them
    for folder in root.glob(f"{PREFIX}*"):
        try:
            pid, started = (folder / OWNER).read_text().split()
            alive = _started(int(pid)) == started
        except (OSError, ValueError):
            # No owner yet: a run that is starting right now, unless the folder is old.
            alive = time.time() - folder.stat().st_mtime < 3600 if folder.exists() else False
        if not alive and folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


@contextlib.contextmanager
def scratch_folder(root: Path | None = None):
    """A fresh scratch folder, removed afterwards; stale ones from killed runs go first."""
    sweep(root)
    folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=root))
    (folder / OWNER).write_text(_me())
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
