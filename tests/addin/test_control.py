"""The control workbook 控制台.xlsx that ``kaohe init`` writes into every campaign folder."""

from __future__ import annotations

import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import SMALL_UNITS, write_rubric_workbook, write_units_workbook

from kaohe_xl.addin import control
from kaohe_xl.addin.buttons import BUTTONS
from kaohe_xl.campaign import Campaign
from kaohe_xl.cli.commands import main
from kaohe_xl.collect.run import collect
from kaohe_xl.forms.fill import fill_self_form
from kaohe_xl.forms.generate import generate_forms
from kaohe_xl.rubric.model import FormKind


@pytest.fixture
def campaign(campaign: Campaign) -> Campaign:
    """The campaign as ``kaohe init`` leaves it: with its control workbook 控制台.xlsx."""
    control.write_control_workbook(campaign)
    return campaign


STATE_NAMES = (
    control.NAME_CAMPAIGN,
    control.NAME_FOLDER,
    control.NAME_UNITS,
    control.NAME_FORMS,
    control.NAME_RECEIVED,
    control.NAME_MISSING,
    control.NAME_INVALID,
    control.NAME_REJECTED,
    control.NAME_LAST_ACTION,
    control.NAME_LAST_TIME,
    control.NAME_STATUS,
    control.NAME_DETAIL,
)


def test_cli_init_writes_the_control_workbook(tmp_path: Path, rubric_path: Path, units_path: Path) -> None:
    folder = tmp_path / "2023测试考核"
    result = CliRunner().invoke(main, ["init", str(folder), "--rubric", str(rubric_path), "--units", str(units_path)])
    assert result.exit_code == 0, result.output
    campaign = Campaign.open(folder)
    path = campaign.control_workbook
    assert path.name == "控制台.xlsx" and path.is_file()
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [control.SHEET]
    assert set(STATE_NAMES) <= set(wb.defined_names)
    values = control.read_values(path)
    assert values[control.NAME_CAMPAIGN] == "测试考核（2023测试考核）"
    assert values[control.NAME_FOLDER] == str(campaign.root.resolve())
    assert values[control.NAME_UNITS] == 3
    assert values[control.kind_name(FormKind.SELF, "MISSING")] == 3  # nothing returned yet
    assert values[control.NAME_FORMS] == 0 and values[control.NAME_REJECTED] == 0
    assert values[control.NAME_STATUS] is None and values[control.NAME_LAST_ACTION] is None
    texts = {c.value for row in wb[control.SHEET].iter_rows() for c in row if isinstance(c.value, str)}
    for button in BUTTONS:  # every button is explained, with its command line for WPS
        assert button.label in texts and button.command in texts


def test_state_follows_the_campaign(campaign: Campaign) -> None:
    generate_forms(campaign, [FormKind.SELF])
    inbox = campaign.inbox_dir
    fill_self_form(
        campaign.form_path(FormKind.SELF, "02"),
        {"1": 4, "2": "三", "3": 1, "4": 0, "5": 0, "6": "否"},
        out=inbox / "x.xlsx",
    )
    (inbox / "junk.xlsx").write_bytes(b"")
    collect(campaign, [inbox])
    values = control.read_values(control.write_control_workbook(campaign))
    assert values[control.kind_name(FormKind.SELF, "FORMS")] == 3
    assert values[control.kind_name(FormKind.SELF, "INVALID")] == 1  # "三" is not a number: 待核实
    assert values[control.kind_name(FormKind.SELF, "MISSING")] == 2
    assert values[control.NAME_REJECTED] == 1
    assert "自评表待核实：02 西山村" in control.missing_lines(campaign)


GOOD = {"1": 4, "2": 2, "3": 1, "4": 0, "5": 0, "6": "否"}


def test_commands_run_outside_excel_keep_it_current(campaign: Campaign) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["generate", str(campaign.root), "--form", "self"]).exit_code == 0
    after_generate = control.read_values(campaign.control_workbook)
    assert after_generate[control.kind_name(FormKind.SELF, "FORMS")] == 3
    assert "generate" in str(after_generate[control.NAME_LAST_ACTION])
    sheet = openpyxl.load_workbook(campaign.control_workbook)[control.SHEET]
    heads = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "（" in c.value]
    assert {"已生成（份）", "已收到（单位）", "待提交（单位）", "待核实（单位）"} <= set(heads)  # forms vs units
    fill_self_form(campaign.form_path(FormKind.SELF, "01"), GOOD, out=campaign.inbox_dir / "a.xlsx")
    assert runner.invoke(main, ["collect", str(campaign.root), str(campaign.inbox_dir)]).exit_code == 0
    values = control.read_values(campaign.control_workbook)
    assert values[control.kind_name(FormKind.SELF, "RECEIVED")] == 1
    assert values[control.kind_name(FormKind.SELF, "MISSING")] == 2
    assert "collect" in str(values[control.NAME_LAST_ACTION]) and "接收 1 份" in str(values[control.NAME_STATUS])


def test_an_open_control_workbook_is_left_alone(campaign: Campaign) -> None:
    lock = campaign.control_workbook.with_name("~$" + campaign.control_workbook.name)
    lock.write_bytes(b"owner")  # Excel or WPS has it open
    before = campaign.control_workbook.read_bytes()
    outcome = CliRunner().invoke(main, ["generate", str(campaign.root), "--form", "self"])
    assert outcome.exit_code == 0
    assert "控制台.xlsx 正在被打开，未更新" in outcome.output
    assert campaign.control_workbook.read_bytes() == before
    assert control.record_action(campaign, "x", "y") != ""
    lock.unlink()
    assert control.record_action(campaign, "x", "y") == ""
    assert control.read_values(campaign.control_workbook)[control.NAME_LAST_ACTION] == "x"


def test_status_text_is_never_a_formula(campaign: Campaign) -> None:
    values = control.status_values(campaign, "汇总回收表", '=HYPERLINK("http://x")', "=1+1")
    control.write_status(campaign.control_workbook, values)
    ws = openpyxl.load_workbook(campaign.control_workbook)[control.SHEET]
    cells = [c for row in ws.iter_rows() for c in row if c.value in ('=HYPERLINK("http://x")', "=1+1")]
    assert len(cells) == 2 and all(c.data_type == "s" for c in cells)
    assert control.read_values(campaign.control_workbook)[control.NAME_LAST_ACTION] == "汇总回收表"


def test_reinit_rewrites_it(campaign: Campaign, tmp_path: Path) -> None:
    control.write_status(campaign.control_workbook, {control.NAME_STATUS: "旧状态"})
    units = write_units_workbook(tmp_path / "单位2.xlsx", [*SMALL_UNITS, {"编号": "04", "单位名称": "北坡村"}])
    rubric = write_rubric_workbook(tmp_path / "细则2.xlsx")
    args = ["init", str(campaign.root), "--rubric", str(rubric), "--units", str(units), "--force", "--yes"]
    assert CliRunner().invoke(main, args).exit_code == 0
    values = control.read_values(campaign.control_workbook)
    assert (values[control.NAME_STATUS], values[control.NAME_UNITS]) == ("已修改", 4)


@pytest.mark.libreoffice
def test_libreoffice_opens_it_and_shows_the_state(campaign: Campaign, tmp_path: Path) -> None:
    control.write_status(campaign.control_workbook, control.status_values(campaign, "回收情况", "已收到 0，待提交 6"))
    profile = (tmp_path / "profile").as_uri()
    out = tmp_path / "out"
    for target in ("pdf", "xlsx"):
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation={profile}",
                "--headless",
                "--convert-to",
                target,
                "--outdir",
                str(out),
                str(campaign.control_workbook),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    text = subprocess.run(
        ["pdftotext", str(out / "控制台.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "考核控制台" in text and "测试考核" in text and "已收到 0，待提交 6" in text
    # Saved again by LibreOffice, the named cells still hold the state.
    values = control.read_values(out / "控制台.xlsx")
    assert values[control.NAME_UNITS] == 3 and values[control.NAME_LAST_ACTION] == "回收情况"


def test_laid_out_like_the_other_outputs(campaign: Campaign) -> None:
    """One font family, every table cell bordered, counts right-aligned with room from
    the border, each button's name at the top of its row like its description, the
    作用 header over the three columns its descriptions span (issue 12)."""
    wb = openpyxl.load_workbook(campaign.control_workbook)
    ws = wb[control.SHEET]
    written = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert {c.font.name for c in written} == {"宋体"}
    values = control.read_values(campaign.control_workbook)
    counts = [
        ws[ref.replace("$", "")]
        for name, defined in wb.defined_names.items()
        for _title, ref in defined.destinations
        if isinstance(values[name], int)
    ]
    assert len(counts) >= 10
    assert all(c.alignment.horizontal == "right" and c.alignment.indent >= 1 for c in counts)
    assert all(c.border.left.style == "thin" and c.border.right.style == "thin" for c in counts)
    heads = next(r for r in ws.iter_rows() if r[0].value == "按钮")
    assert heads[1].value == "作用" and f"B{heads[1].row}:D{heads[1].row}" in {str(m) for m in ws.merged_cells.ranges}
    for button in BUTTONS:
        row = next(r for r in ws.iter_rows() if r[0].value == button.label)
        assert row[0].alignment.vertical == row[1].alignment.vertical == "top"
        assert row[0].border.top.style == "thin" and row[4].value == button.command
