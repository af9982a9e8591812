"""Run a notebook where it sees only its own folder and the lab's data (bubblewrap on Linux).

The sandbox has no network, its own process and user namespaces, read-only system folders and
Python, and nothing else of the machine: not the course folder (so neither the hidden tests in
``source/`` nor ``gradebook.db``), not the home folder. Memory (address space), file size,
time and the number of processes are limited (``process_limit``).

Nothing the notebook writes reaches the disk: its folder (``/sandbox``, where its inputs are
mounted read-only), the folder of its exported answers and ``/tmp`` are RAM disks of
``Limits.disk_mb`` each, gone with the sandbox. The runner sends the executed notebook and the
answers back through a pipe, and the grader reads at most what those RAM disks can hold. So a
loop that writes file after file fills a RAM disk of known size, never the trainer's disk.

Where bubblewrap is missing, notebooks still run with the limits but without isolation (and
write into their folder on disk), and the tools say so loudly.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .process_limit import NO_LIMIT_WARNING, ProcessLimit
from .process_limit import mechanism as process_limit

__all__ = ["NO_LIMIT_WARNING", "LearnerKernels", "Limits", "Run", "process_limit"]

RUNNER = Path(__file__).with_name("sandbox_runner.py")
ANSWER_IO = Path(__file__).with_name("answer_io.py")
INSIDE = "/sandbox"
NO_SANDBOX_WARNING = (
    "WARNING: no sandbox (bubblewrap) is available, so learners' code runs with your rights "
    "and can read the hidden tests and the gradebook. Install it (Debian/Ubuntu: "
    "`apt-get install bubblewrap`) before grading real submissions."
)


@dataclass(frozen=True)
class Limits:
    cell_timeout: int = 60  # seconds per cell
    memory_mb: int = 4096  # address space per process (pyarrow alone reserves ~2 GB)
    max_output: int = 1_000_000  # bytes of output kept per cell
    max_file_mb: int = 200  # largest file a notebook may write
    max_processes: int = 256  # processes and threads at once (a kernel uses about 10)
    disk_mb: int = 512  # each RAM disk the notebook may write: its folder, answers, /tmp


@dataclass
class Run:
    status: str  # ok, timeout, crashed
    cell: int | None
    reason: str
    truncated: list[int]
    notebook: Path  # the executed notebook (untrusted if learner code ran)
    notes: list[str] = field(default_factory=list)  # for the trainer, even when status is ok
    disk_full: bool = False  # a cell stopped for want of space to write


WRITABLE = "out"  # the folder the answers are exported to, a RAM disk of its own


@functools.cache
def available() -> bool:
    """True when bubblewrap exists and can make namespaces here (containers may forbid it)."""
    if os.environ.get("GRADER_NO_SANDBOX") == "1" or not shutil.which("bwrap"):
        return False
    probe = subprocess.run(
        [*_bwrap_prefix(Path("/nonexistent-workdir"), Limits(), bind_work=False), "true"],
        capture_output=True,
        check=False,
        timeout=30,
    )
    return probe.returncode == 0


def _bwrap_prefix(
    workdir: Path, limits: Limits, bind_work: bool = True, shared: list[tuple[Path, str]] = ()
) -> list[str]:
    ram_disk = ["--size", str(limits.disk_mb * 1024 * 1024), "--tmpfs"]
    args = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session"]
    args += ["--proc", "/proc", "--dev", "/dev", *ram_disk, "/tmp"]
    for folder in ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/etc"):
        args += ["--ro-bind-try", folder, folder]
    pythons = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    pythons.add(Path(sys.executable).resolve().parent.parent)
    for folder in sorted(pythons):
        args += ["--ro-bind-try", str(folder), str(folder)]
    if Path(sys.prefix) != Path(sys.prefix).resolve():
        args += ["--ro-bind-try", sys.prefix, sys.prefix]
    if bind_work:
        # The notebook's folder is a RAM disk; what the grader put in it is mounted read-only.
        args += [*ram_disk, INSIDE]
        shared_names = {name for _, name in shared}
        for entry in sorted(workdir.iterdir()):
            if entry.name == WRITABLE:
                args += [*ram_disk, f"{INSIDE}/{WRITABLE}"]
            elif entry.name not in shared_names:
                args += ["--ro-bind", str(entry), f"{INSIDE}/{entry.name}"]
        for host, name in shared:  # the lab's data, shared by every submission: read-only
            args += ["--ro-bind", str(host), f"{INSIDE}/{name}"]
        args += ["--chdir", INSIDE]
    return args


def _environment(home: str) -> dict[str, str]:
    return {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
        "HOME": home,
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        # One thread per numeric library: the grader already runs submissions in parallel.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "ARROW_DEFAULT_MEMORY_POOL": "system",
    }


def prepare_workdir(workdir: Path, lab_source: Path) -> list[tuple[Path, str]]:
    """The runner, the answer carrier, and the lab's files except its notebooks.

    Returns the lab's folders (e.g. ``data/``) to share read-only with the notebook.
    """
    workdir.mkdir(parents=True)
    shared = []
    shutil.copy2(RUNNER, workdir / RUNNER.name)
    shutil.copy2(ANSWER_IO, workdir / ANSWER_IO.name)
    for path in lab_source.iterdir():
        if path.suffix == ".ipynb" or path.name.startswith((".", "__")):
            continue
        if path.is_dir():
            shared.append((path.resolve(), path.name))
            if available():
                (workdir / path.name).mkdir()  # where the sandbox mounts it
            else:
                (workdir / path.name).symlink_to(path.resolve(), target_is_directory=True)
        else:
            shutil.copy2(path, workdir / path.name)
    return shared


def _limit(limits: Limits, processes: ProcessLimit):
    def apply() -> None:
        import resource

        processes.join()
        memory = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        size = limits.max_file_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _too_many(limits: Limits) -> str:
    return (
        f"the learner's code started more than {limits.max_processes} processes "
        "(a fork bomb?), so the grader stopped it"
    )


def _disk_note(limits: Limits) -> str:
    return (
        "the learner's code ran out of space for its files (each writable folder holds "
        f"{limits.disk_mb} MB, a file at most {limits.max_file_mb} MB)"
    )


class _Pipe:
    """Reads a stream in a thread: the runner's reply (``done N`` + N bytes, at most ``cap``),
    or the last bytes of standard error. Never holds more than ``cap`` bytes."""

    def __init__(self, stream, cap: int, reply: bool):
        self.stream, self.cap, self.data = stream, cap, b""
        self.ready = threading.Event()
        target = self._reply if reply else self._tail
        self.thread = threading.Thread(target=target, daemon=True)
        self.thread.start()

    def _reply(self) -> None:
        try:
            header = self.stream.readline(64).split()
            if len(header) == 2 and header[0] == b"done" and header[1].isdigit():
                size = int(header[1])
                if size <= self.cap:
                    self.data = self.stream.read(size)
        except (OSError, ValueError):
            pass
        self.ready.set()

    def _tail(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            for chunk in iter(lambda: self.stream.read(65536), b""):
                self.data = (self.data + chunk)[-self.cap :]
        self.ready.set()


def _unpack(payload: bytes, workdir: Path) -> None:
    """The runner's reply into ``workdir``: regular files with expected names only."""
    if not payload:
        return
    try:
        with tarfile.open(fileobj=io.BytesIO(payload), mode="r:") as archive:
            for member in archive:
                name = PurePosixPath(member.name)
                wanted = str(name) in ("executed.ipynb", "result.json") or (
                    name.parts[0] == WRITABLE and len(name.parts) > 1
                )
                if not member.isfile() or name.is_absolute() or ".." in name.parts:
                    continue
                if wanted:
                    target = workdir.joinpath(*name.parts)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.extractfile(member).read())
    except (tarfile.TarError, OSError, ValueError):
        pass  # a damaged reply: read as "the runner stopped"


def _cap(limits: Limits) -> int:
    # The exported answers fit in their RAM disk; the executed notebook's outputs are cut per
    # cell; the rest is the notebook's own source, small.
    return (limits.disk_mb + 256) * 1024 * 1024


def _launch(
    workdir: Path, limits: Limits, shared: list[tuple[Path, str]], mode: list[str], stderr
) -> tuple[subprocess.Popen, ProcessLimit]:
    """The runner in ``mode``, in a sandbox over ``workdir`` (where available), with its limits;
    it talks over standard input and output."""
    sandboxed = available()
    here = INSIDE if sandboxed else str(workdir)
    command = [sys.executable, f"{here}/{RUNNER.name}", *mode]
    if sandboxed:
        command = [*_bwrap_prefix(workdir, limits, shared=shared), *command]
    processes = ProcessLimit(limits.max_processes)
    process = subprocess.Popen(
        command,
        cwd=workdir,
        env=_environment("/tmp" if sandboxed else str(workdir)),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        preexec_fn=_limit(limits, processes),  # noqa: PLW1509 - limits must be set in the child
        start_new_session=True,
    )
    return process, processes


def _end(process: subprocess.Popen, processes: ProcessLimit) -> None:
    """Kill the runner and everything it started; idempotent."""
    if process.poll() is None:
        with contextlib.suppress(OSError):
            # In the sandbox, this ends every process of it (bwrap's process namespace).
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    processes.close()  # and whatever is left in its control group


class LearnerKernels:
    """Fresh sandboxed kernels for learners' notebooks, started ahead of need.

    Each kernel runs one submission and then goes with its sandbox, so nothing a learner's
    code leaves behind reaches anyone else. While a worker grades one submission, the kernel
    for a next one is already starting (and importing the lab's modules) in a sandbox of its
    own: the second or so a kernel takes to start overlaps other work instead of adding to
    every submission's time. ``total`` bounds how many are ever started, ``ahead`` are kept
    starting or ready.
    """

    def __init__(
        self,
        root: Path,
        lab_source: Path,
        limits: Limits,
        total: int,
        ahead: int,
        modules: list[str] = (),
    ):
        self.root, self.lab_source, self.limits = root, lab_source, limits
        self.modules = [m for m in modules if _MODULE.fullmatch(m)]
        self.left, self.count = total, 0
        self.ready: queue.SimpleQueue = queue.SimpleQueue()
        self.started: list[Fresh] = []
        self.lock = threading.Lock()
        for _ in range(min(ahead, total)):
            self._start_one()

    def _start_one(self, anyway: bool = False) -> None:
        with self.lock:
            if self.left <= 0 and not anyway:
                return
            self.left -= 1
            self.count += 1
            workdir = self.root / f"learner-{self.count}"
        fresh = Fresh(workdir, self.lab_source, self.limits, self.modules)
        with self.lock:
            self.started.append(fresh)
        self.ready.put(fresh)

    def take(self) -> Fresh:
        """A started kernel for one submission; another starts in its place."""
        self._start_one()
        try:
            return self.ready.get_nowait()
        except queue.Empty:  # more submissions than ``total``: start one now
            self._start_one(anyway=True)
            return self.ready.get()

    def close(self) -> None:
        with self.lock:
            started, self.started = self.started, []
        for fresh in started:
            fresh.stop()


_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
JOB = "job"  # where the submission is put once known: mounted read-only, made before the start


class Fresh:
    """One learner's sandbox and kernel, started before the submission is known.

    Put the notebook at ``workdir / JOB / name``, then :meth:`run` it; its exported answers
    arrive in ``workdir / WRITABLE``."""

    def __init__(self, workdir: Path, lab_source: Path, limits: Limits, modules: list[str]):
        self.workdir, self.limits = workdir, limits
        shared = prepare_workdir(workdir, lab_source)
        (workdir / JOB).mkdir()
        (workdir / WRITABLE).mkdir()
        # Sandboxed, the answers are exported to a RAM disk inside; the runner sends them back.
        folder = f"{INSIDE}/{WRITABLE}" if available() else "-"
        mode = ["--once", str(limits.cell_timeout), str(limits.max_output), folder, *modules]
        self.process, self.processes = _launch(workdir, limits, shared, mode, subprocess.PIPE)
        self.reply = _Pipe(self.process.stdout, _cap(limits), reply=True)
        self.errors = _Pipe(self.process.stderr, 16384, reply=False)

    def run(self, notebook_name: str, code_cells: int) -> Run:
        """Execute ``workdir / JOB / notebook_name``; never raises for what the notebook does.
        The kernel and its sandbox are gone afterwards."""
        sandboxed = available()
        here = INSIDE if sandboxed else str(self.workdir)
        out_name = "executed.ipynb"
        # The runner stops a cell at the timeout; this bounds the whole run (a kernel that
        # never started, a runner that is killed, a kernel that ignores its shutdown).
        budget = self.limits.cell_timeout * (code_cells + 2) + 120
        process = self.process
        try:
            with contextlib.suppress(OSError):
                process.stdin.write(f"{here}/{JOB}/{notebook_name}\n".encode())
                process.stdin.flush()
            deadline = time.monotonic() + budget
            stopped = _wait(self.reply.ready, self.processes, deadline, process)
            if not sandboxed and stopped != "time":
                # Unsandboxed, the kernel is in a session of its own: let the runner stop it.
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(30)
        finally:
            self.stop()
        if stopped == "time":
            reason = f"the notebook ran longer than {budget} s"
            return Run("timeout", None, reason, [], self.workdir / out_name)
        self.errors.thread.join(5)
        _unpack(self.reply.data, self.workdir)
        stderr = self.errors.data.decode("utf-8", "replace")
        run = _read_result(self.workdir, out_name, process.returncode, stderr)
        return _annotate(run, self.limits, stopped == "bombed")

    def stop(self) -> None:
        _end(self.process, self.processes)


def _annotate(run: Run, limits: Limits, bombed: bool) -> Run:
    if bombed:
        run.status, run.reason = "crashed", _too_many(limits)
    if run.disk_full:
        run.notes.append(_disk_note(limits))
    return run


def _wait(done: threading.Event, processes: ProcessLimit, deadline: float, runner) -> str:
    """``done`` or ``time`` (the budget ran out); ``bombed``: done, but the learner's code hit
    the process limit, and every process but the grader's runner was killed (the runner then
    reports the kernel's death at that cell, so the answers before it still count)."""
    bombed = False
    while not done.wait(0.1):
        if processes.refused():
            bombed = True
            processes.stop_others(frozenset(_chain(runner.pid, 3 if available() else 1)))
        if time.monotonic() > deadline:
            return "time"
    return "bombed" if bombed or processes.refused() else "done"


def _chain(pid: int, length: int) -> list[int]:
    """``pid`` and its first descendants: bwrap, bwrap's init in the sandbox, the runner."""
    chain = [pid]
    while len(chain) < length:
        try:
            children = Path(f"/proc/{chain[-1]}/task/{chain[-1]}/children").read_text().split()
        except OSError:
            break
        if not children:
            break
        chain.append(int(children[0]))
    return chain


def _read_result(workdir: Path, out_name: str, returncode: int, stderr: str) -> Run:
    try:
        raw = json.loads((workdir / "result.json").read_text(encoding="utf-8"))
        status = raw["status"] if raw.get("status") in ("ok", "timeout", "crashed") else "crashed"
        cell = raw.get("cell") if type(raw.get("cell")) is int else None
        truncated = [i for i in raw.get("truncated", []) if type(i) is int]
        reason = str(raw.get("reason", ""))[:300]
        full = bool(raw.get("disk_full"))
        return Run(status, cell, reason, truncated, workdir / out_name, disk_full=full)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        tail = " ".join(stderr.strip().splitlines()[-3:])[:300]
        reason = f"the notebook runner stopped (exit code {returncode})"
        if "MemoryError" in stderr:
            reason = "the notebook ran out of memory"
        reason = f"{reason}: {tail}" if tail else reason
        full = "[Errno 28]" in stderr
        return Run("crashed", None, reason, [], workdir / out_name, disk_full=full)


class TestKernels:
    """Long-lived sandboxed kernels for the grader's own test notebooks, one per worker.

    They execute the lab's source cells and tests on answers loaded as data, so one kernel
    can serve many submissions (its namespace is reset between them, and it is replaced after
    any timeout or crash). This halves the kernel starts per submission. A notebook that calls
    functions the learner wrote gets a kernel of its own, used once.
    """

    def __init__(self, root: Path, lab_source: Path, limits: Limits):
        self.root, self.lab_source, self.limits = root, lab_source, limits
        self.idle: queue.SimpleQueue = queue.SimpleQueue()
        self.all: list[_Server] = []
        self.lock = threading.Lock()

    def run(
        self, test_notebook: Path, answers: Path, code_cells: int, learner_code: bool = False
    ) -> Run:
        """Execute; the executed notebook is copied next to ``test_notebook``.

        ``learner_code``: the notebook calls functions the learner wrote, which could leave
        something behind (a patched module, a thread), so its kernel is not used again."""
        try:
            server = self.idle.get_nowait()
        except queue.Empty:
            with self.lock:
                server = _Server(
                    self.root / f"kernel-{len(self.all)}", self.lab_source, self.limits
                )
                self.all.append(server)
        try:
            return server.run(test_notebook, answers, code_cells)
        finally:
            if learner_code:
                server.stop()
            self.idle.put(server)

    def close(self) -> None:
        for server in self.all:
            server.stop()


class _Server:
    def __init__(self, workdir: Path, lab_source: Path, limits: Limits):
        self.workdir, self.limits = workdir, limits
        self.shared = prepare_workdir(workdir, lab_source)
        # Made once and only emptied between jobs: the sandbox mounts this very folder.
        (workdir / "job").mkdir()
        self.process: subprocess.Popen | None = None
        self.processes: ProcessLimit | None = None

    def _start(self) -> None:
        mode = ["--serve", str(self.limits.cell_timeout), str(self.limits.max_output)]
        self.process, self.processes = _launch(
            self.workdir, self.limits, self.shared, mode, subprocess.DEVNULL
        )

    def stop(self) -> None:
        if self.process is not None:
            _end(self.process, self.processes)
        self.process = self.processes = None

    def run(self, test_notebook: Path, answers: Path, code_cells: int) -> Run:
        job = self.workdir / "job"
        for old in job.iterdir():
            shutil.rmtree(old) if old.is_dir() and not old.is_symlink() else old.unlink()
        shutil.copyfile(test_notebook, job / "tests.ipynb")
        shutil.copytree(answers, job / "answers", symlinks=True)
        for stale in ("executed.ipynb", "result.json"):
            (self.workdir / stale).unlink(missing_ok=True)
        if self.process is None or self.process.poll() is not None:
            self._start()
        here = INSIDE if available() else str(self.workdir)
        budget = self.limits.cell_timeout * (code_cells + 2) + 120
        kept = test_notebook.with_name("executed-tests.ipynb")
        reply = _Pipe(self.process.stdout, _cap(self.limits), reply=True)
        try:
            self.process.stdin.write(f"{here}/job/tests.ipynb\n".encode())
            self.process.stdin.flush()
        except OSError:
            pass
        stopped = _wait(reply.ready, self.processes, time.monotonic() + budget, self.process)
        if stopped == "time" or not reply.data:
            self.stop()
            why = _too_many(self.limits) if stopped == "bombed" else "the test kernel stopped"
            return Run("crashed", None, why, [], kept)
        if stopped == "bombed":
            self.stop()  # never reuse a kernel whose sandbox had a fork bomb
        _unpack(reply.data, self.workdir)
        run = _read_result(self.workdir, "executed.ipynb", 0, "")
        if run.notebook.exists():
            shutil.copyfile(run.notebook, kept)
        run.notebook = kept
        return _annotate(run, self.limits, stopped == "bombed")
