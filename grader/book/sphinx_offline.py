"""A small Sphinx extension that keeps the book's pages offline and free of script errors.

Learners read on slow or no connections, often from ``file://``. Jupyter Book always loads
sphinx-thebe, which adds its configuration script twice (a "THEBE_JS_URL has already been
declared" error on every page) and points at a CDN; the book has live code switched off, so
both scripts go. Pages keep every other script, in their order.
"""

from __future__ import annotations

from typing import Any

THEBE_FILES = {"sphinx-thebe.js"}


def _is_thebe(script: Any) -> bool:
    body = getattr(script, "attributes", {}).get("body", "")
    return str(getattr(script, "filename", "")) in THEBE_FILES or "THEBE_JS_URL" in body


def _key(script: Any) -> tuple:
    attributes = getattr(script, "attributes", {})
    return (str(getattr(script, "filename", script)), tuple(sorted(attributes.items())))


def clean_scripts(scripts: list[Any]) -> list[Any]:
    """Drop thebe's scripts and exact duplicates; keep the rest in order."""
    seen: set[tuple] = set()
    kept = []
    for script in scripts:
        key = _key(script)
        if _is_thebe(script) or key in seen:
            continue
        seen.add(key)
        kept.append(script)
    return kept


def _on_page(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if isinstance(scripts, list):
        scripts[:] = clean_scripts(scripts)


def setup(app) -> dict[str, Any]:
    app.connect("html-page-context", _on_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
