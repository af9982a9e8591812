"""System accounts for a hub: one per learner of the roster and one for the trainer.

Each learner signs in to the hub with a system account of their own, so the operating system
keeps learners apart: their files, their Jupyter server and their code all belong to that
account, and their home folder is private (mode 700). Accounts are made with the system's own
tools (``useradd``, ``chpasswd``, ``userdel``), marked in their comment field as made by this
hub, and only accounts so marked are ever changed or removed: an account that already exists
for another purpose (``root``, ``www-data`` …) stops ``hub init`` with a message instead.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import secrets
import shutil
import subprocess
from dataclasses import dataclass

from ..errors import GraderError

# Debian's and most systems' rule for a user name (useradd's NAME_REGEX), at most 32 letters.
_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
MARK = "grader-hub"
_PASSWORD_LETTERS = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud, typed


@dataclass(frozen=True)
class Account:
    learner: str  # the roster's id ("" for the trainer)
    user: str  # the sign-in name, a system user
    name: str  # full name, for the comment field


def user_name(prefix: str, learner_id: str) -> str:
    """The sign-in name of a learner: the prefix and their id in lower case ('.' becomes '-')."""
    name = (prefix + learner_id).lower().replace(".", "-")
    if not _NAME.match(name):
        raise GraderError(
            f"the learner id {learner_id!r} cannot be a sign-in name on this computer "
            f"({name!r}: it must start with a letter and have at most 32 letters, digits, "
            "'-' or '_')",
            "choose a prefix that starts with a letter, e.g. `--prefix bw-`",
        )
    return name


def check_names(accounts: list[Account]) -> None:
    """Two learners must not end up with one sign-in name (``A.b`` and ``a-b``)."""
    seen: dict[str, str] = {}
    for account in accounts:
        if account.user in seen:
            raise GraderError(
                f"the learners {seen[account.user]!r} and {account.learner or 'the trainer'!r} "
                f"would both sign in as {account.user!r}",
                "change one of the ids in the roster, or the trainer's name (--trainer)",
            )
        seen[account.user] = account.learner or "the trainer"


def check_free(accounts: list[Account], hub_id: str, group: str) -> None:
    """Before anything is made: every sign-in name is new or this hub's own, and the group
    is new or this hub's (its name holds the hub's id)."""
    taken = [a.user for a in accounts if _entry(a.user) and not made_here(a.user, hub_id)]
    if taken:
        raise GraderError(
            f"{len(taken)} sign-in name(s) already belong to accounts on this computer that "
            f"this hub did not make, so they are left alone: {', '.join(taken[:5])}",
            "choose a --prefix (or another --trainer name) so that every sign-in name is new",
        )
    try:
        members = grp.getgrnam(group).gr_mem
    except KeyError:
        return
    strangers = [m for m in members if not made_here(m, hub_id)]
    if strangers:
        raise GraderError(
            f"the group {group} already exists with members this hub did not make "
            f"({', '.join(strangers[:5])})",
            "use another --prefix, or remove that group",
        )


def _entry(user: str):
    try:
        return pwd.getpwnam(user)
    except KeyError:
        return None


def made_here(user: str, hub_id: str) -> bool:
    entry = _entry(user)
    return entry is not None and f"{MARK}={hub_id}" in entry.pw_gecos


def uid_of(user: str) -> int | None:
    entry = _entry(user)
    return None if entry is None else entry.pw_uid


def can_manage_users() -> str | None:
    """None when accounts can be made here; else why not, in plain words."""
    if os.geteuid() != 0:
        return "only the administrator (root) can make accounts: run it with sudo"
    missing = [t for t in ("useradd", "userdel", "chpasswd", "groupadd") if not shutil.which(t)]
    if missing:
        return f"this computer has no {', '.join(missing)} (package 'passwd' on Debian/Ubuntu)"
    return None


def _run(command: list[str], what: str, stdin: str | None = None) -> None:
    result = subprocess.run(command, input=stdin, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise GraderError(
            f"could not {what}: {(result.stderr or result.stdout).strip()}",
            "check that you run this as root and that the name is free",
        )


def ensure_group(group: str) -> int:
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        _run(["groupadd", group], f"make the group {group}")
        return grp.getgrnam(group).gr_gid


def new_password() -> str:
    """Twelve letters and digits in three groups (about 59 bits): easy to read out and type."""
    letters = "".join(secrets.choice(_PASSWORD_LETTERS) for _ in range(12))
    return "-".join(letters[i : i + 4] for i in range(0, 12, 4))


def ensure_account(account: Account, hub_id: str, group: str, home_base: str) -> str | None:
    """Make the account if it is missing; its first password, or None if it already existed."""
    entry = _entry(account.user)
    if entry is not None:
        if f"{MARK}={hub_id}" not in entry.pw_gecos:
            raise GraderError(
                f"the account {account.user!r} already exists on this computer and was not "
                "made by this hub, so it is left alone",
                "choose another --prefix (or --trainer name), so that every sign-in name is new",
            )
        _run(["usermod", "-a", "-G", group, account.user], f"add {account.user} to {group}")
        return None
    comment = f"{_clean(account.name)},{MARK}={hub_id}"
    _run(
        [
            "useradd",
            "--create-home",
            "--home-dir",
            os.path.join(home_base, account.user),
            "--shell",
            "/bin/bash",
            "--comment",
            comment,
            "--groups",
            group,
            "--user-group",
            account.user,
        ],
        f"make the account {account.user}",
    )
    home = _entry(account.user).pw_dir
    os.chmod(home, 0o700)  # whatever the system's default: nobody else may look in
    password = new_password()
    set_password(account.user, password)
    return password


def set_password(user: str, password: str) -> None:
    _run(["chpasswd"], f"set the password of {user}", stdin=f"{user}:{password}\n")


def remove_account(user: str, hub_id: str) -> bool:
    """Remove an account made by this hub, with its home folder. False if it was not there."""
    if not made_here(user, hub_id):
        return False
    stop_processes(uid_of(user))
    _run(["userdel", "--remove", user], f"remove the account {user}")
    return True


def remove_group(group: str) -> None:
    try:
        grp.getgrnam(group)
    except KeyError:
        return
    subprocess.run(["groupdel", group], capture_output=True, check=False)


def stop_processes(uid: int | None) -> None:
    """End every process of one account (its Jupyter server, kernels …) before removing it."""
    if uid is None:
        return
    import signal

    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.stat(f"/proc/{entry}").st_uid == uid:
                os.kill(int(entry), signal.SIGKILL)
        except OSError:
            continue


def _clean(name: str) -> str:
    """A comment field holds no ':' ',' or line breaks."""
    return re.sub(r"[:,\n\r]", " ", name).strip() or "learner"
