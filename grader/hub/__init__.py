"""A cohort on a JupyterHub on one machine: learners work in a browser, nothing to install.

- ``folder``: the hub folder (``hub.json``), ``hub init`` (accounts, exchange, configuration).
- ``accounts``: a system account per learner of the roster and one for the trainer.
- ``config``: JupyterHub's configuration and the learners' Jupyter and nbgrader settings.
- ``spawner``: learners' servers as their own accounts, in control groups with limits.
- ``start``: ``hub start``, with what is missing said plainly.
- ``exchange``: the trainer's side of nbgrader's exchange: release, collect, feedback.

May import: ``grader.errors``, ``grader.paths``, ``grader.cohort`` and ``grader.sandbox`` (its
control groups limit learners' servers as they limit graded code). Only the command line
imports this, and JupyterHub imports ``spawner`` when it starts.
"""

from .folder import DEFAULT_HUB, Hub, init, open_hub

__all__ = ["DEFAULT_HUB", "Hub", "init", "open_hub"]
