"""The Spanish edition's generated pieces: what the build writes, not what gettext translates.

Pages are translated in their catalogues (``book/locales/es``). A few pieces never pass through
a catalogue: the start page's numbers and lists about the labs (MyST substitutions, replaced
before Sphinx extracts messages) and the PDF's link (raw HTML). They are written here, in the
same words as the catalogues and the terminology table (``i18n/terminology.yml``).
"""

from __future__ import annotations

from pathlib import Path

from ..build import learner_env
from ..build.labsource import Lab

# The book's title, in the browser's tab and the sidebar (html_title).
TITLE = "Abrir los datos en manos privadas para el bien público"
SEARCH = "Buscar en este libro..."
PDF_LINK = """```{{raw}} html
<p><a class="reference download" href="{pdf}" download>
<strong>Descargar el libro completo en un PDF</strong></a> (A4; lecciones, instrucciones de los
laboratorios, glosario, fichas de datos y guía para docentes, en el orden del índice).</p>
```

Guárdelo una vez, mientras tenga conexión, y luego léalo o imprímalo donde quiera."""
NO_PDF = """Esta copia del libro se construyó en una computadora sin un navegador que pueda
imprimirlo, por lo que no tiene PDF. Solicite el PDF a su docente, o construya el libro usted
mismo (véase [el recorrido del docente](#path-trainer)) después de instalar Chromium, Google
Chrome o Microsoft Edge."""

_NUMBER_WORDS = ("cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve")


def offline_pdf(pdf_name: str, pdf: bool) -> str:
    return PDF_LINK.format(pdf=pdf_name) if pdf else NO_PDF


def _lab_link(lab: Lab) -> str:
    # "Lab 3: Safe aggregates" → "Laboratorio 3"
    number = lab.title.split(":")[0].split()[-1]
    return f"{{doc}}`Laboratorio {number} </labs/{lab.id}>`"


def lab_substitutions(labs: list[Lab]) -> dict[str, str]:
    """The start page's numbers and lists about the labs, in Spanish (see
    ``html.lab_substitutions`` for the English ones: same keys, same sources)."""
    labs = sorted(labs, key=lambda lab: lab.id)
    count = len(labs)
    pairs = []
    for lab in sorted((lab for lab in labs if lab.lesson), key=lambda lab: lab.lesson):
        number = Path(lab.lesson).name.split("-")[0].lstrip("0") or "0"
        pairs.append(f"de la {{doc}}`Lección {number} </{lab.lesson}>` al {_lab_link(lab)}")
    pairs_text = ", ".join(pairs[:-1]) + " y " + pairs[-1] if len(pairs) > 1 else "".join(pairs)
    minutes = sorted({lab.minutes for lab in labs})
    span = f"{minutes[0]}" if len(minutes) == 1 else f"entre {minutes[0]} y {minutes[-1]}"
    return {
        "labs_count": _NUMBER_WORDS[count] if count < len(_NUMBER_WORDS) else str(count),
        "labs_first": _lab_link(labs[0]) if labs else "",
        "labs_last": _lab_link(labs[-1]) if labs else "",
        "labs_pairs": pairs_text,
        "labs_minutes": span,
        "learner_download_mb": str(learner_env.DOWNLOAD_MB),
        "learner_installed_mb": str(learner_env.INSTALLED_MB),
    }
