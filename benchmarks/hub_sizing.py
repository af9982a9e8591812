"""How much memory and CPU each lab's solution takes, for sizing a hub (the trainer guide's table).

Run: ``python benchmarks/hub_sizing.py [--build _build] [--repeat 2]``. Each lab's solution
notebook (``BUILD/course/solution/<lab>/``) runs, cell by cell, in IPython in a process of its
own, started in the lab's folder as a learner's kernel is. Its peak resident memory and CPU time
(user + system) are the kernel's ``ru_maxrss`` and ``ru_utime + ru_stime`` for that process, read
when it ends (``os.wait4``): exact, not sampled. A learner's server adds a Jupyter server
(measured separately, see the guide) on top of the kernel. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNNER = r"""
import json, sys
import matplotlib
matplotlib.use("Agg")
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
cells = json.load(open(sys.argv[1], encoding="utf-8"))["cells"]
for cell in cells:
    if cell["cell_type"] != "code":
        continue
    result = shell.run_cell("".join(cell["source"]), silent=True)
    if not result.success:
        sys.exit(f"a cell failed: {result.error_in_exec or result.error_before_exec!r}")
"""


def measure(notebook: Path) -> tuple[float, float, float]:
    """(seconds, peak MiB, CPU seconds) of one run of ``notebook`` in a fresh process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(notebook)],
        cwd=notebook.parent,
        stdout=subprocess.DEVNULL,  # the lab's own prints
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{notebook.name} failed (exit {os.waitstatus_to_exitcode(status)})")
    return seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def measure_server(seconds: float = 5) -> tuple[float, float]:
    """(peak MiB, CPU seconds) of an idle JupyterLab server, started and left alone."""
    with tempfile.TemporaryDirectory() as home:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--port=0",
             "--allow-root", "--IdentityProvider.token=sizing", f"--ServerApp.root_dir={home}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "HOME": home, "JUPYTER_RUNTIME_DIR": home},
        )  # fmt: skip
        seen = []
        for line in process.stderr:
            seen.append(line)
            if "is running at" in line:
                break
        else:
            sys.exit("the JupyterLab server did not start:\n" + "".join(seen[-20:]))
        time.sleep(seconds)
        process.send_signal(signal.SIGTERM)
        _, _, usage = os.wait4(process.pid, 0)
    return usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, default=Path("_build"))
    parser.add_argument("--repeat", type=int, default=2, help="Runs per lab (the max is kept).")
    args = parser.parse_args()
    solutions = sorted((args.build.resolve() / "course" / "solution").glob("lab*/*.ipynb"))
    if not solutions:
        sys.exit(f"no solutions in {args.build}/course/solution: run `python -m grader build`")
    rows = {}
    print(f"{'lab':40} {'wall s':>7} {'peak MiB':>9} {'CPU s':>7}")
    for notebook in solutions:
        runs = [measure(notebook) for _ in range(args.repeat)]
        seconds, peak, cpu = (max(r[i] for r in runs) for i in range(3))
        rows[notebook.parent.name] = {"seconds": seconds, "peak_mib": peak, "cpu_seconds": cpu}
        print(f"{notebook.parent.name:40} {seconds:7.1f} {peak:9.0f} {cpu:7.1f}")
    peak, cpu = measure_server()
    rows["jupyterlab-server-idle"] = {"peak_mib": peak, "cpu_seconds": cpu}
    print(f"{'a JupyterLab server, idle (no kernel)':40} {'':7} {peak:9.0f} {cpu:7.1f}")
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
