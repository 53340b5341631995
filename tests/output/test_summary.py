"""The 汇总 workbook: contents, formulas (checked by LibreOffice), injection, atomic saving, PDF."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from _scoring_helpers import (
    D,
    ballot_records,
    base_scores_summing_to,
    form_records,
    return_forms,
    self_records,
    states,
    units,
)
from conftest import REPO

from kaohe_xl.campaign import Campaign
from kaohe_xl.errors import OutputError
from kaohe_xl.output.summary import SUMMARY_SHEET, build_summary, write_summary
from kaohe_xl.output.summary_sheets import RejectedFile
from kaohe_xl.rubric.load import load_rubric
from kaohe_xl.rubric.model import FormKind, ItemKind, Rubric
from kaohe_xl.scoring.engine import Results, score
from kaohe_xl.scoring.frames import reconciliation_frame, results_frame, status_frame
from kaohe_xl.scoring.reconcile import reconcile
from kaohe_xl.store.records import ReturnState
from kaohe_xl.xlsx.place import save_atomic

SAMPLES = REPO / "samples"
INJECTIONS = ['=HYPERLINK("http://x","y")', "=1+1", "+1", "-1", "@SUM(A1)"]


def _nanchang() -> tuple[Rubric, Results]:
    """南昌 sample: four scored units (a tie, a veto), one with its assessor return missing."""
    rubric = load_rubric(SAMPLES / "南昌老干部" / "细则.xlsx")
    five = units(("01", "东湖区"), ("02", "西湖区"), ("03", "青云谱区"), ("04", "青山湖区"), ("05", "新建区"))
    zero = {i.id: 0 for i in rubric.items if i.kind in (ItemKind.BONUS, ItemKind.PENALTY)}
    records = (
        form_records("01", {**base_scores_summing_to(rubric, D("91.5")), **zero, "42": 2}, veto={"49": False})
        + form_records("02", {**base_scores_summing_to(rubric, D("88.5")), **zero}, remarks={"1": "会议记录不全"})
        + form_records("03", {**base_scores_summing_to(rubric, D("88.5")), **zero, "50": 0})
        + form_records("04", {**base_scores_summing_to(rubric, 99), **zero}, veto={"49": True}, remarks={"49": "事故"})
        + self_records("01", {**base_scores_summing_to(rubric, 95), **zero})
    )
    st = states(["01", "02", "03", "04", "05"], FormKind.ASSESSOR, u05=ReturnState.MISSING)
    return rubric, score(rubric, five, records, st)


def _build(results: Results, tmp_path: Path, rejected: list[RejectedFile] | None = None) -> Path:
    st = states([u.unit_id for u in results.units], FormKind.SELF)
    wb = build_summary(results, reconcile(results), st, rejected or [])
    return save_atomic(wb, tmp_path / "汇总表.xlsx").path


def _column(ws: openpyxl.worksheet.worksheet.Worksheet, header: str) -> int:
    for cell in ws[3]:
        if cell.value == header:
            return int(cell.column)
    raise AssertionError(f"no column {header}")


def test_summary_sheet_contents_and_print_setup(tmp_path: Path) -> None:
    _, results = _nanchang()
    path = _build(results, tmp_path, [RejectedFile("某村.xlsx", "2023-12-01 09:00:00", "rejected", "签名不符")])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [
        SUMMARY_SHEET,
        "综合得分图",
        "失分分析",
        "自评与考核差异",
        "差异明细",
        "分项明细",
        "回收情况",
        "拒收文件",
    ]
    ws = wb[SUMMARY_SHEET]
    headers = [c.value for c in ws[3]]
    assert headers[:3] == ["编号", "单位", "领导重视\n(20)"]
    assert headers[-10:] == [
        "基础分",
        "加分",
        "扣分",
        "自评得分",
        "考核组得分",
        "综合得分",
        "等次",
        "是否合格",  # 合格线 60
        "排名",
        "备注",
    ]
    names = [ws.cell(r, 2).value for r in range(4, 9)]
    ranks = [ws.cell(r, _column(ws, "排名")).value for r in range(4, 9)]
    # 东湖区 91.5 + 2 = 93.5; 西湖区 and 青云谱区 tie on 88.5; 青山湖区 vetoed → after them
    assert names == ["东湖区", "西湖区", "青云谱区", "青山湖区", "新建区"]
    assert ranks == [1, 2, 2, 4, None]
    composite = _column(ws, "综合得分")
    assert ws.cell(4, composite).value == f"=ROUND({openpyxl.utils.get_column_letter(composite - 1)}4,2)"
    assert ws.cell(4, _column(ws, "基础分")).value == "=SUM(C4:J4)"
    assert ws.cell(8, composite).value == "待提交"  # never 0
    assert ws.cell(7, _column(ws, "等次")).value == "不达标"
    assert "否决项49" in ws.cell(7, _column(ws, "备注")).value
    assert "考核组评分表待提交" in ws.cell(8, _column(ws, "备注")).value
    texts = [ws.cell(r, 1).value for r in range(9, ws.max_row + 1)]
    assert any(t and t.startswith("计分办法") for t in texts)
    assert any(t and "考核组长签字" in t and "审核人" in t for t in texts)
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0 and ws.print_title_rows == "$1:$3"
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    assert len(wb["综合得分图"]._charts) == 1
    rows = [[c.value for c in row] for row in wb["拒收文件"].iter_rows()]
    assert any(r[1] == "某村.xlsx" and r[3] == "拒收" and r[6] == "签名不符" for r in rows)


def test_difference_and_detail_sheets(tmp_path: Path) -> None:
    _, results = _nanchang()
    wb = openpyxl.load_workbook(_build(results, tmp_path))
    diff = wb["差异明细"]
    flagged = [r for r in diff.iter_rows(min_row=3) if r[0].fill.fgColor.rgb == "00F8CBAD"]
    # 东湖区 self 95 vs assessors 91.5: the items where the filling order differs by ≥ 1
    assert flagged and all(r[1].value == "东湖区" for r in flagged)
    assert all(abs(r[8].value) >= 1 for r in flagged)
    detail = wb["分项明细"]
    assert [c.value for c in detail[2]][:6] == ["编号", "类别", "考核内容", "分值", "类型", "01 东湖区"]
    veto_row = next(r for r in detail.iter_rows(min_row=3) if r[0].value == "49")
    assert [c.value for c in veto_row[5:10]] == [
        "否",
        None,
        None,
        "是",
        None,
    ]  # 02, 03 did not mark it; 05 not returned


@pytest.mark.parametrize("text", INJECTIONS)
def test_unit_text_is_never_a_formula(tmp_path: Path, text: str) -> None:
    rubric = load_rubric(SAMPLES / "南昌老干部" / "细则.xlsx")
    bad = units(("01", text), ("02", "西湖区"))
    records = form_records("01", base_scores_summing_to(rubric, 90), remarks={"1": text, "49": text}, veto={"49": True})
    records += form_records("02", base_scores_summing_to(rubric, 80))
    results = score(rubric, bad, records)
    wb = openpyxl.load_workbook(_build(results, tmp_path, [RejectedFile(text, "", "rejected", text)]))
    ws = wb[SUMMARY_SHEET]
    row = next(r for r in range(4, 6) if ws.cell(r, 1).value == "01")  # vetoed: ranked after 02
    assert ws.cell(row, 2).value == text and ws.cell(row, 2).data_type == "s"
    assert ws.cell(row, 2).quotePrefix  # stays text when edited in Excel
    assert f"：{text}；" in ws.cell(row, _column(ws, "备注")).value  # the veto reason
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert str(cell.value).startswith(("=SUM(", "=MAX(", "=ROUND(")), cell.coordinate
    diff = wb["差异明细"]
    assert any(c.value == text and c.data_type == "s" for row in diff.iter_rows() for c in row)


def _recalculated(path: Path, tmp_path: Path) -> openpyxl.Workbook:
    from kaohe_xl.xlsx.libreoffice import recalculate

    return openpyxl.load_workbook(recalculate(path, tmp_path / "recalc" / path.name), data_only=True)


@pytest.mark.libreoffice
def test_formulas_equal_the_python_engine_after_libreoffice(tmp_path: Path) -> None:
    rubric = load_rubric(SAMPLES / "新庄镇综合考核" / "细则.xlsx")
    villages = units(("01", "新庄村"), ("02", "塬上村"), ("03", "柳沟村"), ("04", INJECTIONS[0]))
    source = rubric.source("班子评分")
    records = []
    for n, (unit, base) in enumerate(zip(villages, ("1200", "1111.5", "1333.3", "999.9"), strict=True)):
        records += form_records(unit.id, base_scores_summing_to(rubric, D(base)), remarks={"1": INJECTIONS[1]})
        records += ballot_records(unit.id, 20 + n, 7, 2, 1)  # 民主测评 fills item 17
        for k, rater in enumerate(source.raters):
            marks = {c.name: c.rater_max["班子评分"] - (k + n) % 3 for c in rubric.categories}
            records += form_records(unit.id, marks, source="班子评分", form=FormKind.RATER, rater=rater)
    results = score(rubric, villages, records)
    wb = _recalculated(_build(results, tmp_path), tmp_path)
    ws = wb[SUMMARY_SHEET]
    for row in range(4, 4 + len(villages)):
        unit = results.unit(str(ws.cell(row, 1).value))
        main = unit.main
        assert main is not None and unit.shown is not None
        assert Decimal(str(ws.cell(row, _column(ws, "基础分")).value)) == main.base
        assert Decimal(str(ws.cell(row, _column(ws, "考核组得分")).value)) == main.total
        assert Decimal(str(ws.cell(row, _column(ws, "综合得分")).value)).quantize(D("0.01")) == unit.shown
    assert ws.cell(4 + [u.unit_id for u in results.units].index("04"), 2).value == INJECTIONS[0]


@pytest.mark.libreoffice
def test_injected_text_stays_text_through_libreoffice(tmp_path: Path) -> None:
    rubric = load_rubric(SAMPLES / "南昌老干部" / "细则.xlsx")
    bad = units(*[(f"0{n}", text) for n, text in enumerate(INJECTIONS, start=1)])
    records = []
    for n, unit in enumerate(bad):
        records += form_records(unit.id, base_scores_summing_to(rubric, 80 + n), remarks={"1": INJECTIONS[n]})
    wb = _recalculated(_build(score(rubric, bad, records), tmp_path), tmp_path)
    names = {wb[SUMMARY_SHEET].cell(r, 2).value for r in range(4, 4 + len(bad))}
    assert names == set(INJECTIONS)  # not "y", not 2, not 1
    reasons = {c.value for row in wb["差异明细"].iter_rows(min_col=10, max_col=10) for c in row}
    assert set(INJECTIONS) <= reasons


def test_open_target_is_left_alone_and_written_beside(tmp_path: Path) -> None:
    _, results = _nanchang()
    first = _build(results, tmp_path)
    before = first.read_bytes()
    (tmp_path / "~$汇总表.xlsx").write_bytes(b"lock")  # Excel's owner file: the workbook is open
    wb = build_summary(results, reconcile(results), [], [])
    saved = save_atomic(wb, first)
    assert saved.path == tmp_path / "汇总表(1).xlsx" and "正在被其他程序打开" in saved.note
    assert first.read_bytes() == before
    assert openpyxl.load_workbook(saved.path)[SUMMARY_SHEET]["A1"].value.endswith("汇总表")


def test_failed_save_never_replaces_a_good_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, results = _nanchang()
    first = _build(results, tmp_path)
    before = first.read_bytes()
    wb = build_summary(results, reconcile(results), [], [])
    real_write = Path.write_bytes

    def broken(self: Path, data: bytes) -> int:  # the disk fills up half-way through the file
        real_write(self, data[:100])
        raise OSError(28, "disk full")

    monkeypatch.setattr(Path, "write_bytes", broken)
    with pytest.raises(OSError, match="disk full"):
        save_atomic(wb, first)
    assert first.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["汇总表.xlsx"]  # no temp file left


def test_write_summary_from_collected_returns(campaign: Campaign, tmp_path: Path) -> None:
    return_forms(campaign, tmp_path / "inbox")
    report = write_summary(campaign)
    assert report.path == campaign.output_dir / "汇总表.xlsx" and report.note == ""
    assert (report.units, report.scored) == (3, 2)
    assert report.pending == ["03 南岭村：自评表待提交、考核组评分表待提交"]
    wb = openpyxl.load_workbook(report.path)
    ws = wb[SUMMARY_SHEET]
    # 东湖村: item 1 mean of 3 and 4 = 3.5 → base 9.5, bonus min(3, 2) = 2 → 11.5
    assert [ws.cell(r, 2).value for r in range(4, 7)] == ["东湖村", "西山村", "南岭村"]
    assert ws.cell(4, _column(ws, "加分")).value == 2 and ws.cell(6, _column(ws, "综合得分")).value == "待提交"
    returns = [[c.value for c in row] for row in wb["拒收文件"].iter_rows()]
    assert any(r[1] == "新建 Microsoft Excel 工作表.xlsx" and r[6] for r in returns)
    frame = results_frame(campaign)
    assert frame["composite"].tolist()[:2] == [11.5, 6.5] and frame["status"].tolist()[2] == "missing"
    flagged = reconciliation_frame(campaign).query("flagged")
    assert flagged[["unit_id", "item_id", "difference"]].values.tolist() == [["02", "1", 1.0]]
    assert set(status_frame(campaign)["state_label"]) == {"已收到", "待提交"}


@pytest.mark.libreoffice
def test_pdf_pages_are_landscape_a4(campaign: Campaign, tmp_path: Path) -> None:
    return_forms(campaign, tmp_path / "inbox")
    report = write_summary(campaign, pdf=True)
    assert report.pdf is not None and report.pdf.exists()
    info = subprocess.run(["pdfinfo", str(report.pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages == 2  # 汇总表 + chart
    width, height = (
        float(x) for x in next(ln for ln in info.splitlines() if ln.startswith("Page size:")).split()[2:5:2]
    )
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "40", str(report.pdf), str(tmp_path / "page")], check=True)
        assert len(list(tmp_path.glob("page-*.png"))) == pages
    text = subprocess.run(["pdftotext", str(report.pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = text.replace(" ", "")
    assert "测试考核汇总表" in text and "东湖村" in text and "第1页共2页" in flat


def test_cli_summary_reports_pending_units(campaign: Campaign, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kaohe_xl.cli.commands import main

    return_forms(campaign, tmp_path / "inbox")
    result = CliRunner().invoke(main, ["summary", str(campaign.root)])
    assert result.exit_code == 0, result.output
    assert "3 个单位，2 个已计算综合得分" in result.output
    assert "未计分：03 南岭村：自评表待提交、考核组评分表待提交" in result.output
    assert (campaign.output_dir / "汇总表.xlsx").exists()


def test_many_categories_get_narrower_columns_so_the_print_stays_readable(tmp_path: Path) -> None:
    """新庄镇 has 15 categories: at the roomy widths the sheet was ~300 characters wide and
    printed one page wide at under half size (5 pt text). Narrower columns keep it ≥ 60 %."""
    rubric = load_rubric(SAMPLES / "新庄镇综合考核" / "细则.xlsx")
    villages = units(("01", "新庄村"), ("02", "塬上村"))
    records = form_records("01", base_scores_summing_to(rubric, 1200))
    ws = openpyxl.load_workbook(_build(score(rubric, villages, records), tmp_path))[SUMMARY_SHEET]
    widths = [ws.column_dimensions[openpyxl.utils.get_column_letter(n)].width for n in range(1, ws.max_column + 1)]
    assert len(rubric.scored_categories) == 15 and sum(widths) <= 220
    category = ws.column_dimensions[openpyxl.utils.get_column_letter(_column(ws, "党建工作\n(100)"))].width
    assert category >= 7  # "1000.00" still fits
    _, nanchang = _nanchang()  # 8 categories: the roomy layout is kept
    wide = openpyxl.load_workbook(_build(nanchang, tmp_path / "n"))[SUMMARY_SHEET]
    assert wide.column_dimensions["C"].width == 11


# ---- numbers are numbers, -o is an .xlsx, files get the usual permissions ----------------
_NUMBER_TEXT = re.compile(r"^[+-]?\d+(\.\d+)?%$|^[+-]?\d+\.\d+$")  # "90.20", "33.3%"


def numbers_as_text(wb: openpyxl.Workbook) -> list[str]:
    """Text cells that hold a figure (Excel flags them and cannot add them up).

    Ids such as 01 or 3 stay text on purpose; scores always carry decimals or a %.
    """
    return [
        f"{ws.title}!{cell.coordinate}={cell.value!r}"
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "s" and isinstance(cell.value, str) and _NUMBER_TEXT.match(cell.value.strip())
    ]


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_figures_are_numbers_with_a_number_format(tmp_path: Path) -> None:
    _, results = _nanchang()
    wb = openpyxl.load_workbook(_build(results, tmp_path))
    assert numbers_as_text(wb) == []
    diff = wb["自评与考核差异"]
    share = next(r[5] for r in diff.iter_rows(min_row=3) if r[1].value == "东湖区")
    assert isinstance(share.value, float) and 0 < share.value <= 1 and share.number_format == "0.0%"
    ws = wb[SUMMARY_SHEET]
    assert ws.cell(4, _column(ws, "加分")).number_format == "0.00"
    assert ws.cell(4, 1).value == "01" and ws.cell(4, 1).data_type == "s"  # ids stay text


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_summary_files_get_the_usual_permissions(campaign: Campaign, tmp_path: Path) -> None:
    """Not 600 as from tempfile.mkstemp: the mode new files get (0o666 minus the umask)."""
    return_forms(campaign, tmp_path / "inbox")
    old = os.umask(0o022)
    try:
        first = write_summary(campaign).path
        (campaign.output_dir / "~$汇总表.xlsx").write_bytes(b"lock")  # open in Excel
        beside = write_summary(campaign).path
        os.umask(0o002)
        shared = write_summary(campaign, tmp_path / "共享" / "汇总表.xlsx").path
    finally:
        os.umask(old)
    assert beside.name == "汇总表(1).xlsx"
    assert (mode(first), mode(beside), mode(shared)) == (0o644, 0o644, 0o664)


@pytest.mark.parametrize("output", ["out/y.pdf", "out/汇总表", "out/汇总表.xls", "out/"])
@pytest.mark.parametrize("pdf", [True, False])
def test_cli_summary_output_must_be_an_xlsx_workbook(
    campaign: Campaign, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, output: str, pdf: bool
) -> None:
    from click.testing import CliRunner

    from kaohe_xl.cli.commands import main
    from kaohe_xl.output import summary as summary_module

    def no_work(*args: object) -> None:
        raise AssertionError("the campaign was scored before -o was checked")

    monkeypatch.setattr(summary_module, "compute_with_states", no_work)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["summary", str(campaign.root), "-o", output] + (["--pdf"] if pdf else []))
    assert result.exit_code == 1, result.output
    assert "错误：" in result.output and ".xlsx" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists() and not list(campaign.output_dir.iterdir())


def test_cli_summary_output_may_not_be_a_folder(campaign: Campaign, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kaohe_xl.cli.commands import main

    folder = tmp_path / "已有文件夹.xlsx"
    folder.mkdir()
    result = CliRunner().invoke(main, ["summary", str(campaign.root), "-o", str(folder)])
    assert result.exit_code == 1 and "是一个文件夹" in result.output, result.output
    assert list(folder.iterdir()) == []


def test_write_summary_refuses_a_non_xlsx_target(campaign: Campaign, tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"\.xlsx"):
        write_summary(campaign, tmp_path / "y.pdf", pdf=True)
    assert not (tmp_path / "y.pdf").exists()
    assert write_summary(campaign, tmp_path / "Y.XLSX").path == tmp_path / "Y.XLSX"  # any case


@pytest.mark.libreoffice
def test_cli_summary_pdf_goes_beside_the_named_workbook(campaign: Campaign, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kaohe_xl.cli.commands import main

    return_forms(campaign, tmp_path / "inbox")
    xlsx, pdf = tmp_path / "out" / "y.xlsx", tmp_path / "out" / "y.pdf"
    result = CliRunner().invoke(main, ["summary", str(campaign.root), "-o", str(xlsx), "--pdf"])
    assert result.exit_code == 0, result.output
    assert zipfile.is_zipfile(xlsx) and openpyxl.load_workbook(xlsx).sheetnames[0] == SUMMARY_SHEET
    assert pdf.read_bytes().startswith(b"%PDF")
    assert f"已生成汇总表 {xlsx}：" in result.output and f"已生成 PDF {pdf}" in result.output
    if os.name == "posix":
        assert mode(xlsx) == mode(pdf) == 0o666 & ~current_umask()


@pytest.mark.libreoffice
def test_rounds_summary_formulas_equal_the_engine_after_libreoffice(tmp_path: Path) -> None:
    """动力厂 with its two rounds, each converted to 千分制: every 得分, 千分制 figure and the
    composite in the 汇总表, recalculated by LibreOffice, equal the Python engine."""
    from dataclasses import replace

    from _scoring_helpers import filled_scores

    dongli = load_rubric(SAMPLES / "动力厂党建" / "细则.xlsx")
    rubric = replace(dongli, sources=tuple(replace(s, scale=D(1000)) if s.weight else s for s in dongli.sources))
    branches = units(("D01", "运行车间党支部"), ("D02", "检修车间党支部"), ("D03", "供电车间党支部"))
    records = []
    for n, branch in enumerate(branches):
        for source, others in (("专项督查", 55 + 7 * n), ("年终考核", D("61.5") + 3 * n)):
            scores = filled_scores(rubric, others, cuts={"1": 5 * n}, extra={"24": 5, "25": 3, "23": 2 * n})
            records += form_records(branch.id, scores, source=source)
    results = score(rubric, branches, records)
    ws = _recalculated(_build(results, tmp_path), tmp_path)[SUMMARY_SHEET]
    for row in range(4, 4 + len(branches)):
        unit = results.unit(str(ws.cell(row, 1).value))
        assert unit.shown is not None
        for name in ("专项督查", "年终考核"):
            result = unit.sources[name]
            assert Decimal(str(ws.cell(row, _column(ws, f"{name}得分")).value)) == result.total
            thousand = Decimal(str(ws.cell(row, _column(ws, f"{name}（千分制）")).value))
            assert thousand.quantize(D("0.0001")) == (result.total * 10).quantize(D("0.0001"))
        assert Decimal(str(ws.cell(row, _column(ws, "综合得分")).value)).quantize(D("0.01")) == unit.shown
        assert ws.cell(row, _column(ws, "是否合格")).value == ("合格" if unit.passed else "不合格")
    # the primary round (年终考核, weight 0.7) shows its categories and 基础分 − 扣分 as formulas
    first = results.unit(str(ws.cell(4, 1).value))
    assert first.main is not None and first.main.source == "年终考核"
    assert Decimal(str(ws.cell(4, _column(ws, "基础分")).value)) == first.main.base


# ---- stored formula results: previews, calamine and pandas show the figures -------------
def test_calamine_reads_every_figure_of_the_summary_as_the_export(tmp_path: Path) -> None:
    """No recalculation: python-calamine reads the stored results of 基础分, the totals
    and 综合得分 as numbers, equal to ``kaohe export`` (acceptance, issue 12)."""
    from python_calamine import CalamineWorkbook

    from kaohe_xl.output.export import export_rows

    _, results = _nanchang()
    rows = CalamineWorkbook.from_path(str(_build(results, tmp_path))).get_sheet_by_name(SUMMARY_SHEET).to_python()
    header = [str(h) for h in rows[2]]
    table = {str(r[0]): dict(zip(header, r, strict=False)) for r in rows[3:] if r[0]}
    exported = {row["unit_id"]: row for row in export_rows(results)}
    checked = 0
    for unit_id, row in exported.items():
        got = table[unit_id]
        pairs = [("自评得分", "self_total"), ("考核组得分", "assessor_total"), ("加分", "bonus"), ("扣分", "penalty")]
        pairs += [("综合得分", "composite"), ("排名", "rank")]
        for header_label, key in pairs:
            if exported[unit_id][key] is None:
                assert not isinstance(got[header_label], float), (unit_id, header_label)
                continue
            figure = got[header_label]
            assert isinstance(figure, float), (unit_id, header_label, figure)
            assert round(figure, 2) == exported[unit_id][key], (unit_id, header_label)
            checked += 1
        if row["composite"] is not None:
            assert got["基础分"] == float(results.unit(unit_id).main.base)  # type: ignore[union-attr]
    assert checked >= 20  # 4 scored units: 2 totals, 加分, 扣分, 综合得分, 排名 (not the vetoed one's rank)


def _stored_and_recalculated(path: Path, tmp_path: Path) -> list[tuple[str, object, object]]:
    """Every formula cell: (where, its stored result, what LibreOffice computes)."""
    formulas = openpyxl.load_workbook(path)
    stored = openpyxl.load_workbook(path, data_only=True)
    fresh = _recalculated(path, tmp_path)
    found = []
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    where = f"{ws.title}!{cell.coordinate}"
                    found.append(
                        (where, stored[ws.title][cell.coordinate].value, fresh[ws.title][cell.coordinate].value)
                    )
    return found


@pytest.mark.libreoffice
@pytest.mark.parametrize("sample", ["南昌老干部", "新庄镇综合考核"])
def test_stored_results_are_what_libreoffice_computes(sample: str, tmp_path: Path) -> None:
    rubric = load_rubric(SAMPLES / sample / "细则.xlsx")
    five = units(("01", "甲"), ("02", "乙"), ("03", "丙"))
    records = []
    for n, unit in enumerate(five):
        records += form_records(unit.id, base_scores_summing_to(rubric, D(rubric.settings.full_marks) * D("0.8") + n))
        records += self_records(unit.id, base_scores_summing_to(rubric, D(rubric.settings.full_marks) * D("0.9")))
    results = score(rubric, five, records)
    found = _stored_and_recalculated(_build(results, tmp_path), tmp_path)
    assert len(found) >= 3 * 2
    for where, stored, computed in found:
        assert isinstance(stored, int | float) and isinstance(computed, int | float), (where, stored, computed)
        assert abs(stored - computed) < 1e-9, (where, stored, computed)


def test_remarks_name_the_source_of_a_note_both_sources_carry(tmp_path: Path) -> None:
    """A note of the 自评 and the 考核组 arithmetic (item left blank) is written once, with
    both sources named; a note only one source has says which."""
    from kaohe_xl.output.summary import remarks_of

    rubric = load_rubric(SAMPLES / "南昌老干部" / "细则.xlsx")
    scores = base_scores_summing_to(rubric, 80)
    first, second = list(scores)[:2]
    del scores[first]
    records = form_records("01", scores) + self_records("01", scores)
    unit = score(rubric, units(("01", "东湖区")), records).unit("01")
    both = f"条目{first}未评分，按0分计"
    assert "；".join(unit.remarks).count(both) == 2  # the engine's list has it once per source
    assert remarks_of(unit) == f"自评、考核组：{both}"
    fewer = {k: v for k, v in scores.items() if k != second}
    records = form_records("01", scores) + self_records("01", fewer)
    text = remarks_of(score(rubric, units(("01", "东湖区")), records).unit("01"))
    assert text == f"自评：条目{first}、{second}未评分，按0分计；考核组：{both}"
