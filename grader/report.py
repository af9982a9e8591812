"""``report``: grades as CSV for an LMS import, per question, and an item analysis with a plot.

Files (in ``COURSE/reports`` unless ``--out``):
- ``<lab>-grades.csv``: one row per learner of the roster: id, name, email, LMS id, the score
  of every graded cell, the automatic and manual totals, the total, its maximum, the status
  of the submission and its reasons;
- ``<lab>-items.csv`` and ``<lab>-items.png``: for each test, the share of graded learners who
  passed it (an easy check everyone passes, or one nobody passes, deserves a look);
- with ``--all``, ``all-labs.csv``: one row per learner, one column per lab, and the total.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from nbgrader.api import MissingEntry

from .cohort import Cohort
from .errors import GraderError
from .roster import learners


def _lab_rows(cohort: Cohort, lab_id: str):
    statuses = cohort.read_statuses(lab_id)
    roster = learners(cohort)
    with cohort.gradebook() as gb:
        assignment = gb.find_assignment(lab_id)
        cells = [
            (c.name, c.max_score, c.cell_type == "code")
            for nb in assignment.notebooks
            for c in nb.grade_cells
        ]
        rows = []
        for learner in roster:
            record = statuses.get(learner.id, {})
            row = {
                "id": learner.id,
                "name": learner.name,
                "email": learner.email,
                "lms_id": learner.lms_id,
            }
            try:
                found = gb.find_submission(lab_id, learner.id)
            except MissingEntry:
                found = None
            grades = {}
            if found is not None:
                for notebook in found.notebooks:
                    grades.update({g.name: g for g in notebook.grades})
            for name, _, _ in cells:
                grade = grades.get(name)
                row[name] = "" if grade is None or grade.score is None else f"{grade.score:g}"
            auto = sum(g.auto_score or 0 for g in grades.values() if g.auto_score is not None)
            manual = sum(g.manual_score or 0 for g in grades.values() if g.manual_score is not None)
            row["auto_score"] = f"{auto:g}" if found else ""
            row["manual_score"] = f"{manual:g}" if found else ""
            row["needs_manual_grading"] = (
                "yes" if found is not None and found.needs_manual_grade else ""
            )
            row["total"] = f"{found.score:g}" if found else "0"
            row["max_score"] = f"{assignment.max_score:g}"
            row["status"] = record.get("status", "not handed in" if not found else "")
            row["reasons"] = "; ".join(record.get("reasons", []))
            rows.append(row)
    return cells, rows


def _write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def item_analysis(cells, rows) -> list[dict]:
    graded = [r for r in rows if r["status"] in ("graded", "flagged", "timeout", "crashed")]
    items = []
    for name, max_score, is_code in cells:
        if not is_code:
            continue  # written answers are graded by people; their spread is in the grades CSV
        passed = sum(1 for r in graded if r[name] != "" and float(r[name]) >= max_score)
        share = passed / len(graded) if graded else 0.0
        items.append(
            {
                "test": name,
                "points": f"{max_score:g}",
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
    fig.savefig(path, dpi=100)
    plt.close(fig)


def report(cohort: Cohort, lab_id: str | None, out: Path | None = None) -> list[Path]:
    out = Path(out) if out else cohort.root / "reports"
    out.mkdir(parents=True, exist_ok=True)
    if not learners(cohort):
        raise GraderError(
            "the roster is empty", "import it: `python -m grader roster import roster.csv`"
        )
    lab_ids = [cohort.lab(lab_id).id] if lab_id else sorted(cohort.labs)
    written, totals = [], {}
    for lab in lab_ids:
        cells, rows = _lab_rows(cohort, lab)
        path = out / f"{lab}-grades.csv"
        _write_csv(path, rows)
        written.append(path)
        items = item_analysis(cells, rows)
        if items:
            _write_csv(out / f"{lab}-items.csv", items)
            _plot(out / f"{lab}-items.png", lab, items)
            written += [out / f"{lab}-items.csv", out / f"{lab}-items.png"]
        for row in rows:
            entry = totals.setdefault(
                row["id"], {"id": row["id"], "name": row["name"], "email": row["email"]}
            )
            entry[lab] = row["total"]
    if lab_id is None:
        rows = []
        for entry in totals.values():
            entry["total"] = f"{sum(float(entry[lab] or 0) for lab in lab_ids):g}"
            rows.append(entry)
        path = out / "all-labs.csv"
        _write_csv(path, rows)
        written.append(path)
    return written
