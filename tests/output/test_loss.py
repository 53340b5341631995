"""失分分析 in the 汇总 workbook and the weakest items on each 反馈表 (tests/_compare_helpers.py's 2023)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from _compare_helpers import year_2023
from _scoring_helpers import return_forms

from kaohe_xl.analysis.frames import loss_frame
from kaohe_xl.campaign import Campaign
from kaohe_xl.output.feedback import FEEDBACK_SHEET, build_feedback, write_feedback
from kaohe_xl.output.loss import LOSS_SHEET, WEAKEST_TITLE
from kaohe_xl.output.sheet_styles import TOP_FILL
from kaohe_xl.output.summary import build_summary
from kaohe_xl.scoring.engine import Results
from kaohe_xl.scoring.reconcile import reconcile


def _sheet(tmp_path: Path) -> openpyxl.worksheet.worksheet.Worksheet:
    results = year_2023()
    path = tmp_path / "汇总表.xlsx"
    build_summary(results, reconcile(results), [], []).save(path)
    return openpyxl.load_workbook(path)[LOSS_SHEET]


def test_loss_sheet_categories_then_items_by_points_lost(tmp_path: Path) -> None:
    ws = _sheet(tmp_path)
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0][0] == "测试考核2023失分分析（考核组得分，4 个单位）"
    assert rows[2] == [
        "名次",
        "编号",
        "类别",
        "考核内容",
        "分值",
        "平均得分率",
        "失分单位数",
        "失分合计",
        "主要扣分原因（单位数）",
    ]
    assert rows[3][0].startswith("一、各类别失分")
    assert rows[4] == [
        1,
        "—",
        "组织领导",
        "全类别（失分最多的是条目 1，失 3 分）",
        6,
        0.8333,
        3,
        4,
        "会议记录不全（2个单位）；方案未印发（1个单位）",
    ]
    assert rows[5][:8] == [2, "—", "工作落实", "全类别（失分最多的是条目 3，失 3.5 分）", 4, 0.7813, 3, 3.5]
    assert rows[6][0].startswith("二、各条目失分")
    items = [r[:9] for r in rows[7:11]]
    assert items == [
        [1, "3", "工作落实", "走访慰问", 4, 0.7813, 3, 3.5, "走访台账缺失（3个单位）"],
        [2, "1", "组织领导", "召开专题会议", 4, 0.8125, 2, 3, "会议记录不全（2个单位）"],
        [3, "2", "组织领导", "制定工作方案", 2, 0.875, 1, 1, "方案未印发（1个单位）"],
        [4, "5", "扣分项目", "发生集体上访", 5, 0.95, 1, 1, "发生集体上访（1个单位）"],
    ]
    assert ws["F8"].number_format == "0.0%"  # shares are numbers, shown as 78.1%
    assert all(ws.cell(r, 4).fill.fgColor.rgb.endswith(TOP_FILL.fgColor.rgb[-6:]) for r in range(8, 12))
    assert not ws.cell(5, 4).fill.fgColor.rgb.endswith(TOP_FILL.fgColor.rgb[-6:])  # categories are not highlighted


def test_loss_sheet_prints_like_the_summary(tmp_path: Path) -> None:
    ws = _sheet(tmp_path)
    setup = ws.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == "$1:$3"
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页" and ws.freeze_panes == "C4"


def _feedback_rows(results: Results, unit_id: str, tmp_path: Path) -> list[list[object]]:
    path = tmp_path / f"{unit_id}.xlsx"
    build_feedback(results, reconcile(results), unit_id).save(path)
    return [[c.value for c in row] for row in openpyxl.load_workbook(path)[FEEDBACK_SHEET].iter_rows()]


def test_each_feedback_gets_its_three_weakest_items(tmp_path: Path) -> None:
    results = year_2023()
    rows = _feedback_rows(results, "05", tmp_path)
    start = next(n for n, r in enumerate(rows) if r[0] == WEAKEST_TITLE)
    assert rows[start + 1] == ["编号", "类别", "考核内容", "分值", "得分", "失分", "全体平均得分率", "扣分原因"]
    assert rows[start + 2 : start + 5] == [
        ["1", "组织领导", "召开专题会议", 4, 2, 2, 0.8125, "会议记录不全"],
        ["3", "工作落实", "走访慰问", 4, 2, 2, 0.7813, "走访台账缺失，扣2分"],
        ["5", "扣分项目", "发生集体上访", 5, 4, 1, 0.95, "发生集体上访"],
    ]
    assert rows[start + 5][0] is None or not str(rows[start + 5][0]).isdigit()  # three, no more
    west = _feedback_rows(results, "02", tmp_path)
    at = next(n for n, r in enumerate(west) if r[0] == WEAKEST_TITLE)
    assert west[at + 2][0] == "3" and west[at + 3][0] != "1"  # 西山新村 lost points on item 3 only


def test_feedback_of_a_unit_not_yet_scored_says_so(campaign: Campaign, tmp_path: Path) -> None:
    return_forms(campaign, tmp_path / "inbox")
    report = write_feedback(campaign)
    cells = [c.value for row in openpyxl.load_workbook(report.files[2])[FEEDBACK_SHEET].iter_rows() for c in row]
    assert WEAKEST_TITLE in cells and "考核组评分表尚未收到或待核实，暂无失分分析。" in cells
    east = [c.value for row in openpyxl.load_workbook(report.files[0])[FEEDBACK_SHEET].iter_rows() for c in row]
    assert "会议记录不全" in east  # 东湖村's item 1: assessors 3 and 4 → 3.5, 0.5 lost
    frame = loss_frame(campaign)
    assert frame.loc[frame["item_id"] == "1", "points_lost"].item() == 2.5  # 东湖村 4 − 3.5 + 西山村 4 − 2
    assert set(loss_frame(campaign, by="unit")["unit_id"]) == {"01", "02"}
