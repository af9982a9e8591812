"""What comes back from a sandbox: the runner's reply through a capped pipe, unpacked into
expected files only, read as a ``Run`` (status, failing cell, reason), and how a run is waited
for while the process limit is watched."""

from __future__ import annotations

import contextlib
import io
import json
import queue
import tarfile
import threading
import time
from pathlib import Path, PurePosixPath

from .launch import WRITABLE, Limits, Run, available
from .pids import ProcessLimit


def _too_many(limits: Limits) -> str:
    return (
        f"the learner's code started more than {limits.max_processes} processes "
        "(a fork bomb?), so the grader stopped it"
    )


def _out_of_memory(limits: Limits) -> str:
    return (
        "the learner's code ran out of memory (all of its processes together may use "
        f"{limits.memory_mb} MB), so the computer stopped one of them"
    )


def _disk_note(limits: Limits) -> str:
    return (
        "the learner's code ran out of space for its files (each writable folder holds "
        f"{limits.disk_mb} MB, a file at most {limits.max_file_mb} MB)"
    )


class _Pipe:
    """Keeps the last ``cap`` bytes of a stream (a runner's standard error), read in a thread."""

    def __init__(self, stream, cap: int):
        self.stream, self.cap, self.data = stream, cap, b""
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._tail, daemon=True)
        self.thread.start()

    def _tail(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            for chunk in iter(lambda: self.stream.read(65536), b""):
                self.data = (self.data + chunk)[-self.cap :]
        self.ready.set()


class Messages:
    """A runner's messages (a line ``KIND SIZE``, then SIZE bytes), read in a thread.

    A message over ``cap`` bytes is not read: it ends the stream as ``toolarge``; the end of the
    stream, or a line that is not a header, is ``eof``. Nothing the sandbox writes is held
    beyond ``cap`` bytes at a time."""

    def __init__(self, stream, cap: int):
        self.stream, self.cap = stream, cap
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            while True:
                header = self.stream.readline(64).split()
                if len(header) != 2 or not header[1].isdigit() or not header[0].isalpha():
                    break
                size = int(header[1])
                if size > self.cap:
                    self.queue.put(("toolarge", b""))
                    return
                payload = self.stream.read(size) if size else b""
                if len(payload) < size:
                    break
                self.queue.put((header[0].decode("ascii"), payload))
        except (OSError, ValueError):
            pass
        self.queue.put(("eof", b""))

    def get(self, timeout: float) -> tuple[str, bytes] | None:
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            return None


def send(process, kind: str, payload: bytes = b"") -> bool:
    """A message to a runner; False if it is gone."""
    try:
        process.stdin.write(f"{kind} {len(payload)}\n".encode() + payload)
        process.stdin.flush()
    except (OSError, ValueError):
        return False
    return True


def error_reply(kind: str, message: str) -> bytes:
    """A reply to a call, made by the grader: the call failed for this reason."""
    buffer = io.BytesIO()
    data = json.dumps({"type": kind, "message": message}).encode("utf-8")
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("error.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


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


def _annotate(run: Run, limits: Limits, bombed: bool) -> Run:
    if bombed:
        run.status, run.reason = "crashed", _too_many(limits)
    if run.disk_full:
        run.notes.append(_disk_note(limits))
    return run


def _wait(messages: Messages, processes: ProcessLimit, deadline: float, runner) -> tuple:
    """The next message, as ``(how, kind, payload)``. ``how`` is ``message``, ``time`` (the
    deadline passed first) or ``bombed``: the learner's code hit the process limit, and every
    process but the grader's runner was killed (the runner then reports the kernel's death at
    that cell, so the answers before it still count)."""
    bombed = False
    while True:
        got = messages.get(0.1)
        if processes.refused():
            bombed = True
            processes.stop_others(frozenset(_chain(runner.pid, 3 if available() else 1)))
        if got is not None:
            return ("bombed" if bombed or processes.refused() else "message", *got)
        if time.monotonic() > deadline:
            return "time", "", b""


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
        verdicts = raw.get("verdicts") or {}
        verdicts = {
            int(k): v
            for k, v in verdicts.items()
            if str(k).isdigit() and v in ("ok", "error", "aborted", None)
        }
        run = Run(status, cell, reason, truncated, workdir / out_name, disk_full=full)
        run.verdicts = verdicts
        return run
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        tail = " ".join(stderr.strip().splitlines()[-3:])[:300]
        reason = f"the notebook runner stopped (exit code {returncode})"
        if "MemoryError" in stderr:
            reason = "the notebook ran out of memory"
        reason = f"{reason}: {tail}" if tail else reason
        full = "[Errno 28]" in stderr
        return Run("crashed", None, reason, [], workdir / out_name, disk_full=full)
