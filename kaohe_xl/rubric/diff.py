"""What changed between two versions of a rubric and of a units list, in words.

``kaohe update`` shows this before it replaces a running campaign's rubric or units
list. Items are matched by 编号, units by 编号 and by name (a unit whose name moved to
another 编号 was renumbered, not removed and added). The changes are sorted by what
they do to returns already collected:

- wording (考核内容, 评分标准, 考核办法, 评分要点): nothing — returns stay valid;
- 分值 or 步长: returns are checked again; units whose values no longer fit are 待核实;
- items added: every return lacks them; items removed: their values are ignored;
- items re-pointed (another 类别 or 类型): checked again like 分值;
- units renumbered, renamed or removed: their returns count for nobody (待核实 for the
  unit they were made for); units added are owed forms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kaohe_xl.rubric.model import Item, Rubric, Unit
from kaohe_xl.textnorm import format_decimal, normalize_label

_WORDING = (("content", "考核内容"), ("rule", "评分标准"), ("method", "考核办法"), ("hints", "评分要点"))


@dataclass
class RubricChanges:
    """Item by item, in rubric order; each entry a line of Chinese for the clerk."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    repointed: list[str] = field(default_factory=list)
    scoring: list[str] = field(default_factory=list)  # 分值, 步长
    wording: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)  # categories, sources, settings

    def __bool__(self) -> bool:
        return any((self.added, self.removed, self.repointed, self.scoring, self.wording, self.other))


@dataclass
class UnitChanges:
    """Units added, removed, renamed (same 编号), renumbered (same name), regrouped."""

    added: list[Unit] = field(default_factory=list)
    removed: list[Unit] = field(default_factory=list)
    renamed: list[tuple[Unit, Unit]] = field(default_factory=list)  # (before, after)
    renumbered: list[tuple[Unit, Unit]] = field(default_factory=list)
    regrouped: list[tuple[Unit, Unit]] = field(default_factory=list)
    other: list[str] = field(default_factory=list)  # e-mail addresses, 分组

    def __bool__(self) -> bool:
        return any((self.added, self.removed, self.renamed, self.renumbered, self.regrouped, self.other))


def rubric_changes(old: Rubric, new: Rubric) -> RubricChanges:
    """What changed from ``old`` to ``new``, item by item."""
    changes = RubricChanges()
    before = {item.id: item for item in old.items}
    after = {item.id: item for item in new.items}
    for item in new.items:
        if item.id not in before:
            changes.added.append(f"条目 {item.id}（{item.content}，{_points(item)}）")
            continue
        was = before[item.id]
        if (was.category, was.kind) != (item.category, item.kind):
            moves = []
            if was.category != item.category:
                moves.append(f"类别 {was.category} → {item.category}")
            if was.kind != item.kind:
                moves.append(f"类型 {was.kind.value} → {item.kind.value}")
            changes.repointed.append(f"条目 {item.id}：{'，'.join(moves)}")
        steps = (old.step_of(was), new.step_of(item))
        if was.points != item.points or steps[0] != steps[1]:
            parts = []
            if was.points != item.points:
                parts.append(f"分值 {format_decimal(was.points)} → {format_decimal(item.points)}")
            if steps[0] != steps[1]:
                parts.append(f"步长 {format_decimal(steps[0])} → {format_decimal(steps[1])}")
            changes.scoring.append(f"条目 {item.id}：{'，'.join(parts)}")
        worded = [label for attr, label in _WORDING if getattr(was, attr) != getattr(item, attr)]
        if worded:
            changes.wording.append(f"条目 {item.id}：{'、'.join(worded)}")
    changes.removed = [f"条目 {item.id}（{item.content}）" for item in old.items if item.id not in after]
    changes.other = _rest(old, new)
    return changes


def _points(item: Item) -> str:
    return "否决项" if item.points is None else f"{format_decimal(item.points)} 分"


def _rest(old: Rubric, new: Rubric) -> list[str]:
    lines = []
    if old.categories != new.categories or [c.rater_max for c in old.categories] != [
        c.rater_max for c in new.categories
    ]:
        lines.append("类别（上限或评分表满分）有修改：影响计分，不影响已收到的表格是否有效（评分表满分降低的除外）")
    if old.sources != new.sources:
        lines.append("评分来源（权重、折算或评分人）有修改：影响综合得分")
    if old.settings != new.settings:
        lines.append("设置（满分、等次、加分上限等）有修改：影响计分和等次")
    return lines


def unit_changes(old: list[Unit], new: list[Unit]) -> UnitChanges:
    """What changed from the ``old`` units list to the ``new`` one."""
    changes = UnitChanges()
    by_id = {u.id: u for u in old}
    by_name = {normalize_label(u.name): u for u in old}
    new_names = {normalize_label(u.name) for u in new}
    matched: set[str] = set()
    for unit in new:
        was = by_id.get(unit.id)
        same = by_name.get(normalize_label(unit.name))
        if was is not None and normalize_label(was.name) == normalize_label(unit.name):
            matched.add(was.id)
            if was.assessor_group != unit.assessor_group:
                changes.regrouped.append((was, unit))
            elif (was.emails, was.group) != (unit.emails, unit.group):
                changes.other.append(f"单位 {unit.id} {unit.name}：邮箱或分组有修改")
        elif same is not None:
            matched.add(same.id)
            changes.renumbered.append((same, unit))
        elif was is not None and normalize_label(was.name) not in new_names:  # the id kept, the name changed
            matched.add(was.id)
            changes.renamed.append((was, unit))
        else:
            changes.added.append(unit)
    changes.removed = [u for u in old if u.id not in matched]
    return changes
