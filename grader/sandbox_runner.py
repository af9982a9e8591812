"""Execute one notebook, cell by cell, and say how it ended. Runs inside the sandbox.

Usage: ``python sandbox_runner.py --once TIMEOUT MAX_OUTPUT_BYTES FOLDER|- [MODULE ...]``
starts a kernel at once and imports the modules (the lab's own imports, so that its first cell
does not pay for them), then waits for one ``IN`` path on standard input and runs that notebook:
a learner's kernel is started before its submission is known, and serves that one submission.
``python sandbox_runner.py --serve TIMEOUT MAX_OUTPUT_BYTES`` runs notebooks one after the
other in one kernel (its namespace reset between them), reading one ``IN`` path a line on
standard input. The grader serves only its own test notebooks this way, never a learner's code.

The results go back on standard output, never through a file the notebook could also write
(inside the sandbox, every writable folder is a small RAM disk that vanishes with it): a line
``done N``, then N bytes of a tar archive holding ``executed.ipynb``, ``result.json`` and, if
given, the files of ``FOLDER`` (the exported answers). The kernel's own standard output goes to
standard error, so nothing it prints can mix with them.

It imports nothing from the course tools (the sandbox does not contain them) and talks to the
kernel with jupyter_client alone: nbclient would pull in nbformat and jsonschema, whose import
costs more than a second of CPU per run. Its outputs are untrusted: the learner's code ran
next to it, so the caller reads them as data only.
"""

from __future__ import annotations

import io
import json
import os
import queue
import sys
import tarfile
import time

from jupyter_client.manager import KernelManager

TRUNCATED = {
    "output_type": "stream",
    "name": "stderr",
    "text": "[output truncated by the grader]\n",
}


def _output(msg: dict, count: int) -> dict | None:
    kind, content = msg["msg_type"], msg["content"]
    if kind == "stream":
        return {"output_type": "stream", "name": content["name"], "text": content["text"]}
    if kind in ("execute_result", "display_data"):
        out = {
            "output_type": kind,
            "data": content["data"],
            "metadata": content.get("metadata", {}),
        }
        if kind == "execute_result":
            out["execution_count"] = count
        return out
    if kind == "error":
        return {
            "output_type": "error",
            "ename": content["ename"],
            "evalue": content["evalue"],
            "traceback": content["traceback"],
        }
    return None


def _run_cell(km, kc, source: str, count: int, timeout: int, max_output: int, silent=False):
    """(outputs, how it ended: ok / timeout / crashed, whether output was cut)."""
    msg_id = kc.execute(source, silent=silent, store_history=not silent, allow_stdin=False)
    outputs, size, cut = [], 0, False
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return outputs, "timeout", cut
        try:
            msg = kc.get_iopub_msg(timeout=min(remaining, 1.0))
        except queue.Empty:
            if not km.is_alive():
                return outputs, "crashed", cut
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind == "status" and msg["content"].get("execution_state") == "idle":
            return outputs, "ok", cut
        if kind == "clear_output":
            outputs.clear()
            continue
        out = _output(msg, count)
        if out is None:
            continue
        size += len(json.dumps(out))
        if size > max_output:
            if not cut:
                outputs.append(dict(TRUNCATED))
                cut = True
            continue
        outputs.append(out)


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


NO_SPACE = ("[Errno 28]", "[Errno 27]")  # no space left on device; file too large


def _filled_disk(outputs: list[dict]) -> bool:
    return any(
        o.get("output_type") == "error" and any(m in str(o.get("evalue", "")) for m in NO_SPACE)
        for o in outputs
    )


def run_notebook(kernel: Kernel, notebook: dict, timeout: int, max_output: int) -> dict:
    result = {"status": "ok", "cell": None, "reason": "", "truncated": [], "disk_full": []}
    count = 0
    for index, cell in enumerate(notebook["cells"]):
        if cell.get("cell_type") != "code":
            continue
        count += 1
        code = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        outputs, ended, cut = _run_cell(kernel.km, kernel.kc, code, count, timeout, max_output)
        cell["outputs"], cell["execution_count"] = outputs, count
        if cut:
            result["truncated"].append(index)
        if _filled_disk(outputs):
            result["disk_full"].append(index)
        if ended != "ok":
            reason = "cell timed out" if ended == "timeout" else "the kernel died"
            result.update(status=ended, cell=index, reason=reason)
            break
    return result


def _one(kernel_or_none, source, timeout, max_output):
    with open(source, encoding="utf-8") as handle:
        notebook = json.load(handle)
    kernel = kernel_or_none
    try:
        kernel = kernel or Kernel()
        result = run_notebook(kernel, notebook, timeout, max_output)
    except RuntimeError as exc:  # the kernel could not start, or died while starting
        result = {"status": "crashed", "cell": None, "reason": str(exc)[:300], "truncated": []}
    return kernel, notebook, result


def _send(channel, notebook: dict, result: dict, folder: str | None = None) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, value in (("executed.ipynb", notebook), ("result.json", result)):
            data = json.dumps(value).encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        if folder and os.path.isdir(folder):
            folder = os.path.abspath(folder)
            # Regular files only: a link planted by learner code is not followed.
            for root, dirs, files in os.walk(folder):
                dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(root, d))]
                for name in files:
                    path = os.path.join(root, name)
                    if os.path.isfile(path) and not os.path.islink(path):
                        archive.add(path, arcname=os.path.relpath(path, os.path.dirname(folder)))
    payload = buffer.getvalue()
    channel.write(f"done {len(payload)}\n".encode())
    channel.write(payload)
    channel.flush()


def _channel():
    """Standard output for the results only; what anything else writes there goes to stderr."""
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    return channel


def serve(timeout: int, max_output: int) -> int:
    channel = _channel()
    kernel = None
    for line in sys.stdin:
        source = line.strip()
        if kernel is not None:
            reset = _run_cell(kernel.km, kernel.kc, "%reset -f", 0, 60, 10_000)[1]
            if reset != "ok":
                kernel.close()
                kernel = None
        kernel, notebook, result = _one(kernel, source, timeout, max_output)
        if result["status"] != "ok" and kernel is not None:
            kernel.close()  # a stuck or dead kernel is replaced for the next notebook
            kernel = None
        _send(channel, notebook, result)
    if kernel is not None:
        kernel.close()
    return 0


def once(timeout: int, max_output: int, folder: str | None, modules: list[str]) -> int:
    channel = _channel()
    kernel = None
    try:
        kernel = Kernel()
        # Silent (no execution count, no history, no output) and binding no name. A module
        # that fails to import here fails the same way in the learner's own cell, where they
        # see why.
        warm = "".join(
            f"try:\n    __import__({m!r})\nexcept Exception:\n    pass\n" for m in modules
        )
        _run_cell(kernel.km, kernel.kc, warm, 0, 120, 10_000, silent=True)
    except RuntimeError:
        kernel = None  # ``_one`` tries again, and reports it if the kernel still cannot start
    source = sys.stdin.readline().strip()
    if not source:
        return 1
    kernel, notebook, result = _one(kernel, source, timeout, max_output)
    _send(channel, notebook, result, folder)
    if kernel is not None:
        kernel.close()
    return 0


def main(argv: list[str]) -> int:
    if argv[0] == "--serve":
        return serve(int(argv[1]), int(argv[2]))
    _, timeout, max_output, folder, *modules = argv
    return once(int(timeout), int(max_output), None if folder == "-" else folder, modules)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
