"""The scoring engine against hand-computed figures (the arithmetic is in the comments)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal

import pytest
from _scoring_helpers import (
    THREE,
    D,
    Score,
    ballot_records,
    base_scores_summing_to,
    filled_scores,
    form_records,
    self_records,
    small_rubric,
    states,
    units,
)
from conftest import REPO

from kaohe_xl.rubric.load import load_rubric
from kaohe_xl.rubric.model import Aggregation, BonusBasis, Category, FormKind, Grade, Rubric, Source
from kaohe_xl.scoring.engine import aggregate, round2, score
from kaohe_xl.store.records import ReturnState, ScoreRecord

FULL = {"1": 4, "2": 2, "3": 4, "4": 0, "5": 0}


def test_base_bonus_penalty_total_small_rubric() -> None:
    rubric = small_rubric()
    records = (
        # 东湖村: base min(4+2, 6) + min(3.5, 4) = 9.5 ≥ 门槛 6 → bonus min(3, 上限 2) = 2 → 11.5
        form_records("01", {"1": 4, "2": 2, "3": "3.5", "4": 3, "5": 0}, veto={"6": False})
        # 西山村: base 3 + 1 + 1.5 = 5.5 < 门槛 6 → the claimed bonus 1 does not count → 5.5
        + form_records("02", {"1": 3, "2": 1, "3": "1.5", "4": 1, "5": 0})
        # 南岭村: base 6 + 2 = 8, penalty 5 → 3; a second penalty pushes below 0 elsewhere
        + form_records("03", {"1": 4, "2": 2, "3": 2, "4": 0, "5": 5})
    )
    results = score(rubric, THREE, records, states(["01", "02", "03"], FormKind.ASSESSOR))
    east, west, south = (results.unit(u) for u in ("01", "02", "03"))
    assert east.main is not None and west.main is not None and south.main is not None
    assert east.main.categories == {"组织领导": D(6), "工作落实": D("3.5")}
    assert (east.main.base, east.main.bonus_claimed, east.main.bonus, east.main.total) == (
        D("9.5"),
        D(3),
        D(2),
        D("11.5"),
    )
    assert (west.main.base, west.main.bonus, west.main.total) == (D("5.5"), D(0), D("5.5"))
    assert any("加分门槛" in r for r in west.remarks)
    assert (south.main.base, south.main.penalty, south.main.total) == (D(8), D(5), D(3))
    # weight 1, scale = 满分 10 → composite = total
    assert [r.shown for r in results.units] == [D("11.50"), D("5.50"), D("3.00")]
    assert [r.grade for r in results.units] == ["优秀", "不合格", "不合格"]
    assert [r.rank for r in results.units] == [1, 2, 3]


def test_total_never_below_zero() -> None:
    # base 1 + 0 + 0 = 1, penalty 5 → max(1 − 5, 0) = 0
    results = score(small_rubric(), THREE[:1], form_records("01", {"1": 1, "2": 0, "3": 0, "5": 5}))
    assert results.unit("01").total("考核组") == 0
    assert results.unit("01").shown == D("0.00")


def test_category_cap_limits_subtotal() -> None:
    # A capped category: 组织领导 cap lowered to 5 → min(4 + 2, 5) = 5
    from dataclasses import replace

    rubric = small_rubric()
    rubric = replace(rubric, categories=(replace(rubric.categories[0], cap=D(5)), *rubric.categories[1:]))
    results = score(rubric, THREE[:1], form_records("01", {"1": 4, "2": 2, "3": 4}))
    main = results.unit("01").main
    assert main is not None and main.categories["组织领导"] == D(5) and main.base == D(9)


def test_veto_grade_reason_and_rank_after_others() -> None:
    rubric = small_rubric()
    records = (
        # 东湖村 has the best score (10) but 否决 item 6 is marked 是 → 不达标, ranked last
        form_records("01", {**FULL}, veto={"6": True}, remarks={"6": "发生安全事故一起"})
        + form_records("02", {"1": 3, "2": 2, "3": 3}, veto={"6": False})  # 8 → 良好
        + form_records("03", {"1": 2, "2": 2, "3": 3})  # 7 → 合格
    )
    results = score(rubric, THREE, records)
    east = results.unit("01")
    assert east.veto and east.grade == "不达标"
    assert east.shown == D("10.00")  # the score is still shown
    assert "否决项6" in east.veto_reason and "发生重大责任事故" in east.veto_reason
    assert "发生安全事故一起" in east.veto_reason
    assert [(r.unit_id, r.rank) for r in results.units] == [("02", 1), ("03", 2), ("01", 3)]


def test_veto_with_custom_veto_grade() -> None:
    results = score(small_rubric(veto_grade="一票否决"), THREE[:1], form_records("01", FULL, veto={"6": True}))
    assert results.unit("01").grade == "一票否决"


def test_competition_ranking_ties_on_displayed_composite() -> None:
    four = units(("01", "甲"), ("02", "乙"), ("03", "丙"), ("04", "丁"))
    rubric = small_rubric()
    records = (
        form_records("01", {"1": 4, "2": 2, "3": 4})  # 10
        + form_records("02", {"1": 4, "2": 2, "3": "3.5"})  # 9.5
        + form_records("03", {"1": "3.5", "2": 2, "3": 4})  # 9.5 (tie with 乙)
        + form_records("04", {"1": 3, "2": 2, "3": 4})  # 9
    )
    results = score(rubric, four, records)
    assert [(r.unit_id, r.rank) for r in results.units] == [("01", 1), ("02", 2), ("03", 2), ("04", 4)]


def test_ties_decided_on_two_decimals_not_on_hidden_digits() -> None:
    # Two assessors: mean of 3.3 and 3.4 = 3.35; of 3.35 and 3.35 = 3.35 → both 组织领导 2 + 3.35
    rubric = small_rubric()
    two = units(("01", "甲"), ("02", "乙"))
    records = (
        form_records("01", {"1": "3.3", "2": 0, "3": 0}, rater="张")
        + form_records("01", {"1": "3.4", "2": 0, "3": 0}, rater="李")
        + form_records("02", {"1": "3.35", "2": 0, "3": 0}, rater="张")
    )
    results = score(rubric, two, records)
    assert [r.shown for r in results.units] == [D("3.35"), D("3.35")]
    assert [r.rank for r in results.units] == [1, 1]


@pytest.mark.parametrize(
    ("weight", "full", "total", "shown", "grade"),
    [
        # exactly 99.995 and 99.985 by hand; a converted total cut to 28 digits first gave 99.99 / 99.98
        ("0.6", 1200, "199.99", "100.00", "优秀"),
        ("0.3", 1200, "399.94", "99.99", "良好"),
        ("0.9", 1500, "1111.5", "666.90", "优秀"),
    ],
)
def test_composite_is_exact_before_the_one_rounding(weight: str, full: int, total: str, shown: str, grade: str) -> None:
    rubric = small_rubric(full_marks=D(full), grades=(Grade("优秀", D(100)), Grade("良好", D(90)), Grade("合格", D(0))))
    rubric = dataclasses.replace(
        rubric,
        categories=(Category("组织领导", D(full)), *rubric.categories[1:]),
        items=(dataclasses.replace(rubric.items[0], points=D(full)), *rubric.items[1:]),
        sources=(Source("自评", FormKind.SELF, D(0)), Source("考核组", FormKind.ASSESSOR, D(weight), D(1000))),
    )
    records = form_records("01", {"1": total, "2": 0, "3": 0, "4": 0, "5": 0}, veto={"6": False})
    unit = score(rubric, units(("01", "东湖村")), records).unit("01")
    assert (unit.shown, unit.grade) == (D(shown), grade)


def test_vetoed_unit_shows_the_veto_grade_while_a_weighted_return_is_missing() -> None:
    rubric = dataclasses.replace(
        small_rubric(), sources=(Source("自评", FormKind.SELF, D("0.1")), Source("考核组", FormKind.ASSESSOR, D("0.9")))
    )
    records = form_records("01", {"1": 4, "2": 2, "3": 4, "4": 0, "5": 0}, veto={"6": True})
    st = states(["01"], FormKind.ASSESSOR) + states(["01"], FormKind.SELF, ReturnState.MISSING)
    unit = score(rubric, units(("01", "东湖村")), records, st).unit("01")
    assert (unit.status, unit.composite, unit.rank) == (ReturnState.MISSING, None, None)
    assert unit.veto and unit.grade == "不达标"


def test_mean_of_several_assessors_rounded_per_item() -> None:
    rubric = small_rubric()
    records = (
        form_records("01", {"1": 4, "2": 2, "3": 4}, rater="张")
        + form_records("01", {"1": 3, "2": 2, "3": 3}, rater="李")
        + form_records("01", {"1": 3, "2": 1, "3": 3}, rater="王")
    )
    results = score(rubric, THREE[:1], records)
    # item 1: (4 + 3 + 3) / 3 = 3.333… → 3.33; item 2: 5/3 → 1.67; item 3: 10/3 → 3.33
    assert results.item_score("01", "考核组", "1").value == D("3.33")  # type: ignore[union-attr]
    # base = min(3.33 + 1.67, 6) + min(3.33, 4) = 5 + 3.33 = 8.33
    assert results.unit("01").total("考核组") == D("8.33")


def test_trimmed_mean_drops_highest_and_lowest() -> None:
    rubric = small_rubric(aggregation=Aggregation.TRIMMED_MEAN)
    records = []
    for rater, one in (("张", 4), ("李", 1), ("王", 3), ("赵", "2.5")):
        records += form_records("01", {"1": one, "2": 2, "3": 4}, rater=rater)
    results = score(rubric, THREE[:1], records)
    # item 1: drop 4 and 1 → (3 + 2.5) / 2 = 2.75; base = min(2.75 + 2, 6) + 4 = 8.75
    item = results.item_score("01", "考核组", "1")
    assert item is not None and item.value == D("2.75") and item.values == (D(4), D(1), D(3), D("2.5"))
    assert results.unit("01").total("考核组") == D("8.75")
    assert results.unit("01").grade == "良好"


def test_trimmed_mean_falls_back_to_mean_with_two_raters() -> None:
    rubric = small_rubric(aggregation=Aggregation.TRIMMED_MEAN)
    records = form_records("01", {"1": 4, "2": 2, "3": 4}, rater="张") + form_records(
        "01", {"1": 3, "2": 2, "3": 4}, rater="李"
    )
    results = score(rubric, THREE[:1], records)
    # (4 + 3) / 2 = 3.5; base = min(3.5 + 2, 6) + 4 = 9.5
    assert results.unit("01").total("考核组") == D("9.5")
    assert any("不足3人" in remark for remark in results.unit("01").remarks)


@pytest.mark.parametrize(
    ("values", "method", "expected"),
    [
        ([D(5)], Aggregation.TRIMMED_MEAN, D(5)),
        ([D(1), D(2)], Aggregation.MEAN, D("1.50")),
        ([D(1), D(2), D(9)], Aggregation.TRIMMED_MEAN, D("2.00")),
        ([D(1), D(1), D(2)], Aggregation.MEAN, D("1.33")),
        ([D("0.005"), D("0.01")], Aggregation.MEAN, D("0.01")),  # 0.0075 → 0.01 half up
    ],
)
def test_aggregate(values: list[Decimal], method: Aggregation, expected: Decimal) -> None:
    assert aggregate(values, method)[0] == expected


def test_round2_is_half_up_not_bankers() -> None:
    assert round2(D("2.675")) == D("2.68") and round2(D("0.125")) == D("0.13")


def test_missing_and_invalid_returns_are_not_zero_and_not_ranked() -> None:
    rubric = small_rubric()
    records = form_records("01", FULL) + self_records("01", FULL) + self_records("02", FULL)
    # 西山村: assessor return still missing; 南岭村: the latest assessor return has errors
    st = states(["01", "02", "03"], FormKind.ASSESSOR, u02=ReturnState.MISSING, u03=ReturnState.INVALID)
    st += states(["01", "02"], FormKind.SELF) + states(["03"], FormKind.SELF, ReturnState.MISSING)
    results = score(rubric, THREE, records + form_records("03", FULL), st)
    west, south = results.unit("02"), results.unit("03")
    assert west.status is ReturnState.MISSING and west.status_label == "待提交"
    assert south.status is ReturnState.INVALID and south.status_label == "待核实"
    for unit in (west, south):
        assert unit.composite is None and unit.rank is None and unit.grade == ""
    assert "考核组评分表待提交" in west.remarks
    assert "考核组评分表待核实" in south.remarks and "自评表待提交" in south.remarks
    assert west.total("自评") == D(10)  # the self-score is still known
    assert [r.unit_id for r in results.units] == ["01", "02", "03"]
    assert results.unit("01").rank == 1


def test_unit_without_any_record_or_state_is_missing() -> None:
    results = score(small_rubric(), THREE[:2], form_records("01", FULL))
    assert results.unit("02").status is ReturnState.MISSING
    assert results.unit("02").composite is None


def test_missing_self_return_does_not_block_a_zero_weight_self_source() -> None:
    st = states(["01"], FormKind.ASSESSOR) + states(["01"], FormKind.SELF, ReturnState.MISSING)
    result = score(small_rubric(), THREE[:1], form_records("01", FULL), st).unit("01")
    assert result.status is ReturnState.OK and result.shown == D("10.00")
    assert "自评表待提交" in result.remarks


# ---- the seed samples ------------------------------------------------------------------
SAMPLES = REPO / "samples"


def _sample(name: str) -> Rubric:
    return load_rubric(SAMPLES / name / "细则.xlsx")


def test_nanchang_bonus_cap_penalty_and_veto_item_49() -> None:
    rubric = _sample("南昌老干部")
    assert rubric.settings.bonus_cap == 10 and rubric.settings.full_marks == 100
    four = units(("01", "东湖区"), ("02", "西湖区"), ("03", "青云谱区"), ("04", "青山湖区"))
    no_extras = {"42": 0, "43": 0, "44": 0, "45": 0, "46": 0, "47": 0, "48": 0, "50": 0}
    records = (
        # 东湖区: base 98; bonus 42 (5) + 44 (10) = 15 → 加分上限 10; total 98 + 10 = 108
        form_records("01", {**base_scores_summing_to(rubric, 98), **no_extras, "42": 5, "44": 10}, veto={"49": False})
        # 西湖区: base 100; item 50 deducts 20 (工作人员违法乱纪); 100 − 20 = 80 → 良好
        + form_records("02", {**base_scores_summing_to(rubric, 100), **no_extras, "50": 20}, veto={"49": False})
        # 青云谱区: base 95.5, 43 (3) → 98.5, but 49 marked 是 → 不达标, ranked after the others
        + form_records(
            "03",
            {**base_scores_summing_to(rubric, D("95.5")), **no_extras, "43": 3},
            veto={"49": True},
            remarks={"49": "发生老干部安全事故"},
        )
        # 青山湖区: base 88.5, 48 deducts 50 (集体上访) → 38.5 → 不达标 (below 达标 60)
        + form_records("04", {**base_scores_summing_to(rubric, D("88.5")), **no_extras, "48": 50}, veto={"49": False})
    )
    results = score(rubric, four, records)
    east, west, south, lake = (results.unit(u) for u in ("01", "02", "03", "04"))
    assert east.main is not None and (east.main.bonus_claimed, east.main.bonus) == (D(15), D(10))
    assert east.shown == D("108.00") and east.grade == "优秀"
    assert west.main is not None and west.main.penalty == D(20) and west.shown == D("80.00") and west.grade == "良好"
    assert south.shown == D("98.50") and south.veto and south.grade == "不达标"
    assert "否决项49" in south.veto_reason and "发生老干部安全事故" in south.veto_reason
    assert lake.shown == D("38.50") and lake.grade == "不达标" and not lake.veto
    assert [(r.unit_id, r.rank) for r in results.units] == [("01", 1), ("02", 2), ("04", 3), ("03", 4)]


def test_dongli_bonus_only_from_60_after_deductions() -> None:
    rubric = _sample("动力厂党建")
    settings = rubric.settings
    assert (settings.bonus_threshold, settings.bonus_cap, settings.bonus_basis) == (
        D(60),
        D(10),
        BonusBasis.AFTER_PENALTY,
    )
    claimed = {"24": 5, "27": 5}  # 表彰 5 + 推广 5 = 10 claimed
    three = units(("D01", "运行车间党支部"), ("D02", "检修车间党支部"), ("D03", "供电车间党支部"))

    def both_rounds(unit_id: str, scores: Mapping[str, Score]) -> list[ScoreRecord]:
        return form_records(unit_id, scores, source="专项督查") + form_records(unit_id, scores, source="年终考核")

    records = (
        # 重点指标 20 + 39.5 = 59.5 < 60 → the 10 bonus points do not count: 59.5 → 不合格
        both_rounds("D01", filled_scores(rubric, D("39.5"), extra=claimed))
        # 20 + 40 = 60 ≥ 60 → bonus min(10, 10) = 10: 70 → 合格
        + both_rounds("D02", filled_scores(rubric, 40, extra=claimed))
        # 20 + 65 = 85, 扣分 10 → 75 ≥ 60: bonus 10 → 85 + 10 − 10 = 85 → 良好
        + both_rounds("D03", filled_scores(rubric, 65, extra={**claimed, "23": 10}))
    )
    results = score(rubric, three, records)
    low, edge, mid = (results.unit(u) for u in ("D01", "D02", "D03"))
    # both rounds alike: the weighted annual total equals each round's; 奖励加分 once on it
    assert low.bonus == 0 and low.shown == D("59.50") and low.grade == "不合格"
    assert low.passed is False
    assert edge.bonus == 10 and edge.shown == D("70.00") and edge.grade == "合格"
    assert edge.passed is True
    assert mid.shown == D("85.00")
    assert [r.unit_id for r in results.units] == ["D03", "D02", "D01"]


def _rater_records(rubric: Rubric, unit_id: str, party_work: list[int]) -> list[ScoreRecord]:
    """Seven 班子评分 raters: full marks on every category but 党建工作 (max 20)."""
    source = rubric.source("班子评分")
    records = []
    for rater, party in zip(source.raters, party_work, strict=True):
        marks = {c.name: c.rater_max["班子评分"] for c in rubric.categories if "班子评分" in c.rater_max}
        marks["党建工作"] = D(party)
        records += form_records(unit_id, marks, source="班子评分", form=FormKind.RATER, rater=rater)
    return records


def test_xinzhuang_thousand_point_weighting() -> None:
    rubric = _sample("新庄镇综合考核")
    assessor, raters = rubric.source("考核组"), rubric.source("班子评分")
    assert rubric.source_full_marks(assessor) == 1500 and rubric.source_full_marks(raters) == 100
    assert (assessor.weight, assessor.scale, raters.weight, raters.scale) == (D("0.9"), 1000, D("0.1"), 1000)
    two = units(("01", "新庄村"), ("02", "塬上村"))
    # 民主测评 9 好 + 1 较差: ratio 9/10 → item 17 = 0.9 × 5 = 4.5, the figure the filler gives it
    records = (
        ballot_records("01", 9, 0, 0, 1)
        + ballot_records("02", 9, 0, 0, 1)
        + form_records("01", base_scores_summing_to(rubric, 1200))
        # 党建工作 by 7 raters: (20+18+16+14+12+10+8)/7 = 98/7 = 14 → 班子评分 100 − 20 + 14 = 94
        + _rater_records(rubric, "01", [20, 18, 16, 14, 12, 10, 8])
        + form_records("02", base_scores_summing_to(rubric, D("1111.5")))
        # (20×6 + 19)/7 = 139/7 = 19.857… → 19.86 → 班子评分 99.86
        + _rater_records(rubric, "02", [20, 20, 20, 20, 20, 20, 19])
    )
    results = score(rubric, two, records)
    first, second = results.unit("01"), results.unit("02")
    # 0.9 × 1200 × 1000/1500 + 0.1 × 94 × 1000/100 = 0.9 × 800 + 0.1 × 940 = 720 + 94 = 814 → 良好
    assert first.total("考核组") == 1200 and first.total("班子评分") == 94
    assert first.sources["考核组"].converted == 800 and first.sources["班子评分"].converted == 940
    assert first.shown == D("814.00") and first.grade == "良好"
    # 0.9 × 1111.5 × 1000/1500 = 666.9; 0.1 × 99.86 × 10 = 99.86; 666.9 + 99.86 = 766.76 → 合格
    assert second.total("班子评分") == D("99.86")
    assert second.shown == D("766.76") and second.grade == "合格"
    assert [r.rank for r in results.units] == [1, 2]


def test_xinzhuang_missing_rater_blocks_composite() -> None:
    rubric = _sample("新庄镇综合考核")
    records = form_records("01", base_scores_summing_to(rubric, 1200)) + ballot_records("01", 9, 0, 0, 1)
    records += _rater_records(rubric, "01", [20] * 7)[:-15]  # the last rater's 15 categories are missing
    result = score(rubric, units(("01", "新庄村")), records).unit("01")
    assert result.status is ReturnState.MISSING and result.composite is None and result.rank is None
    assert result.total("考核组") == 1200
    assert "班子评分表待提交" in result.remarks  # not "班子评分评分表"


# ---- edge cases: boundaries, rounding, all vetoed / all missing ------------------------------
def _two_weighted(**settings: object) -> Rubric:
    """The small rubric with 自评 and 考核组 weighing 0.5 each: the composite can end in .xx5."""
    from dataclasses import replace

    rubric = small_rubric(**settings)
    return replace(rubric, sources=tuple(replace(s, weight=D("0.5")) for s in rubric.sources))


def test_grade_and_rank_use_the_shown_composite_not_hidden_digits() -> None:
    rubric = _two_weighted()  # 优秀 ≥ 9
    two = units(("01", "甲"), ("02", "乙"))
    records = (
        # 甲: 0.5 × 9 + 0.5 × 8.99 = 8.995 exactly → shown 9.00 (half up) → 优秀, not 良好
        form_records("01", {"1": 4, "2": 2, "3": 3})
        + self_records("01", {"1": 4, "2": 2, "3": "2.99"})
        # 乙: 0.5 × 9 + 0.5 × 9 = 9.00 exactly
        + form_records("02", {"1": 4, "2": 2, "3": 3})
        + self_records("02", {"1": 4, "2": 2, "3": 3})
    )
    results = score(rubric, two, records)
    first, second = results.unit("01"), results.unit("02")
    assert first.composite == D("8.995") and first.shown == D("9.00") and first.grade == "优秀"
    assert second.composite == D("9.00") and second.grade == "优秀"
    # a tie on the shown 9.00: both rank 1, and the units-list order is kept (甲 first)
    assert [(r.unit_id, r.rank) for r in results.units] == [("01", 1), ("02", 1)]


def test_composite_exactly_on_a_grade_boundary_gets_the_higher_grade() -> None:
    # base 4 + 2 + 3 = 9.00 = 优秀's minimum 9 → 优秀; 7.99 just below 良好 (8) → 合格
    records = form_records("01", {"1": 4, "2": 2, "3": 3}) + form_records("02", {"1": 4, "2": "1.99", "3": 2})
    results = score(small_rubric(), THREE[:2], records)
    assert (results.unit("01").shown, results.unit("01").grade) == (D("9.00"), "优秀")
    assert (results.unit("02").shown, results.unit("02").grade) == (D("7.99"), "合格")


def test_bonus_counts_when_base_equals_the_threshold_exactly() -> None:
    # 门槛 6: base min(4 + 2, 6) + 0 = 6 ≥ 6 → bonus min(3, 上限 2) = 2 → 8; base 5.5 → no bonus
    records = form_records("01", {"1": 4, "2": 2, "3": 0, "4": 3}) + form_records(
        "02", {"1": 4, "2": "1.5", "3": 0, "4": 3}
    )
    results = score(small_rubric(), THREE[:2], records)
    assert results.unit("01").total("考核组") == D(8)
    assert results.unit("02").total("考核组") == D("5.5")


def test_trimmed_mean_with_exactly_three_assessors_keeps_the_middle_one() -> None:
    rubric = small_rubric(aggregation=Aggregation.TRIMMED_MEAN)
    records = []
    for rater, one in (("张", 4), ("李", 1), ("王", "2.5")):
        records += form_records("01", {"1": one, "2": 2, "3": 4}, rater=rater)
    results = score(rubric, THREE[:1], records)
    # drop 4 and 1 → 2.5; base = min(2.5 + 2, 6) + 4 = 8.5 → 良好
    assert results.item_score("01", "考核组", "1").value == D("2.5")  # type: ignore[union-attr]
    assert results.unit("01").total("考核组") == D("8.5")
    assert not any("不足3人" in remark for remark in results.unit("01").remarks)


def test_one_assessor_marking_veto_is_enough() -> None:
    records = form_records("01", FULL, rater="张", veto={"6": False}) + form_records(
        "01", FULL, rater="李", veto={"6": True}, remarks={"6": "发生事故"}
    )
    result = score(small_rubric(), THREE[:1], records).unit("01")
    assert result.veto and result.grade == "不达标" and "发生事故" in result.veto_reason


def test_veto_from_an_assessor_return_with_errors_is_not_applied() -> None:
    # the assessors' return is 待核实: neither its scores nor its 否决 mark count yet
    st = states(["01"], FormKind.ASSESSOR, ReturnState.INVALID)
    result = score(small_rubric(), THREE[:1], form_records("01", FULL, veto={"6": True}), st).unit("01")
    assert not result.veto and result.grade == "" and result.status is ReturnState.INVALID


def test_all_units_vetoed_are_ranked_among_themselves() -> None:
    records = (
        form_records("01", {"1": 3, "2": 2, "3": 3}, veto={"6": True})  # 8
        + form_records("02", {"1": 4, "2": 2, "3": 4}, veto={"6": True})  # 10
        + form_records("03", {"1": 4, "2": 2, "3": 4}, veto={"6": True})  # 10
    )
    results = score(small_rubric(), THREE, records)
    assert {r.grade for r in results.units} == {"不达标"}
    assert [(r.unit_id, r.rank) for r in results.units] == [("02", 1), ("03", 1), ("01", 3)]


def test_all_units_missing_gives_no_ranks_and_no_zeros() -> None:
    st = states(["01", "02", "03"], FormKind.ASSESSOR, ReturnState.MISSING)
    results = score(small_rubric(), THREE, [], st)
    assert [r.unit_id for r in results.units] == ["01", "02", "03"]
    for unit in results.units:
        assert unit.status is ReturnState.MISSING and unit.composite is None and unit.shown is None
        assert unit.rank is None and unit.grade == "" and unit.main is None
        assert "考核组评分表待提交" in unit.remarks


def test_half_up_at_the_third_decimal() -> None:
    # Decimal, not float: float(2.675) is 2.67499999… and Python's round() gives 2.67
    assert round2(D("2.675")) == D("2.68") and round(2.675, 2) == 2.67
    assert round2(D("-0.005")) == D("-0.01") and round2(D("0.004999")) == D("0.00")


def test_rater_states_are_matched_by_their_source() -> None:
    from kaohe_xl.rubric.model import Source
    from kaohe_xl.scoring.engine import ItemScore, _source_state
    from kaohe_xl.store.records import UnitState

    leaders = Source("班子评分", FormKind.RATER, D("0.1"), raters=("张三",))
    public = Source("群众评议", FormKind.RATER, D("0.1"), raters=("李四",))
    unit_states = [
        UnitState("01", FormKind.RATER, ReturnState.OK, 1, source="班子评分", rater="张三"),
        UnitState("01", FormKind.RATER, ReturnState.MISSING, source="群众评议", rater="李四"),
    ]
    scored = [ItemScore("01", "班子评分", "党建工作", D(18), values=(D(18),), raters=("张三",))]
    # the states carry no note text to parse: 李四 owes 群众评议, which does not make
    # 班子评分 (returned by 张三) missing
    assert _source_state(leaders, "01", unit_states, scored) is ReturnState.OK
    assert _source_state(public, "01", unit_states, []) is ReturnState.MISSING


def test_a_units_scores_of_a_source_are_its_item_scores() -> None:
    """Results.source_scores (built once, for reconcile and 失分分析) holds what item_score finds."""
    from _scoring_helpers import THREE, form_records, self_records, small_rubric

    rubric = small_rubric()
    records = self_records("01", {"1": 4, "2": 2}) + form_records("01", {"1": 3}) + form_records("02", {"3": 1})
    results = score(rubric, THREE, records)
    seen = 0
    for unit in ("01", "02", "03"):
        for source in ("自评", "考核组"):
            scores = results.source_scores(unit, source)
            for item in rubric.items:
                assert scores.get(item.id) is results.item_score(unit, source, item.id)
                seen += item.id in scores
    assert seen == 4
    assert results.source_scores("03", "考核组") == {}
