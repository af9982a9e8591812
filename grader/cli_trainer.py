"""Commands for a trainer's own assignments and deadlines: ``add``, ``due`` and ``extend``.

Registered on the main command group by ``grader.cli`` (``register``), which passes its
helpers in, so this module never imports it.
"""

from __future__ import annotations

from pathlib import Path

import click


def register(main, _run, _open, _course_option) -> None:
    @main.command()
    @click.argument("folder", type=click.Path(path_type=Path))
    @click.option(
        "--name",
        metavar="NAME",
        help="The assignment's name in the course (default: the folder's name).",
    )
    @_course_option
    def add(folder: Path, name: str | None, course_dir: Path) -> None:
        """Add an nbgrader assignment of your own: a FOLDER of notebooks with nbgrader cells.

        FOLDER is laid out as in an nbgrader course's source/NAME: one or more notebooks made
        with nbgrader's Create Assignment toolbar, and the files they need. The assignment is
        then released, collected, graded, fed back and reported like the course's labs. Adding
        the same name again replaces its notebooks.
        """
        from .cohort.assignments import add as run_add

        def action():
            info = run_add(_open(course_dir), folder, name, echo=click.echo)
            click.echo(f"Next: `python -m grader release {info.id}`")

        _run(course_dir, action)

    @main.command()
    @click.argument("lab")
    @click.argument("when", required=False, metavar="[WHEN]")
    @click.option(
        "--timezone",
        "zone",
        metavar="ZONE",
        help="The course's time zone, e.g. Africa/Gaborone (default: this computer's); also used "
        "to read the times in LMS zips.",
    )
    @click.option(
        "--late-policy",
        "policy",
        metavar="POLICY",
        help="none (record lateness only; the default), zero (a late hand-in scores 0) or "
        "per-day:P (lose P% of the score per day or part of a day late).",
    )
    @click.option("--clear", is_flag=True, help="Remove LAB's due date.")
    @_course_option
    def due(lab, when, zone, policy, clear, course_dir) -> None:
        """Set or show LAB's due date, its late policy and the learners' extensions.

        WHEN is a date and time such as '2026-03-10 17:00' (in --timezone). Lateness is
        measured from the time `collect` recorded for each hand-in (the LMS's time, nbgrader's
        timestamp.txt or the file's time) and shown by collect, report and feedback.
        """
        from .cohort import deadlines

        def action():
            cohort = _open(course_dir)
            if when or zone or policy or clear:
                rule = deadlines.set_due(cohort, lab, when, zone, policy, clear)
            else:
                rule = deadlines.deadline(cohort, cohort.lab(lab).id)
            where = deadlines.course_zone(cohort)
            click.echo(
                f"{lab}: due {deadlines.local_text(rule.due, where) or 'never (no due date)'}"
            )
            click.echo(f"  late policy: {rule.policy}")
            for student, seconds in sorted(rule.extensions.items()):
                click.echo(f"  extension for {student}: {deadlines.duration(seconds)}")

        _run(course_dir, action)

    @main.command()
    @click.argument("lab")
    @click.argument("student", metavar="ID")
    @click.option("--days", type=click.FloatRange(min=0), default=0, help="Days of extension.")
    @click.option("--hours", type=click.FloatRange(min=0), default=0, help="Hours of extension.")
    @_course_option
    def extend(lab, student, days, hours, course_dir) -> None:
        """Give learner ID more time for LAB (--days, --hours; both 0 removes the extension)."""
        from .cohort import deadlines

        def action():
            rule = deadlines.extend(_open(course_dir), lab, student, days, hours)
            seconds = rule.extensions.get(student)
            said = f"an extension of {deadlines.duration(seconds)}" if seconds else "no extension"
            click.echo(f"{student} has {said} for {lab}")

        _run(course_dir, action)
