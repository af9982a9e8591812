"""Where a course's gradebook lives: an SQLite file, or a database server for several trainers.

nbgrader takes any SQLAlchemy URL. Before nbgrader sees one, it is checked here by opening a
connection, so a mistyped URL, a missing driver or a server that is down gives a message
saying what is wrong and what to do, not nbgrader's traceback.
"""

from __future__ import annotations

import importlib.util

from ..errors import GraderError

EXAMPLE = "postgresql://trainer@db.example.org/cohort7"
# The PostgreSQL driver installed with the course tools (requirements.txt): psycopg 3.
DRIVER = "psycopg"
_ALIASES = {"postgres": "postgresql"}  # the spelling of Heroku and of many tutorials


def normalise(url: str) -> str:
    """The URL nbgrader gets: ``postgres://`` and ``postgresql://`` use the installed driver."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise GraderError(
            f"the gradebook address {url!r} is not a database URL",
            f"give an SQLAlchemy URL, e.g. {EXAMPLE} or sqlite:////path/to/gradebook.db",
        ) from None
    backend = _ALIASES.get(parsed.get_backend_name(), parsed.get_backend_name())
    if backend != "postgresql":
        return url
    driver = parsed.get_driver_name() if "+" in parsed.drivername else DRIVER
    if driver != DRIVER and importlib.util.find_spec(driver) is None:
        raise GraderError(
            f"the gradebook address asks for the PostgreSQL driver {driver!r}, "
            "which is not installed",
            f"write the address as postgresql://… (the course tools use {DRIVER}), "
            f"or install {driver} with pip",
        )
    return parsed.set(drivername=f"{backend}+{driver}").render_as_string(hide_password=False)


def safe(url: str) -> str:
    """The URL without its password, for messages and logs."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a URL)"


def check(url: str) -> None:
    """Open and close one connection; raise a GraderError that says what to do if it fails."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import NoSuchModuleError, SQLAlchemyError

    where = safe(url)
    try:
        engine = create_engine(url, **_connect_timeout(url))
    except NoSuchModuleError:
        raise GraderError(
            f"the gradebook address {where} names a kind of database SQLAlchemy does not know",
            f"use sqlite:///… for a file or postgresql://… for a server, e.g. {EXAMPLE}",
        ) from None
    except ImportError as exc:
        raise GraderError(
            f"the database driver for {where} is not installed ({exc.name})",
            f"install it with pip, or use postgresql://… (its driver, {DRIVER}, is installed)",
        ) from None
    try:
        with engine.connect():
            pass
    except SQLAlchemyError as exc:
        detail = _first_line(exc)
        raise GraderError(
            f"cannot open the gradebook at {where}: {detail}",
            _advice(detail),
        ) from None
    finally:
        engine.dispose()


def _connect_timeout(url: str) -> dict:
    # A server that does not answer should fail in seconds, not after the system's TCP timeout.
    return {"connect_args": {"connect_timeout": 10}} if url.startswith("postgresql") else {}


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(lines[:2])[:400] if lines else type(exc).__name__


def _advice(detail: str) -> str:
    lowered = detail.lower()
    if "does not exist" in lowered and "database" in lowered:
        return "create the database first (e.g. `createdb cohort7` on the server), then run again"
    if "role" in lowered and "does not exist" in lowered:
        return "use a database user that exists on the server (the part before @ in the URL)"
    if "password" in lowered or "authentication" in lowered:
        return (
            "check the user name and password; keep the password out of the URL by putting it "
            "in ~/.pgpass (or the PGPASSWORD environment variable)"
        )
    if "unable to open database file" in lowered:
        return "check that the folder of the SQLite file exists and that you may write to it"
    return (
        "check the address (e.g. " + EXAMPLE + "), that the database server is running and "
        "that this computer may reach it (firewall, VPN), then run again"
    )
