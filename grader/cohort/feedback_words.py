"""The feedback page's own words in each language a lab is released in, and the learner's
language, read from their hand-in (a translated student version says it in its metadata).

The language only chooses words: nothing here is read by grading, so a learner who changes
it changes the language of their page and nothing else.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from ..build import lab_i18n
from ..paths import LABS
from .reading import Malformed, read_submission

LANGUAGES = ("en", "es")

WORDS = {
    "summary": {"en": "Summary", "es": "Resumen"},
    "points": {"en": "({points:g} point(s))", "es": "({points:g} punto(s))"},
    "score": {"en": "Score: {score:g} of {total:g}.", "es": "Puntaje: {score:g} de {total:g}."},
    "handed_in": {"en": "Handed in {when}", "es": "Entregado el {when}"},
    "due": {"en": "; due {when}", "es": "; plazo: {when}"},
    "penalty": {
        "en": " Late penalty: {penalty:g} point(s).",
        "es": " Penalización por entrega tardía: {penalty:g} punto(s).",
    },
    "ungraded": {
        "en": "Your written answers have not been graded yet: they count 0 points on this page "
        "for now, so your score will go up when your trainer has graded them.",
        "es": "Sus respuestas escritas todavía no fueron corregidas: por ahora cuentan 0 puntos "
        "en esta página, así que su puntaje subirá cuando su docente las corrija.",
    },
    "notebooks": {
        "en": "This lab has {count} notebooks; a page for each: {names}.",
        "es": "Este laboratorio tiene {count} cuadernos; una página para cada uno: {names}.",
    },
    "own_error": {
        "en": "your code in “{title}” stopped with {error}, so this check could not use your "
        "answer: fix that error first.",
        "es": "su código en “{title}” se detuvo con {error}, por lo que esta verificación no pudo "
        "usar su respuesta: corrija primero ese error.",
    },
    "check_n": {
        "en": "{title} (check {n} of {total})",
        "es": "{title} (verificación {n} de {total})",
    },
    "graded": {"en": "Graded.", "es": "Corregido."},
    # A failed check, when its message is not one of lab_checks' own (feedback._check_message).
    "not_defined": {
        "en": "'{name}' was not defined when this check ran: the answer that sets it is missing "
        "or did not run to the end.",
        "es": "'{name}' no estaba definido cuando se ejecutó esta verificación: falta la "
        "respuesta que lo define, o no se ejecutó hasta el final.",
    },
    "does_not_pass": {
        "en": "your answer does not pass this check{detail}",
        "es": "su respuesta no cumple esta verificación{detail}",
    },
    "not_handed_in": {
        "en": "{name} was not handed in, so it scores 0.",
        "es": "{name} no se entregó, así que su puntaje es 0.",
    },
    "check_failed": {"en": "this check failed.", "es": "esta verificación no se cumplió."},
    "could_not_run": {
        "en": "the check could not run on this answer ({error}).",
        "es": "la verificación no pudo ejecutarse con esta respuesta ({error}).",
    },
    "flagged": {
        "en": "Graded; your trainer will look at a detail of your notebook.",
        "es": "Corregido; su docente revisará un detalle de su cuaderno.",
    },
    "timeout": {
        "en": "A cell ran too long, so the checks after it could not run.",
        "es": "Una celda tardó demasiado, por lo que las verificaciones posteriores no pudieron "
        "ejecutarse.",
    },
    "crashed": {
        "en": "Python stopped while running your notebook, so the checks after it could not run.",
        "es": "Python se detuvo mientras ejecutaba su cuaderno, por lo que las verificaciones "
        "posteriores no pudieron ejecutarse.",
    },
    "malformed": {
        "en": "Your file could not be read as a notebook, so it could not be graded.",
        "es": "Su archivo no pudo leerse como un cuaderno, por lo que no pudo corregirse.",
    },
}
STATUSES = ("graded", "flagged", "timeout", "crashed", "malformed")


def say(language: str, key: str, **values) -> str:
    texts = WORDS[key]
    return texts.get(language, texts["en"]).format(**values)


def language_of(submitted: Path) -> str:
    """The language of the student version a learner handed in (English if it does not say,
    or if the file cannot be read)."""
    try:
        notebook = read_submission(submitted)
    except Malformed:
        return "en"
    language = notebook.metadata.get("lab_language")
    return language if language in LANGUAGES else "en"


def translated_source(lab_id: str, source: nbformat.NotebookNode, language: str):
    """The lab's source with its markdown in ``language`` (for the questions' titles), when
    the lab is one of the course's own and has a catalogue; else the source as it is."""
    path = LABS / lab_id / f"{lab_id}.md"
    if language == "en" or not path.is_file():
        return source
    return lab_i18n.translate_notebook(source, lab_i18n.translations(path, language), language)


def lab_text(lab_id: str, language: str) -> dict[str, str]:
    """English → ``language`` for the lab's own text (its checks' problems and hints)."""
    path = LABS / lab_id / f"{lab_id}.md"
    if language == "en" or not path.is_file():
        return {}
    return lab_i18n.translations(path, language)
