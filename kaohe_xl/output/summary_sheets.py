"""The detail sheets of the 汇总 workbook: 自评与考核差异 (per unit), 差异明细 (per item),
分项明细 (item × unit), 回收情况, 拒收文件.

Each sheet holds one table whose title and header rows repeat at the top of every
printed page (a table of its own per sheet: print titles are one range of rows).
分项明细 has a column per unit: it prints several pages wide, its first five columns
repeated on each.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl.workbook.workbook import Workbook

from kaohe_xl.errors import OutputError
from kaohe_xl.forms.layout import veto_text
from kaohe_xl.output.look import flagged, header_line, lay_out, title_line
from kaohe_xl.rubric.model import BALLOT_GRADES, FormKind, ItemKind
from kaohe_xl.scoring.engine import Results, exact_decimal, round2, source_label
from kaohe_xl.scoring.reconcile import Reconciliation
from kaohe_xl.store import db as store
from kaohe_xl.store.records import FILE_STATUS_LABELS, ReturnState, UnitState
from kaohe_xl.store.report import state_heading
from kaohe_xl.textnorm import format_decimal
from kaohe_xl.xlsx.cells import Value
from kaohe_xl.xlsx.limits import MAX_COLUMNS, MAX_ROWS
from kaohe_xl.xlsx.sheetwriter import Book, Cell, SheetRows

DIFF_SHEET = "自评与考核差异"
DIFF_ITEMS_SHEET = "差异明细"
DETAIL_SHEET = "分项明细"
RETURNS_SHEET = "回收情况"
REJECTED_SHEET = "拒收文件"
UNITS_PER_PAGE = 16  # 分项明细: unit columns on one printed page width
_DIFF_UNIT = ["编号", "单位", "差异条目数", "比较条目数", "说明", "差异占比", "自评得分", "考核得分"]
_DIFF_UNIT += ["自评高出合计", "自评低于合计"]
_DIFF_ITEM = [
    "编号",
    "单位",
    "条目",
    "类别",
    "考核内容",
    "分值",
    "自评得分",
    "考核得分",
    "差异",
    "扣分原因",
    "自评说明",
]
_DETAIL_FIXED = ["编号", "类别", "考核内容", "分值", "类型"]
_RETURNS = ["编号", "单位", "表单", "状态", "修订次数", "收到时间", "说明"]
_REJECTED = ["序号", "文件名", "表单", "处理", "对象", "收到时间", "原因"]


@dataclass(frozen=True)
class RejectedFile:
    """A row of the store's files table with status rejected / quarantined."""

    original_name: str
    received_at: str
    status: str
    reason: str
    form_kind: str = ""
    subject_id: str = ""


def rejected_files(conn: sqlite3.Connection) -> list[RejectedFile]:
    """Files the store rejected or quarantined, with their reasons, oldest first."""
    rows = conn.execute(
        "SELECT original_name, received_at, status, reason, form_kind, subject_id FROM files"
        f" WHERE {store.REFUSED_FILES} ORDER BY received_at, id"
    ).fetchall()
    return [RejectedFile(*tuple(r)) for r in rows]


def check_size(results: Results, rec: Reconciliation) -> None:
    """:class:`OutputError` when a detail sheet would pass Excel's 1,048,576 rows or
    16,384 columns (分项明细 has a column per unit, 差异明细 a row per unit and item)."""
    if len(results.units) + len(_DETAIL_FIXED) > MAX_COLUMNS:
        raise OutputError(
            f"{len(results.units)} 个单位超过 Excel 一张表的列数上限（{MAX_COLUMNS} 列）：“分项明细”无法写出，请分批汇总"
        )
    if len(rec.items) + 2 > MAX_ROWS:
        raise OutputError(
            f"{len(rec.items)} 行差异明细超过 Excel 一张表的行数上限（{MAX_ROWS} 行）：请分批汇总，或用 kaohe export 导出数据"
        )


def lay_out_details(wb: Workbook, results: Results) -> None:
    """The detail sheets of the skeleton: widths, print set-up, frozen panes."""
    if results.self_source is not None:
        lay_out(wb, DIFF_SHEET, [6, 14, 9, 9, 36, 8, 9, 9, 9, 9], landscape=True, title_rows=(1, 2), freeze="C3")
        widths = [6, 12, 6, 12, 36, 7, 8, 8, 8, 28, 28]
        lay_out(wb, DIFF_ITEMS_SHEET, widths, landscape=True, title_rows=(1, 2), freeze="D3")
    units = len(results.units)
    lay_out(
        wb,
        DETAIL_SHEET,
        [6, 14, 36, 7, 7] + [10] * units,
        landscape=True,
        title_rows=(1, 2),
        title_columns=(1, len(_DETAIL_FIXED)),
        pages_wide=max(1, math.ceil(units / UNITS_PER_PAGE)),
        freeze="D3",
    )
    lay_out(wb, RETURNS_SHEET, [8, 24, 14, 10, 9, 18, 48], landscape=True, title_rows=(1, 2), freeze="C3")
    lay_out(wb, REJECTED_SHEET, [6, 30, 12, 14, 10, 18, 48], landscape=True, title_rows=(1, 2))


def write_details(
    book: Book, results: Results, rec: Reconciliation, states: list[UnitState], rejected: list[RejectedFile]
) -> None:
    """Fill the detail sheets laid out by :func:`lay_out_details`."""
    if results.self_source is not None:
        write_differences(book.sheet(DIFF_SHEET), rec)
        write_difference_items(book.sheet(DIFF_ITEMS_SHEET), rec)
    write_matrix(book.sheet(DETAIL_SHEET), results)
    write_returns(book.sheet(RETURNS_SHEET), results, states)
    write_rejected(book.sheet(REJECTED_SHEET), rejected)


def write_differences(sheet: SheetRows, rec: Reconciliation) -> None:
    """One row per unit: how many items differ, by how much, in which direction."""
    title = f"自评与考核差异（差异阈值 {format_decimal(rec.threshold)} 分，差异 = 自评得分 − 考核得分）"
    title_line(sheet, title, len(_DIFF_UNIT))
    header_line(sheet, _DIFF_UNIT)
    for unit in rec.units:
        cells: list[Cell] = [
            (unit.unit_id, "center"),
            (unit.unit_name, "text"),
            (unit.flagged, "whole"),
            (unit.compared, "whole"),
            (unit.note, "text"),
            (unit.share, "percent"),
        ]
        cells += [(v, "number") for v in (unit.self_total, unit.assessor_total, unit.above, unit.below)]
        sheet.row(cells, fit=True, minimum=18)


def write_difference_items(sheet: SheetRows, rec: Reconciliation) -> None:
    """One row per unit and item; the rows at or over the threshold on the flag colour."""
    title = f"自评与考核差异明细（差异阈值 {format_decimal(rec.threshold)} 分，达到阈值的条目标色）"
    title_line(sheet, title, len(_DIFF_ITEM))
    header_line(sheet, _DIFF_ITEM)
    looks = {mark: (flagged("text", mark), flagged("number", mark), flagged("center", mark)) for mark in (False, True)}
    row = sheet.row
    for item in rec.items:
        text, number, center = looks[item.flagged]
        if item.kind is ItemKind.VETO:
            figures: tuple[Cell, Cell, Cell] = (
                (veto_text(item.self_veto), center),
                (veto_text(item.assessor_veto), center),
                ("", center),
            )
        else:
            figures = ((item.self_score, number), (item.assessor_score, number), (item.difference, number))
        cells: list[Cell] = [
            (item.unit_id, text),
            (item.unit_name, text),
            (item.item_id, text),
            (item.category, text),
            (item.content, text),
            (item.points, number),
            *figures,
            (item.reason, text),
            (item.self_note, text),
        ]
        row(cells, fit=True, minimum=18)


def write_matrix(sheet: SheetRows, results: Results) -> None:
    """Item × unit matrix of the final (combined) scores of the primary source, then the
    totals, the rater sources by category and the 民主测评 votes."""
    rubric = results.rubric
    units = results.in_list_order()
    width = len(_DETAIL_FIXED) + len(units)
    title = f"分项明细（{source_label(results.primary)}，多人评分已合并）"
    title_line(sheet, title, min(width, len(_DETAIL_FIXED) + UNITS_PER_PAGE))
    header_line(sheet, _DETAIL_FIXED + [f"{u.unit_id} {u.unit_name}" for u in units])
    # a 待核实 return's older valid values are not the unit's current scores
    current = [
        results.source_scores(u.unit_id, results.primary)
        if u.source_states.get(results.primary) is ReturnState.OK
        else {}
        for u in units
    ]
    for item in rubric.items:
        cells: list[Cell] = [(item.id, "text"), (item.category, "text"), (item.content, "text")]
        cells += [(item.points, "number"), (item.kind.value, "text")]
        for scores in current:
            score = scores.get(item.id)
            if item.kind is ItemKind.VETO:
                veto = score.veto if score else None
                cells.append((veto_text(veto), flagged("text", bool(veto))))
            else:
                cells.append((score.value if score else None, "number"))
        sheet.row(cells, fit=True, minimum=18)
    totals = [("基础分", "base"), ("加分", "bonus"), ("扣分", "penalty"), (source_label(results.primary), "total")]
    for label, attr in totals:
        cells = [None, None, (label, "header"), None, None]
        for unit in units:
            main = unit.main
            if main is None:
                cells.append((unit.source_states[results.primary].label, "text!"))
            else:
                cells.append((getattr(main, attr), "number"))
        sheet.row(cells, fit=True, minimum=18)
    for source in rubric.sources_of(FormKind.RATER):  # 班子评分 etc.: category × unit
        _section(sheet, f"{source.name}（按类别）")
        for category, _top in rubric.rater_categories(source):
            cells = [None, (category.name, "text"), None, (category.rater_max[source.name], "number"), None]
            for unit in units:
                score = results.source_scores(unit.unit_id, source.name).get(category.name)
                cells.append((score.value if score else None, "number"))
            sheet.row(cells, fit=True, minimum=18)
    for source in rubric.sources_of(FormKind.BALLOT):  # 民主测评: votes × unit, then the ratio
        _section(sheet, f"{source.name}（票数）")
        for grade in (*BALLOT_GRADES, "实到人数"):
            cells = [None, (grade, "text"), None, None, None]
            for unit in units:
                score = results.source_scores(unit.unit_id, source.name).get(grade)
                cells.append((score.value if score else None, "whole"))
            sheet.row(cells, fit=True, minimum=18)
        cells = [None, ("折算率", "text"), None, None, None]
        for unit in units:
            result = unit.sources.get(source.name)
            ratio = result.ratio if result is not None else None
            cells.append((None if ratio is None else round2(exact_decimal(ratio * 100)), "ratio"))
        sheet.row(cells, fit=True, minimum=18)


def _section(sheet: SheetRows, text: str) -> None:
    """A blank row, then a section heading in the 考核内容 column (inside the repeated columns)."""
    sheet.row([])
    sheet.row([None, None, (text, "section")], fit=True, minimum=20)


def write_returns(sheet: SheetRows, results: Results, states: list[UnitState]) -> None:
    """Who returned what: state, revisions, time."""
    names = {u.unit_id: u.unit_name for u in results.units}
    title_line(sheet, "回收情况", len(_RETURNS))
    header_line(sheet, _RETURNS)
    order = {unit_id: n for n, unit_id in enumerate(results.unit_order)}
    for state in sorted(states, key=lambda s: (order.get(s.unit_id, len(order)), s.form.value)):
        cells: list[Cell] = [
            (state.unit_id, "text"),
            (names.get(state.unit_id, ""), "text"),
            (state_heading(results.rubric, state), "text"),
            (state.state.label, flagged("text", state.state is not ReturnState.OK)),
            (state.revisions, "whole"),
            (state.received_at, "text"),
            (state.note, "text"),
        ]
        sheet.row(cells, fit=True, minimum=18)


def write_rejected(sheet: SheetRows, rejected: Sequence[RejectedFile]) -> None:
    """The files that were turned away, and why."""
    title_line(sheet, f"拒收的文件（{len(rejected)} 个）", len(_REJECTED))
    header_line(sheet, _REJECTED)
    for number, file in enumerate(rejected, start=1):
        cells: list[tuple[Value, str]] = [
            (number, "whole"),
            (file.original_name, "text"),
            (_form_label(file.form_kind), "text"),
            (FILE_STATUS_LABELS.get(file.status, file.status), "muted"),
            (file.subject_id, "text"),
            (file.received_at, "text"),
            (file.reason, "text"),
        ]
        sheet.row(cells, fit=True, minimum=18)
    if not rejected:
        sheet.row([None, ("没有拒收的文件。", "subtitle")])


def _form_label(value: str) -> str:
    try:
        return FormKind(value).label
    except ValueError:
        return value
