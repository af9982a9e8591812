"""How many processes one sandbox may run, so a fork bomb cannot take the machine down; and,
where the machine allows it, how much memory and CPU all of them together may use.

The limit that works for every user, root included, is a ``pids`` control group: the kernel
refuses a fork beyond ``pids.max`` and counts the refusals in ``pids.events``, so the grader
sees a fork bomb at its first refused fork and stops the whole sandbox. Each sandboxed process
tree gets a group of its own, removed afterwards; groups left by a grader that was killed are
removed by the next run. Where no group can be made (not root, or a read-only
``/sys/fs/cgroup``), a user who is not root gets ``RLIMIT_NPROC`` instead (root is exempt from
it, even in a user namespace); root without control groups gets no limit, and a warning.

Each process of a sandbox is also limited in address space (``RLIMIT_AS``), but a sandbox may
run many processes: so where a ``memory`` and a ``cpu`` control group can be made too, the
sandbox as a whole gets ``memory_mb`` of memory (past it, the kernel stops a process of that
sandbox only, never the grader) and ``cpus`` processors' worth of time (a sandbox of busy
threads cannot starve the others into timeouts). Not every machine enforces a memory group
that it lets one make (seen on a CI host), so a watch thread also adds up the sandbox's memory
(proportional set size, so pages shared after a fork count once) a few times a second and,
past ``memory_mb``, kills its largest process, as the kernel would.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import signal
import threading
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
        if _can_limit(candidate, "pids.max"):
            return candidate
    return None


def _can_limit(candidate: Path, limit_file: str) -> bool:
    """Whether a group made under ``candidate`` has ``limit_file`` (then stale groups of dead
    graders there are swept)."""
    probe = candidate / f"{PREFIX}probe-{os.getpid()}"
    try:
        probe.mkdir()
    except OSError:
        return False
    try:
        if (probe / limit_file).exists():
            _sweep(candidate)
            return True
        return False
    finally:
        with contextlib.suppress(OSError):
            probe.rmdir()


def mechanism() -> str | None:
    """``cgroup``, ``rlimit`` or None (no limit: warn)."""
    if _root() is not None:
        return "cgroup"
    if os.geteuid() != 0:
        return "rlimit"
    return None


@functools.cache
def _extra_root(controller: str, limit_file: str) -> Path | None:
    """Where groups limiting ``controller`` are made: its own cgroup v1 hierarchy, or the
    pids group itself on cgroup v2 (None: not here)."""
    pids = _root()
    if pids is None:
        return None
    if pids == CGROUP:  # cgroup v2: one group, if the controller is enabled for children
        try:
            enabled = (CGROUP / "cgroup.subtree_control").read_text().split()
        except OSError:
            return None
        return CGROUP if controller in enabled else None
    candidate = CGROUP / controller
    return candidate if _can_limit(candidate, limit_file) else None


def _memory_root() -> Path | None:
    return _extra_root("memory", "memory.max" if _root() == CGROUP else "memory.limit_in_bytes")


def _cpu_root() -> Path | None:
    return _extra_root("cpu", "cpu.max" if _root() == CGROUP else "cpu.cfs_quota_us")


def _sweep(root: Path) -> None:
    """Remove the groups of graders that are no longer running (killed, or crashed)."""
    for group in root.glob(f"{PREFIX}*-*"):
        owner = group.name[len(PREFIX) :].split("-")[0]
        if owner.isdigit() and not _alive(int(owner)):
            _kill_all(group)
            with contextlib.suppress(OSError):
                group.rmdir()


def groups_of_this_process() -> list[Path]:
    roots = {r for r in (_root(), _memory_root(), _cpu_root()) if r is not None}
    return sorted(g for root in roots for g in root.glob(f"{PREFIX}{os.getpid()}-*"))


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

    def __init__(self, max_processes: int, memory_mb: int | None = None, cpus: float | None = None):
        self.max_processes = max_processes
        self.group: Path | None = None
        self.others: list[Path] = []  # cgroup v1: the memory and cpu groups, each its own
        self.nproc: int | None = None
        root = _root()
        if root is not None:
            name = f"{PREFIX}{os.getpid()}-{next(_counter)}"
            group = root / name
            try:
                group.mkdir()
                (group / "pids.max").write_text(str(max_processes))
                self.group = group
            except OSError:
                with contextlib.suppress(OSError):
                    group.rmdir()
            if self.group is not None:
                self._limit_memory_and_cpu(name, memory_mb, cpus)
        self.memory_bytes = memory_mb * 1024 * 1024 if memory_mb else None
        self.watch_kills = 0
        self._stop_watch = threading.Event()
        self._watch: threading.Thread | None = None
        if self.group is None and os.geteuid() != 0:
            # RLIMIT_NPROC counts all of this user's processes and threads: allow the ones
            # running now plus the sandbox's own.
            self.nproc = _user_tasks() + max_processes

    def _limit_memory_and_cpu(self, name: str, memory_mb: int | None, cpus: float | None):
        v2 = _root() == CGROUP
        wanted = []
        if memory_mb and _memory_root() is not None:
            size = str(memory_mb * 1024 * 1024)
            files = (
                {"memory.max": size, "memory.swap.max": "0"}
                if v2
                else {
                    "memory.limit_in_bytes": size,
                    "memory.memsw.limit_in_bytes": size,  # where swap is counted: none on top
                }
            )
            wanted.append((_memory_root(), files))
        if cpus and _cpu_root() is not None:
            period = 100_000
            quota = str(int(cpus * period))
            files = (
                {"cpu.max": f"{quota} {period}"}
                if v2
                else {
                    "cpu.cfs_period_us": str(period),
                    "cpu.cfs_quota_us": quota,
                }
            )
            wanted.append((_cpu_root(), files))
        for root, files in wanted:
            group = self.group if v2 else root / name
            with contextlib.suppress(OSError):
                if not v2:
                    group.mkdir()
                    self.others.append(group)
                for file, value in files.items():
                    with contextlib.suppress(OSError):  # e.g. no swap accounting: skip it
                        (group / file).write_text(value)

    def join(self) -> None:
        """In the child, before exec (async-signal-safe enough: plain file writes)."""
        if self.group is not None:
            for group in (self.group, *self.others):
                fd = os.open(group / "cgroup.procs", os.O_WRONLY)
                try:
                    os.write(fd, str(os.getpid()).encode())
                finally:
                    os.close(fd)
        elif self.nproc is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_NPROC, (self.nproc, self.nproc))

    def watch(self, root_pid: int) -> None:
        """Start the memory watch over the sandbox started as ``root_pid`` (its group's
        processes, or else that process and its descendants)."""
        if self.memory_bytes and self._watch is None:
            self._watch = threading.Thread(
                target=self._watch_memory, args=(root_pid,), name="memory-watch", daemon=True
            )
            self._watch.start()

    def _members(self, root_pid: int) -> list[int]:
        if self.group is not None:
            with contextlib.suppress(OSError, ValueError):
                return [int(p) for p in (self.group / "cgroup.procs").read_text().split()]
        return _descendants(root_pid)

    def _watch_memory(self, root_pid: int) -> None:
        while not self._stop_watch.wait(WATCH_INTERVAL):
            if self.group is None and not _alive(root_pid):
                return
            sizes = {pid: _memory_of(pid) for pid in self._members(root_pid)}
            if sizes and sum(sizes.values()) > self.memory_bytes:
                largest = max(sizes, key=sizes.get)
                with contextlib.suppress(OSError):
                    os.kill(largest, signal.SIGKILL)
                    self.watch_kills += 1

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

    def out_of_memory(self) -> bool:
        """Whether the kernel (or the memory watch) stopped a process of the sandbox for want
        of memory."""
        if self.watch_kills:
            return True
        for group in (self.group, *self.others):
            if group is None:
                continue
            for file in ("memory.events", "memory.oom_control"):
                with contextlib.suppress(OSError, ValueError):
                    words = (group / file).read_text().split()
                    counts = dict(zip(words[::2], words[1::2], strict=False))
                    if int(counts.get("oom_kill", "0")) > 0:
                        return True
        return False

    def stop_others(self, keep: frozenset[int]) -> None:
        """Kill every process of the sandbox but ``keep`` (the grader's own runner)."""
        if self.group is not None:
            _kill_all(self.group, keep)

    def close(self) -> None:
        self._stop_watch.set()
        if self.group is not None:
            _kill_all(self.group)
            for group in (self.group, *self.others):
                with contextlib.suppress(OSError):
                    group.rmdir()
            self.group, self.others = None, []


WATCH_INTERVAL = 0.2  # seconds between two looks at a sandbox's memory
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _memory_of(pid: int) -> int:
    """Bytes of memory ``pid`` holds: its proportional set size where the kernel tells it,
    else its resident set size; 0 when it is gone."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
    return 0


def _descendants(root_pid: int) -> list[int]:
    """``root_pid`` and every process below it, from the parent ids in /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # The command name may hold spaces and brackets: the fields follow the last ')'.
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _user_tasks() -> int:
    uid, count = os.getuid(), 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == uid:
                    count += sum(1 for _ in (entry / "task").iterdir())
    return count
