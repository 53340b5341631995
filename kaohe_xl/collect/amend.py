"""Amending a running campaign: a new rubric or units list without losing returns.

``kaohe update DIR --rubric R --units U`` (and ``kaohe init --force`` on an existing
campaign) first :func:`plan_update`: what changed (:mod:`kaohe_xl.rubric.diff`) and
what that does to every return already counted — judged exactly as the store will
judge it afterwards (:mod:`kaohe_xl.store.revisions`). Only then, when the clerk agrees,
:func:`apply_update` replaces the copies (the old ones kept under ``old/``), records the
unit names of returns stored before names were recorded, and regenerates the forms
(units added get theirs). Nothing received is deleted: the archive and the store keep
every file and every revision; what no longer counts shows 待核实 with the reason.

The rules (docs/collect.md, "Amending a running campaign"):

- wording (考核内容, 评分标准, 考核办法, 评分要点): every return stays valid; forms
  already sent are still collected (a ``rubric_updated`` warning);
- 分值, 步长, an item's 类别 or 类型: values are checked again; only units whose values
  no longer fit are 待核实;
- items added: every return lacks them (待核实 until the new form comes back); items
  removed: their values are ignored;
- units renumbered, renamed or removed: their returns never count for whoever holds the
  number now; the unit they were made for shows 待核实; units added get forms.
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from kaohe_xl.campaign import Campaign, check_form_names
from kaohe_xl.forms.generate import GenerateReport, generate_forms
from kaohe_xl.rubric.diff import RubricChanges, UnitChanges, rubric_changes, unit_changes
from kaohe_xl.rubric.load import load_rubric
from kaohe_xl.rubric.model import Rubric, Unit
from kaohe_xl.rubric.units import load_roster, load_units
from kaohe_xl.store.revisions import Judge, RevisionKey, RevisionUnit


@dataclass
class Amendment:
    """A planned change of a campaign's rubric and units list, and its effect on returns."""

    rubric_path: Path
    units_path: Path
    rubric: Rubric
    units: list[Unit]
    rubric_changes: RubricChanges
    unit_changes: UnitChanges
    kept: int = 0  # returns (per unit and form) that count now and still will
    affected: list[str] = field(default_factory=list)  # those that will not, and why

    @property
    def changed(self) -> bool:
        return bool(self.rubric_changes) or bool(self.unit_changes)

    def lines(self) -> list[str]:
        """What ``kaohe update`` prints before it asks."""
        r, u = self.rubric_changes, self.unit_changes
        out: list[str] = []
        sections = [
            (
                "考核细则",
                [
                    ("新增条目（已收到的表格缺少这些条目，待核实）", r.added),
                    ("删除条目（已收到的分数不再计入）", r.removed),
                    ("类别或类型改变（重新核对已收到的分数）", r.repointed),
                    ("分值或步长改变（重新核对已收到的分数）", r.scoring),
                    ("只改了文字（已收到的表格仍然有效）", r.wording),
                    ("其他", r.other),
                ],
            ),
            (
                "单位名单",
                [
                    ("新增单位（将生成表格）", [f"{x.id} {x.name}" for x in u.added]),
                    ("删除单位（已收到的表格保留，不再计入）", [f"{x.id} {x.name}" for x in u.removed]),
                    ("改名（已收到的表格待核实）", [f"{a.id} {a.name} → {b.name}" for a, b in u.renamed]),
                    (
                        "改编号（已收到的表格待核实，不会计入现在使用原编号的单位）",
                        [f"{b.name} {a.id} → {b.id}" for a, b in u.renumbered],
                    ),
                    ("改考核组", [f"{b.id} {b.name}：{a.assessor_group} → {b.assessor_group}" for a, b in u.regrouped]),
                    ("其他", u.other),
                ],
            ),
        ]
        for title, groups in sections:
            shown = [(label, items) for label, items in groups if items]
            if shown:
                out.append(f"{title}的变化：")
                for label, items in shown:
                    out.append(f"  {label}：")
                    out.extend(f"    {item}" for item in items)
        if not self.changed:
            out.append("考核细则和单位名单都没有变化。")
            return out
        out.append("对已收到表格的影响：")
        if not self.kept and not self.affected:
            out.append("  还没有收到任何表格")
        else:
            out.append(f"  {self.kept} 份仍然有效" + ("，全部不受影响" if not self.affected else ""))
        out.extend(f"  {line}" for line in self.affected)
        out.append("不会删除任何已收到的文件或记录；原来的细则和名单保存在 rubric/old、units/old。")
        return out


def plan_update(campaign: Campaign, rubric_path: str | Path, units_path: str | Path) -> Amendment:
    """Load and check the new rubric and units list, compare, and judge the returns."""
    rubric_path, units_path = Path(rubric_path), Path(units_path)
    rubric, units = load_rubric(rubric_path), load_units(units_path)
    check_form_names(rubric, units, load_roster(units_path, units), units_path.name)
    plan = Amendment(
        rubric_path,
        units_path,
        rubric,
        units,
        rubric_changes(campaign.rubric, rubric),
        unit_changes(campaign.units, units),
    )
    if plan.changed:
        _judge(campaign, plan)
    return plan


def _judge(campaign: Campaign, plan: Amendment) -> None:
    """Which returns that count now will still count after the change, and why not."""
    with closing(campaign.connect()) as conn:
        now: dict[RevisionKey, RevisionUnit] = {}
        for rev in Judge(conn, campaign.rubric, campaign.units).revisions():
            if rev.usable and rev.key not in now:
                now[rev.key] = rev
        legacy = {unit.id: unit.name for unit in campaign.units}
        after = {
            (rev.submission_id, rev.stored_unit): rev
            for rev in Judge(conn, plan.rubric, plan.units, legacy).revisions()
        }
    names = {unit.id: unit.name for unit in campaign.units}
    for rev in sorted(now.values(), key=lambda r: (r.form.value, r.unit_id, r.subject, r.rater)):
        fate = after[(rev.submission_id, rev.stored_unit)]
        if fate.usable:
            plan.kept += 1
            continue
        who = f"{rev.form.label} {rev.unit_id} {names.get(rev.unit_id, '')}".strip()
        by = f"（{rev.rater}）" if rev.rater else ""
        plan.affected.append(f"{who}{by} 第{rev.revision}版将变为待核实：{fate.note}")


def apply_update(campaign: Campaign, plan: Amendment) -> tuple[Campaign, GenerateReport | None]:
    """Replace the rubric and units list as planned; regenerate the forms if they had
    been generated (units added get theirs). Returns the reopened campaign and what was
    generated (None when no forms existed)."""
    had_forms = any(campaign.forms_dir.rglob("*.xlsx")) if campaign.forms_dir.is_dir() else False
    updated = Campaign.init(campaign.root, plan.rubric_path, plan.units_path, force=True)
    return updated, (generate_forms(updated) if had_forms else None)
