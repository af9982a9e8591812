"""The HTML of the book's offline self-assessment page, generated from the instrument.

The statements and their levels are plain HTML (readable without JavaScript); a JSON block
carries what the page's script needs to score, chart and match: areas, links to lessons and
labs, and the resources matched to each area. Nothing is fetched and nothing leaves the page:
answers are saved to, and loaded from, a file on the reader's own computer.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from functools import cache
from pathlib import Path

import yaml

from ..paths import BOOK, LABS
from .catalogue import Catalogue, Instrument
from .scoring import all_matches

COUNTRIES = (("botswana", "Botswana"), ("uruguay", "Uruguay"), ("other", "Another country"))
ROUNDS = (("before", "Before a course"), ("after", "After a course"), ("other", "Neither"))
KIND_CHOICES = (("person", "Myself, or the team I work in"), ("institution", "My institution"))
MATCHES_PER_AREA = 4
# Resources in these languages come first for readers from these countries.
PREFERRED_LANGUAGE = {"uruguay": "es"}


@cache
def lesson_title(doc: str) -> str:
    """The first heading of ``book/<doc>.md`` (e.g. '8. Sustainable partnerships')."""
    path = BOOK / f"{doc}.md"
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return doc.rsplit("/", 1)[-1]


@cache
def lab_title(lab_id: str) -> str:
    """The title in a lab's front matter (e.g. 'Lab 7: Sustainable partnership models')."""
    path = LABS / lab_id / f"{lab_id}.md"
    if path.exists():
        match = re.match(r"^---\n(.*?)\n---", path.read_text(encoding="utf-8"), re.DOTALL)
        if match:
            front = yaml.safe_load(match.group(1)) or {}
            return str(front.get("lab", {}).get("title", lab_id))
    return lab_id


def _href(from_doc: str, to_doc: str) -> str:
    return posixpath.relpath(f"{to_doc}.html", posixpath.dirname(from_doc) or ".")


def payload(instrument: Instrument, catalogue: Catalogue, docname: str) -> dict:
    """What the page's script needs, as plain data."""
    # Matches for the page's language, and Spanish-first ones for Uruguay's readers.
    language = instrument.raw["language"]
    matches = {
        lang: all_matches(catalogue, instrument, MATCHES_PER_AREA, lang)
        for lang in dict.fromkeys([language, *PREFERRED_LANGUAGE.values()])
    }
    used = {rid for by_area in matches.values() for ids in by_area.values() for rid in ids}
    resources = {
        r["id"]: {
            k: r[k] for k in ("title", "publisher", "year", "url", "languages", "cost", "format")
        }
        for r in catalogue.resources
        if r["id"] in used
    }
    steps = []
    for step in instrument.steps:
        steps.append(
            {
                "id": step["id"],
                "number": step["number"],
                "title": step["title"],
                "lessons": [
                    {"title": lesson_title(d), "href": _href(docname, d)} for d in step["lessons"]
                ],
                "labs": [
                    {"title": lab_title(lab), "href": _href(docname, f"labs/{lab}")}
                    for lab in step["labs"]
                ],
            }
        )
    return {
        "instrument": instrument.id,
        "version": instrument.version,
        "target": instrument.target,
        "scale": instrument.raw["scale"],
        "steps": steps,
        "roles": [{"id": r["id"], "title": r["title"]} for r in instrument.roles],
        "statements": [
            {"id": s["id"], "step": s["step"], "role": s["role"]} for s in instrument.statements
        ],
        "resources": resources,
        "language": language,
        "preferred_language": PREFERRED_LANGUAGE,
        "matches": matches,
    }


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _select(name: str, label: str, choices) -> str:
    options = "".join(f'<option value="{_e(v)}">{_e(t)}</option>' for v, t in choices)
    return (
        f'<div class="capacity-field"><label for="cap-{name}">{_e(label)}</label>'
        f'<select id="cap-{name}" name="{name}">{options}</select></div>'
    )


def _statement(statement: dict, instrument: Instrument) -> str:
    sid = statement["id"]
    role = instrument.title_of("role", statement["role"])
    options = []
    for level, anchor in enumerate(statement["anchors"]):
        name = instrument.raw["scale"][level]["name"]
        options.append(
            f'<div class="capacity-option"><input type="radio" name="{_e(sid)}" id="{_e(sid)}-{level}" '
            f'value="{level}"><label for="{_e(sid)}-{level}"><strong>{level} · {_e(name)}.</strong> '
            f"{_e(anchor)}</label></div>"
        )
    options.append(
        f'<div class="capacity-option capacity-skip"><input type="radio" name="{_e(sid)}" '
        f'id="{_e(sid)}-skip" value=""><label for="{_e(sid)}-skip">Not sure, or does not apply '
        "(left out of the results)</label></div>"
    )
    return (
        f'<fieldset class="capacity-statement" data-statement="{_e(sid)}">'
        f'<legend><span class="capacity-role">{_e(role)}</span> {_e(statement["text"])}</legend>'
        f"{''.join(options)}</fieldset>"
    )


def form_html(instrument: Instrument, catalogue: Catalogue, docname: str) -> str:
    """The whole self-assessment: form, actions, results area and the data block."""
    parts = [
        '<div class="capacity-assessment" id="capacity-assessment">',
        (
            '<noscript><p class="capacity-note">Scoring, charts and saving need JavaScript, which is '
            "switched off. You can still read every statement and its levels below.</p></noscript>"
        ),
        '<form id="capacity-form" class="capacity-form" novalidate>',
        '<fieldset class="capacity-about"><legend>About your answers</legend>',
        _select("kind", "I answer for", KIND_CHOICES),
        _select("country", "Country", COUNTRIES),
        _select("round", "When", ROUNDS),
        (
            '<div class="capacity-field"><label for="cap-label">A code or team name (optional; '
            'please not a person\'s name)</label><input type="text" id="cap-label" name="label" '
            'maxlength="120" autocomplete="off"></div>'
        ),
        "</fieldset>",
    ]
    for step in instrument.steps:
        mine = [s for s in instrument.statements if s["step"] == step["id"]]
        heading = f"Step {step['number']}. {step['title']}"
        parts.append(
            f'<section class="capacity-step" aria-labelledby="cap-step-{_e(step["id"])}">'
            f'<h3 id="cap-step-{_e(step["id"])}">{_e(heading)}</h3>'
        )
        parts += [_statement(s, instrument) for s in mine]
        parts.append("</section>")
    parts += [
        '<div class="capacity-actions">',
        '<button type="button" id="cap-score">Show my results</button>',
        '<button type="button" id="cap-save">Save my answers to a file</button>',
        (
            '<span class="capacity-load"><label for="cap-load">Load answers saved earlier</label>'
            '<input type="file" id="cap-load" accept=".json,application/json"></span>'
        ),
        "</div>",
        '<p id="cap-status" class="capacity-status" role="status" aria-live="polite"></p>',
        "</form>",
        '<section id="cap-results" class="capacity-results" aria-labelledby="cap-results-title" hidden>',
        '<h3 id="cap-results-title">Your results</h3><div id="cap-results-body"></div></section>',
    ]
    data = json.dumps(payload(instrument, catalogue, docname), ensure_ascii=False, sort_keys=True)
    data = data.replace("</", "<\\/")  # a "</script>" inside the data must not end the block
    parts.append(f'<script type="application/json" id="capacity-data">{data}</script>')
    parts.append("</div>")
    return "\n".join(parts)


def standalone_html(instrument: Instrument, catalogue: Catalogue, static: Path) -> str:
    """The form on a page of its own, with the script and style beside it (for tests)."""
    css = (static / "capacity.css").as_uri()
    js = (static / "capacity.js").as_uri()
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Self-assessment</title>'
        f'<link rel="stylesheet" href="{css}"></head><body><main>'
        f"{form_html(instrument, catalogue, 'capacity/self-assessment')}"
        f'</main><script src="{js}"></script></body></html>'
    )
