"""A small Sphinx extension for the book's editions: a language switch, and a note on pages
whose translation is not finished.

- Every page of an edition links to the same page in each other edition the build makes
  (``i18n_switch_to``). Links are relative, so they work from ``file://`` and offline: English
  is at the top of the site, another language in a folder named after it (``es/``). The link's
  text is the other language's own name, marked with ``lang`` and ``hreflang``, so a screen
  reader says it in that language; the ``nav`` around it is named in the page's language.
- A page listed in ``i18n_pending`` (``i18n/es-pending.txt``) shows the English text, which
  Sphinx falls back to for any message without a translation. It says so at the top, and its
  text is marked ``lang="en"`` so that a screen reader reads it as English.

- The table of contents' part captions ("Lessons", ...) are inserted by sphinx-external-toc
  after Sphinx has translated the page, so they are translated here, from the root page's
  catalogue, where ``grader translate`` puts them.

- A translated paragraph keeps its ``{glue:text}`` numbers. Sphinx parses each translation as
  a small document of its own, after MyST-NB has finished the page and dropped the notebook's
  state, so the glue role would find no data; it reads the page's glue data from the file
  MyST-NB writes for that (``jupyter_execute/<page>.glue.json``) instead. Each edition runs
  the lessons itself (its figures are drawn in its language, ``html.build_html``); the numbers
  are the English edition's: same data, same seed (a stopwatch reading is each run's own).
- Glued text that is a plain number is written the edition's way (``numbers.localise``:
  ``1,234`` and ``0.93`` become ``1.234`` and ``0,93`` in Spanish), on every page but those
  still shown in English.
- A figure's alt text (``mystnb: image: alt:`` of its cell) is set by MyST-NB when it renders
  the cell's output, after Sphinx has translated the page; ``grader translate`` puts it in
  the page's catalogue, and it is translated here, once the page is resolved.

The switch and the note are for the HTML builder only: the one-page book behind the PDF gets
neither (its numbers and alt texts are translated all the same).
"""

from __future__ import annotations

import html
import json
import posixpath
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.locale import init as init_locale
from sphinx.util.i18n import docname_to_domain

from .numbers import localise

SOURCE = "en"
NAMES = {"en": "English", "es": "Español"}
NAV_LABELS = {"en": "Read this page in another language", "es": "Leer esta página en otro idioma"}
PENDING_NOTE = {
    "es": "Esta página aún no está traducida; se muestra el texto en inglés.",
}


def _root(language: str, pagename: str) -> str:
    """Relative path from a page to the top of the whole site (the English edition)."""
    depth = pagename.count("/") + (0 if language == SOURCE else 1)
    return "../" * depth


def switch_href(language: str, target: str, pagename: str) -> str:
    """Relative link from ``pagename`` in ``language`` to the same page in ``target``."""
    folder = "" if target == SOURCE else f"{target}/"
    return posixpath.normpath(f"{_root(language, pagename)}{folder}{pagename}.html")


def switch_html(language: str, targets: list[str], pagename: str) -> str:
    links = " ".join(
        f'<a href="{html.escape(switch_href(language, t, pagename))}" hreflang="{t}" '
        f'lang="{t}">{NAMES.get(t, t)}</a>'
        for t in targets
        if t != language
    )
    if not links:
        return ""
    label = html.escape(NAV_LABELS.get(language, NAV_LABELS[SOURCE]))
    return f'<nav class="language-switch" aria-label="{label}">{links}</nav>\n'


def pending_html(language: str) -> str:
    note = PENDING_NOTE.get(language)
    if not note:
        return ""
    return (
        f'<div class="admonition note translation-pending" lang="{language}">\n'
        f'<p class="admonition-title">{html.escape(note)}</p>\n</div>\n'
    )


def decorate(body: str, language: str, targets: list[str], pending: bool, pagename: str) -> str:
    """The page's body with its language switch and, if pending, the note and ``lang="en"``."""
    if pending:
        body = pending_html(language) + f'<div lang="{SOURCE}">\n{body}</div>\n'
    return switch_html(language, targets, pagename) + body


def _on_page(app, pagename, templatename, context, doctree) -> None:
    if app.builder.name != "html" or not isinstance(context.get("body"), str):
        return
    language = app.config.language or SOURCE
    pending = language != SOURCE and pagename in set(app.config.i18n_pending)
    context["body"] = decorate(
        context["body"], language, list(app.config.i18n_switch_to), pending, pagename
    )


def _page_catalogue(app, docname: str):
    """The page's own catalogue (``locales/<lang>/LC_MESSAGES/<page>.po``), or None."""
    domain = docname_to_domain(docname, app.config.gettext_compact)
    dirs = [str(Path(app.srcdir, d)) for d in app.config.locale_dirs]
    catalog, found = init_locale(dirs, app.config.language, domain)
    return catalog if found else None


def _translate_captions(app, doctree) -> None:
    language = app.config.language or SOURCE
    toctrees = [n for n in doctree.findall(addnodes.toctree) if n.get("caption")]
    if language == SOURCE or not toctrees:
        return
    catalog = _page_catalogue(app, app.env.docname)
    if catalog is None:
        return
    for node in toctrees:
        node["caption"] = catalog.gettext(node["caption"])


def _page_of(node, docname: str) -> str:
    """The page a node comes from: in the one-page book (``singlehtml``, for the PDF) each
    page sits in a ``start_of_file`` node that names it."""
    parent = node.parent
    while parent is not None:
        if isinstance(parent, addnodes.start_of_file):
            return parent["docname"]
        parent = parent.parent
    return docname


def _translate_alt_texts(app, doctree, docname) -> None:
    """Figures' alt texts, which MyST-NB sets in a post-transform, from their page's catalogue."""
    language = app.config.language or SOURCE
    images = [n for n in doctree.findall(nodes.image) if n.get("alt")]
    if language == SOURCE or not images:
        return
    catalogs: dict[str, Any] = {}
    for node in images:
        page = _page_of(node, docname)
        if page not in catalogs:
            catalogs[page] = _page_catalogue(app, page)
        if catalogs[page] is not None:
            node["alt"] = catalogs[page].gettext(node["alt"])


def _glue_from_the_page(retrieve):
    """``retrieve_glue_data`` that, in a translation's own small document, reads the glue data
    of the page being translated."""

    def retrieve_glue_data(document, key):
        env = getattr(document.settings, "env", None)
        if "nb_renderer" in document or env is None or not env.docname:
            return retrieve(document, key)
        folder = Path(env.mystnb_config.output_folder)
        path = folder.joinpath(*env.docname.split("/")).with_name(
            env.docname.split("/")[-1] + ".glue.json"
        )
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        if key not in data:
            return retrieve(document, key)  # its own error message
        from myst_nb.core.variables import VariableOutput

        output = data[key]
        return VariableOutput(
            data=output["data"], metadata=output.get("metadata", {}), nb_renderer=None, vtype="glue"
        )

    retrieve_glue_data.i18n = True  # type: ignore[attr-defined]
    return retrieve_glue_data


def _localised_text(run):
    """``PasteTextRole.run`` whose plain numbers are written in the page's language."""

    def localised_run(self):
        pasted, messages = run(self)
        env = getattr(self.document.settings, "env", None)
        if env is None:
            return pasted, messages
        language = env.config.language or SOURCE
        if env.docname in set(env.config.i18n_pending):
            language = SOURCE  # shown in English, numbers included
        for i, node in enumerate(pasted):
            if isinstance(node, nodes.inline) and "pasted-text" in node["classes"]:
                text = localise(node.astext(), language)
                if text != node.astext():
                    new = nodes.inline(text, text, classes=node["classes"])
                    new.source, new.line = node.source, node.line
                    pasted[i] = new
        return pasted, messages

    localised_run.i18n = True  # type: ignore[attr-defined]
    return localised_run


def _patch_glue(app, config) -> None:
    if (config.language or SOURCE) == SOURCE:
        return
    from myst_nb.ext.glue import roles

    if not getattr(roles.retrieve_glue_data, "i18n", False):
        roles.retrieve_glue_data = _glue_from_the_page(roles.retrieve_glue_data)
    if not getattr(roles.PasteTextRole.run, "i18n", False):
        roles.PasteTextRole.run = _localised_text(roles.PasteTextRole.run)


def setup(app) -> dict[str, Any]:
    app.connect("config-inited", _patch_glue)
    app.connect("doctree-read", _translate_captions)
    app.connect("doctree-resolved", _translate_alt_texts)
    app.add_config_value("i18n_switch_to", [], "html", types=[list])
    app.add_config_value("i18n_pending", [], "html", types=[list])
    app.connect("html-page-context", _on_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
