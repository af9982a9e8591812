"""``python -m grader hub …``: a cohort on a JupyterHub on one machine.

Registered on the main command group by ``grader.cli`` (``register``), which passes its
helpers in, so this module never imports it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli_options import language_option

_hub_option = click.option(
    "--hub",
    "hub_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("hub"),
    envvar="GRADER_HUB",
    show_default=True,
    help="The hub folder made by `hub init` (or set GRADER_HUB).",
)


def register(main, _run, _open, _course_option) -> None:
    @main.group()
    def hub() -> None:
        """A JupyterHub for the cohort: learners sign in with a browser, nothing to install.

        In order: `hub init` (accounts from the roster, the exchange, the configuration),
        `hub start`, then per lab `hub release`, `hub collect`, `autograde`, `feedback` and
        `hub feedback`. Run them as root on the hub's machine.
        """

    @hub.command("init")
    @_hub_option
    @_course_option
    @click.option("--ip", help="Address learners open (default 127.0.0.1; 0.0.0.0 for all).")
    @click.option(
        "--port", type=click.IntRange(1024, 65533), help="Port (default 8000; N+1, N+2 too)."
    )
    @click.option("--prefix", help="Put before every learner id to make sign-in names.")
    @click.option("--trainer", help="The trainer's sign-in name (default: trainer).")
    @click.option("--home-base", help="Folder of the learners' home folders (default /home).")
    @click.option("--memory", type=click.IntRange(min=256), help="MB per learner (default 2048).")
    @click.option("--cpus", type=click.FloatRange(min=0.1), help="CPUs per learner (default 1).")
    @click.option(
        "--processes", type=click.IntRange(min=32), help="Processes per learner (default 256)."
    )
    @click.option(
        "--idle-minutes",
        type=click.IntRange(min=5),
        help="Stop a learner's server after this many idle minutes (default 60).",
    )
    def hub_init(hub_dir, course_dir, **settings) -> None:
        """Set up the hub folder for the course: an account per learner of the roster (and one
        for the trainer), nbgrader's exchange, limits and JupyterHub's configuration.

        First passwords go to HUB/state/passwords.csv, which only root can read; they are never
        printed. The course folder and the build it came from are made private to root. Running it again after a roster import makes the new learners' accounts and
        keeps everything else (a changed option is saved).
        """
        from .hub import init

        def action():
            cohort = _open(course_dir)
            renamed = {"home_base": "home_base", "memory": "memory_mb"}
            values = {renamed.get(k, k): v for k, v in settings.items()}
            result = init(hub_dir, cohort, **values)
            click.echo(f"Hub folder: {result.hub.root}")
            click.echo(f"  {len(result.created)} account(s) made, {len(result.existing)} kept")
            for folder in result.made_private:
                click.echo(f"  made private to root (learners must not read it): {folder}")
            if result.created:
                click.echo(f"  first passwords: {result.hub.passwords} (root only)")
            click.echo(f"Next: `python -m grader hub start --hub {hub_dir}`")

        _run(course_dir, action)

    @hub.command("check")
    @_hub_option
    def hub_check(hub_dir) -> None:
        """Say what `hub start` would need that is missing, without starting anything."""
        from .hub import open_hub
        from .hub.start import notes, problems

        def action():
            hub_ = open_hub(hub_dir)
            found = problems(hub_)
            for note in notes(hub_):
                click.echo(f"note: {note}")
            for problem in found:
                click.echo(f"  ✗ {problem}")
            if found:
                sys.exit(1)
            click.echo(f"✓ ready: `python -m grader hub start --hub {hub_dir}`")

        _run(hub_dir, action)

    @hub.command("start")
    @_hub_option
    def hub_start(hub_dir) -> None:
        """Run the hub in this terminal (Ctrl+C stops it and every learner's server).

        Learners open http://IP:PORT/ and sign in with their sign-in name and password.
        """
        from .hub import open_hub
        from .hub.start import run

        _run(hub_dir, lambda: run(open_hub(hub_dir), echo=click.echo))

    @hub.command("release")
    @click.argument("lab")
    @language_option("The student version's language (one per lab on a hub).")
    @_hub_option
    def hub_release(lab, language, hub_dir) -> None:
        """Put LAB's student version in the exchange: learners fetch it in their Assignments tab.

        It is checked for leaks first, as `release` does. Releasing again replaces it (so
        `--language es` after English hands out the Spanish version from then on).
        """
        from .hub import open_hub
        from .hub.exchange import release

        _run(hub_dir, lambda: click.echo(f"✓ {release(open_hub(hub_dir), lab, language)}"))

    @hub.command("collect")
    @click.argument("lab")
    @_hub_option
    def hub_collect(lab, hub_dir) -> None:
        """Take each learner's latest hand-in of LAB from the exchange into the course folder.

        A hand-in counts only when the learner's own account made it; its time is the time
        the system recorded (for lateness), not one a learner could write. Links and other
        odd files are refused and listed. Then grade as usual: `autograde LAB`.
        """
        from .hub import open_hub
        from .hub.exchange import collect

        def action():
            for line in collect(open_hub(hub_dir), lab).lines():
                click.echo(line)

        _run(hub_dir, action)

    @hub.command("feedback")
    @click.argument("lab")
    @click.option(
        "--student", "students", multiple=True, metavar="ID", help="Only this learner (repeatable)."
    )
    @_hub_option
    def hub_feedback(lab, students, hub_dir) -> None:
        """Send the feedback pages written by `feedback LAB` back through the exchange.

        Each learner then clicks "Fetch Feedback" in their Assignments tab; each page can be
        read by its learner only.
        """
        from .hub import open_hub
        from .hub.exchange import send_feedback

        def action():
            result = send_feedback(open_hub(hub_dir), lab, list(students))
            for learner, page in result.sent:
                click.echo(f"✓ {learner}: {page}")
            for line in result.missing:
                click.echo(f"  - {line}")
            if result.missing:
                sys.exit(1)

        _run(hub_dir, action)

    @hub.command("password")
    @click.argument("learner")
    @_hub_option
    def hub_password(learner, hub_dir) -> None:
        """Give LEARNER (a roster id, or the trainer's sign-in name) a new password, shown once."""
        from .hub import open_hub
        from .hub.accounts import new_password, set_password
        from .hub.folder import reset_password_for

        def action():
            user = reset_password_for(open_hub(hub_dir), learner)
            password = new_password()
            set_password(user, password)
            click.echo(f"{user}: {password}")

        _run(hub_dir, action)

    @hub.command("remove")
    @click.option("--yes", is_flag=True, help="Confirm: remove the accounts and their files.")
    @_hub_option
    def hub_remove(yes, hub_dir) -> None:
        """Remove every account this hub made, with the learners' home folders, and its group.

        The course folder and the hub folder stay. Stop the hub first.
        """
        from .hub import open_hub
        from .hub.folder import remove

        def action():
            if not yes:
                raise click.UsageError("this deletes learners' files: add --yes to confirm")
            for user in remove(open_hub(hub_dir)):
                click.echo(f"✓ removed {user}")

        _run(hub_dir, action)
