"""Every printed kind, printed: rendered by LibreOffice and read back page by page.

For each kind (汇总表 with every sheet, 反馈表, 自评表, 考核组评分表, 评分表, 民主测评表,
民主测评票) and each page: the page number is inside the page and drawn whole, the page
begins with its sheet's header row (only title lines above it, none overlapping it), no
line starts with closing punctuation (``tests/_pages_helpers.py``). A sheet added to a
workbook joins by adding its :class:`SheetSpec` to the kind's list (issue 13: 与上年对比,
失分分析 in :data:`SUMMARY`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _pages_helpers import SheetSpec, problems, read_pages, render

from kaohe_xl.campaign import Campaign
from kaohe_xl.demo import run_demo
from kaohe_xl.forms.ballot import ballot_path
from kaohe_xl.forms.generate import rater_path
from kaohe_xl.output.summary import write_summary
from kaohe_xl.rubric.model import FormKind

pytestmark = pytest.mark.libreoffice

_DIFF_ITEM = (
    "编号",
    "单位",
    "条目",
    "类别",
    "考核内容",
    "分值",
    "自评得分",
    "考核得分",
    "差异",
    "扣分原因",
    "自评说明",
)
SUMMARY = [
    SheetSpec("汇总表", r"汇总表$", (("编号", "单位", "基础分", "综合得分", "等次", "排名", "备注"),), (r"^制表日期",)),
    SheetSpec("综合得分图", r"综合得分$"),
    SheetSpec(
        "失分分析",
        r"失分分析（",
        (("名次", "编号", "类别", "考核内容", "分值", "平均得分率", "失分单位数", "失分合计"),),
        (r"^按失分合计从多到少排列", r"^平均得分率", r"^括号内为", r"^考核组评分表未收到"),
    ),
    SheetSpec(
        "自评与考核差异", r"^自评与考核差异（", (("编号", "单位", "差异条目数", "比较条目数", "说明", "差异占比"),)
    ),
    SheetSpec("差异明细", r"^自评与考核差异明细", (_DIFF_ITEM,)),
    SheetSpec("分项明细", r"^分项明细", (("编号", "类别", "考核内容", "分值", "类型"),)),
    SheetSpec("回收情况", r"^回收情况$", (("编号", "单位", "表单", "状态", "修订次数", "收到时间", "说明"),)),
    SheetSpec("拒收文件", r"^拒收的文件", (("序号", "文件名", "表单", "处理", "对象", "收到时间", "原因"),)),
]
FEEDBACK = [
    SheetSpec(
        "反馈表",
        r"结果反馈表$",
        (
            ("考核结果",),
            ("编号", "类别", "考核内容", "分值", "考核得分", "扣分原因"),
            ("编号", "类别", "考核内容", "扣分", "扣分原因"),
        ),
        (r"^单位：.*反馈日期", r"^分项得分", r"^扣分明细"),
    )
]
_NOTES = SheetSpec("说明", r"填表说明$")
_FORM_TITLES = (r"^自评表$", r"^考核组评分表", r"^填报单位：", r"^被考核单位：")
SELF = [
    _NOTES,
    SheetSpec(
        "自评表", r"考核$", (("编号", "类别", "考核内容", "分值", "评分标准", "自评得分", "自评说明"),), _FORM_TITLES
    ),
]
_ASSESSOR_HEADER = ("编号", "类别", "考核内容", "分值", "评分标准", "自评得分", "自评说明", "考核得分", "扣分原因")
ASSESSOR = [_NOTES, SheetSpec("考核组评分表", r"考核$", (_ASSESSOR_HEADER,), _FORM_TITLES)]
RATER = [
    _NOTES,
    SheetSpec("评分表", r"考核$", (("各类别满分",), ("编号", "单位名称", "合计")), (r"评分表$", r"^评分人：")),
]
TALLY = [
    _NOTES,
    SheetSpec(
        "民主测评表",
        r"考核$",
        (("编号", "单位", "实到人数", "好", "较好", "一般", "较差", "合计"),),
        (r"^民主测评汇总表$", r"^考核组："),
    ),
]
BALLOT = [SheetSpec("民主测评票", r"考核$", footer=False)]


@pytest.fixture(scope="module")
def nanchang(tmp_path_factory: pytest.TempPathFactory) -> Campaign:
    root = tmp_path_factory.mktemp("pages") / "南昌"
    run_demo(root, pdf=False, say=lambda _t: None)
    return Campaign.open(root)


@pytest.fixture(scope="module")
def xinzhuang(tmp_path_factory: pytest.TempPathFactory) -> Campaign:
    root = tmp_path_factory.mktemp("pages") / "新庄镇"
    run_demo(root, pdf=False, say=lambda _t: None, sample="新庄镇综合考核")
    return Campaign.open(root)


def _check(path: Path, specs: list[SheetSpec], tmp_path: Path) -> dict[str, int]:
    pdf = render(path, tmp_path)
    found, counts = problems(pdf, specs)
    assert found == [], "\n".join(found[:20])
    return counts


def test_summary_every_sheet(nanchang: Campaign, tmp_path: Path) -> None:
    counts = _check(nanchang.output_dir / "汇总表.xlsx", SUMMARY, tmp_path)
    assert set(counts) == {s.name for s in SUMMARY}  # every sheet printed, each recognised
    # 12 units fit one landscape page; the chart, the per-unit differences and the one
    # rejected file one page each; 12 × 50 difference rows and 50 items run over pages
    assert [counts[n] for n in ("汇总表", "综合得分图", "自评与考核差异", "拒收文件")] == [1, 1, 1, 1]
    assert counts["差异明细"] > 5 and counts["分项明细"] >= 2 and counts["回收情况"] >= 1
    assert counts["失分分析"] >= 3  # 50 items, then the categories and vetoes


def test_summary_pdf_of_nanchang_is_two_pages(nanchang: Campaign, tmp_path: Path) -> None:
    """`kaohe summary --pdf` prints 汇总表 (12 units on one page) and the chart."""
    report = write_summary(nanchang, tmp_path / "汇总表.xlsx", pdf=True)
    assert report.pdf is not None
    pages = read_pages(report.pdf)
    assert len(pages) == 2 and all(round(p.width) == 842 for p in pages)  # A4 landscape
    found, counts = problems(report.pdf, SUMMARY)
    assert found == [] and counts == {"汇总表": 1, "综合得分图": 1}


@pytest.mark.parametrize("unit", ["01", "03"])  # 01: 41 deductions, over several pages
def test_feedback(nanchang: Campaign, tmp_path: Path, unit: str) -> None:
    path = next((nanchang.output_dir / "反馈表").glob(f"{unit}_*.xlsx"))
    counts = _check(path, FEEDBACK, tmp_path)
    assert counts["反馈表"] >= (3 if unit == "01" else 1)


def test_feedback_without_self_assessment(xinzhuang: Campaign, tmp_path: Path) -> None:
    path = next((xinzhuang.output_dir / "反馈表").glob("01_*.xlsx"))
    _check(path, FEEDBACK, tmp_path)


def test_self_form(nanchang: Campaign, tmp_path: Path) -> None:
    counts = _check(nanchang.form_path(FormKind.SELF, "01"), SELF, tmp_path)
    assert counts["自评表"] > 1


def test_assessor_form(nanchang: Campaign, tmp_path: Path) -> None:
    group = next(iter(nanchang.assessor_groups()))
    counts = _check(
        nanchang.assessor_form_path(group, nanchang.rubric.sources_of(FormKind.ASSESSOR)[0].name), ASSESSOR, tmp_path
    )
    assert counts["考核组评分表"] > len(nanchang.assessor_groups()[group])  # each unit's sheet over pages


def test_rater_form(xinzhuang: Campaign, tmp_path: Path) -> None:
    source = xinzhuang.rubric.sources_of(FormKind.RATER)[0]
    _check(rater_path(xinzhuang, source.name, source.raters[0]), RATER, tmp_path)


def test_tally_and_ballot(xinzhuang: Campaign, tmp_path: Path) -> None:
    group = next(iter(xinzhuang.assessor_groups()))
    _check(xinzhuang.form_path(FormKind.BALLOT, group, group), TALLY, tmp_path)
    counts = _check(ballot_path(xinzhuang, xinzhuang.units[0]), BALLOT, tmp_path / "ballot")
    assert counts == {"民主测评票": 1}  # one A4 page, printed once per voter


def test_the_checks_fail_on_the_pages_issue_12_describes(nanchang: Campaign, tmp_path: Path) -> None:
    """The harness catches what was wrong: a footer in a band too small for it, a sheet
    whose continuation pages lack the header row, a line starting with "，"."""
    import openpyxl

    from kaohe_xl.xlsx import libreoffice

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "汇总表"
    ws["A1"] = "测试汇总表"
    ws.append(["编号", "单位", "基础分", "综合得分", "等次", "排名", "备注"])
    for n in range(120):
        ws.append([f"{n:03d}", "单位", 1, 2, "良好", n, "测" * 6 + "，扣分"])
    ws.column_dimensions["G"].width = 12
    for row in ws.iter_rows(min_row=3):
        row[6].alignment = openpyxl.styles.Alignment(wrap_text=True)
    ws.page_margins.bottom, ws.page_margins.footer = 0.6, 0.5  # the footer band of the old 汇总表
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    ws.oddFooter.center.size = 9
    path = tmp_path / "old.xlsx"
    wb.save(path)
    # straight to PDF, as before issue 12 (without the Chinese line-breaking rule)
    pdf = libreoffice._convert(path, "pdf:calc_pdf_Export", tmp_path / "work", libreoffice.DEFAULT_TIMEOUT)
    found, _ = problems(pdf, SUMMARY[:1])
    text = "\n".join(found)
    assert "the page number is cut" in text
    assert "page 2: begins with neither a sheet's title nor its header row: '046单位" in text  # no print titles
    assert "a line starts with '，扣分'" in text
    strict, _ = problems(libreoffice.to_pdf(path, tmp_path / "strict.pdf"), SUMMARY[:1])
    assert not any("a line starts with" in problem for problem in strict)  # the rule, as kaohe prints
