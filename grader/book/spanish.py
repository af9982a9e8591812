"""The Spanish edition's generated pieces: what the build writes, not what gettext translates.

Pages are translated in their catalogues (``book/locales/es``). A few pieces never pass through
a catalogue: each lab's page (the Spanish student version, with this note), the book's title, the search box's text and the PDF's link (raw HTML); the start
page's numbers about the labs are in ``lab_words``. They are written here, in the same words
as the catalogues and the terminology table (``i18n/terminology.yml``).
"""

from __future__ import annotations

# The book's title, in the browser's tab and the sidebar (html_title).
TITLE = "Abrir los datos en manos privadas para el bien público"
SEARCH = "Buscar en este libro..."
# The note at the top of a lab's page (html.LAB_NOTE in English): the Spanish zip and notebook.
LAB_NOTE = """:::{{admonition}} Esta página muestra la versión para participantes
:class: note
**Descarga:** {{download}}`{zip_name} <{zip_name}>`, un solo archivo con todo: el cuaderno,
sus datos sintéticos, sus verificaciones, `check_my_lab.py` y los pasos de instalación, en
español. Descomprímalo, abra `{notebook}` en Jupyter y trabájelo desde el principio; las celdas
de verificación le indican cómo va. Tiempo: unos {minutes} minutos.{lesson}
:::

:::{{admonition}} ¿Primera vez? Instale Python una sola vez (unos {installed} MB)
:class: dropdown
{setup}
:::"""
LESSON = "\n\n**Lección:** {{doc}}`/{lesson}`"
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


def offline_pdf(pdf_name: str, pdf: bool) -> str:
    return PDF_LINK.format(pdf=pdf_name) if pdf else NO_PDF
