"""A throwaway PostgreSQL server for the gradebook tests: its own data folder, a Unix socket in
that folder and no TCP port, so it cannot clash with another server or another test run.

PostgreSQL refuses to run as root; as root, the server runs as the ``postgres`` user that
Debian's ``postgresql`` package creates.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

PORT = 5432  # only names the socket file: the server listens on no TCP address


def binaries() -> Path | None:
    """The folder with ``initdb`` and ``pg_ctl`` (Debian keeps them off PATH), or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=_version)
    if found:
        return found[-1].parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path and shutil.which("initdb") else None


def _version(path: Path) -> int:
    name = path.parent.parent.name
    return int(name) if name.isdigit() else 0


def missing_reason() -> str | None:
    """Why no server can be started here, or None if one can."""
    if binaries() is None:
        return "no PostgreSQL server binaries (install them: apt-get install -y postgresql)"
    if os.geteuid() == 0 and not _postgres_user():
        return "running as root and there is no `postgres` user to run the server as"
    return None


def _postgres_user() -> tuple[int, int] | None:
    import pwd

    try:
        entry = pwd.getpwnam("postgres")
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def running(database: str = "gradebook"):
    """Start a server, make ``database``, yield its directory; always stop and delete it."""
    bin_dir = binaries()
    folder = Path(tempfile.mkdtemp(prefix="grader-pg-"))
    if os.geteuid() == 0:
        uid, gid = _postgres_user()
        os.chown(folder, uid, gid)
    folder.chmod(0o700)
    data = folder / "data"
    started = False
    try:
        subprocess.run(
            _as_server_user(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(data),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        options = f"-k {folder} -p {PORT} -c listen_addresses='' -c fsync=off"
        started = True
        subprocess.run(
            _as_server_user(
                [
                    str(bin_dir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(folder / "server.log"),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    options,
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        import psycopg

        with psycopg.connect(host=str(folder), port=PORT, user="postgres", autocommit=True) as db:
            db.execute(f"CREATE DATABASE {database}")
        yield folder
    finally:
        if started:
            subprocess.run(
                _as_server_user(
                    [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
                ),
                capture_output=True,
                check=False,
                timeout=120,
            )
        shutil.rmtree(folder, ignore_errors=True)


def url(folder: Path, database: str = "gradebook", scheme: str = "postgresql") -> str:
    return f"{scheme}://postgres@/{database}?host={folder}&port={PORT}"
