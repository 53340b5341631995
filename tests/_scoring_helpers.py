"""Builders for scoring tests: rubrics, units, records and states made in code."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from kaohe_xl.campaign import Campaign
from kaohe_xl.rubric.model import Aggregation, Category, FormKind, Grade, Item, ItemKind, Rubric, Settings, Source, Unit
from kaohe_xl.store.records import ReturnState, ScoreRecord, UnitState

D = Decimal
Score = int | float | str | Decimal | None


def small_rubric(**settings: Any) -> Rubric:
    """The conftest small rubric, built directly: 组织领导 1 (4) + 2 (2), 工作落实 3 (4),
    bonus 4 (3, cap 2, threshold 6), penalty 5 (5), veto 6; 满分 10."""
    base = Settings(
        name="测试考核",
        year="2023",
        full_marks=D(10),
        bonus_cap=D(2),
        bonus_threshold=D(6),
        pass_line=D(6),
        grades=(Grade("优秀", D(9)), Grade("良好", D(8)), Grade("合格", D(6)), Grade("不合格", None)),
        diff_threshold=D(1),
    )
    if "aggregation" in settings and isinstance(settings["aggregation"], str):
        settings["aggregation"] = Aggregation(settings["aggregation"])
    return Rubric(
        replace(base, **settings),
        (
            Category("组织领导", D(6)),
            Category("工作落实", D(4)),
            Category("加分项目", None),
            Category("扣分项目", None),
        ),
        (
            Item("1", "组织领导", "召开专题会议", points=D(4)),
            Item("2", "组织领导", "制定工作方案", points=D(2)),
            Item("3", "工作落实", "走访慰问", points=D(4), step=D("0.5")),
            Item("4", "加分项目", "获市级以上表彰", ItemKind.BONUS, D(3)),
            Item("5", "扣分项目", "发生集体上访", ItemKind.PENALTY, D(5)),
            Item("6", "扣分项目", "发生重大责任事故", ItemKind.VETO),
        ),
        (Source("自评", FormKind.SELF, D(0)), Source("考核组", FormKind.ASSESSOR, D(1))),
    )


def units(*pairs: tuple[str, str]) -> list[Unit]:
    return [Unit(unit_id, name, "村") for unit_id, name in pairs]


THREE = units(("01", "东湖村"), ("02", "西山村"), ("03", "南岭村"))


def form_records(
    unit_id: str,
    scores: Mapping[str, Score],
    *,
    source: str = "考核组",
    form: FormKind = FormKind.ASSESSOR,
    rater: str = "",
    remarks: Mapping[str, str] | None = None,
    veto: Mapping[str, bool] | None = None,
) -> list[ScoreRecord]:
    """One return's records: ``scores`` by item id (or category), 否决 marks in ``veto``."""
    remarks = remarks or {}
    records = [
        ScoreRecord(form, source, unit_id, key, None if v is None else D(str(v)), None, remarks.get(key, ""), rater)
        for key, v in scores.items()
    ]
    for key, mark in (veto or {}).items():
        records.append(ScoreRecord(form, source, unit_id, key, None, mark, remarks.get(key, ""), rater))
    return records


def self_records(unit_id: str, scores: Mapping[str, Score], **kwargs: Any) -> list[ScoreRecord]:
    return form_records(unit_id, scores, source="自评", form=FormKind.SELF, **kwargs)


def states(
    unit_ids: Iterable[str], form: FormKind, state: ReturnState = ReturnState.OK, **overrides: ReturnState
) -> list[UnitState]:
    """One UnitState per unit; ``overrides`` by unit id (prefix ``u`` for ids like 01)."""
    result = []
    for unit_id in unit_ids:
        chosen = overrides.get(f"u{unit_id}", state)
        result.append(UnitState(unit_id, form, chosen, revisions=1 if chosen is not ReturnState.MISSING else 0))
    return result


def base_scores_summing_to(rubric: Rubric, target: Decimal | int) -> dict[str, Decimal]:
    """Scores for every 基础 item, filled in rubric order until they add up to ``target``,
    never past a category's cap (so the capped base equals ``target`` too)."""
    remaining = Decimal(target)
    room = {c.name: c.cap for c in rubric.scored_categories}
    scores: dict[str, Decimal] = {}
    for item in rubric.items_of(ItemKind.BASE):
        assert item.points is not None
        cap = room[item.category]
        assert cap is not None
        scores[item.id] = min(item.points, remaining, cap)
        remaining -= scores[item.id]
        room[item.category] = cap - scores[item.id]
    assert remaining == 0, "target above the rubric's base full marks"
    return scores


def return_forms(campaign: Campaign, inbox: Path) -> Path:
    """Generate the small campaign's forms, fill them as units and assessors would, collect.

    东湖村 and 西山村 return their 自评表; 南岭村 does not. 第一考核组 is scored by two
    assessors (张三, 李四) who disagree on item 1 of 东湖村; 第二考核组 has not returned.
    A stray workbook that is not a kaohe form is dropped in the inbox too.
    """
    from kaohe_xl.collect.run import collect
    from kaohe_xl.forms.fill import fill_assessor_form, fill_self_form
    from kaohe_xl.forms.generate import generate_forms

    generate_forms(campaign)
    inbox.mkdir(parents=True, exist_ok=True)
    fill_self_form(
        campaign.form_path(FormKind.SELF, "01"),
        {"1": 4, "2": 2, "3": 4, "4": 3, "5": 0, "6": "否"},
        {"1": "见会议纪要"},
        out=inbox / "自评表(1).xlsx",
    )
    fill_self_form(
        campaign.form_path(FormKind.SELF, "02"),
        {"1": 3, "2": 2, "3": 3, "4": 0, "5": 0, "6": "否"},
        out=inbox / "西山村.xlsx",
    )
    collect(campaign, [inbox])
    generate_forms(campaign, [FormKind.ASSESSOR])  # now showing the collected self-scores
    group = campaign.form_path(FormKind.ASSESSOR, "第一考核组", "第一考核组")
    east = {"1": 3, "2": 2, "3": 4, "4": 3, "5": 0, "6": "否"}
    west = {"1": 2, "2": 2, "3": "2.5", "4": 0, "5": 0, "6": "否"}
    reasons = {"01": {"1": "会议记录不全"}, "02": {"1": "少开两次会", "3": "走访台账缺失"}}
    fill_assessor_form(group, "张三", {"01": east, "02": west}, reasons, out=inbox / "考核组张三.xlsx")
    fill_assessor_form(group, "李四", {"01": {**east, "1": 4}, "02": west}, reasons, out=inbox / "考核组李四.xlsx")
    (inbox / "新建 Microsoft Excel 工作表.xlsx").write_bytes(b"this is not a workbook")
    collect(campaign, [inbox])
    return inbox


def filled_scores(
    rubric: Rubric,
    others: Decimal | int | str,
    *,
    cuts: Mapping[str, Score] | None = None,
    extra: Mapping[str, Score] | None = None,
) -> dict[str, Score]:
    """A score for every item of a rubric with 扣分制 categories: the 基础 items of the
    ordinary categories add up to ``others`` (filled in rubric order), each 扣分制 item
    deducts what ``cuts`` says (default 0), 加分/扣分 items are 0 unless ``extra`` says."""
    # getattr: the rule tests also run against releases without 扣分制 (issue 11 checks that
    # they fail there on their figures, not on a missing attribute)
    deduction = {c.name for c in rubric.categories if getattr(c, "deduction", False)}
    remaining = Decimal(str(others))
    room = {c.name: c.cap for c in rubric.scored_categories}
    scores: dict[str, Score] = {}
    for item in rubric.items:
        if item.kind is ItemKind.VETO:
            continue
        if item.category in deduction:
            scores[item.id] = (cuts or {}).get(item.id, 0)
        elif item.kind is ItemKind.BASE:
            assert item.points is not None
            cap = room[item.category]
            assert cap is not None
            scores[item.id] = min(item.points, remaining, cap)
            remaining -= min(item.points, remaining, cap)
            room[item.category] = cap - Decimal(str(scores[item.id]))
        else:
            scores[item.id] = 0
    assert remaining == 0, "target above the rubric's base full marks"
    return {**scores, **(extra or {})}


def ballot_records(
    unit_id: str, good: int, fair: int, middling: int, poor: int, source: str = "民主测评"
) -> list[ScoreRecord]:
    """One unit's 民主测评表 row: votes for 好 / 较好 / 一般 / 较差."""
    votes = {"好": good, "较好": fair, "一般": middling, "较差": poor}
    return form_records(unit_id, votes, source=source, form=FormKind.BALLOT)
