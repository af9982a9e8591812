"""``feedback LAB``: an HTML page per learner, from nbgrader's own feedback, with a summary.

nbgrader renders the graded notebook (its ``GenerateFeedback`` strips hidden tests with
``ClearHiddenTests``, see ``course.SETTINGS``); the grader has already replaced every failed
check's traceback by its plain message (a traceback could quote a hidden test's line). The
summary at the top lists the score and, for each failed check, what it says.
"""

from __future__ import annotations

import html
import warnings
from pathlib import Path

import nbformat
from sqlalchemy.exc import SAWarning

from .cohort import Cohort, exclusive
from .errors import GraderError
from .submission import kind_of, plain_message

STATUS_WORDS = {
    "graded": "Graded.",
    "flagged": "Graded; your trainer will look at a detail (see below).",
    "timeout": "A cell ran too long, so the checks after it could not run.",
    "crashed": "Python stopped while running your notebook, so the checks after it could not run.",
    "malformed": "Your file could not be read as a notebook, so it could not be graded.",
}


def _summary(notebook, record: dict) -> str:
    rows = []
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if kind_of(cell) != "tests":
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        points = meta.get("points", 0)
        if errors:
            message = html.escape(plain_message(errors[0])).replace("\n", "<br>")
            rows.append(f"<li>✗ <b>{meta['grade_id']}</b> ({points:g} point(s)): {message}</li>")
        else:
            rows.append(f"<li>✓ <b>{meta['grade_id']}</b> ({points:g} point(s))</li>")
    score = record.get("score")
    total = "" if score is None else f"<p>Score: {score:g} of {record.get('max_score', 0):g}"
    total += " (written answers are graded by your trainer).</p>" if total else ""
    status = html.escape(STATUS_WORDS.get(record.get("status", ""), ""))
    return (
        '<div style="border:2px solid #444;padding:1em;margin:1em;font-family:sans-serif">'
        f"<h2>Summary</h2><p>{status}</p>{total}<ul>{''.join(rows)}</ul></div>"
    )


def feedback(cohort: Cohort, lab_id: str, students: list[str] | None = None) -> list[Path]:
    lab = cohort.lab(lab_id)
    with exclusive(cohort, f"feedback {lab.id}"):
        return _feedback(cohort, lab, students)


def _feedback(cohort: Cohort, lab, students: list[str] | None) -> list[Path]:
    statuses = cohort.read_statuses(lab.id)
    chosen = students or sorted(statuses)
    if not chosen:
        raise GraderError(
            f"nothing graded yet for {lab.id}",
            f"run `python -m grader autograde {lab.id}` first",
        )
    api = cohort.api()
    written = []
    for student in chosen:
        record = statuses.get(student)
        if record is None or record.get("score") is None:
            raise GraderError(
                f"{student} has no grade for {lab.id}",
                f"grade them first: `python -m grader autograde {lab.id} --student {student}`",
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)
            result = api.generate_feedback(lab.id, student)
        if not result["success"]:
            raise GraderError(
                f"nbgrader could not write feedback for {student}:\n"
                + "\n".join((result.get("error") or result.get("log", "")).splitlines()[-6:])
            )
        page = cohort.root / "feedback" / student / lab.id / f"{lab.id}.html"
        graded = nbformat.read(cohort.autograded_dir(student, lab.id) / lab.notebook_name, 4)
        text = page.read_text(encoding="utf-8")
        body = text.find("<body")
        insert_at = text.find(">", body) + 1 if body >= 0 else 0
        text = text[:insert_at] + _summary(graded, record) + text[insert_at:]
        page.write_text(text, encoding="utf-8")
        written.append(page)
    return written
