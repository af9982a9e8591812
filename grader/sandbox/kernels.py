"""Sandboxed kernels: one fresh kernel per learner's submission, started ahead of need
(``LearnerKernels``), and long-lived kernels for the grader's test notebooks (``TestKernels``)."""

from __future__ import annotations

import json
import queue
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

from .launch import INSIDE, WRITABLE, Limits, Run, _end, _launch, available, prepare_workdir
from .pids import ProcessLimit
from .replies import (
    Messages,
    _annotate,
    _cap,
    _out_of_memory,
    _Pipe,
    _read_result,
    _too_many,
    _unpack,
    _wait,
    error_reply,
    send,
)


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
    arrive in ``workdir / WRITABLE``. The kernel then stays up, holding the learner's functions,
    so that tests can :meth:`call` them, until :meth:`stop`."""

    def __init__(self, workdir: Path, lab_source: Path, limits: Limits, modules: list[str]):
        self.workdir, self.limits = workdir, limits
        shared = prepare_workdir(workdir, lab_source)
        (workdir / JOB).mkdir()
        (workdir / WRITABLE).mkdir()
        # Sandboxed, the answers are exported to a RAM disk inside; the runner sends them back.
        folder = f"{INSIDE}/{WRITABLE}" if available() else "-"
        mode = ["--once", str(limits.cell_timeout), str(limits.max_output), folder, *modules]
        self.process, self.processes = _launch(workdir, limits, shared, mode, subprocess.PIPE)
        self.messages = Messages(self.process.stdout, _cap(limits))
        self.errors = _Pipe(self.process.stderr, 16384)
        self.serving = False
        self.notes: list[str] = []  # what happened during calls, for the trainer

    def run(self, notebook_name: str, code_cells: int, budget: float | None = None) -> Run:
        """Execute ``workdir / JOB / notebook_name`` within ``budget`` seconds (None: the cells'
        own timeouts only); never raises for what the notebook does."""
        here = INSIDE if available() else str(self.workdir)
        out_name = "executed.ipynb"
        # The runner stops at the budget or a cell's timeout; this bounds the whole run (a
        # kernel that never started, a runner that is killed, a kernel that ignores shutdown).
        backstop = self.limits.cell_timeout * (code_cells + 2) + 120
        if budget is not None:
            backstop = min(backstop, budget + 60)
        request = {"notebook": f"{here}/{JOB}/{notebook_name}", "budget": budget}
        send(self.process, "run", json.dumps(request).encode("utf-8"))
        how, kind, payload = _wait(
            self.messages, self.processes, time.monotonic() + backstop, self.process
        )
        if how == "time":
            self.stop()
            reason = f"the notebook ran longer than {backstop:g} s"
            return Run("timeout", None, reason, [], self.workdir / out_name)
        if kind != "done":
            self.stop()
            self.errors.thread.join(5)
        _unpack(payload if kind == "done" else b"", self.workdir)
        stderr = self.errors.data.decode("utf-8", "replace")
        run = _read_result(self.workdir, out_name, self.process.poll() or 0, stderr)
        if self.processes.out_of_memory():
            run.notes.append(_out_of_memory(self.limits))
        if how == "bombed" or run.status == "crashed":
            self.stop()
        self.serving = self.process.poll() is None
        return _annotate(run, self.limits, how == "bombed")

    def call(self, payload: bytes, timeout: float) -> bytes | None:
        """Call a learner's function (``payload``: the request folder, packed); the reply, or
        None when their kernel is gone or did not answer within ``timeout`` (it is stopped)."""
        if not self.serving or not send(self.process, "call", payload):
            return None
        how, kind, reply = _wait(
            self.messages, self.processes, time.monotonic() + timeout + 15, self.process
        )
        if how == "message" and kind == "reply":
            return reply
        why = {
            "time": f"their function did not return within {timeout:g} s",
            "bombed": _too_many(self.limits),
        }.get(how, "their notebook's Python stopped during a call")
        self.notes.append(why)
        self.stop()
        return None

    def stop(self) -> None:
        self.serving = False
        _end(self.process, self.processes)


class Relay:
    """Carries a test kernel's calls to one learner's kernel, within the submission's budget:
    each call gets at most a cell's timeout, and all of the learner's work together (their
    notebook and every call) at most the budget. What went wrong is in ``notes``."""

    def __init__(self, learner: Fresh, deadline: float | None):
        self.learner, self.deadline = learner, deadline
        self.notes: list[str] = []
        self.calls = 0

    def __call__(self, payload: bytes) -> bytes:
        self.calls += 1
        timeout = float(self.learner.limits.cell_timeout)
        if self.deadline is not None:
            timeout = min(timeout, self.deadline - time.monotonic())
        if timeout <= 0:
            _note(self.notes, "the submission's time budget ran out while its functions ran")
            return error_reply("NoTime", "the time for your notebook ran out")
        reply = self.learner.call(payload, timeout)
        if reply is None:
            for note in self.learner.notes:
                _note(self.notes, note)
            return error_reply("Stopped", "your notebook's Python stopped or took too long")
        return reply


def _note(notes: list[str], note: str) -> None:
    if note not in notes:
        notes.append(note)


class TestKernels:
    """Long-lived sandboxed kernels for the grader's own test notebooks, one per worker.

    They execute the lab's source cells and tests on answers loaded as data, and never run a
    learner's code (their functions are called in their own kernel, through a ``Relay``), so
    one kernel can serve many submissions: its namespace is reset between them, and it is
    replaced after any timeout or crash. This halves the kernel starts per submission.
    """

    def __init__(self, root: Path, lab_source: Path, limits: Limits):
        self.root, self.lab_source, self.limits = root, lab_source, limits
        self.idle: queue.SimpleQueue = queue.SimpleQueue()
        self.all: list[_Server] = []
        self.lock = threading.Lock()

    def run(self, test_notebook: Path, answers: Path, code_cells: int, relay=None) -> Run:
        """Execute; the executed notebook is copied next to ``test_notebook``. ``relay``
        carries calls to the learner's functions (without one, every call fails)."""
        try:
            server = self.idle.get_nowait()
        except queue.Empty:
            with self.lock:
                server = _Server(
                    self.root / f"kernel-{len(self.all)}", self.lab_source, self.limits
                )
                self.all.append(server)
        try:
            return server.run(test_notebook, answers, code_cells, relay)
        finally:
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
        self.messages: Messages | None = None

    def _start(self) -> None:
        mode = ["--serve", str(self.limits.cell_timeout), str(self.limits.max_output)]
        self.process, self.processes = _launch(
            self.workdir, self.limits, self.shared, mode, subprocess.DEVNULL
        )
        self.messages = Messages(self.process.stdout, _cap(self.limits))

    def stop(self) -> None:
        if self.process is not None:
            _end(self.process, self.processes)
        self.process = self.processes = self.messages = None

    def run(self, test_notebook: Path, answers: Path, code_cells: int, relay) -> Run:
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
        kept = test_notebook.with_name("executed-tests.ipynb")
        send(self.process, "run", json.dumps({"notebook": f"{here}/job/tests.ipynb"}).encode())
        # Time spent in the learner's functions is bounded by the relay, not counted here.
        deadline = time.monotonic() + self.limits.cell_timeout * (code_cells + 2) + 120
        while True:
            how, kind, payload = _wait(self.messages, self.processes, deadline, self.process)
            if how != "message" or kind != "call":
                break
            started = time.monotonic()
            reply = relay(payload) if relay is not None else error_reply("Stopped", "no kernel")
            deadline += time.monotonic() - started
            send(self.process, "reply", reply)
        if how == "time" or kind != "done":
            self.stop()
            why = _too_many(self.limits) if how == "bombed" else "the test kernel stopped"
            return Run("crashed", None, why, [], kept)
        if how == "bombed":
            self.stop()  # never reuse a kernel whose sandbox had a fork bomb
        _unpack(payload, self.workdir)
        run = _read_result(self.workdir, "executed.ipynb", 0, "")
        if run.notebook.exists():
            shutil.copyfile(run.notebook, kept)
        run.notebook = kept
        return _annotate(run, self.limits, how == "bombed")
