"""The analysis sheets print like the 汇总表: rendered by LibreOffice, every page is A4
landscape, repeats its title and header rows, carries 第 X 页 共 Y 页, and its text is
printed at a readable size (one page wide, not shrunk to nothing)."""

from __future__ import annotations

import random
import re
import subprocess
from decimal import Decimal
from pathlib import Path
from statistics import median

import openpyxl
import pytest
from conftest import SAMPLES
from kaohe_xl.samples.make_last_year import scored

from kaohe_xl.analysis.years import Year, YearCategory, YearItem, YearUnit
from kaohe_xl.output.compare import write_comparison
from kaohe_xl.output.feedback import build_feedback
from kaohe_xl.output.loss import LOSS_SHEET, WEAKEST_TITLE
from kaohe_xl.output.summary import build_summary
from kaohe_xl.rubric.load import load_rubric
from kaohe_xl.scoring.reconcile import reconcile

pytestmark = pytest.mark.libreoffice

_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def pages(pdf: Path) -> list[tuple[tuple[float, float], str, list[float]]]:
    """Per page: (width, height) in points, its text without spaces, its words' heights."""
    html = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    out = []
    for page in re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, re.S):
        words = _WORD.findall(page[2])
        text = "".join(w[4] for w in words)
        heights = [float(w[3]) - float(w[1]) for w in words]
        out.append(((float(page[0]), float(page[1])), text, heights))
    return out


def check_pages(pdf: Path, sheets: dict[str, tuple[str, ...]], *, landscape: bool = True) -> dict[str, int]:
    """Every page: A4 in the orientation, one sheet's title and header words, its page number.
    Returns how many pages each sheet (by title) printed on."""
    found = pages(pdf)
    counts = dict.fromkeys(sheets, 0)
    for number, ((width, height), text, heights) in enumerate(found, start=1):
        size = (round(width), round(height))
        assert size == ((842, 595) if landscape else (595, 842)), f"page {number}: {size}"
        assert f"第{number}页共{len(found)}页" in text, f"page {number}: no page number"
        titles = [title for title in sheets if title in text]
        assert len(titles) == 1, f"page {number}: titles {titles}"
        for word in sheets[titles[0]]:
            assert word in text, f"page {number} ({titles[0]}): header {word} not repeated"
        assert median(heights) >= 6.5, f"page {number}: text printed at {median(heights):.1f} pt"
        counts[titles[0]] += 1
    return counts


def _big_years(units: int = 60) -> tuple[Year, Year]:
    """Two years of many units, 8 categories and 40 items: every sheet runs to several pages."""
    rng = random.Random(13)
    categories = tuple(YearCategory(f"第{n}类工作任务", Decimal(10)) for n in range(1, 9))
    items = tuple(
        YearItem(str(n), categories[n % 8].name, f"第{n}项考核内容，按要求完成各项工作任务并有记录", "基础", Decimal(5))
        for n in range(1, 41)
    )

    def year(label: str, skip: int) -> Year:
        people = []
        for n in range(1, units + 1):
            if n == skip:
                continue
            scores = {c.name: Decimal(rng.randint(60, 100)) / 10 for c in categories}
            marks = {i.id: Decimal(rng.randint(6, 10)) / 2 for i in items}
            people.append(
                YearUnit(
                    f"{n:02d}", f"第{n}村", sum(scores.values(), Decimal(0)), n, "良好", "ok", False, scores, marks
                )
            )
        return Year(f"某县{label}年考核", label, Decimal(80), tuple(people), categories, items)

    return year("2023", 3), year("2022", 5)


def test_comparison_sheets_print_like_the_summary(tmp_path: Path) -> None:
    from kaohe_xl.xlsx.libreoffice import to_pdf

    this, last = _big_years()
    report = write_comparison(this, last, out=tmp_path / "与上年对比.xlsx")
    pdf = to_pdf(report.path, tmp_path / "pdf")
    counts = check_pages(
        pdf,
        {
            "某县2023年考核与2022年对比": ("编号", "单位", "综合得分", "排名", "等次", "备注", "2023年", "2022年"),
            "各类别得分率2023年与2022年对比": ("编号", "单位", "第1类", "第8类"),
            "各条目得分率2023年与2022年对比": ("编号", "类别", "考核内容", "说明"),
            "各单位综合得分（2022年—2023年）": ("2022年",),
        },
    )
    assert counts.pop("各单位综合得分（2022年—2023年）") == 1  # the chart, on one page
    assert all(n >= 2 for n in counts.values()), counts  # the headers were repeated on later pages


def test_the_samples_comparison_prints(tmp_path: Path) -> None:
    """2023 (scored like a campaign) against the 南昌 sample's 2022 snapshot and 2021 汇总表."""
    from kaohe_xl.xlsx.libreoffice import to_pdf

    rubric = load_rubric(SAMPLES / "南昌老干部" / "细则.xlsx")
    names = [
        "东湖区",
        "西湖区",
        "青云谱区",
        "青山湖区",
        "新建区",
        "红谷滩区",
        "南昌县",
        "进贤县",
        "安义县",
        "经开区",
        "高新区",
        "湾里管理局",
    ]
    results = scored(rubric, [(name, 0.8 + n / 100) for n, name in enumerate(names)], seed=2023)
    folder = SAMPLES / "南昌老干部"
    report = write_comparison(
        results,
        folder / "2022年结果快照.json",
        folder / "2021年汇总表.xlsx",
        out=tmp_path / "与上年对比.xlsx",
        mapping=folder / "单位对照表.xlsx",
    )
    pdf = to_pdf(report.path, tmp_path / "pdf")
    counts = check_pages(
        pdf,
        {
            "与2022年、2021年对比": ("编号", "单位", "综合得分", "2021年", "备注"),
            "各类别得分率": ("领导重视", "队伍建设"),
            "各条目得分率": ("考核内容", "说明"),
            "各单位综合得分（2021年—2023年）": ("2021年",),
        },
    )
    assert counts["与2022年、2021年对比"] == 1 and counts["各条目得分率"] >= 3


def test_loss_sheet_prints_like_the_summary(tmp_path: Path) -> None:
    from kaohe_xl.xlsx.libreoffice import to_pdf

    rubric = load_rubric(SAMPLES / "南昌老干部" / "细则.xlsx")
    results = scored(rubric, [(f"第{n}区", 0.75 + n / 100) for n in range(1, 13)], seed=7)
    whole = tmp_path / "汇总.xlsx"
    build_summary(results, reconcile(results), [], []).save(whole)
    wb = openpyxl.load_workbook(whole)
    for name in wb.sheetnames:
        if name != LOSS_SHEET:
            del wb[name]
    path = tmp_path / "失分分析.xlsx"
    wb.save(path)
    counts = check_pages(
        to_pdf(path, tmp_path / "pdf"),
        {
            "失分分析（考核组得分，12个单位）": (
                "名次",
                "编号",
                "类别",
                "考核内容",
                "分值",
                "平均得分率",
                "失分合计",
                "主要扣分原因",
            )
        },
    )
    assert counts["失分分析（考核组得分，12个单位）"] >= 3


def test_feedback_prints_the_weakest_items(tmp_path: Path) -> None:
    from kaohe_xl.xlsx.libreoffice import to_pdf

    rubric = load_rubric(SAMPLES / "南昌老干部" / "细则.xlsx")
    results = scored(rubric, [("东湖区", 0.8), ("西湖区", 0.9)], seed=7)
    path = tmp_path / "反馈表.xlsx"
    build_feedback(results, reconcile(results), "01").save(path)
    found = pages(to_pdf(path, tmp_path / "pdf"))
    assert all((round(w), round(h)) == (595, 842) for (w, h), _, _ in found)  # A4 portrait, as before
    text = found[0][1]
    assert WEAKEST_TITLE.replace(" ", "") in text and "全体平均得分率" in text
    assert openpyxl.load_workbook(path).sheetnames == ["反馈表"]
