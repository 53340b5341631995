"""Rows written the :class:`~kaohe_xl.xlsx.sheetwriter.SheetRows` way into an openpyxl worksheet.

A sheet module that writes its rows through :class:`RowSink` (``row``, ``merge``,
``page_break``) works unchanged in a workbook built with openpyxl (:class:`WorksheetRows`)
and in one written by :mod:`kaohe_xl.xlsx.sheetwriter` (``book.sheet(title)``): moving a
workbook onto the fast writer then changes the caller, not the sheet module.

openpyxl cannot store a formula's result: a :class:`~kaohe_xl.xlsx.sheetwriter.Formula`
is written as the formula alone (Excel and LibreOffice compute it on opening).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from copy import copy
from typing import Any, Protocol

from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from kaohe_xl.xlsx.sheetwriter import Cell, Formula, Style

# Excel (and LibreOffice) read a cell typed as =, +, - or @ as a formula.
_FORMULA_START = ("=", "+", "-", "@")


class RowSink(Protocol):
    """Where a sheet module writes its rows: :class:`~kaohe_xl.xlsx.sheetwriter.SheetRows`
    or :class:`WorksheetRows`."""

    last_row: int

    def row(self, cells: Sequence[Cell], *, height: float | None = None, at: int | None = None) -> int: ...

    def merge(self, first_row: int, first_column: int, last_row: int, last_column: int) -> None: ...

    def page_break(self, before_row: int) -> None: ...


class WorksheetRows:
    """:class:`RowSink` over an openpyxl worksheet; the first row written is ``after`` + 1."""

    def __init__(self, ws: Worksheet, styles: Mapping[str, Style], *, after: int = 0) -> None:
        self.ws = ws
        self._styles = styles
        self._done: dict[str, Any] = {}  # style name → the cell style array openpyxl made for it
        self.last_row = after

    def row(self, cells: Sequence[Cell], *, height: float | None = None, at: int | None = None) -> int:
        number = self.last_row + 1 if at is None else at
        if number <= self.last_row:
            raise ValueError(f"row {number} after row {self.last_row}: rows go in order")
        for column, cell in enumerate(cells, start=1):
            if cell is not None:
                self._put(number, column, *cell)
        if height:
            self.ws.row_dimensions[number].height = height
        self.last_row = number
        return number

    def merge(self, first_row: int, first_column: int, last_row: int, last_column: int) -> None:
        self.ws.merge_cells(start_row=first_row, start_column=first_column, end_row=last_row, end_column=last_column)

    def page_break(self, before_row: int) -> None:
        self.ws.row_breaks.append(Break(id=before_row - 1))

    def _put(self, row: int, column: int, value: Any, style: str) -> None:
        cell = self.ws.cell(row=row, column=column)
        done = self._done.get(style)
        if done is None:
            look = self._styles[style]
            cell.font, cell.fill, cell.border = look.font, look.fill, look.border
            cell.alignment, cell.number_format, cell.protection = look.alignment, look.number_format, look.protection
            self._done[style] = copy(cell._style)
        else:
            cell._style = copy(done)
        if isinstance(value, Formula):
            cell.value = "=" + value.expr.removeprefix("=")
        elif isinstance(value, str):
            cell.value = value
            cell.data_type = "s"  # text, never a formula, whatever it starts with
            if value.startswith(_FORMULA_START):
                cell.quotePrefix = True
        elif value is not None:
            cell.value = float(value) if not isinstance(value, bool | int | float) else value
