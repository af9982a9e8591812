"""Start the runner where it sees only its own folder and the lab's data (bubblewrap on Linux).

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
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .. import shipped
from .pids import ProcessLimit

RUNNER = Path(shipped.__file__).with_name("sandbox_runner.py")  # copied into the sandbox, run there
ANSWER_IO = Path(shipped.__file__).with_name("answer_io.py")
KERNEL_WATCH = Path(shipped.__file__).with_name("kernel_watch.py")
INSIDE = "/sandbox"
NO_SANDBOX_WARNING = (
    "WARNING: no sandbox (bubblewrap) is available, so learners' code runs with your rights "
    "and can read the hidden tests and the gradebook. Install it (Debian/Ubuntu: "
    "`apt-get install bubblewrap`) before grading real submissions."
)


@dataclass(frozen=True)
class Limits:
    cell_timeout: int = 60  # seconds per cell
    # Address space per process (pyarrow alone reserves ~2 GB); memory of the whole sandbox
    # where a memory control group can be made.
    memory_mb: int = 4096
    max_output: int = 1_000_000  # bytes of output kept per cell
    max_file_mb: int = 200  # largest file a notebook may write
    max_processes: int = 256  # processes and threads at once (a kernel uses about 10)
    cpus: float = 1.0  # processors' worth of time for the whole sandbox (where cgroups allow)
    disk_mb: int = 512  # each RAM disk the notebook may write: its folder, answers, /tmp
    # All of a submission's own work (its notebook, then every call to its functions) may take
    # budget_factor × the solution's time at the build + budget_margin seconds.
    budget_factor: float = 2.0
    budget_margin: int = 60


@dataclass
class Run:
    status: str  # ok, timeout, crashed
    cell: int | None
    reason: str
    truncated: list[int]
    notebook: Path  # the executed notebook (untrusted if learner code ran)
    notes: list[str] = field(default_factory=list)  # for the trainer, even when status is ok
    # cell index → the kernel's own verdict on it (``ok``, ``error``, ``aborted``, or None)
    verdicts: dict[int, str | None] = field(default_factory=dict)
    disk_full: bool = False  # a cell stopped for want of space to write


WRITABLE = "out"  # the folder the answers are exported to, a RAM disk of its own


@functools.cache
def available() -> bool:
    """True when bubblewrap exists and can make namespaces here (containers may forbid it)."""
    if os.environ.get("GRADER_NO_SANDBOX") == "1" or not shutil.which("bwrap"):
        return False
    probe = subprocess.run(
        [*_bwrap_prefix(Path("/nonexistent-workdir"), Limits(), bind_work=False), "/bin/true"],
        capture_output=True,
        check=False,
        timeout=30,
    )
    return probe.returncode == 0


NOBODY = 65534  # the user the sandbox runs as when the grader runs as root
# Run as root, bubblewrap's sandbox would be the machine's root (its user namespace maps root to
# root): its code could write kernel settings in /proc/sys or /proc/sysrq-trigger. So as root,
# the sandbox gets no user namespace, and its command runs as ``nobody``, with no capabilities,
# no groups and no way to gain privileges (``setpriv``, from util-linux).
DROP_ROOT = [
    "setpriv",
    f"--reuid={NOBODY}",
    f"--regid={NOBODY}",
    "--clear-groups",
    "--inh-caps=-all",
    "--bounding-set=-all",
    "--no-new-privs",
]


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _bwrap_prefix(
    workdir: Path, limits: Limits, bind_work: bool = True, shared: list[tuple[Path, str]] = ()
) -> list[str]:
    """bubblewrap's command line, up to (and with) the command's own prefix."""
    # World-writable (with the sticky bit), as the sandbox may run as another user than root.
    ram_disk = ["--perms", "1777", "--size", str(limits.disk_mb * 1024 * 1024), "--tmpfs"]
    if _as_root():
        spaces = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
        spaces += ["--unshare-cgroup-try"]
    else:
        spaces = ["--unshare-all"]
    args = ["bwrap", *spaces, "--die-with-parent", "--new-session"]
    args += ["--proc", "/proc", "--dev", "/dev", *ram_disk, "/tmp"]
    for folder in ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/etc"):
        args += ["--ro-bind-try", folder, folder]
    pythons = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    pythons.add(Path(sys.executable).resolve().parent.parent)
    pythons.add(Path(sys.prefix))
    # The folders above them are made empty in the sandbox, open to its user (bubblewrap would
    # make them readable by root alone, and the sandbox may run as another user).
    above = {a for folder in pythons for a in folder.parents if a != Path("/")}
    for folder in sorted(above, key=lambda a: len(a.parts)):
        args += ["--perms", "0755", "--dir", str(folder)]
    for folder in sorted(pythons):
        args += ["--ro-bind-try", str(folder), str(folder)]
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
    return [*args, "--", *(DROP_ROOT if _as_root() else [])]


def _environment(home: str) -> dict[str, str]:
    return {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
        "HOME": home,
        "LANG": "C.UTF-8",
        # As in Jupyter: a learner's plt.show() puts the figure in the notebook, so their
        # figures reach the graded notebook and the feedback page (Agg would drop them).
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
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
    """The runner, the modules it loads into kernels, and the lab's files except notebooks.

    Returns the lab's folders (e.g. ``data/``) to share read-only with the notebook.
    """
    workdir.mkdir(parents=True)
    shared = []
    shutil.copy2(RUNNER, workdir / RUNNER.name)
    for module in (ANSWER_IO, KERNEL_WATCH):
        shutil.copy2(module, workdir / module.name)
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
    processes = ProcessLimit(limits.max_processes, limits.memory_mb, limits.cpus)
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
    processes.watch(process.pid)
    return process, processes


def _end(process: subprocess.Popen, processes: ProcessLimit) -> None:
    """Kill the runner and everything it started; idempotent."""
    if process.poll() is None:
        with contextlib.suppress(OSError):
            # In the sandbox, this ends every process of it (bwrap's process namespace).
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    processes.close()  # and whatever is left in its control group
