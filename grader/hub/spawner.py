"""Learners' Jupyter servers on one machine: JupyterHub's ``LocalProcessSpawner`` with limits.

``LocalProcessSpawner`` starts each server as the learner's own system account, but it does
not enforce ``mem_limit`` or ``cpu_limit`` (it only passes them on as ``MEM_LIMIT`` and
``CPU_LIMIT`` for display). This spawner puts each server, and so every kernel and process it
starts, into control groups of its own before it runs, with the grader's sandbox code
(``grader.sandbox.pids``): at most ``max_processes`` processes (a fork bomb stops at that
number), ``mem_limit`` of memory for all of them together (past it the kernel stops a process
of that learner only) and ``cpu_limit`` processors' worth of time. Where the machine has no
writable control groups the server still starts, and the hub's log says that no limit holds.

It also sets the server's umask to 077, so files a learner makes (in /tmp too) are theirs
alone.
"""

from __future__ import annotations

import os

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Integer

from ..sandbox import pids


class CohortSpawner(LocalProcessSpawner):
    max_processes = Integer(
        256, help="Processes and threads a learner's server may run at once, kernels included."
    ).tag(config=True)

    _limit = None

    def make_preexec_fn(self, name):
        switch_user = super().make_preexec_fn(name)
        memory_mb = int(self.mem_limit // 2**20) if self.mem_limit else None
        limit = pids.ProcessLimit(self.max_processes, memory_mb, self.cpu_limit or None)
        if limit.group is None:
            self.log.warning(
                "No control group for %s's server: its memory, CPU and processes are NOT "
                "limited on this machine (see the trainer guide)",
                name,
            )
        self._limit = limit

        def preexec():
            limit.join()  # still root here: enter the groups, then become the learner
            os.umask(0o077)
            switch_user()

        return preexec

    async def stop(self, now=False):
        try:
            await super().stop(now=now)
        finally:
            if self._limit is not None:
                self._limit.close()  # whatever the server left running goes too
                self._limit = None
