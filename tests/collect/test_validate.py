"""Re-validating every value of a return, and tamper evidence, on real generated forms."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from _returns_helpers import GOOD, cell_of, fill_assessor, fill_self, generated, id_rows

from kaohe_xl.campaign import Campaign
from kaohe_xl.collect.returns import read_return
from kaohe_xl.collect.validate import Checked, Expected, check_return
from kaohe_xl.forms import layout

SCORE = layout.H_SELF_SCORE


@pytest.fixture
def forms(campaign: Campaign) -> Campaign:
    return generated(campaign)


def expected_of(campaign: Campaign) -> Expected:
    return Expected(campaign.id, campaign.secret, campaign.rubric, tuple(campaign.units))


def check(campaign: Campaign, path: Path) -> Checked:
    return check_return(read_return(path.read_bytes(), path.name), expected_of(campaign))


def located(checked: Checked) -> list[tuple[str, str, str, str]]:
    return [(p.code, p.sheet, p.cell, p.item) for p in checked.problems]


def score_cell(path: Path, item: str, label: str = SCORE) -> str:
    return cell_of(openpyxl.load_workbook(path)[layout.SELF_SHEET], item, label)


def test_a_clean_return_has_no_problems_and_every_value(forms: Campaign, tmp_path: Path) -> None:
    path = fill_self(forms, "01", tmp_path / "ok.xlsx", notes={"3": "走访 8 次"})
    checked = check(forms, path)
    assert checked.problems == []
    assert (checked.kind, checked.subject_id, checked.rater) == ("self", "01", "")
    values = {v.key: (v.value, v.veto, v.cell) for v in checked.values}
    assert values == {
        "1": (Decimal(3), None, score_cell(path, "1")),
        "2": (Decimal(2), None, score_cell(path, "2")),
        "3": (Decimal("3.5"), None, score_cell(path, "3")),
        "4": (Decimal(1), None, score_cell(path, "4")),
        "5": (Decimal(0), None, score_cell(path, "5")),
        "6": (None, False, score_cell(path, "6")),
    }
    assert next(v.remark for v in checked.values if v.key == "3") == "走访 8 次"


@pytest.mark.parametrize(
    ("item", "typed", "value"),
    [
        ("1", "４", Decimal(4)),  # full-width digit from a Chinese IME
        ("1", "3分", Decimal(3)),
        ("1", " 3.0 ", Decimal(3)),
        ("3", "２．５", Decimal("2.5")),
        ("3", "3.5", Decimal("3.5")),  # number stored as text
        ("6", " 是 ", None),
        ("6", "是", None),
    ],
)
def test_what_a_person_clearly_meant_is_accepted_and_normalised(
    forms: Campaign, tmp_path: Path, item: str, typed: str, value: Decimal | None
) -> None:
    path = fill_self(forms, "01", tmp_path / "n.xlsx", scores={**GOOD, item: typed})
    checked = check(forms, path)
    assert checked.problems == []
    found = next(v for v in checked.values if v.key == item)
    assert (found.value, found.raw) == (value, typed)
    if item == "6":
        assert found.veto is True


def test_pasted_float_noise_is_read_as_excel_shows_it(forms: Campaign, tmp_path: Path) -> None:
    # a value pasted from a sheet that computed =4-0.2-0.2-0.2: Excel shows (and compares) 3.4
    noisy = 4 - 0.2 - 0.2 - 0.2
    assert noisy != 3.4
    checked = check(forms, fill_self(forms, "01", tmp_path / "f.xlsx", scores={**GOOD, "1": noisy}))
    assert checked.problems == []
    assert next(v.value for v in checked.values if v.key == "1") == Decimal("3.4")


@pytest.mark.parametrize(
    ("item", "typed", "code"),
    [
        ("1", 5, "over_max"),  # 分值 4
        ("5", 6, "over_max"),  # 扣分 item: at most its 分值
        ("1", -1, "negative"),
        ("5", "-2", "negative"),  # a deduction entered as a negative number
        ("3", 2.3, "bad_step"),  # step 0.5
        ("1", 1.25, "bad_step"),  # default step 0.1
        ("1", "三", "not_number"),
        ("1", "3-4", "not_number"),
        ("1", "约2", "not_number"),
        ("1", True, "not_number"),
        ("1", datetime(2023, 3, 4), "not_number"),  # Excel turned 3-4 into a date
        ("6", "是的", "bad_veto"),
        ("6", "Y", "bad_veto"),
        ("6", "N", "bad_veto"),
        ("6", "1", "bad_veto"),
        ("1", "=2+1", "formula"),
        ("6", '=IF(1,"是","否")', "formula"),
        ("1", None, "blank"),
        ("1", "   ", "blank"),
        ("6", None, "blank"),
    ],
)
def test_each_bad_value_is_an_error_at_its_cell(
    forms: Campaign, tmp_path: Path, item: str, typed: Any, code: str
) -> None:
    path = fill_self(forms, "01", tmp_path / "bad.xlsx", scores={**GOOD, item: typed})
    checked = check(forms, path)
    assert located(checked) == [(code, layout.SELF_SHEET, score_cell(path, item), item)]
    assert checked.has_errors and not checked.rejected
    found = next(v for v in checked.values if v.key == item)
    assert found.value is None and found.veto is None
    assert checked.problems[0].message  # Chinese, says the rule and the fix


def test_every_problem_of_a_file_is_reported_not_only_the_first(forms: Campaign, tmp_path: Path) -> None:
    scores = {"1": 9, "2": "两分", "3": 0.3, "4": None, "5": -1, "6": "x"}
    path = fill_self(forms, "01", tmp_path / "all.xlsx", scores=scores)
    assert [(c, cell, item) for c, _, cell, item in located(check(forms, path))] == [
        ("over_max", score_cell(path, "1"), "1"),
        ("not_number", score_cell(path, "2"), "2"),
        ("bad_step", score_cell(path, "3"), "3"),
        ("blank", score_cell(path, "4"), "4"),
        ("negative", score_cell(path, "5"), "5"),
        ("bad_veto", score_cell(path, "6"), "6"),
    ]


def _edit(item: str, label: str, value: Any) -> Any:
    def mutate(wb: openpyxl.Workbook) -> None:
        ws = wb[layout.SELF_SHEET]
        ws[cell_of(ws, item, label)] = value

    return mutate


@pytest.mark.parametrize(
    ("label", "value"),
    [(layout.H_POINTS, 10), (layout.H_CONTENT, "召开专题会议（已改）")],
)
def test_edited_locked_cells_are_tamper_errors(forms: Campaign, tmp_path: Path, label: str, value: Any) -> None:
    path = fill_self(forms, "01", tmp_path / "t.xlsx", mutate=_edit("1", label, value))
    checked = check(forms, path)
    assert located(checked) == [("locked_changed", layout.SELF_SHEET, score_cell(path, "1", label), "1")]
    assert checked.problems[0].value == str(value)


def test_whitespace_in_locked_text_is_not_tampering(forms: Campaign, tmp_path: Path) -> None:
    path = fill_self(forms, "01", tmp_path / "t.xlsx", mutate=_edit("1", layout.H_CONTENT, " 召开 专题会议\n"))
    assert check(forms, path).problems == []


def test_deleted_and_duplicated_rows(forms: Campaign, tmp_path: Path) -> None:
    def mutate(wb: openpyxl.Workbook) -> None:
        ws = wb[layout.SELF_SHEET]
        rows = id_rows(ws)
        ws.delete_rows(rows["2"])
        last = id_rows(ws)["5"]
        for column in range(1, ws.max_column + 1):  # a copy of item 5's row pasted below
            ws.cell(row=ws.max_row + 3, column=column).value = ws.cell(row=last, column=column).value

    path = fill_self(forms, "01", tmp_path / "rows.xlsx", mutate=mutate)
    assert located(check(forms, path)) == [
        ("item_missing", layout.SELF_SHEET, "", "2"),
        ("item_duplicate", layout.SELF_SHEET, "", "5"),
    ]


def test_renamed_sheet_is_reported_with_the_name_found(forms: Campaign, tmp_path: Path) -> None:
    def rename(wb: openpyxl.Workbook) -> None:
        wb[layout.SELF_SHEET].title = "Sheet1"

    checked = check(forms, fill_self(forms, "01", tmp_path / "r.xlsx", mutate=rename))
    assert located(checked) == [("sheet_missing", layout.SELF_SHEET, "", "")]
    assert "Sheet1" in checked.problems[0].message
    assert checked.values == []


def _meta(key: str, value: str) -> Any:
    def mutate(wb: openpyxl.Workbook) -> None:
        ws = wb[layout.META_SHEET]
        for row in ws.iter_rows(max_col=2):
            if row[0].value == key:
                row[1].value = value

    return mutate


def test_forged_unit_id_breaks_the_signature(forms: Campaign, tmp_path: Path) -> None:
    checked = check(forms, fill_self(forms, "01", tmp_path / "f.xlsx", mutate=_meta(layout.META_SUBJECT, "02")))
    assert [p.code for p in checked.problems] == ["bad_signature"]
    assert checked.rejected and checked.values == []


def test_form_of_another_campaign_is_rejected(forms: Campaign, make_campaign: Any, tmp_path: Path) -> None:
    other = generated(make_campaign())
    checked = check(forms, fill_self(other, "01", tmp_path / "other.xlsx"))
    assert [(p.code, p.value) for p in checked.problems] == [("wrong_campaign", other.id)]
    assert checked.rejected
    assert "单位/对象：东湖村" in checked.problems[0].message  # who the stray form was for


def test_plain_workbook_is_not_a_form(forms: Campaign, tmp_path: Path) -> None:
    openpyxl.Workbook().save(tmp_path / "plain.xlsx")
    checked = check(forms, tmp_path / "plain.xlsx")
    assert [p.code for p in checked.problems] == ["not_a_form"]


def test_form_of_an_earlier_rubric_is_checked_against_the_current_one(
    forms: Campaign, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before, any change of the rubric (a typo fixed) made every return one rubric_outdated error.
    path = fill_self(forms, "01", tmp_path / "old.xlsx")
    monkeypatch.setattr(type(forms.rubric), "content_hash", lambda self: "0" * 64)
    checked = check(forms, path)
    assert [(p.code, p.severity) for p in checked.problems] == [("rubric_updated", "warning")]
    assert "修改前" in checked.problems[0].message
    assert not checked.has_errors and len(checked.values) == 6
    assert checked.rubric_hash == "0" * 64  # the values were checked against the current rubric


def test_assessor_return_needs_the_assessor_name(forms: Campaign, tmp_path: Path) -> None:
    scores = {"01": GOOD, "02": {**GOOD, "1": 7}}
    checked = check(forms, fill_assessor(forms, "第一考核组", None, tmp_path / "a.xlsx", scores))
    wb = openpyxl.load_workbook(tmp_path / "a.xlsx")
    ((sheet, ref),) = [(t, r.replace("$", "")) for t, r in wb.defined_names[layout.NAME_ASSESSOR].destinations]
    meta = {str(k): str(v or "") for k, v in wb[layout.META_SHEET].iter_rows(max_col=2, values_only=True)}
    title_02 = dict((u, t) for t, u in layout.decode_sheet_map(meta[layout.META_SHEETS]))["02"]
    assert located(checked) == [
        ("blank", sheet, ref, ""),
        ("over_max", title_02, cell_of(wb[title_02], "1", layout.H_ASSESSOR_SCORE), "1"),
    ]
    assert {(v.unit_id, v.key) for v in checked.values} == {(u, i) for u in ("01", "02") for i in GOOD}


def test_oversized_sheet_is_a_warning_when_every_item_was_read(
    forms: Campaign, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from _returns_helpers import rewrite_part, sheet_part

    from kaohe_xl.collect import opening

    monkeypatch.setattr(opening, "STREAM_CELL_LIMIT", 2_000)
    path = fill_self(forms, "01", tmp_path / "big.xlsx")
    junk = b"".join(b'<row r="%d"><c r="ZZ%d"><v>1</v></c></row>' % (r, r) for r in range(100, 5000))

    def append(xml: bytes) -> bytes:
        end = xml.index(b"</sheetData>")
        return xml[:end] + junk + xml[end:]

    rewrite_part(path, sheet_part(path, layout.SELF_SHEET), append)
    checked = check(forms, path)
    assert [(p.code, p.severity) for p in checked.problems] == [("sheet_too_large", "warning")]
    assert not checked.has_errors and len(checked.values) == 6
