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
from .translation import N_, Translator

COUNTRIES = (
    ("botswana", N_("Botswana")),
    ("uruguay", "Uruguay"),
    ("other", N_("Another country")),
)
ROUNDS = (
    ("before", N_("Before a course")),
    ("after", N_("After a course")),
    ("other", N_("Neither")),
)
KIND_CHOICES = (
    ("person", N_("Myself, or the team I work in")),
    ("institution", N_("My institution")),
)
# The page script's words, passed to it in the data block (translated there): {name} marks a
# value the script fills in.
SCRIPT_TEXT = {
    "not_a_file": N_("it is not a saved self-assessment"),
    "other_tool": N_("it comes from another tool"),
    "other_version": N_("it was saved with version {version} of this self-assessment"),
    "unknown_answers": N_("it has answers this page does not understand ({ids})"),
    "not_answered": N_("not answered"),
    "choose_first": N_("Choose a level for at least one statement first."),
    "answered": N_(
        "You answered {answered} of {total} statements. Levels run from 0 (not in place) to "
        "{target} (proven); bars below 2 are shaded as gaps."
    ),
    "by_step": N_("By step of the process"),
    "by_step_chart": N_("Mean level by step"),
    "by_role": N_("By role"),
    "by_role_chart": N_("Mean level by role"),
    "largest_gaps": N_("Your three largest gaps"),
    "no_gap": N_("No gap: every step you answered is proven in practice."),
    "step": N_("Step {title}"),
    "gap_level": N_(" (level {level} of {target})."),
    "in_course": N_("In this course:"),
    "resources_step": N_("Resources that build it:"),
    "role_gap": N_("By role, the largest gap is {role} "),
    "role_gap_level": N_("(level {level}). Resources for this role:"),
    "updated": N_("Results updated below."),
    "saved": N_("Saved to a file on this computer. Nothing was sent anywhere."),
    "not_loaded": N_("That file could not be loaded: {problem}."),
    "not_ours": N_("it is not a file saved by this page"),
    "loaded": N_("Loaded the answers saved in {name}."),
    "not_read": N_("That file could not be read."),
    "showing_all": N_("Showing all {total} resources."),
    "showing_some": N_("Showing {shown} of {total} resources."),
}
NOT_SURE = N_("Not sure, or does not apply (left out of the results)")
NOSCRIPT = N_(
    "Scoring, charts and saving need JavaScript, which is switched off. You can still read "
    "every statement and its levels below."
)
LABEL = N_("A code or team name (optional; please not a person's name)")
# The languages the catalogue records, by code (the catalogue page's filter uses them too).
LANGUAGE_NAMES = {
    "en": N_("English"),
    "es": N_("Spanish"),
    "fr": N_("French"),
    "pt": N_("Portuguese"),
    "de": N_("German"),
    "ar": N_("Arabic"),
    "ru": N_("Russian"),
    "zh": N_("Chinese"),
}
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


def payload(
    instrument: Instrument, catalogue: Catalogue, docname: str, t: Translator | None = None
) -> dict:
    """What the page's script needs, as plain data (``instrument`` already in the page's
    language, ``t`` for the rest)."""
    t = t or Translator("en")
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
                    {"title": t.lesson_title(d, lesson_title(d)), "href": _href(docname, d)}
                    for d in step["lessons"]
                ],
                "labs": [
                    {
                        "title": t.lab_title(lab, lab_title(lab)),
                        "href": _href(docname, f"labs/{lab}"),
                    }
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
        # Language names for the resources' languages, and the script's words.
        "language_names": {code: t(name) for code, name in LANGUAGE_NAMES.items()},
        "text": {key: t(text) for key, text in SCRIPT_TEXT.items()},
    }


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _select(name: str, label: str, choices, t: Translator) -> str:
    options = "".join(f'<option value="{_e(v)}">{_e(t(text))}</option>' for v, text in choices)
    return (
        f'<div class="capacity-field"><label for="cap-{name}">{_e(t(label))}</label>'
        f'<select id="cap-{name}" name="{name}">{options}</select></div>'
    )


def _statement(statement: dict, instrument: Instrument, t: Translator) -> str:
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
        f'id="{_e(sid)}-skip" value=""><label for="{_e(sid)}-skip">{_e(t(NOT_SURE))}</label></div>'
    )
    return (
        f'<fieldset class="capacity-statement" data-statement="{_e(sid)}">'
        f'<legend><span class="capacity-role">{_e(role)}</span> {_e(statement["text"])}</legend>'
        f"{''.join(options)}</fieldset>"
    )


def form_html(
    instrument: Instrument, catalogue: Catalogue, docname: str, language: str | None = None
) -> str:
    """The whole self-assessment in ``language`` (English by default): form, actions, results
    area and the data block. Ids, values and the data's keys are the same in every language."""
    t = Translator(language)
    instrument, catalogue = t.instrument(instrument), t.catalogue(catalogue)
    # Marked here, not inside the f-strings below, where the extractor would not see them.
    about = t(N_("About your answers"))
    score = t(N_("Show my results"))
    save = t(N_("Save my answers to a file"))
    load = t(N_("Load answers saved earlier"))
    results = t(N_("Your results"))
    parts = [
        '<div class="capacity-assessment" id="capacity-assessment">',
        f'<noscript><p class="capacity-note">{_e(t(NOSCRIPT))}</p></noscript>',
        '<form id="capacity-form" class="capacity-form" novalidate>',
        f'<fieldset class="capacity-about"><legend>{_e(about)}</legend>',
        _select("kind", N_("I answer for"), KIND_CHOICES, t),
        _select("country", N_("Country"), COUNTRIES, t),
        _select("round", N_("When"), ROUNDS, t),
        (
            f'<div class="capacity-field"><label for="cap-label">{_e(t(LABEL))}</label>'
            '<input type="text" id="cap-label" name="label" maxlength="120" autocomplete="off">'
            "</div>"
        ),
        "</fieldset>",
    ]
    for step in instrument.steps:
        mine = [s for s in instrument.statements if s["step"] == step["id"]]
        heading = t(N_("Step {number}. {title}")).format(number=step["number"], title=step["title"])
        parts.append(
            f'<section class="capacity-step" aria-labelledby="cap-step-{_e(step["id"])}">'
            f'<h3 id="cap-step-{_e(step["id"])}">{_e(heading)}</h3>'
        )
        parts += [_statement(s, instrument, t) for s in mine]
        parts.append("</section>")
    parts += [
        '<div class="capacity-actions">',
        f'<button type="button" id="cap-score">{_e(score)}</button>',
        f'<button type="button" id="cap-save">{_e(save)}</button>',
        (
            '<span class="capacity-load"><label for="cap-load">'
            f"{_e(load)}</label>"
            '<input type="file" id="cap-load" accept=".json,application/json"></span>'
        ),
        "</div>",
        '<p id="cap-status" class="capacity-status" role="status" aria-live="polite"></p>',
        "</form>",
        '<section id="cap-results" class="capacity-results" aria-labelledby="cap-results-title" hidden>',
        (
            f'<h3 id="cap-results-title">{_e(results)}</h3>'
            '<div id="cap-results-body"></div></section>'
        ),
    ]
    data = json.dumps(
        payload(instrument, catalogue, docname, t), ensure_ascii=False, sort_keys=True
    )
    data = data.replace("</", "<\\/")  # a "</script>" inside the data must not end the block
    parts.append(f'<script type="application/json" id="capacity-data">{data}</script>')
    parts.append("</div>")
    return "\n".join(parts)


def standalone_html(
    instrument: Instrument, catalogue: Catalogue, static: Path, language: str | None = None
) -> str:
    """The form on a page of its own, with the script and style beside it (for tests)."""
    css = (static / "capacity.css").as_uri()
    js = (static / "capacity.js").as_uri()
    lang = language or "en"
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        "<title>Self-assessment</title>"
        f'<link rel="stylesheet" href="{css}"></head><body><main>'
        f"{form_html(instrument, catalogue, 'capacity/self-assessment', language)}"
        f'</main><script src="{js}"></script></body></html>'
    )
