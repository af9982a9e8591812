"""``feedback LAB``: an HTML page per learner and notebook, with a summary at the top.

The page is nbgrader's feedback page (its template, its ``GetGrades`` and ``ClearHiddenTests``
steps: scores, the trainer's comments, no hidden test), made safe to open and send by
``pages`` (no script, nothing loaded from the network). The grader has already replaced every
failed check's traceback by its plain message (a traceback could quote a hidden test).

The summary names each question by its title in the lab, says whether each check passed
and, if not, why in plain words: where an error in the learner's own code caused the failure,
that first error is what it shows. Only the page is written: no copy of the lab's data.

Learners whose written answers are not graded yet get no page (their score would be missing
those points), unless ``allow_ungraded``: then the page says so at the top.
"""

from __future__ import annotations

import html
import re
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import ClearHiddenTests, GetGrades
from sqlalchemy.exc import SAWarning
from traitlets.config import Config

from ..build.cells import cell_meta, kind_of, names_read, names_written
from ..errors import GraderError
from . import deadlines, feedback_checks, pages
from . import feedback_words as words
from .collect import lms_marked_late
from .folder import Cohort, exclusive

CSS = """
.grader-summary{border:2px solid #444;padding:1em;margin:1em auto;max-width:60em;
font-family:sans-serif;font-size:15px}
.grader-summary li{margin:.3em 0}.grader-pass{color:#1a7f37}.grader-fail{color:#b42318}
.grader-note{background:#fff4ce;border-left:4px solid #b38600;padding:.5em 1em}
"""
ANSWERS = ("answer", "answer-graded")


@dataclass
class FeedbackRun:
    pages: list[Path] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # written answers not graded yet
    failed: list[str] = field(default_factory=list)  # learner: why

    def __iter__(self):
        return iter(self.pages)

    def __len__(self):
        return len(self.pages)


def question_titles(source, language: str = "en") -> dict[str, str]:
    """grade id → the heading above it in the lab (``2. What does each column reveal?``),
    with ``check 1 of 2`` where a question has several checks."""
    heading, found = "", {}
    for cell in source.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    heading = line.lstrip("#").strip().strip("*_ ") or heading
        grade_id = cell_meta(cell).get("grade_id")
        if grade_id and kind_of(cell) != "locked":
            found[grade_id] = heading or grade_id
    checks: dict[str, list[str]] = {}
    for grade_id, title in found.items():
        if kind_of(_cell(source, grade_id)) == "tests":
            checks.setdefault(title, []).append(grade_id)
    for title, ids in checks.items():
        for n, grade_id in enumerate(ids, start=1):
            if len(ids) > 1:
                found[grade_id] = words.say(language, "check_n", title=title, n=n, total=len(ids))
    return found


def _cell(notebook, grade_id: str):
    return next(c for c in notebook.cells if cell_meta(c).get("grade_id") == grade_id)


def _error(cell):
    return next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)


def _own_error(output) -> str:
    return f"{output.get('ename', 'Error')}: {str(output.get('evalue', ''))[:300]}"


_WRAPPED = re.compile(
    r"^the check could not run on this answer \((\w+)(?:: (.*))?\)\.?$", re.DOTALL
)


def _check_message(output, language: str = "en", table=None) -> str:
    """A failed check in words for the learner, in their language (the grader has already made
    its message plain: no traceback, no line of a test)."""
    ename, evalue = str(output.get("ename", "")), str(output.get("evalue", ""))
    wrapped = _WRAPPED.match(evalue)
    if wrapped:
        ename, evalue = wrapped.group(1), wrapped.group(2) or ""

    def plain(text: str) -> str:
        return feedback_checks.translate(text, language, table or {})

    if ename == "NameError":
        name = evalue.split("'")[1] if evalue.count("'") >= 2 else evalue
        return words.say(language, "not_defined", name=name)
    if ename == "AssertionError":
        detail = f": {plain(evalue)}" if evalue else "."
        return words.say(language, "does_not_pass", detail=detail)
    if ename in ("CheckFailed", "NotRun", "NotGraded") or not wrapped:
        return plain(evalue) if evalue else words.say(language, "check_failed")
    error = f"{ename}{': ' + evalue if evalue else ''}"
    return words.say(language, "could_not_run", error=error)


def checks(graded, titles: dict[str, str], language: str = "en", table=None) -> list[dict]:
    """Each test of a graded notebook: title, points, passed, and the message to show."""
    answers, first_error, rows = [], None, []
    for cell in graded.cells:
        kind, grade_id = kind_of(cell), cell_meta(cell).get("grade_id")
        if kind in ANSWERS and cell.cell_type == "code":
            error = _error(cell)
            answers.append((grade_id, names_written(cell.source), error))
            if error is not None and first_error is None:
                first_error = (grade_id, error)
            continue
        if kind != "tests":
            continue
        meta = cell_meta(cell)
        row = {"title": titles.get(grade_id, grade_id), "points": meta.get("points", 0)}
        row["score"] = meta.get("score")
        error = _error(cell)
        row["passed"] = error is None
        if error is not None:
            needs = names_read(cell.source)
            cause = next((a for a in answers if a[2] is not None and a[1] & needs), None)
            if cause is None and str(error.get("ename")) in ("NameError", "NotRun"):
                cause = (first_error[0], None, first_error[1]) if first_error else None
            if cause is not None:
                title, error = titles.get(cause[0], cause[0]), _own_error(cause[2])
                row["message"] = words.say(language, "own_error", title=title, error=error)
            else:
                row["message"] = _check_message(error, language, table)
        rows.append(row)
    return rows


def _summary(rows, record, late, penalty, ungraded, notebooks, zone, language="en") -> str:
    items = []
    for row in rows:
        mark, css = ("✓", "grader-pass") if row["passed"] else ("✗", "grader-fail")
        text = f'<span class="{css}">{mark}</span> <b>{html.escape(row["title"])}</b> '
        text += words.say(language, "points", points=row["points"])
        if not row["passed"]:
            text += ": " + html.escape(row["message"]).replace("\n", "<br>")
        items.append(f"<li>{text}</li>")
    parts = [f'<div class="grader-summary"><h2>{words.say(language, "summary")}</h2>']
    status = record.get("status", "")
    status_text = words.say(language, status) if status in words.STATUSES else ""
    parts.append(f"<p>{html.escape(status_text)}</p>")
    if record.get("score") is not None:
        score = float(record["score"]) - penalty
        total = float(record.get("max_score", 0))
        parts.append(f"<p>{words.say(language, 'score', score=score, total=total)}</p>")
    if late.submitted is not None:
        when = deadlines.local_text(late.submitted, zone)
        line = words.say(language, "handed_in", when=when)
        if late.due is not None:
            line += words.say(language, "due", when=deadlines.local_text(late.due, zone))
        late_words = late.words()
        line += f" ({late_words})." if late_words else "."
        if penalty:
            line += words.say(language, "penalty", penalty=penalty)
        parts.append(f"<p>{html.escape(line)}</p>")
    if ungraded:
        parts.append(f'<p class="grader-note">{words.say(language, "ungraded")}</p>')
    if len(notebooks) > 1:
        names = ", ".join(html.escape(Path(n).stem + ".html") for n in notebooks)
        parts.append(
            f"<p>{words.say(language, 'notebooks', count=len(notebooks), names=names)}</p>"
        )
    parts.append(f"<ul>{''.join(items)}</ul></div>")
    return "".join(parts)


def _exporter() -> HTMLExporter:
    import nbgrader

    root = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader"
    config = Config()
    config.HTMLExporter.template_name = "feedback"
    config.HTMLExporter.extra_template_basedirs = [str(root / "templates")]
    config.HTMLExporter.extra_template_paths = [
        str(root / "static" / "node_modules" / "bootstrap" / "dist" / "css")
    ]
    return HTMLExporter(config=config)


def feedback(
    cohort: Cohort,
    lab_id: str,
    students: list[str] | None = None,
    allow_ungraded: bool = False,
) -> FeedbackRun:
    lab = cohort.lab(lab_id)
    with exclusive(cohort, f"feedback {lab.id}"):
        return _feedback(cohort, lab, students, allow_ungraded)


def _feedback(cohort: Cohort, lab, students, allow_ungraded) -> FeedbackRun:
    statuses = cohort.read_statuses(lab.id)
    chosen = students or sorted(statuses)
    if not chosen:
        raise GraderError(
            f"nothing graded yet for {lab.id}",
            f"run `python -m grader autograde {lab.id}` first",
        )
    deadlines.refresh(cohort, lab.id)
    sources = {p.name: nbformat.read(p, as_version=4) for p in cohort.source_notebooks(lab.id)}
    cache: dict[tuple[str, str], dict[str, str]] = {}

    def titles(name: str, language: str) -> dict[str, str]:
        # A translated hand-in's summary names questions by the translated headings.
        if (name, language) not in cache and name in sources:
            source = words.translated_source(lab.id, sources[name], language)
            cache[name, language] = question_titles(source, language)
        return cache.get((name, language), {})

    run, exporter, zone = FeedbackRun(), _exporter(), deadlines.course_zone(cohort)
    for student in chosen:
        record = statuses.get(student)
        if record is None or record.get("score") is None:
            run.failed.append(
                f"{student}: no grade for {lab.id}; grade them first: "
                f"`python -m grader autograde {lab.id} --student {student}`"
            )
            continue
        try:
            with cohort.gradebook() as gb:
                submission = gb.find_submission(lab.id, student)
                ungraded = bool(submission.needs_manual_grade)
                penalty = float(submission.late_submission_penalty or 0)
                # The score now, written answers graded since autograde included.
                record = {**record, "score": float(submission.score)}
                record["max_score"] = float(submission.max_score)
        except MissingEntry:
            run.failed.append(f"{student}: not in the gradebook for {lab.id}; grade them again")
            continue
        if ungraded and not allow_ungraded:
            run.waiting.append(student)
            continue
        try:
            late = deadlines.lateness(
                cohort, lab.id, student, lms_marked_late(cohort, lab.id, student)
            )
            context = (record, late, penalty, ungraded, lab.notebooks, zone)
            run.pages += _pages(cohort, lab, student, exporter, titles, context)
        except Exception as exc:  # noqa: BLE001 - one learner's page never stops the others
            run.failed.append(
                f"{student}: the page could not be made ({type(exc).__name__}: {exc})"[:400]
            )
    return run


def _pages(cohort: Cohort, lab, student, exporter, titles, context) -> list[Path]:
    folder = cohort.root / "feedback" / student / lab.id
    if folder.is_symlink():
        folder.unlink()
    if folder.exists():
        shutil.rmtree(folder)  # old pages and, from older versions, copies of the data
    folder.mkdir(parents=True)
    written = []
    # A notebook not handed in has no language of its own: its page takes the learner's other
    # notebooks' language.
    handed = [cohort.submitted_dir(student, lab.id) / n for n in lab.notebooks]
    either = next((words.language_of(p) for p in handed if p.is_file()), "en")
    for name in lab.notebooks:
        graded_path = cohort.autograded_dir(student, lab.id) / name
        page = folder / f"{Path(name).stem}.html"
        if not graded_path.is_file():
            summary = _summary([], *context, either)
            body = f"<p>{html.escape(words.say(either, 'not_handed_in', name=name))}</p>"
            page.write_text(pages.assemble(body, name, summary, CSS), encoding="utf-8")
            written.append(page)
            continue
        language = words.language_of(cohort.submitted_dir(student, lab.id) / name)
        notebook = nbformat.read(graded_path, as_version=4)
        resources = {
            "nbgrader": {
                "student": student,
                "assignment": lab.id,
                "notebook": Path(name).stem,
                "db_url": cohort.db_url,
            },
            "unique_key": Path(name).stem,
            # Where nbconvert looks for a custom.css: nowhere (the page is ours alone).
            "config_dir": str(cohort.root / "grading" / "no-custom-css"),
        }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)
            notebook, resources = GetGrades().preprocess(notebook, resources)
        table = words.lab_text(lab.id, language)
        rows = checks(notebook, titles(name, language), language, table)
        notebook, resources = ClearHiddenTests().preprocess(notebook, resources)
        pages.prepare(
            notebook,
            learner_cell=lambda cell: kind_of(cell) == "written",
            pictures=cohort.source_notebooks(lab.id)[0].parent,
        )
        notebook, resources = CSSHTMLHeaderPreprocessor().preprocess(notebook, resources)
        rendered, _ = exporter.from_notebook_node(notebook, resources)
        summary = _summary(rows, *context, language)
        page.write_text(pages.assemble(rendered, name, summary, CSS), encoding="utf-8")
        written.append(page)
    return written
