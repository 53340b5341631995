"""The look of the output workbooks (汇总表, 反馈表): named cell styles and sheet layout.

Every output cell takes one of :data:`STYLES` by name; a name ending in ``!`` is the
same style on the flag colour (a flagged difference, a return still owed, a veto).
Sheets are laid out on an openpyxl skeleton (:mod:`kaohe_xl.xlsx.sheetwriter`): column
widths, print set-up (:mod:`kaohe_xl.xlsx.page`), frozen panes; the rows follow as XML.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from kaohe_xl.xlsx.cells import Style, Value
from kaohe_xl.xlsx.ooxml import column_letter
from kaohe_xl.xlsx.page import setup_page
from kaohe_xl.xlsx.sheetwriter import SheetRows

FONT = "宋体"  # what Chinese offices print with; LibreOffice substitutes a CJK font
SCORE_FORMAT = "0.00"
WHOLE_FORMAT = "0"
PERCENT_FORMAT = "0.0%"  # a fraction held as a number: 0.3333 shows as 33.3%
RATIO_FORMAT = '0.00"%"'  # a percentage held as a number: 83.5 shows as 83.50%
# Excel number format: the literal text in quotes around the number, so 2 shows as
# 扣 2.00 分 and the cell still holds the number 2.
DEDUCTION_FORMAT = '"扣 "0.00" 分"'
FLAG_FILL = PatternFill("solid", fgColor="F8CBAD")  # flagged difference / not returned / veto
MUTED_FILL = PatternFill("solid", fgColor="EDEDED")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="808080")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
TITLE_MIN = 30.0  # a 16-pt title's row: one line and room above it


def _font(size: float, bold: bool = False) -> Font:
    return Font(name=FONT, size=size, bold=bold)


def _styles() -> dict[str, Style]:
    body, cell = _font(10), {"border": BORDER}
    styles = {
        "title": Style(font=_font(16, True), alignment=_CENTER),
        "subtitle": Style(font=_font(10), alignment=_LEFT),
        "section": Style(font=_font(11, True), alignment=_LEFT),
        "note": Style(font=_font(9), alignment=_LEFT),
        "sign": Style(font=_font(11), alignment=Alignment(horizontal="left", vertical="bottom", wrap_text=True)),
        "seal": Style(font=_font(11), alignment=Alignment(horizontal="right", vertical="center", wrap_text=True)),
        "header": Style(font=_font(10, True), fill=HEADER_FILL, alignment=_CENTER, **cell),
        "text": Style(font=body, alignment=_LEFT, **cell),
        "center": Style(font=body, alignment=_CENTER, **cell),
        "number": Style(font=body, alignment=_CENTER, number_format=SCORE_FORMAT, **cell),
        "whole": Style(font=body, alignment=_CENTER, number_format=WHOLE_FORMAT, **cell),
        "percent": Style(font=body, alignment=_CENTER, number_format=PERCENT_FORMAT, **cell),
        "ratio": Style(font=body, alignment=_CENTER, number_format=RATIO_FORMAT, **cell),
        "deduction": Style(font=body, alignment=_CENTER, number_format=DEDUCTION_FORMAT, **cell),
        "muted": Style(font=body, fill=MUTED_FILL, alignment=_LEFT, **cell),
    }
    for name in ("text", "center", "number"):
        styles[name + "!"] = replace(styles[name], fill=FLAG_FILL)
    return styles


STYLES = _styles()


def flagged(style: str, flag: bool) -> str:
    """``style`` on the flag colour when ``flag``."""
    return style + "!" if flag else style


def lay_out(
    wb: Workbook,
    title: str,
    widths: Sequence[float],
    *,
    landscape: bool,
    title_rows: tuple[int, int] | None = None,
    title_columns: tuple[int, int] | None = None,
    pages_wide: int = 1,
    freeze: str | None = None,
    first: bool = False,
) -> Worksheet:
    """A skeleton sheet: column widths, print set-up, frozen panes (``first``: the active one)."""
    if first:
        ws = wb.active
        assert ws is not None
        ws.title = title
    else:
        ws = wb.create_sheet(title)
    for n, width in enumerate(widths, start=1):
        ws.column_dimensions[column_letter(n)].width = width
    setup_page(ws, landscape=landscape, title_rows=title_rows, title_columns=title_columns, pages_wide=pages_wide)
    if freeze:
        ws.freeze_panes = freeze
    return ws


def title_line(sheet: SheetRows, text: str, width: int, style: str = "title", *, minimum: float = 0.0) -> int:
    """A line of text merged across the table's ``width`` columns, as tall as it needs."""
    low = TITLE_MIN if style == "title" else minimum
    cells: list[tuple[Value, str] | None] = [(text, style)] + [(None, style)] * (width - 1)
    return sheet.row(cells, fit=True, minimum=low, spans=[(1, width)] if width > 1 else [])


def header_line(sheet: SheetRows, labels: Sequence[str | None], *, minimum: float = 20.0) -> int:
    """A row of column headers (``None``: a cell of a merged header, styled alike)."""
    return sheet.row([(label, "header") for label in labels], fit=True, minimum=minimum)
