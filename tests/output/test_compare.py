"""与上年对比.xlsx, CSV and JSON, and `kaohe compare`, on the two years of tests/_compare_helpers.py."""

from __future__ import annotations

import csv
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from _compare_helpers import mapping_file, year_2022, year_2023
from _scoring_helpers import return_forms
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from kaohe_xl.analysis.years import to_dict, year_of
from kaohe_xl.campaign import Campaign
from kaohe_xl.cli.commands import main
from kaohe_xl.errors import OutputError
from kaohe_xl.output.compare import comparison_target, write_comparison
from kaohe_xl.output.compare_sheets import CATEGORY_SHEET, CHART_DATA_SHEET, CHART_SHEET, COMPARE_SHEET, ITEM_SHEET

SHEETS = [COMPARE_SHEET, CATEGORY_SHEET, ITEM_SHEET, CHART_SHEET, CHART_DATA_SHEET]


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    report = write_comparison(year_2023(), year_2022(), out=tmp_path / "对比.xlsx", mapping=mapping_file(tmp_path))
    assert report.path == tmp_path / "对比.xlsx" and report.units == 4 and report.scored == 4
    return report.path


def _values(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[list[object]]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_units_changes_and_rank_moves_in_the_summary_order(workbook: Path) -> None:
    wb = openpyxl.load_workbook(workbook, data_only=True)
    assert wb.sheetnames == SHEETS
    rows = _values(wb[COMPARE_SHEET])
    assert rows[0][0] == "测试考核2023 与2022年对比"
    intro = str(rows[1][0])
    assert intro.startswith("2023年 4 个单位，与2022年相比可比 3 个，更名 1 个，新增 1 个，2022年有而2023年无 1 个")
    assert "综合得分按原分值比较（满分 10 分）" in intro
    assert rows[2][:3] == ["编号", "单位", "综合得分"] and rows[3][2:6] == ["2023年", "2022年", "变化", "2023年"]
    body = [r[:11] for r in rows[4:9]]
    assert body == [
        ["02", "西山新村", 9.5, 7, 2.5, 1, 3, "↑2", "优秀", "合格", "2022年名为西山村"],
        ["03", "南岭村", 9, 10, -1, 2, 1, "↓1", "优秀", "优秀", None],
        ["01", "东湖村", 8, 9, -1, 3, 2, "↓1", "良好", "优秀", None],
        ["05", "新星村", 5, None, None, 4, None, "新增", "不合格", None, None],
        ["04", "北坡村", None, 5, None, None, 4, "—", None, "不合格", "2023年无此单位"],
    ]
    formulas = openpyxl.load_workbook(workbook)[COMPARE_SHEET]
    assert formulas["E5"].value == "=C5-D5"  # the change is a formula, with its result stored (above)
    assert CalamineWorkbook.from_path(str(workbook)).get_sheet_by_name(COMPARE_SHEET).to_python()[4][4] == 2.5


def test_categories_heat_mapped_with_their_means(workbook: Path) -> None:
    ws = openpyxl.load_workbook(workbook)[CATEGORY_SHEET]
    rows = _values(ws)
    assert rows[2] == ["编号", "单位", "组织领导\n(6)", "工作落实\n(4)"]
    shares = {r[1]: r[2:4] for r in rows[4:8]}
    assert shares == {
        "西山新村": [100, 87.5],
        "南岭村": [83.3, 100],
        "东湖村": [83.3, 75],
        "新星村（新增）": [66.7, 50],
    }
    assert rows[8][1:4] == ["2023年平均", 83.3, 78.1] and rows[9][1:4] == ["2022年平均", 79.2, 75]
    changes = {r[1]: r[2:4] for r in rows[11:15]}
    assert changes == {
        "西山新村": [33.3, 12.5],
        "南岭村": [-16.7, 0],
        "东湖村": [-16.7, 0],
        "新星村（新增）": [None, None],
    }
    assert rows[15][1:4] == ["平均变化", 4.1, 3.1]
    ranges = sorted(str(cf.sqref) for cf in ws.conditional_formatting)
    assert ranges == ["C12:D15", "C5:D8"]  # the unit rows of each block, not the means
    assert all(rule.colorScale is not None for cf in ws.conditional_formatting for rule in cf.rules)


def test_items_compared_new_and_removed_listed(workbook: Path) -> None:
    rows = _values(openpyxl.load_workbook(workbook)[ITEM_SHEET])
    assert rows[2] == ["编号", "类别", "考核内容", "分值", "2023年得分率", "2022年得分率", "变化（百分点）", "说明"]
    by_id = {r[0]: r for r in rows[3:]}
    assert by_id["3"][3:8] == [4, 78.1, 75, 3.1, "分值由 2 改为 4"]
    assert by_id["7"][2:8] == ["建立走访台账", 2, None, 75, None, "2023年已删除"]


def test_the_chart_plots_each_unit_over_the_years(workbook: Path) -> None:
    wb = openpyxl.load_workbook(workbook)
    assert wb[CHART_SHEET]["A1"].value == "各单位综合得分（2022年—2023年）"
    data = wb[CHART_DATA_SHEET]
    assert data.sheet_state == "hidden"  # its figures are on 与上年对比; it is not printed
    assert _values(data) == [
        ["单位", "2022年", "2023年"],  # oldest first
        ["西山新村", 7, 9.5],
        ["南岭村", 10, 9],
        ["东湖村", 9, 8],
        ["新星村", None, 5],
    ]
    with zipfile.ZipFile(workbook) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode("utf-8")
    # one series per year, named by the table's header, the units below it
    assert "<f>'_图表数据'!B1</f>" in chart and "<f>'_图表数据'!C1</f>" in chart
    assert "<f>'_图表数据'!$A$2:$A$5</f>" in chart and "<f>'_图表数据'!$C$2:$C$5</f>" in chart
    assert '<barDir val="col"/>' in chart


def test_every_sheet_prints_like_the_summary(workbook: Path) -> None:
    wb = openpyxl.load_workbook(workbook)
    titles = {COMPARE_SHEET: "$1:$4", CATEGORY_SHEET: "$1:$3", ITEM_SHEET: "$1:$3", CHART_SHEET: "$1:$1"}
    for name, rows in titles.items():
        ws = wb[name]
        setup = ws.page_setup
        assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0), name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert ws.print_title_rows == rows, name
        assert ws.oddFooter.center.text == "第 &P 页 共 &N 页", name


def test_a_scale_change_prints_shares(tmp_path: Path) -> None:
    report = write_comparison(
        year_2023(Decimal(100)), year_2022(), out=tmp_path / "x.xlsx", mapping=[("西山村", "西山新村")]
    )
    ws = openpyxl.load_workbook(report.path, data_only=True)[COMPARE_SHEET]
    assert "各年满分不同，综合得分按得分率（占满分的百分比）比较，变化为百分点" in ws["A2"].value
    assert ws["C3"].value == "综合得分率（占满分%）" and ws["E4"].value == "变化（百分点）"
    assert [ws.cell(5, c).value for c in (3, 4, 5)] == [95, 70, 25]
    assert ws["C5"].number_format == '0.00"%"'
    notes = [ws.cell(r, 1).value for r in range(10, ws.max_row + 1)]
    assert "2023年满分 100 分、2022年满分 10 分：综合得分按得分率（占满分的百分比）比较，变化为百分点" in notes


def test_csv_and_json_give_the_same(tmp_path: Path) -> None:
    mapping = mapping_file(tmp_path)
    csv_path = write_comparison(year_2023(), year_2022(), out=tmp_path / "对比.csv", mapping=mapping).path
    with csv_path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    west = rows[0]
    assert (west["unit_name"], west["match"], west["previous"], west["composite_2023"], west["composite_2022"]) == (
        "西山新村",
        "renamed",
        "西山村",
        "9.50",
        "7.00",
    )
    assert (west["composite_change"], west["rank_change"], west["rank_move"]) == ("2.50", "2", "↑2")
    assert west["category_组织领导_change"] == "33.30"
    assert [r["match"] for r in rows] == ["renamed", "same", "same", "new", "removed"]
    data = json.loads(
        write_comparison(year_2023(), year_2022(), out=tmp_path / "对比.json", mapping=mapping).path.read_text("utf-8")
    )
    assert [y["label"] for y in data["years"]] == ["2023年", "2022年"] and data["basis"] == "points"
    assert data["units"][0]["composite_change"] == 2.5 and data["units"][0]["rank_move"] == "↑2"
    assert [c["name"] for c in data["categories"]] == ["组织领导", "工作落实"]
    assert data["items"][-1] == {
        "item_id": None,
        "last_item_id": "7",
        "category": "工作落实",
        "content": "建立走访台账",
        "status": "removed",
        "share": None,
        "last_share": 75.0,
        "change": None,
        "note": "2023年已删除",
    }


def test_csv_cells_from_units_cannot_run_as_formulas(tmp_path: Path) -> None:
    this = year_of(year_2023())
    odd = type(this.units[0])("06", '=HYPERLINK("x")', None, None, "", "missing")
    this = type(this)(this.name, this.year, this.full_marks, (*this.units, odd), this.categories, this.items)
    text = write_comparison(this, year_2022(), out=tmp_path / "x.csv").path.read_text("utf-8-sig")
    assert "'=HYPERLINK" in text


@pytest.mark.parametrize(
    ("out", "fmt", "message"),
    [
        ("对比.pdf", None, "扩展名应为"),
        ("对比.csv", "json", "不符"),
        (".", None, "是一个文件夹"),
        (None, "pdf", "格式应为"),
    ],
)
def test_a_wrong_target_is_refused_before_any_work(
    tmp_path: Path, out: str | None, fmt: str | None, message: str
) -> None:
    with pytest.raises(OutputError, match=message):
        comparison_target(year_2023(), tmp_path / out if out else None, fmt)


def test_cli_compare_a_campaign_with_last_years_snapshot(campaign: Campaign, tmp_path: Path) -> None:
    return_forms(campaign, tmp_path / "inbox")
    snapshot = tmp_path / "2022年结果快照.json"
    snapshot.write_text(json.dumps(to_dict(year_of(year_2022())), ensure_ascii=False), encoding="utf-8")
    mapping = mapping_file(tmp_path, [("北坡村", "南岭村")])
    result = CliRunner().invoke(main, ["compare", str(campaign.root), "--with", str(snapshot), "--map", str(mapping)])
    assert result.exit_code == 0, result.output
    target = campaign.output_dir / "与上年对比.xlsx"
    assert f"已生成 {target}" in result.output
    assert "2023年 3 个单位，与2022年相比可比 3 个，更名 1 个，2022年有而2023年无 1 个" in result.output
    rows = _values(openpyxl.load_workbook(target, data_only=True)[COMPARE_SHEET])
    # 东湖村 11.5 (1st) against 9 (2nd); 南岭村 (北坡村 last year) has not returned: 待提交
    assert rows[4][:8] == ["01", "东湖村", 11.5, 9, 2.5, 1, 2, "↑1"]
    assert rows[6][1:4] == ["南岭村", "待提交", 5]
    json_out = tmp_path / "对比.json"
    again = CliRunner().invoke(main, ["compare", str(campaign.root), "--with", str(snapshot), "-o", str(json_out)])
    assert again.exit_code == 0 and json.loads(json_out.read_text("utf-8"))["units"][0]["unit_name"] == "东湖村"


def test_cli_compare_refuses_a_wrong_target_and_a_file_that_is_no_year(campaign: Campaign, tmp_path: Path) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text("[]", encoding="utf-8")
    bad = CliRunner().invoke(main, ["compare", str(campaign.root), "--with", str(junk), "-o", str(tmp_path / "x.pdf")])
    assert bad.exit_code == 1 and "扩展名应为" in bad.output
    wrong = CliRunner().invoke(main, ["compare", str(campaign.root), "--with", str(junk)])
    assert wrong.exit_code == 1 and "不是 kaohe 的快照或导出结果" in wrong.output
    missing = CliRunner().invoke(main, ["compare", str(campaign.root)])
    assert missing.exit_code == 2  # --with is required
