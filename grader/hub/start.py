"""``hub start``: check that everything the hub needs is here, then run JupyterHub.

Every missing piece is named with what to do about it, all at once, before anything starts:
root rights, JupyterHub and the idle culler (PyPI), configurable-http-proxy and Node.js (npm),
PAM, the learners' accounts, free ports, a Python learners can reach.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import socket
import sys
from pathlib import Path

from ..cohort.roster import learners
from ..errors import GraderError
from ..sandbox import pids
from .folder import Hub, readable_by_others, secret_folders, unreachable_for_learners

PROXY = "configurable-http-proxy"
PROXY_VERSION = "5.3.0"


def find_proxy(hub: Hub) -> str | None:
    local = hub.root / "node_modules" / ".bin" / PROXY
    if local.exists():
        return str(local)
    return shutil.which(PROXY)


def _port_taken(ip: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((ip, port))
        except OSError:
            return True
    return False


def problems(hub: Hub) -> list[str]:
    """What stops the hub from starting, each with what to do; empty when all is well."""
    found = []
    if os.geteuid() != 0:
        found.append(
            "the hub must run as root (sudo): it starts each learner's server as their own account"
        )
    for module, package in (
        ("jupyterhub", "jupyterhub"),
        ("jupyterhub_idle_culler", "jupyterhub-idle-culler"),
    ):
        if importlib.util.find_spec(module) is None:
            found.append(f"{package} is not installed: `pip install -r requirements.txt`")
    proxy = find_proxy(hub)
    if proxy is None:
        found.append(
            f"{PROXY} is not installed (JupyterHub's web proxy, from npm): "
            f"`npm install -g {PROXY}@{PROXY_VERSION}` (needs Node.js 20 or newer)"
        )
    elif shutil.which("node") is None:
        found.append("Node.js is not installed (the proxy runs on it): install Node.js 20")
    try:
        import pamela  # noqa: F401 - PAM checks the learners' passwords
    except Exception:  # noqa: BLE001 - any failure here means no sign-in
        found.append("PAM is not available (sign-in checks passwords with it): install libpam")
    if not (hub.root / "jupyterhub_config.py").exists():
        found.append("the hub folder has no jupyterhub_config.py: run `python -m grader hub init`")
    missing = [user for user in hub.accounts.values() if not _exists(user)]
    if not hub.accounts:
        found.append("the hub has no learners' accounts: run `python -m grader hub init`")
    elif missing:
        found.append(
            f"{len(missing)} account(s) of this hub no longer exist ({', '.join(missing[:5])}): "
            "run `python -m grader hub init` again to make them"
        )
    for what, port in hub.ports.items():
        ip = hub.ip if what == "learners" else "127.0.0.1"
        if _port_taken(ip, port):
            found.append(
                f"port {port} on {ip} ({what}) is taken, perhaps by a hub already running: stop "
                "it, or choose another port with `python -m grader hub init --port N` (the hub "
                "uses N, N+1 and N+2)"
            )
    try:
        cohort = hub.cohort()
    except GraderError as exc:
        found.append(f"the hub's course folder cannot be opened: {exc.message}")
    else:
        for folder in secret_folders(cohort):
            if readable_by_others(folder):
                found.append(
                    f"learners could read the hidden tests in {folder}: run `python -m grader "
                    f"hub init` again (it makes the folder private), or `chmod 700 {folder}`"
                )
    problem = unreachable_for_learners(Path(sys.executable))
    if problem:
        found.append(
            f"learners cannot run this Python ({sys.executable}): {problem}; see `hub init`"
        )
    return found


def notes(hub: Hub) -> list[str]:
    """Things worth knowing that do not stop the hub."""
    out = []
    try:
        roster = {learner.id for learner in learners(hub.cohort())}
    except GraderError:
        roster = set()
    new = sorted(roster - set(hub.accounts))
    if new:
        out.append(
            f"{len(new)} learner(s) of the roster have no account yet ({', '.join(new[:5])}): "
            "run `python -m grader hub init` again"
        )
    if pids.mechanism() != "cgroup":
        out.append(
            "this machine lets the hub make no control groups, so learners' memory, CPU and "
            "processes are NOT limited (see the trainer guide)"
        )
    return out


def _exists(user: str) -> bool:
    try:
        pwd.getpwnam(user)
    except KeyError:
        return False
    return True


def run(hub: Hub, echo=print) -> None:
    """Run JupyterHub in the foreground (this process becomes it); Ctrl+C stops it."""
    found = problems(hub)
    if found:
        raise GraderError(
            "the hub cannot start:\n" + "\n".join(f"  - {p}" for p in found),
            "fix the points above, then run `python -m grader hub start` again",
        )
    for note in notes(hub):
        echo(f"note: {note}")
    proxy = find_proxy(hub)
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(proxy).parent), env.get("PATH", "")])
    # The hub imports grader.hub.spawner: make sure it finds this package whatever the folder.
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(__file__).resolve().parents[2]), env.get("PYTHONPATH", "")]
    ).rstrip(os.pathsep)
    where = f"http://{hub.ip}:{hub.port}/"
    echo(f"Starting the hub at {where} (stop it with Ctrl+C)")
    os.chdir(hub.state)
    config = str(hub.root / "jupyterhub_config.py")
    os.execve(sys.executable, [sys.executable, "-m", "jupyterhub", "-f", config], env)
