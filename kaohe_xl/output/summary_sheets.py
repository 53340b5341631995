"""The detail sheets of the 汇总 workbook: 自评与考核差异, 分项明细, 回收情况."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl.worksheet.worksheet import Worksheet

from kaohe_xl.forms.layout import veto_text
from kaohe_xl.rubric.model import BALLOT_GRADES, FormKind, ItemKind
from kaohe_xl.scoring.engine import Results, exact_decimal, round2, source_label
from kaohe_xl.scoring.reconcile import Reconciliation
from kaohe_xl.store.records import FILE_STATUS_LABELS, ReturnState, UnitState
from kaohe_xl.store.report import state_heading
from kaohe_xl.textnorm import format_decimal
from kaohe_xl.xlsx.ooxml import column_letter
from kaohe_xl.xlsx.styled import FLAG_FILL, MUTED_FILL, fit_height, print_setup, put_number, put_text, title_row


@dataclass(frozen=True)
class RejectedFile:
    """A row of the store's files table with status rejected / quarantined."""

    original_name: str
    received_at: str
    status: str
    reason: str
    form_kind: str = ""
    subject_id: str = ""


def _widths(ws: Worksheet, widths: Sequence[float]) -> None:
    for n, width in enumerate(widths, start=1):
        ws.column_dimensions[column_letter(n)].width = width


# 差异占比 is a fraction held as a number; Excel's % format shows 0.3333 as 33.3%.
PERCENT_FORMAT = "0.0%"


def write_differences(ws: Worksheet, rec: Reconciliation) -> None:
    """Per-unit summary, then one row per unit and item; flagged rows highlighted."""
    # The per-unit block shares the detail block's columns: wide ones take the text.
    _widths(ws, [6, 14, 9, 14, 36, 7, 9, 9, 9, 28, 28])
    headers = ["编号", "单位", "差异条目数", "比较条目数", "说明", "差异占比", "自评得分", "考核得分"]
    headers += ["自评高出合计", "自评低于合计"]
    title_row(ws, 1, f"自评与考核差异（差异阈值 {format_decimal(rec.threshold)} 分，差异 = 自评得分 − 考核得分）", 11)
    for n, header in enumerate(headers, start=1):
        put_text(ws, 2, n, header, header=True)
    fit_height(ws, 2, 10)
    row = 2
    for unit in rec.units:
        row += 1
        put_text(ws, row, 1, unit.unit_id, center=True)
        put_text(ws, row, 2, unit.unit_name)
        put_number(ws, row, 3, unit.flagged, fmt="0")
        put_number(ws, row, 4, unit.compared, fmt="0")
        put_text(ws, row, 5, unit.note)
        put_number(ws, row, 6, unit.share, fmt=PERCENT_FORMAT)
        for n, value in enumerate((unit.self_total, unit.assessor_total, unit.above, unit.below), start=7):
            put_number(ws, row, n, value)
        fit_height(ws, row, 10)
    row += 2
    detail = [
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
    for n, header in enumerate(detail, start=1):
        put_text(ws, row, n, header, header=True)
    fit_height(ws, row, len(detail))
    for item in rec.items:
        row += 1
        put_text(ws, row, 1, item.unit_id)
        put_text(ws, row, 2, item.unit_name)
        put_text(ws, row, 3, item.item_id)
        put_text(ws, row, 4, item.category)
        put_text(ws, row, 5, item.content)
        put_number(ws, row, 6, item.points)
        if item.kind is ItemKind.VETO:
            put_text(ws, row, 7, veto_text(item.self_veto))
            put_text(ws, row, 8, veto_text(item.assessor_veto))
            put_text(ws, row, 9, "")
        else:
            put_number(ws, row, 7, item.self_score)
            put_number(ws, row, 8, item.assessor_score)
            put_number(ws, row, 9, item.difference)
        put_text(ws, row, 10, item.reason)
        put_text(ws, row, 11, item.self_note)
        if item.flagged:
            for n in range(1, len(detail) + 1):
                ws.cell(row, n).fill = FLAG_FILL
        fit_height(ws, row, len(detail))
    ws.freeze_panes = "C3"
    print_setup(ws, landscape=True, title_rows="1:1")


def write_details(ws: Worksheet, results: Results) -> None:
    """Item × unit matrix of the final (combined) scores of the primary source."""
    rubric = results.rubric
    units = results.in_list_order()
    fixed = ["编号", "类别", "考核内容", "分值", "类型"]
    width = len(fixed) + len(units)
    _widths(ws, [6, 14, 36, 7, 7] + [10] * len(units))
    title_row(ws, 1, f"分项明细（{source_label(results.primary)}，多人评分已合并）", width)
    for n, header in enumerate(fixed + [f"{u.unit_id} {u.unit_name}" for u in units], start=1):
        put_text(ws, 2, n, header, header=True)
    row = 2
    for item in rubric.items:
        row += 1
        for n, value in enumerate((item.id, item.category, item.content), start=1):
            put_text(ws, row, n, value)
        put_number(ws, row, 4, item.points)
        put_text(ws, row, 5, item.kind.value)
        for n, unit in enumerate(units, start=len(fixed) + 1):
            # a 待核实 return's older valid values are not the unit's current scores
            current = unit.source_states.get(results.primary) is ReturnState.OK
            score = results.item_score(unit.unit_id, results.primary, item.id) if current else None
            if item.kind is ItemKind.VETO:
                cell = put_text(ws, row, n, veto_text(score.veto if score else None))
                if score is not None and score.veto:
                    cell.fill = FLAG_FILL
            else:
                put_number(ws, row, n, score.value if score else None)
        fit_height(ws, row, width)
    fit_height(ws, 2, width)
    totals = [("基础分", "base"), ("加分", "bonus"), ("扣分", "penalty"), (source_label(results.primary), "total")]
    for label, attr in totals:
        row += 1
        put_text(ws, row, 3, label, header=True)
        for n, unit in enumerate(units, start=len(fixed) + 1):
            main = unit.main
            if main is None:
                put_text(ws, row, n, unit.source_states[results.primary].label).fill = FLAG_FILL
            else:
                put_number(ws, row, n, getattr(main, attr))
    for source in rubric.sources_of(FormKind.RATER):  # 班子评分 etc.: category × unit
        row += 2
        title_row(ws, row, f"{source.name}（按类别）", width, size=11)
        for category, _top in rubric.rater_categories(source):
            row += 1
            put_text(ws, row, 2, category.name)
            put_number(ws, row, 4, category.rater_max[source.name])
            for n, unit in enumerate(units, start=len(fixed) + 1):
                score = results.item_score(unit.unit_id, source.name, category.name)
                put_number(ws, row, n, score.value if score else None)
    for source in rubric.sources_of(FormKind.BALLOT):  # 民主测评: votes × unit, then the ratio
        row += 2
        title_row(ws, row, f"{source.name}（票数）", width, size=11)
        for grade in (*BALLOT_GRADES, "实到人数"):
            row += 1
            put_text(ws, row, 2, grade)
            for n, unit in enumerate(units, start=len(fixed) + 1):
                score = results.item_score(unit.unit_id, source.name, grade)
                put_number(ws, row, n, score.value if score else None, fmt="0")
        row += 1
        put_text(ws, row, 2, "折算率")
        for n, unit in enumerate(units, start=len(fixed) + 1):
            result = unit.sources.get(source.name)
            ratio = result.ratio if result is not None else None
            put_number(ws, row, n, None if ratio is None else round2(exact_decimal(ratio * 100)), fmt='0.00"%"')
    ws.freeze_panes = "D3"
    print_setup(ws, landscape=True, title_rows="1:2")


def write_returns(ws: Worksheet, results: Results, states: list[UnitState], rejected: list[RejectedFile]) -> None:
    """Who returned what (state, revisions, time) and the files that were turned away."""
    names = {u.unit_id: u.unit_name for u in results.units}
    headers = ["编号", "单位", "表单", "状态", "修订次数", "收到时间", "说明"]
    _widths(ws, [8, 24, 14, 10, 10, 18, 48])
    title_row(ws, 1, "回收情况", len(headers))
    for n, header in enumerate(headers, start=1):
        put_text(ws, 2, n, header, header=True)
    order = {unit_id: n for n, unit_id in enumerate(results.unit_order)}
    row = 2
    for state in sorted(states, key=lambda s: (order.get(s.unit_id, len(order)), s.form.value)):
        row += 1
        put_text(ws, row, 1, state.unit_id)
        put_text(ws, row, 2, names.get(state.unit_id, ""))
        put_text(ws, row, 3, state_heading(results.rubric, state))
        cell = put_text(ws, row, 4, state.state.label)
        if state.state is not ReturnState.OK:
            cell.fill = FLAG_FILL
        put_number(ws, row, 5, state.revisions, fmt="0")
        put_text(ws, row, 6, state.received_at)
        put_text(ws, row, 7, state.note)
    row += 2
    title_row(ws, row, f"拒收的文件（{len(rejected)} 个）", len(headers), size=11)
    row += 1
    for n, header in enumerate(["序号", "文件名", "表单", "处理", "对象", "收到时间", "原因"], start=1):
        put_text(ws, row, n, header, header=True)
    for number, file in enumerate(rejected, start=1):
        row += 1
        put_number(ws, row, 1, number, fmt="0")
        put_text(ws, row, 2, file.original_name)
        put_text(ws, row, 3, _form_label(file.form_kind))
        put_text(ws, row, 4, FILE_STATUS_LABELS.get(file.status, file.status)).fill = MUTED_FILL
        put_text(ws, row, 5, file.subject_id)
        put_text(ws, row, 6, file.received_at)
        put_text(ws, row, 7, file.reason)
    for n in range(2, row + 1):
        fit_height(ws, n, 7)
    print_setup(ws, landscape=True, title_rows="1:2")


def _form_label(value: str) -> str:
    try:
        return FormKind(value).label
    except ValueError:
        return value
