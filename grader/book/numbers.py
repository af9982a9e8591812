"""Numbers the lessons quote from the data (MyST-NB's ``glue``), written as the edition's
readers write them.

A lesson computes its numbers once and formats them the English way (``f"{n:,}"``,
``f"{x:.2f}"``, ``f"{p:.0%}"``): ``1,234``, ``0.93``, ``93%``. Uruguay writes ``1.234``,
``0,93`` and ``93 %``. Only a value that is wholly such a number is rewritten: an integer
without separators (a year, ``2024``; a count, ``15``) reads the same in both, and anything
else (a range, a date, a name, a hash) is left as it is.
"""

from __future__ import annotations

import re

# A sign, digits (grouped by commas in threes, or not at all), decimals, a percent sign.
_NUMBER = re.compile(r"([-\u2212+]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(%?)")
# Between a number and its percent sign: a space that never breaks the line (93 %).
PERCENT = "\u00a0%"


def localise(text: str, language: str) -> str:
    """``text`` in the number style of ``language``: only Spanish (Uruguay) is rewritten."""
    if language != "es":
        return text
    stripped = text.strip()
    match = _NUMBER.fullmatch(stripped)
    if match is None:
        return text
    sign, whole, decimals, percent = match.groups()
    if "," not in whole and decimals is None and not percent:
        return text  # a plain integer: the same in both languages
    number = sign + whole.replace(",", ".")
    if decimals is not None:
        number += "," + decimals
    if percent:
        number += PERCENT
    return text.replace(stripped, number, 1)
