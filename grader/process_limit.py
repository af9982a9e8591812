"""How many processes one sandbox may run, so a fork bomb cannot take the machine down.

The limit that works for every user, root included, is a ``pids`` control group: the kernel
refuses a fork beyond ``pids.max`` and counts the refusals in ``pids.events``, so the grader
sees a fork bomb at its first refused fork and stops the whole sandbox. Each sandboxed process
tree gets a group of its own, removed afterwards; groups left by a grader that was killed are
removed by the next run. Where no group can be made (not root, or a read-only
``/sys/fs/cgroup``), a user who is not root gets ``RLIMIT_NPROC`` instead (root is exempt from
it, even in a user namespace); root without control groups gets no limit, and a warning.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import signal
import time
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")
PREFIX = "grader-"
NO_LIMIT_WARNING = (
    "WARNING: learners' code can start any number of processes here (no writable pids control "
    "group, and root ignores RLIMIT_NPROC), so a fork bomb could stall this computer. Grade "
    "as a user other than root, or where /sys/fs/cgroup is writable."
)
_counter = itertools.count()


@functools.cache
def _root() -> Path | None:
    """A cgroup folder where this process may make groups with a ``pids.max``, or None."""
    if os.environ.get("GRADER_NO_PIDS_CGROUP") == "1":
        return None
    for candidate in (CGROUP / "pids", CGROUP):  # cgroup v1, then the v2 root
        probe = candidate / f"{PREFIX}probe-{os.getpid()}"
        try:
            probe.mkdir()
        except OSError:
            continue
        try:
            if (probe / "pids.max").exists():
                _sweep(candidate)
                return candidate
        finally:
            with contextlib.suppress(OSError):
                probe.rmdir()
    return None


def mechanism() -> str | None:
    """``cgroup``, ``rlimit`` or None (no limit: warn)."""
    if _root() is not None:
        return "cgroup"
    if os.geteuid() != 0:
        return "rlimit"
    return None


def _sweep(root: Path) -> None:
    """Remove the groups of graders that are no longer running (killed, or crashed)."""
    for group in root.glob(f"{PREFIX}*-*"):
        owner = group.name[len(PREFIX) :].split("-")[0]
        if owner.isdigit() and not _alive(int(owner)):
            _kill_all(group)
            with contextlib.suppress(OSError):
                group.rmdir()


def groups_of_this_process() -> list[Path]:
    root = _root()
    return sorted(root.glob(f"{PREFIX}{os.getpid()}-*")) if root is not None else []


def kill_leftovers() -> None:
    """Kill every sandboxed process this process started and remove their groups."""
    for group in groups_of_this_process():
        _kill_all(group)
        with contextlib.suppress(OSError):
            group.rmdir()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_all(group: Path, keep: frozenset[int] = frozenset()) -> None:
    """SIGKILL every process of ``group`` but ``keep``, until none is left (a fork bomb
    forks while it is being killed, but cannot grow past ``pids.max``)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            pids = [int(p) for p in (group / "cgroup.procs").read_text().split()]
        except (OSError, ValueError):
            return
        pids = [pid for pid in pids if pid not in keep]
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)


class ProcessLimit:
    """The process limit of one sandboxed process tree. ``join`` runs in the child before
    ``exec``; ``exceeded`` says whether a fork was refused; ``close`` kills what is left."""

    def __init__(self, max_processes: int):
        self.max_processes = max_processes
        self.group: Path | None = None
        self.nproc: int | None = None
        root = _root()
        if root is not None:
            group = root / f"{PREFIX}{os.getpid()}-{next(_counter)}"
            try:
                group.mkdir()
                (group / "pids.max").write_text(str(max_processes))
                self.group = group
            except OSError:
                with contextlib.suppress(OSError):
                    group.rmdir()
        if self.group is None and os.geteuid() != 0:
            # RLIMIT_NPROC counts all of this user's processes and threads: allow the ones
            # running now plus the sandbox's own.
            self.nproc = _user_tasks() + max_processes

    def join(self) -> None:
        """In the child, before exec (async-signal-safe enough: plain file writes)."""
        if self.group is not None:
            fd = os.open(self.group / "cgroup.procs", os.O_WRONLY)
            try:
                os.write(fd, str(os.getpid()).encode())
            finally:
                os.close(fd)
        elif self.nproc is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_NPROC, (self.nproc, self.nproc))

    def refused(self) -> int:
        """How many forks the limit refused so far."""
        if self.group is None:
            return 0
        try:
            events = (self.group / "pids.events").read_text().split()
        except OSError:
            return 0
        for key, value in zip(events[::2], events[1::2], strict=False):
            if key == "max" and value.isdigit():
                return int(value)
        return 0

    def stop_others(self, keep: frozenset[int]) -> None:
        """Kill every process of the sandbox but ``keep`` (the grader's own runner)."""
        if self.group is not None:
            _kill_all(self.group, keep)

    def close(self) -> None:
        if self.group is not None:
            _kill_all(self.group)
            with contextlib.suppress(OSError):
                self.group.rmdir()
            self.group = None


def _user_tasks() -> int:
    uid, count = os.getuid(), 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == uid:
                    count += sum(1 for _ in (entry / "task").iterdir())
    return count
