"""Writing tables a trainer opens in a spreadsheet: CSV files and one Excel workbook.

- CSV files start with a byte-order mark, so Excel on Windows reads accented names right.
- No cell can become a formula (OWASP, "CSV injection"): in a CSV, text that starts with
  ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` (a number such
  as ``-1.5`` stays as it is); in the workbook (written with openpyxl) every text is stored as
  text, marked so that editing it keeps it text. Numbers (Python's ``int`` and ``float``) are
  numbers; everything else, ids like ``007`` included, is text.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def safe_text(value) -> str:
    """A CSV cell that a spreadsheet shows as it is and never runs."""
    if isinstance(value, bool):
        value = "yes" if value else ""
    if isinstance(value, int | float):
        return f"{value:g}"
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not _NUMBER.match(text):
        return "'" + text
    return text


def write_csv(path: Path, rows: list[dict], columns: list[str] | None = None) -> Path:
    columns = columns or (list(rows[0]) if rows else [])
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow([safe_text(c) for c in columns])
        for row in rows:
            writer.writerow([safe_text(row.get(c, "")) for c in columns])
    partial.replace(path)
    return path


def sheet_title(name: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = _SHEET_FORBIDDEN.sub("-", name).strip("'")[:31] or "sheet"
    title, number = base, 2
    while title.lower() in taken:
        suffix = f" ({number})"
        title, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(title.lower())
    return title


def write_workbook(path: Path, sheets: list[tuple[str, list[dict], list[str]]]) -> Path:
    """One sheet per (name, rows, columns); numbers as numbers, text as text."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    for name, rows, columns in sheets:
        sheet = book.create_sheet(sheet_title(name, taken))
        for col, title in enumerate(columns, start=1):
            _text_cell(sheet.cell(row=1, column=col), title, ILLEGAL_CHARACTERS_RE)
            sheet.cell(row=1, column=col).font = Font(bold=True)
        for number, row in enumerate(rows, start=2):
            for col, column in enumerate(columns, start=1):
                value = row.get(column, "")
                cell = sheet.cell(row=number, column=col)
                if isinstance(value, bool):
                    value = "yes" if value else ""
                if isinstance(value, int | float):
                    cell.value = value
                elif value not in ("", None):
                    _text_cell(cell, value, ILLEGAL_CHARACTERS_RE)
        sheet.freeze_panes = "B2"
    if not sheets:
        book.create_sheet("empty")
    partial = path.with_name(f".{path.name}.partial")
    book.save(partial)
    partial.replace(path)
    return path


def _text_cell(cell, value, illegal) -> None:
    text = illegal.sub("", str(value))
    cell.value = text
    cell.data_type = "s"  # never a formula, whatever it starts with
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True  # and editing it in Excel keeps it text
