"""The built book in a real browser: headless Chromium, offline, as a learner opens it.

The book is built once per session into a temporary folder (on top of the shared course build).
Skipped only when no Chromium-family browser is installed; CI installs Debian's ``chromium``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pypdf
import pytest
from playwright.sync_api import sync_playwright

from grader import book, book_pdf, pipeline
from grader.paths import DEFAULT_BUILD, LABS

BROWSER = book_pdf.find_chromium()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        BROWSER is None,
        reason="no Chromium, Chrome or Edge installed (Debian: apt-get install chromium)",
    ),
]

# A lesson, a lab, the generated data appendix and the pages this part of the book adds.
PAGES = [
    "intro.html",
    "start-here.html",
    "lessons/01-why-private-data.html",
    "labs/lab01-meet-the-data.html",
    "glossary.html",
    "appendix/data/index.html",
    "appendix/data/mno_cdr.html",
    "trainer/rubrics.html",
]
# Network references in the HTML that would load something (not plain links to sources).
LOADS_FROM_NETWORK = re.compile(
    r"<(?:script|img|iframe|source)\b[^>]*\bsrc=[\"']((?:https?:)?//[^\"']+)"
    r"|<link\b[^>]*\bhref=[\"']((?:https?:)?//[^\"']+)[^>]*>"
    r"|@import\s+url\([\"']?((?:https?:)?//[^)\"']+)",
    re.IGNORECASE,
)


@pytest.fixture(scope="session")
def html(built) -> Path:
    """The book built from this checkout, with its PDF, in the session's build folder."""
    paths = built.paths
    # Lessons already executed by the main build for the same seed and generator code need
    # not run again: the cache is keyed by both (and by each notebook's code).
    executed = DEFAULT_BUILD / "jupyter_cache"
    if executed.is_dir():
        shutil.copytree(executed, paths.root / "jupyter_cache", dirs_exist_ok=True)
    labs = pipeline._previous_labs(paths, LABS, [])
    staging = book.stage(paths, labs, built.seed)
    book.build_html(paths, staging, built.seed, lambda _: None)
    book_pdf.build_pdf(paths, staging, built.seed, lambda _: None)
    return paths.html


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=BROWSER,
            args=[f for f in book_pdf.CHROMIUM_FLAGS if f != "--headless"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A page that records console errors, failed loads and every attempt to use the network."""
    context = browser.new_context()
    page = context.new_page()
    page.problems = []  # type: ignore[attr-defined]
    page.network = []  # type: ignore[attr-defined]

    def no_network(route):
        page.network.append(route.request.url)
        route.abort()

    context.route(re.compile(r"^(https?|wss?)://"), no_network)
    page.on(
        "console",
        lambda m: m.type == "error" and page.problems.append(f"console: {m.text}"),
    )
    page.on("pageerror", lambda e: page.problems.append(f"script error: {e}"))
    page.on(
        "requestfailed",
        lambda r: page.problems.append(f"failed to load {r.url}: {r.failure}"),
    )
    yield page
    context.close()


def _open(page, html: Path, name: str) -> None:
    page.goto((html / name).as_uri(), wait_until="load")


@pytest.mark.parametrize("name", PAGES)
def test_page_opens_cleanly(html, page, name):
    assert (html / name).exists(), f"the build did not write {name}"
    _open(page, html, name)
    broken = page.evaluate(
        "Array.from(document.images)"
        ".filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"
    )
    assert broken == [], f"{name}: images that did not load: {broken}"
    assert page.network == [], f"{name}: tried to use the network: {page.network}"
    assert page.problems == [], f"{name}: " + "\n".join(page.problems)


def test_every_image_has_alt_text(html, page):
    for name in ("lessons/01-why-private-data.html", "appendix/data/index.html"):
        _open(page, html, name)
        missing = page.evaluate(
            "Array.from(document.querySelectorAll('article img'))"
            ".filter(i => !(i.getAttribute('alt') || '').trim()).map(i => i.src)"
        )
        assert missing == [], f"{name}: images without alt text: {missing}"
    maps = page.locator("article img[src*='map-']")
    assert maps.count() == 2, "the data appendix should show one map per reference country"


def test_search_finds_a_glossary_term(html, page):
    page.goto((html / "search.html").as_uri() + "?q=pseudonymisation", wait_until="load")
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=20_000)
    hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
    assert any("glossary" in h for h in hrefs), f"the glossary is not among the results: {hrefs}"
    assert page.problems == []


def test_no_page_loads_anything_from_the_network(html):
    # Learners read offline: a CDN script, font or MathJax would silently break a page.
    found = {}
    for path in html.rglob("*"):
        if path.suffix not in {".html", ".css"} or "_sources" in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        urls = [next(u for u in m.groups() if u) for m in LOADS_FROM_NETWORK.finditer(text)]
        if urls:
            found[str(path.relative_to(html))] = sorted(set(urls))
    assert found == {}, f"pages that load from the network: {found}"


def test_start_page_links_to_the_pdf(html, page):
    _open(page, html, "start-here.html")
    link = page.locator(f"a[href$='{book_pdf.PDF_NAME}']")
    assert link.count() >= 1, "start-here should link to the offline PDF"
    target = html / link.first.get_attribute("href")
    assert target.exists(), f"the PDF link points to a missing file: {target}"


def _outline_titles(reader: pypdf.PdfReader) -> list[str]:
    titles = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(re.sub(r"\s+", " ", item.title))

    walk(reader.outline)
    return titles


def test_pdf_holds_the_whole_book_in_order(html):
    reader = pypdf.PdfReader(html / book_pdf.PDF_NAME)
    bookmarks = _outline_titles(reader)
    # Page titles in table-of-contents order: start page, a lesson, a lab, appendix, trainer guide.
    titles = [
        "Start here",
        "Why privately held data for public good",
        "Lab 1",
        "Glossary",
        "Data cards",
        "Call detail records",
        "Trainer guide",
        "Rubrics for written answers",
        "Facilitation notes",
    ]
    positions = [next((i for i, b in enumerate(bookmarks) if t in b), -1) for t in titles]
    missing = [t for t, p in zip(titles, positions, strict=True) if p < 0]
    assert missing == [], f"the PDF has no bookmark for: {missing}"
    assert positions == sorted(positions), f"the PDF is not in book order: {bookmarks}"
    assert len(reader.pages) > 20, f"the PDF has only {len(reader.pages)} pages"
