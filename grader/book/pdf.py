"""The whole book as one PDF for offline reading, printed by a headless Chromium.

Sphinx's ``singlehtml`` builder writes the book as one page in table-of-contents order, reusing
the HTML build's parsed pages and execution cache; Chromium prints that page to PDF. Everything
is local (``file://``, host lookups disabled). Without Chromium the build goes on and says how
to get the PDF: a trainer's laptop need not have a browser that can print headlessly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..errors import GraderError
from ..paths import BuildPaths
from .editions import SOURCE, Edition, pdf_name
from .pdf_outline import fix_outline

PDF_NAME = pdf_name(SOURCE)
# Looked up on PATH first; the fixed paths are the usual Chrome/Edge installs on macOS and Windows.
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
KNOWN_PATHS = (
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
    r"C:\Program Files\Microsoft\Edge\Application\msedge.exe",
)
# Offline and quiet: no sandbox (root in containers), no GPU, no updates, no name lookups.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--no-pdf-header-footer",
)
PRINT_TIMEOUT_S = 180

HOW_TO_GET_IT = (
    "install Chromium (Debian/Ubuntu: `sudo apt-get install chromium`; elsewhere Google Chrome "
    "or Microsoft Edge also work), or set CHROMIUM=/path/to/browser, then build again"
)


def find_chromium() -> str | None:
    """The browser to print with: $CHROMIUM if set, else a Chromium-family browser we know."""
    chosen = os.environ.get("CHROMIUM")
    if chosen:
        return chosen if Path(chosen).exists() or shutil.which(chosen) else None
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return next((p for p in KNOWN_PATHS if Path(p).exists()), None)


def _single_page(edition: Edition, staging: Path, env: dict[str, str]) -> Path:
    """Build the whole book as one HTML page (reusing the edition's parsed pages); return it."""
    out = edition.single_page_out
    log_file = edition.paths.logs / f"book-pdf{edition.log_suffix}.log"
    cmd = [
        sys.executable, "-m", "sphinx", "-b", "singlehtml", "-q",
        "-d", str(edition.doctrees), str(staging), str(out),
    ]  # fmt: skip
    with log_file.open("w", encoding="utf-8") as log:
        run = subprocess.run(cmd, check=False, stdout=log, stderr=subprocess.STDOUT, env=env)
    if run.returncode != 0:
        raise GraderError(
            "the one-page version of the book (for the PDF) did not build",
            f"see {log_file}; build with --no-pdf to skip the PDF meanwhile",
        )
    # singlehtml names its page after the book's root document (intro), not index.
    return out / "intro.html"


def print_pdf(browser: str, page: Path, target: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        cmd = [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            # Headings become PDF bookmarks: a reader can jump to any lesson or lab.
            "--generate-pdf-document-outline",
            f"--print-to-pdf={target}",
            page.resolve().as_uri(),
        ]
        try:
            run = subprocess.run(
                cmd, check=False, capture_output=True, text=True, timeout=PRINT_TIMEOUT_S
            )
        except subprocess.TimeoutExpired as exc:
            raise GraderError(
                f"{browser} took more than {PRINT_TIMEOUT_S} s to print the book",
                "build with --no-pdf to skip the PDF, and report this with your browser's version",
            ) from exc
    if run.returncode != 0 or not target.exists() or target.stat().st_size == 0:
        raise GraderError(
            f"{browser} could not print the book to PDF (exit code {run.returncode}):\n"
            + (run.stderr or run.stdout)[-1500:],
            "build with --no-pdf to skip the PDF; check that the browser starts on its own",
        )


def build_pdf(
    paths: BuildPaths,
    staging: Path,
    seed: int,
    log: Callable[[str], None],
    language: str = SOURCE,
) -> Path | None:
    """Print the built book to its edition's HTML folder (``html/<PDF_NAME>`` for English,
    ``html/es/unlocking-private-data-es.pdf`` for Spanish); return it, or None without a
    browser."""
    edition = Edition(paths, language)
    target = edition.html / edition.pdf_name
    target.unlink(missing_ok=True)  # never leave last build's PDF next to a newer book
    browser = find_chromium()
    if browser is None:
        log(
            "      notice: the offline PDF of the book was skipped: no Chromium, Chrome or Edge "
            f"found. To get it, {HOW_TO_GET_IT}."
        )
        return None
    env = dict(
        os.environ,
        SYNTHETIC_DATA_SEED=str(seed),
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        BOOK_LANGUAGE=language,  # the lessons' figures in the edition's language (html.py)
    )
    page = _single_page(edition, staging, env)
    print_pdf(browser, page, target)
    fix_outline(target, page)
    return target
