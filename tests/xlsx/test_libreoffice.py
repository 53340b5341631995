"""LibreOffice headless: the 自评表 formulas give the rubric arithmetic; PDF export."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from _forms_helpers import fill_scores, header, rubric_total, total_rows
from conftest import SMALL_ITEMS

from kaohe_xl.campaign import Campaign
from kaohe_xl.errors import OutputError, ToolMissingError
from kaohe_xl.forms import layout
from kaohe_xl.forms.generate import generate_forms
from kaohe_xl.rubric.model import FormKind
from kaohe_xl.scoring.engine import ItemScore, source_result
from kaohe_xl.xlsx import libreoffice as printing

# 组织领导 capped at 5 although its items add up to 6, so MIN(SUM, cap) is exercised.
CAPPED_CATEGORIES = [
    {"类别": "组织领导", "分值": 5},
    {"类别": "工作落实", "分值": 4},
    {"类别": "加分项目"},
    {"类别": "扣分项目"},
]
FILLS: dict[str, dict[str, Any]] = {
    # base min(4+2, 5) + 3.5 = 8.5 >= 6: bonus min(3, 2) = 2; penalty 1.5 -> 9
    "capped_with_bonus": {"1": 4, "2": 2, "3": 3.5, "4": 3, "5": 1.5, "6": "否"},
    # base 1 + 0.5 + 2 = 3.5 < 6: no bonus; penalty 5 -> max(-1.5, 0) = 0
    "below_threshold": {"1": 1, "2": 0.5, "3": 2, "4": 3, "5": 5, "6": "是"},
    # text and blanks are ignored by the formulas (the reader flags them instead)
    "text_and_blank": {"1": "3分", "2": 1.2, "3": None, "4": 0.4, "5": None},
}


@pytest.fixture
def capped(make_campaign: Callable[..., Campaign]) -> Campaign:
    return make_campaign(items=SMALL_ITEMS, categories=CAPPED_CATEGORIES)


@pytest.mark.libreoffice
@pytest.mark.parametrize("case", sorted(FILLS))
def test_recalculated_totals_equal_rubric_arithmetic(capped: Campaign, tmp_path: Path, case: str) -> None:
    form = generate_forms(capped, [FormKind.SELF]).paths(FormKind.SELF)[0]
    filled = fill_scores(form, layout.SELF_SHEET, layout.H_SELF_SCORE, FILLS[case], tmp_path / "filled.xlsx")
    result = printing.recalculate(filled, tmp_path / "recalculated.xlsx")
    ws = openpyxl.load_workbook(result, data_only=True)[layout.SELF_SHEET]
    _, cols = header(ws)
    rows = total_rows(ws)
    got = {label: ws.cell(row=row, column=cols[layout.H_SELF_SCORE]).value for label, row in rows.items()}
    expected = rubric_total(capped.rubric, FILLS[case])
    for label, value in expected.items():
        assert Decimal(str(round(got[label], 9))).normalize() == value.normalize(), (label, got)
    if all(isinstance(v, int | float) for k, v in FILLS[case].items() if k != "6"):
        # and the scoring engine, fed the same numbers, gives the same totals
        source = capped.rubric.sources_of(FormKind.SELF)[0]
        engine = source_result(
            capped.rubric,
            source,
            {k: ItemScore("01", source.name, k, Decimal(str(v))) for k, v in FILLS[case].items() if k != "6"},
        )
        assert (engine.base, engine.bonus, engine.penalty, engine.total) == tuple(
            expected[k] for k in ("基础分", "加分", "扣分", "总分")
        )
    assert got["一票否决"] == ("是" if FILLS[case].get("6") == "是" else "否")
    # the input file is left alone: openpyxl stores no cached results
    assert (
        openpyxl.load_workbook(filled, data_only=True)[layout.SELF_SHEET]
        .cell(row=rows["总分"], column=cols[layout.H_SELF_SCORE])
        .value
        is None
    )


def _pdf_pages(pdf: Path) -> list[tuple[float, float]]:
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True, check=True)
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info.stdout)]


@pytest.mark.libreoffice
def test_self_form_pdf_pages_and_orientation(campaign: Campaign, tmp_path: Path) -> None:
    form = generate_forms(campaign, [FormKind.SELF]).paths(FormKind.SELF)[0]
    pdf = printing.to_pdf(form, tmp_path)
    assert pdf == tmp_path / (form.stem + ".pdf")
    pages = _pdf_pages(pdf)
    # 说明 on one portrait A4 page, the 自评表 on one landscape A4 page (fit to width)
    assert len(pages) == 2
    (w1, h1), (w2, h2) = pages
    assert w1 < h1 and w2 > h2
    assert round(w2) == 842 and round(h2) == 595
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "东湖村" in text and "单位负责人签字" in text
    assert re.search(r"第\s*2\s*页\s*共\s*2\s*页", text)  # the footer


@pytest.mark.libreoffice
def test_long_sample_prints_one_page_wide(sample_campaign: Callable[[str], Campaign], tmp_path: Path) -> None:
    campaign = sample_campaign("南昌老干部")
    form = generate_forms(campaign, [FormKind.SELF]).paths(FormKind.SELF)[0]
    pdf = printing.to_pdf(form, tmp_path / "out.pdf")
    pages = _pdf_pages(pdf)
    assert len(pages) >= 3  # 说明 + a 50-item table over several pages
    assert all(w > h for w, h in pages[1:])
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    # the header row is repeated on every page of the table
    assert text.count(layout.H_SELF_SCORE) >= len(pages) - 1


def test_missing_soffice_raises_tool_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(printing.SOFFICE_ENV, raising=False)
    monkeypatch.setattr(printing, "_CANDIDATES", ())
    assert printing.find_soffice() is None
    (tmp_path / "x.xlsx").write_bytes(b"")
    with pytest.raises(ToolMissingError, match="LibreOffice"):
        printing.to_pdf(tmp_path / "x.xlsx", tmp_path)


@pytest.mark.skipif(sys.platform == "win32", reason="uses a shell script as a stand-in soffice")
def test_hanging_soffice_is_killed_after_timeout(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nsleep 30\n")
    fake.chmod(0o755)
    monkeypatch.setenv(printing.SOFFICE_ENV, str(fake))
    (tmp_path / "x.xlsx").write_bytes(b"PK")
    with pytest.raises(OutputError, match="超过"):
        printing.recalculate(tmp_path / "x.xlsx", tmp_path / "y.xlsx", timeout=1)


def test_failed_conversion_is_an_output_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\necho 'Error: source file could not be loaded' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv(printing.SOFFICE_ENV, str(fake))
    (tmp_path / "x.xlsx").write_bytes(b"PK")
    with pytest.raises(OutputError, match="could not be loaded"):
        printing.to_pdf(tmp_path / "x.xlsx", tmp_path / "x.pdf")
