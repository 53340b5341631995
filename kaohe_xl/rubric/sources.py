"""The 来源 sheet → score sources, and the check that the scheme can be scored.

Private to :mod:`kaohe_xl.rubric.load`. Each row is one source: its form (who fills
it in), weight, 折算分制, raters (评分表) and 计入条目 (民主测评表). A scheme is refused
(errors) when some source could never be produced or counted: two 自评表 sources, a
民主测评表 source filling an item that is not a 基础 item, a weight on a source that
already fills an item, no weight anywhere.
"""

from __future__ import annotations

import re
from decimal import Decimal

from kaohe_xl.rubric.model import Category, FormKind, Item, ItemKind, Source
from kaohe_xl.rubric.settings import Collector, text_of
from kaohe_xl.rubric.sheets import CATEGORIES_SHEET, SOURCES_SHEET, Row, Sheet
from kaohe_xl.textnorm import format_decimal, id_text, normalize_label

_LIST_SPLIT = re.compile(r"[、,;；，\s]+")
# A 来源 row whose 表单 is blank is understood from its name.
_FORM_BY_NAME = {"自评": FormKind.SELF, "考核组": FormKind.ASSESSOR, "民主测评": FormKind.BALLOT}
# Forms a scheme can hold at most once: one 自评表 per unit, one 民主测评 per group.
_ONCE = (FormKind.SELF, FormKind.BALLOT)


def default_sources() -> list[Source]:
    """Without a 来源 sheet: 自评 (collected and compared, weight 0) and 考核组 (weight 1)."""
    return [Source("自评", FormKind.SELF, Decimal(0)), Source("考核组", FormKind.ASSESSOR, Decimal(1))]


def build_sources(col: Collector, sheet: Sheet | None, categories: list[Category], items: list[Item]) -> list[Source]:
    """The sources of the 来源 sheet (the default pair without one), checked as a scheme."""
    if sheet is None:
        return default_sources()
    sources: list[Source] = []
    rows: dict[str, Row] = {}
    for row in sheet.rows:
        name = normalize_label(text_of(row, "来源"))
        if not name:
            continue
        if name in rows:
            col.error("duplicate_source", f"来源“{name}”重复", SOURCES_SHEET, row.get("来源"))
            continue
        source = _source(col, row, name, categories)
        if source is not None:
            sources.append(source)
            rows[name] = row
    _check_scheme(col, sheet, sources, rows, categories, items)
    return sources


def _source(col: Collector, row: Row, name: str, categories: list[Category]) -> Source | None:
    form_cell = row.get("表单")
    try:
        form = FormKind.from_label(normalize_label(form_cell.value) if form_cell else "")
    except ValueError as exc:
        guess = _FORM_BY_NAME.get(name)
        if guess is None:
            col.error("unknown_form", str(exc), SOURCES_SHEET, form_cell or row.get("来源"))
            return None
        form = guess
    target_cell = row.get("计入条目")
    target = id_text(target_cell.value) if target_cell is not None else ""
    if target and form is not FormKind.BALLOT:
        message = f"来源“{name}”是{form.label}，不能填“计入条目”（只有民主测评表的结果可以计入一个条目）"
        col.error("target_not_ballot", message, SOURCES_SHEET, target_cell)
        target = ""
    weight = col.number(row.get("权重"), SOURCES_SHEET, "权重")
    if weight is None:
        weight = Decimal(0) if form in (FormKind.SELF, FormKind.BALLOT) else Decimal(1)
    if weight < 0:
        col.error("negative", "权重不能为负数", SOURCES_SHEET, row.get("权重"))
    scale = col.number(row.get("折算分制"), SOURCES_SHEET, "折算分制")
    if scale is not None and scale <= 0:
        col.error("not_positive", "折算分制必须大于0（不折算则留空）", SOURCES_SHEET, row.get("折算分制"))
        scale = None
    raters = tuple(dict.fromkeys(r for r in _LIST_SPLIT.split(text_of(row, "评分人")) if r))
    if form is FormKind.RATER:
        if not raters:
            col.error(
                "missing_raters",
                f"来源“{name}”是评分表，必须在“评分人”列列出评分人（用顿号分隔）",
                SOURCES_SHEET,
                row.get("评分人") or row.get("来源"),
            )
        if not any(c.rater_max.get(name, Decimal(0)) > 0 for c in categories):
            message = f"“类别”表需要一列“{name}”，写出每个类别的评分上限（至少一个类别大于0）"
            col.error("missing_rater_max", message, CATEGORIES_SHEET)
    return Source(name, form, weight, scale, raters, target)


def _check_scheme(
    col: Collector,
    sheet: Sheet,
    sources: list[Source],
    rows: dict[str, Row],
    categories: list[Category],
    items: list[Item],
) -> None:
    """Every source can be produced and counted; the weights make a composite."""
    for form in _ONCE:
        extra = sources_of(sources, form)[1:]
        for source in extra:
            message = f"来源“{source.name}”：一个考核方案只能有一个{form.label}来源（已有“{sources_of(sources, form)[0].name}”）"
            col.error("duplicate_form", message, SOURCES_SHEET, rows[source.name].get("表单"))
    if not sources_of(sources, FormKind.ASSESSOR):
        col.error(
            "missing_source",
            "“来源”表必须包含一个考核组评分表来源（如：考核组 / 考核组评分表 / 1）",
            SOURCES_SHEET,
            sheet.header_ref,
        )
    for source in sources_of(sources, FormKind.BALLOT):
        _check_ballot(col, source, rows[source.name], categories, items)
    targets = {s.target for s in sources_of(sources, FormKind.BALLOT) if s.target}
    if targets and all(i.id in targets for i in items if i.kind is not ItemKind.VETO):
        message = "所有条目都由民主测评计算，自评表和考核组评分表上没有可填写的分数：请至少保留一个由考核组评分的条目"
        col.error("no_inputs", message, SOURCES_SHEET, sheet.header_ref)
    total = sum((s.weight for s in sources), Decimal(0))
    if sources and total == 0:
        message = "所有来源的权重都是 0，综合得分无从计算：请给考核组评分表等来源填写权重（如 1）"
        col.error("no_weight", message, SOURCES_SHEET, sheet.header_ref)
    elif sources and total != 1:
        message = f"各来源权重之和为 {format_decimal(total)}，不是 1"
        col.warn("weights_not_one", message, SOURCES_SHEET, sheet.header_ref)


def _check_ballot(col: Collector, source: Source, row: Row, categories: list[Category], items: list[Item]) -> None:
    """A 民主测评 source fills one 基础 item, or carries a weight of its own."""
    if not source.target:
        if source.weight == 0:
            message = f"来源“{source.name}”既没有权重也没有“计入条目”，民主测评结果不会计入任何得分"
            col.warn("source_unused", message, SOURCES_SHEET, row.get("来源"))
        return
    cell = row.get("计入条目")
    found = [i for i in items if i.id == source.target]
    if not found:
        message = f"计入条目“{source.target}”不在条目表中：请填写要由民主测评计算的条目编号"
        col.error("unknown_target", message, SOURCES_SHEET, cell)
        return
    item = found[0]
    deduction = {c.name for c in categories if c.deduction}
    if item.kind is not ItemKind.BASE or item.category in deduction:
        what = f"{item.kind.value}项" if item.kind is not ItemKind.BASE else "扣分制类别中的条目"
        message = f"计入条目 {item.id}“{item.content}”是{what}：民主测评只能计入一个按得分填写的基础条目"
        col.error("bad_target", message, SOURCES_SHEET, cell, item.id)
    if source.weight != 0:
        message = (
            f"来源“{source.name}”已计入条目 {item.id}，又有权重 {format_decimal(source.weight)}，"
            "民主测评会被计算两次：权重请留空或填 0"
        )
        col.error("target_weighted", message, SOURCES_SHEET, row.get("权重"))


def sources_of(sources: list[Source], form: FormKind) -> list[Source]:
    return [s for s in sources if s.form is form]
