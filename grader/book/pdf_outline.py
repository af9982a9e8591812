"""The PDF's bookmarks, with the titles of the book's own headings.

Chromium makes a bookmark of every heading, but takes its title from the printed lines: a
heading that wraps loses the space at the break ("public good" becomes "publicgood"), and
some come out with a line twice ("KeysKeys", "from request toclosureclosure"). The headings of the one-page HTML that was printed hold the
right text, in the same order as the bookmarks, so each bookmark takes the text of the next
heading it holds once spaces are ignored (at most twice over).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from pypdf import PdfWriter
from pypdf.generic import NameObject, TextStringObject

# How far ahead of the last matched heading a bookmark's heading is looked for: far enough to
# skip headings Chromium made no bookmark of, near enough not to jump to a later namesake.
LOOKAHEAD = 40


class _Headings(HTMLParser):
    """The text of every h1–h6, in order, without Sphinx's "#" link to the heading."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._depth = 0  # inside a heading: > 0
        self._skip = 0  # inside its headerlink
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]", tag):
            self._depth += 1
            self._text = []
        elif self._depth and "headerlink" in (dict(attrs).get("class") or ""):
            self._skip += 1

    def handle_endtag(self, tag):
        if re.fullmatch(r"h[1-6]", tag) and self._depth:
            self._depth -= 1
            self.texts.append(" ".join("".join(self._text).split()))
        elif tag == "a" and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if self._depth and not self._skip:
            self._text.append(data)


def heading_texts(page: Path) -> list[str]:
    parser = _Headings()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.texts


def _key(text: str) -> str:
    return re.sub(r"\s+", "", text)


def fixed_title(title: str, headings: list[str], start: int) -> tuple[str, int]:
    """The title a bookmark should have, and where to look for the next one."""
    key = _key(title)
    for at in range(start, min(start + LOOKAHEAD, len(headings))):
        heading = _key(headings[at])
        if heading and heading in key and len(key) <= 2 * len(heading):
            return headings[at], at + 1
    half = len(title) // 2
    if title and len(title) % 2 == 0 and title[:half] == title[half:]:
        title = title[:half]
    return " ".join(title.split()), start


def _items(node):
    """Every bookmark under ``node``, depth first (the order of the headings)."""
    child = node.get("/First")
    while child is not None:
        item = child.get_object()
        yield item
        yield from _items(item)
        child = item.get("/Next")


def fix_outline(pdf: Path, page: Path) -> None:
    """Rewrite ``pdf``'s bookmark titles from the headings of ``page`` (what was printed)."""
    headings = heading_texts(page)
    # Incremental: only the bookmarks are written again, appended to the printed file.
    writer = PdfWriter(pdf, incremental=True)
    outlines = writer.root_object.get("/Outlines")
    if outlines is None:
        return
    start = 0
    for item in _items(outlines.get_object()):
        old = str(item.get("/Title", ""))
        title, start = fixed_title(old, headings, start)
        if title != old:
            item[NameObject("/Title")] = TextStringObject(title)
    temporary = pdf.with_suffix(".tmp.pdf")
    with temporary.open("wb") as handle:
        writer.write(handle)
    temporary.replace(pdf)
