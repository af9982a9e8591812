"""The book's generated appendix, its offline clean-up and the PDF step without a browser."""

from __future__ import annotations

import re

import synthetic_data
from grader.book import data_appendix, sphinx_a11y, sphinx_offline
from grader.book import html as book
from grader.book import pdf as book_pdf
from grader.paths import BuildPaths


def test_each_dataset_page_has_one_title_and_both_countries():
    page = data_appendix.dataset_page("mno_towers", seed=synthetic_data.DEFAULT_SEED)
    assert len(re.findall(r"^# ", page, flags=re.MULTILINE)) == 1
    assert "## Botswana" in page
    assert "## Uruguay" in page
    assert "### Codebook" in page  # the cards' own sections sit under each country


def test_index_lists_every_dataset_and_describes_each_map():
    page = data_appendix.index_page(seed=synthetic_data.DEFAULT_SEED)
    for name in synthetic_data.DATASETS:
        assert f"<{name}>" in page, f"the data-card index does not link {name}"
    alts = re.findall(r"^:alt: (.+)$", page, flags=re.MULTILINE)
    assert len(alts) == len(data_appendix.COUNTRIES)
    towers = len(synthetic_data.load("mno_towers", country="uruguay"))
    assert any(f"{towers} synthetic mobile-network towers" in alt for alt in alts)


def test_the_spanish_edition_has_the_same_appendix_in_spanish():
    seed = synthetic_data.DEFAULT_SEED
    page = data_appendix.dataset_page("mno_towers", seed=seed, language="es")
    assert page.startswith(f"# {synthetic_data.dataset_title('mno_towers', 'es')}\n")
    assert "### Diccionario de datos" in page
    index = data_appendix.index_page(seed=seed, language="es")
    for name in synthetic_data.DATASETS:
        assert f"{synthetic_data.dataset_title(name, 'es')} <{name}>" in index
    alts = re.findall(r"^:alt: (.+)$", index, flags=re.MULTILINE)
    towers = len(synthetic_data.load("mno_towers", country="uruguay"))
    assert any(f"{towers} antenas sintéticas" in alt for alt in alts)


def test_every_edition_has_the_appendix_words_with_the_same_fields():
    import dataclasses
    import string

    def fields(text: str) -> set:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}

    english = data_appendix.WORDS["en"]
    for language, words in data_appendix.WORDS.items():
        for field in dataclasses.fields(words):
            mine, theirs = getattr(words, field.name), getattr(english, field.name)
            if isinstance(mine, str):
                assert fields(mine) == fields(theirs), f"{language}: {field.name}"


def test_offline_cleanup_drops_thebe_and_duplicates_only():
    class Script:
        def __init__(self, filename, **attributes):
            self.filename = filename
            self.attributes = attributes

    thebe_config = Script(None, body='const THEBE_JS_URL = "https://unpkg.com/thebe"')
    scripts = [
        Script("doctools.js"),
        thebe_config,
        Script("sphinx-thebe.js", **{"async": "async"}),
        Script(None, body="var togglebuttonSelector = '.toggle';"),
        Script(None, body="var togglebuttonSelector = '.toggle';"),
        Script("searchtools.js"),
    ]
    kept = sphinx_offline.clean_scripts(scripts)
    assert [(s.filename, s.attributes.get("body")) for s in kept] == [
        ("doctools.js", None),
        (None, "var togglebuttonSelector = '.toggle';"),
        ("searchtools.js", None),
    ]


def test_no_browser_means_no_pdf_and_a_notice(tmp_path, monkeypatch):
    paths = BuildPaths(tmp_path)
    paths.html.mkdir(parents=True)
    stale = paths.html / book_pdf.PDF_NAME
    stale.write_bytes(b"%PDF- an old build")
    monkeypatch.setenv("CHROMIUM", str(tmp_path / "no-such-browser"))
    said = []
    assert book_pdf.build_pdf(paths, tmp_path / "staging", 1, said.append) is None
    assert not stale.exists(), "an old PDF must not sit next to a newer book"
    assert len(said) == 1
    assert "PDF" in said[0]
    assert "skipped" in said[0]
    assert "apt-get install chromium" in said[0]


def test_the_execution_cache_changes_with_the_generator_and_old_ones_go(tmp_path, monkeypatch):
    # Lessons glue numbers from the data: a cache kept across a change to the generator would
    # publish the old numbers, since a notebook's cache entry only knows the notebook's code.
    package = tmp_path / "fake_generator"
    package.mkdir()
    (package / "__init__.py").write_text("X = 1\n")
    monkeypatch.setattr(book.synthetic_data, "__file__", str(package / "__init__.py"))
    paths = BuildPaths(tmp_path / "build")
    first = book._execution_cache(paths, 7)
    first.mkdir(parents=True)
    assert book._execution_cache(paths, 7) == first  # unchanged generator: the cache is kept
    other_seed = book._execution_cache(paths, 77)
    other_seed.mkdir()
    (package / "__init__.py").write_text("X = 2\n")
    second = book._execution_cache(paths, 7)
    assert second != first
    assert not first.exists()  # the stale cache of seed 7 is gone
    assert other_seed.exists()  # another seed's cache is not touched


def test_the_start_page_links_to_the_pdf_only_when_it_is_printed():
    with_pdf = book.generated_pages(pdf=True)["offline-pdf.md"]
    without = book.generated_pages(pdf=False)["offline-pdf.md"]
    assert f'href="{book_pdf.PDF_NAME}"' in with_pdf
    assert book_pdf.PDF_NAME not in without
    assert "Chromium" in without  # says how to get it


def test_start_page_numbers_come_from_the_labs():
    from grader.book import lab_words
    from grader.build.labsource import find_labs, read_lab
    from grader.paths import LABS

    labs = [read_lab(p) for p in find_labs(LABS)]
    values = lab_words.lab_substitutions(labs)
    assert values["labs_count"] == lab_words.ENGLISH.numbers[len(labs)]
    low, high = min(lab.minutes for lab in labs), max(lab.minutes for lab in labs)
    assert values["labs_minutes"] == (f"{low}" if low == high else f"{low} to {high}")
    for lab in labs:
        assert f"</labs/{lab.id}>" in values["labs_pairs"] or not lab.lesson


def test_sidebar_toggles_get_a_name_and_citations_are_list_items():
    toc = (
        '<li><a class="reference internal" href="a.html">Intro</a></li>'
        '<li class="has-children"><a class="reference internal" href="d.html">Data '
        '<em>cards</em></a><details><summary><span class="toctree-toggle" role="presentation">'
        '<i class="fa-solid fa-chevron-down"></i></span></summary><ul></ul></details></li>'
    )
    named = sphinx_a11y.name_toggles(toc)
    assert '<summary aria-label="Show the pages under Data cards">' in named
    assert named.count("aria-label") == 1
    body = '<div role="list" class="citation-list"><div class="citation" role="doc-biblioentry">'
    assert 'role="listitem"' in sphinx_a11y.fix_citation_roles(body)
    # A hidden cell's toggle: its name is the text it shows, not a different label.
    toggle = (
        '<details class="hide above-input"><summary aria-label="Toggle hidden content">\n'
        '<p class="collapsed admonition-title">Show code cell source</p>'
    )
    assert sphinx_a11y.name_cell_toggles(toggle).startswith(
        '<details class="hide above-input"><summary>\n'
    )


def test_generated_book_pieces_live_only_in_the_staging_copy():
    from grader.paths import BOOK

    assert not (BOOK / book.GENERATED).exists(), "book/_generated is written by the build only"
    start = (BOOK / "start-here.md").read_text(encoding="utf-8")
    for name in book.generated_pages(pdf=True):
        assert f"{book.GENERATED}/{name}" in start
