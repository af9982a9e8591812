"""The Spanish edition: every page exists, translated pages are wholly Spanish, catalogues are
complete and keep the source's markup, numbers and the terminology table's terms.

Pages still being translated are listed in ``i18n/es-pending.txt``: they are built (in English,
with a note) and skipped by the completeness and language checks.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import main_build
from langdetect import DetectorFactory, detect_langs

from grader import pipeline
from grader.book import catalogues, data_appendix, editions
from grader.book import html as book
from grader.build.labsource import find_labs
from grader.paths import DEFAULT_BUILD, LABS, ROOT

LANGUAGE = "es"
PENDING = set(editions.pending_pages(LANGUAGE))
# Sphinx's own catalogue: the strings of the book's templates (book/_templates).
TEMPLATES = "sphinx"
TERMS = yaml.safe_load((ROOT / "i18n" / "terminology.yml").read_text(encoding="utf-8"))["terms"]
# Folders of the HTML that are not pages a reader opens.
NOT_PAGES = {"_static", "_sources", "_images", "_downloads", "reports", LANGUAGE}
# Pages Sphinx writes itself (index, search), not from a catalogue.
GENERATED = {"genindex", "search", "index"}
SHORT = 60
# Pages the build writes in Spanish itself (editions.NATIVE): no catalogue, the same checks.
NATIVE_PAGES = sorted([f"labs/{p.stem}" for p in find_labs(LABS)] + data_appendix.docnames())

DetectorFactory.seed = 0  # langdetect samples at random: the same verdict on every run


@pytest.fixture(scope="session")
def html(built, tmp_path_factory) -> Path:
    """The book's HTML (both editions): the main job's when it is a complete build of this
    checkout with the Spanish edition, else the Spanish edition built here, once, reusing the
    main build's execution cache (lessons are not executed again)."""
    record = main_build()
    if record is not None and LANGUAGE in record.get("languages", []):
        return DEFAULT_BUILD / "html"
    paths = built.paths
    executed = DEFAULT_BUILD / "jupyter_cache"
    if executed.is_dir():
        shutil.copytree(executed, paths.root / "jupyter_cache", dirs_exist_ok=True)
    labs = pipeline._previous_labs(paths, LABS, [])
    for language in editions.LANGUAGES:
        staging = book.stage(
            paths, labs, built.seed, pdf=False, language=language, switch_to=editions.LANGUAGES
        )
        book.build_html(paths, staging, built.seed, lambda _: None, language=language)
    return paths.html


def _pages(root: Path) -> set[str]:
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*.html")
        if p.relative_to(root).parts[0] not in NOT_PAGES
    }


def test_every_english_page_has_a_spanish_page(html):
    english = _pages(html)
    spanish = {p for p in (html / LANGUAGE).rglob("*.html")}
    missing = sorted(p for p in english if not (html / LANGUAGE / p).exists())
    assert len(english) > 30
    assert missing == [], f"pages with no Spanish edition: {missing} ({len(spanish)} found)"


def test_each_edition_says_its_language_and_links_to_the_other(html):
    for name in ("intro.html", "lessons/01-why-private-data.html", "appendix/data/census.html"):
        english = (html / name).read_text(encoding="utf-8")
        spanish = (html / LANGUAGE / name).read_text(encoding="utf-8")
        assert '<html lang="en"' in english
        assert '<html lang="es"' in spanish
        depth = "../" * name.count("/")
        assert f'<a href="{depth}es/{name}" hreflang="es" lang="es">Español</a>' in english
        back = f'<a href="{depth}../{name}" hreflang="en" lang="en">English</a>'
        assert back in spanish, f"es/{name} has no switch back to English"


def test_pending_pages_say_so_and_translated_pages_do_not(html):
    for page in sorted(set(catalogues.pages(LANGUAGE)) | set(NATIVE_PAGES)):
        path = html / LANGUAGE / f"{page}.html"
        if page == TEMPLATES or not path.exists():
            continue
        shown = "translation-pending" in path.read_text(encoding="utf-8")
        assert shown == (page in PENDING), f"es/{page}.html: the pending note is wrong"


def test_the_pending_list_names_only_pages_that_exist():
    pages = (set(catalogues.pages(LANGUAGE)) | set(NATIVE_PAGES)) - {TEMPLATES}
    unknown = sorted(PENDING - pages)
    assert unknown == [], f"{editions.pending_file(LANGUAGE)} names pages that do not exist"


@pytest.mark.parametrize("page", sorted(set(catalogues.pages(LANGUAGE)) - PENDING))
def test_a_translated_page_has_no_fuzzy_or_empty_message(page):
    stats = catalogues.page_stats(LANGUAGE, page)
    assert stats.done, (
        f"book/locales/{LANGUAGE}/LC_MESSAGES/{page}.po: {stats.fuzzy} fuzzy and "
        f"{stats.untranslated} untranslated messages: translate them, or list the page in "
        f"{editions.pending_file(LANGUAGE).name}"
    )


# --- What a translation must keep -------------------------------------------------------------

_ROLE = re.compile(r"\{([\w:.-]+)\}`([^`]*)`")
_CODE = re.compile(r"(?<![`}])`([^`]+)`")
_SUBSTITUTION = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_URL = re.compile(r"https?://[^\s)>\]]+")
_NUMBER = re.compile(r"\d+")


def _role_target(role: str, content: str) -> tuple[str, str]:
    """A role's target: ``{doc}`Text <target>``` → target; ``{cite:p}`key``` → key."""
    match = re.search(r"<([^<>]+)>\s*$", content)
    return role, (match.group(1) if match else content).strip().lower()


def kept(message: str) -> dict[str, Counter]:
    """What must survive translation unchanged: role targets, code, substitutions, URLs,
    numbers (digits only: 1.4 and 1,4 are the same number in two languages; which numbers, not
    how often, so that a translation may quote the English original beside its own words)."""
    without_roles = _ROLE.sub(" ", message)
    return {
        "roles": Counter(_role_target(*m) for m in _ROLE.findall(message)),
        "code": Counter(_CODE.findall(without_roles)),
        "substitutions": Counter(_SUBSTITUTION.findall(message)),
        "urls": Counter(_URL.findall(message)),
        "numbers": Counter(set(_NUMBER.findall(_URL.sub(" ", message)))),
    }


def _translated(page: str):
    for message in catalogues.messages(catalogues.catalogue(LANGUAGE, page)):
        if message.string and not message.fuzzy:
            yield message


@pytest.mark.parametrize("page", sorted(set(catalogues.pages(LANGUAGE)) - PENDING))
def test_translations_keep_markup_links_and_numbers(page):
    wrong = []
    for message in _translated(page):
        source, target = kept(message.id), kept(message.string)
        changed = [what for what in source if source[what] != target[what]]
        if changed:
            wrong.append(f"{', '.join(changed)} changed in: {message.id[:80]!r}")
    assert wrong == [], f"{page}.po:\n" + "\n".join(wrong)


# Sphinx parses each translation as a document of its own: a message that starts like a list
# item or a heading ("1. Need", "- item", "# ") becomes that block, cannot replace a title or a
# paragraph, and the English stays. Escaping the marker ("1\\. Necesidad") keeps it text.
_BLOCK_START = re.compile(r"^(\d+[.)]|[-*+>#])(\s|$)")


@pytest.mark.parametrize("page", sorted(set(catalogues.pages(LANGUAGE)) - PENDING))
def test_no_translation_starts_like_a_list_or_a_heading(page):
    wrong = [
        m.string for m in _translated(page) if _BLOCK_START.match(m.string) and m.string != m.id
    ]
    assert wrong == [], f"{page}.po: escape the marker (1\\. …) in: {wrong}"


def test_the_markup_check_sees_roles_code_and_numbers():
    english = kept("See {doc}`Lesson 1 <lessons/01-x>` and `k = 5`: 1.5 million {{ labs_count }}")
    spanish = kept(
        "Véase la {doc}`Lección 1 <lessons/01-x>` y `k = 5`: 1,5 millones {{ labs_count }}"
    )
    assert english == spanish
    assert (
        kept("{term}`pseudonymisation`")["roles"]
        == kept("{term}`seudonimización <pseudonymisation>`")["roles"]
    )
    assert kept("87% of 248M")["numbers"] != kept("78 % de 248 M")["numbers"]


def _prose(message: str) -> str:
    """The words of a message, without code and role contents (a term's English in a
    citation key or a file name is not prose)."""
    return _CODE.sub(" ", _ROLE.sub(" ", message)).lower()


@pytest.mark.parametrize("page", sorted(set(catalogues.pages(LANGUAGE)) - PENDING))
def test_translations_use_the_terminology_table(page):
    checked = [t for t in TERMS if t.get("check")]
    wrong = []
    for message in _translated(page):
        english, spanish = _prose(message.id), message.string.lower()
        for term in checked:
            expected = (term.get("match") or term["es"]).lower()
            prose = english
            for other in term.get("except", []):
                prose = prose.replace(other.lower(), " ")
            if term["en"].lower() in prose and expected not in spanish:
                wrong.append(f"{term['en']!r} → {term['es']!r}, in: {message.string[:90]!r}")
    assert wrong == [], f"{page}.po does not use i18n/terminology.yml:\n" + "\n".join(wrong)


def test_the_terminology_table_is_whole():
    assert 30 <= len(TERMS) <= 60
    for term in TERMS:
        assert {"en", "es", "source"} <= set(term), term
    assert len({t["en"].lower() for t in TERMS}) == len(TERMS), "an English term is listed twice"


# --- No English left on a translated page -----------------------------------------------------


def paragraphs(page_html: str) -> list[str]:
    """The texts of a page's paragraphs, list items and definitions, without code, math,
    citations or the bibliography."""
    soup = BeautifulSoup(page_html, "html.parser")
    article = soup.find("article") or soup
    for tag in article.select(
        "pre, code, .math, span.bibtex-citation, .citation, .citation-list, "
        "div.cell_output, .output, nav.language-switch, .translation-pending"
    ):
        tag.decompose()
    # A part marked as being in another language (a resource's title in the capacity
    # catalogue) is meant to be so; the page around it is checked.
    for tag in article.select("[lang]:not(html)"):
        tag.decompose()
    texts = []
    for tag in article.find_all(["p", "li", "dd", "dt", "td", "h1", "h2", "h3"]):
        if tag.find(["p", "li"]):  # a container: its own paragraphs are checked instead
            continue
        texts.append(" ".join(tag.get_text(" ").split()))
    return texts


def _proper_names(text: str) -> bool:
    """A line made mostly of names and titles (a reference, a list of bodies)."""
    words = re.findall(r"[^\W\d_]+", text)
    capitals = sum(w[0].isupper() for w in words)
    return not words or capitals / len(words) > 0.4


def english(text: str) -> bool:
    if len(text) < SHORT or _proper_names(text):
        return False
    best = detect_langs(text)[0]
    return best.lang == "en" and best.prob > 0.8


def test_language_detection_tells_the_two_apart():
    assert english(
        "Governments need data that companies hold, such as a mobile operator's call records."
    )
    assert not english(
        "Los gobiernos necesitan datos que están en manos de empresas, como los registros de "
        "llamadas de un operador de telefonía móvil."
    )
    assert not english("Short English line.")


@pytest.mark.parametrize("page", sorted(set(catalogues.pages(LANGUAGE)) - PENDING - {TEMPLATES}))
def test_no_english_paragraph_on_a_translated_page(html, page):
    path = html / LANGUAGE / f"{page}.html"
    assert path.exists(), f"the Spanish edition has no {page}.html"
    left = [t for t in paragraphs(path.read_text(encoding="utf-8")) if english(t)]
    assert left == [], f"es/{page}.html still has English paragraphs:\n" + "\n".join(
        f"  - {t[:160]}" for t in left
    )


@pytest.mark.parametrize("page", sorted(set(NATIVE_PAGES) - PENDING))
def test_no_english_paragraph_on_a_page_the_build_writes_in_spanish(html, page):
    assert editions.is_native(page)
    assert not catalogues.catalogue(LANGUAGE, page).exists(), (
        f"{page} is written in Spanish by the build: remove its catalogue"
    )
    test_no_english_paragraph_on_a_translated_page(html, page)


def test_the_spanish_pdf_is_printed_beside_the_spanish_edition():
    record = main_build()
    if record is None or not record.get("pdf") or LANGUAGE not in record.get("languages", []):
        pytest.skip("no current main build with the PDFs (python -m grader build)")
    import pypdf

    pdf = DEFAULT_BUILD / "html" / LANGUAGE / editions.pdf_name(LANGUAGE)
    assert pdf.exists(), f"the main build printed no {pdf.name}"
    titles = []

    def walk(items):
        for item in items:
            walk(item) if isinstance(item, list) else titles.append(item.title)

    walk(pypdf.PdfReader(pdf).outline)
    # Bookmarks in Spanish: the book's parts, a lesson.
    assert "Para empezar" in titles, titles
    assert any("De la solicitud al cierre" in t for t in titles), titles


# --- The mechanism: a changed English paragraph shows as out of date --------------------------

POT = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "{first}"
msgstr ""

msgid "A second paragraph that nobody changed."
msgstr ""
"""


def test_a_changed_english_paragraph_comes_back_fuzzy(tmp_path):
    pot_dir, locales = tmp_path / "pot", tmp_path / "locales"
    (pot_dir / "lessons").mkdir(parents=True)
    template = pot_dir / "lessons" / "page.pot"
    template.write_text(POT.format(first="The operator sends daily counts."), encoding="utf-8")
    catalogues.update(pot_dir, [LANGUAGE], locales)
    path = catalogues.catalogue(LANGUAGE, "lessons/page", locales)
    text = path.read_text(encoding="utf-8").replace(
        'msgid "The operator sends daily counts."\nmsgstr ""',
        'msgid "The operator sends daily counts."\nmsgstr "El operador envía conteos diarios."',
    )
    text = text.replace(
        'msgid "A second paragraph that nobody changed."\nmsgstr ""',
        'msgid "A second paragraph that nobody changed."\nmsgstr "Un segundo párrafo."',
    )
    path.write_text(text, encoding="utf-8")
    assert catalogues.page_stats(LANGUAGE, "lessons/page", locales).done

    # The English changes: the old translation is kept as a suggestion, marked fuzzy.
    template.write_text(POT.format(first="The operator sends weekly counts."), encoding="utf-8")
    catalogues.update(pot_dir, [LANGUAGE], locales)
    stats = catalogues.page_stats(LANGUAGE, "lessons/page", locales)
    assert (stats.translated, stats.fuzzy, stats.untranslated) == (1, 1, 0)
    assert not stats.done
    assert "pending" in catalogues.report([stats], {"lessons/page"})
