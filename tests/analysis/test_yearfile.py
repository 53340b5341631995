"""A year's results from what an office has: a campaign folder, a snapshot, the export,
a 汇总表 typed by hand, kaohe's own 汇总表 once saved by a spreadsheet program."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from _compare_helpers import year_2022, year_2023
from _scoring_helpers import D, return_forms
from conftest import SAMPLES

from kaohe_xl.analysis.frames import comparison_of
from kaohe_xl.analysis.yearfile import load_year
from kaohe_xl.campaign import Campaign
from kaohe_xl.errors import ResultsFileError
from kaohe_xl.output.export import export_results, render
from kaohe_xl.output.summary import build_summary
from kaohe_xl.scoring.reconcile import reconcile


def hand_made(path: Path, rows: list[list[Any]] | None = None) -> Path:
    """A 2022 汇总表 as a clerk types it: title, 满分 line, 序号 (not 编号), categories with
    their points, 总分, 名次, 等次, a 合计 row and a unit still owing its return."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["某镇2022年度目标管理考核结果汇总表"])
    ws.append(["（满分10分）", None, None, None, "制表：考核办"])
    ws.append(["序号", "单位名称", "组织领导（6分）", "工作落实\n(4)", "总分", "名次", "等次"])
    for row in rows or [
        [1, "南岭村", 6, 4, 10, 1, "优秀"],
        [2, "东 湖 村", 6, 3, 9, 2, "优秀"],
        [3, "西山村", 4, 3, 7, 3, "合格"],
        [4, "北坡村", None, None, "待提交", None, None],
        [None, None, None, None, None, None, None],
        [None, "合计", 16, 10, 26, None, None],
    ]:
        ws.append(row)
    wb.save(path)
    return path


def test_a_hand_made_summary_is_read_as_a_table(tmp_path: Path) -> None:
    year = load_year(hand_made(tmp_path / "2022年汇总表.xlsx"))
    assert (year.year, year.label, year.full_marks) == ("2022", "2022年", D(10))
    assert [(c.name, c.cap) for c in year.categories] == [("组织领导", D(6)), ("工作落实", D(4))]
    assert [(u.unit_id, u.unit_name, u.composite, u.rank, u.grade, u.status) for u in year.units] == [
        ("", "南岭村", D(10), 1, "优秀", "ok"),
        ("", "东 湖 村", D(9), 2, "优秀", "ok"),
        ("", "西山村", D(7), 3, "合格", "ok"),
        ("", "北坡村", None, None, "", "missing"),
    ]
    assert year.units[1].categories == {"组织领导": D(6), "工作落实": D(3)}
    # compared with this year: names match whatever the spaces; categories too
    comparison = comparison_of(year_2023(), year, mapping=[("西山村", "西山新村")])
    east = comparison.unit("东湖村")
    assert east.change == D("-1.00") and east.rank_move == "↓1"
    assert east.categories["组织领导"].change == D("-16.7")
    assert comparison.unit("北坡村").figures[1] is not None


def test_ranks_are_computed_when_the_table_has_none(tmp_path: Path) -> None:
    rows = [["1", "甲村", 6, 3, 9, None, None], ["2", "乙村", 6, 4, 10, None, None], ["3", "丙村", 6, 3, 9, None, None]]
    path = hand_made(tmp_path / "t.xlsx", rows)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    assert ws is not None
    ws.delete_cols(6)  # no 名次 column
    wb.save(path)
    year = load_year(path)
    assert [u.rank for u in year.units] == [2, 1, 2]
    assert year.notes == ("表中没有排名一列，排名按得分计算",)


def test_kaohes_own_summary_is_read_from_its_stored_formula_results(tmp_path: Path) -> None:
    results = year_2022()
    path = tmp_path / "汇总表.xlsx"
    build_summary(results, reconcile(results), [], []).save(path)
    year = load_year(path)
    assert [(u.unit_id, u.composite, u.rank, u.grade) for u in year.units] == [
        (u.unit_id, u.shown, u.rank, u.grade) for u in results.units
    ]


def test_a_summary_whose_formulas_lost_their_results_asks_for_a_save(tmp_path: Path) -> None:
    results = year_2022()
    path = tmp_path / "汇总表.xlsx"
    build_summary(results, reconcile(results), [], []).save(path)
    openpyxl.load_workbook(path).save(path)  # openpyxl keeps formulas, drops their stored results
    with pytest.raises(ResultsFileError, match="请在 Excel 或 WPS 中打开并保存一次"):
        load_year(path)


@pytest.mark.libreoffice
def test_kaohes_own_summary_saved_by_a_spreadsheet_program_is_read(tmp_path: Path) -> None:
    from kaohe_xl.xlsx.libreoffice import recalculate

    results = year_2022()
    path = tmp_path / "汇总表.xlsx"
    build_summary(results, reconcile(results), [], []).save(path)
    year = load_year(recalculate(path, tmp_path / "saved" / "2022年汇总表.xlsx"))
    assert [(u.unit_id, u.unit_name, u.composite, u.rank, u.grade) for u in year.units] == [
        (u.unit_id, u.unit_name, u.shown, u.rank, u.grade) for u in results.units
    ]
    assert [c.name for c in year.categories] == ["组织领导", "工作落实"]
    assert year.unit("02").categories == {"组织领导": D(4), "工作落实": D(3)}


def test_the_exports_rows_csv_and_json(tmp_path: Path) -> None:
    results = year_2022()
    (tmp_path / "2022results.csv").write_text(render(results, "csv"), encoding="utf-8-sig")
    (tmp_path / "2022results.json").write_text(render(results, "json"), encoding="utf-8")
    for name in ("2022results.csv", "2022results.json"):
        year = load_year(tmp_path / name)
        assert year.year == "2022" and year.full_marks is None and year.categories == ()
        assert [(u.unit_id, u.composite, u.rank, u.grade) for u in year.units] == [
            ("03", D(10), 1, "优秀"),
            ("01", D(9), 2, "优秀"),
            ("02", D(7), 3, "合格"),
            ("04", D(5), 4, "不合格"),
        ]
    comparison = comparison_of(year_2023(), tmp_path / "2022results.csv")
    assert "2022年的结果未注明满分，按2023年的满分 10 分计" in comparison.notes


def test_a_campaign_folder_and_its_snapshot_give_the_same_year(campaign: Campaign, tmp_path: Path) -> None:
    return_forms(campaign, tmp_path / "inbox")
    report = export_results(campaign, fmt="snapshot")
    assert report.path == campaign.output_dir / "2023年结果快照.json"
    from_folder = load_year(campaign.root)
    from_snapshot = load_year(report.path)
    assert from_snapshot.units == from_folder.units and from_snapshot.items == from_folder.items
    assert from_folder.unit("01").composite == D("11.50") and from_folder.unit("03").status == "missing"
    assert json.loads(report.path.read_text(encoding="utf-8"))["kaohe_snapshot"] == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.json", "[1, 2]", "不是 kaohe 的快照或导出结果"),
        ("b.json", '{"kaohe_snapshot": 1, "units": []}', "快照内容不完整或有误"),
        ("c.json", "{not json", "无法读取 JSON"),
        ("d.txt", "x", "无法识别"),
        ("e.xlsx", "not a zip", "无法打开"),
    ],
)
def test_files_that_are_no_years_results_say_so(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ResultsFileError, match=message):
        load_year(path)


def test_a_folder_that_is_no_campaign_and_a_missing_file_say_so(tmp_path: Path) -> None:
    with pytest.raises(ResultsFileError, match="不是考核目录"):
        load_year(tmp_path)
    with pytest.raises(ResultsFileError, match="找不到"):
        load_year(tmp_path / "2022.json")
    empty = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(empty)
    with pytest.raises(ResultsFileError, match="找不到表头"):
        load_year(empty)


def test_the_samples_earlier_years() -> None:
    """The 南昌 sample ships 2022 as a snapshot and 2021 as a 汇总表 typed by hand."""
    snapshot = load_year(SAMPLES / "南昌老干部" / "2022年结果快照.json")
    typed = load_year(SAMPLES / "南昌老干部" / "2021年汇总表.xlsx")
    assert (snapshot.label, len(snapshot.units), snapshot.full_marks) == ("2022年", 11, D(100))
    assert (typed.label, len(typed.units), typed.full_marks) == ("2021年", 10, D(100))
    assert {u.unit_name for u in snapshot.units} >= {"湾里区", "经济技术开发区"}
    assert "红谷滩区" not in {u.unit_name for u in snapshot.units}
    items = {i.id: i for i in snapshot.items}
    assert items["15"].content.startswith("落实离退休干部阅读文件") and items["22"].points == D(5)
    kinds = {i.id: i.kind for i in snapshot.items}
    for unit in snapshot.units:  # each composite adds up from its parts: Σ categories + bonus (≤ 10) − 扣分
        bonus = sum((v for k, v in unit.items.items() if kinds[k] == "加分"), D(0))
        penalty = sum((v for k, v in unit.items.items() if kinds[k] == "扣分"), D(0))
        assert unit.composite == sum(unit.categories.values(), D(0)) + min(bonus, D(10)) - penalty
    assert [u.rank for u in typed.units if u.unit_name == "南昌县"] == [1]
