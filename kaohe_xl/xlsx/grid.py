"""A workbook's sheets as rows of values, as openpyxl's read-only reader gives them
(``data_only``), without openpyxl: the 细则 and the units list are read on every command,
and importing openpyxl (and numpy with it) costs more than reading them.

Each sheet is read by the one-pass reader of returned files (:mod:`kaohe_xl.xlsx.sheetxml`:
expat, no DTD, checked parts, bounded). Values are made what openpyxl would give:
whole numbers as int, dates as datetime (a time of day as time), empty cells None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from kaohe_xl.xlsx import numfmt, ooxml, sheetxml

CELL_LIMIT = 2_000_000  # a units list of 100,000 units × 20 columns
MAX_COLUMN = 256


@dataclass(frozen=True)
class SheetGrid:
    """One sheet: its title, whether it is a chart sheet (no cells), its rows from row 1."""

    title: str
    chart: bool
    rows: list[list[object]]


def read_grids(data: bytes) -> list[SheetGrid]:
    """Every sheet of an xlsx file, in workbook order (raises :class:`ooxml.PartError` or
    :class:`sheetxml.XmlRefused` when the file is not a readable workbook)."""
    package = ooxml.Package(data)
    strings: list[list[str]] = []
    styles: list[dict[int, str]] = []

    def shared() -> list[str]:
        if not strings:
            member = package.find(ooxml.STRINGS_PART)
            strings.append(sheetxml.shared_strings(package.read(member)) if member else [])
        return strings[0]

    def dates() -> dict[int, str]:
        if not styles:
            member = package.find(ooxml.STYLES_PART)
            styles.append(numfmt.date_styles(package.read(member)) if member else {})
        return styles[0]

    grids = []
    for entry in package.sheets:
        if entry.part is None or "chartsheets/" in entry.part.lower():
            grids.append(SheetGrid(entry.title, entry.part is not None, []))
            continue
        xml = package.read(entry.part)
        found = sheetxml.scan(xml, CELL_LIMIT, shared, dates)
        if not found.plain or found.stopped:
            # cells without references (hand-made XML): placed as Excel does; dates there
            # stay serial numbers
            found = sheetxml.read_values(xml, shared(), MAX_COLUMN, CELL_LIMIT)
        grids.append(SheetGrid(entry.title, False, _rows(found.values)))
    return grids


def _rows(values: dict[int, dict[int, object]]) -> list[list[object]]:
    rows: list[list[object]] = []
    for number in sorted(values):
        while len(rows) < number - 1:
            rows.append([])
        cells = values[number]
        row: list[object] = [None] * max(cells)
        for column, value in cells.items():
            row[column - 1] = _as_openpyxl(value)
        rows.append(row)
    return rows


def _as_openpyxl(value: object) -> object:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time())
    if value == "":
        return None
    return value
