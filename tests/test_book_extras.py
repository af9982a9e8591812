"""The book's generated appendix, its offline clean-up and the PDF step without a browser."""

from __future__ import annotations

import re

import synthetic_data
from grader import book, book_pdf, data_appendix, sphinx_offline
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
