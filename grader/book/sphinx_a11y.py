"""A small Sphinx extension that fixes what axe-core finds in the theme's own HTML.

- The sidebar's expand toggles are ``<summary>`` elements with only an icon: a screen reader
  announces "disclosure triangle" and nothing else (axe: summary-name, serious). Each gets a
  name from the page it opens, e.g. "Show the pages under Data cards".
- A code cell tagged ``hide-input`` opens with a ``<summary>`` labelled "Toggle hidden content"
  while it shows "Show code cell source" (axe: label-content-name-mismatch, serious): the label
  goes, so the words a reader sees are the name a screen reader says.
- The references page marks each entry with the deprecated role ``doc-biblioentry`` inside a
  ``role="list"`` (axe: aria-required-children, critical): entries become list items.

The theme's search field and colour switch are fixed in ``book/_templates``.
"""

from __future__ import annotations

import html
import re
from typing import Any

# <a ...>Title</a><details ...><summary> (the theme's collapsible sidebar entries)
_TOGGLE = re.compile(
    r"(<a\b[^>]*>(?P<title>(?:(?!<a\b|</a>).)*)</a>\s*<details\b[^>]*>\s*)<summary>",
    re.DOTALL | re.IGNORECASE,
)
_BARE_SUMMARY = re.compile(r"<summary>(?=\s*<span class=\"toctree-toggle\")", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")


# The toggles' names in each edition's language (the book's editions: grader/book/editions.py).
SHOW_PAGES = {"en": "Show the pages under {}", "es": "Mostrar las páginas de {}"}
SHOW_PAGES_HERE = {"en": "Show the pages under this one", "es": "Mostrar las páginas de esta"}


def name_toggles(toc_html: str, language: str = "en") -> str:
    """Give every icon-only ``<summary>`` of the sidebar an accessible name."""
    language = language if language in SHOW_PAGES else "en"

    def named(match: re.Match) -> str:
        title = " ".join(html.unescape(_TAGS.sub("", match.group("title"))).split())
        label = html.escape(SHOW_PAGES[language].format(title), quote=True)
        return f'{match.group(1)}<summary aria-label="{label}">'

    toc_html = _TOGGLE.sub(named, toc_html)
    # Any toggle left without a name (no link before it) still gets a generic one.
    generic = html.escape(SHOW_PAGES_HERE[language], quote=True)
    return _BARE_SUMMARY.sub(f'<summary aria-label="{generic}">', toc_html)


def fix_citation_roles(body: str) -> str:
    return body.replace('role="doc-biblioentry"', 'role="listitem"')


# MyST-NB's toggle for hidden cell inputs and outputs.
_CELL_TOGGLE = re.compile(r'<summary\s+aria-label="Toggle hidden content"\s*>', re.IGNORECASE)


def name_cell_toggles(body: str) -> str:
    return _CELL_TOGGLE.sub("<summary>", body)


def _on_page(app, pagename, templatename, context, doctree) -> None:
    generate = context.get("generate_toctree_html")
    if callable(generate) and not getattr(generate, "_named_toggles", False):

        def generate_named(*args, **kwargs):
            result = generate(*args, **kwargs)
            fixed = name_toggles(str(result), app.config.language or "en")
            return type(result)(fixed) if hasattr(result, "__html__") else fixed

        generate_named._named_toggles = True  # type: ignore[attr-defined]
        context["generate_toctree_html"] = generate_named
    if isinstance(context.get("body"), str):
        context["body"] = name_cell_toggles(fix_citation_roles(context["body"]))


def setup(app) -> dict[str, Any]:
    # After the theme has put its toctree functions into the page's context (priority 500).
    app.connect("html-page-context", _on_page, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
