"""Feedback pages that are safe to open and to send: the learner's content cannot run.

A graded notebook holds what the learner wrote and what their code printed: markdown with
raw HTML, HTML outputs, JavaScript, SVG, widgets. On a page, any of it could run scripts,
load things from the network or dress the page up. So a page is made in three steps:

1. ``prepare``: in the notebook, outputs keep only plain kinds (text, HTML, PNG, JPEG, GIF,
   SVG); JavaScript, widgets and the rest are dropped; images are checked to be images; SVG
   becomes an image (a browser runs no script and loads nothing from an SVG shown as one);
   figures the course's own cells show (``![](picture.png)``) are put in the page itself.
2. nbgrader's feedback template renders it (the page trainers know).
3. ``assemble``: the page's body is cleaned by ``nh3`` (the Ammonia sanitiser) against an
   allow-list of tags and attributes: no script, no style, no event handler, no link but to
   the web and inside the page, no image but one held in the page. The head is rebuilt from
   the template's style sheets alone (no MathJax: mathematics shows as its LaTeX text) with a
   strict Content-Security-Policy: no script runs and nothing is loaded from anywhere.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from pathlib import Path

import nh3

CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
    "base-uri 'none'; form-action 'none'"
)
TAGS = {
    *[
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "details",
        "div",
        "dl",
        "dt",
        "em",
    ],
    *[
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "samp",
    ],
    *[
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "tt",
        "u",
        "ul",
        "var",
    ],
}
ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir"},
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
    "col": {"span"},
}
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif")
_KEEP = {"text/plain", "text/html", "image/svg+xml", *IMAGE_TYPES}
_BASE64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|svg\+xml);base64,([A-Za-z0-9+/]*={0,2})$")
_MAX_IMAGE = 20 * 2**20
_MARKDOWN_IMAGE = re.compile(r"(!\[[^\]]*\]\()([^)\s]+)(\))")
_SUFFIXES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif"}
_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)


def _valid_base64(text) -> str | None:
    if not isinstance(text, str) or len(text) > _MAX_IMAGE:
        return None
    compact = "".join(text.split())
    if not _BASE64.match(compact):
        return None
    try:
        base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None
    return compact


def _clean_output(output) -> None:
    data = output.get("data")
    if not isinstance(data, dict):
        return
    kept = {}
    for mime, value in data.items():
        if mime not in _KEEP:
            continue
        if mime in IMAGE_TYPES:
            value = _valid_base64(value)
            if value is None:
                continue
        elif mime == "image/svg+xml":
            text = "".join(value) if isinstance(value, list) else str(value)
            encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
            kept["text/html"] = f'<img src="data:image/svg+xml;base64,{encoded}" alt="figure">'
            continue
        elif isinstance(value, list):
            value = "".join(str(v) for v in value)
        kept.setdefault(mime, value if isinstance(value, str) else str(value))
    if "text/html" in kept and any(m in kept for m in IMAGE_TYPES):
        del kept["text/html"]  # the image says it; the HTML would only repeat it
    output["data"] = kept
    sizes = {}
    for mime, meta in (output.get("metadata") or {}).items():
        if mime in IMAGE_TYPES and isinstance(meta, dict):
            sizes[mime] = {
                k: int(v) for k, v in meta.items() if k in ("width", "height") and _small_int(v)
            }
    output["metadata"] = sizes


def _small_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10_000


def _embed(markdown: str, folder: Path | None) -> str:
    """``![](picture.png)`` of the course's own cells, as images held in the page."""
    if folder is None:
        return markdown

    def replace(match):
        name = match.group(2)
        path = (folder / name).resolve() if "://" not in name else None
        if (
            path is None
            or not path.is_relative_to(folder.resolve())
            or path.suffix.lower() not in _SUFFIXES
            or not path.is_file()
            or (folder / name).is_symlink()
            or path.stat().st_size > _MAX_IMAGE
        ):
            return match.group(0)
        encoded = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"{match.group(1)}data:{_SUFFIXES[path.suffix.lower()]};base64,{encoded}{match.group(3)}"

    return _MARKDOWN_IMAGE.sub(replace, markdown)


def prepare(notebook, learner_cell, pictures: Path | None = None):
    """Outputs cut down to plain kinds; ``learner_cell(cell)`` says whose a markdown cell is
    (the course's own cells get their pictures put in the page)."""
    for cell in notebook.cells:
        cell.pop("attachments", None)
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                _clean_output(output)
        elif cell.cell_type == "markdown" and not learner_cell(cell):
            cell.source = _embed(cell.source, pictures)
    return notebook


def _attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        match = _DATA_IMAGE.match(value)
        return value if match and _valid_base64(match.group(2)) is not None else None
    if attribute in ("width", "height"):
        return value if value.isdigit() and len(value) < 6 else None
    if tag == "a" and attribute == "href":
        return value if value.startswith(("#", "https://", "http://", "mailto:")) else None
    return value


def clean(fragment: str) -> str:
    """The allow-list cleaning of any HTML from the learner's side of the page."""
    return nh3.clean(
        fragment,
        tags=TAGS,
        clean_content_tags={"script", "style"},
        attributes=ATTRIBUTES,
        attribute_filter=_attribute,
        url_schemes={"http", "https", "mailto", "data"},
        url_relative=lambda url: url if url.startswith("#") else None,
        strip_comments=True,
    )


def assemble(rendered: str, title: str, summary: str, extra_css: str = "") -> str:
    """The final page: a rebuilt head (style sheets, CSP), our summary, the cleaned body."""
    lower = rendered.lower()
    body_at = lower.find("<body")
    head, body = (rendered[:body_at], rendered[body_at:]) if body_at >= 0 else ("", rendered)
    styles = "\n".join(f"<style>{css}</style>" for css in _STYLE.findall(head))
    body = body[body.find(">") + 1 :] if body_at >= 0 else body
    end = body.lower().rfind("</body")
    body = body[:end] if end >= 0 else body
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n"
        '<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{html.escape(title)}</title>\n{styles}\n<style>{extra_css}</style>\n"
        f"</head>\n<body>\n{summary}\n{clean(body)}\n</body>\n</html>\n"
    )
