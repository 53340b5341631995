"""The sheets of 与上年对比.xlsx, laid out in an openpyxl skeleton and written as XML rows.

* ``与上年对比``: per unit 综合得分 of each year and the change (a formula with its
  result), 排名 of each year and the move (↑3, ↓2, 持平, 新增, 合并), 等次 of each year,
  备注; this year's order (as the 汇总表), then units no longer assessed; the notes below.
  When the years' full marks differ, the figures are shares of the full marks (%).
* ``类别对比``: each unit's share of each category's 分值 this year, then the change from
  last year (percentage points), both heat-mapped, with the mean per category.
* ``条目对比``: each item's mean share of 分值 this year and last; new and removed items listed.
* ``得分走势图``: each unit's 综合得分 over the years compared (a column per year), drawn
  from the hidden sheet ``_图表数据``.

Every sheet prints like the 汇总表: A4 landscape, one page wide, header rows repeated,
第 X 页 共 Y 页.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl import Workbook

from kaohe_xl.analysis.comparison import PERCENT, Comparison, UnitComparison
from kaohe_xl.analysis.matching import Match
from kaohe_xl.output.compare_details import (
    CATEGORY_SHEET,
    CHART_DATA_SHEET,
    CHART_SHEET,
    ITEM_SHEET,
    category_rows,
    chart_rows,
    item_rows,
    lay_out_categories,
    lay_out_chart,
    lay_out_items,
    line,
    set_widths,
    this_units,
    value_style,
)
from kaohe_xl.output.sheet_styles import STYLES, fit, signed
from kaohe_xl.textnorm import format_decimal
from kaohe_xl.xlsx.ooxml import column_letter
from kaohe_xl.xlsx.page import setup_page
from kaohe_xl.xlsx.sheetwriter import Book, Cell, Formula, SheetRows, Skeleton

__all__ = [
    "CATEGORY_SHEET",
    "CHART_DATA_SHEET",
    "CHART_SHEET",
    "COMPARE_SHEET",
    "ITEM_SHEET",
    "skeleton",
    "summary_line",
    "write_rows",
]

COMPARE_SHEET = "与上年对比"
FIRST_UNIT_ROW = 5  # 与上年对比: title, note, two header rows


@dataclass(frozen=True)
class _Grid:
    """The columns of 与上年对比: 编号, 单位, 综合得分 × years + 变化, 排名 × years + 变化, 等次 × years, 备注."""

    years: int

    @property
    def composite(self) -> int:
        return 3

    @property
    def rank(self) -> int:
        return self.composite + self.years + 1

    @property
    def grade(self) -> int:
        return self.rank + self.years + 1

    @property
    def note(self) -> int:
        return self.grade + self.years

    def widths(self) -> list[float]:
        return [6, 14] + [9.0] * (self.years + 1) + [7.0] * (self.years + 1) + [7.0] * self.years + [26]


def skeleton(comparison: Comparison) -> Skeleton:
    """The workbook laid out: widths, print setup, frozen panes, heat maps, the chart."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = COMPARE_SHEET
    set_widths(ws, _Grid(len(comparison.years)).widths())
    ws.freeze_panes = ws.cell(FIRST_UNIT_ROW, 3)
    setup_page(ws, landscape=True, title_rows=(1, FIRST_UNIT_ROW - 1))
    lay_out_categories(wb.create_sheet(CATEGORY_SHEET), comparison)
    lay_out_items(wb.create_sheet(ITEM_SHEET))
    lay_out_chart(wb.create_sheet(CHART_SHEET), wb.create_sheet(CHART_DATA_SHEET), comparison)
    return Skeleton(wb, STYLES)


def write_rows(book: Book, comparison: Comparison) -> None:
    """Fill the skeleton's sheets."""
    _unit_rows(book.sheet(COMPARE_SHEET), comparison)
    category_rows(book.sheet(CATEGORY_SHEET), comparison)
    item_rows(book.sheet(ITEM_SHEET), comparison)
    chart_rows(book.sheet(CHART_SHEET), book.sheet(CHART_DATA_SHEET), comparison)


def summary_line(comparison: Comparison) -> str:
    """What the comparison found, in one sentence (the sheet's second row, the CLI's output)."""
    counts = comparison.counts()
    this, last = comparison.this, comparison.last
    comparable = counts[Match.SAME] + counts[Match.RENAMED] + counts[Match.SPLIT] + counts[Match.MERGED]
    parts = [f"{this.label} {len(this_units(comparison))} 个单位，与{last.label}相比可比 {comparable} 个"]
    for kind in (Match.RENAMED, Match.MERGED, Match.SPLIT, Match.NEW):
        if counts[kind]:
            parts.append(f"{kind.label} {counts[kind]} 个")
    if counts[Match.REMOVED]:
        parts.append(f"{'、'.join(y.label for y in comparison.years[1:])}有而{this.label}无 {counts[Match.REMOVED]} 个")
    return "，".join(parts)


def _basis_text(comparison: Comparison) -> str:
    if comparison.basis == PERCENT:
        return "各年满分不同，综合得分按得分率（占满分的百分比）比较，变化为百分点。"
    full = comparison.this.full_marks
    return f"综合得分按原分值比较（满分 {format_decimal(full)} 分）。" if full else "综合得分按原分值比较。"


def _unit_rows(rows: SheetRows, comparison: Comparison) -> None:
    grid = _Grid(len(comparison.years))
    width, widths = grid.note, grid.widths()
    others = "、".join(y.label for y in comparison.years[1:])
    at = rows.row([(f"{comparison.this.name} 与{others}对比", "title")], height=30)
    rows.merge(at, 1, at, width)
    intro = f"{summary_line(comparison)}。{_basis_text(comparison)}排名变化 = 上年名次 − 本年名次（↑ 上升，↓ 下降）。"
    line(rows, intro, "subtitle", width, widths)
    _unit_header(rows, comparison, grid)
    for unit in comparison.units:
        _unit_row(rows, comparison, grid, unit)
    if comparison.notes:
        rows.row([])
        line(rows, "说明：", "section", width, widths, height=18)
        for note in comparison.notes:
            line(rows, note, "note", width, widths)


def _unit_header(rows: SheetRows, comparison: Comparison, grid: _Grid) -> None:
    n = grid.years
    score_title = "综合得分率（占满分%）" if comparison.basis == PERCENT else "综合得分"
    top: list[Cell] = [("编号", "header"), ("单位", "header")]
    top += [(score_title, "header")] + [("", "header")] * n
    top += [("排名", "header")] + [("", "header")] * n
    top += [("等次", "header")] + [("", "header")] * (n - 1)
    top += [("备注", "header")]
    first = rows.row(top, height=20)
    labels = [y.label for y in comparison.years]
    change = "变化（百分点）" if comparison.basis == PERCENT else "变化"
    second: list[Cell] = [("", "header"), ("", "header")]
    second += [(label, "header") for label in labels] + [(change, "header")]
    second += [(label, "header") for label in labels] + [("变化", "header")]
    second += [(label, "header") for label in labels] + [("", "header")]
    rows.row(second, height=30)
    for column in (1, 2, grid.note):
        rows.merge(first, column, first + 1, column)
    rows.merge(first, grid.composite, first, grid.composite + n)
    rows.merge(first, grid.rank, first, grid.rank + n)
    if n > 1:
        rows.merge(first, grid.grade, first, grid.grade + n - 1)


def _unit_row(rows: SheetRows, comparison: Comparison, grid: _Grid, unit: UnitComparison) -> None:
    mark = "_muted" if unit.match is Match.REMOVED else ""
    shown_style = value_style(comparison.basis) + mark
    number = rows.last_row + 1
    cells: list[Cell] = [(unit.unit_id, f"center{mark}"), (unit.unit_name, f"text{mark}")]
    for figure in unit.figures:
        shown = figure.shown(comparison.basis) if figure else None
        if figure is not None and shown is None and figure.state:
            cells.append((figure.state, "state"))
        else:
            cells.append((shown, shown_style))
    this_col, last_col = column_letter(grid.composite), column_letter(grid.composite + 1)
    if unit.change is not None:
        formula = Formula(f"{this_col}{number}-{last_col}{number}", unit.change)
        cells.append((formula, signed("change", unit.change) if not mark else "change_muted"))
    else:
        cells.append((None, f"change{mark}"))
    cells += [(figure.rank if figure else None, f"count{mark}") for figure in unit.figures]
    move = unit.rank_change or 0
    cells.append((unit.rank_move, "up" if move > 0 else "down" if move < 0 else f"center{mark}"))
    cells += [((figure.grade or None) if figure else None, f"center{mark}") for figure in unit.figures]
    cells.append((unit.note or None, f"text{mark}"))
    widths = grid.widths()
    rows.row(cells, height=fit([(unit.unit_name, widths[1]), (unit.note, widths[-1])], minimum=20))
