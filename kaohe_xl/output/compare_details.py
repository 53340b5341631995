"""The detail sheets of 与上年对比.xlsx: 类别对比, 条目对比, 得分走势图 (see :mod:`.compare_sheets`)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.worksheet.worksheet import Worksheet

from kaohe_xl.analysis.comparison import PERCENT, Comparison, UnitComparison
from kaohe_xl.analysis.matching import Match
from kaohe_xl.analysis.rubric_changes import CategoryComparison
from kaohe_xl.output.sheet_styles import fit, signed
from kaohe_xl.textnorm import format_decimal
from kaohe_xl.xlsx.ooxml import column_letter
from kaohe_xl.xlsx.page import setup_page
from kaohe_xl.xlsx.sheetwriter import Cell, SheetRows

CATEGORY_SHEET = "类别对比"
ITEM_SHEET = "条目对比"
CHART_SHEET = "得分走势图"
CHART_DATA_SHEET = "_图表数据"  # the chart's figures, a hidden sheet: 与上年对比 shows them
CHART_TABLE_ROW = 1
CHART_COLUMNS = 12
ITEM_WIDTHS = (6.0, 12.0, 46.0, 7.0, 10.0, 10.0, 10.0, 30.0)
RED, YELLOW, WHITE, GREEN = "F8696B", "FFEB84", "FFFFFF", "63BE7B"  # Excel's own colour-scale colours


def this_units(comparison: Comparison) -> list[UnitComparison]:
    return [u for u in comparison.units if u.match is not Match.REMOVED]


def compared_categories(comparison: Comparison) -> list[CategoryComparison]:
    return [c for c in comparison.categories if c.cap is not None and c.last_cap is not None]


def set_widths(ws: Worksheet, widths: Sequence[float]) -> None:
    for n, width in enumerate(widths, start=1):
        ws.column_dimensions[column_letter(n)].width = width


def line(
    rows: SheetRows, text: str, style: str, width: int, widths: Sequence[float], height: float | None = None
) -> int:
    at = rows.row([(text, style)], height=height or fit([(text, sum(widths))], line=13))
    rows.merge(at, 1, at, width)
    return at


def value_style(basis: str) -> str:
    return "percent2" if basis == PERCENT else "score"


def lay_out_categories(ws: Worksheet, comparison: Comparison) -> None:
    categories = compared_categories(comparison)
    set_widths(ws, [6, 14] + [9.0] * max(len(categories), 6))
    ws.freeze_panes = "C4"
    setup_page(ws, landscape=True, title_rows=(1, 3))
    units = len(this_units(comparison))
    if not categories or not units:
        return
    last = column_letter(2 + len(categories))
    first_block = f"C5:{last}{4 + units}"
    second_start = 4 + units + 2 + 2  # the means of this and last year, then the section row
    second_block = f"C{second_start}:{last}{second_start + units - 1}"
    ws.conditional_formatting.add(
        first_block,
        ColorScaleRule(
            start_type="min",
            start_color=RED,
            mid_type="percentile",
            mid_value=50,
            mid_color=YELLOW,
            end_type="max",
            end_color=GREEN,
        ),
    )
    ws.conditional_formatting.add(
        second_block,
        ColorScaleRule(
            start_type="min",
            start_color=RED,
            mid_type="num",
            mid_value=0,
            mid_color=WHITE,
            end_type="max",
            end_color=GREEN,
        ),
    )


def lay_out_items(ws: Worksheet) -> None:
    """条目对比: widths, frozen panes, print setup."""
    set_widths(ws, ITEM_WIDTHS)
    ws.freeze_panes = "D4"
    setup_page(ws, landscape=True, title_rows=(1, 3))


def lay_out_chart(ws: Worksheet, data_ws: Worksheet, comparison: Comparison) -> None:
    """得分走势图: one page, the chart of the figures on the hidden sheet ``data_ws``.

    A chart plots a hidden sheet's cells (only hidden rows and columns are left out), and
    the figures are on 与上年对比 already: the data sheet stays out of the printout.
    """
    years = len(comparison.years)
    # The chart is 24 cm wide. The page prints one page wide, so the title's columns must
    # not be wider than the paper or the chart shrinks: 12 columns of 9 characters are
    # about 22 cm in Excel and 27 cm in LibreOffice (A4 landscape holds 27.7 cm).
    set_widths(ws, [9.0] * CHART_COLUMNS)
    data_ws.sheet_state = "hidden"
    set_widths(data_ws, [14] + [10.0] * years)
    setup_page(ws, landscape=True, title_rows=(1, 1))
    units = len(this_units(comparison))
    if not units:
        return
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    chart.title = "各单位综合得分" + ("（得分率）" if comparison.basis == PERCENT else "")
    chart.y_axis.title = "得分率（%）" if comparison.basis == PERCENT else "综合得分"
    data = Reference(data_ws, min_col=2, max_col=1 + years, min_row=CHART_TABLE_ROW, max_row=CHART_TABLE_ROW + units)
    names = Reference(data_ws, min_col=1, min_row=CHART_TABLE_ROW + 1, max_row=CHART_TABLE_ROW + units)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(names)
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    low = _axis_floor(comparison)
    if low:  # scores of 70–90 on an axis from 0 look all alike
        chart.y_axis.scaling.min = low
    chart.width = 24
    chart.height = 14
    ws.add_chart(chart, "A3")


def _axis_floor(comparison: Comparison) -> int:
    """Where the chart's value axis starts: 10 below the lowest figure, in tens (0 for low figures)."""
    shown = [
        value
        for unit in this_units(comparison)
        for figure in unit.figures
        if figure is not None and (value := figure.shown(comparison.basis)) is not None
    ]
    if not shown:
        return 0
    return max(int(min(shown) // 10) * 10 - 10, 0)


def category_rows(rows: SheetRows, comparison: Comparison) -> None:
    categories = compared_categories(comparison)
    widths = [6.0, 14.0] + [9.0] * max(len(categories), 6)
    width = 2 + max(len(categories), 1)
    this, last = comparison.this, comparison.last
    at = rows.row([(f"各类别得分率 {this.label}与{last.label}对比", "title")], height=30)
    rows.merge(at, 1, at, width)
    explain = "得分率 = 类别得分 ÷ 类别分值（封顶后，考核组得分）；变化 = 本年得分率 − 上年得分率（百分点）。颜色：越红越低，越绿越高。"
    line(rows, explain, "subtitle", width, widths)
    header: list[Cell] = [("编号", "header"), ("单位", "header")]
    header += [(f"{c.name}\n({format_decimal(c.cap)})", "header") for c in categories]
    rows.row(header, height=fit([(h[0], 9) for h in header if isinstance(h, tuple) and isinstance(h[0], str)]))
    units = this_units(comparison)
    if not categories:
        line(
            rows,
            f"{last.label}的结果没有与本年同名的类别得分（例如只有综合得分的汇总表），无法按类别比较。",
            "subtitle",
            width,
            widths,
        )
    elif units:
        line(rows, f"{this.label}各类别得分率（%）", "section", width, widths, height=18)
        for unit in units:
            shares = [unit.categories.get(c.name) for c in categories]
            rows.row(_named(unit) + [(s.this if s else None, "percent") for s in shares], height=20)
        rows.row(_label_cells(f"{this.label}平均") + [(c.mean, "percent") for c in categories], height=20)
        rows.row(_label_cells(f"{last.label}平均") + [(c.last_mean, "percent") for c in categories], height=20)
        line(rows, f"比{last.label}变化（百分点）", "section", width, widths, height=18)
        for unit in units:
            shares = [unit.categories.get(c.name) for c in categories]
            changes = [s.change if s else None for s in shares]
            rows.row(_named(unit) + [(v, signed("change1", v)) for v in changes], height=20)
        rows.row(_label_cells("平均变化") + [(c.change, signed("change1", c.change)) for c in categories], height=20)
    notes = [f"{c.name}：{c.note}" for c in comparison.categories if c.note]
    if notes:
        rows.row([])
        for note in notes:
            line(rows, note, "note", width, widths)


def _named(unit: UnitComparison) -> list[Cell]:
    name = unit.unit_name + (f"（{unit.match.label}）" if unit.match is Match.NEW else "")
    return [(unit.unit_id, "center"), (name, "text")]


def _label_cells(label: str) -> list[Cell]:
    return [("", "header"), (label, "header_left")]


def item_rows(rows: SheetRows, comparison: Comparison) -> None:
    this, last = comparison.this, comparison.last
    widths = list(ITEM_WIDTHS)
    at = rows.row([(f"各条目得分率 {this.label}与{last.label}对比", "title")], height=30)
    rows.merge(at, 1, at, len(widths))
    explain = (
        "条目按编号和考核内容对应（编号改了而内容相同的也对应）；对应不上的列为新增或已删除，不作比较。"
        "得分率 = 各单位得分之和 ÷（分值 × 单位数）；扣分条目和扣分制类别为未被扣去的比例；加分条目为所得加分占分值的比例。"
    )
    line(rows, explain, "subtitle", len(widths), widths)
    labels = [
        "编号",
        "类别",
        "考核内容",
        "分值",
        f"{this.label}得分率",
        f"{last.label}得分率",
        "变化（百分点）",
        "说明",
    ]
    rows.row([(label, "header") for label in labels], height=30)
    if not last.items:
        line(
            rows,
            f"{last.label}的结果没有分条目得分（例如只有综合得分的汇总表），无法按条目比较。",
            "subtitle",
            len(widths),
            widths,
        )
        return
    for row in comparison.items:
        item = row.item or row.last
        assert item is not None
        mark = "_muted" if row.item is None else ""
        cells: list[Cell] = [
            (item.id, f"center{mark}"),
            (item.category, f"text{mark}"),
            (item.content, f"text{mark}"),
            (item.points, f"score{mark}"),
            (row.share, f"percent{mark}"),
            (row.last_share, f"percent{mark}"),
            (row.change, f"change1{mark}" if mark else signed("change1", row.change)),
            (row.note or None, f"text{mark}"),
        ]
        rows.row(cells, height=fit([(item.category, 12), (item.content, 46), (row.note, 30)]))


def chart_rows(rows: SheetRows, data: SheetRows, comparison: Comparison) -> None:
    """得分走势图's title, and the chart's figures on the hidden sheet."""
    years = list(reversed(comparison.years))  # oldest first: the columns read as time passing
    at = rows.row([(f"各单位综合得分（{years[0].label}—{years[-1].label}）", "title")], height=30)
    rows.merge(at, 1, at, CHART_COLUMNS)
    units = this_units(comparison)
    if not units:
        rows.row([("尚无可比较的单位", "subtitle")])
        return
    data.row([("单位", "header")] + [(y.label, "header") for y in years], at=CHART_TABLE_ROW)
    for unit in units:
        figures = list(reversed(unit.figures))
        values: list[Decimal | None] = [f.shown(comparison.basis) if f else None for f in figures]
        data.row([(unit.unit_name, "text")] + [(v, value_style(comparison.basis)) for v in values])
