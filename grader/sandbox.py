"""Run a notebook where it sees only its own folder and the lab's data (bubblewrap on Linux).

The sandbox has no network, its own process and user namespaces, a private /tmp, read-only
system folders and Python, and nothing else of the machine: not the course folder (so neither
the hidden tests in ``source/`` nor ``gradebook.db``), not the home folder. Memory (address
space), file size and time are limited. Where bubblewrap is missing, notebooks still run with
the limits but without isolation, and the tools say so loudly.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

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


@dataclass
class Run:
    status: str  # ok, timeout, crashed
    cell: int | None
    reason: str
    truncated: list[int]
    notebook: Path  # the executed notebook (untrusted if learner code ran)


@functools.cache
def available() -> bool:
    """True when bubblewrap exists and can make namespaces here (containers may forbid it)."""
    if os.environ.get("GRADER_NO_SANDBOX") == "1" or not shutil.which("bwrap"):
        return False
    probe = subprocess.run(
        [*_bwrap_prefix(Path("/nonexistent-workdir"), bind_work=False), "true"],
        capture_output=True,
        check=False,
        timeout=30,
    )
    return probe.returncode == 0


def _bwrap_prefix(
    workdir: Path, bind_work: bool = True, shared: list[tuple[Path, str]] = ()
) -> list[str]:
    args = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session"]
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for folder in ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/etc"):
        args += ["--ro-bind-try", folder, folder]
    pythons = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    pythons.add(Path(sys.executable).resolve().parent.parent)
    for folder in sorted(pythons):
        args += ["--ro-bind-try", str(folder), str(folder)]
    if Path(sys.prefix) != Path(sys.prefix).resolve():
        args += ["--ro-bind-try", sys.prefix, sys.prefix]
    if bind_work:
        args += ["--bind", str(workdir), INSIDE, "--chdir", INSIDE]
        for host, name in shared:  # the lab's data, shared by every submission: read-only
            args += ["--ro-bind", str(host), f"{INSIDE}/{name}"]
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


def _limit(limits: Limits):
    def apply() -> None:
        import resource

        memory = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        size = limits.max_file_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def execute(
    workdir: Path,
    notebook_name: str,
    limits: Limits,
    code_cells: int,
    shared: list[tuple[Path, str]] = (),
) -> Run:
    """Execute ``workdir/notebook_name``; never raises for what the notebook does."""
    sandboxed = available()
    here = INSIDE if sandboxed else str(workdir)
    out_name = "executed.ipynb"
    command = [
        sys.executable,
        f"{here}/{RUNNER.name}",
        f"{here}/{notebook_name}",
        f"{here}/{out_name}",
        f"{here}/result.json",
        str(limits.cell_timeout),
        str(limits.max_output),
    ]
    if sandboxed:
        command = [*_bwrap_prefix(workdir, shared=shared), *command]
    env = _environment("/tmp" if sandboxed else str(workdir))
    # The runner stops a cell at the timeout; this bounds the whole run (kernel start, a
    # runner that is killed, a kernel that ignores its shutdown).
    budget = limits.cell_timeout * (code_cells + 2) + 120
    process = subprocess.Popen(
        command,
        cwd=workdir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=_limit(limits),  # noqa: PLW1509 - resource limits must be set in the child
        start_new_session=True,
    )
    try:
        _, stderr = process.communicate(timeout=budget)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return Run(
            "timeout", None, f"the notebook ran longer than {budget} s", [], workdir / out_name
        )
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    return _read_result(workdir, out_name, process.returncode, stderr.decode("utf-8", "replace"))


def _read_result(workdir: Path, out_name: str, returncode: int, stderr: str) -> Run:
    try:
        raw = json.loads((workdir / "result.json").read_text(encoding="utf-8"))
        status = raw["status"] if raw.get("status") in ("ok", "timeout", "crashed") else "crashed"
        cell = raw.get("cell") if type(raw.get("cell")) is int else None
        truncated = [i for i in raw.get("truncated", []) if type(i) is int]
        return Run(status, cell, str(raw.get("reason", ""))[:300], truncated, workdir / out_name)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        tail = " ".join(stderr.strip().splitlines()[-3:])[:300]
        reason = f"the notebook runner stopped (exit code {returncode})"
        if "MemoryError" in stderr:
            reason = "the notebook ran out of memory"
        return Run("crashed", None, f"{reason}: {tail}" if tail else reason, [], workdir / out_name)


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
        self.process: subprocess.Popen | None = None

    def _start(self) -> None:
        sandboxed = available()
        here = INSIDE if sandboxed else str(self.workdir)
        command = [
            sys.executable,
            f"{here}/{RUNNER.name}",
            "--serve",
            str(self.limits.cell_timeout),
            str(self.limits.max_output),
        ]
        if sandboxed:
            command = [*_bwrap_prefix(self.workdir, shared=self.shared), *command]
        self.process = subprocess.Popen(
            command,
            cwd=self.workdir,
            env=_environment("/tmp" if sandboxed else str(self.workdir)),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            preexec_fn=_limit(self.limits),  # noqa: PLW1509 - limits must be set in the child
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None

    def run(self, test_notebook: Path, answers: Path, code_cells: int) -> Run:
        job = self.workdir / "job"
        if job.exists():
            shutil.rmtree(job)
        job.mkdir()
        shutil.copyfile(test_notebook, job / "tests.ipynb")
        shutil.copytree(answers, job / "answers", symlinks=True)
        for stale in ("executed.ipynb", "result.json"):
            (self.workdir / stale).unlink(missing_ok=True)
        if self.process is None or self.process.poll() is not None:
            self._start()
        here = INSIDE if available() else str(self.workdir)
        request = f"{here}/job/tests.ipynb {here}/executed.ipynb {here}/result.json\n"
        budget = self.limits.cell_timeout * (code_cells + 2) + 120
        answer: list[str] = []
        reader = threading.Thread(target=lambda: answer.append(self.process.stdout.readline()))
        try:
            self.process.stdin.write(request)
            self.process.stdin.flush()
            reader.start()
            reader.join(budget)
        except OSError:
            pass
        kept = test_notebook.with_name("executed-tests.ipynb")
        if not answer or answer[0].strip() != "done":
            self.stop()
            return Run("crashed", None, "the test kernel stopped", [], kept)
        run = _read_result(self.workdir, "executed.ipynb", 0, "")
        if run.notebook.exists():
            shutil.copyfile(run.notebook, kept)
        run.notebook = kept
        return run
