"""The configuration files a hub folder holds: JupyterHub's, and Jupyter's and nbgrader's for
learners' servers.

``jupyterhub_config.py`` reads ``hub.json`` each time the hub starts, so changing a setting
with ``hub init`` again needs no edit by hand. Learners' servers get ``learner-config/`` through
``JUPYTER_CONFIG_PATH``: nbgrader's exchange and course, and the nbgrader tools meant for
trainers (formgrader, create assignment, course list) switched off.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

HUB_CONFIG = """# Written by `python -m grader hub init`; start the hub with `python -m grader hub start`.
# Settings come from hub.json next to this file: change them with `hub init` again.
import json
import sys
from pathlib import Path

HUB = Path(__file__).resolve().parent
settings = json.loads((HUB / "hub.json").read_text(encoding="utf-8"))
ports = settings["port"], settings["port"] + 1, settings["port"] + 2
state = HUB / "state"
c = get_config()  # noqa: F821

# Where learners open the hub, and the two internal addresses (this machine only).
c.JupyterHub.ip = settings["ip"]
c.JupyterHub.port = ports[0]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = ports[1]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{ports[2]}"
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "cookie_secret")
c.JupyterHub.cleanup_servers = True

# Sign-in: the system accounts made from the roster (PAM), nobody else.
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False
c.Authenticator.allowed_users = set(settings["accounts"].values()) | {settings["trainer"]}
c.Authenticator.admin_users = {settings["trainer"]}

# Each learner's server runs as their own account, in a control group of its own that caps
# its memory, CPU and number of processes (grader.hub.spawner).
c.JupyterHub.spawner_class = "grader.hub.spawner.CohortSpawner"
c.Spawner.cmd = [str(Path(sys.executable).with_name("jupyterhub-singleuser"))]
c.Spawner.default_url = "/lab"
c.Spawner.mem_limit = f"{settings['memory_mb']}M"
c.Spawner.cpu_limit = float(settings["cpus"])
c.CohortSpawner.max_processes = int(settings["processes"])
c.Spawner.environment = {"JUPYTER_CONFIG_PATH": str(HUB / "learner-config")}
# Not PYTHONPATH: `hub start` sets it for the hub's own imports, never for learners.
c.Spawner.env_keep = ["PATH", "LANG", "LC_ALL", "VIRTUAL_ENV", "JUPYTERHUB_SINGLEUSER_APP"]
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180

# Servers idle for idle_minutes are stopped (the learner's files stay).
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        # Run as `python -m jupyterhub_idle_culler …`, but ended at once by the hub's SIGINT
        # when the hub stops (the culler alone ignores it until its next round).
        "command": [
            sys.executable,
            "-c",
            "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
            "sys.argv[0] = 'jupyterhub_idle_culler'; "
            "runpy.run_module('jupyterhub_idle_culler', run_name='__main__')",
            f"--timeout={int(settings['idle_minutes']) * 60}",
            "--cull-every=60",
        ],
    }
]
c.JupyterHub.load_roles = [
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }
]
"""

NBGRADER_CONFIG = """# Written by `python -m grader hub init`: nbgrader's exchange for learners' servers.
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {course_id!r}
c.Exchange.root = {root!r}
c.Exchange.path_includes_course = False
"""

# nbgrader's tools for trainers make no sense in a learner's server: hide them.
SERVER_CONFIG = {
    "ServerApp": {
        "jpserver_extensions": {
            "nbgrader.server_extensions.formgrader": False,
            "nbgrader.server_extensions.course_list": False,
        }
    }
}
PAGE_CONFIG = {
    "disabledExtensions": {
        "@jupyterlab/apputils-extension:announcements": True,  # no "Jupyter news?" pop-up
        "@jupyter/nbgrader:formgrader": True,
        "@jupyter/nbgrader:create-assignment": True,
        "@jupyter/nbgrader:course-list": True,
    }
}


def _write(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.chmod(partial, 0o644)
    partial.replace(path)


def write_hub_config(hub) -> Path:
    path = hub.root / "jupyterhub_config.py"
    _write(path, HUB_CONFIG)
    return path


def write_learner_config(hub, course_id: str) -> Path:
    folder = hub.root / "learner-config"
    (folder / "labconfig").mkdir(parents=True, exist_ok=True)
    for path in (folder, folder / "labconfig"):
        os.chmod(path, 0o755)
    _write(
        folder / "nbgrader_config.py",
        NBGRADER_CONFIG.format(course_id=course_id, root=str(hub.exchange)),
    )
    _write(folder / "jupyter_server_config.json", json.dumps(SERVER_CONFIG, indent=1))
    _write(folder / "labconfig" / "page_config.json", json.dumps(PAGE_CONFIG, indent=1))
    return folder
