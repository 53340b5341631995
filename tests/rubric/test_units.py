"""The units list: xlsx and csv (UTF-8 with BOM, GBK), header tolerance, located problems."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from conftest import SMALL_UNITS, write_units_workbook

from kaohe_xl.errors import CampaignError
from kaohe_xl.rubric.model import DEFAULT_GROUP, Unit
from kaohe_xl.rubric.units import load_units, write_units_csv

EXPECTED = [
    Unit("01", "东湖村", "村", ("donghu@example.cn",), "第一考核组"),
    Unit("02", "西山村", "村", ("xishan@example.cn", "xs2@example.cn"), "第一考核组"),
    Unit("03", "南岭村", "村", ("nanling@example.cn",), "第二考核组"),
]
CSV_TEXT = "编号,单位名称,分组,邮箱,考核组\n01,东湖村,村,donghu@example.cn,第一考核组\n02,西山村,村,xishan@example.cn;xs2@example.cn,第一考核组\n03,南岭村,村,nanling@example.cn,第二考核组\n"


def test_xlsx(units_path: Path) -> None:
    assert load_units(units_path) == EXPECTED


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
def test_csv_encodings(tmp_path: Path, encoding: str) -> None:
    """Excel saves "CSV UTF-8" with a BOM and plain "CSV" in GBK on Chinese Windows."""
    path = tmp_path / "单位.csv"
    path.write_bytes(CSV_TEXT.encode(encoding))
    if encoding == "utf-8-sig":
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert load_units(path) == EXPECTED


def test_csv_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_units_csv(EXPECTED, path)
    assert load_units(path) == EXPECTED


def test_several_addresses_any_separator(tmp_path: Path) -> None:
    units = [
        {
            "编号": "01",
            "单位名称": "甲村",
            "邮箱": "a@example.cn；b@example.cn，c@example.cn、d@example.cn e@example.cn",
        }
    ]
    (unit,) = load_units(write_units_workbook(tmp_path / "u.xlsx", units))
    assert unit.emails == tuple(f"{x}@example.cn" for x in "abcde")
    assert unit.assessor_group == DEFAULT_GROUP  # blank 考核组 -> the one default group


def test_full_width_address_is_folded(tmp_path: Path) -> None:
    units = [{"编号": "01", "单位名称": "甲村", "邮箱": "ａｂｃ＠example.cn"}]
    (unit,) = load_units(write_units_workbook(tmp_path / "u.xlsx", units))
    assert unit.emails == ("abc@example.cn",)


def test_duplicate_id_is_located(tmp_path: Path) -> None:
    units = [*SMALL_UNITS, {"编号": "02", "单位名称": "北坡村"}]
    with pytest.raises(CampaignError) as caught:
        load_units(write_units_workbook(tmp_path / "单位.xlsx", units))
    text = str(caught.value)
    assert "duplicate_id" in text and "单位.xlsx 单位!A5" in text and "首次在 A3" in text


def test_bad_emails_are_located(tmp_path: Path) -> None:
    units = [
        {"编号": "01", "单位名称": "甲村", "邮箱": "ok@example.cn;not-an-address"},
        {"编号": "02", "单位名称": "乙村", "邮箱": "a@@example.cn"},
    ]
    with pytest.raises(CampaignError) as caught:
        load_units(write_units_workbook(tmp_path / "单位.xlsx", units))
    text = str(caught.value)
    assert "2 处问题" in text
    assert (
        "单位!D2" in text
        and "not-an-address" in text
        and "ok@example.cn" not in text.split("单位!D2")[1].split("\n")[0]
    )
    assert "单位!D3" in text and "a@@example.cn" in text


def test_missing_name_is_located(tmp_path: Path) -> None:
    units = [{"编号": "01", "单位名称": "甲村"}, {"编号": "02"}]
    with pytest.raises(CampaignError, match=r"单位!B3.*单位名称不能为空"):
        load_units(write_units_workbook(tmp_path / "单位.xlsx", units))


def test_header_aliases_title_row_and_numeric_ids(tmp_path: Path) -> None:
    """A 说明 sheet first, a title row, aliased headers with spaces, ids typed as numbers."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "说明"
    ws.append(["请在“名单”表中填写单位"])
    names = wb.create_sheet("名单")
    names.append(["2023年考核单位名单"])
    names.append([" 单位编号 ", "单 位", "E-mail", "考核组"])
    names.append([1, "甲村", "a@example.cn", "一组"])
    names.append([2.0, "乙村", None, "二组"])
    names.append([None, None, None, None])  # blank rows are skipped
    wb.save(tmp_path / "u.xlsx")
    units = load_units(tmp_path / "u.xlsx")
    assert [(u.id, u.name, u.emails, u.assessor_group) for u in units] == [
        ("1", "甲村", ("a@example.cn",), "一组"),
        ("2", "乙村", (), "二组"),
    ]


def test_leading_zero_text_ids_are_kept(tmp_path: Path) -> None:
    (unit,) = load_units(write_units_workbook(tmp_path / "u.xlsx", [{"编号": "007", "单位名称": "甲村"}]))
    assert unit.id == "007"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("u.csv", "名称,邮箱\n甲村,a@example.cn\n", "找不到表头“编号”"),
        ("u.csv", "编号,邮箱\n01,a@example.cn\n", "缺少“单位名称”列"),
        ("u.csv", "编号,单位名称\n", "没有任何单位"),
        ("u.xls", "", "另存为"),
        ("u.txt", "", "应为 .xlsx 或 .csv"),
    ],
)
def test_unusable_lists(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CampaignError, match=message):
        load_units(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CampaignError, match="找不到单位名单"):
        load_units(tmp_path / "nope.xlsx")
