"""The seeds' rules, worked by hand: the examples of docs/scoring.md, one test each.

Every figure in a comment is the hand calculation; the assertions check the engine
against it. The rubrics are the bundled samples (动力厂党建 = seed 003, 新庄镇综合考核 =
seed 004), so the examples are the rules as the seeds write them.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from fractions import Fraction

from _scoring_helpers import D, Score, ballot_records, base_scores_summing_to, filled_scores, form_records, units
from conftest import SAMPLES

from kaohe_xl.rubric.load import load_rubric
from kaohe_xl.rubric.model import FormKind, Rubric
from kaohe_xl.scoring.engine import score
from kaohe_xl.store.records import ReturnState, ScoreRecord

BRANCH = units(("D01", "运行车间党支部"))


class _Samples:
    """The sample rubrics, loaded on first use (a loading error fails the test using it)."""

    @functools.cached_property
    def dongli(self) -> Rubric:
        return load_rubric(SAMPLES / "动力厂党建" / "细则.xlsx")

    @functools.cached_property
    def xinzhuang(self) -> Rubric:
        return load_rubric(SAMPLES / "新庄镇综合考核" / "细则.xlsx")


_SAMPLES = _Samples()


def _rounds(unit_id: str, first: Mapping[str, Score], second: Mapping[str, Score] | None = None) -> list[ScoreRecord]:
    """专项督查 scores ``first``, 年终考核 ``second`` (default the same)."""
    return form_records(unit_id, first, source="专项督查") + form_records(unit_id, second or first, source="年终考核")


def test_rounds_weighted_thirty_seventy() -> None:
    """Seed 003: 阶段性专项督查占30%，年终综合检查占70%."""
    # 专项督查: 重点指标 20 + 60 = 80; 年终考核: 20 + 70 = 90
    # composite = 0.3 × 80 + 0.7 × 90 = 24 + 63 = 87.00 → 良好
    result = score(
        _SAMPLES.dongli, BRANCH, _rounds("D01", filled_scores(_SAMPLES.dongli, 60), filled_scores(_SAMPLES.dongli, 70))
    ).unit("D01")
    assert (result.total("专项督查"), result.total("年终考核")) == (D(80), D(90))
    assert result.shown == D("87.00") and result.grade == "良好" and result.passed is True
    assert result.primary == "年终考核" and result.main is not None and result.main.total == 90  # the larger weight


def test_a_round_not_returned_is_pending_not_zero() -> None:
    only_first = form_records("D01", filled_scores(_SAMPLES.dongli, 60), source="专项督查")
    result = score(_SAMPLES.dongli, BRANCH, only_first).unit("D01")
    assert result.status is ReturnState.MISSING and result.composite is None
    assert result.total("专项督查") == 80 and "考核组评分表（年终考核）待提交" in result.remarks


def test_best_of_counts_one_award_per_achievement() -> None:
    """Seed 003: 奖励加分就高不就低 — one achievement counts once, at its highest award."""
    # 表彰 group: 省级 5 (item 24) and 市级 3 (item 25) for the same work → 5, not 8;
    # 推广 group: 市级 3 (item 28) → 3; different achievements add: 5 + 3 = 8 ≤ 上限 10.
    # Without 取高组 it would be 5 + 3 + 3 = 11 → capped 10.
    awards = {"24": 5, "25": 3, "28": 3}
    result = score(_SAMPLES.dongli, BRANCH, _rounds("D01", filled_scores(_SAMPLES.dongli, 60, extra=awards))).unit(
        "D01"
    )
    # with two rounds the 奖励加分 belong to the year (加分计入 年度总分 by default): once, in full
    assert result.main is not None and result.main.bonus_claimed == D(8) and result.bonus == D(8)
    assert result.shown == D("88.00")  # 20 + 60 + 8
    assert any("取高组“表彰”" in remark for remark in result.remarks)
    # every award of both groups: 表彰 max(5, 3, 1) = 5, 推广 max(5, 3) = 5 → 10, then the cap 10
    everything = {"24": 5, "25": 3, "26": 1, "27": 5, "28": 3}
    full = score(_SAMPLES.dongli, BRANCH, _rounds("D01", filled_scores(_SAMPLES.dongli, 60, extra=everything))).unit(
        "D01"
    )
    assert full.main is not None and full.main.bonus_claimed == D(10) and full.bonus == D(10)


def test_deduction_category_is_used_up_and_no_more() -> None:
    """Seed 003: 重点指标 20 分, four indicators with deductions, 扣完为止."""
    # 成本费用未达要求 5; 群众举报 2 起 × 2 + 未向职工述廉 5 = 9; 安全: 一般事故 5 + 累进加扣 5 = 10
    # Σ = 24 > 20 → max(20 − 24, 0) = 0; the rest of the rubric 60 → base 60
    cuts = {"1": 5, "2": 9, "4": 10}
    result = score(_SAMPLES.dongli, BRANCH, _rounds("D01", filled_scores(_SAMPLES.dongli, 60, cuts=cuts))).unit("D01")
    assert result.main is not None and result.main.categories["重点指标"] == 0 and result.main.base == 60
    # 成本费用 5 + 未开展安全教育 3 = 8 → 20 − 8 = 12
    lighter = score(
        _SAMPLES.dongli, BRANCH, _rounds("D01", filled_scores(_SAMPLES.dongli, 60, cuts={"1": 5, "4": 3}))
    ).unit("D01")
    assert lighter.main is not None and lighter.main.categories["重点指标"] == 12 and lighter.shown == D("72.00")


def test_bonus_threshold_after_deductions() -> None:
    """Seed 003: 年度考评总分在60分以上 … 可给予奖励加分; 低于60分的，为不合格."""
    # base 65 (重点指标 20 + 45), 扣分 10, bonus 5 (省级表彰)
    scores = filled_scores(_SAMPLES.dongli, 45, extra={"23": 10, "24": 5})
    after = score(_SAMPLES.dongli, BRANCH, _rounds("D01", scores)).unit("D01")
    # 扣分后: 65 − 10 = 55 < 60 → no bonus → 65 − 10 = 55.00 → 不合格
    assert after.main is not None and (after.main.base, after.main.penalty, after.main.bonus) == (D(65), D(10), D(0))
    assert after.shown == D("55.00") and after.grade == "不合格" and after.passed is False
    # 基础分 (the default): 65 ≥ 60 → bonus 5 → 65 + 5 − 10 = 60.00 → 合格
    from dataclasses import replace

    from kaohe_xl.rubric.model import BonusBasis

    on_base = replace(_SAMPLES.dongli, settings=replace(_SAMPLES.dongli.settings, bonus_basis=BonusBasis.BASE))
    before = score(on_base, BRANCH, _rounds("D01", scores)).unit("D01")
    assert before.shown == D("60.00") and before.grade == "合格" and before.passed is True


def _xinzhuang(records: list[ScoreRecord]) -> list[ScoreRecord]:
    """新庄村's 考核组 1200 (item 17 included as the filler would put it) and full 班子评分 marks."""
    leaders = _SAMPLES.xinzhuang.source("班子评分")
    for rater in leaders.raters:
        marks = {c.name: top for c, top in _SAMPLES.xinzhuang.rater_categories(leaders)}
        records += form_records("01", marks, source="班子评分", form=FormKind.RATER, rater=rater)
    return records + form_records("01", base_scores_summing_to(_SAMPLES.xinzhuang, 1200))


def test_ballot_fills_its_item() -> None:
    """Seed 004: 民主测评 (5 分) from the votes 好 / 较好 / 一般 / 较差."""
    # 34 votes: 好 24, 较好 7, 一般 2, 较差 1 → (24 × 1 + 7 × 0.8 + 2 × 0.6 + 1 × 0) / 34 = 30.8 / 34
    records = _xinzhuang(ballot_records("01", 24, 7, 2, 1))
    results = score(_SAMPLES.xinzhuang, units(("01", "新庄村")), records)
    unit = results.unit("01")
    ballot = unit.sources["民主测评"]
    assert ballot.ratio == Fraction(308, 340)
    # item 17 = 5 × 30.8 / 34 = 4.5294… → 4.53; the 民主测评 source's own 得分 is the same figure
    item = results.item_score("01", "考核组", "17")
    assert item is not None and item.value == D("4.53") and item.note == "由民主测评计算"
    assert ballot.total == D("4.53")
    # 党建工作: items 1–16 = 95.5, + 4.53 = 100.03 → capped 100 (封顶): the 考核组 total stays 1200
    assert unit.main is not None and unit.main.categories["党建工作"] == 100 and unit.total("考核组") == 1200
    # 0.9 × 1200 × 1000/1500 + 0.1 × 100 × 1000/100 = 720 + 100 = 820.00
    assert unit.shown == D("820.00")


def test_ballot_below_the_cap_changes_the_total() -> None:
    # 好 10, 较好 10, 一般 10, 较差 10 → (10 + 8 + 6 + 0) / 40 = 0.6 → item 17 = 3.00
    # 党建工作: 95.5 + 3 = 98.5 → 考核组 1200 − 100 + 98.5 = 1198.5
    # 0.9 × 1198.5 × 1000/1500 = 719.1; + 100 → 819.10
    unit = score(_SAMPLES.xinzhuang, units(("01", "新庄村")), _xinzhuang(ballot_records("01", 10, 10, 10, 10))).unit(
        "01"
    )
    assert unit.total("考核组") == D("1198.5") and unit.shown == D("819.10")


def test_missing_tally_holds_back_the_composite() -> None:
    unit = score(_SAMPLES.xinzhuang, units(("01", "新庄村")), _xinzhuang([])).unit("01")
    assert unit.status is ReturnState.MISSING and unit.composite is None
    assert "民主测评表待提交" in unit.remarks


def test_ballot_weights_from_the_settings() -> None:
    from dataclasses import replace

    from kaohe_xl.scoring.rules import ballot_ratio

    strict = replace(
        _SAMPLES.xinzhuang,
        settings=replace(
            _SAMPLES.xinzhuang.settings,
            ballot_weights=(("好", D(1)), ("较好", D("0.5")), ("一般", D(0)), ("较差", D(0))),
        ),
    )
    from kaohe_xl.scoring.rules import ItemScore

    votes = {g: ItemScore("01", "民主测评", g, D(n)) for g, n in (("好", 6), ("较好", 4), ("一般", 0), ("较差", 0))}
    # (6 × 1 + 4 × 0.5) / 10 = 0.8
    assert ballot_ratio(strict, votes) == Fraction(4, 5)
    # with the default weights (较好 0.8): (6 + 3.2) / 10 = 0.92
    assert ballot_ratio(_SAMPLES.xinzhuang, votes) == Fraction(92, 100)
    no_votes = {g: ItemScore("01", "民主测评", g, D(0)) for g in votes}
    assert ballot_ratio(_SAMPLES.xinzhuang, no_votes) is None


def test_weighted_ballot_source_scores_out_of_100() -> None:
    """A 民主测评 source with a weight of its own: 得分 = ratio × 100."""
    from dataclasses import replace

    rubric: Rubric = replace(
        _SAMPLES.xinzhuang,
        sources=tuple(
            replace(s, weight=D("0.1"), target="")
            if s.name == "民主测评"
            else replace(s, weight=D("0.8"))
            if s.name == "考核组"
            else s
            for s in _SAMPLES.xinzhuang.sources
        ),
    )
    # 好 24, 较好 7, 一般 2, 较差 1 → 30.8 / 34 × 100 = 90.588… → 90.59
    records = _xinzhuang(ballot_records("01", 24, 7, 2, 1))
    unit = score(rubric, units(("01", "新庄村")), records).unit("01")
    assert unit.total("民主测评") == D("90.59")
    # 0.8 × 1200 × 1000/1500 + 0.1 × 100 × 10 + 0.1 × 90.59 = 640 + 100 + 9.059 = 749.059 → 749.06
    assert unit.shown == D("749.06")


def test_combined_scores_are_those_the_dataclass_init_builds() -> None:
    """combine_items builds one-rater scores without ItemScore's __init__ (the common case,
    ~100,000 of them at 1,000 units): each is the score __init__ gives, every field set."""
    from dataclasses import fields

    from _scoring_helpers import small_rubric

    from kaohe_xl.scoring.rules import ItemScore, aggregate, combine_items

    rubric = small_rubric()
    assessor = next(s.name for s in rubric.sources if s.form is FormKind.ASSESSOR)
    records = [
        ScoreRecord(FormKind.ASSESSOR, assessor, "D01", "1", D("3.5"), None, "会议记录不全", "李明"),
        ScoreRecord(FormKind.ASSESSOR, assessor, "D01", "2", None, True, "", "李明"),
        ScoreRecord(FormKind.ASSESSOR, assessor, "D01", "3", None, False, "", ""),
        ScoreRecord(FormKind.ASSESSOR, assessor, "D01", "4", D(2), None, "", "李明"),
        ScoreRecord(FormKind.ASSESSOR, assessor, "D01", "4", D(3), None, "台账缺失", "王芳"),
        ScoreRecord(FormKind.ASSESSOR, "不在细则里", "D01", "5", D(1), None, "", ""),
    ]
    combined = combine_items(rubric, records)
    assert [s.key for s in combined] == ["1", "2", "3", "4"]
    for got in combined:
        group = [r for r in records if r.source == assessor and r.key == got.key]
        numbers = [r.value for r in group if r.value is not None]
        value, note = aggregate(numbers, rubric.settings.aggregation) if numbers else (None, "")
        marks = [r.veto for r in group if r.veto is not None]
        texts = list(dict.fromkeys(r.remark for r in group if r.remark))
        remarks = tuple(texts) if len(texts) <= 1 else tuple(f"{r.rater}：{r.remark}" for r in group if r.remark)
        want = ItemScore(
            "D01",
            assessor,
            got.key,
            value,
            veto=any(marks) if marks else None,
            values=tuple(numbers),
            raters=tuple(r.rater for r in group),
            remarks=remarks,
            note=note,
        )
        assert got == want and hash(got) == hash(want) and vars(got) == vars(want)
        assert list(vars(got)) == [f.name for f in fields(ItemScore)]  # a field added later fails here
