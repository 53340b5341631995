"""What the assessor sees (考核办法, the unit's 自评说明 beside its 自评得分), the columns no
item fills left out, and the totals stored for previews (issue 12)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
from _forms_helpers import header, id_rows, total_rows
from conftest import SMALL_ITEMS
from python_calamine import CalamineWorkbook

from kaohe_xl.campaign import Campaign
from kaohe_xl.collect.run import collect
from kaohe_xl.forms import layout
from kaohe_xl.forms.fill import fill_self_form
from kaohe_xl.forms.generate import generate_forms
from kaohe_xl.rubric.model import FormKind

SCORES: dict[str, int | float | str] = {"1": 3, "2": 2, "3": 3.5, "4": 3, "5": 1, "6": "否"}
NOTES = {"1": "见党委会议纪要（第3期）", "3": "走访台账、照片"}


def _assessor_sheet(campaign: Campaign, tmp_path: Path) -> openpyxl.worksheet.worksheet.Worksheet:
    return _assessor(campaign, tmp_path)[0]


def _assessor(campaign: Campaign, tmp_path: Path) -> tuple[openpyxl.worksheet.worksheet.Worksheet, Path]:
    generate_forms(campaign, [FormKind.SELF])
    (tmp_path / "in").mkdir(exist_ok=True)
    fill_self_form(campaign.form_path(FormKind.SELF, "01"), SCORES, NOTES, out=tmp_path / "in" / "a.xlsx")
    collect(campaign, [tmp_path / "in"])
    path = generate_forms(campaign, [FormKind.ASSESSOR]).paths(FormKind.ASSESSOR)[0]
    return openpyxl.load_workbook(path)["01_东湖村"], path


def test_assessor_sees_method_and_the_units_note_beside_its_score(campaign: Campaign, tmp_path: Path) -> None:
    ws = _assessor_sheet(campaign, tmp_path)
    top, cols = header(ws)
    labels = [ws.cell(top, c).value for c in range(1, ws.max_column + 1) if ws.cell(top, c).value]
    assert labels[:9] == [
        layout.H_ID,
        layout.H_CATEGORY,
        layout.H_CONTENT,
        layout.H_POINTS,
        layout.H_RULE,
        layout.H_METHOD,
        layout.H_HINTS,  # item 3 has 评分要点
        layout.H_SELF_SCORE,
        layout.H_SELF_NOTE,
    ]
    assert cols[layout.H_SELF_NOTE] == cols[layout.H_SELF_SCORE] + 1  # beside the self-score
    rows = id_rows(ws)
    method = ws.cell(rows["1"], cols[layout.H_METHOD])
    assert method.value == "查会议记录"
    note = ws.cell(rows["1"], cols[layout.H_SELF_NOTE])
    assert note.value == NOTES["1"] and note.protection.locked  # read-only
    assert ws.cell(rows["2"], cols[layout.H_SELF_NOTE]).value is None
    assert ws.cell(rows["1"], cols[layout.H_ASSESSOR_SCORE]).protection.locked is False
    assert ws.protection.sheet


def test_hints_and_method_columns_only_when_some_item_has_them(
    make_campaign: Callable[..., Campaign], tmp_path: Path
) -> None:
    bare = [{k: v for k, v in item.items() if k not in ("评分要点", "考核办法")} for item in SMALL_ITEMS]
    campaign = make_campaign(items=bare)
    ws = _assessor_sheet(campaign, tmp_path)
    _, cols = header(ws)
    assert layout.H_HINTS not in cols and layout.H_METHOD not in cols
    assert layout.H_SELF_NOTE in cols and layout.H_ASSESSOR_SCORE in cols
    self_ws = openpyxl.load_workbook(campaign.form_path(FormKind.SELF, "01"))[layout.SELF_SHEET]
    assert layout.H_METHOD not in header(self_ws)[1]


def test_totals_are_stored_for_previews(campaign: Campaign, tmp_path: Path) -> None:
    """calamine (no recalculation) reads the 自评得分 totals of the pre-filled column and
    the totals of a blank column, equal to what the formulas give."""
    ws, generated = _assessor(campaign, tmp_path)
    _, cols = header(ws)
    totals = total_rows(ws)
    rows = CalamineWorkbook.from_path(str(generated)).get_sheet_by_name("01_东湖村").to_python()
    self_col, assessor_col = cols[layout.H_SELF_SCORE] - 1, cols[layout.H_ASSESSOR_SCORE] - 1
    got = {label: (rows[row - 1][self_col], rows[row - 1][assessor_col]) for label, row in totals.items()}
    # self: base min(3 + 2, 6) + 3.5 = 8.5 ≥ 6: bonus min(3, 2) = 2; penalty 1 → 9.5; no veto
    assert got == {
        "基础分": (8.5, 0.0),
        "加分": (2.0, 0.0),
        "扣分": (1.0, 0.0),
        "总分": (9.5, 0.0),
        "一票否决": ("否", "否"),
    }
