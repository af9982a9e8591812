"""A cohort's course folder: the labs a trainer grades, the gradebook and the learners.

``python -m grader init`` makes it from a build (``_build/course``): each lab's ``source/``
(notebook with hidden tests, data, checks) is copied in and nbgrader regenerates the student
version and registers the lab in the gradebook. The folder is a normal nbgrader course, so
nbgrader's own tools (the formgrader for written answers) work inside it.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook

from ..build import course, environment, gates, lab_i18n, translated
from ..build.labsource import read_lab
from ..errors import GraderError
from ..paths import DEFAULT_BUILD, LABS, BuildPaths
from . import gradebook_db

MANIFEST = "grader-course.json"
LOCK = ".grader.lock"
_REACHED: set[str] = set()  # gradebooks opened by this process


@dataclass(frozen=True)
class LabInfo:
    """What the cohort tools need to know about a lab (an nbgrader assignment), without its
    MyST source. The course's labs have one notebook, ``<id>.ipynb``; a trainer's own
    assignment (``add``) may have several, with any names."""

    id: str
    title: str
    minutes: int
    solution_seconds: float | None = None  # the solution's run with its tests, at the build
    notebooks: tuple[str, ...] = ()  # file names, in order
    origin: str = "build"  # "build": a lab of the course's build; "added": a trainer's own

    def __post_init__(self):
        if not self.notebooks:
            object.__setattr__(self, "notebooks", (f"{self.id}.ipynb",))

    @property
    def notebook_name(self) -> str:
        """The first notebook (the only one of the course's own labs)."""
        return self.notebooks[0]

    def manifest(self) -> dict:
        return {
            "title": self.title,
            "minutes": self.minutes,
            "solution_seconds": self.solution_seconds,
            "notebooks": list(self.notebooks),
            "origin": self.origin,
        }

    @classmethod
    def from_manifest(cls, lab_id: str, entry: dict) -> LabInfo:
        return cls(
            lab_id,
            entry.get("title", lab_id),
            int(entry.get("minutes", 60)),
            entry.get("solution_seconds"),
            tuple(entry.get("notebooks") or ()),
            entry.get("origin", "build"),
        )


@dataclass(frozen=True)
class Cohort:
    """An initialised course folder."""

    root: Path
    db_url: str
    labs: dict[str, LabInfo]

    @property
    def course_id(self) -> str:
        """nbgrader's name of the course (the exchange's folder for it, on a hub)."""
        return course.COURSE_ID

    def api(self, extra=None):
        environment.prepare(self.root)
        self.check_database()
        return course.open_api(self.root, self.db_url, extra)

    def gradebook(self) -> Gradebook:
        environment.prepare(self.root)
        self.check_database()
        return Gradebook(self.db_url, course.COURSE_ID)

    def check_database(self) -> None:
        """Once per command: a gradebook that cannot be opened stops it with a message."""
        if self.db_url not in _REACHED:
            gradebook_db.check(self.db_url)
            _REACHED.add(self.db_url)

    def lab(self, lab_id: str | None) -> LabInfo:
        if lab_id in self.labs:
            return self.labs[lab_id]
        ids = sorted(self.labs)
        close = difflib.get_close_matches(str(lab_id), ids, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "choose one of: " + ", ".join(ids)
        raise GraderError(f"this course has no lab called {lab_id!r}", hint)

    def source_notebook(self, lab_id: str) -> Path:
        return course.source_dir(self.root, lab_id) / self.lab(lab_id).notebook_name

    def release_notebook(self, lab_id: str) -> Path:
        return course.release_dir(self.root, lab_id) / self.lab(lab_id).notebook_name

    def source_notebooks(self, lab_id: str) -> list[Path]:
        folder = course.source_dir(self.root, lab_id)
        return [folder / name for name in self.lab(lab_id).notebooks]

    def release_notebooks(self, lab_id: str) -> list[Path]:
        folder = course.release_dir(self.root, lab_id)
        return [folder / name for name in self.lab(lab_id).notebooks]

    def submitted_dir(self, student: str, lab_id: str) -> Path:
        return self.root / "submitted" / student / lab_id

    def autograded_dir(self, student: str, lab_id: str) -> Path:
        return self.root / "autograded" / student / lab_id

    def status_file(self, lab_id: str) -> Path:
        return self.root / "grading" / lab_id / "status.json"

    def read_statuses(self, lab_id: str) -> dict[str, dict]:
        path = self.status_file(lab_id)
        if not path.exists():
            return {}
        return json.loads(path.read_text(encoding="utf-8"))

    def write_statuses(self, lab_id: str, statuses: dict[str, dict]) -> None:
        path = self.status_file(lab_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".json.partial")
        partial.write_text(json.dumps(statuses, indent=1, sort_keys=True), encoding="utf-8")
        partial.replace(path)

    def student_ids(self) -> list[str]:
        with self.gradebook() as gb:
            return sorted(s.id for s in gb.students)


def init(
    course_dir: Path, build_dir: Path = DEFAULT_BUILD, db_url: str | None = None, echo=print
) -> Cohort:
    """Make (or refresh) a course folder from the labs of a build."""
    course_dir = Path(course_dir).resolve()
    built = _built_course(Path(build_dir).resolve())
    lab_ids = assignments_in(built / "source")
    if not lab_ids:
        raise GraderError(
            f"no built labs in {built / 'source'} (no folder there holds a notebook)",
            "run `python -m grader build` first (add --seed N for a cohort of your own), "
            "or point --build-dir at the build to use; to grade an nbgrader assignment of your "
            "own, run `init` with the course's build, then `python -m grader add FOLDER`",
        )
    course_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = course_dir / MANIFEST
    previous = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    if db_url is None:
        db_url = previous.get("db_url") or f"sqlite:///{course_dir / 'gradebook.db'}"
    db_url = gradebook_db.normalise(db_url)
    if not db_url.startswith("sqlite"):
        # Before anything is written: a wrong address must not leave a half-made folder.
        gradebook_db.check(db_url)
    labs = {}
    timings = gates.read_timings(built)
    for lab_id in lab_ids:
        notebooks = tuple(sorted(p.name for p in (built / "source" / lab_id).glob("*.ipynb")))
        source = LABS / lab_id / f"{lab_id}.md"
        if source.exists():
            lab = read_lab(source)
            labs[lab_id] = LabInfo(
                lab_id, lab.title, lab.minutes, timings.get(lab_id), notebooks=notebooks
            )
        elif (built / "source" / lab_id / "lab_checks.py").exists():
            # A lab of a build this checkout does not have: keep what the build says.
            labs[lab_id] = LabInfo(lab_id, lab_id, 60, timings.get(lab_id), notebooks=notebooks)
        else:  # an nbgrader course's own assignment (--build-dir at an nbgrader course)
            labs[lab_id] = LabInfo(lab_id, lab_id, 0, None, notebooks, "added")
        target = course.source_dir(course_dir, lab_id)
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(built / "source" / lab_id, target, symlinks=True)
        for link in [p for p in target.rglob("*") if p.is_symlink()]:
            link.unlink()  # a link could point anywhere: never part of a course
        if labs[lab_id].origin == "added":
            normalise_notebooks(target)
        _copy_translations(Path(build_dir).resolve(), course_dir, lab_id)
    # A trainer's own assignments (``add``) stay as they are.
    for lab_id, entry in previous.get("labs", {}).items():
        kept = LabInfo.from_manifest(lab_id, entry)
        if kept.origin == "added" and lab_id not in labs:
            labs[lab_id] = kept
    cohort = Cohort(course_dir, db_url, labs)
    write_manifest(cohort, build=str(Path(build_dir).resolve()))
    api = cohort.api()
    for lab_id in lab_ids:
        # nbgrader writes the student version and records the lab's cells in the gradebook.
        result = api.generate_assignment(lab_id, force=True, create=True)
        if not result["success"]:
            raise GraderError(
                f"nbgrader could not register {lab_id}:\n{result.get('error') or result['log']}",
                "rebuild the lab with `python -m grader build --only " + lab_id + "`",
            )
        echo(f"  ✓ {lab_id}")
    return cohort


def open_cohort(course_dir: Path) -> Cohort:
    course_dir = Path(course_dir).resolve()
    manifest_path = course_dir / MANIFEST
    if not manifest_path.exists():
        raise GraderError(
            f"{course_dir} is not a course folder (no {MANIFEST})",
            "make one with `python -m grader init DIR`, or pass --course DIR",
        )
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    labs = {k: LabInfo.from_manifest(k, v) for k, v in manifest["labs"].items()}
    return Cohort(course_dir, manifest["db_url"], labs)


def write_manifest(cohort: Cohort, **extra) -> None:
    """``grader-course.json``: the gradebook's address and the labs (written whole, atomically)."""
    path = cohort.root / MANIFEST
    previous = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    manifest = {
        **previous,
        **extra,
        "db_url": cohort.db_url,
        "labs": {k: v.manifest() for k, v in sorted(cohort.labs.items())},
    }
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    partial.replace(path)


def normalise_notebooks(folder: Path) -> None:
    """Give every cell of the folder's notebooks an id (nbformat 4.5), as Jupyter does when it
    saves one: older notebooks (nbgrader's own demo) have none, and nbformat will require it."""
    import nbformat
    from nbformat.v4.nbbase import random_cell_id

    for path in sorted(folder.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        if all("id" in cell for cell in notebook.cells) and notebook.nbformat_minor >= 5:
            continue
        notebook.nbformat_minor = max(notebook.nbformat_minor, 5)
        for cell in notebook.cells:
            cell.setdefault("id", random_cell_id())
        nbformat.write(notebook, path)


TRANSLATIONS = "translations"


def translation_dir(course_dir: Path, language: str, lab_id: str) -> Path:
    """A lab's translated student version in a course folder (``release --language``)."""
    return Path(course_dir) / TRANSLATIONS / language / lab_id


def _copy_translations(build_dir: Path, course_dir: Path, lab_id: str) -> None:
    """The build's translated student versions of a lab (same code cells, grade ids and tests
    as the English one), so that ``release --language es`` can hand them out."""
    for language in lab_i18n.LAB_LANGUAGES:
        built = translated.folder(BuildPaths(build_dir), language, "release", lab_id)
        target = translation_dir(course_dir, language, lab_id)
        if target.exists():
            shutil.rmtree(target)
        if built.is_dir():
            shutil.copytree(built, target, symlinks=True)
            for link in [p for p in target.rglob("*") if p.is_symlink()]:
                link.unlink()


def _built_course(build_dir: Path) -> Path:
    """The nbgrader course of a build (``BUILD/course``), or an nbgrader course folder itself."""
    if not (build_dir / "course" / "source").is_dir() and (build_dir / "source").is_dir():
        return build_dir
    return build_dir / "course"


def assignments_in(source: Path) -> list[str]:
    """Folders of ``source/`` that hold at least one notebook: nbgrader's assignments."""
    if not source.is_dir():
        return []
    return sorted(
        p.name
        for p in source.iterdir()
        if p.is_dir() and not p.is_symlink() and any(p.glob("*.ipynb"))
    )


@contextlib.contextmanager
def exclusive(cohort: Cohort, what: str):
    """One grading command at a time per course folder: a second one stops with a message.

    Two nbgrader runs on one course race: each removes and rewrites a learner's autograded
    folder. The lock is an OS file lock, so it is released even if the holder is killed.
    """
    path = cohort.root / LOCK
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole block
    try:
        if not _try_lock(handle):
            handle.seek(0)
            holder = handle.read().strip() or "another command"
            raise GraderError(
                f"the course folder {cohort.root} is busy: {holder}",
                "wait for it to finish (or stop it), then run this command again",
            )
        handle.seek(0)
        handle.truncate()
        handle.write(f"`{what}` (process {os.getpid()}, started {time.strftime('%H:%M:%S')})")
        handle.flush()
        yield
    finally:
        handle.close()


def _try_lock(handle) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True
