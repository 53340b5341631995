"""Do values collected under one version of the rubric still fit the rubric as it is now?

After ``kaohe update`` (or ``kaohe init --force``) changes the rubric, a revision's
values were checked against an earlier version. Wording changes nothing. A value counts
as long as the current rubric would accept it: every current item has a value, within
its 分值 and on its step, a 是/否 for 否决 items; items removed are ignored. The reason
a revision no longer fits names the item and the rule, for the unit's 待核实 note.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from kaohe_xl.rubric.model import FormKind, Rubric
from kaohe_xl.textnorm import format_decimal

Stored = tuple[str, Decimal | None, bool | None]  # (item id or category, value, veto)


def misfit(rubric: Rubric, form: FormKind, source: str, values: Iterable[Stored]) -> str:
    """Why the values no longer fit ``rubric`` ('' when they do).

    ``source`` is the rater source for 评分表 (values keyed by category), else unused. A
    民主测评表 (votes) always fits; items 民主测评 fills are not on the forms.
    """
    found = {key: (value, veto) for key, value, veto in values}
    if form is FormKind.RATER:
        return _rater_misfit(rubric, source, found)
    if form is FormKind.BALLOT:
        return ""  # votes per grade: no item, 分值 or step of the rubric applies
    for item in rubric.items:
        if item.id in rubric.computed_items:
            continue  # filled by 民主测评, never entered on a form
        if item.id not in found:
            return f"条目 {item.id} 是修改细则后新增的，这份表格中没有"
        value, veto = found[item.id]
        if not item.is_scored:
            if veto is None:
                return f"条目 {item.id} 已改为否决项（应选“是”或“否”）"
            continue
        if value is None:
            return f"条目 {item.id} 已改为计分项（应填写分数）"
        assert item.points is not None
        if value > item.points:
            return f"条目 {item.id} 的分值已改为 {format_decimal(item.points)} 分，原填 {format_decimal(value)} 分超过新分值"
        step = rubric.step_of(item)
        if value % step != 0:
            return f"条目 {item.id} 的步长已改为 {format_decimal(step)}，原填 {format_decimal(value)} 分不是其整数倍"
    return ""


def _rater_misfit(rubric: Rubric, source: str, found: dict[str, tuple[Decimal | None, bool | None]]) -> str:
    for category in rubric.categories:
        top = category.rater_max.get(source)
        if top is None:
            continue
        value = found.get(category.name, (None, None))[0]
        if value is None:
            return f"类别“{category.name}”是修改细则后新增的评分类别，这份表格中没有"
        if value > top:
            return (
                f"类别“{category.name}”的满分已改为 {format_decimal(top)} 分，原填 {format_decimal(value)} 分超过新满分"
            )
        if value % rubric.settings.step != 0:
            return f"步长已改为 {format_decimal(rubric.settings.step)}，类别“{category.name}”原填 {format_decimal(value)} 分不是其整数倍"
    return ""
