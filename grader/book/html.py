"""Build the book: stage ``book/`` with generated pages, then run Sphinx strictly.

The book's sources are never written to. A staging copy under ``_build/book-src`` receives the
generated pages (each lab's student version, with a download link for its zip, and the data-card
appendix from ``synthetic_data``); Sphinx then
builds it with warnings as errors (``-n -W --keep-going``) and an execution cache per seed and
edition.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

import synthetic_data

from ..build import learner_env, translated
from ..build.labsource import Lab
from ..errors import GraderError
from ..paths import BOOK, BuildPaths
from . import data_appendix, lab_words, spanish
from .editions import LOCALE_DIR, SOURCE, Edition, pdf_name, pending_pages
from .pdf import PDF_NAME

LAB_NOTE = """:::{{admonition}} This page shows the student version
:class: note
**Download:** {{download}}`{zip_name} <{zip_name}>`, one file with everything: the notebook,
its synthetic data, its checks, `check_my_lab.py` and the install steps. Unzip it, open
`{notebook}` in Jupyter and work through it from the top; the check cells tell you how you are
doing. Time: about {minutes} minutes.{lesson}
:::

:::{{admonition}} First time? Set up Python once (about {installed} MB)
:class: dropdown
{setup}
:::"""
# Pages the build writes into the staged book (never into book/): the install steps, shared by
# the start page and every lab page, and the start page's paragraph on the offline PDF.
GENERATED = "_generated"
PDF_LINK = """```{{raw}} html
<p><a class="reference download" href="{pdf}" download>
<strong>Download the whole book as one PDF</strong></a> (A4; lessons, lab instructions,
glossary, data cards and trainer guide, in the order of the contents).</p>
```

Save it once while you have a connection, then read it or print it anywhere."""
NO_PDF = """This copy of the book was built on a computer without a browser that can print it, so
it has no PDF. Ask your trainer for the PDF, or build the book yourself (see
[the trainer's path](#path-trainer)) after installing Chromium, Google Chrome or Microsoft
Edge."""


def write_if_changed(path: Path, data: bytes) -> None:
    """Write only real changes, so Sphinx rebuilds only pages that changed."""
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _sync_tree(source: Path, target: Path, keep: set[str]) -> None:
    """Mirror ``source`` into ``target`` (keeping mtimes) and drop stale files, except ``keep``.

    ``keep`` holds folder paths relative to ``target`` (e.g. ``labs``, ``appendix/data``) whose
    generated contents survive the sync.
    """
    kept = [tuple(Path(k).parts) for k in keep]
    wanted = set()
    for path in source.rglob("*"):
        rel = path.relative_to(source)
        if "_build" in rel.parts or ".ipynb_checkpoints" in rel.parts:
            continue
        wanted.add(rel)
        dest = target / rel
        if path.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
        elif not dest.exists() or dest.read_bytes() != path.read_bytes():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
    for path in sorted(target.rglob("*"), reverse=True):
        rel = path.relative_to(target)
        if rel in wanted or any(rel.parts[: len(k)] == k for k in kept):
            continue
        if path.is_file():
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def lab_page(
    lab: Lab, release_notebook: Path, zip_name: str, language: str = SOURCE
) -> nbformat.NotebookNode:
    """The book's page of a lab: its student version in ``language``, with a note on top."""
    notebook = nbformat.read(release_notebook, as_version=4)
    english = language == SOURCE
    lesson_line = "\n\n**Lesson:** {{doc}}`/{lesson}`" if english else spanish.LESSON
    lesson = lesson_line.format(lesson=lab.lesson) if lab.lesson else ""
    note = (LAB_NOTE if english else spanish.LAB_NOTE).format(
        zip_name=zip_name,
        notebook=lab.notebook_name,
        minutes=lab.minutes,
        lesson=lesson,
        installed=learner_env.INSTALLED_MB,
        setup=learner_env.setup_steps(markdown=True, language=language),
    )
    title_first = notebook.cells and notebook.cells[0].source.lstrip().startswith("# ")
    notebook.cells.insert(1 if title_first else 0, nbformat.v4.new_markdown_cell(note))
    return notebook


def edition_labs(
    paths: BuildPaths, labs: list[tuple[Lab, Path, Path]], language: str
) -> list[tuple[Lab, Path, Path]]:
    """Each lab's student version and zip in ``language`` (built by ``build.translated``)."""
    if language == SOURCE:
        return labs
    chosen = []
    for lab, _, _ in labs:
        notebook = translated.folder(paths, language, "release", lab.id) / lab.notebook_name
        zip_path = translated.zip_path(paths, language, lab.id)
        if not notebook.exists() or not zip_path.exists():
            raise GraderError(
                f"{lab.id} has no {language} student version yet, so the {language} book "
                "cannot show it",
                "run `python -m grader build` once without --only",
            )
        chosen.append((lab, notebook, zip_path))
    return chosen


def _execution_cache(paths: BuildPaths, seed: int, language: str = SOURCE) -> Path:
    """Lessons quote numbers from the data, which depend on the seed and on the generator's
    code; a notebook's cache entry only knows its own code. So each (seed, generator) pair gets
    its own cache, and the caches of older generators for this seed are removed.

    Each edition has a cache of its own: a lesson's figures are drawn in the edition's language
    (its cells read ``BOOK_LANGUAGE``), with the same code, so one cache would hand the Spanish
    edition the English figures. The data and the seed are the same, so are the numbers."""
    digest = hashlib.sha256()
    package = Path(synthetic_data.__file__).parent
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    root = paths.root / "jupyter_cache"
    current = f"seed-{seed}-data-{digest.hexdigest()[:12]}"
    cache = root / (current if language == SOURCE else f"{current}-{language}")
    for old in [root / f"seed-{seed}", *root.glob(f"seed-{seed}-data-*")]:
        if not old.name.startswith(current) and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return cache


def generated_pages(pdf: bool, language: str = SOURCE) -> dict[str, str]:
    """File name → text of the pieces the start page includes from ``_generated/``.

    Both are written in the edition's language: the install steps are the same text as on
    each lab's page and in each zip's README (``learner_env``), and the PDF's link is raw HTML,
    which gettext does not translate.
    """
    if language == SOURCE:
        offline = PDF_LINK.format(pdf=PDF_NAME) if pdf else NO_PDF
    else:
        offline = spanish.offline_pdf(pdf_name(language), pdf)
    return {
        "learner-setup.md": learner_env.setup_steps(markdown=True, language=language) + "\n",
        "offline-pdf.md": offline + "\n",
    }


def stage(
    paths: BuildPaths,
    labs: list[tuple[Lab, Path, Path]],
    seed: int,
    pdf: bool = True,
    language: str = SOURCE,
    switch_to: tuple[str, ...] = (),
) -> Path:
    """Copy the book and add generated pages; return the staging folder.

    ``pdf`` says whether the build will print the PDF: the start page links to it only then.
    ``language`` chooses the edition; ``switch_to`` the editions its pages link to (those the
    same build makes, so that no link leads to a missing page).
    """
    edition = Edition(paths, language)
    staging = edition.staging
    staging.mkdir(parents=True, exist_ok=True)
    _sync_tree(BOOK, staging, keep={"labs", "_build", "conf.py", data_appendix.FOLDER, GENERATED})
    for name, text in generated_pages(pdf, language).items():
        write_if_changed(staging / GENERATED / name, text.encode("utf-8"))
    for lab, release_notebook, zip_path in edition_labs(paths, labs, language):
        page = lab_page(lab, release_notebook, zip_path.name, language)
        write_if_changed(staging / "labs" / f"{lab.id}.ipynb", nbformat.writes(page).encode())
        write_if_changed(staging / "labs" / zip_path.name, zip_path.read_bytes())
    data_appendix.write(staging, seed, write_if_changed, language=language)
    config = yaml.safe_load((BOOK / "_config.yml").read_text(encoding="utf-8"))
    config["execute"]["cache"] = str(_execution_cache(paths, seed, language).resolve())
    words = lab_words.ENGLISH if edition.is_source else lab_words.SPANISH
    substitutions = lab_words.lab_substitutions([lab for lab, _, _ in labs], words)
    config.setdefault("parse", {})["myst_substitutions"] = substitutions
    sphinx = config.setdefault("sphinx", {}).setdefault("config", {})
    if switch_to:
        sphinx["i18n_switch_to"] = list(switch_to)
    if not edition.is_source:
        # One catalogue per page (gettext_compact off), read from the staged book's locales.
        sphinx.update(
            html_title=spanish.TITLE,
            language=language,
            locale_dirs=[LOCALE_DIR],
            gettext_compact=False,
            i18n_pending=pending_pages(language),
        )
        sphinx.setdefault("html_theme_options", {})["search_bar_text"] = spanish.SEARCH
    write_if_changed(
        staging / "_config.yml", yaml.safe_dump(config, sort_keys=False).encode("utf-8")
    )
    return staging


_WARNING = re.compile(r"(WARNING|ERROR|CRITICAL)")


def _readable(line: str, staging: Path) -> str:
    line = line.replace(str(staging) + os.sep, "book/")
    return re.sub(r"book/labs/(lab[\w-]+)\.ipynb", r"the page of \1 (from labs/\1/\1.md)", line)


def sphinx_config(staging: Path, env: dict[str, str]) -> None:
    """Write the staged book's ``conf.py`` from its ``_config.yml`` (Jupyter Book's own step)."""
    jb = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()"]
    run = subprocess.run(
        [*jb, "config", "sphinx", str(staging)],
        check=False,
        capture_output=True,
        text=True,
        env=env,
    )
    if run.returncode != 0:
        raise GraderError(
            "Jupyter Book could not read book/_config.yml or book/_toc.yml:\n"
            + (run.stderr or run.stdout)[-2000:],
            "check the YAML in book/_config.yml and book/_toc.yml",
        )


def build_html(paths: BuildPaths, staging: Path, seed: int, log, language: str = SOURCE) -> Path:
    """Run Jupyter Book's Sphinx configuration and a strict Sphinx build; return the HTML dir.

    Lessons run once per edition, each in its own execution cache, with ``BOOK_LANGUAGE`` set
    to the edition's language: their figures' words are the edition's. Glued numbers are the
    same in each (same data, same seed); the Spanish edition writes them its way
    (``sphinx_i18n``).
    """
    edition = Edition(paths, language)
    env = dict(
        os.environ,
        SYNTHETIC_DATA_SEED=str(seed),
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        BOOK_LANGUAGE=language,
    )
    sphinx_config(staging, env)
    paths.logs.mkdir(parents=True, exist_ok=True)
    log_file = paths.logs / f"book{edition.log_suffix}.log"
    cmd = [
        sys.executable, "-m", "sphinx", "-b", "html", "-n", "-W", "--keep-going", "-q",
        "-d", str(edition.doctrees), str(staging), str(edition.sphinx_out),
    ]  # fmt: skip
    with log_file.open("w", encoding="utf-8") as out:
        run = subprocess.run(
            cmd, check=False, stdout=out, stderr=subprocess.STDOUT, text=True, env=env
        )
    if run.returncode != 0:
        lines = log_file.read_text(encoding="utf-8").splitlines()
        problems = [_readable(ln, staging) for ln in lines if _WARNING.search(ln)]
        shown = "\n".join(f"  {p}" for p in problems[:30]) or "\n".join(lines[-30:])
        raise GraderError(
            f"the book did not build ({len(problems)} warning(s) or error(s)):\n{shown}",
            f"fix the pages named above; the full log is {log_file}, and notebook "
            f"execution reports are in {edition.sphinx_out / 'reports'}",
        )
    log(f"book log: {log_file}")
    if edition.sphinx_out != edition.html:
        _sync_tree(edition.sphinx_out, edition.html, keep={edition.pdf_name})
    return edition.html
