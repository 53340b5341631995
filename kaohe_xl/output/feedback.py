"""One 反馈表 per unit: its result item by item, the feedback seed 002 says is missing.

``output/反馈表/<编号>_<单位>_反馈表.xlsx``: the unit's assessor score per item next to
its self-score, every deduction with the assessors' reason, its totals per source,
composite, grade and rank, its three items that lost most points (with every unit's
mean share of 分值 beside them, :mod:`kaohe_xl.output.loss`); the closing line (设置 ``反馈说明``) and a place for the
office's seal and the date. A4 portrait, fit to width, 第 X 页 共 Y 页.

The sheet holds three tables (失分最多的条目, 分项得分, 扣分明细), so it is paginated here: the title lines
repeat on every page (print titles), and a page that a table runs onto starts with that
table's header row again; a page break never falls inside the seal block. Pages are
filled at the largest scale any renderer prints them at (:func:`~kaohe_xl.xlsx.measure.fit_scale`).

All 反馈表 of a run share one skeleton (:mod:`kaohe_xl.xlsx.sheetwriter`): each file is
its rows as XML, about a millisecond a unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook

from kaohe_xl.analysis.losses import LossAnalysis, analyse_losses
from kaohe_xl.forms.layout import veto_text
from kaohe_xl.output.look import STYLES, flagged, lay_out, title_line
from kaohe_xl.output.loss import WEAKEST_LABELS, WEAKEST_TITLE, weakest_rows
from kaohe_xl.output.report import OutputReport
from kaohe_xl.output.summary import remarks_of
from kaohe_xl.progress import progress as progress_bar
from kaohe_xl.rubric.model import ItemKind
from kaohe_xl.scoring.engine import Results, UnitResult, round2, source_label
from kaohe_xl.scoring.reconcile import ItemDiff, Reconciliation, reconcile
from kaohe_xl.scoring.results import compute
from kaohe_xl.textnorm import safe_filename
from kaohe_xl.workers import Workers, worker_count
from kaohe_xl.xlsx import measure
from kaohe_xl.xlsx.cells import Value
from kaohe_xl.xlsx.place import Saved, save_atomic
from kaohe_xl.xlsx.sheetwriter import Book, Cell, SheetRows, Skeleton

if TYPE_CHECKING:
    from kaohe_xl.campaign import Campaign

FEEDBACK_DIR = "反馈表"
FEEDBACK_SHEET = "反馈表"
SEAL = "考核办公室（盖章）"
SEAL_DATE = "日期：        年    月    日"
_COLUMNS: tuple[tuple[str, float], ...] = (
    ("编号", 5),
    ("类别", 9),
    ("考核内容", 27),
    ("分值", 6),
    ("自评得分", 7),
    ("考核得分", 7),
    ("差异", 6),
    ("扣分原因", 21),
)
_WIDTH = len(_COLUMNS)
_FILL = 0.97  # of a page's room: slack for renderers' rounding


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


def feedback_skeleton() -> Skeleton:
    """The layout every 反馈表 shares: widths, A4 portrait, title lines repeated."""
    wb = Workbook()
    lay_out(wb, FEEDBACK_SHEET, [w for _, w in _COLUMNS], landscape=False, title_rows=(1, 2), first=True)
    return Skeleton(wb, STYLES)


class FeedbackRun:
    """What every 反馈表 of a run shares, computed once: the skeleton, each unit's item
    rows and result, how many units are ranked."""

    def __init__(self, results: Results, rec: Reconciliation, when: date | None = None) -> None:
        self.results = results
        self.losses = analyse_losses(results)
        self.when = when or date.today()
        self.skeleton = feedback_skeleton()
        self.units = {u.unit_id: u for u in results.units}
        self.rows: dict[str, list[ItemDiff]] = {}
        for row in rec.items:
            self.rows.setdefault(row.unit_id, []).append(row)
        self.ranked = sum(1 for u in results.units if u.rank is not None)

    def book(self, unit_id: str) -> Book:
        """The 反馈表 workbook of one unit."""
        results, unit, when = self.results, self.units[unit_id], self.when
        book = self.skeleton.book(level=1)  # a thousand small files: fast deflate, 10 % larger
        sheet = book.sheet(FEEDBACK_SHEET)
        title_line(sheet, f"{results.rubric.settings.name}结果反馈表", _WIDTH)
        titles = sheet.last_height
        line = f"单位：{unit.unit_name}（编号 {unit.unit_id}）    反馈日期：{when.year}年{when.month}月{when.day}日"
        title_line(sheet, line, _WIDTH, "subtitle")
        pager = _Pager(sheet, titles + sheet.last_height)
        _result_block(pager, results, unit, self.ranked)
        _weakest_block(pager, self.losses, unit_id)
        items = self.rows.get(unit_id, [])
        _items_block(pager, items, with_self=results.self_source is not None)
        _deductions_block(pager, items)
        _closing(pager, results.rubric.settings.feedback_note)
        return book


def build_feedback(results: Results, rec: Reconciliation, unit_id: str, *, when: date | None = None) -> Book:
    """The 反馈表 workbook of one unit (many units: :class:`FeedbackRun` computes the shared parts once)."""
    return FeedbackRun(results, rec, when).book(unit_id)


class _Pager:
    """Rows onto pages: a row that does not fit starts a new page, which starts with the
    current table's header row again; a group kept together moves down whole."""

    def __init__(self, sheet: SheetRows, titles: float) -> None:
        self.sheet = sheet
        _, height = measure.printable(landscape=False)
        scale = measure.fit_scale([w for _, w in _COLUMNS], landscape=False)
        self.titles = titles  # the print title rows' height, on every page
        self.room = height / scale * _FILL
        self.used = self.titles
        self.header: tuple[list[Cell], Sequence[tuple[int, int]]] | None = None

    def add(
        self, cells: list[Cell], *, spans: Sequence[tuple[int, int]] = (), minimum: float = 18, keep: float = 0
    ) -> int:
        """Write a row (measured); ``keep``: the height of what must follow it on the same page."""
        height = self.sheet.measure(cells, spans=spans, minimum=minimum)
        if self.used + height + keep > self.room and self.used > self.titles:
            self.sheet.page_break(self.sheet.last_row + 1)
            self.used = self.titles
            if self.header is not None:
                header, header_spans = self.header
                self.used += self.sheet.measure(header, spans=header_spans, minimum=20)
                self.sheet.row(header, fit=True, minimum=20, spans=header_spans)
        self.used += height
        return self.sheet.row(cells, height=height, spans=spans)

    def gap(self) -> None:
        """An empty row between blocks (never at the top of a page)."""
        if self.used + 10 <= self.room:
            self.sheet.row([], height=10)
            self.used += 10

    def table(
        self, title: str, header: list[Cell], spans: Sequence[tuple[int, int]] = (), first: list[Cell] | None = None
    ) -> None:
        """A table's title and header row, kept on the page of its first row."""
        follow = self.sheet.measure(header, spans=spans, minimum=20)
        if first is not None:
            follow += self.sheet.measure(first, minimum=18)
        self.header = None
        self.add(_line(title, "section"), spans=[(1, _WIDTH)], keep=follow)
        self.add(header, spans=spans, minimum=20)
        self.header = (header, spans)


def _line(text: str, style: str) -> list[Cell]:
    return [(text, style)] + [(None, style)] * (_WIDTH - 1)


def _result_block(pager: _Pager, results: Results, unit: UnitResult, ranked: int) -> None:
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
    pairs.append(("排名", f"第 {unit.rank} 名（共 {ranked} 个单位）" if unit.rank else "不参加排名"))
    pager.gap()
    pager.add([("考核结果", "header")] + [(None, "header")] * (_WIDTH - 1), spans=[(1, _WIDTH)], minimum=20)
    spans = [(1, 2), (3, 4), (5, 6), (7, 8)]  # two label/value pairs per line: A-B|C-D and E-F|G-H
    for n in range(0, len(pairs), 2):
        cells: list[Cell] = []
        for label, value in pairs[n : n + 2]:
            style = "number" if isinstance(value, Decimal) else flagged("text", label == "等次" and unit.veto)
            cells += [(label, "header"), (None, "header"), (value, style), (None, style)]
        pager.add(cells, spans=spans[: len(cells) // 2], minimum=20)
    note = remarks_of(unit)
    if note:
        pager.add(_line(f"备注：{note}", "subtitle"), spans=[(1, _WIDTH)])


def _weakest_block(pager: _Pager, losses: LossAnalysis, unit_id: str) -> None:
    """The unit's items that lost most points, beside every unit's mean share of 分值."""
    rows = weakest_rows(losses, unit_id)
    header: list[Cell] = [(label, "header") for label in WEAKEST_LABELS]
    pager.gap()
    if isinstance(rows, str):
        pager.header = None
        pager.add(_line(WEAKEST_TITLE, "section"), spans=[(1, _WIDTH)])
        pager.add(_line(rows, "subtitle"), spans=[(1, _WIDTH)])
        return
    pager.table(WEAKEST_TITLE, header, (), rows[0])
    for row in rows:
        pager.add(row)


def _items_block(pager: _Pager, rows: list[ItemDiff], *, with_self: bool = True) -> None:
    """Each item's score; next to its self-score and the difference when the scheme has 自评
    (without, the 考核得分 cell spans those columns)."""
    title = "分项得分（自评得分与考核得分对照）" if with_self else "分项得分"
    labels = [label for label, _ in _COLUMNS]
    if with_self:
        header: list[Cell] = [(label, "header") for label in labels]
        header_spans: list[tuple[int, int]] = []
    else:
        # 考核得分 spans the columns of 自评得分, 考核得分 and 差异
        header = [(label if n not in (4, 5, 6) else None, "header") for n, label in enumerate(labels)]
        header[4] = (labels[5], "header")
        header_spans = [(5, 7)]
    cells = [_item_cells(item, with_self) for item in rows]
    pager.gap()
    pager.table(title, header, header_spans, cells[0] if cells else None)
    for row in cells:
        pager.add(row, spans=[] if with_self else [(5, 7)])


def _item_cells(item: ItemDiff, with_self: bool) -> list[Cell]:
    cells: list[Cell] = [(item.item_id, "center"), (item.category, "text"), (item.content, "text")]
    cells.append((item.points, "number"))
    if not with_self:
        if item.kind is ItemKind.VETO:
            value: tuple[Decimal | str | None, str] = (veto_text(item.assessor_veto), "center")
        else:
            value = (item.assessor_score, "number")
        cells += [value, (None, value[1]), (None, value[1])]
    elif item.kind is ItemKind.VETO:
        cells += [(veto_text(item.self_veto), "center"), (veto_text(item.assessor_veto), "center"), ("", "center")]
    else:
        cells += [(item.self_score, "number"), (item.assessor_score, "number")]
        cells.append((item.difference, flagged("number", item.flagged)))
    cells.append((item.reason, "text"))
    return cells


def _deductions_block(pager: _Pager, rows: list[ItemDiff]) -> None:
    lost = [(r, d) for r in rows if (d := deduction(r)) is not None]
    header: list[Cell] = [(h, "header") for h in ("编号", "类别", "考核内容", "扣分", None, None, None, "扣分原因")]
    cells = []
    for item, (_kind, amount) in lost:
        taken: tuple[Value, str] = ("一票否决", "center") if amount is None else (round2(amount), "deduction")
        row: list[Cell] = [(item.item_id, "center"), (item.category, "text"), (item.content, "text"), taken]
        row += [(None, taken[1])] * 3 + [(item.reason or "（考核组未填写原因）", "text")]
        cells.append(row)
    pager.gap()
    pager.table(f"扣分明细（共 {len(lost)} 项）", header, [(4, 7)], cells[0] if cells else None)
    for row in cells:
        pager.add(row, spans=[(4, 7)])
    if not lost:
        pager.header = None
        pager.add(_line("无扣分项目。", "subtitle"), spans=[(1, _WIDTH)])


def _closing(pager: _Pager, note: str) -> None:
    """The closing line and the seal block, kept together on one page."""
    pager.header = None
    seal: list[Cell] = [None] * 4 + [(SEAL, "seal")] + [(None, "seal")] * 3
    when: list[Cell] = [None] * 4 + [(SEAL_DATE, "seal")] + [(None, "seal")] * 3
    keep = pager.sheet.measure(seal, spans=[(5, 8)], minimum=40) + pager.sheet.measure(when, spans=[(5, 8)], minimum=24)
    pager.gap()
    if note:
        pager.add(_line(note, "subtitle"), spans=[(1, _WIDTH)], keep=keep)
    pager.add(seal, spans=[(5, 8)], minimum=40, keep=keep / 2)
    pager.add(when, spans=[(5, 8)], minimum=24)


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
    report = OutputReport(folder, units=len(results.units))
    report.scored = sum(1 for u in results.units if u.composite is not None)
    units = [(unit.unit_id, unit.unit_name) for unit in results.in_list_order()]
    run = (FeedbackRun(results, rec), folder)
    with Workers(_write_book, run, worker_count(len(units), MIN_BOOKS_FOR_WORKERS)) as pool:
        for saved in pool.map(progress_bar(units, FEEDBACK_SHEET, enabled=progress)):
            report.files.append(saved.path)
            report.add_note(saved.note)
    return report


# The books are built and written in worker processes (kaohe_xl.workers) when there are
# enough of them; the report lists them in the order of the units either way.
MIN_BOOKS_FOR_WORKERS = 100  # a 反馈表 takes a few ms: workers pay off from about a hundred


def _write_book(run: tuple[FeedbackRun, Path], unit: tuple[str, str]) -> Saved:
    feedback_run, folder = run
    unit_id, unit_name = unit
    return save_atomic(feedback_run.book(unit_id), folder / feedback_filename(unit_id, unit_name))
