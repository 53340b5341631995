"""失分分析: the sheet of the 汇总 workbook, and each unit's weakest items on its 反馈表.

The sheet (one campaign, :func:`~kaohe_xl.analysis.losses.analyse_losses`): per item the
mean share of 分值 kept, the units that lost points, the points lost and the 扣分原因 the
assessors wrote most often, sorted by points lost, the first
:data:`~kaohe_xl.analysis.losses.TOP_ITEMS` highlighted; then the same per category in
brief, and the 否决 items that vetoed a unit. A4 landscape, one page wide, rows 1–3
repeated, 第 X 页 共 Y 页.

The sheet is laid out on the 汇总 workbook's skeleton (:func:`lay_out_losses`: widths,
print setup) and its rows written by :func:`write_losses` through the
:mod:`~kaohe_xl.xlsx.sheetwriter`; :func:`weakest_rows` gives the 反馈表 its rows.
"""

from __future__ import annotations

from decimal import Decimal

from openpyxl.worksheet.worksheet import Worksheet

from kaohe_xl.analysis.losses import TOP_ITEMS, WEAKEST, ItemLoss, LossAnalysis
from kaohe_xl.output.sheet_styles import STYLES, fit
from kaohe_xl.scoring.engine import Results, round2, source_label
from kaohe_xl.textnorm import format_decimal
from kaohe_xl.xlsx.ooxml import column_letter
from kaohe_xl.xlsx.page import setup_page
from kaohe_xl.xlsx.sheetwriter import Cell, SheetRows

__all__ = ["LOSS_SHEET", "STYLES", "lay_out_losses", "loss_title", "weakest_rows", "write_losses"]

LOSS_SHEET = "失分分析"
HEADER_ROW = 3
COLUMNS: tuple[tuple[str, float], ...] = (
    ("名次", 5),
    ("编号", 6),
    ("类别", 14),
    ("考核内容", 46),
    ("分值", 7),
    ("平均得分率", 9),
    ("失分单位数", 9),
    ("失分合计", 9),
    ("主要扣分原因（单位数）", 40),
)
WIDTH = len(COLUMNS)
EXPLAIN = (
    f"按失分合计从多到少排列，失分最多的前 {TOP_ITEMS} 项标色。失分：基础条目为 分值 − 得分，扣分条目和扣分制类别为所扣分数；"
    "平均得分率 = 1 − 失分合计 ÷（分值 × 单位数）。扣分原因按考核组原话统计，相同的（不计末尾的“扣N分”）合并，"
    "括号内为写此原因的单位数。考核组评分表未收到或待核实的单位不计。"
)


def lay_out_losses(ws: Worksheet) -> None:
    """Widths and print setup of 失分分析 (A4 landscape, rows 1–3 repeated)."""
    for n, (_, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[column_letter(n)].width = width
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 3)
    setup_page(ws, landscape=True, title_rows=(1, HEADER_ROW))


def _widths() -> list[float]:
    return [w for _, w in COLUMNS]


def _line(rows: SheetRows, text: str, style: str, *, height: float | None = None) -> int:
    at = rows.row([(text, style)], height=height or fit([(text, sum(_widths()))], line=12.5))
    rows.merge(at, 1, at, WIDTH)
    return at


def write_losses(rows: SheetRows, analysis: LossAnalysis, title: str) -> None:
    """The rows of 失分分析: title, note, header (repeated on every page), then the
    categories in brief, the items by points lost, and the vetoes."""
    at = rows.row([(title, "title")], height=30)
    rows.merge(at, 1, at, WIDTH)
    _line(rows, EXPLAIN, "note")
    rows.row([(label, "header") for label, _ in COLUMNS], height=30)
    if not analysis.units:
        _line(rows, "尚无可分析的单位：考核组评分表都还没有收到（或待核实）。", "subtitle")
        return
    _line(rows, "一、各类别失分（按类别得分计，封顶之后）", "section", height=20)
    for loss in analysis.categories:
        worst = next((i for i in analysis.items if i.category == loss.name and i.lost > 0), None)
        text = "全类别"
        if worst is not None and worst.item is not None:
            text += f"（失分最多的是条目 {worst.item.id}，失 {format_decimal(round2(worst.lost))} 分）"
        _loss_row(rows, loss, "—", text, False)
    _line(rows, f"二、各条目失分（按失分合计从多到少，前 {TOP_ITEMS} 项标色）", "section", height=20)
    for loss in analysis.items:
        assert loss.item is not None
        _loss_row(rows, loss, loss.item.id, loss.name, loss.top)
    for vetoed in analysis.vetoed:
        _line(
            rows,
            f"否决项 条目 {vetoed.item.id}“{vetoed.item.content}”：{'、'.join(vetoed.units)}（一票否决）",
            "subtitle",
        )


def _loss_row(rows: SheetRows, loss: ItemLoss, item_id: str, content: str, top: bool) -> None:
    mark = "_top" if top else ""
    reasons = loss.reason_text() or ("—" if loss.lost else "")
    cells: list[Cell] = [
        (loss.rank, f"count{mark}"),
        (item_id, f"center{mark}"),
        (loss.category, f"text{mark}"),
        (content, f"text{mark}"),
        (loss.points, f"score{mark}"),
        (loss.share, f"share{mark}"),
        (loss.lost_units, f"count{mark}"),
        (round2(loss.lost), f"score{mark}"),
        (reasons, f"text{mark}"),
    ]
    widths = _widths()
    rows.row(cells, height=fit([(loss.category, widths[2]), (content, widths[3]), (reasons, widths[8])]))


def loss_title(results: Results, analysis: LossAnalysis) -> str:
    """The sheet's title line: which source, how many units."""
    return f"{results.rubric.settings.name}失分分析（{source_label(analysis.source)}，{analysis.units} 个单位）"


# -- 反馈表: the unit's weakest items ---------------------------------------------------------
WEAKEST_TITLE = f"失分最多的条目（前 {WEAKEST} 项，供改进参考）"
WEAKEST_LABELS = ("编号", "类别", "考核内容", "分值", "得分", "失分", "全体平均得分率", "扣分原因")


def weakest_rows(analysis: LossAnalysis, unit_id: str) -> list[list[Cell]] | str:
    """The unit's :data:`~kaohe_xl.analysis.losses.WEAKEST` items that lost most points,
    with every unit's mean share of 分值 beside them (8 columns, the 反馈表's styles:
    number, percent), or the sentence that says why there are none."""
    weakest = analysis.weakest(unit_id)
    if not weakest:
        counted = unit_id in analysis.counted
        return "各条目均未失分。" if counted else "考核组评分表尚未收到或待核实，暂无失分分析。"
    rows: list[list[Cell]] = []
    for loss in weakest:
        points = loss.item.points or Decimal(0)
        rows.append(
            [
                (loss.item.id, "center"),
                (loss.item.category, "text"),
                (loss.item.content, "text"),
                (points, "number"),
                (points - loss.lost, "number"),
                (loss.lost, "number"),
                (analysis.mean_share.get(loss.item.id), "percent"),
                ("；".join(loss.reasons) or "（考核组未填写原因）", "text"),
            ]
        )
    return rows
