"""The capacity self-assessment and the resource catalogue (issue 17).

The instrument and the catalogue are data, in ``capacity/`` at the top of the repository
(YAML with JSON Schemas), so that they can be versioned and translated. This package reads
them and does everything else:

- ``catalogue``: loads and checks the instrument and the catalogue (schema and cross-references).
- ``scoring``: one saved response file read and checked; levels and gaps by step and by role;
  the resources matched to a gap. The book page's JavaScript follows the same rules.
- ``report``: the cohort report (``python -m grader capacity report FOLDER``): CSV, charts,
  the change per area and the gaps that remain.
- ``page``: the HTML of the offline self-assessment form and of the catalogue appendix.
- ``translation``: the pages' text in other languages (``capacity/locales``, gettext), and
  ``python -m grader capacity translations``, which keeps it in line with the English.
- ``sphinx_pages``: a Sphinx extension with the two directives the book's pages use, and the
  page's own JavaScript and CSS (``static/``), added to those pages only.

May import: ``grader.errors`` and ``grader.paths`` only. The command line and the book's Sphinx
configuration use it; no other part of ``grader`` imports it.
"""

from .catalogue import Catalogue, Instrument, load_catalogue, load_instrument
from .scoring import Response, ResponseError, read_response

__all__ = [
    "Catalogue",
    "Instrument",
    "Response",
    "ResponseError",
    "load_catalogue",
    "load_instrument",
    "read_response",
]
