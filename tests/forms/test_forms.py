"""Generated workbooks reloaded with openpyxl: the layout contract, protection, validation,
print settings, signed metadata, stamping == direct build, rater and assessor forms."""

from __future__ import annotations

import io
import re
import shutil
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from _forms_helpers import cells_snapshot, header, id_rows, total_rows
from click.testing import CliRunner
from conftest import RATER_CATEGORIES, SAMPLES, SMALL_ITEMS, SMALL_SETTINGS, FakeTerminal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaohe_xl.atomic import save_workbook
from kaohe_xl.campaign import Campaign
from kaohe_xl.cli.commands import main
from kaohe_xl.forms import layout
from kaohe_xl.forms.generate import (
    build_self_workbook,
    form_context,
    generate_assessor_forms,
    generate_forms,
    generate_rater_forms,
    generate_self_form,
    self_prototype,
    stamp_self,
)
from kaohe_xl.forms.parts import FormContext
from kaohe_xl.forms.styles import campaign_template, default_template
from kaohe_xl.rubric.model import FormKind, ItemKind, Unit
from kaohe_xl.xlsx.stamp import Prototype

RATER_SOURCES = [
    {"来源": "自评", "表单": "自评表", "权重": 0},
    {"来源": "考核组", "表单": "考核组评分表", "权重": 0.9, "折算分制": 1000},
    {"来源": "班子评分", "表单": "评分表", "权重": 0.1, "折算分制": 1000, "评分人": "张书记、李镇长"},
]


def load(path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path)


def meta_of(wb: openpyxl.Workbook) -> dict[str, str]:
    ws = wb[layout.META_SHEET]
    return {str(k): "" if v is None else str(v) for k, v in ws.iter_rows(max_col=2, values_only=True)}


def template_cell(wb: openpyxl.Workbook, name: str) -> openpyxl.cell.cell.Cell:
    (title, ref), *_ = list(wb.defined_names[name].destinations)
    return wb[title][ref.replace("$", "")]


@pytest.fixture
def self_form(campaign: Campaign) -> Path:
    report = generate_forms(campaign, [FormKind.SELF])
    return report.paths(FormKind.SELF)[0]


# ---- 自评表 -----------------------------------------------------------------------------------
def test_self_form_sheets_headers_and_item_ids(campaign: Campaign, self_form: Path) -> None:
    assert self_form == campaign.forms_dir / "自评表" / "01_东湖村_自评表.xlsx"
    wb = load(self_form)
    assert wb.sheetnames == [layout.INSTRUCTIONS_SHEET, layout.SELF_SHEET, layout.LISTS_SHEET, layout.META_SHEET]
    states = {ws.title: ws.sheet_state for ws in wb.worksheets}
    assert states == {"说明": "visible", "自评表": "visible", "_lists": "hidden", "_kaohe": "veryHidden"}
    ws = wb[layout.SELF_SHEET]
    top, cols = header(ws)
    assert [ws.cell(row=top, column=c).value for c in range(1, len(layout.SELF_COLUMNS) + 1)] == list(
        layout.SELF_COLUMNS
    )
    assert list(id_rows(ws)) == [item["编号"] for item in SMALL_ITEMS]
    titles = " ".join(str(ws.cell(row=r, column=1).value) for r in range(1, top))
    assert "2023年度测试考核" in titles and "东湖村" in titles and "自评表" in titles
    # every item row names its category (a merged category cell would be cut by a page
    # break: issue 12), no cell is merged over several rows; a 小计 row follows each category
    rows = id_rows(ws)
    assert [ws.cell(row=rows[i], column=cols["类别"]).value for i in ("1", "2", "3")] == [
        "组织领导",
        "组织领导",
        "工作落实",
    ]
    assert all(r.min_row == r.max_row for r in ws.merged_cells.ranges)
    assert ws.cell(row=rows["2"] + 1, column=cols["类别"]).value == "组织领导 小计"
    assert ws.cell(row=rows["2"] + 1, column=cols["编号"]).value is None
    notes = wb[layout.INSTRUCTIONS_SHEET]
    text = "\n".join(str(c.value) for row in notes.iter_rows() for c in row if c.value)
    for needed in ("2023年12月31日", "王老师", "请勿重命名", "东湖村"):
        assert needed in text


def test_self_form_points_rule_method_and_kinds(campaign: Campaign, self_form: Path) -> None:
    ws = load(self_form)[layout.SELF_SHEET]
    _, cols = header(ws)
    rows = id_rows(ws)
    for item in campaign.rubric.items:
        row = rows[item.id]
        assert ws.cell(row=row, column=cols["考核内容"]).value == item.content
        expected = None if item.points is None else float(item.points)
        assert ws.cell(row=row, column=cols["分值"]).value == expected
        assert item.rule in str(ws.cell(row=row, column=cols["评分标准"]).value)
    assert "扣分项" in ws.cell(row=rows["5"], column=cols["评分标准"]).value
    assert "否决项" in ws.cell(row=rows["6"], column=cols["评分标准"]).value
    sig_row = max(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=2).value == "单位负责人签字：")
    assert any("填报日期" in str(ws.cell(row=sig_row, column=c).value) for c in range(3, ws.max_column + 1))


def test_only_input_cells_unlocked_and_marked(campaign: Campaign, self_form: Path) -> None:
    wb = load(self_form)
    ws = wb[layout.SELF_SHEET]
    _, cols = header(ws)
    rows = set(id_rows(ws).values())
    inputs = {(r, cols[layout.H_SELF_SCORE]) for r in rows} | {(r, cols[layout.H_SELF_NOTE]) for r in rows}
    unlocked = {(c.row, c.column) for row in ws.iter_rows() for c in row if not c.protection.locked}
    assert unlocked == inputs
    input_fill = template_cell(openpyxl.load_workbook(default_template()), "KH_STYLE_INPUT").fill.fgColor.rgb
    assert input_fill not in ("00000000", None)
    assert {ws.cell(row=r, column=c).fill.fgColor.rgb for r, c in inputs} == {input_fill}
    assert ws.protection.sheet and not ws.protection.formatColumns
    assert wb.security is not None and wb.security.lockStructure
    assert all(wb[name].protection.sheet for name in (layout.INSTRUCTIONS_SHEET, layout.SELF_SHEET))


def test_data_validation_on_every_input_cell(campaign: Campaign, self_form: Path) -> None:
    wb = load(self_form)
    ws = wb[layout.SELF_SHEET]
    _, cols = header(ws)
    rows = id_rows(ws)
    score = openpyxl.utils.get_column_letter(cols[layout.H_SELF_SCORE])
    for item in campaign.rubric.items:
        cell = f"{score}{rows[item.id]}"
        found = [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]
        assert len(found) == 1, cell
        dv = found[0]
        assert dv.showErrorMessage and dv.errorTitle and re.search(r"[\u4e00-\u9fff]", dv.error)
        if item.kind is ItemKind.VETO:
            assert (dv.type, dv.formula1) == ("list", layout.NAME_VETO_LIST)
        else:
            assert (dv.type, dv.operator, dv.formula1) == ("decimal", "between", "0")
            assert Decimal(dv.formula2) == item.points
            assert f"0 到 {dv.formula2} 之间" in dv.error
    note = openpyxl.utils.get_column_letter(cols[layout.H_SELF_NOTE])
    assert all(any(f"{note}{r}" in dv.sqref for dv in ws.data_validations.dataValidation) for r in rows.values())
    # the 是/否 list lives on the hidden sheet, reached through the defined name
    (title, ref), *_ = list(wb.defined_names[layout.NAME_VETO_LIST].destinations)
    assert title == layout.LISTS_SHEET
    assert [c.value for (c,) in wb[title][ref.replace("$", "")]] == list(layout.VETO_OPTIONS)


def test_conditional_formats_paint_invalid_values(campaign: Campaign, self_form: Path) -> None:
    ws = load(self_form)[layout.SELF_SHEET]
    _, cols = header(ws)
    rows = id_rows(ws)
    score = openpyxl.utils.get_column_letter(cols[layout.H_SELF_SCORE])
    points = openpyxl.utils.get_column_letter(cols[layout.H_POINTS])
    rules = [(r.sqref, rule) for r in ws.conditional_formatting for rule in r.rules]
    for item in campaign.rubric.items:
        cell = f"{score}{rows[item.id]}"
        matching = [rule for sqref, rule in rules if cell in sqref]
        assert len(matching) == 1, cell
        (formula,) = matching[0].formula
        assert matching[0].dxf.fill.fgColor.rgb.endswith("FFC7CE")
        if item.kind is ItemKind.VETO:
            assert '<>"是"' in formula and '<>"否"' in formula
        else:
            assert "NOT(ISNUMBER(" in formula and "<0" in formula and f">${points}" in formula
    # item 3 has step 0.5, the others the default 0.1: two step groups
    steps = [rule.formula[0] for _, rule in rules if "ROUND" in rule.formula[0]]
    assert sorted(re.search(r"/([\d.]+)-ROUND", f).group(1) for f in steps) == ["0.1", "0.5"]  # type: ignore[union-attr]


def test_subtotal_and_total_formulas(campaign: Campaign, self_form: Path) -> None:
    ws = load(self_form)[layout.SELF_SHEET]
    _, cols = header(ws)
    rows = id_rows(ws)
    g = openpyxl.utils.get_column_letter(cols[layout.H_SELF_SCORE])
    sub = rows["2"] + 1
    assert ws.cell(row=sub, column=cols[layout.H_SELF_SCORE]).value == f"=MIN(SUM({g}{rows['1']}:{g}{rows['2']}),6)"
    totals = total_rows(ws)
    assert set(totals) == {"基础分", "加分", "扣分", "总分", "一票否决"}
    cell = {k: ws.cell(row=r, column=cols[layout.H_SELF_SCORE]).value for k, r in totals.items()}
    assert cell["加分"] == f"=IF({g}{totals['基础分']}>=6,MIN(SUM({g}{rows['4']}),2),0)"
    assert cell["扣分"] == f"=SUM({g}{rows['5']})"
    assert cell["总分"] == f"=MAX({g}{totals['基础分']}+{g}{totals['加分']}-{g}{totals['扣分']},0)"


def test_print_settings(self_form: Path) -> None:
    wb = load(self_form)
    ws = wb[layout.SELF_SHEET]
    top, _ = header(ws)
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == f"${top}:${top}"
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    assert ws.freeze_panes == f"A{top + 1}"
    assert ws.column_dimensions["C"].width == 30 and ws.column_dimensions["E"].width == 34
    assert ws.cell(row=id_rows(ws)["1"], column=3).alignment.wrap_text
    notes = wb[layout.INSTRUCTIONS_SHEET]
    assert notes.page_setup.orientation == "portrait" and notes.sheet_properties.pageSetUpPr.fitToPage


# ---- metadata and stamping ----------------------------------------------------------------------
def test_metadata_is_complete_and_signed(campaign: Campaign, self_form: Path) -> None:
    meta = meta_of(load(self_form))
    assert list(meta) == list(layout.META_KEYS)
    assert meta[layout.META_CAMPAIGN] == campaign.id
    assert meta[layout.META_KIND] == "self"
    assert (meta[layout.META_SUBJECT], meta[layout.META_SUBJECT_NAME]) == ("01", "东湖村")
    assert meta[layout.META_RUBRIC_HASH] == campaign.rubric.content_hash()
    assert meta[layout.META_TEMPLATE] == layout.TEMPLATE_VERSION
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", meta[layout.META_GENERATED])
    assert layout.verify_metadata(campaign.secret, meta)


def test_tampered_unit_id_breaks_signature(campaign: Campaign, self_form: Path, tmp_path: Path) -> None:
    wb = load(self_form)
    ws = wb[layout.META_SHEET]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value == layout.META_SUBJECT)
    ws.cell(row=row, column=2).value = "02"
    wb.save(tmp_path / "tampered.xlsx")
    meta = meta_of(load(tmp_path / "tampered.xlsx"))
    assert meta[layout.META_SUBJECT] == "02"
    assert not layout.verify_metadata(campaign.secret, meta)
    assert not layout.verify_metadata("another secret", meta_of(load(self_form)))


def test_stamped_form_equals_direct_build(campaign: Campaign, tmp_path: Path) -> None:
    ctx = form_context(campaign, generated_at="2023-11-30 08:00:00")
    unit = campaign.unit("02")
    stamped = tmp_path / "stamped.xlsx"
    stamped.write_bytes(stamp_self(ctx, self_prototype(ctx), unit))
    direct = tmp_path / "direct.xlsx"
    save_workbook(build_self_workbook(ctx, unit.id, unit.name), direct)
    assert cells_snapshot(stamped) == cells_snapshot(direct)
    assert "西山村" in str(cells_snapshot(stamped)[layout.SELF_SHEET]["values"])


def test_stamping_escapes_xml_and_keeps_odd_names(make_campaign: Callable[..., Campaign]) -> None:
    odd = '甲&乙<村>"测试"=SUM(1)'
    campaign = make_campaign(units=[{"编号": "A&1", "单位名称": odd, "考核组": "一组"}])
    path = generate_forms(campaign, [FormKind.SELF]).paths(FormKind.SELF)[0]
    wb = load(path)
    meta = meta_of(wb)
    assert (meta[layout.META_SUBJECT], meta[layout.META_SUBJECT_NAME]) == ("A&1", odd)
    assert layout.verify_metadata(campaign.secret, meta)
    texts = [c.value for row in wb[layout.SELF_SHEET].iter_rows(max_row=5) for c in row if c.value]
    assert any(odd in str(t) for t in texts)


def test_windows_safe_file_names(make_campaign: Callable[..., Campaign]) -> None:
    units = [
        {"编号": "07", "单位名称": 'a/b\\c:d*e?f"g<h>i|j', "考核组": "第1/2组"},
        {"编号": "08", "单位名称": "CON", "考核组": "第1/2组"},
    ]
    campaign = make_campaign(units=units)
    report = generate_forms(campaign)
    assert report.total == 3
    for path in report.paths(FormKind.SELF) + report.paths(FormKind.ASSESSOR):
        assert path.exists() and path.parent.parent == campaign.forms_dir
        assert not re.search(r'[<>:"/\\|?*]', path.name)
        load(path)


def test_very_long_unit_name_is_shortened_to_a_valid_file_name(make_campaign: Callable[..., Campaign]) -> None:
    # 130 Chinese characters are 390 bytes in UTF-8: too long for a file name (255 bytes)
    campaign = make_campaign(units=[{"编号": "01", "单位名称": "长" * 130, "考核组": "一组"}])
    (path,) = generate_forms(campaign, [FormKind.SELF]).paths(FormKind.SELF)
    assert path.name.startswith("01_长") and path.name.endswith("…_自评表.xlsx")
    assert len(path.name.encode("utf-8")) <= 200
    assert meta_of(load(path))[layout.META_SUBJECT_NAME] == "长" * 130  # the form keeps the full name


def test_direct_generate_self_form(campaign: Campaign) -> None:
    path = generate_self_form(campaign, campaign.unit("03"))
    assert path.name == "03_南岭村_自评表.xlsx"
    assert meta_of(load(path))[layout.META_SUBJECT] == "03"


def test_password_from_settings(make_campaign: Callable[..., Campaign]) -> None:
    campaign = make_campaign(settings={**SMALL_SETTINGS, "保护密码": "kh2023"})
    wb = load(generate_forms(campaign, [FormKind.SELF]).paths(FormKind.SELF)[0])
    assert wb[layout.SELF_SHEET].protection.password  # stored as Excel's legacy hash
    assert wb.security is not None and wb.security.workbookPassword


# ---- 考核组评分表 ----------------------------------------------------------------------------------
def test_assessor_workbooks_one_per_group_sheet_per_unit(campaign: Campaign) -> None:
    paths = generate_assessor_forms(campaign)
    assert [p.name for p in paths] == ["第一考核组_考核组评分表.xlsx", "第二考核组_考核组评分表.xlsx"]
    wb = load(paths[0])
    meta = meta_of(wb)
    assert layout.verify_metadata(campaign.secret, meta)
    assert (meta[layout.META_KIND], meta[layout.META_SUBJECT]) == ("assessor", "第一考核组")
    pairs = layout.decode_sheet_map(meta[layout.META_SHEETS])
    assert pairs == [("01_东湖村", "01"), ("02_西山村", "02")]
    assert wb.sheetnames == ["说明", "01_东湖村", "02_西山村", "_lists", "_kaohe"]
    ws = wb["02_西山村"]
    top, cols = header(ws)
    assert [ws.cell(row=top, column=c).value for c in range(1, len(layout.ASSESSOR_COLUMNS) + 1)] == list(
        layout.ASSESSOR_COLUMNS
    )
    rows = id_rows(ws)
    assert ws.cell(row=rows["3"], column=cols[layout.H_HINTS]).value == "核对走访照片"
    for row in rows.values():
        assert ws.cell(row=row, column=cols[layout.H_SELF_SCORE]).value is None  # nothing collected yet
        assert ws.cell(row=row, column=cols[layout.H_SELF_SCORE]).protection.locked
        assert not ws.cell(row=row, column=cols[layout.H_ASSESSOR_SCORE]).protection.locked
        assert not ws.cell(row=row, column=cols[layout.H_REASON]).protection.locked
    # the 评分人 cell: a workbook-scope name pointing to an unlocked cell on 说明
    (title, ref), *_ = list(wb.defined_names[layout.NAME_ASSESSOR].destinations)
    cell = wb[title][ref.replace("$", "")]
    assert title == layout.INSTRUCTIONS_SHEET and not cell.protection.locked
    assert wb[title].cell(row=cell.row, column=1).value == "评分人（必填）"


def _store_self_return(
    campaign: Campaign, unit_id: str, revision: int, values: dict[str, str | None], errors: int = 0
) -> None:
    with campaign.connect() as conn:
        file_id = conn.execute(
            "INSERT INTO files(sha256, original_name, size, received_at, archive_path, status, form_kind, subject_id)"
            " VALUES (?, ?, 1, '2023-12-01 09:00:00', 'archive/x.xlsx', 'accepted', 'self', ?)",
            (f"{unit_id}-{revision}", f"{unit_id}.xlsx", unit_id),
        ).lastrowid
        sub_id = conn.execute(
            "INSERT INTO submissions(file_id, form_kind, subject_id, revision, received_at, has_errors)"
            " VALUES (?, 'self', ?, ?, '2023-12-01 09:00:00', ?)",
            (file_id, unit_id, revision, errors),
        ).lastrowid
        conn.execute(
            "INSERT INTO submission_units(submission_id, unit_id, has_errors) VALUES (?, ?, ?)",
            (sub_id, unit_id, errors),
        )
        for item_id, value in values.items():
            veto = {"是": 1, "否": 0}.get(value or "") if item_id == "6" else None
            conn.execute(
                "INSERT INTO scores(submission_id, unit_id, item_id, value, veto) VALUES (?, ?, ?, ?, ?)",
                (sub_id, unit_id, item_id, None if veto is not None else value, veto),
            )
        conn.commit()


def test_assessor_form_shows_collected_self_scores(campaign: Campaign) -> None:
    _store_self_return(campaign, "01", 1, {"1": "3", "2": "2"})
    _store_self_return(campaign, "01", 2, {"1": "3.5", "2": "2", "3": "4", "5": "1", "6": "否"})
    _store_self_return(campaign, "01", 3, {"1": "9"}, errors=1)  # invalid: not shown
    report = generate_forms(campaign, [FormKind.ASSESSOR])
    assert report.prefilled_units == 1
    wb = load(report.paths(FormKind.ASSESSOR)[0])
    ws = wb["01_东湖村"]
    _, cols = header(ws)
    rows = id_rows(ws)
    shown = {i: ws.cell(row=r, column=cols[layout.H_SELF_SCORE]).value for i, r in rows.items()}
    assert shown == {"1": 3.5, "2": 2, "3": 4, "4": None, "5": 1, "6": "否"}
    other = wb["02_西山村"]
    assert all(other.cell(row=r, column=cols[layout.H_SELF_SCORE]).value is None for r in id_rows(other).values())


# ---- 评分表 --------------------------------------------------------------------------------------
@pytest.fixture
def rater_campaign(make_campaign: Callable[..., Campaign]) -> Campaign:
    return make_campaign(categories=RATER_CATEGORIES, sources=RATER_SOURCES)


def test_rater_workbooks_per_named_rater(rater_campaign: Campaign) -> None:
    paths = generate_rater_forms(rater_campaign)
    assert [p.name for p in paths] == ["班子评分_张书记_评分表.xlsx", "班子评分_李镇长_评分表.xlsx"]
    wb = load(paths[1])
    assert wb.sheetnames == [layout.INSTRUCTIONS_SHEET, layout.RATER_SHEET, layout.META_SHEET]
    meta = meta_of(wb)
    assert layout.verify_metadata(rater_campaign.secret, meta)
    assert (meta[layout.META_KIND], meta[layout.META_SUBJECT], meta[layout.META_SOURCE]) == (
        "rater",
        "李镇长",
        "班子评分",
    )
    ws = wb[layout.RATER_SHEET]
    top, cols = header(ws)
    assert [ws.cell(row=top, column=c).value for c in range(1, 6)] == [
        "编号",
        "单位名称",
        "组织领导",
        "工作落实",
        "合计",
    ]
    rows = id_rows(ws)
    assert list(rows) == ["01", "02", "03"]
    assert ws.cell(row=rows["02"], column=2).value == "西山村"
    assert ws.cell(row=rows["02"], column=5).value == f"=SUM(C{rows['02']}:D{rows['02']})"
    for label, top_points in (("组织领导", "60"), ("工作落实", "40")):
        letter = openpyxl.utils.get_column_letter(cols[label])
        (dv,) = [d for d in ws.data_validations.dataValidation if f"{letter}{rows['01']}" in d.sqref]
        assert (dv.type, dv.formula1, dv.formula2) == ("decimal", "0", top_points)
        assert f"{letter}{rows['03']}" in dv.sqref
        assert not ws.cell(row=rows["01"], column=cols[label]).protection.locked
    assert ws.cell(row=rows["01"], column=1).protection.locked and ws.protection.sheet
    assert ws.print_title_rows == f"${top - 1}:${top}"  # the 各类别满分 row and the header


def test_rater_forms_only_for_rater_sources(campaign: Campaign) -> None:
    report = generate_forms(campaign)
    assert report.paths(FormKind.RATER) == []
    assert "评分表 0 份" in report.summary()


# ---- 说明: the score step, as collect checks it ----------------------------------------------------
def instruction_steps(path: Path) -> list[str]:
    """The numbered lines of a form's 说明 sheet."""
    ws = load(path)[layout.INSTRUCTIONS_SHEET]
    return [str(v) for (v,) in ws.iter_rows(max_col=1, values_only=True) if v and re.match(r"\d+\. ", str(v))]


def test_instructions_state_the_rubrics_own_step(sample_campaign: Callable[[str], Campaign]) -> None:
    """南昌: 设置 步长 0.5 (6.3 is refused as bad_step), items 30 and 31 with 步长 0.1."""
    campaign = sample_campaign("南昌老干部")
    report = generate_forms(campaign, [FormKind.SELF, FormKind.ASSESSOR])
    rule = "分数的最小单位为 0.5 分，须为 0.5 的整数倍（如 0.5、1）；编号 30、31 的条目最小单位为 0.1 分。"
    for path, n in ((report.paths(FormKind.SELF)[0], 3), (report.paths(FormKind.ASSESSOR)[0], 5)):
        lines = instruction_steps(path)
        assert [line for line in lines if "最小单位" in line] == [f"{n}. {rule}填写错误的单元格会显示为红色。"]
        assert not any("0.1 分（个别项目" in line for line in lines)


def test_instructions_step_follows_settings_and_items(make_campaign: Callable[..., Campaign]) -> None:
    # the small rubric: 设置 步长 left at 0.1, item 3 at 0.5
    small = make_campaign(categories=RATER_CATEGORIES, sources=RATER_SOURCES)
    generate_forms(small, [FormKind.SELF, FormKind.RATER])
    (line,) = [x for x in instruction_steps(small.form_path(FormKind.SELF, "01")) if "最小单位" in x]
    assert "最小单位为 0.1 分，须为 0.1 的整数倍（如 0.1、0.2）；编号 3 的条目最小单位为 0.5 分。" in line
    rater = next((small.forms_dir / FormKind.RATER.label).glob("*.xlsx"))
    assert "2. 分数的最小单位为 0.1 分，须为 0.1 的整数倍（如 0.1、0.2）。" in instruction_steps(rater)
    # every scored item with its own step 1: the sheet states 1, not the unused 设置 步长
    whole = [{**item, "步长": 1} if item.get("类型") != "否决" else item for item in SMALL_ITEMS]
    ones = make_campaign(items=whole, settings={**SMALL_SETTINGS, "步长": 0.5})
    path = generate_forms(ones, [FormKind.SELF]).paths(FormKind.SELF)[0]
    (line,) = [x for x in instruction_steps(path) if "最小单位" in x]
    assert "最小单位为 1 分，须为 1 的整数倍（如 1、2）。" in line and "编号" not in line


# ---- progress bars: only for many files, only on a terminal ----------------------------------------
def test_progress_bar_only_for_many_files_on_a_terminal(
    make_campaign: Callable[..., Campaign], campaign: Campaign, monkeypatch: pytest.MonkeyPatch
) -> None:
    eleven = [{"编号": f"{n:02d}", "单位名称": f"村{n}", "考核组": "一组"} for n in range(1, 12)]
    many = make_campaign(units=eleven)
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    generate_forms(many, progress=True)
    assert "自评表" in terminal.getvalue()  # 11 files
    assert "考核组评分表" not in terminal.getvalue()  # one file: no 1/1 bar
    for quiet in (lambda: generate_forms(campaign, progress=True), lambda: generate_forms(many)):
        terminal = FakeTerminal()
        monkeypatch.setattr(sys, "stderr", terminal)
        quiet()
        assert terminal.getvalue() == ""
    piped = io.StringIO()  # not a terminal: a log file or a pipe
    monkeypatch.setattr(sys, "stderr", piped)
    generate_forms(many, progress=True)
    assert piped.getvalue() == ""


# ---- templates -----------------------------------------------------------------------------------
def test_campaign_template_overrides_styles(campaign: Campaign) -> None:
    target = campaign_template(campaign.root)
    target.parent.mkdir()
    shutil.copy(default_template(), target)
    wb = openpyxl.load_workbook(target)
    template_cell(wb, "KH_STYLE_INPUT").fill = openpyxl.styles.PatternFill("solid", start_color="FF00B0F0")
    template_cell(wb, "KH_STYLE_BANNER").value = "中共某某县委老干部局"
    wb.save(target)
    path = generate_forms(campaign, [FormKind.SELF]).paths(FormKind.SELF)[0]
    ws = load(path)[layout.SELF_SHEET]
    _, cols = header(ws)
    assert ws["A1"].value == "中共某某县委老干部局"
    row = id_rows(ws)["1"]
    assert ws.cell(row=row, column=cols[layout.H_SELF_SCORE]).fill.fgColor.rgb == "FF00B0F0"


# ---- samples and CLI ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["南昌老干部", "动力厂党建", "新庄镇综合考核"])
def test_samples_generate_without_warnings(sample_campaign: Callable[[str], Campaign], name: str) -> None:
    assert (SAMPLES / name / "细则.xlsx").exists(), f"sample {name} is missing"
    campaign = sample_campaign(name)
    rubric = campaign.rubric
    report = generate_forms(campaign)  # pytest.ini turns any warning into an error
    has_self = rubric.self_source is not None
    assert len(report.paths(FormKind.SELF)) == (len(campaign.units) if has_self else 0)
    rounds = len(rubric.sources_of(FormKind.ASSESSOR))
    assert len(report.paths(FormKind.ASSESSOR)) == len(campaign.assessor_groups()) * rounds
    raters = sum(len(s.raters) for s in rubric.sources_of(FormKind.RATER))
    assert len(report.paths(FormKind.RATER)) == raters
    if name == "新庄镇综合考核":  # seed 004: no 自评, leaders' 评分表, 民主测评
        assert raters > 0 and not has_self
        assert len(report.ballots) == len(campaign.units) and len(report.paths(FormKind.BALLOT)) == 1
    if name == "动力厂党建":  # seed 003: two rounds
        assert rounds == 2
    ws = load(report.paths(FormKind.ASSESSOR)[0]).worksheets[1]
    assert list(id_rows(ws)) == [i.id for c in rubric.categories for i in rubric.items_in(c.name)]


def test_cli_generate(campaign: Campaign) -> None:
    result = CliRunner().invoke(main, ["generate", str(campaign.root), "--form", "self"])
    assert result.exit_code == 0, result.output
    assert "自评表 3 份" in result.output
    assert len(list((campaign.forms_dir / "自评表").glob("*.xlsx"))) == 3
    assert result.stderr == ""  # no progress bar for 3 files, nor off a terminal
    assert not (campaign.forms_dir / "考核组评分表").exists()
    result = CliRunner().invoke(main, ["generate", str(campaign.root)])
    assert result.exit_code == 0 and "考核组评分表 2 份" in result.output


def test_cli_generate_not_a_campaign(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["generate", str(tmp_path)])
    assert result.exit_code == 1 and "不是考核目录" in result.output


_NAME_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=24
).filter(lambda s: s.strip() == s and s != "")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(unit_id=_NAME_TEXT, unit_name=_NAME_TEXT)
def test_stamped_metadata_round_trips_any_text(
    campaign: Campaign, tmp_path: Path, unit_id: str, unit_name: str
) -> None:
    ctx = form_context(campaign, generated_at="2023-11-30 08:00:00")
    path = tmp_path / "form.xlsx"
    path.write_bytes(stamp_self(ctx, _prototype_for(ctx), Unit(unit_id, unit_name)))
    wb = load(path)
    meta = meta_of(wb)
    assert (meta[layout.META_SUBJECT], meta[layout.META_SUBJECT_NAME]) == (unit_id, unit_name)
    assert layout.verify_metadata(campaign.secret, meta)
    notes = wb[layout.INSTRUCTIONS_SHEET]
    assert any(c.value == f"{unit_name}（编号：{unit_id}）" for row in notes.iter_rows() for c in row)


_PROTOTYPES: dict[str, Prototype] = {}


def _prototype_for(ctx: FormContext) -> Prototype:
    key = ctx.campaign_id
    if key not in _PROTOTYPES:
        _PROTOTYPES[key] = self_prototype(ctx)
    return _PROTOTYPES[key]


def test_assessor_prefill_after_real_collect(campaign: Campaign, tmp_path: Path) -> None:
    """The documented flow: generate self → unit fills and returns → collect → generate assessor."""
    from kaohe_xl.collect.run import collect
    from kaohe_xl.forms.fill import fill_self_form

    form = generate_forms(campaign, [FormKind.SELF]).paths(FormKind.SELF)[1]  # 02 西山村
    returned = fill_self_form(form, {"1": 3, "2": 2, "3": 3.5, "4": 1, "5": 0, "6": "否"}, out=tmp_path / "02.xlsx")
    collect(campaign, [returned])
    wb = load(generate_forms(campaign, [FormKind.ASSESSOR]).paths(FormKind.ASSESSOR)[0])
    ws = wb["02_西山村"]
    _, cols = header(ws)
    shown = {i: ws.cell(row=r, column=cols[layout.H_SELF_SCORE]).value for i, r in id_rows(ws).items()}
    assert shown == {"1": 3, "2": 2, "3": 3.5, "4": 1, "5": 0, "6": "否"}
