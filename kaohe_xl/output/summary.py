"""Results → the printable 汇总 workbook (汇总表, chart, 失分分析, 自评与考核差异, 分项明细, 回收情况).

The 汇总表 sheet carries a few formulas so the figures can be checked in Excel:
基础分 = SUM(category cells), the primary source's total = MAX(基础分 + 加分 − 扣分, 0),
a converted figure (千分制) = total × scale / full marks, 综合得分 = ROUND(Σ weight ×
(converted) total, 2). Everything else is a value. Every text that came from units or
assessors is written as text, never as a formula. A scheme without 自评 has no
自评与考核差异 sheet (the 计分办法 lines say so).
"""

from __future__ import annotations

import sqlite3
import tempfile
import warnings
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from kaohe_xl.errors import OutputError
from kaohe_xl.output.loss import add_loss_sheet
from kaohe_xl.output.report import OutputReport
from kaohe_xl.output.rules_text import converted_label, formula_text
from kaohe_xl.output.summary_sheets import RejectedFile, write_details, write_differences, write_returns
from kaohe_xl.rubric.model import Category, ItemKind
from kaohe_xl.scoring.engine import Results, UnitResult, source_label
from kaohe_xl.scoring.reconcile import Reconciliation, reconcile
from kaohe_xl.scoring.results import compute
from kaohe_xl.store import db as store
from kaohe_xl.store.records import ReturnState, UnitState
from kaohe_xl.store.status import collection_status
from kaohe_xl.textnorm import format_decimal
from kaohe_xl.xlsx.libreoffice import to_pdf
from kaohe_xl.xlsx.ooxml import column_letter
from kaohe_xl.xlsx.styled import (
    FLAG_FILL,
    Saved,
    fit_height,
    move_into_place,
    print_setup,
    put_formula,
    put_number,
    put_text,
    save_atomic,
    title_row,
)

if TYPE_CHECKING:
    from kaohe_xl.campaign import Campaign

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


def build_summary(
    results: Results,
    reconciliation: Reconciliation,
    states: list[UnitState],
    rejected: list[RejectedFile],
    *,
    when: date | None = None,
    only_summary: bool = False,
) -> Workbook:
    """The summary workbook in memory (``only_summary``: 汇总表 and chart, for the PDF)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SUMMARY_SHEET
    first, last = _summary_sheet(ws, results, when or date.today())
    chart_ws = wb.create_sheet(CHART_SHEET)
    _chart(chart_ws, ws, results, first, last)
    if not only_summary:
        add_loss_sheet(wb, results)  # 失分分析 (kaohe_xl.output.loss)
        if results.self_source is not None:
            write_differences(wb.create_sheet("自评与考核差异"), reconciliation)
        write_details(wb.create_sheet("分项明细"), results)
        write_returns(wb.create_sheet("回收情况"), results, states, rejected)
    return wb


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


def _summary_sheet(ws: Worksheet, results: Results, when: date) -> tuple[int, int]:
    """Write 汇总表; returns the first and last row holding a composite (for the chart)."""
    rubric = results.rubric
    grid = _layout(results)
    width = len(grid.col)
    title_row(ws, 1, f"{rubric.settings.name}汇总表", width)
    title_row(ws, 2, f"制表日期：{when.year}年{when.month}月{when.day}日", width, size=10)
    ws.row_dimensions[1].height = 30
    for header, n in grid.col.items():
        put_text(ws, HEADER_ROW, n, header, header=True)
    row = HEADER_ROW
    first = last = 0
    for unit in results.units:
        row += 1
        _unit_row(ws, results, grid, unit, row)
        if unit.composite is not None:
            first = first or row
            last = row
    _footer(ws, results, row + 2, width)
    _widths(ws, grid.col)
    fit_height(ws, HEADER_ROW, width)
    for n in range(HEADER_ROW + 1, row + 1):
        fit_height(ws, n, width, minimum=20)
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 3)
    print_setup(ws, landscape=True, title_rows=f"1:{HEADER_ROW}")
    return first, last


def _unit_row(ws: Worksheet, results: Results, grid: _Layout, unit: UnitResult, row: int) -> None:
    """One unit: categories and totals of the primary source, each source, composite, grade."""
    col, categories = grid.col, grid.categories
    put_text(ws, row, col["编号"], unit.unit_id, center=True)
    put_text(ws, row, col["单位"], unit.unit_name)
    scored = unit.main
    cat_first = 3
    for n, category in enumerate(categories):
        put_number(ws, row, cat_first + n, scored.categories.get(category.name) if scored else None)
    refs: dict[str, str] = {h: f"{column_letter(col[h])}{row}" for h in ("基础分", "加分", "扣分") if h in col}
    if scored is not None:
        if categories:
            cats = f"{column_letter(cat_first)}{row}:{column_letter(cat_first + len(categories) - 1)}{row}"
            put_formula(ws, row, col["基础分"], f"=SUM({cats})")
        else:
            put_number(ws, row, col["基础分"], scored.base)
        for header, value in (("加分", unit.bonus), ("扣分", scored.penalty)):
            if header in col:
                put_number(ws, row, col[header], value)
    else:  # blank, but inside the grid
        for header in refs:
            put_number(ws, row, col[header], None)
    _source_cells(ws, results, grid, unit, row, refs)
    if unit.composite is not None:
        put_formula(ws, row, col[H_COMPOSITE], _composite_formula(results, grid, row))
    else:
        put_text(ws, row, col[H_COMPOSITE], unit.status_label, center=True).fill = FLAG_FILL
    put_text(ws, row, col[H_GRADE], unit.grade, center=True)
    if H_PASSED in col:
        verdict = {True: "合格", False: "不合格", None: ""}[unit.passed]
        cell = put_text(ws, row, col[H_PASSED], verdict, center=True)
        if unit.passed is False:
            cell.fill = FLAG_FILL
    put_number(ws, row, col[H_RANK], unit.rank, fmt="0")
    put_text(ws, row, col[H_REMARKS], remarks_of(unit))
    if unit.veto:
        ws.cell(row, col[H_GRADE]).fill = FLAG_FILL


def _source_cells(
    ws: Worksheet, results: Results, grid: _Layout, unit: UnitResult, row: int, refs: dict[str, str]
) -> None:
    """Each source's 得分 (the primary's as a formula) and, when converted, its 千分制 figure."""
    rubric = results.rubric
    for source in rubric.sources:
        target = grid.totals[source.name]
        have = source.name in unit.sources
        if source.name == results.primary and have:
            annual = rubric.bonus_annual  # 加分 on the composite, not in the round's 得分
            total = (
                refs["基础分"]
                + (f"+{refs['加分']}" if "加分" in refs and not annual else "")
                + (f"-{refs['扣分']}" if "扣分" in refs else "")
            )
            put_formula(ws, row, target, f"=MAX({total},0)")
        elif have:
            put_number(ws, row, target, unit.sources[source.name].total)
        else:
            put_text(ws, row, target, unit.source_states[source.name].label, center=True).fill = FLAG_FILL
        if source.name not in grid.converted:
            continue
        converted = grid.converted[source.name]
        if have:
            full, scale = rubric.source_full_marks(source), rubric.source_scale(source)
            ref = f"{column_letter(target)}{row}"
            put_formula(ws, row, converted, f"={ref}*{format_decimal(scale)}/{format_decimal(full)}")
        else:
            put_text(ws, row, converted, unit.source_states[source.name].label, center=True).fill = FLAG_FILL


def _composite_formula(results: Results, grid: _Layout, row: int) -> str:
    """=ROUND(w × (converted) total + ... [+ the year's 加分], 2): the composite as displayed."""
    rubric = results.rubric
    parts = []
    for source in rubric.sources:
        if source.weight == 0:
            continue
        column = grid.converted.get(source.name, grid.totals[source.name])
        ref = f"{column_letter(column)}{row}"
        parts.append(ref if source.weight == 1 else f"{format_decimal(source.weight)}*{ref}")
    if rubric.bonus_annual and "加分" in grid.col:  # 加分计入 年度总分: once, in full
        primary = rubric.source(results.primary)
        full, scale = rubric.source_full_marks(primary), rubric.source_scale(primary)
        bonus = f"{column_letter(grid.col['加分'])}{row}"
        parts.append(bonus if scale == full else f"{bonus}*{format_decimal(scale)}/{format_decimal(full)}")
    return f"=ROUND({'+'.join(parts) or '0'},2)"


def remarks_of(unit: UnitResult) -> str:
    """The 备注 cell: veto reason first, then returns still owed and scoring notes."""
    parts = [unit.veto_reason] if unit.veto_reason else []
    parts += list(unit.remarks)
    return "；".join(parts)


def _footer(ws: Worksheet, results: Results, row: int, width: int) -> None:
    lines = formula_text(results.rubric)
    title_row(ws, row, "计分办法：" + lines[0], width, size=9)
    for n, line in enumerate(lines[1:], start=1):
        title_row(ws, row + n, line, width, size=9)
    sign = row + len(lines) + 1
    title_row(
        ws,
        sign,
        "考核组长签字：＿＿＿＿＿＿＿＿        审核人：＿＿＿＿＿＿＿＿        日期：＿＿＿＿年＿＿月＿＿日",
        width,
        size=11,
    )
    ws.row_dimensions[sign].height = 30


def _widths(ws: Worksheet, col: dict[str, int]) -> None:
    """Column widths: the sheet prints one page wide, so every character of width shrinks
    the print. A rubric with many categories (新庄镇: 15) gets narrower columns, or the
    page would print at under half size and the figures could not be read."""
    categories = sum(1 for header in col if "\n" in header)
    crowded = categories > _ROOMY_CATEGORIES
    for header, n in col.items():
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
        ws.column_dimensions[column_letter(n)].width = width


def _chart(chart_ws: Worksheet, ws: Worksheet, results: Results, first: int, last: int) -> None:
    """A bar chart of 综合得分 by unit, drawn from the 汇总表 cells."""
    title_row(chart_ws, 1, f"{results.rubric.settings.name} 综合得分", 12)
    print_setup(chart_ws, landscape=True)
    if not first:
        put_text(chart_ws, 3, 1, "尚无可计算综合得分的单位")
        return
    headers = [c.value for c in ws[HEADER_ROW]]
    composite_col = headers.index(H_COMPOSITE) + 1
    chart = BarChart()
    chart.type = "col"
    chart.title = H_COMPOSITE
    chart.y_axis.title = "得分"
    chart.legend = None
    data = Reference(ws, min_col=composite_col, min_row=first, max_row=last)
    names = Reference(ws, min_col=2, min_row=first, max_row=last)
    chart.add_data(data, titles_from_data=False)
    chart.set_categories(names)
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.width = 26
    chart.height = 13
    chart_ws.add_chart(chart, "A3")


def rejected_files(conn: sqlite3.Connection) -> list[RejectedFile]:
    """Files the store rejected or quarantined, with their reasons, oldest first."""
    rows = conn.execute(
        "SELECT original_name, received_at, status, reason, form_kind, subject_id FROM files"
        f" WHERE {store.REFUSED_FILES} ORDER BY received_at, id"
    ).fetchall()
    return [RejectedFile(*tuple(r)) for r in rows]


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
    results = compute(campaign)
    states = collection_status(campaign)
    with closing(campaign.connect()) as conn:
        rejected = rejected_files(conn)
    wb = build_summary(results, reconcile(results), states, rejected)
    saved = save_atomic(wb, target)
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
