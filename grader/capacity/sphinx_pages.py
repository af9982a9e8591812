"""A Sphinx extension for the book's capacity pages (listed in ``book/_config.yml``).

Two directives, both generated at build time from ``capacity/*.yaml``:

- ``capacity-assessment``: the offline self-assessment form (``page.form_html``);
- ``capacity-catalogue``: the resource catalogue as a table (indexed by the book's search),
  with a filter box and filters by step, role and language.

The page script and style (``static/``) are added to these pages only. Each page is rebuilt
when the YAML it is made from changes.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from .catalogue import INSTRUMENT, RESOURCES, load_catalogue, load_instrument
from .page import LANGUAGE_NAMES, form_html
from .translation import N_, Translator, po_path

STATIC = Path(__file__).with_name("static")
MARK = "capacity-page"
LANGUAGES = LANGUAGE_NAMES
# The catalogue's enumerations as shown in the table (the YAML keeps the codes).
COSTS = {"free": N_("free"), "paid": N_("paid"), "unknown": N_("unknown")}
FORMATS = {
    "guide": N_("guide"),
    "handbook": N_("handbook"),
    "course": N_("course"),
    "tool": N_("tool"),
    "software": N_("software"),
    "book": N_("book"),
    "report": N_("report"),
    "case-study": N_("case study"),
    "principles": N_("principles"),
    "standard": N_("standard"),
    "template": N_("template"),
    "website": N_("website"),
}


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _paragraph(*children: nodes.Node) -> nodes.paragraph:
    return nodes.paragraph("", "", *children)


class _CapacityDirective(SphinxDirective):
    has_content = False

    def _language(self) -> str:
        return self.env.config.language or "en"

    def _load(self):
        translation = po_path(self._language())
        for path in (INSTRUMENT, RESOURCES, translation):
            self.env.note_dependency(str(path))
        instrument = load_instrument()
        return instrument, load_catalogue(instrument)


class AssessmentDirective(_CapacityDirective):
    def run(self) -> list[nodes.Node]:
        instrument, catalogue = self._load()
        box = nodes.container(classes=[MARK])
        html = form_html(instrument, catalogue, self.env.docname, self._language())
        box += nodes.raw("", html, format="html")
        return [box]


def _option_list(name: str, label: str, choices: list[tuple[str, str]], t: Translator) -> str:
    any_label = t(N_("Any"))
    options = "".join(f'<option value="{_e(v)}">{_e(text)}</option>' for v, text in choices)
    return (
        f'<div><label for="cap-filter-{name}">{_e(label)}</label>'
        f'<select id="cap-filter-{name}"><option value="">{_e(any_label)}</option>'
        f"{options}</select></div>"
    )


class CatalogueDirective(_CapacityDirective):
    def run(self) -> list[nodes.Node]:
        t = Translator(self._language())
        instrument, catalogue = self._load()
        instrument, catalogue = t.instrument(instrument), t.catalogue(catalogue)
        resources = catalogue.resources
        total = len(resources)
        steps = {s["id"]: s for s in instrument.steps}
        roles = {r["id"]: r["title"] for r in instrument.roles}
        languages = sorted(
            {lang for r in resources for lang in r["languages"]}, key=list(LANGUAGES).index
        )
        search_hint = t(N_("a word of the title, publisher or topic"))
        search_label = t(N_("Search the catalogue"))
        # The filter script counts the rows shown with these two (the same as the form's).
        showing_all = t(N_("Showing all {total} resources."))
        showing_some = t(N_("Showing {shown} of {total} resources."))
        filters = (
            '<div class="capacity-filters" id="capacity-filters">'
            f'<div><label for="cap-search">{_e(search_label)}</label>'
            f'<input type="search" id="cap-search" placeholder="{_e(search_hint)}"></div>'
            + _option_list(
                "step",
                t(N_("Step")),
                [(s["id"], f"{s['number']}. {s['title']}") for s in instrument.steps],
                t,
            )
            + _option_list("role", t(N_("Role")), list(roles.items()), t)
            + _option_list("lang", t(N_("Language")), [(x, t(LANGUAGES[x])) for x in languages], t)
            + '</div><p id="cap-count" class="capacity-status" role="status" aria-live="polite"'
            + f' data-all="{_e(showing_all)}" data-some="{_e(showing_some)}">'
            + _e(showing_all.format(total=total))
            + "</p>"
        )
        summary = t(
            N_("{total} resources, each checked on {checked} (catalogue version {version}).")
        ).format(total=total, checked=catalogue.raw["checked"], version=catalogue.raw["version"])
        box = nodes.container(classes=[MARK])
        box += _paragraph(nodes.Text(summary))
        box += nodes.raw("", filters, format="html")
        box += self._table(resources, steps, roles, t)
        return [box]

    def _table(self, resources: list[dict], steps: dict, roles: dict, t: Translator) -> nodes.table:
        headers = [
            t(N_("Resource")),
            t(N_("Languages")),
            t(N_("Cost")),
            t(N_("Kind")),
            t(N_("Steps")),
            t(N_("Roles")),
        ]
        table = nodes.table(classes=["capacity-catalogue"])
        group = nodes.tgroup(cols=len(headers))
        table += group
        for width in (46, 10, 8, 10, 10, 16):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        head_row = nodes.row()
        for title in headers:
            head_row += nodes.entry("", _paragraph(nodes.Text(title)))
        head += head_row
        group += head
        body = nodes.tbody()
        for resource in resources:
            classes = (
                [f"cap-step-{s}" for s in resource["steps"]]
                + [f"cap-role-{r}" for r in resource["roles"]]
                + [f"cap-lang-{lang}" for lang in resource["languages"]]
            )
            row = nodes.row(ids=[f"resource-{resource['id']}"], classes=classes)
            link = nodes.reference("", resource["title"], refuri=resource["url"], internal=False)
            year = resource["year"] or t(N_("n.d."))
            citation = [
                nodes.strong("", "", link),
                nodes.Text(f". {resource['publisher']}, {year}".rstrip(".") + "."),
            ]
            # The title and publisher stay in their own language (the resource's first one):
            # marked as such for screen readers and the edition's language check.
            own = resource["languages"][0]
            if own != t.language:
                citation = [
                    nodes.raw("", f'<span lang="{_e(own)}">', format="html"),
                    *citation,
                    nodes.raw("", "</span>", format="html"),
                ]
            first = nodes.entry(
                "", _paragraph(*citation), _paragraph(nodes.Text(resource["about"]))
            )
            row += first
            step_text = ", ".join(
                str(steps[s]["number"])
                for s in sorted(resource["steps"], key=lambda s: steps[s]["number"])
            )
            for text in (
                ", ".join(t(LANGUAGES[lang]) for lang in resource["languages"]),
                t(COSTS[resource["cost"]]),
                t(FORMATS[resource["format"]]),
                step_text,
                ", ".join(roles[r] for r in resource["roles"]),
            ):
                row += nodes.entry("", _paragraph(nodes.Text(text)))
            body += row
        group += body
        return table


def _is_capacity_page(doctree: Any) -> bool:
    if doctree is None:
        return False
    return any(MARK in node.get("classes", []) for node in doctree.findall(nodes.container))


def _on_page(app, pagename, templatename, context, doctree) -> None:
    if _is_capacity_page(doctree):
        app.add_css_file("capacity.css")
        app.add_js_file("capacity.js", defer="defer")


def _add_static(app) -> None:
    app.config.html_static_path.append(str(STATIC))


def setup(app) -> dict[str, Any]:
    app.add_directive("capacity-assessment", AssessmentDirective)
    app.add_directive("capacity-catalogue", CatalogueDirective)
    app.connect("builder-inited", _add_static)
    app.connect("html-page-context", _on_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
