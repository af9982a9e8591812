"""A hub folder: its settings (``hub.json``), the exchange, the accounts and the configuration.

``python -m grader hub init`` makes it next to a course folder. Its layout, with who may read
what (learners are the members of the hub's group; everything is owned by root):

| path | mode | what |
|---|---|---|
| ``hub.json`` | 644 | the settings: ports, limits, the course folder, the accounts |
| ``jupyterhub_config.py`` | 644 | JupyterHub's configuration; it reads ``hub.json`` |
| ``learner-config/`` | 755 | Jupyter and nbgrader settings for learners' servers |
| ``exchange/`` | 1733 | nbgrader insists on writing here; nobody but root may list it |
| ``exchange/<course>/`` | 750, group | nbgrader's exchange for the course: only its learners enter |
| ``  outbound/`` | 755 | released labs (student versions only) |
| ``  inbound/`` | 3733, group | hand-ins: learners may add, nobody but root may list or read |
| ``  feedback/`` | 711 | feedback pages, each owned by its learner (600) |
| ``state/`` | 700 | JupyterHub's database and secrets, passwords.csv, collection records |

The course folder (hidden tests, gradebook, every learner's work) and the build it was made
from (sources and solutions) are made private to root (mode 700) by ``hub init``: learners run
code on this machine, and both are readable by everyone when made with the usual umask.
"""

from __future__ import annotations

import contextlib
import csv
import ipaddress
import json
import os
import secrets
import stat
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..cohort import Cohort, open_cohort
from ..cohort.folder import MANIFEST as COURSE_MANIFEST
from ..cohort.roster import learners
from ..errors import GraderError
from . import accounts, config

MANIFEST = "hub.json"
DEFAULT_HUB = Path("hub")


@dataclass
class Hub:
    root: Path
    course: str  # the course folder (absolute)
    hub_id: str = ""
    ip: str = "127.0.0.1"
    port: int = 8000
    prefix: str = ""
    trainer: str = "trainer"
    home_base: str = "/home"
    memory_mb: int = 2048
    cpus: float = 1.0
    processes: int = 256
    idle_minutes: int = 60
    accounts: dict[str, str] = field(default_factory=dict)  # learner id → sign-in name

    @property
    def group(self) -> str:
        return f"{self.prefix}hub-{self.hub_id[:6]}"

    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def exchange(self) -> Path:
        return self.root / "exchange"

    @property
    def passwords(self) -> Path:
        return self.state / "passwords.csv"

    @property
    def ports(self) -> dict[str, int]:
        """The address learners open, JupyterHub's own API and the proxy's API."""
        return {"learners": self.port, "hub api": self.port + 1, "proxy api": self.port + 2}

    def cohort(self) -> Cohort:
        return open_cohort(Path(self.course))

    def course_path(self, course_id: str) -> Path:
        return self.exchange / course_id

    def learner_of(self, user: str) -> str | None:
        return next((k for k, v in self.accounts.items() if v == user), None)

    def save(self) -> None:
        data = {k: v for k, v in asdict(self).items() if k != "root"}
        _write(self.root / MANIFEST, json.dumps(data, indent=1, sort_keys=True), 0o644)


def open_hub(root: Path) -> Hub:
    root = Path(root).resolve()
    path = root / MANIFEST
    if not path.exists():
        raise GraderError(
            f"{root} is not a hub folder (no {MANIFEST})",
            "make one with `python -m grader hub init`, or pass --hub DIR",
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        known = set(Hub.__dataclass_fields__) - {"root"}
        return Hub(root=root, **{k: v for k, v in data.items() if k in known})
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise GraderError(
            f"{path} cannot be read ({exc})",
            "run `python -m grader hub init` again with the same --hub and --course to rewrite it",
        ) from None


@dataclass
class InitResult:
    hub: Hub
    created: list[accounts.Account] = field(default_factory=list)
    existing: list[accounts.Account] = field(default_factory=list)
    made_private: list[Path] = field(default_factory=list)


def secret_folders(cohort: Cohort) -> list[Path]:
    """The folders learners must never read: the course folder and the build it came from."""
    folders = [Path(cohort.root)]
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        manifest = json.loads((Path(cohort.root) / COURSE_MANIFEST).read_text(encoding="utf-8"))
        folders.append(Path(manifest["build"]))
    return [f for f in folders if f.is_dir()]


def readable_by_others(folder: Path) -> bool:
    return bool(os.stat(folder).st_mode & (stat.S_IROTH | stat.S_IXOTH | stat.S_IRGRP))


def make_private(cohort: Cohort) -> list[Path]:
    """Close the course and build folders to everyone but their owner (root runs the grader)."""
    changed = []
    for folder in secret_folders(cohort):
        if readable_by_others(folder):
            os.chmod(folder, stat.S_IMODE(os.stat(folder).st_mode) & 0o700)
            changed.append(folder)
    return changed


def init(root: Path, cohort: Cohort, **settings) -> InitResult:
    """Make (or bring up to date) the hub folder, the group, the accounts and the exchange."""
    why_not = accounts.can_manage_users()
    if why_not:
        raise GraderError(f"cannot set up a hub: {why_not}")
    roster = learners(cohort)
    if not roster:
        raise GraderError(
            "the course has no learners yet, so no account can be made",
            "import the roster first: `python -m grader roster import roster.csv`",
        )
    root = Path(root).resolve()
    previous = open_hub(root) if (root / MANIFEST).exists() else None
    hub = previous or Hub(root=root, course=str(cohort.root), hub_id=secrets.token_hex(8))
    for key, value in settings.items():
        if value is not None:
            kept = previous and previous.accounts and key in ("prefix", "trainer")
            if kept and value != getattr(previous, key):
                raise GraderError(
                    f"this hub's accounts were made with --{key} {getattr(previous, key)!r}; "
                    "it cannot change while they exist",
                    "keep it, or remove the accounts first (`python -m grader hub remove "
                    "--yes`: it deletes learners' files)",
                )
            setattr(hub, key, value)
    _check_settings(hub)
    if hub.course != str(cohort.root):
        raise GraderError(
            f"the hub folder {root} belongs to the course {hub.course}",
            "use another hub folder for this course (--hub DIR)",
        )
    wanted = [
        accounts.Account(learner.id, accounts.user_name(hub.prefix, learner.id), learner.name)
        for learner in roster
    ]
    try:
        trainer = accounts.Account("", accounts.user_name("", hub.trainer), "Trainer")
    except GraderError:
        raise GraderError(
            f"the trainer's name {hub.trainer!r} cannot be a sign-in name on this computer",
            "give --trainer a name that starts with a letter, with at most 32 letters, digits, "
            "'-' or '_'",
        ) from None
    accounts.check_names([*wanted, trainer])
    accounts.check_free([*wanted, trainer], hub.hub_id, hub.group)
    problem = unreachable_for_learners(Path(sys.executable))
    if problem:
        raise GraderError(
            f"learners' Jupyter servers run this Python, {sys.executable}, but other users "
            f"cannot reach it: {problem}",
            "install the course where every user may read (e.g. a virtual environment in "
            "/opt/unlocking-private-data, made with the system's python3), or let others pass "
            "through the folder named (chmod o+x FOLDER: they may enter it, not list it)",
        )
    for folder in secret_folders(cohort):
        if hub.root == folder or folder in hub.root.parents:
            raise GraderError(
                f"the hub folder {root} is inside {folder}, which holds the hidden tests and "
                "must stay private to root",
                "put the hub folder elsewhere, e.g. --hub /srv/hub",
            )
    _make_folders(hub)
    problem = unreachable_for_learners(hub.exchange)
    if problem:
        raise GraderError(
            f"learners could not reach the exchange {hub.exchange}: {problem}",
            "put the hub folder where every user may pass (e.g. /srv/hub), not in a private "
            "folder such as /root",
        )
    gid = accounts.ensure_group(hub.group)
    result = InitResult(hub, made_private=make_private(cohort))
    hub.trainer = trainer.user
    hub.save()  # from here on, whatever is made is recorded: `hub remove` finds it
    for account in [*wanted, trainer]:
        password = accounts.ensure_account(account, hub.hub_id, hub.group, hub.home_base)
        if password is None:
            result.existing.append(account)
        else:
            result.created.append(account)
            _append_passwords(hub, [(account, password)])
        if account.learner:
            hub.accounts[account.learner] = account.user
            hub.save()
    _make_exchange(hub, cohort.course_id, gid)
    config.write_learner_config(hub, cohort.course_id)
    config.write_hub_config(hub)
    hub.save()
    return result


def _check_settings(hub: Hub) -> None:
    try:
        ipaddress.ip_address(hub.ip)
    except ValueError:
        raise GraderError(
            f"--ip {hub.ip!r} is not an address of this computer's networks",
            "give 127.0.0.1 (this computer only), 0.0.0.0 (every network) or one address",
        ) from None
    home_base = Path(hub.home_base)
    if not home_base.is_absolute() or not home_base.is_dir():
        raise GraderError(
            f"--home-base {hub.home_base!r} is not an existing folder (given as a full path)",
            "give a folder such as /home, made beforehand",
        )


def _write(path: Path, text: str, mode: int) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.chmod(partial, mode)
    partial.replace(path)


def _make_folders(hub: Hub) -> None:
    hub.root.mkdir(parents=True, exist_ok=True)
    os.chmod(hub.root, 0o755)
    hub.state.mkdir(exist_ok=True)
    os.chmod(hub.state, 0o700)
    hub.exchange.mkdir(exist_ok=True)
    os.chown(hub.exchange, 0, 0)
    # nbgrader refuses an exchange its users cannot write to; sticky and unlistable, as /tmp
    # but closer: a learner may add a name, never list, rename or remove another's.
    os.chmod(hub.exchange, 0o1733)


def _make_exchange(hub: Hub, course_id: str, gid: int) -> None:
    """The course's exchange, laid out as nbgrader expects, with stricter permissions than
    nbgrader's own (its exchange root is writable by everyone, its inbound is readable by a
    shared group): here only the course's group may enter, and only root may list hand-ins."""
    course_path = hub.course_path(course_id)
    folders = [
        (course_path, 0o750, gid),
        (course_path / "outbound", 0o755, 0),
        (course_path / "inbound", 0o3733, gid),
        (course_path / "feedback", 0o711, 0),
    ]
    for path, mode, group in folders:
        if path.is_symlink():
            raise GraderError(f"{path} is a link; the exchange must hold real folders")
        path.mkdir(exist_ok=True)
        os.chown(path, 0, group)
        os.chmod(path, mode)


def _append_passwords(hub: Hub, new: list[tuple[accounts.Account, str]]) -> None:
    """First passwords go to a file only root can read; they are never printed."""
    if not new:
        return
    exists = hub.passwords.exists()
    fd = os.open(hub.passwords, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        if not exists:
            writer.writerow(["id", "name", "sign-in name", "first password"])
        for account, password in new:
            writer.writerow([account.learner or "(trainer)", account.name, account.user, password])
    os.chmod(hub.passwords, 0o600)


def unreachable_for_learners(path: Path) -> str | None:
    """Why a user other than root could not reach ``path`` (every folder above it must let
    others pass), or None. Links are followed, and both the link's and the target's folders
    are checked."""
    seen = []
    for candidate in (Path(os.path.abspath(path)), Path(os.path.realpath(path))):
        for folder in [*reversed(candidate.parents)]:
            if folder in seen:
                continue
            seen.append(folder)
            try:
                mode = os.stat(folder).st_mode
            except OSError:
                continue
            if not mode & stat.S_IXOTH:
                return f"{folder} is private (mode {stat.S_IMODE(mode):o})"
    return None


def reset_password_for(hub: Hub, who: str) -> str:
    """The account of a learner id (or the trainer's sign-in name), if this hub made it."""
    user = hub.accounts.get(who) or (hub.trainer if who == hub.trainer else None)
    if user is None or not accounts.made_here(user, hub.hub_id):
        raise GraderError(
            f"{who!r} has no account on this hub",
            "give a learner's id from the roster (`python -m grader roster list`), or the "
            "trainer's sign-in name",
        )
    return user


def remove(hub: Hub) -> list[str]:
    """Remove the accounts this hub made (with their home folders) and its group."""
    removed = []
    for user in [*hub.accounts.values(), hub.trainer]:
        if accounts.remove_account(user, hub.hub_id):
            removed.append(user)
    accounts.remove_group(hub.group)
    hub.accounts = {}
    hub.save()
    return removed
