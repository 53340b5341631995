"""Shared helpers for the output workbooks (汇总表, 反馈表): safe cell writing, print
settings, styles, and atomic saving next to a file that is open in Excel.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from copy import copy
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from kaohe_xl.atomic import replace_file, workbook_bytes
from kaohe_xl.errors import OutputError
from kaohe_xl.textnorm import display_width, safe_text
from kaohe_xl.xlsx.locks import lock_files

FONT = "宋体"  # what Chinese offices print with; LibreOffice substitutes a CJK font
SCORE_FORMAT = "0.00"
_THIN = Side(style="thin", color="808080")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
TITLE_FONT = Font(name=FONT, size=16, bold=True)
HEADER_FONT = Font(name=FONT, size=10, bold=True)
BODY_FONT = Font(name=FONT, size=10)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
FLAG_FILL = PatternFill("solid", fgColor="F8CBAD")  # flagged difference / not returned
MUTED_FILL = PatternFill("solid", fgColor="EDEDED")
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
# Excel (and LibreOffice) read a cell typed as =, +, - or @ as a formula.
_FORMULA_START = ("=", "+", "-", "@")


def put_text(
    ws: Worksheet, row: int, column: int, value: object, *, header: bool = False, center: bool = False
) -> Cell:
    """Write ``value`` as text, never as a formula, cleaned by :func:`~kaohe_xl.textnorm.safe_text`
    (a control character pasted from a PDF would make openpyxl refuse the whole workbook).

    openpyxl stores any str starting with ``=`` as a formula; forcing the cell type to
    ``s`` writes it as an inline string instead. The quote prefix (Excel's leading ')
    keeps it text even when someone edits the cell in Excel later.
    """
    text = "" if value is None else safe_text(str(value))
    cell = ws.cell(row=row, column=column)
    cell.value = text
    cell.data_type = "s"
    _styled(cell, ("text", header, center), lambda c: _text_style(c, header, center))
    if text.startswith(_FORMULA_START):
        cell.quotePrefix = True
    return cell


def put_number(ws: Worksheet, row: int, column: int, value: Decimal | int | None, fmt: str = SCORE_FORMAT) -> Cell:
    """Write a number (a Decimal goes in as the nearest float; shown with ``fmt``)."""
    cell = ws.cell(row=row, column=column)
    if value is not None:
        cell.value = float(value) if isinstance(value, Decimal) else value
        _styled(cell, ("number", fmt), lambda c: _number_style(c, fmt))
    else:
        _styled(cell, ("number", None), lambda c: _number_style(c, None))
    return cell


def put_formula(ws: Worksheet, row: int, column: int, formula: str, fmt: str = SCORE_FORMAT) -> Cell:
    """Write one of *our* formulas (never text that came from a unit)."""
    cell = ws.cell(row=row, column=column)
    cell.value = formula
    _styled(cell, ("number", fmt), lambda c: _number_style(c, fmt))
    return cell


# Setting cell.font / .border / ... makes openpyxl hash the style object against the
# workbook's style tables on every cell, which dominates writing tens of thousands of
# cells. Each cell only holds a small array of indexes into those tables, so the
# indexes of a finished style are kept per workbook and copied onto later cells.
_STYLE_CACHE: weakref.WeakKeyDictionary[Workbook, dict[Hashable, object]] = weakref.WeakKeyDictionary()


def _styled(cell: Cell, key: Hashable, build: Callable[[Cell], None]) -> None:
    cache = _STYLE_CACHE.setdefault(cell.parent.parent, {})
    style = cache.get(key)
    if style is None:
        build(cell)
        cache[key] = copy(cell._style)
    else:
        cell._style = copy(style)


def _text_style(cell: Cell, header: bool, center: bool) -> None:
    cell.font = HEADER_FONT if header else BODY_FONT
    cell.border = BORDER
    cell.alignment = CENTER if header or center else WRAP
    if header:
        cell.fill = HEADER_FILL


def _number_style(cell: Cell, fmt: str | None) -> None:
    cell.font = BODY_FONT
    cell.border = BORDER
    cell.alignment = Alignment(horizontal="center", vertical="center")
    if fmt is not None:
        cell.number_format = fmt


def title_row(ws: Worksheet, row: int, text: str, last_column: int, *, size: int = 16) -> None:
    """A merged title line across the table, written as text."""
    cell = put_text(ws, row, 1, text)
    cell.font = Font(name=FONT, size=size, bold=size >= 14)
    cell.border = Border()
    cell.alignment = Alignment(horizontal="center" if size >= 14 else "left", vertical="center", wrap_text=True)
    if last_column > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_column)


def print_setup(ws: Worksheet, *, landscape: bool, title_rows: str | None = None) -> None:
    """A4, one page wide (as many pages tall as needed), footer 第 X 页 共 Y 页."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    # Fit-to-width only works with fitToPage on the sheet properties; fitToHeight=0
    # means "as many pages as needed".
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    ws.oddFooter.center.size = 9


@dataclass(frozen=True)
class Saved:
    """Where a workbook went, and why it is not where it was asked to go."""

    path: Path
    wanted: Path
    note: str = ""  # Chinese: the target was open/locked, written beside it


def _beside(target: Path) -> Path:
    n = 1
    while True:
        candidate = target.with_name(f"{target.stem}({n}){target.suffix}")
        if not candidate.exists() and not lock_files(candidate):
            return candidate
        n += 1


def save_atomic(wb: Workbook, target: Path) -> Saved:
    """Save a workbook to ``target`` in one step (see :func:`place_atomic`).

    The workbook is serialised in memory first, so a failure there touches no file.
    """
    return place_atomic(workbook_bytes(wb), target)


def move_into_place(source: Path, target: Path) -> Saved:
    """Copy a finished file (e.g. a PDF) over ``target`` atomically; beside it when locked."""
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise OutputError(f"无法读取 {source}：{exc}") from exc
    return place_atomic(data, target)


def place_atomic(data: bytes, target: Path) -> Saved:
    """Write ``data`` to a temporary file, then move it over ``target`` in one step.

    A half-written file never replaces a good one, and the file gets the usual
    permissions (:func:`kaohe_xl.atomic.replace_file`). When ``target`` is open in
    Excel, WPS or LibreOffice (a lock file beside it, or Windows refusing the replace),
    the data is written beside it as ``name(1).xlsx`` and ``note`` says so.
    """
    wanted = target
    note = ""
    locks = lock_files(target)
    if locks:
        target = _beside(wanted)
        note = f"{wanted.name} 正在被其他程序打开（发现锁文件 {locks[0].name}），已另存为 {target.name}；关闭后重新运行即可覆盖原文件"
    try:
        try:
            replace_file(target, data)
        except PermissionError:  # Windows: the target is open in Excel or a PDF viewer
            if note:
                raise
            target = _beside(wanted)
            replace_file(target, data)
            note = f"{wanted.name} 正在被其他程序打开，无法覆盖，已另存为 {target.name}；关闭后重新运行即可覆盖原文件"
    except OSError as exc:
        raise OutputError(f"无法写入 {target}：{exc}") from exc
    return Saved(target, wanted, note)


def fit_height(ws: Worksheet, row: int, columns: int, *, line: float = 13.5, minimum: float = 15) -> None:
    """Set a row's height from its wrapped text.

    Neither openpyxl nor LibreOffice's PDF export grows a row for wrapped text written
    by openpyxl reliably, so the height is estimated from the column widths of the
    first ``columns`` columns.
    """
    lines = 1
    # Merged cells span several columns: their text does not wrap at one column's width.
    # (``coordinate in ws.merged_cells`` builds a range object per test: too slow here.)
    merged = [m for m in ws.merged_cells.ranges if m.min_row <= row <= m.max_row]
    # ws[row] would scan the whole sheet for its last column on every call (quadratic).
    for column in range(1, columns + 1):
        cell = ws.cell(row, column)
        if cell.data_type != "s" or not cell.value:
            continue
        if any(m.min_col <= column <= m.max_col for m in merged):
            continue
        chars = ws.column_dimensions[cell.column_letter].width or 8.43
        usable = max(int(chars) - 1, 2)
        count = sum(max(1, -(-display_width(part) // usable)) for part in str(cell.value).split("\n"))
        lines = max(lines, count)
    ws.row_dimensions[row].height = max(minimum, lines * line + 2)
