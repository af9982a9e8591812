"""The Jupyter Book and its PDF.

- ``html``: stages ``book/`` with generated pages (each lab's student version, the data
  appendix) and builds it strictly with Sphinx.
- ``pdf``: prints the whole book to one PDF with headless Chromium; ``pdf_outline`` gives its
  bookmarks the text of the book's own headings.
- ``data_appendix``: the data-card pages and maps, generated from ``synthetic_data``.
- ``sphinx_offline``: a Sphinx extension that keeps the built book free of network requests;
  ``sphinx_a11y`` one that fixes what axe-core finds in the theme's HTML.
- ``editions``: the book's languages (English, the source, and Spanish) and where each is
  staged and built; ``catalogues``: their gettext catalogues (``grader translate``);
  ``spanish``: the Spanish edition's generated pieces; ``lab_words``: the start
  page's lab numbers in each edition's words; ``sphinx_i18n``: the language switch
  and the note on pages not yet translated.

May import: ``grader.errors``, ``grader.paths`` and ``grader.build`` (to read labs). Never
imports the cohort or sandbox code.
"""
