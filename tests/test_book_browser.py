"""The built book in a real browser: headless Chromium, offline, as a learner opens it.

The book is built once per session into a temporary folder (on top of the shared course build).
Skipped only when no Chromium-family browser is installed; CI installs Debian's ``chromium``.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import axe_playwright_python
import pypdf
import pytest
from conftest import main_build
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from grader import pipeline
from grader.book import html as book
from grader.book import pdf as book_pdf
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
# The same pages in the Spanish edition (built beside the English one by the main job).
PAGES += [f"es/{name}" for name in PAGES]
# Network references in the HTML that would load something (not plain links to sources).
LOADS_FROM_NETWORK = re.compile(
    r"<(?:script|img|iframe|source)\b[^>]*\bsrc=[\"']((?:https?:)?//[^\"']+)"
    r"|<link\b[^>]*\bhref=[\"']((?:https?:)?//[^\"']+)[^>]*>"
    r"|@import\s+url\([\"']?((?:https?:)?//[^)\"']+)",
    re.IGNORECASE,
)


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# axe-core, from the Python package that carries it (installed by requirements.txt: no network).
AXE = Path(axe_playwright_python.__file__).with_name("axe.min.js")
# axe's default rules, plus its experimental ones (label-content-name-mismatch is one).
AXE_RUN = """async () => {
  const experimental = axe.getRules(['experimental']).map(r => r.ruleId);
  const rules = Object.fromEntries(experimental.map(id => [id, {enabled: true}]));
  const result = await axe.run(document, {rules, resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact,
                                      targets: v.nodes.slice(0, 3).map(n => n.target)}));
}"""
A4_POINTS = (595.3, 841.9)


@pytest.fixture(scope="session")
def html(built) -> Path:
    """The book built from this checkout, with its PDF: the main job's when it is current (the
    book is not built twice), else built here into the session's build folder."""
    record = main_build()
    if record is not None and record["book"] and record["pdf"]:
        return DEFAULT_BUILD / "html"
    paths = built.paths
    # Lessons already executed by the main build for the same seed and generator code need
    # not run again: the cache is keyed by both (and by each notebook's code).
    executed = DEFAULT_BUILD / "jupyter_cache"
    if executed.is_dir():
        shutil.copytree(executed, paths.root / "jupyter_cache", dirs_exist_ok=True)
    labs = pipeline._previous_labs(paths, LABS, [])
    staging = book.stage(paths, labs, built.seed, pdf=True)
    book.build_html(paths, staging, built.seed, lambda _: None)
    book_pdf.build_pdf(paths, staging, built.seed, lambda _: None)
    return paths.html


# Module scope: Playwright's sync API runs one instance per thread at a time, and later test
# modules (the hub's) start their own.
@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=BROWSER,
            args=[f for f in book_pdf.CHROMIUM_FLAGS if f != "--headless"],
        )
        yield chromium
        chromium.close()


def every_page(html: Path) -> list[str]:
    """Every page of the book a reader can open (not the redirect, assets or sources)."""
    pages = []
    for path in sorted(html.rglob("*.html")):
        rel = path.relative_to(html)
        # Also inside the Spanish edition's folder (es/_static/...).
        if {"_static", "_sources", "reports"} & set(rel.parts):
            continue
        if 'http-equiv="refresh"' in path.read_text(encoding="utf-8", errors="replace").lower():
            continue
        pages.append(rel.as_posix())
    return pages


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


def _edition(html: Path, name: str) -> None:
    if name.startswith("es/") and not (html / "es").is_dir():
        pytest.skip("this build has no Spanish edition (python -m grader build makes both)")


@pytest.mark.parametrize("name", PAGES)
def test_page_opens_cleanly(html, page, name):
    _edition(html, name)
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


@pytest.mark.parametrize(
    "search", ["search.html?q=pseudonymisation", "es/search.html?q=seudonimización"]
)
def test_search_finds_a_glossary_term(html, page, search):
    _edition(html, search)
    name, query = search.split("?")
    page.goto((html / name).as_uri() + "?" + query, wait_until="load")
    # Sphinx shows results one by one as it goes: wait for the glossary's, not for the first.
    glossary = page.locator('#search-results ul.search li a[href*="glossary"]')
    try:
        glossary.first.wait_for(timeout=30_000)
    except PlaywrightTimeout:
        results = page.locator("#search-results ul.search li a")
        hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
        pytest.fail(f"the glossary is not among the results: {hrefs}")
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


def test_no_page_scrolls_sideways_on_a_phone(html, browser):
    context = browser.new_context(viewport=PHONE)
    context.route(re.compile(r"^(https?|wss?)://"), lambda route: route.abort())
    page = context.new_page()
    too_wide = {}
    pages = every_page(html)
    for name in pages:
        _open(page, html, name)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[name] = width
    context.close()
    assert len(pages) > 30
    assert too_wide == {}, f"pages wider than a {PHONE['width']} px phone: {too_wide}"


def test_a_multi_panel_figure_stays_readable_on_a_phone(html, browser):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    _open(page, html, "lessons/07-bias.html")
    page.wait_for_function("document.querySelectorAll('img.wide-figure').length > 0")
    sizes = page.evaluate(
        "Array.from(document.querySelectorAll('img.wide-figure'))"
        ".map(i => [i.naturalWidth, i.getBoundingClientRect().width])"
    )
    hint = page.locator(".wide-figure-hint").first
    assert hint.is_visible()
    context.close()
    # Shown at two thirds of its size or more (in a box that scrolls sideways), not shrunk to a
    # third of it to fit the screen.
    assert sizes
    assert all(shown >= min(natural, 600) for natural, shown in sizes), sizes


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_axe_finds_nothing_serious_on_any_page(html, browser, viewport):
    context = browser.new_context(viewport=viewport)
    context.route(re.compile(r"^(https?|wss?)://"), lambda route: route.abort())
    page = context.new_page()
    axe = AXE.read_text(encoding="utf-8")
    found = {}
    for name in every_page(html):
        _open(page, html, name)
        page.evaluate(axe)
        serious = [v for v in page.evaluate(AXE_RUN) if v["impact"] in ("serious", "critical")]
        if serious:
            found[name] = serious
    context.close()
    assert found == {}, f"axe-core's serious or critical violations: {found}"


@pytest.mark.parametrize("edition", ["", "es/"], ids=["en", "es"])
def test_a_lab_page_offers_one_download_the_zip(html, page, edition):
    _edition(html, edition)
    labs = sorted((html / edition / "labs").glob("lab*.html"))
    assert len(labs) == len(list(LABS.glob("lab*/lab*.md")))
    for lab in labs:
        _open(page, html, f"{edition}labs/{lab.name}")
        links = page.evaluate(
            'Array.from(document.querySelectorAll(\'a[download], a[href$=".ipynb"], '
            'a[href$=".zip"], a[href$=".pdf"], .dropdown-download-buttons\'))'
            ".map(a => a.getAttribute('href') || a.className)"
        )
        assert len(links) == 1, f"{lab.name}: downloads offered: {links}"
        assert links[0].endswith(f"{lab.stem}.zip"), links
        # The edition's own student version: the Spanish zip speaks Spanish (lab_text.json).
        with zipfile.ZipFile(lab.parent / links[0]) as archive:
            names = archive.namelist()
            text = archive.read(f"{lab.stem}/lab_text.json") if edition else b""
        assert (f"{lab.stem}/lab_text.json" in names) == bool(edition), lab.name
        assert not edition or json.loads(text)["language"] == "es"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_one_search_box(html, browser, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    _open(page, html, "lessons/01-why-private-data.html")
    visible = page.locator(".search-button__button:visible, .bd-search:visible").count()
    context.close()
    assert visible == 1, f"{visible} search boxes or buttons are visible"


def test_print_layout_wraps_code_and_keeps_code_cells_whole(html, browser):
    context = browser.new_context(viewport={"width": 700, "height": 1000})
    page = context.new_page()
    _open(page, html, "labs/lab01-meet-the-data.html")
    page.emulate_media(media="print")
    overflowing = page.evaluate(
        "Array.from(document.querySelectorAll('article pre'))"
        ".filter(p => p.scrollWidth > p.clientWidth + 1).length"
    )
    breaks = page.evaluate(
        "Array.from(document.querySelectorAll('article div.highlight'))"
        ".map(d => getComputedStyle(d).breakInside)"
    )
    context.close()
    assert overflowing == 0, "code runs off the printed page instead of wrapping"
    # A code block that may not break moves whole to the next page and leaves an empty box.
    assert breaks
    assert set(breaks) == {"auto"}, set(breaks)


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
    # Each title is looked for after the one before it: names recur (the contents page lists
    # the parts, every data card has a "Botswana"), so the first match anywhere proves nothing.
    found, start = [], 0
    for title in titles:
        at = next((i for i in range(start, len(bookmarks)) if title in bookmarks[i]), None)
        assert at is not None, (
            f"the PDF has no bookmark for {title!r} after {found[-1:]}: it is missing or out of "
            f"book order: {bookmarks}"
        )
        found.append(title)
        start = at + 1
    assert len(reader.pages) > 20, f"the PDF has only {len(reader.pages)} pages"
    # Bookmarks read as the headings do: no words glued at a line break, no line twice.
    glued = [b for b in bookmarks if re.search(r"publicgood|toclosure|(.{12,})\1", b)]
    assert glued == [], glued


def test_pdf_is_a4(html):
    reader = pypdf.PdfReader(html / book_pdf.PDF_NAME)
    sizes = {
        (round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages
    }
    assert sizes == {tuple(round(x) for x in A4_POINTS)}, f"page sizes: {sizes}"
