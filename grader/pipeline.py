"""The main job, ``python -m grader build``: data, labs, gates, zips, book."""

from __future__ import annotations

import difflib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import synthetic_data

from .book import html as book
from .book import pdf as book_pdf
from .build import bundle, course, environment, gates, stamp
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
    failures: list[str] = field(default_factory=list)
    html: Path | None = None
    pdf: Path | None = None


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
) -> BuildResult:
    """Build everything; raise ``GraderError`` naming what failed and what to do."""
    paths = BuildPaths(Path(build_dir).resolve())
    seed = synthetic_data.DEFAULT_SEED if seed is None else seed
    result = BuildResult(paths=paths, seed=seed)
    environment.prepare(paths.root)
    sources = select_labs(labs_dir, only)
    paths.root.mkdir(parents=True, exist_ok=True)
    stamp.clear(paths)
    steps = 4 + int(with_book) + int(with_book and with_pdf)
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

    if result.failures:
        raise GraderError(
            f"{len(result.failures)} lab(s) failed:\n\n" + "\n\n".join(result.failures),
            "fix the labs named above; the book was not built",
        )

    if with_book:
        step(5, "Building the book (strict: warnings are errors)")
        t0 = time.perf_counter()
        all_labs = packed if only is None else _previous_labs(paths, labs_dir, packed)
        will_print = with_pdf and book_pdf.find_chromium() is not None
        staging = book.stage(paths, all_labs, seed, pdf=will_print)
        result.html = book.build_html(paths, staging, seed, echo)
        echo(f"      ✓ {result.html / 'index.html'} ({time.perf_counter() - t0:.1f} s)")
        if with_pdf:
            step(6, "Printing the whole book to one PDF for offline reading")
            t0 = time.perf_counter()
            result.pdf = pdf = book_pdf.build_pdf(paths, staging, seed, echo)
            if pdf is not None:
                size = pdf.stat().st_size / 1e6
                echo(f"      ✓ {pdf} ({size:.1f} MB, {time.perf_counter() - t0:.1f} s)")
    if only is None and labs_dir == LABS:
        # Complete, from this checkout's labs: a later step (the tests) may reuse it.
        stamp.write(paths, seed=seed, labs=result.labs, book=with_book, pdf=result.pdf is not None)
    echo(f"Done in {time.perf_counter() - started:.0f} s.")
    return result


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
