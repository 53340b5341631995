"""Forms for the seeds' schemes: rounds, named assessors, no 自评, 民主测评 (ballot and tally),
扣分制 / 取高组 / 扣分后 formulas (checked by LibreOffice against the engine)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from _forms_helpers import fill_scores, header, id_rows, total_rows
from click.testing import CliRunner
from conftest import SMALL_ITEMS, SMALL_SETTINGS

from kaohe_xl.campaign import Campaign
from kaohe_xl.cli.commands import main
from kaohe_xl.forms import layout
from kaohe_xl.forms.generate import generate_forms
from kaohe_xl.rubric.model import FormKind
from kaohe_xl.scoring.engine import ItemScore, source_result

BALLOT_GRADES = ("好", "较好", "一般", "较差")

CATEGORIES: list[dict[str, Any]] = [
    {"类别": "组织领导", "分值": 6},
    {"类别": "工作落实", "分值": 4},
    {"类别": "加分项目"},
    {"类别": "扣分项目"},
]
ROUNDS = [
    {"来源": "自评", "表单": "自评表", "权重": 0},
    {"来源": "专项督查", "表单": "考核组评分表", "权重": 0.3},
    {"来源": "年终考核", "表单": "考核组评分表", "权重": 0.7},
]
NO_SELF_BALLOT = [
    {"来源": "考核组", "表单": "考核组评分表", "权重": 1},
    {"来源": "民主测评", "表单": "民主测评表", "计入条目": "3"},
]


def meta_of(path: Path) -> dict[str, str]:
    ws = openpyxl.load_workbook(path)[layout.META_SHEET]
    return {str(k): "" if v is None else str(v) for k, v in ws.iter_rows(max_col=2, values_only=True)}


@pytest.fixture
def rounds(make_campaign: Callable[..., Campaign]) -> Campaign:
    return make_campaign(categories=CATEGORIES, sources=ROUNDS)


@pytest.fixture
def ballot(make_campaign: Callable[..., Campaign]) -> Campaign:
    return make_campaign(categories=CATEGORIES, sources=NO_SELF_BALLOT)


# ---- rounds --------------------------------------------------------------------------------
def test_every_round_gets_its_own_assessor_workbooks(rounds: Campaign) -> None:
    report = generate_forms(rounds, [FormKind.ASSESSOR])
    names = sorted(p.name for p in report.paths(FormKind.ASSESSOR))
    assert names == [
        "专项督查_第一考核组_考核组评分表.xlsx",
        "专项督查_第二考核组_考核组评分表.xlsx",
        "年终考核_第一考核组_考核组评分表.xlsx",
        "年终考核_第二考核组_考核组评分表.xlsx",
    ]
    path = rounds.assessor_form_path("第一考核组", "专项督查")
    assert meta_of(path)[layout.META_SOURCE] == "专项督查"
    wb = openpyxl.load_workbook(path)
    titles = [ws.cell(r, 1).value for ws in wb.worksheets[1:2] for r in range(1, 4)]
    assert "考核组评分表（专项督查）" in titles
    notes = [c.value for row in wb[layout.INSTRUCTIONS_SHEET].iter_rows() for c in row]
    assert "考核轮次" in notes and "专项督查" in notes


def test_cli_generate_one_round_with_source(rounds: Campaign) -> None:
    result = CliRunner().invoke(main, ["generate", str(rounds.root), "--form", "assessor", "--source", "年终考核"])
    assert result.exit_code == 0, result.output
    made = sorted(p.name for p in (rounds.forms_dir / FormKind.ASSESSOR.label).iterdir())
    assert made == ["年终考核_第一考核组_考核组评分表.xlsx", "年终考核_第二考核组_考核组评分表.xlsx"]
    wrong = CliRunner().invoke(main, ["generate", str(rounds.root), "--form", "assessor", "--source", "督查"])
    assert (
        wrong.exit_code == 1 and "没有考核组评分表来源“督查”" in wrong.output and "专项督查、年终考核" in wrong.output
    )


def test_one_round_keeps_the_old_file_names(campaign: Campaign) -> None:
    report = generate_forms(campaign, [FormKind.ASSESSOR])
    assert sorted(p.name for p in report.paths(FormKind.ASSESSOR)) == [
        "第一考核组_考核组评分表.xlsx",
        "第二考核组_考核组评分表.xlsx",
    ]


# ---- named assessors --------------------------------------------------------------------------
def test_a_roster_gives_each_named_assessor_a_signed_copy(make_campaign: Callable[..., Campaign]) -> None:
    campaign = make_campaign(roster={"第一考核组": ["李明", "赵芳"]})
    report = generate_forms(campaign, [FormKind.ASSESSOR])
    assert sorted(p.name for p in report.paths(FormKind.ASSESSOR)) == [
        "第一考核组_李明_考核组评分表.xlsx",
        "第一考核组_赵芳_考核组评分表.xlsx",
        "第二考核组_考核组评分表.xlsx",  # no roster for this group: one copy, name typed in
    ]
    path = campaign.assessor_form_path("第一考核组", assessor="赵芳")
    assert meta_of(path)[layout.META_ASSESSOR] == "赵芳"
    wb = openpyxl.load_workbook(path)
    ((title, ref),) = list(wb.defined_names[layout.NAME_ASSESSOR].destinations)
    cell = wb[title][ref.replace("$", "")]
    assert cell.value == "赵芳" and cell.protection.locked
    assert not [dv for dv in wb[title].data_validations.dataValidation if cell.coordinate in str(dv.sqref)]
    assert meta_of(campaign.assessor_form_path("第二考核组")).get(layout.META_ASSESSOR, "") == ""


# ---- no 自评 ----------------------------------------------------------------------------------
def test_no_self_source_no_self_forms_and_no_self_column(ballot: Campaign) -> None:
    report = generate_forms(ballot)
    assert FormKind.SELF not in report.written and not (ballot.forms_dir / FormKind.SELF.label).exists()
    assert "自评得分" not in report.summary()
    ws = openpyxl.load_workbook(ballot.assessor_form_path("第一考核组")).worksheets[1]
    _, cols = header(ws)
    assert layout.H_SELF_SCORE not in cols and layout.H_ASSESSOR_SCORE in cols
    asked = generate_forms(ballot, [FormKind.SELF])
    assert asked.total == 0 and "没有自评表来源" in asked.summary()


# ---- 民主测评 ---------------------------------------------------------------------------------
def test_ballot_item_is_read_only_on_the_assessor_form(ballot: Campaign) -> None:
    generate_forms(ballot, [FormKind.ASSESSOR])
    ws = openpyxl.load_workbook(ballot.assessor_form_path("第一考核组")).worksheets[1]
    _, cols = header(ws)
    score = ws.cell(id_rows(ws)["3"], cols[layout.H_ASSESSOR_SCORE])
    assert score.value == layout.COMPUTED_TEXT and score.protection.locked
    assert layout.COMPUTED_TEXT in str(ws.cell(id_rows(ws)["3"], cols[layout.H_RULE]).value)
    assert not [dv for dv in ws.data_validations.dataValidation if score.coordinate in str(dv.sqref)]
    other = ws.cell(id_rows(ws)["1"], cols[layout.H_ASSESSOR_SCORE])
    assert other.value is None and not other.protection.locked


def test_cli_generate_ballot_writes_a_ballot_per_unit_and_a_tally_per_group(ballot: Campaign) -> None:
    from kaohe_xl.forms.ballot import ballot_path

    result = CliRunner().invoke(main, ["generate", str(ballot.root), "--form", "ballot"])
    assert result.exit_code == 0, result.output
    assert "民主测评表 2 份" in result.output and "民主测评票 3 份" in result.output
    tally = ballot.form_path(FormKind.BALLOT, "第一考核组", "第一考核组")
    assert tally.name == "第一考核组_民主测评表.xlsx"
    meta = meta_of(tally)
    assert (meta[layout.META_KIND], meta[layout.META_SUBJECT], meta[layout.META_SOURCE]) == (
        "ballot",
        "第一考核组",
        "民主测评",
    )
    ws = openpyxl.load_workbook(tally)[layout.TALLY_SHEET]
    top, cols = header(ws)
    assert [ws.cell(top, c).value for c in range(1, 9)] == ["编号", "单位", "实到人数", *BALLOT_GRADES, "合计"]
    assert list(id_rows(ws)) == ["01", "02"]  # the units of this group only
    assert all(not ws.cell(id_rows(ws)["01"], cols[g]).protection.locked for g in BALLOT_GRADES)
    paper = openpyxl.load_workbook(ballot_path(ballot, ballot.unit("02")))[layout.BALLOT_SHEET]
    text = " ".join(str(c.value) for row in paper.iter_rows() for c in row if c.value is not None)
    assert "西山村" in text and "测评日期" in text and all(g in text for g in BALLOT_GRADES)
    assert "领导班子整体工作" in text  # the question (设置 测评内容)
    assert paper.page_setup.fitToHeight == 1 and paper.page_setup.orientation == "portrait"


@pytest.mark.libreoffice
def test_ballot_prints_on_one_a4_page(ballot: Campaign, tmp_path: Path) -> None:
    from kaohe_xl.forms.ballot import ballot_path
    from kaohe_xl.xlsx.libreoffice import to_pdf

    generate_forms(ballot, [FormKind.BALLOT])
    pdf = to_pdf(ballot_path(ballot, ballot.unit("01")), tmp_path / "ballot.pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+1\b", info)
    width, height = (float(v) for v in re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())  # type: ignore[union-attr]
    assert (round(width), round(height)) == (595, 842)  # A4 portrait, in points
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "东湖村" in text and "较差" in text and "测评日期" in text


# ---- formulas of the seeds' rules, recalculated by LibreOffice -------------------------------
RULE_ITEMS: list[dict[str, Any]] = [
    *SMALL_ITEMS[:3],
    {**SMALL_ITEMS[3], "取高组": "表彰"},
    {"编号": "7", "类别": "加分项目", "考核内容": "市级表彰", "分值": 2, "类型": "加分", "取高组": "表彰"},
    {"编号": "8", "类别": "加分项目", "考核内容": "经验推广", "分值": 1, "类型": "加分"},
    *SMALL_ITEMS[4:],
]
RULE_FILLS: dict[str, dict[str, Any]] = {
    # 组织领导 扣分制 6: deductions 1 + 2 = 3 → 3; 工作落实 3.5 → base 6.5; 扣分 1 → 5.5 < 6: no bonus → 5.5
    "after_penalty_below": {"1": 1, "2": 2, "3": 3.5, "4": 3, "7": 2, "8": 1, "5": 1},
    # deductions 0 → 6; 4 → base 10; 扣分 0 → 10 ≥ 6: bonus max(3, 2) + 1 = 4 → cap 2 → 12
    "best_of_then_cap": {"1": 0, "2": 0, "3": 4, "4": 3, "7": 2, "8": 1, "5": 0},
    # deductions 4 + 2 = 6 → 0 (扣完为止); 工作落实 4 → 4 < 6: no bonus → 4 − 0 = 4
    "used_up": {"1": 4, "2": 2, "3": 4, "4": 0, "7": 1, "8": 0, "5": 0},
}


@pytest.mark.libreoffice
@pytest.mark.parametrize("case", sorted(RULE_FILLS))
def test_form_formulas_follow_the_seeds_rules(
    make_campaign: Callable[..., Campaign], tmp_path: Path, case: str
) -> None:
    from kaohe_xl.xlsx.libreoffice import recalculate

    categories: list[dict[str, Any]] = [{**CATEGORIES[0], "计分方式": "扣分制"}, *CATEGORIES[1:]]
    campaign = make_campaign(
        items=RULE_ITEMS, categories=categories, settings={**SMALL_SETTINGS, "加分门槛依据": "扣分后"}
    )
    form = generate_forms(campaign, [FormKind.SELF]).paths(FormKind.SELF)[0]
    fills = {**RULE_FILLS[case], "6": "否"}
    filled = fill_scores(form, layout.SELF_SHEET, layout.H_SELF_SCORE, fills, tmp_path / "filled.xlsx")
    ws = openpyxl.load_workbook(recalculate(filled, tmp_path / "recalculated.xlsx"), data_only=True)[layout.SELF_SHEET]
    _, cols = header(ws)
    got = {label: ws.cell(row, cols[layout.H_SELF_SCORE]).value for label, row in total_rows(ws).items()}
    rubric = campaign.rubric
    source = rubric.sources_of(FormKind.SELF)[0]
    engine = source_result(
        rubric, source, {k: ItemScore("01", "自评", k, Decimal(str(v))) for k, v in RULE_FILLS[case].items()}
    )
    expected = {"基础分": engine.base, "加分": engine.bonus, "扣分": engine.penalty, "总分": engine.total}
    for label, value in expected.items():
        assert Decimal(str(round(got[label], 9))).normalize() == value.normalize(), (label, got)
    hand = {"after_penalty_below": Decimal("5.5"), "best_of_then_cap": Decimal(12), "used_up": Decimal(4)}
    assert engine.total == hand[case]
