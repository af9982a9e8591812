"""Execute one notebook, cell by cell, and say how it ended. Runs inside the sandbox.

Usage: ``python sandbox_runner.py IN.ipynb OUT.ipynb RESULT.json TIMEOUT MAX_OUTPUT_BYTES``

It imports nothing from the course tools (the sandbox does not contain them). Its outputs are
untrusted: the learner's code ran next to it, so the caller reads them as data only.
"""

from __future__ import annotations

import json
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError


class CappedClient(NotebookClient):
    """Keeps at most ``max_output`` bytes of output per cell; notes what it dropped."""

    max_output = 1_000_000
    truncated: set[int]
    sizes: dict[int, int]

    def output(self, outs, msg, display_id, cell_index):
        size = self.sizes.get(cell_index, 0) + len(json.dumps(msg.get("content", {})))
        self.sizes[cell_index] = size
        if size > self.max_output:
            if cell_index not in self.truncated:
                self.truncated.add(cell_index)
                outs.append(
                    nbformat.v4.new_output(
                        "stream", name="stderr", text="[output truncated by the grader]\n"
                    )
                )
            return None
        return super().output(outs, msg, display_id, cell_index)


def main(argv: list[str]) -> int:
    source, target, result_path, timeout, max_output = argv
    notebook = nbformat.read(source, as_version=4)
    client = CappedClient(
        notebook,
        timeout=int(timeout),
        allow_errors=True,
        kernel_name="python3",
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
        interrupt_on_timeout=False,
        startup_timeout=120,
        resources={"metadata": {"path": "."}},
    )
    client.max_output = int(max_output)
    client.truncated = set()
    client.sizes = {}
    result = {"status": "ok", "cell": None, "reason": ""}
    try:
        with client.setup_kernel():
            for index, cell in enumerate(notebook.cells):
                if cell.cell_type != "code":
                    continue
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    result = {"status": "timeout", "cell": index, "reason": "cell timed out"}
                    break
                except DeadKernelError:
                    result = {"status": "crashed", "cell": index, "reason": "the kernel died"}
                    break
    except DeadKernelError:
        result = {"status": "crashed", "cell": None, "reason": "the kernel died"}
    except RuntimeError as exc:  # the kernel could not start, or died while starting
        result = {"status": "crashed", "cell": None, "reason": str(exc)[:300]}
    result["truncated"] = sorted(client.truncated)
    nbformat.write(notebook, target)
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
