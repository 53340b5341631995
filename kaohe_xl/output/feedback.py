"""One 反馈表 per unit: its result item by item, the feedback seed 002 says is missing.

``output/反馈表/<编号>_<单位>_反馈表.xlsx``: the unit's assessor score per item next to
its self-score, every deduction with the assessors' reason, its totals per source,
composite, grade and rank, and its three items that lost most points (with every unit's
mean share of 分值 beside them, :mod:`kaohe_xl.output.loss`). A4 portrait, fit to width, 第 X 页 共 Y 页.
"""

from __future__ import annotations

from copy import copy
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from kaohe_xl.analysis.losses import LossAnalysis, analyse_losses
from kaohe_xl.forms.layout import veto_text
from kaohe_xl.output.loss import add_weakest
from kaohe_xl.output.report import OutputReport
from kaohe_xl.output.summary import remarks_of
from kaohe_xl.progress import progress as progress_bar
from kaohe_xl.rubric.model import ItemKind
from kaohe_xl.scoring.engine import Results, UnitResult, round2, source_label
from kaohe_xl.scoring.reconcile import ItemDiff, Reconciliation, reconcile
from kaohe_xl.scoring.results import compute
from kaohe_xl.textnorm import safe_filename
from kaohe_xl.xlsx.ooxml import column_letter
from kaohe_xl.xlsx.styled import FLAG_FILL, fit_height, print_setup, put_number, put_text, save_atomic, title_row

if TYPE_CHECKING:
    from kaohe_xl.campaign import Campaign

FEEDBACK_DIR = "反馈表"
FEEDBACK_SHEET = "反馈表"
# Excel number format: the literal text in quotes around the number, so 2 shows as
# 扣 2.00 分 and the cell still holds the number 2.
DEDUCTION_FORMAT = '"扣 "0.00" 分"'
_COLUMNS: tuple[tuple[str, float], ...] = (
    ("编号", 6),
    ("类别", 12),
    ("考核内容", 40),
    ("分值", 7),
    ("自评得分", 9),
    ("考核得分", 9),
    ("差异", 8),
    ("扣分原因", 32),
)


def feedback_filename(unit_id: str, unit_name: str) -> str:
    """``01_东湖村_反馈表.xlsx``."""
    return safe_filename(f"{unit_id}_{unit_name}_反馈表") + ".xlsx"


def feedback_path(campaign: Campaign, unit_id: str, unit_name: str) -> Path:
    """``output/反馈表/01_东湖村_反馈表.xlsx`` (safe on Windows)."""
    return campaign.output_dir / FEEDBACK_DIR / feedback_filename(unit_id, unit_name)


def deduction(row: ItemDiff) -> tuple[str, Decimal | None] | None:
    """What the assessors took off an item: (扣 | 否决, amount), or None when nothing."""
    if row.kind is ItemKind.BASE and row.points is not None and row.assessor_score is not None:
        lost = row.points - row.assessor_score
        return ("扣", lost) if lost > 0 else None
    if row.kind is ItemKind.PENALTY and row.assessor_score:
        return ("扣", row.assessor_score)
    if row.kind is ItemKind.VETO and row.assessor_veto:
        return ("否决", None)
    return None


def build_feedback(
    results: Results,
    rec: Reconciliation,
    unit_id: str,
    *,
    when: date | None = None,
    losses: LossAnalysis | None = None,
) -> Workbook:
    """The 反馈表 workbook of one unit (``losses``: the campaign's 失分分析, computed once for all units)."""
    unit = results.unit(unit_id)
    rubric = results.rubric
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = FEEDBACK_SHEET
    width = len(_COLUMNS)
    for n, (_, w) in enumerate(_COLUMNS, start=1):
        ws.column_dimensions[column_letter(n)].width = w
    when = when or date.today()
    title_row(ws, 1, f"{rubric.settings.name}结果反馈表", width)
    ws.row_dimensions[1].height = 30
    title_row(
        ws,
        2,
        f"单位：{unit.unit_name}（编号 {unit.unit_id}）    反馈日期：{when.year}年{when.month}月{when.day}日",
        width,
        size=11,
    )
    row = _result_block(ws, results, unit, 4)
    row = add_weakest(ws, losses or analyse_losses(results), unit_id, row) + 1  # kaohe_xl.output.loss
    rows = [r for r in rec.items if r.unit_id == unit_id]
    row = _items_block(ws, rows, row + 1, with_self=results.self_source is not None)
    row = _deductions_block(ws, rows, row + 1)
    title_row(ws, row + 1, "如对考核结果有异议，请在收到本表之日起 5 个工作日内向考核办公室书面反映。", width, size=10)
    print_setup(ws, landscape=False, title_rows="1:2")
    return wb


def _result_block(ws: Worksheet, results: Results, unit: UnitResult, row: int) -> int:
    # Scores are numbers (Excel can add them up; text that looks like a number gets
    # Excel's green "number stored as text" flag), rounded to the 2 decimals shown;
    # states such as 待提交 and the rank sentence are text.
    pairs: list[tuple[str, Decimal | str]] = []
    for source in results.rubric.sources:
        total = unit.total(source.name)
        pairs.append(
            (source_label(source.name), round2(total) if total is not None else unit.source_states[source.name].label)
        )
    main = unit.main
    if main is not None:
        pairs += [
            ("基础分", round2(main.base)),
            ("加分", round2(unit.bonus or Decimal(0))),
            ("扣分", round2(main.penalty)),
        ]
    shown = unit.shown
    pairs.append(("综合得分", round2(shown) if shown is not None else unit.status_label))
    pairs.append(("等次", unit.grade or "—"))
    ranked = sum(1 for u in results.units if u.rank is not None)
    pairs.append(("排名", f"第 {unit.rank} 名（共 {ranked} 个单位）" if unit.rank else "不参加排名"))
    put_text(ws, row, 1, "考核结果", header=True)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(_COLUMNS))
    for n, (label, value) in enumerate(pairs):
        r = row + 1 + n // 2
        c = 1 + (n % 2) * 4  # two label/value pairs per line: columns A-B|C-D and E-F|G-H
        put_text(ws, r, c, label, header=True)
        ws.merge_cells(start_row=r, start_column=c, end_row=r, end_column=c + 1)
        cell = put_number(ws, r, c + 2, value) if isinstance(value, Decimal) else put_text(ws, r, c + 2, value)
        ws.merge_cells(start_row=r, start_column=c + 2, end_row=r, end_column=c + 3)
        if label == "等次" and unit.veto:
            cell.fill = FLAG_FILL
    row = row + 1 + (len(pairs) + 1) // 2
    note = remarks_of(unit)
    if note:
        title_row(ws, row, f"备注：{note}", len(_COLUMNS), size=10)
        ws.row_dimensions[row].height = 15 * (1 + len(note) // 60)
        row += 1
    return row


def _items_block(ws: Worksheet, rows: list[ItemDiff], row: int, *, with_self: bool = True) -> int:
    """Each item's score; next to its self-score and the difference when the scheme has 自评
    (without, the 考核得分 cell spans those columns)."""
    title = "分项得分（自评得分与考核得分对照）" if with_self else "分项得分"
    title_row(ws, row, title, len(_COLUMNS), size=11)
    row += 1
    for n, (label, _) in enumerate(_COLUMNS, start=1):
        if with_self or n not in (5, 7):
            put_text(ws, row, n, label, header=True)
    if not with_self:
        _span(ws, row, 5, 6, 7)
    for item in rows:
        row += 1
        put_text(ws, row, 1, item.item_id, center=True)
        put_text(ws, row, 2, item.category)
        put_text(ws, row, 3, item.content)
        put_number(ws, row, 4, item.points)
        if not with_self:
            if item.kind is ItemKind.VETO:
                put_text(ws, row, 6, veto_text(item.assessor_veto), center=True)
            else:
                put_number(ws, row, 6, item.assessor_score)
            _span(ws, row, 5, 6, 7)
        elif item.kind is ItemKind.VETO:
            put_text(ws, row, 5, veto_text(item.self_veto), center=True)
            put_text(ws, row, 6, veto_text(item.assessor_veto), center=True)
            put_text(ws, row, 7, "")
        else:
            put_number(ws, row, 5, item.self_score)
            put_number(ws, row, 6, item.assessor_score)
            put_number(ws, row, 7, item.difference)
        put_text(ws, row, 8, item.reason)
        if item.flagged:
            ws.cell(row, 7).fill = FLAG_FILL
        fit_height(ws, row, len(_COLUMNS))
    return row + 1


def _span(ws: Worksheet, row: int, first: int, keep: int, last: int) -> None:
    """Move the cell ``keep`` of ``row`` to ``first`` and merge ``first``..``last``."""
    source, target = ws.cell(row, keep), ws.cell(row, first)
    target.value, target.font, target.fill = source.value, copy(source.font), copy(source.fill)
    target.alignment, target.number_format, target.border = (
        copy(source.alignment),
        source.number_format,
        copy(source.border),
    )
    ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)


def _deductions_block(ws: Worksheet, rows: list[ItemDiff], row: int) -> int:
    lost = [(r, d) for r in rows if (d := deduction(r)) is not None]
    title_row(ws, row, f"扣分明细（共 {len(lost)} 项）", len(_COLUMNS), size=11)
    row += 1
    for n, label in enumerate(("编号", "类别", "考核内容", "扣分", "", "", "", "扣分原因"), start=1):
        put_text(ws, row, n, label, header=True)
    ws.merge_cells(start_row=row, start_column=4, end_row=row, end_column=7)
    for item, (_kind, amount) in lost:
        row += 1
        put_text(ws, row, 1, item.item_id, center=True)
        put_text(ws, row, 2, item.category)
        put_text(ws, row, 3, item.content)
        if amount is None:
            put_text(ws, row, 4, "一票否决", center=True)
        else:  # a number, shown as 扣 2.00 分 by its format
            put_number(ws, row, 4, round2(amount), fmt=DEDUCTION_FORMAT)
        ws.merge_cells(start_row=row, start_column=4, end_row=row, end_column=7)
        put_text(ws, row, 8, item.reason or "（考核组未填写原因）")
        fit_height(ws, row, len(_COLUMNS))
    if not lost:
        row += 1
        title_row(ws, row, "无扣分项目。", len(_COLUMNS), size=10)
    return row + 1


def write_feedback(
    campaign: Campaign, out: str | Path | None = None, *, results: Results | None = None, progress: bool = False
) -> OutputReport:
    """Write one 反馈表 per unit into ``out`` (default ``output/反馈表/``).

    Each file is written atomically; one open in Excel is written beside it (the
    report's ``note`` says so). ``results`` reuses a scoring already computed;
    ``progress`` draws a bar on the terminal when there are many units.
    """
    folder = Path(out) if out is not None else campaign.output_dir / FEEDBACK_DIR
    results = results or compute(campaign)
    rec = reconcile(results)
    losses = analyse_losses(results)
    report = OutputReport(folder, units=len(results.units))
    report.scored = sum(1 for u in results.units if u.composite is not None)
    for unit in progress_bar(results.in_list_order(), FEEDBACK_SHEET, enabled=progress):
        wb = build_feedback(results, rec, unit.unit_id, losses=losses)
        saved = save_atomic(wb, folder / feedback_filename(unit.unit_id, unit.unit_name))
        report.files.append(saved.path)
        report.add_note(saved.note)
    return report
