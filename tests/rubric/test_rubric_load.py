"""Loading rubrics: located problems for bad files, tolerant headers, YAML twin, WPS quirks."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import REPO, SAMPLES, SMALL_ITEMS, SMALL_SETTINGS, write_rubric_workbook, write_units_workbook

from kaohe_xl.cli.commands import main
from kaohe_xl.errors import RubricError
from kaohe_xl.rubric.load import load_rubric
from kaohe_xl.rubric.model import FormKind, ItemKind

# Column letters of conftest.write_rubric_workbook's 条目 sheet
COL = dict(
    zip(
        ["编号", "类别", "考核内容", "分值", "类型", "评分标准", "考核办法", "步长", "评分要点"],
        "ABCDEFGHI",
        strict=True,
    )
)
# Rows of its 设置 sheet (row 1 is the 项目/值 header)
SET_ROW = {key: row for row, key in enumerate(SMALL_SETTINGS, start=2)}
SMALL_CATEGORIES = [
    {"类别": "组织领导", "分值": 6},
    {"类别": "工作落实", "分值": 4},
    {"类别": "加分项目"},
    {"类别": "扣分项目"},
]


def _items(**changes: dict[str, Any]) -> list[dict[str, Any]]:
    """SMALL_ITEMS with per-row changes: ``_items(r2={"分值": "三"})`` changes sheet row 2."""
    items = copy.deepcopy(SMALL_ITEMS)
    for key, change in changes.items():
        items[int(key[1:]) - 2].update(change)
    return items


def _settings(**changes: Any) -> dict[str, Any]:
    settings = dict(SMALL_SETTINGS)
    for key, value in changes.items():
        if value is None:
            settings.pop(key)
        else:
            settings[key] = value
    return settings


def _drop_sheet(path: Path, title: str) -> None:
    wb = openpyxl.load_workbook(path)
    del wb[title]
    wb.save(path)


def _rename_header(path: Path, old: str, new: str) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["条目"]
    for cell in ws[1]:
        if cell.value == old:
            cell.value = new
    wb.save(path)


def _workbook(**kwargs: Any) -> Callable[[Path], Path]:
    return lambda path: write_rubric_workbook(path, **kwargs)


def _then(make: Callable[[Path], Path], change: Callable[[Path], None]) -> Callable[[Path], Path]:
    def build(path: Path) -> Path:
        make(path)
        change(path)
        return path

    return build


RATER_SOURCES = [
    {"来源": "考核组", "表单": "考核组评分表", "权重": 0.9},
    {"来源": "班子评分", "表单": "评分表", "权重": 0.1},
]

# (id, builder, problem code, sheet, cell): each a different way a clerk breaks a rubric
BAD_RUBRICS: list[tuple[str, Callable[[Path], Path], str, str, str]] = [
    ("duplicate_id", _workbook(items=_items(r3={"编号": "1"})), "duplicate_id", "条目", "A3"),
    ("points_text", _workbook(items=_items(r2={"分值": "三"})), "not_a_number", "条目", "D2"),
    ("unknown_kind", _workbook(items=_items(r5={"类型": "附加"})), "unknown_kind", "条目", "E5"),
    ("missing_points", _workbook(items=_items(r4={"分值": None})), "missing_points", "条目", "D4"),
    ("no_settings_sheet", _then(_workbook(), lambda p: _drop_sheet(p, "设置")), "missing_sheet", "设置", ""),
    ("no_items_sheet", _then(_workbook(), lambda p: _drop_sheet(p, "条目")), "missing_sheet", "条目", ""),
    (
        "no_id_header",
        _then(_workbook(), lambda p: _rename_header(p, "编号", "号码")),
        "missing_header",
        "条目",
        "A1:A10",
    ),
    (
        "no_points_column",
        _then(_workbook(), lambda p: _rename_header(p, "分值", "分")),
        "missing_column",
        "条目",
        "A1:I1",
    ),
    (
        "bad_grades",
        _workbook(settings=_settings(等次="优秀>90;良好>=80;不合格")),
        "bad_grades",
        "设置",
        f"B{SET_ROW['等次']}",
    ),
    (
        "grades_order",
        _workbook(settings=_settings(等次="合格>=60;优秀>=90;不合格")),
        "bad_grades",
        "设置",
        f"B{SET_ROW['等次']}",
    ),
    ("full_marks_text", _workbook(settings=_settings(满分="一百")), "not_a_number", "设置", f"B{SET_ROW['满分']}"),
    ("no_name", _workbook(settings=_settings(考核名称="  ")), "missing_setting", "设置", f"B{SET_ROW['考核名称']}"),
    ("negative_bonus_cap", _workbook(settings=_settings(加分上限=-2)), "negative", "设置", f"B{SET_ROW['加分上限']}"),
    ("zero_step", _workbook(items=_items(r4={"步长": 0})), "not_positive", "条目", "H4"),
    ("negative_points", _workbook(items=_items(r2={"分值": -4})), "not_positive", "条目", "D2"),
    ("no_content", _workbook(items=_items(r3={"考核内容": None})), "missing_content", "条目", "C3"),
    (
        "category_not_declared",
        _workbook(categories=[c for c in SMALL_CATEGORIES if c["类别"] != "工作落实"]),
        "unknown_category",
        "条目",
        "B4",
    ),
    (
        "duplicate_category",
        _workbook(categories=[*SMALL_CATEGORIES, {"类别": "组织领导", "分值": 6}]),
        "duplicate_category",
        "类别",
        "A6",
    ),
    (
        "rater_without_raters",
        _workbook(categories=[{**c, "班子评分": 1} for c in SMALL_CATEGORIES], sources=RATER_SOURCES),
        "missing_raters",
        "来源",
        "A3",
    ),
    (
        "bad_form",
        _workbook(sources=[{"来源": "考核组", "表单": "考核组评分表"}, {"来源": "督查", "表单": "问卷"}]),
        "unknown_form",
        "来源",
        "B3",
    ),
    (
        "bad_aggregation",
        _workbook(settings=_settings(多人评分="中位数")),
        "bad_setting",
        "设置",
        f"B{len(SMALL_SETTINGS) + 2}",
    ),
]


@pytest.mark.parametrize(("name", "build", "code", "sheet", "cell"), BAD_RUBRICS, ids=[b[0] for b in BAD_RUBRICS])
def test_bad_rubric_is_located(
    tmp_path: Path, name: str, build: Callable[[Path], Path], code: str, sheet: str, cell: str
) -> None:
    path = build(tmp_path / "细则.xlsx")
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    found = [(p.code, p.sheet, p.cell) for p in caught.value.problems if p.is_error]
    assert (code, sheet, cell) in found, found
    assert all(p.file == "细则.xlsx" for p in caught.value.problems)
    # the message names the place, so a clerk can go there
    location = f"细则.xlsx {sheet}!{cell}" if cell else f"细则.xlsx {sheet}"
    assert location in str(caught.value)


@pytest.mark.parametrize(
    ("name", "build", "code", "sheet", "cell"), BAD_RUBRICS[:10], ids=[b[0] for b in BAD_RUBRICS[:10]]
)
def test_cli_init_bad_rubric_prints_location_not_traceback(
    tmp_path: Path, name: str, build: Callable[[Path], Path], code: str, sheet: str, cell: str
) -> None:
    rubric = build(tmp_path / "细则.xlsx")
    units = write_units_workbook(tmp_path / "单位.xlsx")
    target = tmp_path / "campaign"
    result = CliRunner().invoke(main, ["init", str(target), "--rubric", str(rubric), "--units", str(units)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert code in result.output
    assert (f"{sheet}!{cell}" if cell else sheet) in result.output
    assert not target.exists()  # a bad rubric leaves no folder behind


def test_cli_init_bad_rubric_subprocess(tmp_path: Path) -> None:
    """The installed entry point, as a clerk runs it: one located message, exit 1."""
    rubric = write_rubric_workbook(tmp_path / "细则.xlsx", items=_items(r3={"编号": "1"}))
    units = write_units_workbook(tmp_path / "单位.xlsx")
    proc = subprocess.run(
        [sys.executable, "-m", "kaohe_xl", "init", str(tmp_path / "c"), "--rubric", str(rubric), "--units", str(units)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPO,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "细则.xlsx 条目!A3" in proc.stderr and "duplicate_id" in proc.stderr


def test_all_errors_are_reported_at_once(tmp_path: Path) -> None:
    items = _items(r2={"分值": "三"}, r3={"编号": "1"}, r5={"类型": "附加"})
    path = write_rubric_workbook(tmp_path / "细则.xlsx", items=items, settings=_settings(等次="优秀>90"))
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    codes = sorted(p.code for p in caught.value.problems if p.is_error)
    assert codes == ["bad_grades", "duplicate_id", "not_a_number", "unknown_kind"]


def test_category_points_mismatch_is_a_warning(tmp_path: Path) -> None:
    categories = [{"类别": "组织领导", "分值": 5}, *SMALL_CATEGORIES[1:]]
    path = write_rubric_workbook(tmp_path / "细则.xlsx", categories=categories)
    rubric = load_rubric(path)
    warnings = [(w.code, w.sheet, w.cell, w.value) for w in rubric.warnings]
    assert ("category_points_mismatch", "类别", "B2", "5") in warnings
    # the category cap is what counts
    assert rubric.scored_categories[0].cap == Decimal(5)
    assert ("full_marks_mismatch", "设置", f"B{SET_ROW['满分']}", "10") in warnings


def test_cap_flag_declares_items_above_the_category_points(tmp_path: Path) -> None:
    """封顶 是: the items may add up to more than the category (最高不超过…分); no warning then."""
    categories = [
        {"类别": "组织领导", "分值": 5, "封顶": "是"},  # items 6 > 5: declared
        {"类别": "工作落实", "分值": 5, "封顶": "是"},  # items 4 < 5: still a mismatch
        *SMALL_CATEGORIES[2:],
    ]
    path = write_rubric_workbook(tmp_path / "细则.xlsx", categories=categories, settings=_settings(满分=10))
    rubric = load_rubric(path)
    assert [(w.code, w.cell) for w in rubric.warnings] == [("category_points_mismatch", "B3")]
    assert "封顶" not in rubric.warnings[0].message  # the hint is for items above the points only
    assert [c.cap for c in rubric.scored_categories] == [Decimal(5), Decimal(5)]


def test_category_above_its_points_hints_at_the_cap_flag(tmp_path: Path) -> None:
    categories = [{"类别": "组织领导", "分值": 5}, *SMALL_CATEGORIES[1:]]
    rubric = load_rubric(
        write_rubric_workbook(tmp_path / "细则.xlsx", categories=categories, settings=_settings(满分=9))
    )
    [warning] = rubric.warnings
    assert warning.code == "category_points_mismatch" and "请在“封顶”列填“是”" in warning.message


@pytest.mark.parametrize(
    ("flag", "warned"),
    [("否", True), ("", True), ("Y", False), (True, False), (1, False), (" 是 ", False)],
)
def test_cap_flag_spellings(tmp_path: Path, flag: Any, warned: bool) -> None:
    categories = [{"类别": "组织领导", "分值": 5, "封顶": flag}, *SMALL_CATEGORIES[1:]]
    rubric = load_rubric(
        write_rubric_workbook(tmp_path / "细则.xlsx", categories=categories, settings=_settings(满分=9))
    )
    assert [w.code for w in rubric.warnings] == (["category_points_mismatch"] if warned else [])


def test_cap_flag_errors_and_warnings_are_located(tmp_path: Path) -> None:
    categories = [
        {"类别": "组织领导", "分值": 5, "封顶": "可能"},
        {"类别": "工作落实", "封顶": "是"},  # no points to cap at
        *SMALL_CATEGORIES[2:],
    ]
    path = write_rubric_workbook(tmp_path / "细则.xlsx", categories=categories, settings=_settings(满分=10))
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    found = [(p.code, p.sheet, p.cell, p.value, p.is_error) for p in caught.value.problems]
    assert ("bad_flag", "类别", "C2", "可能", True) in found
    assert ("cap_flag_without_points", "类别", "C3", "是", False) in found


def test_cap_flag_in_yaml(tmp_path: Path) -> None:
    path = tmp_path / "细则.yaml"
    path.write_text(
        "设置:\n  考核名称: 测试\n  满分: 5\n类别:\n  - {类别: 甲, 分值: 5, 封顶: true}\n"
        "条目:\n  - {编号: 1, 类别: 甲, 考核内容: 甲项, 分值: 4}\n  - {编号: 2, 类别: 甲, 考核内容: 乙项, 分值: 2.5}\n",
        encoding="utf-8",
    )
    rubric = load_rubric(path)
    assert rubric.warnings == () and rubric.scored_categories[0].cap == Decimal(5)


def test_header_variants_are_accepted(tmp_path: Path) -> None:
    """Spaces inside/around headers, full-width letters/spaces, aliases, a title row above."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = " 条目 "
    ws.append(["测试考核细则"])  # a title row above the header
    ws.append(["ＩＤ", " 类 别 ", "考核内容", " 分 值 ", "类型\u3000", "评分标准", "考核方法", "步长", "评分要点"])
    for it in SMALL_ITEMS:
        ws.append([it.get(k) for k in COL])
    st = wb.create_sheet("设置")
    for key, value in SMALL_SETTINGS.items():
        st.append([f" {key}：", value])  # trailing full-width colon, leading space
    wb.save(tmp_path / "variants.xlsx")
    reference = load_rubric(write_rubric_workbook(tmp_path / "plain.xlsx"))
    rubric = load_rubric(tmp_path / "variants.xlsx")
    assert rubric.items == reference.items
    assert rubric.settings == reference.settings
    assert rubric.item("3").method == "查台账" and rubric.item("3").step == Decimal("0.5")


def test_duplicate_header_is_located(tmp_path: Path) -> None:
    path = write_rubric_workbook(tmp_path / "细则.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["条目"]["J1"] = "分数"  # an alias of 分值: two columns would mean the same thing
    wb.save(path)
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    assert [(p.code, p.cell) for p in caught.value.problems if p.is_error] == [("duplicate_column", "J1")]


def test_merged_category_cells(tmp_path: Path) -> None:
    """Category written once and merged down, as printed rubrics do."""
    items = copy.deepcopy(SMALL_ITEMS)
    items[1]["类别"] = None
    items[5]["类别"] = None
    path = write_rubric_workbook(tmp_path / "细则.xlsx", items=items)
    wb = openpyxl.load_workbook(path)
    wb["条目"].merge_cells("B2:B3")
    wb["条目"].merge_cells("B6:B7")
    wb.save(path)
    rubric = load_rubric(path)
    assert [i.category for i in rubric.items] == [
        "组织领导",
        "组织领导",
        "工作落实",
        "加分项目",
        "扣分项目",
        "扣分项目",
    ]
    assert rubric == load_rubric(write_rubric_workbook(tmp_path / "plain.xlsx"))


def test_wps_wrong_dimension(tmp_path: Path) -> None:
    """A workbook whose sheet XML claims <dimension ref="A1"/> (as WPS writes) loads fully."""
    good = write_rubric_workbook(tmp_path / "good.xlsx")
    bad = tmp_path / "wps_saved.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1"/>', data)
            dst.writestr(info, data)
    # the quirk is real: read-only openpyxl without reset_dimensions sees one cell
    wb = openpyxl.load_workbook(bad, read_only=True)
    assert wb["条目"].max_row == 1 and wb["条目"].max_column == 1
    wb.close()
    assert load_rubric(bad) == load_rubric(good)


def test_nanchang_yaml_twin_equals_workbook() -> None:
    from_xlsx = load_rubric(SAMPLES / "南昌老干部" / "细则.xlsx")
    from_yaml = load_rubric(SAMPLES / "南昌老干部" / "细则.yaml")
    assert from_yaml == from_xlsx
    assert from_yaml.content_hash() == from_xlsx.content_hash()
    assert from_yaml.warnings == from_xlsx.warnings == ()


def test_yaml_problems_are_located(tmp_path: Path) -> None:
    path = tmp_path / "细则.yaml"
    path.write_text(
        "设置:\n  考核名称: 测试\n  满分: 10\n"
        "条目:\n  - {编号: 1, 类别: 甲, 考核内容: 甲项, 分值: 6}\n  - {编号: 2, 类别: 甲, 考核内容: 乙项, 分值: 四}\n",
        encoding="utf-8",
    )
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    problem = caught.value.problems[0]
    assert (problem.code, problem.sheet, problem.cell, problem.value) == ("not_a_number", "条目", "[2].分值", "四")
    assert "细则.yaml 条目![2].分值" in str(caught.value)


def test_yaml_syntax_error_is_a_rubric_error(tmp_path: Path) -> None:
    path = tmp_path / "细则.yaml"
    path.write_text("设置:\n  考核名称: [未闭合\n", encoding="utf-8")
    with pytest.raises(RubricError, match="YAML 格式错误"):
        load_rubric(path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("细则.xls", b"\xd0\xcf\x11\xe0", "另存为"),
        ("细则.xlsx", b"not a zip", "无法打开"),
        ("细则.docx", b"", "不支持"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RubricError, match=message):
        load_rubric(path)


def test_small_rubric_model(rubric_path: Path) -> None:
    rubric = load_rubric(rubric_path)
    assert [i.kind for i in rubric.items] == [ItemKind.BASE] * 3 + [ItemKind.BONUS, ItemKind.PENALTY, ItemKind.VETO]
    assert rubric.item("6").points is None
    assert [(s.name, s.form, s.weight) for s in rubric.sources] == [
        ("自评", FormKind.SELF, Decimal(0)),
        ("考核组", FormKind.ASSESSOR, Decimal(1)),
    ]
    assert rubric.settings.grade_for(Decimal("8.5")) == "良好"
    assert rubric.settings.grade_for(Decimal("1")) == "不合格"
    assert rubric.step_of(rubric.item("3")) == Decimal("0.5")
    assert rubric.warnings == ()


def test_zero_diff_threshold_is_kept(tmp_path: Path) -> None:
    rubric = load_rubric(write_rubric_workbook(tmp_path / "r.xlsx", settings=_settings(差异阈值=0)))
    assert rubric.settings.diff_threshold == Decimal(0)


def test_veto_points_and_unknown_columns_warn(tmp_path: Path) -> None:
    path = write_rubric_workbook(tmp_path / "细则.xlsx", items=_items(r7={"分值": 3}))
    wb = openpyxl.load_workbook(path)
    wb["条目"]["J1"] = "备注"
    wb.save(path)
    rubric = load_rubric(path)
    assert rubric.item("6").points is None
    assert {(w.code, w.cell) for w in rubric.warnings} == {("veto_points_ignored", "D7"), ("unknown_column", "J1")}


def test_rater_source_columns(tmp_path: Path) -> None:
    sources = [*RATER_SOURCES]
    sources[1] = {**sources[1], "评分人": "张三、李四，王五"}
    categories = [{**c, "班子评分": m} for c, m in zip(SMALL_CATEGORIES, (6, 4, None, None), strict=True)]
    rubric = load_rubric(write_rubric_workbook(tmp_path / "r.xlsx", categories=categories, sources=sources))
    rater = rubric.source("班子评分")
    assert rater.raters == ("张三", "李四", "王五")
    assert rubric.source_full_marks(rater) == Decimal(10)
    # a 来源 sheet without a 自评表 source means no self-assessment (it used to add one)
    assert rubric.self_source is None and rubric.sources_of(FormKind.SELF) == ()
