"""A Sphinx extension for the book's capacity pages (listed in ``book/_config.yml``).

Two directives, both generated at build time from ``capacity/*.yaml``:

- ``capacity-assessment``: the offline self-assessment form (``page.form_html``);
- ``capacity-catalogue``: the resource catalogue as a table (indexed by the book's search),
  with a filter box and filters by step, role and language.

The page script and style (``static/``) are added to these pages only. Each page is rebuilt
when the YAML it is made from changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from .catalogue import INSTRUMENT, RESOURCES, load_catalogue, load_instrument
from .page import form_html

STATIC = Path(__file__).with_name("static")
MARK = "capacity-page"
LANGUAGES = {
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "pt": "Portuguese",
    "de": "German",
    "ar": "Arabic",
    "ru": "Russian",
    "zh": "Chinese",
}


def _paragraph(*children: nodes.Node) -> nodes.paragraph:
    return nodes.paragraph("", "", *children)


class _CapacityDirective(SphinxDirective):
    has_content = False

    def _load(self):
        for path in (INSTRUMENT, RESOURCES):
            self.env.note_dependency(str(path))
        instrument = load_instrument()
        return instrument, load_catalogue(instrument)


class AssessmentDirective(_CapacityDirective):
    def run(self) -> list[nodes.Node]:
        instrument, catalogue = self._load()
        box = nodes.container(classes=[MARK])
        box += nodes.raw("", form_html(instrument, catalogue, self.env.docname), format="html")
        return [box]


def _option_list(name: str, label: str, choices: list[tuple[str, str]]) -> str:
    options = "".join(f'<option value="{v}">{t}</option>' for v, t in choices)
    return (
        f'<div><label for="cap-filter-{name}">{label}</label>'
        f'<select id="cap-filter-{name}"><option value="">Any</option>{options}</select></div>'
    )


class CatalogueDirective(_CapacityDirective):
    def run(self) -> list[nodes.Node]:
        instrument, catalogue = self._load()
        resources = catalogue.resources
        steps = {s["id"]: s for s in instrument.steps}
        roles = {r["id"]: r["title"] for r in instrument.roles}
        languages = sorted(
            {lang for r in resources for lang in r["languages"]}, key=list(LANGUAGES).index
        )
        filters = (
            '<div class="capacity-filters" id="capacity-filters">'
            '<div><label for="cap-search">Search the catalogue</label>'
            '<input type="search" id="cap-search" placeholder="a word of the title, publisher or topic"></div>'
            + _option_list(
                "step",
                "Step",
                [(s["id"], f"{s['number']}. {s['title']}") for s in instrument.steps],
            )
            + _option_list("role", "Role", list(roles.items()))
            + _option_list("lang", "Language", [(lang, LANGUAGES[lang]) for lang in languages])
            + f'</div><p id="cap-count" class="capacity-status" role="status" aria-live="polite">'
            f"Showing all {len(resources)} resources.</p>"
        )
        box = nodes.container(classes=[MARK])
        box += _paragraph(
            nodes.Text(
                f"{len(resources)} resources, each checked on {catalogue.raw['checked']} "
                f"(catalogue version {catalogue.raw['version']})."
            )
        )
        box += nodes.raw("", filters, format="html")
        box += self._table(resources, steps, roles)
        return [box]

    def _table(self, resources: list[dict], steps: dict, roles: dict) -> nodes.table:
        headers = ["Resource", "Languages", "Cost", "Kind", "Steps", "Roles"]
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
            year = resource["year"] or "n.d."
            first = nodes.entry(
                "",
                _paragraph(
                    nodes.strong("", "", link), nodes.Text(f". {resource['publisher']}, {year}.")
                ),
                _paragraph(nodes.Text(resource["about"])),
            )
            row += first
            step_text = ", ".join(
                str(steps[s]["number"])
                for s in sorted(resource["steps"], key=lambda s: steps[s]["number"])
            )
            for text in (
                ", ".join(LANGUAGES[lang] for lang in resource["languages"]),
                resource["cost"],
                resource["format"].replace("-", " "),
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
