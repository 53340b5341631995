"""Excel's limits on user text: names, validation texts, formulas, row heights, widths."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.worksheet.datavalidation import DataValidation

from kaohe_xl.campaign import Campaign
from kaohe_xl.forms import layout
from kaohe_xl.forms.generate import generate_forms
from kaohe_xl.rubric.model import FormKind
from kaohe_xl.xlsx import limits
from kaohe_xl.xlsx.measure import lines_height, row_height

RARE = "𠀀"  # outside the BMP: two UTF-16 units
EMOJI = "😀"


def test_length_is_counted_in_utf16_units() -> None:
    assert limits.units("东湖村") == 3 and limits.units(RARE + EMOJI) == 4
    assert limits.cut(RARE * 20, 31) == RARE * 15  # a pair is never split
    assert limits.cut("一二三四五", 4, "…") == "一二三…"


@pytest.mark.parametrize(
    "name",
    [
        "西湖区" * 12,  # 38 BMP characters
        RARE * 16 + "村",  # 33 units in 17 characters: Excel refused the old cut
        "东湖" + EMOJI * 14 + "村",
        "很长的单位名称第一第二第三第四第五第六第七第八'",  # the cut ends in an apostrophe
        "A" * 25 + "'''''''",
    ],
)
def test_sheet_titles_fit_excel(name: str) -> None:
    taken: set[str] = set()
    titles = []
    for _ in range(3):  # the same name three times: still unique
        title = layout.assessor_sheet_title("01", name, taken)
        taken.add(title)
        titles.append(title)
    for title in titles:
        assert limits.units(title) <= 31, title
        assert not title.startswith("'") and not title.endswith("'"), title
        assert not set(title) & set("[]:*?/\\")
    assert len({t.casefold() for t in titles}) == 3


@given(st.text(min_size=1, max_size=60), st.sets(st.text(max_size=40), max_size=5))
def test_any_text_gives_a_valid_unique_title(text: str, taken: set[str]) -> None:
    title = limits.sheet_title(text, taken)
    assert 1 <= limits.units(title) <= 31
    assert title.casefold() not in {t.casefold() for t in taken}
    assert not title.startswith("'") and not title.endswith("'") and title.casefold() != "history"
    assert not set(title) & set("[]:*?/\\")


def test_history_is_reserved() -> None:
    assert limits.sheet_title("History") == "History_"


def test_validation_texts_are_cut_to_excels_limits() -> None:
    dv = DataValidation(promptTitle="类" * 40, errorTitle=RARE * 20, prompt="说" * 300, error="错" * 256)
    limits.fit_validation(dv)
    assert limits.units(dv.promptTitle) <= 32 and limits.units(dv.errorTitle) <= 32
    assert limits.units(dv.prompt) <= 255 and limits.units(dv.error) <= 255
    assert dv.prompt.endswith("…")


def test_many_arguments_are_nested() -> None:
    formula = limits.function("SUM", [f"A{n}" for n in range(1, 600)])
    assert formula.startswith("SUM(SUM(A1,") and formula.count("SUM(") == 4
    inner = [call.split(")")[0].split(",") for call in formula.split("SUM(")[2:]]
    assert [len(args) for args in inner] == [255, 255, 89]


def test_row_heights_stop_at_409_points() -> None:
    assert lines_height(500, 10) == 409.5
    assert row_height([("很长的说明" * 2000, 20, 10.5)]) == 409.5


def test_forms_keep_to_the_limits(make_campaign: Callable[..., Campaign], tmp_path: Path) -> None:
    """A unit named with a 生僻字, a rater category with a 40-character name: the files
    Excel would repair before are valid now."""
    long_category = "党建引领基层治理和乡村振兴工作" * 3
    campaign = make_campaign(
        units=[
            {"编号": "01", "单位名称": RARE * 16 + "村", "考核组": "一组"},
            {"编号": "02", "单位名称": RARE * 16 + "乡", "考核组": "一组"},
        ],
        categories=[
            {"类别": long_category, "分值": 6},
            {"类别": "工作落实", "分值": 4},
            {"类别": "加分项目"},
            {"类别": "扣分项目"},
        ],
        items=[
            {"编号": "1", "类别": long_category, "考核内容": "召开专题会议", "分值": 6},
            {"编号": "3", "类别": "工作落实", "考核内容": "走访慰问", "分值": 4},
        ],
    )
    report = generate_forms(campaign, [FormKind.SELF, FormKind.ASSESSOR])
    wb = openpyxl.load_workbook(report.paths(FormKind.ASSESSOR)[0])
    titles = [ws.title for ws in wb.worksheets]
    assert all(limits.units(t) <= 31 for t in titles) and len({t.casefold() for t in titles}) == len(titles)
    for ws in wb.worksheets:
        for dv in ws.data_validations.dataValidation:
            assert limits.units(dv.promptTitle or "") <= 32 and limits.units(dv.prompt or "") <= 255
        for n, dim in ws.row_dimensions.items():
            assert (dim.height or 0) <= 409.5, (ws.title, n)
