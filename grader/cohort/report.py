"""``report``: grades as CSV for an LMS import, per question, and an item analysis with a plot.

Files (in ``COURSE/reports`` unless ``--out``):
- ``<lab>-grades.csv``: one row per learner of the roster: id, name, email, LMS id, the score
  of every graded cell, the automatic and manual totals, when they handed in, how late, the
  late penalty, the total, its maximum, the status of the submission and its reasons;
- ``<lab>-items.csv`` and ``<lab>-items.png``: for each test, the share of graded learners who
  passed it (an easy check everyone passes, or one nobody passes, deserves a look); only once
  somebody has been graded;
- ``<lab>-grades.xlsx``: the same grades as a workbook;
- with ``--all``, for the labs released (or collected) so far: ``all-labs.csv`` (one row per
  learner, one column per lab, and the total) and ``all-labs.xlsx``, a workbook with a sheet
  per lab and one for all labs.

CSV files carry a byte-order mark and no cell can run as a formula (``exports``).
"""

from __future__ import annotations

import os
from pathlib import Path

from nbgrader.api import MissingEntry

from ..errors import GraderError
from . import deadlines, exports
from .collect import lms_marked_late
from .folder import Cohort
from .release import was_released
from .roster import learners

PEOPLE = ["id", "name", "email", "lms_id"]
GRADED = ("graded", "flagged", "timeout", "crashed")


def _cells(assignment) -> list[tuple[str, str, float, bool]]:
    """(column, cell id, points, is code) of every graded cell; a cell id used by several
    notebooks is written ``notebook:id``."""
    found = [
        (nb.name, c.name, c.max_score, c.cell_type == "code")
        for nb in assignment.notebooks
        for c in nb.grade_cells
    ]
    counts: dict[str, int] = {}
    for _, name, _, _ in found:
        counts[name] = counts.get(name, 0) + 1
    return [
        (name if counts[name] == 1 else f"{notebook}:{name}", f"{notebook}\0{name}", points, code)
        for notebook, name, points, code in found
    ]


def _lab_rows(cohort: Cohort, lab_id: str):
    statuses = cohort.read_statuses(lab_id)
    roster = learners(cohort)
    zone = deadlines.course_zone(cohort)
    deadlines.refresh(cohort, lab_id)
    with cohort.gradebook() as gb:
        assignment = gb.find_assignment(lab_id)
        cells = _cells(assignment)
        max_score = float(assignment.max_score)
        rows = []
        for learner in roster:
            record = statuses.get(learner.id, {})
            row = {"id": learner.id, "name": learner.name, "email": learner.email}
            row["lms_id"] = learner.lms_id
            try:
                found = gb.find_submission(lab_id, learner.id)
            except MissingEntry:
                found = None
            grades = {}
            if found is not None:
                for notebook in found.notebooks:
                    grades.update({f"{notebook.name}\0{g.name}": g for g in notebook.grades})
            for column, key, _, _ in cells:
                grade = grades.get(key)
                row[column] = "" if grade is None or grade.score is None else float(grade.score)
            auto = sum(g.auto_score for g in grades.values() if g.auto_score is not None)
            manual = sum(g.manual_score for g in grades.values() if g.manual_score is not None)
            row["auto_score"] = float(auto) if found else ""
            row["manual_score"] = float(manual) if found else ""
            row["needs_manual_grading"] = (
                "yes" if found is not None and found.needs_manual_grade else ""
            )
            late = deadlines.lateness(
                cohort, lab_id, learner.id, lms_marked_late(cohort, lab_id, learner.id)
            )
            row["submitted_at"] = deadlines.local_text(late.submitted, zone)
            row["late"] = late.words()
            penalty = float(found.late_submission_penalty or 0) if found else 0.0
            row["late_penalty"] = penalty if found else ""
            row["total"] = float(found.score) - penalty if found else 0.0
            row["max_score"] = max_score
            row["status"] = record.get("status", "not handed in" if not found else "")
            row["reasons"] = "; ".join(record.get("reasons", []))
            rows.append(row)
    return cells, rows


def item_analysis(cells, rows) -> list[dict]:
    graded = [r for r in rows if r["status"] in GRADED]
    items = []
    for column, _, max_score, is_code in cells:
        if not is_code:
            continue  # written answers are graded by people; their spread is in the grades CSV
        passed = sum(1 for r in graded if r[column] != "" and float(r[column]) >= max_score)
        share = passed / len(graded) if graded else 0.0
        items.append(
            {
                "test": column,
                "points": float(max_score),
                "graded": len(graded),
                "passed": passed,
                "share_passing": f"{share:.2f}",
            }
        )
    return items


def _plot(path: Path, lab_id: str, items: list[dict]) -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 0.5 * len(items) + 1.5))
    names = [i["test"] for i in items]
    shares = [float(i["share_passing"]) for i in items]
    ax.barh(names, shares, color="#4477aa")
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel("share of graded learners passing")
    ax.set_title(f"{lab_id}: item analysis (n = {items[0]['graded'] if items else 0})")
    fig.tight_layout()
    partial = path.with_name(f".{path.name}.partial.png")
    fig.savefig(partial, dpi=100)
    plt.close(fig)
    partial.replace(path)


def labs_to_report(cohort: Cohort, lab_id: str | None) -> list[str]:
    if lab_id:
        return [cohort.lab(lab_id).id]
    released = [lab for lab in sorted(cohort.labs) if was_released(cohort, lab)]
    if not released:
        raise GraderError(
            "no lab has been released or collected yet, so there is nothing to report",
            "release a lab first (`python -m grader release LAB`), or name a lab: "
            "`python -m grader report LAB`",
        )
    return released


def report(cohort: Cohort, lab_id: str | None, out: Path | None = None) -> list[Path]:
    out = Path(out) if out else cohort.root / "reports"
    out.mkdir(parents=True, exist_ok=True)
    if not learners(cohort):
        raise GraderError(
            "the roster is empty", "import it: `python -m grader roster import roster.csv`"
        )
    lab_ids = labs_to_report(cohort, lab_id)
    written, totals, sheets = [], {}, []
    for lab in lab_ids:
        cells, rows = _lab_rows(cohort, lab)
        columns = list(rows[0]) if rows else PEOPLE
        written.append(exports.write_csv(out / f"{lab}-grades.csv", rows, columns))
        sheets.append((lab, rows, columns))
        items = item_analysis(cells, rows)
        if items and items[0]["graded"]:
            written.append(exports.write_csv(out / f"{lab}-items.csv", items))
            _plot(out / f"{lab}-items.png", lab, items)
            written.append(out / f"{lab}-items.png")
        for row in rows:
            entry = totals.setdefault(row["id"], {k: row[k] for k in PEOPLE})
            entry[lab] = row["total"]
    if lab_id is None:
        rows = []
        for entry in totals.values():
            entry["total"] = sum(float(entry[lab] or 0) for lab in lab_ids)
            rows.append(entry)
        columns = [*PEOPLE, *lab_ids, "total"]
        written.append(exports.write_csv(out / "all-labs.csv", rows, columns))
        sheets.insert(0, ("all labs", rows, columns))
        written.append(exports.write_workbook(out / "all-labs.xlsx", sheets))
    else:
        written.append(exports.write_workbook(out / f"{lab_ids[0]}-grades.xlsx", sheets))
    return written
