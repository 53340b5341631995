"""反馈表: one per unit, item by item, every deduction with its reason, print-ready."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from _scoring_helpers import return_forms
from click.testing import CliRunner

from kaohe_xl.campaign import Campaign
from kaohe_xl.cli import main
from kaohe_xl.feedback import FEEDBACK_SHEET, write_feedback


def _rows(path: Path) -> list[list[object]]:
    ws = openpyxl.load_workbook(path)[FEEDBACK_SHEET]
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_one_feedback_per_unit_with_items_deductions_and_rank(campaign: Campaign, tmp_path: Path) -> None:
    return_forms(campaign, tmp_path / "inbox")
    paths = write_feedback(campaign)
    folder = campaign.output_dir / "反馈表"
    assert [p.name for p in paths] == ["01_东湖村_反馈表.xlsx", "02_西山村_反馈表.xlsx", "03_南岭村_反馈表.xlsx"]
    assert all(p.parent == folder for p in paths)
    rows = _rows(paths[1])  # 西山村: assessors 2 / 2 / 2.5 against self 3 / 2 / 3
    flat = [v for row in rows for v in row if v is not None]
    assert "单位：西山村（编号 02）" in flat[1]
    assert ["扣分", None, "0.00", None, "综合得分", None, "6.50", None] in rows
    assert ["等次", None, "合格", None, "排名", None, "第 2 名（共 2 个单位）", None] in rows
    item1 = next(r for r in rows if r[0] == "1" and r[2] == "召开专题会议" and r[3] == 4)
    assert item1[4:8] == [3, 2, 1, "少开两次会"]  # 自评 3, 考核 2, 差异 1, reason
    start = next(i for i, r in enumerate(rows) if r[0] and str(r[0]).startswith("扣分明细"))
    assert rows[start][0] == "扣分明细（共 2 项）"
    deductions = [(r[0], r[3], r[7]) for r in rows[start + 2 : start + 4]]
    # item 1: 4 − 2 = 2 taken off; item 3: 4 − 2.5 = 1.5
    assert deductions == [("1", "扣 2.00 分", "少开两次会"), ("3", "扣 1.50 分", "走访台账缺失")]
    ws = openpyxl.load_workbook(paths[1])[FEEDBACK_SHEET]
    assert ws.page_setup.orientation == "portrait" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth == 1 and ws.oddFooter.center.text == "第 &P 页 共 &N 页"


def test_feedback_of_a_unit_still_owing_returns(campaign: Campaign, tmp_path: Path) -> None:
    return_forms(campaign, tmp_path / "inbox")
    rows = _rows(write_feedback(campaign)[2])
    flat = [v for row in rows for v in row if v is not None]
    assert "待提交" in flat and "不参加排名" in flat
    assert "0.00" not in flat  # never a silent 0


def test_cli_feedback(campaign: Campaign, tmp_path: Path) -> None:
    return_forms(campaign, tmp_path / "inbox")
    result = CliRunner().invoke(main, ["feedback", str(campaign.root)])
    assert result.exit_code == 0, result.output
    assert "已生成 3 份反馈表" in result.output
    assert len(list((campaign.output_dir / "反馈表").glob("*.xlsx"))) == 3
