"""Pieces every generated workbook shares: context (:mod:`.context`), cell writing, 说明/lists/metadata
sheets, protection and print set-up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from copy import copy
from decimal import Decimal

from openpyxl.styles import Font, Protection
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from kaohe_xl.forms import layout
from kaohe_xl.forms.context import FormContext
from kaohe_xl.forms.inputs import add_validation, protect_sheet
from kaohe_xl.forms.styles import CellStyle
from kaohe_xl.rubric.model import Rubric
from kaohe_xl.textnorm import format_decimal
from kaohe_xl.xlsx import measure
from kaohe_xl.xlsx.cells import apply, put
from kaohe_xl.xlsx.ooxml import column_letter
from kaohe_xl.xlsx.page import setup_page

UNLOCKED = Protection(locked=False)
LOCKED = Protection(locked=True)


# ---- cells ----------------------------------------------------------------------------
# One way of writing a cell for every workbook: kaohe_xl.xlsx.cells.put (text never a
# formula, Decimals as numbers, formulas with their result) and apply (the look).


def style_row(ws: Worksheet, row: int, first: int, last: int, style: CellStyle) -> None:
    for column in range(first, last + 1):
        apply(ws.cell(row=row, column=column), style)


def merged_width(ctx: FormContext, labels: Sequence[str]) -> float:
    """The width (Excel units) of the columns headed ``labels``, side by side."""
    return sum(ctx.styles.width(label) for label in labels)


def banner_rows(ws: Worksheet, ctx: FormContext, last_col: int, lines: Sequence[tuple[str, str]]) -> int:
    """Banner (from the template), title and sub-lines merged across the table, each row
    as tall as its text needs at its font size across the merged width; next free row."""
    row = 1
    width = sum(ws.column_dimensions[column_letter(n)].width or 8.43 for n in range(1, last_col + 1))
    rows = ([("banner", ctx.styles.banner)] if ctx.styles.banner else []) + list(lines)
    for role, text in rows:
        style = ctx.styles[role]
        put(ws, row, 1, text, style)
        if last_col > 1:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_col)
        size = style.size
        lines_needed = len(measure.wrap(text, width, size)) if style.wraps else 1
        ws.row_dimensions[row].height = measure.lines_height(lines_needed, size, minimum=round(size * 1.6 + 4, 1))
        row += 1
    return row


def row_height(cells: Iterable[tuple[str, float]], font_size: float = 10.5, minimum: float = 20.0) -> float:
    """The height (points) a row needs for wrapped texts in columns of the given widths
    (:mod:`kaohe_xl.xlsx.measure`: CJK counts double, at the font size, in the column width)."""
    return measure.row_height(((text, width, font_size) for text, width in cells), minimum)


# ---- sheets ------------------------------------------------------------------------------
def write_lists(wb: Workbook) -> None:
    """The hidden option list for 否决 items and its defined name.

    Excel rule: a list validation written as a literal longer than 255 characters makes
    Excel "repair" the file, so lists always live on a sheet and are referred to by name.
    """
    ws = wb.create_sheet(layout.LISTS_SHEET)
    for row, option in enumerate(layout.VETO_OPTIONS, start=1):
        ws.cell(row=row, column=1, value=option)
    last = len(layout.VETO_OPTIONS)
    ref = f"{quote_sheet(layout.LISTS_SHEET)}!$A$1:$A${last}"
    wb.defined_names[layout.NAME_VETO_LIST] = DefinedName(layout.NAME_VETO_LIST, attr_text=ref)
    ws.sheet_state = "hidden"


def write_meta(wb: Workbook, meta: Mapping[str, str]) -> None:
    """The very hidden, signed key/value sheet the return reader trusts."""
    ws = wb.create_sheet(layout.META_SHEET)
    for row, key in enumerate(layout.META_KEYS, start=1):
        put(ws, row, 1, key)
        put(ws, row, 2, meta.get(key) or None)
    # "veryHidden" cannot be undone from Excel's Unhide dialog (only through VBA).
    ws.sheet_state = "veryHidden"


def write_unit_cell(ws: Worksheet, row: int, column: int, unit_id: str, style: CellStyle) -> None:
    """The locked cell that says which unit a sheet is for, and its sheet-local name.

    A sheet-local defined name belongs to its sheet by position, so renaming (or
    swapping) tabs leaves every unit's id on its own sheet: the reader finds a unit's
    sheet by this cell, not by the tab name. It sits right of the table, outside the
    print area.
    """
    cell = put(ws, row, column, unit_id, style)
    cell.font = Font(name=style.font.name, size=9, color="808080")
    cell.protection = LOCKED
    ref = f"{quote_sheet(ws.title)}!${column_letter(column)}${row}"
    ws.defined_names[layout.NAME_UNIT] = DefinedName(layout.NAME_UNIT, attr_text=ref)


def write_instructions(
    ws: Worksheet,
    ctx: FormContext,
    heading: str,
    facts: Sequence[tuple[str, str]],
    steps: Sequence[str],
    assessor_input: bool = False,
    assessor_name: str = "",
) -> None:
    """The 说明 sheet: facts (label, value), optionally the 评分人 input, numbered steps.

    ``assessor_name``: a named assessor's copy — the 评分人 cell holds the name, locked.
    """
    styles = ctx.styles
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 72
    row = banner_rows(ws, ctx, 2, [("note_title", heading)])
    for label, value in facts:
        put(ws, row, 1, label, styles["note"])
        put(ws, row, 2, value, styles["note"])
        ws.row_dimensions[row].height = row_height([(value, 72)], 12, 22)
        row += 1
    if assessor_input:
        put(ws, row, 1, "评分人" if assessor_name else "评分人（必填）", styles["note"])
        cell = put(ws, row, 2, assessor_name or None, styles["readonly" if assessor_name else "input_text"])
        cell.protection = LOCKED if assessor_name else UNLOCKED
        ws.row_dimensions[row].height = 26
        ref = f"{quote_sheet(ws.title)}!$B${row}"
        ws.parent.defined_names[layout.NAME_ASSESSOR] = DefinedName(layout.NAME_ASSESSOR, attr_text=ref)
    if assessor_input and not assessor_name:
        dv = DataValidation(
            type="textLength",
            operator="between",
            formula1="1",
            formula2="50",
            allow_blank=False,
            showErrorMessage=True,
            showInputMessage=True,
            errorTitle="评分人姓名",
            error="请填写评分人姓名（1～50个字）。",
            promptTitle="评分人",
            prompt="请填写您的姓名，多位评分人各交一份时据此区分。",
        )
        dv.add(f"B{row}")
        add_validation(ws, dv)
    if assessor_input:
        row += 1
    row += 1
    heading_font = copy(styles["note_title"].font)
    heading_font.sz = 13
    put(ws, row, 1, "填表说明", styles["note"]).font = heading_font
    row += 1
    for n, step in enumerate(steps, start=1):
        text = f"{n}. {step}"
        put(ws, row, 1, text, styles["note"])
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        ws.row_dimensions[row].height = row_height([(text, 90)], 12, 22)
        row += 1
    setup_print(ws, ctx, title_rows=None, last_row=row - 1, last_col=2, orientation="portrait")
    protect_sheet(ws, ctx.password)


def fact_lines(ctx: FormContext) -> list[tuple[str, str]]:
    """Deadline and contact lines shared by every 说明 sheet."""
    settings = ctx.rubric.settings
    contact = " ".join(t for t in (settings.contact, settings.phone) if t)
    return [
        ("考核名称", ctx.title),
        ("满分", f"{format_decimal(settings.full_marks)} 分"),
        ("截止日期", settings.deadline or "见通知"),
        ("联系人", contact or "见通知"),
    ]


def step_note(rubric: Rubric, *, items: bool = True) -> str:
    """The score granularity, as the returns are checked: ``分数须为 0.5 的整数倍…``.

    The same source of truth as the check (:func:`kaohe_xl._cell_check.check_score`):
    ``rubric.step_of(item)`` for item sheets (the item's own 步长, else 设置 步长), and
    设置 步长 for rater sheets (``items=False``). Items whose step differs from the main
    one are named by 编号. The main step is 设置 步长, unless no scored item uses it.
    """
    default = rubric.settings.step
    if not items:
        return _step_text(default)
    steps = {item.id: rubric.step_of(item) for item in rubric.items if item.is_scored}
    counts = Counter(steps.values())
    main = default if default in counts or not counts else counts.most_common(1)[0][0]
    others: dict[Decimal, list[str]] = {}
    for item_id, step in steps.items():
        if step != main:
            others.setdefault(step, []).append(item_id)
    text = _step_text(main)
    for step, ids in sorted(others.items()):
        text += f"；编号 {'、'.join(ids)} 的条目最小单位为 {format_decimal(step)} 分"
    return text


def _step_text(step: Decimal) -> str:
    s = format_decimal(step)
    # the wording of the bad_step message a unit gets back when a score is off the step
    return f"分数的最小单位为 {s} 分，须为 {s} 的整数倍（如 {s}、{format_decimal(step * 2)}）"


# ---- protection and printing -------------------------------------------------------------
def setup_print(
    ws: Worksheet,
    ctx: FormContext,
    title_rows: tuple[int, int] | None,
    last_row: int,
    last_col: int,
    orientation: str | None = None,
) -> None:
    """A4, one page wide, header rows repeated, page numbers in the footer inside the margin."""
    landscape = (orientation or ctx.styles.orientation) == "landscape"
    setup_page(ws, landscape=landscape, title_rows=title_rows, area=(last_row, last_col))


def quote_sheet(title: str) -> str:
    """A sheet title as used in formulas and defined names: always quoted, quotes doubled."""
    return "'" + title.replace("'", "''") + "'"


def ranges(column: str, rows: Sequence[int]) -> list[str]:
    """``G5:G7``-style ranges covering the given rows of one column (contiguous runs merged)."""
    out: list[str] = []
    ordered = sorted(rows)
    start = prev = ordered[0] if ordered else 0
    for row in ordered[1:]:
        if row == prev + 1:
            prev = row
            continue
        out.append(f"{column}{start}" if start == prev else f"{column}{start}:{column}{prev}")
        start = prev = row
    if ordered:
        out.append(f"{column}{start}" if start == prev else f"{column}{start}:{column}{prev}")
    return out
