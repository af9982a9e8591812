"""Execute one notebook, cell by cell, and say how it ended. Runs inside the sandbox.

Two modes, both talking to the grader through messages: a line ``KIND SIZE`` followed by SIZE
bytes (a tar archive, or nothing). The results go back on standard output, never through a file
the notebook could also write (inside the sandbox, every writable folder is a small RAM disk
that vanishes with it); the kernel's own standard output goes to standard error, so nothing it
prints can mix with them.

``python sandbox_runner.py --once TIMEOUT MAX_OUTPUT_BYTES FOLDER|- [MODULE ...]`` is a
learner's kernel. It starts at once and imports the modules (the lab's own imports, so that its
first cell does not pay for them), then waits for one ``run`` message (JSON: the notebook's
path and the time budget of the whole run) and runs that notebook, replying ``done`` with
``executed.ipynb``, ``result.json`` and the files of FOLDER (the exported answers). Then it
serves calls to the learner's functions: each ``call`` message holds a request folder (the
arguments, as data); the function runs in the learner's kernel and ``reply`` carries its result
back, as data. ``end`` or the end of input stops it.

``python sandbox_runner.py --serve TIMEOUT MAX_OUTPUT_BYTES`` is a test kernel: it runs the
grader's own test notebooks one after the other in one kernel (its namespace reset between
them), one ``run`` message each, and never a learner's code. When a test calls a learner's
function, the kernel asks for input with the prompt ``grader-call FOLDER``: the runner sends
``call`` with that folder, waits for the grader's ``reply``, unpacks it into ``FOLDER/reply``
and answers the prompt. Time spent waiting for a call is not counted against the cell's
timeout: the grader bounds it with the submission's budget. ``result.json`` records each
cell's own verdict from the kernel (``ok`` or ``error`` in its execute reply), so a verdict
never depends on what a cell's outputs look like.

It imports nothing from the course tools (the sandbox does not contain them) and talks to the
kernel with jupyter_client alone: nbclient would pull in nbformat and jsonschema, whose import
costs more than a second of CPU per run. Outputs are reduced to plain strings (a rich output's
nested JSON is dropped), so no output can nest deeper than the grader can read. The outputs of
a learner's kernel are untrusted: the caller reads them as data only.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import tarfile
import time

import zmq
from jupyter_client.manager import KernelManager

TRUNCATED = {
    "output_type": "stream",
    "name": "stderr",
    "text": "[output truncated by the grader]\n",
}
CALL_PROMPT = "grader-call "
TOTAL_OUTPUT = 20  # the whole notebook's output, in cells' worth of output
CALLS = "/tmp/grader-calls"  # where function calls are written, inside the sandbox
MAX_MESSAGE = 2 * 1024**3


def _text(value) -> str:
    return value if isinstance(value, str) else "".join(v for v in value if isinstance(v, str))


def _output(msg: dict, count: int) -> dict | None:
    kind, content = msg["msg_type"], msg["content"]
    if kind == "stream":
        return {"output_type": "stream", "name": content["name"], "text": _text(content["text"])}
    if kind in ("execute_result", "display_data"):
        # Only string-valued MIME types: a nested JSON output could be too deep to read back.
        data = {k: v for k, v in content["data"].items() if isinstance(v, str)}
        out = {"output_type": kind, "data": data, "metadata": {}}
        if kind == "execute_result":
            out["execution_count"] = count
        return out
    if kind == "error":
        return {
            "output_type": "error",
            "ename": str(content["ename"]),
            "evalue": str(content["evalue"]),
            "traceback": [str(line) for line in content["traceback"]],
        }
    return None


class Kernel:
    def __init__(self):
        self.km = KernelManager(kernel_name="python3")
        self.km.start_kernel(extra_arguments=["--IPKernelApp.log_level=ERROR"])
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


class Cell:
    """One execution: its outputs, how it ended (ok, timeout, crashed), whether output was
    cut, and the kernel's own verdict (``ok``/``error``/``aborted``, None if no reply)."""

    def __init__(self):
        self.outputs, self.ended, self.cut, self.verdict = [], "ok", False, None
        self.size = 0  # bytes of output kept


def run_cell(kernel, source, count, timeout, max_output, silent=False, calls=None) -> Cell:
    """Execute ``source``; ``calls`` (a ``Calls``) answers the kernel's requests for input,
    which only the grader's own test code makes. The time calls take is not counted."""
    kc, cell = kernel.kc, Cell()
    msg_id = kc.execute(
        source, silent=silent, store_history=not silent, allow_stdin=calls is not None
    )
    poller = zmq.Poller()
    sockets = {"iopub": kc.iopub_channel, "shell": kc.shell_channel}
    if calls is not None:
        sockets["stdin"] = kc.stdin_channel
    for channel in sockets.values():
        poller.register(channel.socket, zmq.POLLIN)
    size, idle = 0, False
    deadline = time.monotonic() + timeout
    while not (idle and cell.verdict is not None):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            cell.ended = "timeout"
            return cell
        ready = dict(poller.poll(min(remaining, 1.0) * 1000))
        if not ready:
            if not kernel.km.is_alive():
                cell.ended = "crashed"
                return cell
            if idle:  # idle, and no reply a second later: the verdict stays unknown (None)
                return cell
            continue
        for name, channel in sockets.items():
            if channel.socket not in ready:
                continue
            msg = channel.get_msg(timeout=0)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if name == "shell":
                cell.verdict = str(msg["content"].get("status", "error"))
            elif name == "stdin":
                started = time.monotonic()
                kc.input(calls.handle(str(msg["content"].get("prompt", ""))))
                deadline += time.monotonic() - started
            elif msg["msg_type"] == "status":
                idle = msg["content"].get("execution_state") == "idle"
            elif msg["msg_type"] == "clear_output":
                cell.outputs.clear()
            elif (out := _output(msg, count)) is not None:
                size += len(json.dumps(out))
                if size <= max_output:
                    cell.outputs.append(out)
                    cell.size = size
                elif not cell.cut:
                    cell.outputs.append(dict(TRUNCATED))
                    cell.cut = True
    return cell


NO_SPACE = ("[Errno 28]", "[Errno 27]")  # no space left on device; file too large


def _filled_disk(outputs: list[dict]) -> bool:
    return any(
        o.get("output_type") == "error" and any(m in str(o.get("evalue", "")) for m in NO_SPACE)
        for o in outputs
    )


def run_notebook(kernel, notebook, timeout, max_output, budget=None, calls=None) -> dict:
    """Run every code cell; each gets at most ``timeout`` seconds, and all of them together at
    most ``budget`` (the submission's time budget), after which the run stops."""
    result = {
        "status": "ok",
        "cell": None,
        "reason": "",
        "truncated": [],
        "disk_full": [],
        "verdicts": {},
    }
    count = 0
    stop = None if budget is None else time.monotonic() + budget
    # All cells together keep at most TOTAL_OUTPUT cells' worth: a notebook of many cells,
    # each printing up to its limit, must not make a reply too large to read.
    left = TOTAL_OUTPUT * max_output
    for index, cell in enumerate(notebook["cells"]):
        if cell.get("cell_type") != "code":
            continue
        count += 1
        limit = timeout if stop is None else min(timeout, stop - time.monotonic())
        if limit <= 0:
            result.update(status="timeout", cell=index, reason="over budget")
            break
        code = _text(cell["source"])
        ran = run_cell(kernel, code, count, limit, max(min(max_output, left), 0), calls=calls)
        left -= ran.size
        cell["outputs"], cell["execution_count"] = ran.outputs, count
        result["verdicts"][str(index)] = ran.verdict
        if ran.cut:
            result["truncated"].append(index)
        if _filled_disk(ran.outputs):
            result["disk_full"].append(index)
        if ran.ended != "ok":
            over = ran.ended == "timeout" and limit < timeout
            reason = {"timeout": "cell timed out", "crashed": "the kernel died"}[ran.ended]
            result.update(status=ran.ended, cell=index, reason="over budget" if over else reason)
            break
    return result


# --- Messages -----------------------------------------------------------------------------------


def send(channel, kind: str, payload: bytes = b"") -> None:
    channel.write(f"{kind} {len(payload)}\n".encode())
    channel.write(payload)
    channel.flush()


def receive(stream) -> tuple[str, bytes]:
    """The next message from the grader: (kind, payload); ("end", b"") at the end of input."""
    header = stream.readline(256).split()
    if not header:
        return "end", b""
    size = int(header[1]) if len(header) > 1 and header[1].isdigit() else 0
    if size > MAX_MESSAGE:
        return "end", b""
    payload = stream.read(size) if size else b""
    return header[0].decode("ascii", "replace"), payload


def pack(files: dict[str, bytes], folder: str | None = None, prefix: str = "") -> bytes:
    """A tar of ``files`` (name → bytes) and the regular files under ``folder`` (as
    ``prefix/relative path``; a link planted by learner code is not followed)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        if folder and os.path.isdir(folder):
            for root, dirs, names in os.walk(folder):
                dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(root, d))]
                for name in names:
                    path = os.path.join(root, name)
                    if os.path.isfile(path) and not os.path.islink(path):
                        relative = os.path.relpath(path, folder)
                        archive.add(path, arcname=os.path.join(prefix, relative))
    return buffer.getvalue()


def unpack(payload: bytes, folder: str) -> bool:
    """Regular files with plain relative names into ``folder``; False if the archive is
    damaged (the grader built it, but it carries what a learner's function returned)."""
    os.makedirs(folder, exist_ok=True)
    try:
        with tarfile.open(fileobj=io.BytesIO(payload), mode="r:") as archive:
            for member in archive:
                parts = member.name.split("/")
                if not member.isfile() or member.name.startswith("/") or ".." in parts:
                    continue
                target = os.path.join(folder, *parts)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as handle:
                    handle.write(archive.extractfile(member).read())
    except (tarfile.TarError, OSError, ValueError):
        return False
    return True


class Calls:
    """In a test kernel: relays the kernel's requests to call a learner's function."""

    def __init__(self, channel, stream):
        self.channel, self.stream = channel, stream

    def handle(self, prompt: str) -> str:
        folder = prompt[len(CALL_PROMPT) :].strip() if prompt.startswith(CALL_PROMPT) else ""
        if not folder.startswith(CALLS + "/") or ".." in folder:
            return "refused"
        send(self.channel, "call", pack({}, os.path.join(folder, "request")))
        kind, payload = receive(self.stream)
        if kind != "reply" or not unpack(payload, os.path.join(folder, "reply")):
            return "lost"
        return "ok"


# --- The two modes ------------------------------------------------------------------------------


def _one(kernel, request: dict, timeout, max_output, calls=None):
    with open(request["notebook"], encoding="utf-8") as handle:
        notebook = json.load(handle)
    budget = request.get("budget")
    budget = float(budget) if isinstance(budget, int | float) else None
    try:
        kernel = kernel or Kernel()
        result = run_notebook(kernel, notebook, timeout, max_output, budget, calls)
    except RuntimeError as exc:  # the kernel could not start, or died while starting
        result = {"status": "crashed", "cell": None, "reason": str(exc)[:300], "truncated": []}
    return kernel, notebook, result


def _done(channel, notebook: dict, result: dict, folder: str | None = None) -> None:
    files = {
        "executed.ipynb": json.dumps(notebook).encode("utf-8"),
        "result.json": json.dumps(result).encode("utf-8"),
    }
    prefix = os.path.basename(os.path.abspath(folder)) if folder else ""
    send(channel, "done", pack(files, folder, prefix))


def _channel():
    """Standard output for the messages only; what anything else writes there goes to stderr."""
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    return channel


def serve(timeout: int, max_output: int) -> int:
    channel, stream = _channel(), sys.stdin.buffer
    calls = Calls(channel, stream)
    kernel = None
    while True:
        kind, payload = receive(stream)
        if kind != "run":
            break
        if kernel is not None:
            reset = run_cell(kernel, "%reset -f", 0, 60, 10_000).ended
            if reset != "ok":
                kernel.close()
                kernel = None
        kernel, notebook, result = _one(kernel, json.loads(payload), timeout, max_output, calls)
        if result["status"] != "ok" and kernel is not None:
            kernel.close()  # a stuck or dead kernel is replaced for the next notebook
            kernel = None
        _done(channel, notebook, result)
    if kernel is not None:
        kernel.close()
    return 0


def _error(kind: str, message: str) -> bytes:
    return pack({"error.json": json.dumps({"type": kind, "message": message}).encode()})


def _call(kernel, payload: bytes, number: int, timeout: float) -> tuple[bytes, bool]:
    """Run one call in the learner's kernel: its reply folder, packed (the kernel writes it),
    and whether the kernel can take another call."""
    folder = f"{CALLS}/{number}"
    if not unpack(payload, os.path.join(folder, "request")):
        return _error("GraderError", "a damaged request"), True
    code = f"import answer_io as _grader_io\n_grader_io.call_function({folder!r})"
    try:
        ran = run_cell(kernel, code, 0, timeout, 10_000, silent=True)
        if ran.ended == "timeout":
            usable = _interrupt(kernel)
            return _error("TimeoutError", f"it did not return within {timeout:g} seconds"), usable
        if ran.ended != "ok":
            return _error("Stopped", "the notebook's Python stopped"), False
        return pack({}, os.path.join(folder, "reply")), True
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # /tmp is a small RAM disk


def _interrupt(kernel) -> bool:
    """Stop what the kernel is running; True if it then answers again."""
    kernel.km.interrupt_kernel()
    return run_cell(kernel, "pass", 0, 10, 10_000, silent=True).ended == "ok"


def once(timeout: int, max_output: int, folder: str | None, modules: list[str]) -> int:
    channel, stream = _channel(), sys.stdin.buffer
    kernel = None
    try:
        kernel = Kernel()
        # Silent (no execution count, no history, no output) and binding no name. A module
        # that fails to import here fails the same way in the learner's own cell, where they
        # see why.
        warm = "".join(
            f"try:\n    __import__({m!r})\nexcept Exception:\n    pass\n" for m in modules
        )
        run_cell(kernel, warm, 0, 120, 10_000, silent=True)
    except RuntimeError:
        kernel = None  # ``_one`` tries again, and reports it if the kernel still cannot start
    kind, payload = receive(stream)
    if kind != "run":
        return 1
    kernel, notebook, result = _one(kernel, json.loads(payload), timeout, max_output)
    if kernel is not None and result["status"] == "timeout" and not _interrupt(kernel):
        kernel.close()
        kernel = None
    _done(channel, notebook, result, folder)
    number = 0
    while kernel is not None and result["status"] != "crashed":
        kind, payload = receive(stream)
        if kind != "call":
            break
        number += 1
        reply, usable = _call(kernel, payload, number, timeout)
        send(channel, "reply", reply)
        if not usable:
            break
    if kernel is not None:
        kernel.close()
    return 0


def _private() -> None:
    """Make this process non-dumpable: the kernel's code (the learner's, in a learner's
    sandbox) runs as the same user, and could otherwise open this process's pipe to the grader
    through /proc/<pid>/fd and write messages of its own."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0
    except (OSError, AttributeError):
        pass  # not Linux: no /proc to fear


def main(argv: list[str]) -> int:
    _private()
    if argv[0] == "--serve":
        return serve(int(argv[1]), int(argv[2]))
    _, timeout, max_output, folder, *modules = argv
    return once(int(timeout), int(max_output), None if folder == "-" else folder, modules)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
