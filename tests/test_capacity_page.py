"""The offline self-assessment page and the catalogue page, in a real browser.

The page saves exactly what ``python -m grader capacity report`` reads: answers given in the
browser are saved to a file, read back by the Python reader, and scored the same way. The two
book pages are built by Sphinx with the capacity extension, in a small project of their own,
and opened offline. Skipped only when no Chromium-family browser is installed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from grader.book import pdf as book_pdf
from grader.capacity import load_catalogue, load_instrument, read_response
from grader.capacity.page import standalone_html
from grader.capacity.scoring import largest_gaps, levels
from grader.capacity.sphinx_pages import STATIC

BROWSER = book_pdf.find_chromium()
pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="no Chromium, Chrome or Edge installed (Debian: apt-get install chromium)",
)
INSTRUMENT = load_instrument()
CATALOGUE = load_catalogue(INSTRUMENT)


def _in_browser(check) -> None:
    """Run ``check(page)`` in headless Chromium, on a thread of its own.

    Playwright's sync API allows one instance per thread, and the book's browser test keeps
    one open on the main thread for the whole session; a thread of our own avoids the clash.
    The page records script errors (``page.problems``) and every attempt to use the network
    (``page.network``, blocked).
    """
    outcome: dict = {}

    def work() -> None:
        try:
            with sync_playwright() as p:
                chromium = p.chromium.launch(
                    executable_path=BROWSER,
                    args=[f for f in book_pdf.CHROMIUM_FLAGS if f != "--headless"],
                )
                context = chromium.new_context(accept_downloads=True)
                page = context.new_page()
                page.problems = []  # type: ignore[attr-defined]
                page.network = []  # type: ignore[attr-defined]

                def no_network(route):
                    page.network.append(route.request.url)
                    route.abort()

                context.route(re.compile(r"^(https?|wss?)://"), no_network)
                page.on("pageerror", lambda e: page.problems.append(f"script error: {e}"))
                page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
                try:
                    check(page)
                finally:
                    context.close()
                    chromium.close()
        except BaseException as exc:  # noqa: BLE001 - re-raised on the test's own thread
            outcome["error"] = exc

    thread = threading.Thread(target=work, name="capacity-page-browser")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]


@pytest.fixture(scope="module")
def form_page(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("form") / "self-assessment.html"
    path.write_text(standalone_html(INSTRUMENT, CATALOGUE, STATIC), encoding="utf-8")
    return path


def _answer(page, chosen: dict) -> None:
    for sid, level in chosen.items():
        page.click(f'label[for="{sid}-{"skip" if level is None else level}"]')


def _chosen() -> dict:
    """A varied set of answers: a pattern over the levels, two left unanswered, one 'not sure'."""
    ids = INSTRUMENT.statement_ids()
    chosen = {sid: (i * 7) % 4 for i, sid in enumerate(ids)}
    chosen[ids[3]] = None
    del chosen[ids[5]], chosen[ids[11]]
    return chosen


def test_what_the_page_saves_is_what_the_report_reads(form_page, tmp_path):
    _in_browser(lambda page: _saves_what_the_report_reads(page, form_page, tmp_path))


def _saves_what_the_report_reads(page, form_page, tmp_path):
    page.goto(form_page.as_uri(), wait_until="load")
    chosen = _chosen()
    _answer(page, chosen)
    page.select_option("#cap-round", "after")
    page.select_option("#cap-country", "botswana")
    page.fill("#cap-label", "team 7")
    with page.expect_download() as download:
        page.click("#cap-save")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("capacity-self-assessment-after-")

    response = read_response(saved, INSTRUMENT)
    expected = {sid: chosen.get(sid) for sid in INSTRUMENT.statement_ids()}
    assert response.answers == expected
    assert (response.round, response.country, response.label) == ("after", "botswana", "team 7")
    raw = json.loads(saved.read_text(encoding="utf-8"))
    assert raw["instrument_version"] == INSTRUMENT.version

    # The page's results agree with the Python scoring.
    page.click("#cap-score")
    shown = page.locator("#cap-results ol.capacity-gaps > li").evaluate_all(
        "items => items.map(i => i.dataset.step)"
    )
    by_step = levels(response.answers, INSTRUMENT, "step")
    assert shown == [area for area, _ in largest_gaps(by_step, INSTRUMENT)]
    worst_role = largest_gaps(levels(response.answers, INSTRUMENT, "role"), INSTRUMENT, 1)
    assert page.get_attribute(".capacity-role-gap", "data-role") == worst_role[0][0]
    assert page.locator("#cap-results svg.capacity-chart").count() == 2
    first = page.locator("#cap-results ol.capacity-gaps > li").first
    assert first.locator("a[href*='lessons/']").count() >= 1
    assert first.locator("ul.capacity-resources a").count() >= 1
    assert page.network == []
    assert page.problems == []


def test_a_saved_file_loads_back_and_a_foreign_one_is_refused(form_page, tmp_path):
    _in_browser(lambda page: _loads_back(page, form_page, tmp_path))


def _loads_back(page, form_page, tmp_path):
    page.goto(form_page.as_uri(), wait_until="load")
    answers = dict.fromkeys(INSTRUMENT.statement_ids(), 1)
    answers["agreement-01"] = 3
    good = tmp_path / "before.json"
    good.write_text(
        json.dumps(
            {
                "instrument": INSTRUMENT.id,
                "instrument_version": INSTRUMENT.version,
                "respondent": {"kind": "person", "label": "x", "country": "uruguay"},
                "round": "before",
                "answers": answers,
            }
        ),
        encoding="utf-8",
    )
    page.set_input_files("#cap-load", str(good))
    page.wait_for_function("document.getElementById('cap-status').textContent.includes('Loaded')")
    assert page.is_checked("#agreement-01-3")
    assert page.is_checked("#need-01-1")
    assert page.input_value("#cap-round") == "before"
    assert page.is_visible("#cap-results")

    foreign = tmp_path / "quiz.json"
    foreign.write_text(json.dumps({"instrument": "quiz", "answers": {}}), encoding="utf-8")
    page.set_input_files("#cap-load", str(foreign))
    page.wait_for_function(
        "document.getElementById('cap-status').textContent.includes('another tool')"
    )
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    page.set_input_files("#cap-load", str(broken))
    page.wait_for_function(
        "document.getElementById('cap-status').textContent.includes('not a file')"
    )
    assert page.is_checked("#agreement-01-3"), "a refused file must not change the answers"
    assert page.network == []
    assert page.problems == []


def test_the_form_is_usable_from_the_keyboard(form_page):
    _in_browser(lambda page: _keyboard(page, form_page))


def _keyboard(page, form_page):
    page.goto(form_page.as_uri(), wait_until="load")
    page.focus("#need-01-0")
    page.keyboard.press("ArrowDown")  # radio groups move with the arrow keys
    assert page.is_checked("#need-01-1")
    page.focus("#cap-score")
    page.keyboard.press("Enter")
    assert page.is_visible("#cap-results")
    assert page.problems == []


# --- The book pages, built by Sphinx with the extension ---------------------------------------------


@pytest.fixture(scope="module")
def built_pages(tmp_path_factory) -> Path:
    """The two capacity pages in a small Sphinx project (the book's own build is much longer)."""
    return _build_pages(tmp_path_factory.mktemp("sphinx"), "en")


@pytest.fixture(scope="module")
def built_pages_es(tmp_path_factory) -> Path:
    """The same pages as the Spanish edition builds them (``language = "es"``)."""
    return _build_pages(tmp_path_factory.mktemp("sphinx-es"), "es")


def _build_pages(root: Path, language: str) -> Path:
    source = root / "src"
    (source / "capacity").mkdir(parents=True)
    (source / "conf.py").write_text(
        'extensions = ["myst_parser", "grader.capacity.sphinx_pages"]\n'
        f'html_theme = "basic"\nexclude_patterns = ["_build"]\nlanguage = "{language}"\n',
        encoding="utf-8",
    )
    (source / "index.md").write_text(
        "# Index\n\n```{toctree}\ncapacity/self-assessment\ncapacity/resources\nplain\n```\n",
        encoding="utf-8",
    )
    (source / "plain.md").write_text("# A page without the form\n\nText.\n", encoding="utf-8")
    (source / "capacity" / "self-assessment.md").write_text(
        "# Self-assessment\n\n```{capacity-assessment}\n```\n", encoding="utf-8"
    )
    (source / "capacity" / "resources.md").write_text(
        "# Resources\n\n```{capacity-catalogue}\n```\n", encoding="utf-8"
    )
    out = root / "html"
    run = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-W", "-q", str(source), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return out


def test_the_script_and_style_are_added_to_the_capacity_pages_only(built_pages):
    for name in ("capacity/self-assessment.html", "capacity/resources.html"):
        text = (built_pages / name).read_text(encoding="utf-8")
        assert "capacity.js" in text, name
        assert "capacity.css" in text, name
    plain = (built_pages / "plain.html").read_text(encoding="utf-8")
    assert "capacity.js" not in plain
    assert (built_pages / "_static" / "capacity.js").exists()


def test_the_catalogue_page_lists_every_resource_and_filters_offline(built_pages):
    _in_browser(lambda page: _catalogue_filters(page, built_pages))


def _catalogue_filters(page, built_pages):
    page.goto((built_pages / "capacity" / "resources.html").as_uri(), wait_until="load")
    rows = page.locator("table.capacity-catalogue tbody tr")
    assert rows.count() == len(CATALOGUE.resources)
    visible = "table.capacity-catalogue tbody tr:not(.capacity-hidden)"
    page.select_option("#cap-filter-lang", "es")
    spanish = [r for r in CATALOGUE.resources if "es" in r["languages"]]
    assert page.locator(visible).count() == len(spanish)
    page.select_option("#cap-filter-lang", "")
    page.fill("#cap-search", "sdcMicro")
    assert page.locator(visible).count() >= 1
    assert page.locator(visible).count() < len(CATALOGUE.resources)
    assert "Showing" in page.text_content("#cap-count")
    assert page.network == []
    assert page.problems == []


def test_the_built_form_page_saves_from_the_book(built_pages, tmp_path):
    _in_browser(lambda page: _built_page_saves(page, built_pages, tmp_path))


def _built_page_saves(page, built_pages, tmp_path):
    page.goto((built_pages / "capacity" / "self-assessment.html").as_uri(), wait_until="load")
    page.click('label[for="need-01-2"]')
    with page.expect_download() as download:
        page.click("#cap-save")
    saved = tmp_path / "saved.json"
    download.value.save_as(saved)
    assert read_response(saved, INSTRUMENT).answers["need-01"] == 2
    assert page.network == []
    assert page.problems == []


# --- The Spanish edition ----------------------------------------------------------------------------


def test_the_spanish_form_saves_what_the_english_report_and_form_read(tmp_path):
    spanish = tmp_path / "es.html"
    spanish.write_text(standalone_html(INSTRUMENT, CATALOGUE, STATIC, "es"), encoding="utf-8")
    english = tmp_path / "en.html"
    english.write_text(standalone_html(INSTRUMENT, CATALOGUE, STATIC), encoding="utf-8")
    _in_browser(lambda page: _spanish_round_trip(page, spanish, english, tmp_path))


def _spanish_round_trip(page, spanish, english, tmp_path):
    page.goto(spanish.as_uri(), wait_until="load")
    chosen = _chosen()
    _answer(page, chosen)
    page.select_option("#cap-country", "uruguay")
    page.click("#cap-score")
    results = page.text_content("#cap-results")
    assert "Sus tres mayores carencias" in results
    for english_words in ("Your three largest gaps", "not answered", "In this course", "Step "):
        assert english_words not in results
    with page.expect_download() as download:
        page.click("#cap-save")
    assert "No se envió nada" in page.text_content("#cap-status")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    # The trainer's (English) reader scores it exactly as given.
    response = read_response(saved, INSTRUMENT)
    assert response.answers == {sid: chosen.get(sid) for sid in INSTRUMENT.statement_ids()}
    # And the English form loads it back.
    page.goto(english.as_uri(), wait_until="load")
    page.set_input_files("#cap-load", str(saved))
    page.wait_for_function("document.getElementById('cap-status').textContent.includes('Loaded')")
    assert page.input_value("#cap-country") == "uruguay"
    assert page.network == []
    assert page.problems == []


def test_the_spanish_catalogue_page_is_in_spanish_and_filters(built_pages_es):
    _in_browser(lambda page: _spanish_catalogue(page, built_pages_es))


def _spanish_catalogue(page, built_pages_es):
    page.goto((built_pages_es / "capacity" / "resources.html").as_uri(), wait_until="load")
    head = page.text_content("table.capacity-catalogue thead")
    assert "Recurso" in head
    assert "Resource" not in head
    assert "Se muestran los" in page.text_content("#cap-count")
    page.select_option("#cap-filter-lang", "es")
    assert page.text_content("#cap-count").startswith("Se muestran ")
    assert "español" in page.text_content("#cap-filter-lang")
    table = page.text_content("table.capacity-catalogue")
    assert CATALOGUE.resources[0]["title"] in table  # titles stay in their own language
    assert CATALOGUE.resources[0]["about"] not in table
    assert page.network == []
    assert page.problems == []
