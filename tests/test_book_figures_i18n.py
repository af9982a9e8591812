"""The Spanish edition's figures and numbers: alt texts reach the catalogues (and come back
fuzzy when the English changes), each edition executes its lessons in a cache of its own, and
glued numbers are written the Uruguayan way."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from babel.messages.pofile import read_po
from docutils import nodes

from grader.book import catalogues, sphinx_i18n
from grader.book import html as book
from grader.book.numbers import PERCENT, localise
from grader.paths import BOOK, BuildPaths


@pytest.mark.parametrize(
    ("english", "spanish"),
    [
        ("1,234", "1.234"),
        ("1,234,567", "1.234.567"),
        ("0.93", "0,93"),
        ("1,234.5", "1.234,5"),
        ("-0.25", "-0,25"),
        ("93%", f"93{PERCENT}"),
        ("12.5%", f"12,5{PERCENT}"),
        (" 7.0 ", " 7,0 "),
    ],
)
def test_numbers_are_written_the_uruguayan_way(english, spanish):
    assert localise(english, "es") == spanish
    assert localise(english, "en") == english  # the English edition keeps its own


@pytest.mark.parametrize(
    "kept",
    ["2024", "15", "12,34", "1–5", "3-5", "04 March 2024", "Gaborone", "a3f9c2…", "v1.2.3", ""],
)
def test_what_is_not_a_plain_number_is_left_alone(kept):
    assert localise(kept, "es") == kept


@pytest.mark.parametrize(
    ("language", "pending", "shown"),
    [("es", [], "0,93"), ("es", ["lessons/x"], "0.93"), ("en", [], "0.93")],
)
def test_glued_text_is_written_in_the_page_language(language, pending, shown):
    config = SimpleNamespace(language=language, i18n_pending=pending)
    env = SimpleNamespace(docname="lessons/x", config=config)
    role = SimpleNamespace(document=SimpleNamespace(settings=SimpleNamespace(env=env)))

    def run(self):
        return [nodes.inline("0.93", "0.93", classes=["pasted-text"])], []

    pasted, _ = sphinx_i18n._localised_text(run)(role)
    assert pasted[0].astext() == shown
    assert pasted[0]["classes"] == ["pasted-text"]


PAGE = """# A page

```{{code-cell}} ipython3
---
tags: [remove-input]
mystnb:
  image:
    alt: "{alt}"
  figure:
    caption: "A caption."
---
print(1)
```
"""


def _template(folder, name, ids):
    entries = "".join(f'\nmsgid "{i}"\nmsgstr ""\n' for i in ids)
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    (folder / f"{name}.pot").write_text(header + entries, encoding="utf-8")


def _catalogue(path):
    with path.open("rb") as handle:
        return {m.id: m for m in read_po(handle) if m.id}


def test_every_lesson_figure_has_an_alt_text_for_the_catalogue():
    lessons = sorted((BOOK / "lessons").glob("*.md"))
    found = {p.stem: catalogues.alt_texts(p) for p in lessons}
    assert sum(len(a) for a in found.values()) >= 6
    assert found["01-why-private-data"][0].startswith("Horizontal bar chart")


def test_alt_texts_join_their_page_template_and_a_changed_one_comes_back_fuzzy(tmp_path):
    staging, pots, locales = tmp_path / "book", tmp_path / "pot", tmp_path / "locales"
    staging.mkdir()
    pots.mkdir()
    old = "Bar chart of the index by district."
    (staging / "page.md").write_text(PAGE.format(alt=old), encoding="utf-8")
    _template(pots, "page", ["A page"])
    assert catalogues.add_alt_texts(pots, staging) == 1
    assert catalogues.add_alt_texts(pots, staging) == 0  # already there: not twice
    assert set(_catalogue(pots / "page.pot")) == {"A page", old}

    catalogues.update(pots, ["es"], locales)
    po = catalogues.catalogue("es", "page", locales)
    text = po.read_text(encoding="utf-8").replace(
        f'msgid "{old}"\nmsgstr ""', f'msgid "{old}"\nmsgstr "Gráfico de barras del índice."'
    )
    po.write_text(text, encoding="utf-8")

    new = "Bar chart of the index by district and day."
    (staging / "page.md").write_text(PAGE.format(alt=new), encoding="utf-8")
    _template(pots, "page", ["A page"])
    catalogues.add_alt_texts(pots, staging)
    catalogues.update(pots, ["es"], locales)
    message = _catalogue(po)[new]
    assert message.fuzzy
    assert message.string == "Gráfico de barras del índice."


def test_each_edition_executes_its_lessons_in_a_cache_of_its_own(tmp_path, monkeypatch):
    package = tmp_path / "fake_generator"
    package.mkdir()
    (package / "__init__.py").write_text("X = 1\n")
    monkeypatch.setattr(book.synthetic_data, "__file__", str(package / "__init__.py"))
    paths = BuildPaths(tmp_path / "build")
    english = book._execution_cache(paths, 7)
    english.mkdir(parents=True)
    spanish = book._execution_cache(paths, 7, "es")
    spanish.mkdir()
    assert spanish != english
    assert book._execution_cache(paths, 7) == english
    assert english.exists()  # neither edition removes the other's
    assert spanish.exists()
    (package / "__init__.py").write_text("X = 2\n")
    book._execution_cache(paths, 7)
    assert not english.exists()  # both are stale once the generator changed
    assert not spanish.exists()


def test_an_image_in_the_one_page_book_is_translated_from_its_own_page():
    from sphinx import addnodes

    root = nodes.section()
    lesson = addnodes.start_of_file(docname="lessons/07-bias")
    image = nodes.image(uri="x.png", alt="A chart.")
    lesson += nodes.paragraph("", "", image)
    root += lesson
    assert sphinx_i18n._page_of(image, "intro") == "lessons/07-bias"
    assert sphinx_i18n._page_of(nodes.image(uri="y.png"), "intro") == "intro"
