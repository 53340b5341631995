"""失分分析 of the 2023 year of tests/_compare_helpers.py, every figure worked by hand.

=========  ====  ====  ====  =========
2023       1 (4) 2 (2) 3 (4) 5 扣分 (5)
=========  ====  ====  ====  =========
东湖村     3     2     3     0
西山新村   4     2     3.5   0
南岭村     4     1     4     0
新星村     2     2     2     1
=========  ====  ====  ====  =========
"""

from __future__ import annotations

import pytest
from _compare_helpers import year_2023
from _scoring_helpers import D, form_records, small_rubric, states, units

from kaohe_xl.analysis import losses
from kaohe_xl.analysis.losses import analyse_losses, reason_key, reason_text
from kaohe_xl.analysis.rows import loss_rows
from kaohe_xl.rubric.model import FormKind
from kaohe_xl.scoring.engine import score
from kaohe_xl.store.records import ReturnState


def test_items_by_points_lost_with_their_reasons() -> None:
    analysis = analyse_losses(year_2023())
    assert analysis.units == 4 and analysis.source == "考核组"
    table = [
        (row.item.id if row.item else None, row.rank, row.scored, row.lost_units, row.lost, row.share, row.reasons)
        for row in analysis.items
    ]
    assert table == [
        # item 3: 1 + 0.5 + 0 + 2 = 3.5 lost by 3 units; 1 − 3.5/16 = 0.78125 → 0.7813
        ("3", 1, 4, 3, D("3.5"), D("0.7813"), (("走访台账缺失", 3),)),
        # item 1: 1 + 0 + 0 + 2 = 3; 1 − 3/16 = 0.8125
        ("1", 2, 4, 2, D(3), D("0.8125"), (("会议记录不全", 2),)),
        # items 2 and 5 lost 1 point each, by 1 unit: rubric order
        ("2", 3, 4, 1, D(1), D("0.8750"), (("方案未印发", 1),)),
        ("5", 4, 4, 1, D(1), D("0.9500"), (("发生集体上访", 1),)),  # a 扣分 item: the deduction is lost
    ]
    assert [row.top for row in analysis.items] == [True, True, True, True]  # TOP_ITEMS = 5, all lost points
    assert analysis.items[0].reason_text() == "走访台账缺失（3个单位）"


def test_only_the_top_items_are_highlighted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(losses, "TOP_ITEMS", 2)
    analysis = analyse_losses(year_2023())
    assert [row.item.id for row in analysis.top if row.item] == ["3", "1"]


def test_categories_from_their_capped_scores() -> None:
    analysis = analyse_losses(year_2023())
    table = [(r.name, r.rank, r.points, r.lost_units, r.lost, r.share, r.reasons) for r in analysis.categories]
    assert table == [
        # 组织领导 (6): 5, 6, 5, 4 → 1 + 0 + 1 + 2 = 4; 1 − 4/24 = 0.8333
        ("组织领导", 1, D(6), 3, D(4), D("0.8333"), (("会议记录不全", 2), ("方案未印发", 1))),
        # 工作落实 (4): 3, 3.5, 4, 2 → 3.5; 1 − 3.5/16
        ("工作落实", 2, D(4), 3, D("3.5"), D("0.7813"), (("走访台账缺失", 3),)),
    ]


def test_each_units_weakest_items() -> None:
    analysis = analyse_losses(year_2023())

    def weakest(unit_id: str) -> list[tuple[str, object]]:
        return [(w.item.id, w.lost) for w in analysis.weakest(unit_id)]

    assert weakest("05") == [("1", D(2)), ("3", D(2)), ("5", D(1))]  # 1 and 3 tie at 2 points and 50 %: rubric order
    assert weakest("01") == [("1", D(1)), ("3", D(1))]
    assert weakest("02") == [("3", D("0.5"))] and weakest("03") == [("2", D(1))]
    first = analysis.weakest("05")[0]
    assert (first.score, first.share, first.reasons) == (D(2), D("0.5000"), ("会议记录不全",))
    assert analysis.mean_share["1"] == D("0.8125")
    assert analysis.counted == frozenset({"01", "02", "03", "05"})


def test_rows_for_the_frames() -> None:
    analysis = analyse_losses(year_2023())
    first = loss_rows(analysis)[0]
    assert (first["item_id"], first["points_lost"], first["mean_share"], first["top_reason"]) == (
        "3",
        3.5,
        0.7813,
        "走访台账缺失",
    )
    assert first["reasons"] == "走访台账缺失（3个单位）" and first["mean_lost"] == 0.88  # 3.5 / 4
    by_unit = loss_rows(analysis, "unit")
    assert [(r["unit_id"], r["weak_rank"], r["item_id"]) for r in by_unit if r["unit_id"] == "05"] == [
        ("05", 1, "1"),
        ("05", 2, "3"),
        ("05", 3, "5"),
    ]
    assert [r["category"] for r in loss_rows(analysis, "category")] == ["组织领导", "工作落实"]
    with pytest.raises(ValueError, match="by must be"):
        loss_rows(analysis, "year")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("会议记录不全，扣1分", "会议记录不全"),
        ("会议记录不全，扣 0.5 分。", "会议记录不全"),
        ("会议记录不全。", "会议记录不全"),
        (" 会议记录  不全 ", "会议记录 不全"),
        ("会议记录不全；共扣2分", "会议记录不全"),
        ("扣分原因：台账缺失", "扣分原因：台账缺失"),  # only a trailing amount goes
        ("台账缺失，扣１分", "台账缺失"),  # full-width digits too
    ],
)
def test_reasons_grouped_when_identical_but_for_a_trailing_amount(text: str, key: str) -> None:
    assert reason_text(text) == key  # shown in the assessors' characters
    assert reason_key(text) == reason_key(key)
    assert reason_key("台账缺失（一）") == reason_key("台账缺失(一)")  # full-width forms fold


def test_several_assessors_words_count_once_per_unit_without_their_names() -> None:
    rubric = small_rubric()
    records = form_records("01", {"1": 2}, rater="李明", remarks={"1": "会议记录不全，扣2分"})
    records += form_records("01", {"1": 3}, rater="赵芳", remarks={"1": "会议记录不全，扣1分"})
    records += form_records("02", {"1": 3}, rater="李明", remarks={"1": "会议记录不全"})
    records += form_records("02", {"1": 3}, rater="赵芳", remarks={"1": "会议记录不全"})
    for unit_id in ("01", "02"):
        records += form_records(unit_id, {"2": 2, "3": 4}, rater="李明") + form_records(
            unit_id, {"2": 2, "3": 4}, rater="赵芳"
        )
    analysis = analyse_losses(score(rubric, units(("01", "东湖村"), ("02", "西山村")), records))
    item1 = next(r for r in analysis.items if r.item and r.item.id == "1")
    assert item1.lost == D("2.5")  # 东湖村 mean 2.5 → 1.5 lost; 西山村 3 → 1 lost
    assert item1.reasons == (("会议记录不全", 2),)  # 李明：… / 赵芳：… read back as the words, once per unit


def test_units_whose_assessor_return_is_missing_are_not_counted_and_vetoes_are_listed() -> None:
    rubric = small_rubric()
    people = units(("01", "东湖村"), ("02", "西山村"), ("03", "南岭村"))
    records = form_records("01", {"1": 4, "2": 2, "3": 4}, veto={"6": True}, remarks={"6": "发生安全事故"})
    records += form_records("02", {"1": 3, "2": 2, "3": 4}, veto={"6": False})
    records += form_records("03", {"1": 0, "2": 0, "3": 0})  # an older valid return; the newest has errors
    results = score(rubric, people, records, states(["01", "02", "03"], FormKind.ASSESSOR, u03=ReturnState.INVALID))
    analysis = analyse_losses(results)
    assert analysis.units == 2 and "03" not in analysis.counted
    scored = {row.item.id: row.scored for row in analysis.items if row.item}
    assert scored == {"1": 2, "2": 2, "3": 2, "5": 0}  # 南岭村's 10 points "lost" are not counted
    assert [(v.item.id, v.units) for v in analysis.vetoed] == [("6", ("东湖村",))]
    assert analysis.weakest("03") == ()
