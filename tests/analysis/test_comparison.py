"""This year against last year, every figure worked by hand (tests/_compare_helpers.py)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from _compare_helpers import mapping_file, year_2022, year_2023
from _scoring_helpers import D

from kaohe_xl.analysis.comparison import PERCENT, POINTS, Comparison, compare_years
from kaohe_xl.analysis.frames import compare, comparison_of
from kaohe_xl.analysis.matching import Match
from kaohe_xl.analysis.yearfile import load_mapping
from kaohe_xl.analysis.years import Year, YearUnit, from_dict, to_dict, year_of
from kaohe_xl.errors import ResultsFileError

RENAMED = [("西山村", "西山新村")]


def _rows(comparison: Comparison) -> dict[str, tuple[object, ...]]:
    out: dict[str, tuple[object, ...]] = {}
    for u in comparison.units:
        figures = tuple((f.composite, f.rank, f.grade) if f else None for f in u.figures)
        out[u.unit_name] = (u.match, figures, u.change, u.rank_change, u.rank_move)
    return out


def test_changes_and_rank_moves_on_the_same_scale(tmp_path: Path) -> None:
    comparison = comparison_of(year_2023(), year_2022(), mapping=mapping_file(tmp_path))
    assert comparison.basis == POINTS
    assert [u.unit_name for u in comparison.units] == ["西山新村", "南岭村", "东湖村", "新星村", "北坡村"]
    rows = _rows(comparison)
    assert rows["西山新村"] == (
        Match.RENAMED,
        ((D("9.50"), 1, "优秀"), (D("7.00"), 3, "合格")),
        D("2.50"),  # 9.50 − 7.00
        2,
        "↑2",  # 3rd → 1st
    )
    assert rows["南岭村"] == (Match.SAME, ((D("9.00"), 2, "优秀"), (D("10.00"), 1, "优秀")), D("-1.00"), -1, "↓1")
    assert rows["东湖村"] == (Match.SAME, ((D("8.00"), 3, "良好"), (D("9.00"), 2, "优秀")), D("-1.00"), -1, "↓1")
    assert rows["新星村"] == (Match.NEW, ((D("5.00"), 4, "不合格"), None), None, None, "新增")
    assert rows["北坡村"] == (Match.REMOVED, (None, (D("5.00"), 4, "不合格")), None, None, "—")
    assert comparison.unit("西山新村").note == "2022年名为西山村"
    assert comparison.unit("北坡村").note == "2023年无此单位"
    assert comparison.counts()[Match.NEW] == 1 and comparison.counts()[Match.REMOVED] == 1


def test_a_scale_change_is_compared_as_shares_of_full_marks() -> None:
    """2022: 满分 10; 2023: the same sheets on a 百分制 composite (95, 90, 80, 50)."""
    comparison = comparison_of(year_2023(D(100)), year_2022(), mapping=RENAMED)
    assert comparison.basis == PERCENT
    assert [y.full_marks for y in comparison.years] == [D(100), D(10)]
    west = comparison.unit("西山新村")
    assert [(f.composite, f.percent) for f in west.figures if f] == [(D("95.00"), D("95.00")), (D("7.00"), D("70.00"))]
    assert west.change == D("25.00")  # 95 % − 70 %, percentage points
    assert comparison.unit("南岭村").change == D("-10.00")  # 90 % − 100 %
    assert comparison.unit("东湖村").change == D("-10.00")  # 80 % − 90 %
    assert (
        comparison.notes[0]
        == "2023年满分 100 分、2022年满分 10 分：综合得分按得分率（占满分的百分比）比较，变化为百分点"
    )
    frame = compare(year_2023(D(100)), year_2022(), mapping=RENAMED)
    assert frame.attrs["basis"] == "percent"
    assert frame["composite_change"].isna().all()  # points of different scales are not subtracted
    assert frame.loc[frame["unit_name"] == "西山新村", "percent_change"].item() == 25.0


def test_without_the_mapping_a_renamed_unit_is_new_and_the_old_one_listed() -> None:
    comparison = comparison_of(year_2023(), year_2022())
    assert comparison.unit("西山新村").match is Match.NEW
    assert comparison.unit("西山村").match is Match.REMOVED
    assert any("编号 02 2022年为“西山村”，2023年为“西山新村”" in note for note in comparison.notes)


def test_category_shares_this_year_and_last() -> None:
    comparison = comparison_of(year_2023(), year_2022(), mapping=RENAMED)
    east, west = comparison.unit("东湖村"), comparison.unit("西山新村")
    # 组织领导 5/6 = 83.3 % (6/6 = 100 % in 2022); 工作落实 3/4 = 75 % both years
    assert (east.categories["组织领导"].this, east.categories["组织领导"].last) == (D("83.3"), D("100.0"))
    assert east.categories["组织领导"].change == D("-16.7")
    assert east.categories["工作落实"].change == D("0.0")
    assert west.categories["组织领导"].change == D("33.3")  # 100 − 66.7
    assert west.categories["工作落实"].change == D("12.5")  # 87.5 − 75
    assert comparison.unit("新星村").categories["组织领导"].last is None
    lead, work = comparison.categories
    # means over each year's units: (83.3+100+83.3+66.7)/4 = 83.3; (100+66.7+100+50)/4 = 79.2
    assert (lead.name, lead.mean, lead.last_mean, lead.change) == ("组织领导", D("83.3"), D("79.2"), D("4.1"))
    assert (work.mean, work.last_mean, work.change) == (D("78.1"), D("75.0"), D("3.1"))


def test_items_matched_by_id_and_content_the_removed_one_listed() -> None:
    comparison = comparison_of(year_2023(), year_2022(), mapping=RENAMED)
    rows = {(i.item.id if i.item else None, i.last.id if i.last else None): i for i in comparison.items}
    assert list(rows) == [("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5"), ("6", "6"), (None, "7")]
    # item 1: (3+4+4+2)/16 and (4+3+4+2)/16 = 81.25 → 81.3 both years
    assert (rows[("1", "1")].share, rows[("1", "1")].last_share, rows[("1", "1")].change) == (
        D("81.3"),
        D("81.3"),
        D("0.0"),
    )
    # item 3: 12.5/16 = 78.125 → 78.1 against 6/8 = 75.0 (2 points last year)
    three = rows[("3", "3")]
    assert (three.share, three.last_share, three.note) == (D("78.1"), D("75.0"), "分值由 2 改为 4")
    removed = rows[(None, "7")]
    assert removed.status == "removed" and removed.last_share == D("75.0") and removed.note == "2023年已删除"


def test_an_item_renumbered_is_matched_by_its_content() -> None:
    this = year_of(year_2023())
    last = year_of(year_2022())
    shifted = Year(
        last.name,
        last.year,
        last.full_marks,
        last.units,
        last.categories,
        tuple(i if i.id != "2" else type(i)("9", i.category, i.content, i.kind, i.points) for i in last.items),
    )
    pairs = [
        (i.item.id if i.item else None, i.last.id if i.last else None, i.note)
        for i in compare_years(this, [shifted]).items
    ]
    assert ("2", "9", "编号由 9 改为 2") in pairs


def _year(label: str, *units: tuple[str, str, str, int]) -> Year:
    return Year(
        f"考核{label}",
        label,
        D(100),
        tuple(YearUnit(uid, name, D(score), rank, "") for uid, name, score, rank in units),
    )


def test_merged_units_take_the_mean_and_no_rank_move_split_units_the_whole() -> None:
    last = _year("2022", ("1", "甲村", "80", 2), ("2", "乙村", "90", 1), ("3", "丙村", "70", 3))
    this = _year("2023", ("1", "甲乙村", "88", 1), ("2", "丙东村", "75", 2), ("3", "丙西村", "72", 3))
    mapping = [("甲村", "甲乙村"), ("乙村", "甲乙村"), ("丙村", "丙东村"), ("丙村", "丙西村")]
    comparison = compare_years(this, [last], mapping)
    merged, east, west = comparison.units
    assert merged.match is Match.MERGED and merged.rank_move == "合并" and merged.rank_change is None
    assert merged.figures[1] is not None and merged.figures[1].composite == D("85.00")  # (80 + 90) / 2
    assert merged.change == D("3.00") and merged.note == "由甲村、乙村合并"
    assert (east.match, east.change, east.rank_move, east.note) == (Match.SPLIT, D("5"), "↑1", "由丙村分设")
    assert (west.match, west.change, west.rank_move) == (Match.SPLIT, D("2"), "持平")
    assert [u.match for u in comparison.units] == [Match.MERGED, Match.SPLIT, Match.SPLIT]  # nothing removed


def test_several_earlier_years_give_a_column_each() -> None:
    older = _year("2021", ("9", "东湖村", "70", 1))
    comparison = comparison_of(year_2023(), year_2022(), older, mapping=RENAMED)
    assert [y.label for y in comparison.years] == ["2023年", "2022年", "2021年"]
    east = comparison.unit("东湖村")
    assert [f.composite if f else None for f in east.figures] == [D("8.00"), D("9.00"), D("70.00")]
    assert comparison.basis == PERCENT  # 2021 had 满分 100: every year as a share of its full marks
    assert east.change == D("-10.00")  # 80 % − 90 %: this year against last year only
    frame = compare(year_2023(), year_2022(), older, mapping=RENAMED)
    assert {"composite_2023", "composite_2022", "composite_2021", "rank_2021"} <= set(frame.columns)


def test_snapshot_round_trip_keeps_every_figure(tmp_path: Path) -> None:
    year = year_of(year_2022())
    path = tmp_path / "2022年结果快照.json"
    path.write_text(json.dumps(to_dict(year), ensure_ascii=False), encoding="utf-8")
    back = from_dict(json.loads(path.read_text(encoding="utf-8")))
    assert back.units == year.units and back.categories == year.categories and back.items == year.items
    assert back.full_marks == D(10) and back.label == "2022年"
    assert [dict(u.categories) for u in back.units] == [dict(u.categories) for u in year.units]
    assert back.unit("02").items == {"1": D(3), "2": D(1), "3": D(1), "7": D(2), "4": D(0), "5": D(0)}
    by_file = comparison_of(year_2023(), path, mapping=RENAMED)
    assert by_file.unit("西山新村").change == D("2.50")


def test_mapping_file_headers_or_first_two_columns(tmp_path: Path) -> None:
    assert load_mapping(mapping_file(tmp_path)) == [("西山村", "西山新村")]
    bare = tmp_path / "bare"
    bare.mkdir()
    assert load_mapping(mapping_file(bare, [("西山村", "西山新村"), ("04", "新星村")], header=False)) == [
        ("西山村", "西山新村"),
        ("04", "新星村"),
    ]
    half = tmp_path / "half"
    half.mkdir()
    with pytest.raises(ResultsFileError, match="第3行"):
        load_mapping(mapping_file(half, [("西山村", "西山新村"), ("北坡村", "")]))


def test_mapping_rows_that_match_nothing_are_said(tmp_path: Path) -> None:
    comparison = comparison_of(
        year_2023(), year_2022(), mapping=[("西山村", "西山新村"), ("南山村", "东湖村"), ("北坡村", "北坡新村")]
    )
    assert "单位对照表：2022年的结果中都没有“南山村”，该行未使用" in comparison.notes
    assert "单位对照表：本年名单中没有“北坡新村”，该行未使用" in comparison.notes


def test_a_year_without_a_single_composite_cannot_be_compared() -> None:
    empty = Year("考核", "2022", D(10), (YearUnit("01", "东湖村", None, None, "", "missing"),))
    with pytest.raises(ResultsFileError, match="没有一个单位有综合得分"):
        comparison_of(year_2023(), empty)


def test_unscored_units_this_year_show_their_state_and_no_change() -> None:
    this = year_of(year_2023())
    pending = YearUnit("01", "东湖村", None, None, "", "missing")
    this = Year(
        this.name, this.year, this.full_marks, (*this.units[:2], this.units[3], pending), this.categories, this.items
    )
    east = compare_years(this, [year_of(year_2022())]).unit("东湖村")
    assert east.figures[0] is not None and east.figures[0].state == "待提交"
    assert (east.change, east.rank_move) == (None, "—")


@pytest.mark.parametrize("value", [Decimal("0.005"), Decimal("99.995")])
def test_snapshot_numbers_are_the_figures_as_shown(value: Decimal) -> None:
    unit = YearUnit("01", "东湖村", value, 1, "")
    data = to_dict(Year("考核", "2022", D(100), (unit,)))
    assert Decimal(str(data["units"][0]["composite"])) == value.quantize(D("0.01"), rounding="ROUND_HALF_UP")
