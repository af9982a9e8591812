"""The main job, ``python -m grader build``: data, labs, gates, zips, book."""

from __future__ import annotations

import difflib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import synthetic_data

from .book import catalogues, editions
from .book import html as book
from .book import pdf as book_pdf
from .build import bundle, course, environment, gates, lab_i18n, stamp, translated
from .build.labsource import Lab, find_labs, read_lab
from .errors import GraderError
from .paths import DEFAULT_BUILD, LABS, BuildPaths

# Lessons and the data-card appendix use both reference countries, whatever the labs need.
COUNTRIES = ("botswana", "uruguay")


@dataclass
class BuildResult:
    paths: BuildPaths
    seed: int
    labs: list[str] = field(default_factory=list)
    # Language → labs whose translated student version is built but not fully translated.
    pending_labs: dict[str, list[str]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    html: Path | None = None
    pdf: Path | None = None
    # Language → that edition's HTML folder and PDF (``html`` and ``pdf`` are English's).
    editions: dict[str, Path] = field(default_factory=dict)
    pdfs: dict[str, Path] = field(default_factory=dict)


def select_labs(labs_dir: Path, only: str | None) -> list[Path]:
    sources = find_labs(labs_dir)
    if not sources:
        raise GraderError(f"no labs found in {labs_dir}", "labs live in labs/<id>/<id>.md")
    if only is None:
        return sources
    chosen = [p for p in sources if p.stem == only]
    if not chosen:
        ids = [p.stem for p in sources]
        close = difflib.get_close_matches(only, ids, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "choose one of: " + ", ".join(ids)
        raise GraderError(f"there is no lab called {only!r}", hint)
    return chosen


def data_dir(paths: BuildPaths, country: str) -> Path:
    return paths.data / country


def build(
    build_dir: Path = DEFAULT_BUILD,
    only: str | None = None,
    seed: int | None = None,
    with_book: bool = True,
    labs_dir: Path = LABS,
    with_pdf: bool = True,
    echo: Callable[[str], None] = print,
    languages: tuple[str, ...] = editions.LANGUAGES,
) -> BuildResult:
    """Build everything; raise ``GraderError`` naming what failed and what to do.

    ``languages`` chooses the book's editions (English and Spanish by default).
    """
    paths = BuildPaths(Path(build_dir).resolve())
    languages = editions.check_languages(languages)
    seed = synthetic_data.DEFAULT_SEED if seed is None else seed
    result = BuildResult(paths=paths, seed=seed)
    environment.prepare(paths.root)
    sources = select_labs(labs_dir, only)
    paths.root.mkdir(parents=True, exist_ok=True)
    stamp.clear(paths)
    steps = 5 if with_book else 4
    started = time.perf_counter()

    def step(n: int, text: str) -> None:
        echo(f"[{n}/{steps}] {text}")

    step(1, f"Generating synthetic data (seed {seed})")
    for country in COUNTRIES:
        t0 = time.perf_counter()
        synthetic_data.build(data_dir(paths, country), country=country, seed=seed)
        echo(f"      {country}: {time.perf_counter() - t0:.1f} s")

    step(2, f"Compiling {len(sources)} lab(s) into the nbgrader course {paths.course}")
    api = course.open_api(paths.course)
    compiled: list[tuple[Lab, Path]] = []
    for source in sources:
        t0 = time.perf_counter()
        try:
            lab = read_lab(source)
            notebook = course.write_source(paths.course, lab, data_dir(paths, lab.country))
            course.generate_versions(api, lab)
        except GraderError as exc:
            result.failures.append(str(exc))
            echo(f"      ✗ {source.stem}")
            continue
        compiled.append((lab, notebook))
        echo(f"      ✓ {lab.id} ({time.perf_counter() - t0:.1f} s)")

    step(3, "Gating labs: solution passes, student version scores 0, nothing leaks")
    gated: list[tuple[Lab, Path]] = []
    for lab, notebook in compiled:
        t0 = time.perf_counter()
        release = course.release_dir(paths.course, lab.id) / lab.notebook_name
        try:
            seconds = gates.run_gates(lab, notebook, release)
            gates.record_timing(paths.course, lab.id, seconds)
        except GraderError as exc:
            result.failures.append(str(exc))
            echo(f"      ✗ {lab.id}")
            continue
        gated.append((lab, release))
        echo(f"      ✓ {lab.id} ({time.perf_counter() - t0:.1f} s)")

    step(4, f"Packing student versions into {paths.zips}")
    packed = []
    for lab, release in gated:
        zip_path = bundle.pack_release(lab, release.parent, paths.release_zip(lab.id))
        packed.append((lab, release, zip_path))
        result.labs.append(lab.id)
        echo(f"      ✓ {zip_path.name}")
    _translate_labs(paths, gated, result, echo)

    if result.failures:
        raise GraderError(
            f"{len(result.failures)} lab(s) failed:\n\n" + "\n\n".join(result.failures),
            "fix the labs named above; the book was not built",
        )

    if with_book:
        step(5, f"Building the book in {', '.join(languages)} (strict: warnings are errors)")
        all_labs = packed if only is None else _previous_labs(paths, labs_dir, packed)
        will_print = with_pdf and book_pdf.find_chromium() is not None
        for language in languages:
            pdf = _build_edition(
                paths, all_labs, seed, language, languages, with_pdf, will_print, echo
            )
            result.editions[language] = editions.Edition(paths, language).html
            if pdf is not None:
                result.pdfs[language] = pdf
        result.html = result.editions.get(editions.SOURCE)
        result.pdf = result.pdfs.get(editions.SOURCE)
    if only is None and labs_dir == LABS:
        # Complete, from this checkout's labs: a later step (the tests) may reuse it.
        stamp.write(
            paths,
            seed=seed,
            labs=result.labs,
            # "book" and "pdf" speak of the English edition, which other steps reuse.
            book=with_book and editions.SOURCE in languages,
            pdf=result.pdf is not None,
            languages=list(languages) if with_book else [],
            pending_labs=result.pending_labs,
        )
    echo(f"Done in {time.perf_counter() - started:.0f} s.")
    return result


def _translate_labs(paths: BuildPaths, gated, result: BuildResult, echo) -> None:
    """Each lab's translated student versions: same cells and tests, gated and zipped too."""
    for language in lab_i18n.LAB_LANGUAGES:
        pending = result.pending_labs.setdefault(language, [])
        for lab, release in gated:
            t0 = time.perf_counter()
            source = course.source_dir(paths.course, lab.id) / lab.notebook_name
            try:
                done = translated.build_one(paths, lab, source, release, language, result.seed)
            except GraderError as exc:
                result.failures.append(str(exc))
                echo(f"      ✗ {language}/{lab.id}")
                continue
            if done.missing:
                pending.append(lab.id)
            note = f", {done.missing} message(s) untranslated" if done.missing else ""
            echo(
                f"      ✓ {language}/{done.zip_path.name} ({time.perf_counter() - t0:.1f} s{note})"
            )


def _build_edition(paths, labs, seed, language, languages, with_pdf, will_print, echo):
    """One language's book: staged, built strictly, and printed to its PDF when asked."""
    t0 = time.perf_counter()
    others = tuple(lang for lang in languages if lang != language)
    switch = (language, *others) if others else ()
    staging = book.stage(paths, labs, seed, pdf=will_print, language=language, switch_to=switch)
    html = book.build_html(paths, staging, seed, echo, language=language)
    echo(f"      ✓ {language}: {html / 'index.html'} ({time.perf_counter() - t0:.1f} s)")
    if with_pdf:
        t0 = time.perf_counter()
        pdf = book_pdf.build_pdf(paths, staging, seed, echo, language=language)
        if pdf is not None:
            size = pdf.stat().st_size / 1e6
            echo(f"      ✓ {language}: {pdf} ({size:.1f} MB, {time.perf_counter() - t0:.1f} s)")
        return pdf
    return None


def _previous_labs(paths: BuildPaths, labs_dir: Path, packed):
    """With ``--only``, the book still needs every lab: reuse the other labs' last build."""
    rebuilt = {lab.id for lab, _, _ in packed}
    labs = list(packed)
    for source in find_labs(labs_dir):
        if source.stem in rebuilt:
            continue
        lab = read_lab(source)
        release = course.release_dir(paths.course, lab.id) / lab.notebook_name
        zip_path = paths.release_zip(lab.id)
        if not release.exists() or not zip_path.exists():
            raise GraderError(
                f"{lab.id} has not been built yet, so the book cannot show it",
                "run `python -m grader build` once without --only",
            )
        labs.append((lab, release, zip_path))
    return labs


def translate(
    build_dir: Path = DEFAULT_BUILD,
    languages: tuple[str, ...] = ("es",),
    seed: int | None = None,
    echo: Callable[[str], None] = print,
) -> list[catalogues.PageStats]:
    """Update every language's catalogues from the English book (``python -m grader
    translate``); return the last language's per-page counts. Needs the labs of a build."""
    paths = BuildPaths(Path(build_dir).resolve())
    seed = synthetic_data.DEFAULT_SEED if seed is None else seed
    languages = tuple(lang for lang in editions.check_languages(languages) if lang != "en")
    labs = _previous_labs(paths, LABS, [])
    # pdf=True: the PDF's link is raw HTML, never a message, so the templates do not depend on
    # whether this computer can print.
    staging = book.stage(paths, labs, seed, pdf=True)
    # Its conf.py, which a build writes; a build that stopped early may not have.
    book.sphinx_config(staging, dict(os.environ, SYNTHETIC_DATA_SEED=str(seed)))
    pot_dir = catalogues.extract(paths, staging, seed)
    catalogues.add_alt_texts(pot_dir, staging)
    echo(catalogues.update(pot_dir, list(languages)).rstrip())
    rows: list[catalogues.PageStats] = []
    for language in languages:
        rows = catalogues.stats(language)
        echo(f"\n{language}:\n" + catalogues.report(rows, set(editions.pending_pages(language))))
    return rows
