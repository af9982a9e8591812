"""Isolating learners' code: the sandbox a notebook runs in, and the kernels that run in it.

- ``launch``: bubblewrap's command line, the limits (memory, files, time), starting and ending
  the runner (``grader/shipped/sandbox_runner.py``) inside a sandbox.
- ``replies``: what a sandbox sends back through its capped pipe, read as a ``Run``.
- ``kernels``: a fresh kernel per learner's submission, and reusable kernels for test notebooks.
- ``pids``: the process limit (a ``pids`` control group per sandbox) against fork bombs.

May import: ``grader.errors``, ``grader.paths`` and ``grader.shipped`` (as files to copy into a
sandbox). Never imports the cohort or build code: they use the sandbox, not the reverse.
"""

from .kernels import JOB, Fresh, LearnerKernels, Relay, TestKernels
from .launch import NO_SANDBOX_WARNING, WRITABLE, Limits, Run, available
from .pids import NO_LIMIT_WARNING
from .pids import mechanism as process_limit

__all__ = [
    "JOB",
    "NO_LIMIT_WARNING",
    "NO_SANDBOX_WARNING",
    "WRITABLE",
    "Fresh",
    "LearnerKernels",
    "Limits",
    "Relay",
    "Run",
    "TestKernels",
    "available",
    "process_limit",
]
