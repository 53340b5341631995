"""Checks across the sheets of a rubric, once every sheet has been read.

Private to :mod:`kaohe_xl.rubric.load`:

- 取高组 (就高不就低): the members of one group are alike (same kind; 基础 items in the
  same category), so "only the highest counts" means one thing;
- 加分 items without 加分上限: every bonus would count 0 — said, not done silently;
- 合格线 against the 等次 bands: a band that holds both passing and failing units, or a
  pass-sounding band below the line, contradicts it.
"""

from __future__ import annotations

from collections import defaultdict

from kaohe_xl.rubric.items import ItemSheet
from kaohe_xl.rubric.model import Item, ItemKind, Settings
from kaohe_xl.rubric.settings import Collector, blank
from kaohe_xl.rubric.sheets import ITEMS_SHEET, SETTINGS_SHEET, Cell, RawRubric
from kaohe_xl.textnorm import format_decimal

_FAIL_WORDS = ("不合格", "不达标", "不及格", "不称职", "差")


def check_best_of(col: Collector, read: ItemSheet) -> None:
    """取高组: every group has two or more alike members."""
    groups: dict[str, list[Item]] = defaultdict(list)
    for item in read.items:
        if item.best_of:
            groups[item.best_of].append(item)
    for label, members in groups.items():
        first = members[0]
        if len(members) == 1:
            message = f"取高组“{label}”只有条目 {first.id} 一个条目，不起作用（同一取高组的条目只计最高的一项）"
            col.warn("best_of_single", message, ITEMS_SHEET, read.rows[first.id].get("取高组"), first.id)
            continue
        for item in members[1:]:
            if item.kind is not first.kind:
                message = (
                    f"取高组“{label}”中条目 {item.id} 是{item.kind.value}项，条目 {first.id} 是{first.kind.value}项："
                    "同一取高组的条目类型必须相同"
                )
                col.error("best_of_mixed", message, ITEMS_SHEET, read.rows[item.id].get("取高组"), item.id)
            elif item.kind is ItemKind.BASE and item.category != first.category:
                message = (
                    f"取高组“{label}”中条目 {item.id} 属于“{item.category}”，条目 {first.id} 属于“{first.category}”："
                    "同一取高组的基础条目必须在同一类别中"
                )
                col.error("best_of_mixed", message, ITEMS_SHEET, read.rows[item.id].get("取高组"), item.id)


def check_bonus_cap(col: Collector, raw: RawRubric, items: list[Item]) -> None:
    """加分 items but no 加分上限: say that every bonus will count 0."""
    bonus = [i.id for i in items if i.kind is ItemKind.BONUS]
    if bonus and blank(raw.settings.get("加分上限")):
        message = (
            f"条目中有加分项目（{'、'.join(bonus)}），但设置中没有“加分上限”：加分将一律按 0 计。"
            "请在设置中加一行“加分上限”（如 10）"
        )
        col.warn("bonus_without_cap", message, SETTINGS_SHEET, "")


def check_pass_line(col: Collector, settings: Settings, cell: Cell | None) -> None:
    """合格线 and 等次 agree: the line is a band boundary, bands below it sound like failing."""
    line = settings.pass_line
    if line is None or not settings.grades:
        return
    shown = format_decimal(line)
    bounds = [g.minimum for g in settings.grades if g.minimum is not None]
    for n, grade in enumerate(settings.grades):
        upper = settings.grades[n - 1].minimum if n else None
        lower = grade.minimum
        failing = any(word in grade.label for word in _FAIL_WORDS)
        # the band holds [lower, upper): wholly above, wholly below, or across the line
        above = lower is not None and lower >= line
        below = upper is not None and upper <= line
        if above and failing:
            message = f"等次“{grade.label}”（≥{format_decimal(lower)}）在合格线 {shown} 以上，名称却是不合格：请核对等次或合格线"
            col.warn("pass_line_grades", message, SETTINGS_SHEET, cell)
        elif below and not failing:
            message = f"等次“{grade.label}”在合格线 {shown} 以下，低于合格线的单位为不合格：请核对等次或合格线"
            col.warn("pass_line_grades", message, SETTINGS_SHEET, cell)
        elif not above and not below and line not in bounds:
            message = (
                f"合格线 {shown} 落在等次“{grade.label}”之内：同一等次的单位有的合格、有的不合格，"
                f"请让合格线与某一档的分数线相同（如 {grade.label}>={shown}）"
            )
            col.warn("pass_line_grades", message, SETTINGS_SHEET, cell)
