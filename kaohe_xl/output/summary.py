"""Results → the printable 汇总 workbook: 汇总表 and its chart, 失分分析 (:mod:`.loss`), then
the detail sheets (自评与考核差异, 差异明细, 分项明细, 回收情况, 拒收文件; :mod:`.summary_sheets`).

The 汇总表 sheet carries a few formulas so the figures can be checked in Excel:
基础分 = SUM(category cells), the primary source's total = MAX(基础分 + 加分 − 扣分, 0),
a converted figure (千分制) = total × scale / full marks, 综合得分 = ROUND(Σ weight ×
(converted) total, 2); with 加分计入 年度总分 the 加分 cell is left out of the round's
total and added once to 综合得分, converted like the primary round. Each formula is stored with its result (what Excel computes from
the cells beside it), so previews, python-calamine and pandas show the figures.
Everything else is a value. Every text that came from units or assessors is written as
text, never as a formula. A scheme without 自评 has no 自评与考核差异 sheets (the
计分办法 lines say so).

The workbook is laid out once on an openpyxl skeleton (widths, print set-up, the chart)
and its rows are streamed as XML (:mod:`kaohe_xl.xlsx.sheetwriter`): a thousand units
take about a second and constant memory.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from kaohe_xl.analysis.losses import analyse_losses
from kaohe_xl.errors import OutputError
from kaohe_xl.output import summary_sheets as sheets
from kaohe_xl.output.look import flagged, header_line, lay_out, title_line
from kaohe_xl.output.loss import LOSS_SHEET, lay_out_losses, loss_title, write_losses
from kaohe_xl.output.report import OutputReport
from kaohe_xl.output.rules_text import converted_label, formula_text
from kaohe_xl.output.sheet_styles import SUMMARY_STYLES
from kaohe_xl.output.summary_sheets import RejectedFile, rejected_files
from kaohe_xl.rubric.model import Category, ItemKind
from kaohe_xl.scoring.engine import Results, UnitResult, source_label
from kaohe_xl.scoring.reconcile import Reconciliation, reconcile
from kaohe_xl.scoring.results import compute_with_states
from kaohe_xl.store.records import ReturnState, UnitState
from kaohe_xl.textnorm import format_decimal
from kaohe_xl.xlsx.cells import Formula, Value
from kaohe_xl.xlsx.libreoffice import to_pdf
from kaohe_xl.xlsx.ooxml import column_letter
from kaohe_xl.xlsx.place import Saved, move_into_place, save_atomic
from kaohe_xl.xlsx.sheetwriter import Book, Cell, SheetRows, Skeleton

if TYPE_CHECKING:
    from kaohe_xl.campaign import Campaign

__all__ = ["RejectedFile", "build_summary", "rejected_files", "remarks_of", "summary_target", "write_summary"]

SUMMARY_NAME = "汇总表.xlsx"
SUMMARY_SHEET = "汇总表"
CHART_SHEET = "综合得分图"
HEADER_ROW = 3  # rows 1-3 (title, date, header) repeat on every printed page
H_COMPOSITE = "综合得分"
H_GRADE = "等次"
H_PASSED = "是否合格"
H_RANK = "排名"
H_REMARKS = "备注"
_ROOMY_CATEGORIES = 8  # up to this many category columns print at a comfortable size
_CENT = Decimal("0.01")
SIGN_LINE = "考核组长签字：＿＿＿＿＿＿＿＿        审核人：＿＿＿＿＿＿＿＿        日期：＿＿＿＿年＿＿月＿＿日"


def build_summary(
    results: Results,
    reconciliation: Reconciliation,
    states: list[UnitState],
    rejected: list[RejectedFile],
    *,
    when: date | None = None,
    only_summary: bool = False,
) -> Book:
    """The summary workbook, ready to save (``only_summary``: 汇总表 and chart, for the PDF)."""
    if not only_summary:
        sheets.check_size(results, reconciliation)
    grid = _layout(results)
    wb = Workbook()
    ws = lay_out(wb, SUMMARY_SHEET, _widths(grid.col), landscape=True, title_rows=(1, HEADER_ROW), first=True)
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 3).coordinate
    chart_ws = lay_out(wb, CHART_SHEET, [8.43] * 12, landscape=True)
    composites = [n for n, u in enumerate(results.units, start=HEADER_ROW + 1) if u.composite is not None]
    if composites:
        _chart(chart_ws, ws, grid, composites[0], composites[-1])
    detail = not only_summary
    if detail:
        lay_out_losses(wb.create_sheet(LOSS_SHEET))
        sheets.lay_out_details(wb, results)
    book = Skeleton(wb, SUMMARY_STYLES).book(level=1)  # the rows of a thousand units: fast deflate, a larger file
    _summary_sheet(book.sheet(SUMMARY_SHEET), results, grid, when or date.today())
    chart = book.sheet(CHART_SHEET)
    title_line(chart, f"{results.rubric.settings.name} 综合得分", 12)
    if not composites:
        chart.row([("尚无可计算综合得分的单位", "subtitle")], at=3)
    if detail:
        losses = analyse_losses(results)
        write_losses(book.sheet(LOSS_SHEET), losses, loss_title(results, losses))
        sheets.write_details(book, results, reconciliation, states, rejected)
    return book


_Put = Callable[..., None]  # put(header or column, value, style="number")


@dataclass
class _Layout:
    """The 汇总表 columns: header → column, and where each source's figures are."""

    col: dict[str, int]
    categories: list[Category]
    totals: dict[str, int]  # source → its 得分 column
    converted: dict[str, int]  # source → its converted (千分制) column, when converted


def _layout(results: Results) -> _Layout:
    rubric = results.rubric
    categories = list(rubric.scored_categories)
    headers = ["编号", "单位"]
    headers += [f"{c.name}\n({format_decimal(c.cap)})" for c in categories if c.cap is not None]
    headers.append("基础分")
    # 加分 / 扣分 only when the rubric has such items (新庄镇 has neither: 15 categories
    # and 3 sources already fill the printed width)
    headers += [h for h, kind in (("加分", ItemKind.BONUS), ("扣分", ItemKind.PENALTY)) if rubric.items_of(kind)]
    for source in rubric.sources:
        headers.append(source_label(source.name))
        label = converted_label(rubric, source)
        if label:
            headers.append(label)
    headers += [H_COMPOSITE, H_GRADE]
    if rubric.settings.pass_line is not None:
        headers.append(H_PASSED)
    headers += [H_RANK, H_REMARKS]
    col = {h: n for n, h in enumerate(headers, start=1)}
    totals = {s.name: col[source_label(s.name)] for s in rubric.sources}
    converted = {s.name: col[label] for s in rubric.sources if (label := converted_label(rubric, s))}
    return _Layout(col, categories, totals, converted)


def _summary_sheet(sheet: SheetRows, results: Results, grid: _Layout, when: date) -> None:
    """Write 汇总表: title, date, headers, one row per unit, the rules and the signatures."""
    rubric = results.rubric
    width = len(grid.col)
    title_line(sheet, f"{rubric.settings.name}汇总表", width)
    title_line(sheet, f"制表日期：{when.year}年{when.month}月{when.day}日", width, "subtitle")
    header_line(sheet, list(grid.col))
    for unit in results.units:
        sheet.row(_unit_row(results, grid, unit, sheet.last_row + 1), fit=True, minimum=20)
    sheet.row([])
    lines = formula_text(rubric)
    for n, line in enumerate(lines):
        title_line(sheet, ("计分办法：" if n == 0 else "") + line, width, "note")
    sheet.row([])
    title_line(sheet, SIGN_LINE, width, "sign", minimum=30)


def _unit_row(results: Results, grid: _Layout, unit: UnitResult, row: int) -> list[Cell]:
    """One unit: categories and totals of the primary source, each source, composite, grade."""
    col, categories = grid.col, grid.categories
    cells: list[Cell] = [None] * len(col)

    def put(header: str | int, value: Value, style: str = "number") -> None:
        cells[(col[header] if isinstance(header, str) else header) - 1] = (value, style)

    put("编号", unit.unit_id, "center")
    put("单位", unit.unit_name, "text")
    scored = unit.main
    values: dict[str, Decimal] = {}
    for n, category in enumerate(categories, start=3):
        put(n, scored.categories.get(category.name) if scored else None)
    if scored is not None:
        base = sum((scored.categories.get(c.name) or Decimal(0) for c in categories), Decimal(0))
        if categories:
            cats = f"{column_letter(3)}{row}:{column_letter(2 + len(categories))}{row}"
            put("基础分", Formula(f"SUM({cats})", base))
        else:
            base = scored.base
            put("基础分", base)
        values = {"基础分": base, "加分": unit.bonus or Decimal(0), "扣分": scored.penalty}
        for header in ("加分", "扣分"):
            if header in col:
                put(header, values[header])
    else:  # blank, but inside the grid
        for header in ("基础分", "加分", "扣分"):
            if header in col:
                put(header, None)
    figures = _source_cells(results, grid, unit, row, values, put)
    if unit.composite is not None:
        put(H_COMPOSITE, _composite(results, grid, row, figures, values.get("加分", Decimal(0))))
    else:
        put(H_COMPOSITE, unit.status_label, "center!")
    put(H_GRADE, unit.grade, flagged("center", unit.veto))
    if H_PASSED in col:
        put(H_PASSED, {True: "合格", False: "不合格", None: ""}[unit.passed], flagged("center", unit.passed is False))
    put(H_RANK, unit.rank, "whole")
    put(H_REMARKS, remarks_of(unit), "text")
    return cells


def _source_cells(
    results: Results, grid: _Layout, unit: UnitResult, row: int, values: dict[str, Decimal], put: _Put
) -> dict[str, Decimal]:
    """Each source's 得分 (the primary's as a formula) and, when converted, its 千分制
    figure; returns each source's figure as the composite formula reads it."""
    rubric = results.rubric
    figures: dict[str, Decimal] = {}
    for source in rubric.sources:
        target = grid.totals[source.name]
        have = source.name in unit.sources
        total: Decimal | None = None
        if source.name == results.primary and have:
            terms = f"{column_letter(grid.col['基础分'])}{row}"
            total = values["基础分"]
            annual = rubric.bonus_annual  # 加分 on the composite, not in the round's 得分
            for header, sign in (("加分", "+"), ("扣分", "-")):
                if header in grid.col and not (annual and header == "加分"):
                    terms += f"{sign}{column_letter(grid.col[header])}{row}"
                    total += values[header] if sign == "+" else -values[header]
            total = max(total, Decimal(0))
            put(target, Formula(f"MAX({terms},0)", total))
        elif have:
            total = unit.sources[source.name].total
            put(target, total)
        else:
            put(target, unit.source_states[source.name].label, "center!")
        if total is not None:
            figures[source.name] = total
        if source.name not in grid.converted:
            continue
        converted = grid.converted[source.name]
        if total is not None:
            full, scale = rubric.source_full_marks(source), rubric.source_scale(source)
            ref = f"{column_letter(target)}{row}"
            figures[source.name] = total * scale / full
            put(converted, Formula(f"{ref}*{format_decimal(scale)}/{format_decimal(full)}", figures[source.name]))
        else:
            put(converted, unit.source_states[source.name].label, "center!")
    return figures


def _composite(results: Results, grid: _Layout, row: int, figures: dict[str, Decimal], bonus: Decimal) -> Formula:
    """=ROUND(w × (converted) total + ... [+ the year's 加分], 2): the composite as
    displayed, and its result."""
    rubric = results.rubric
    parts = []
    total = Decimal(0)
    for source in rubric.sources:
        if source.weight == 0:
            continue
        column = grid.converted.get(source.name, grid.totals[source.name])
        ref = f"{column_letter(column)}{row}"
        parts.append(ref if source.weight == 1 else f"{format_decimal(source.weight)}*{ref}")
        total += source.weight * figures.get(source.name, Decimal(0))
    if rubric.bonus_annual and "加分" in grid.col:  # 加分计入 年度总分: once, in full
        primary = rubric.source(results.primary)
        full, scale = rubric.source_full_marks(primary), rubric.source_scale(primary)
        cell = f"{column_letter(grid.col['加分'])}{row}"
        parts.append(cell if scale == full else f"{cell}*{format_decimal(scale)}/{format_decimal(full)}")
        total += bonus * scale / full
    return Formula(f"ROUND({'+'.join(parts) or '0'},2)", total.quantize(_CENT, rounding=ROUND_HALF_UP))


def remarks_of(unit: UnitResult) -> str:
    """The 备注 cell: the veto reason, the returns still owed, then each scoring note once,
    naming the sources it comes from when the unit has several (``自评、考核组：条目3未评分``)."""
    by_note: dict[str, list[str]] = {}
    for name, result in unit.sources.items():
        for note in result.notes:
            by_note.setdefault(note, []).append(name)
    parts = [unit.veto_reason] if unit.veto_reason else []
    parts += [r for r in dict.fromkeys(unit.remarks) if r not in by_note]
    several = len(unit.sources) > 1
    parts += [f"{'、'.join(names)}：{note}" if several else note for note, names in by_note.items()]
    return "；".join(parts)


def _widths(col: dict[str, int]) -> list[float]:
    """Column widths: the sheet prints one page wide, so every character of width shrinks
    the print. A rubric with many categories (新庄镇: 15) gets narrower columns, or the
    page would print at under half size and the figures could not be read."""
    categories = sum(1 for header in col if "\n" in header)
    crowded = categories > _ROOMY_CATEGORIES
    widths = []
    for header in col:
        width = 8.0 if crowded else 9.0
        if "\n" in header:  # a category: "100.00" fits; the header wraps onto more lines
            width = 7.0 if crowded else 11.0
        elif header == "单位":
            width = 12 if crowded else 16
        elif header == H_REMARKS:
            width = 22 if crowded else 36
        elif header == "编号":
            width = 5 if crowded else 6
        elif header in (H_GRADE, H_RANK, H_PASSED):
            width = 6 if crowded else 7
        widths.append(width)
    return widths


def _chart(chart_ws: Worksheet, ws: Worksheet, grid: _Layout, first: int, last: int) -> None:
    """A bar chart of 综合得分 by unit, drawn from the 汇总表 cells."""
    chart = BarChart()
    chart.type = "col"
    chart.title = H_COMPOSITE
    chart.y_axis.title = "得分"
    chart.legend = None
    data = Reference(ws, min_col=grid.col[H_COMPOSITE], min_row=first, max_row=last)
    names = Reference(ws, min_col=2, min_row=first, max_row=last)
    chart.add_data(data, titles_from_data=False)
    chart.set_categories(names)
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.width = 26
    chart.height = 13
    chart_ws.add_chart(chart, "A3")


def summary_target(out: str | Path) -> Path:
    """``out`` as the 汇总 workbook's path, or :class:`OutputError` when it cannot be one.

    The workbook is an .xlsx file whatever it is called, and Excel refuses to open a
    workbook whose extension does not match its content, so ``out`` must end in
    ``.xlsx``; the PDF (``pdf=True``) goes beside it with the same stem. Checked before
    anything is computed or written.
    """
    target = Path(out)
    if target.is_dir():
        raise OutputError(f"{out} 是一个文件夹：请指定汇总表的文件名，例如 {target / SUMMARY_NAME}")
    if target.suffix.lower() != ".xlsx":
        raise OutputError(
            f"汇总表须保存为 .xlsx 工作簿，不能是“{target.name}”：请改为 {target.with_suffix('.xlsx')}"
            "（需要 PDF 时加 --pdf，PDF 会生成在工作簿旁边，文件名相同）"
        )
    return target


def write_summary(campaign: Campaign, out: str | Path | None = None, *, pdf: bool = False) -> OutputReport:
    """Score the campaign and write ``output/汇总表.xlsx`` (and a PDF of 汇总表 with ``pdf``).

    ``out`` names another .xlsx file (anything else: :class:`OutputError`, before any
    work); the PDF is written beside the workbook with the same stem. The file is
    written atomically; when it is open in Excel the new one goes beside it
    (``汇总表(1).xlsx``) and ``report.note`` says so.
    """
    target = summary_target(out) if out else campaign.output_dir / SUMMARY_NAME
    results, states = compute_with_states(campaign)
    with closing(campaign.connect()) as conn:
        rejected = rejected_files(conn)
    book = build_summary(results, reconcile(results), states, rejected)
    saved = save_atomic(book, target)
    report = OutputReport(saved.path, [saved.path], note=saved.note, units=len(results.units))
    report.scored = sum(1 for u in results.units if u.composite is not None)
    report.pending = [
        f"{u.unit_id} {u.unit_name}：{'、'.join(r for r in u.remarks if r.endswith(('待提交', '待核实')))}"
        for u in results.units
        if u.status is not ReturnState.OK
    ]
    if pdf:
        placed = _pdf(results, saved.path)
        report.pdf = placed.path
        report.files.append(placed.path)
        report.add_note(placed.note)
    return report


def _pdf(results: Results, xlsx: Path) -> Saved:
    """PDF of the 汇总表 and chart only (the detail sheets run to many pages)."""
    printable = build_summary(results, reconcile(results), [], [], only_summary=True)
    out = xlsx.with_suffix(".pdf")
    with tempfile.TemporaryDirectory(prefix="kaohe-pdf-") as tmp:
        source = Path(tmp) / xlsx.name
        printable.save(source)
        produced = to_pdf(source, Path(tmp) / out.name)
        return move_into_place(Path(produced), out)


def __getattr__(name: str) -> object:
    if name == "SummaryReport":  # the name before 0.2
        warnings.warn("SummaryReport is now kaohe_xl.output.report.OutputReport", DeprecationWarning, stacklevel=2)
        return OutputReport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
