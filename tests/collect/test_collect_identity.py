"""A return only ever counts for the unit and assessor it was made for: renumbered,
renamed and removed units, swapped tab names, and decoys that show a person one thing
and the reader another."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from _returns_helpers import GOOD, cell_of, collect_one, fill_assessor, fill_self, generated, write_values
from conftest import SMALL_UNITS, write_rubric_workbook, write_units_workbook

from kaohe_xl.campaign import Campaign
from kaohe_xl.forms import layout
from kaohe_xl.forms.generate import generate_forms
from kaohe_xl.rubric.model import FormKind
from kaohe_xl.store.records import ReturnState
from kaohe_xl.store.status import collection_status, latest_records

GROUP = "第一考核组"


def _states(campaign: Campaign, form: FormKind) -> dict[str, tuple[ReturnState, str]]:
    return {s.unit_id: (s.state, s.note) for s in collection_status(campaign) if s.form is form}


def _reinit(campaign: Campaign, tmp_path: Path, units: list[dict[str, str]]) -> Campaign:
    """``init --force`` with a new units list, then ``generate`` (as the clerk did)."""
    again = Campaign.init(
        campaign.root,
        write_rubric_workbook(tmp_path / "细则2.xlsx"),
        write_units_workbook(tmp_path / "单位2.xlsx", units),
        force=True,
    )
    generate_forms(again)
    return again


def test_a_renumbered_unit_is_never_credited_to_the_unit_holding_its_old_number(
    campaign: Campaign, tmp_path: Path
) -> None:
    generated(campaign)
    early = collect_one(campaign, fill_self(campaign, "01", tmp_path / "early.xlsx"))
    late_file = fill_self(campaign, "01", tmp_path / "late.xlsx", {**GOOD, "1": 4})  # on the original form
    assert early.status == "accepted"
    # A new unit inserted as 01: 东湖村 becomes 02, 西山村 03, 南岭村 04.
    units = [{"编号": "01", "单位名称": "新村", "考核组": GROUP}]
    units += [{**u, "编号": f"{int(u['编号']) + 1:02d}"} for u in SMALL_UNITS]
    campaign = _reinit(campaign, tmp_path, units)
    late = collect_one(campaign, late_file)
    assert late.status == "invalid"
    ((code, message),) = [(p.code, p.message) for p in late.problems]
    assert code == "unit_changed" and "东湖村" in message and "新村" in message and "02" in message
    states = _states(campaign, FormKind.SELF)
    assert states["01"] == (ReturnState.MISSING, "")  # the new 01 is owed its own return
    assert states["02"][0] is ReturnState.INVALID and "东湖村" in states["02"][1]
    assert {r.unit_id for r in latest_records(campaign)} == set()
    # 东湖村's return on its new form counts again
    collect_one(campaign, fill_self(campaign, "02", tmp_path / "new.xlsx"))
    assert _states(campaign, FormKind.SELF)["02"] == (ReturnState.OK, "")
    assert {r.unit_id for r in latest_records(campaign)} == {"02"}


def test_a_renamed_unit_is_pending_with_both_names(campaign: Campaign, tmp_path: Path) -> None:
    generated(campaign)
    path = fill_self(campaign, "01", tmp_path / "a.xlsx")
    units = [{**SMALL_UNITS[0], "单位名称": "东湖社区"}, *SMALL_UNITS[1:]]
    campaign = _reinit(campaign, tmp_path, units)
    result = collect_one(campaign, path)
    assert result.status == "invalid" and [p.code for p in result.problems] == ["unit_changed"]
    assert "东湖村" in result.problems[0].message and "东湖社区" in result.problems[0].message
    state, note = _states(campaign, FormKind.SELF)["01"]
    assert state is ReturnState.INVALID and "东湖村" in note


def test_a_removed_unit_form_is_rejected_naming_the_unit(campaign: Campaign, tmp_path: Path) -> None:
    generated(campaign)
    path = fill_self(campaign, "03", tmp_path / "a.xlsx")
    campaign = _reinit(campaign, tmp_path, SMALL_UNITS[:2])
    result = collect_one(campaign, path)
    assert (result.status, [p.code for p in result.problems]) == ("rejected", ["unknown_subject"])
    assert "南岭村" in result.problems[0].message


def test_a_renumbered_unit_on_an_assessor_form_is_held_back_alone(campaign: Campaign, tmp_path: Path) -> None:
    generated(campaign)
    path = fill_assessor(campaign, GROUP, "李明", tmp_path / "a.xlsx", {"01": GOOD, "02": GOOD})
    # 01 and 02 swap numbers
    units = [{**SMALL_UNITS[1], "编号": "01"}, {**SMALL_UNITS[0], "编号": "02"}, SMALL_UNITS[2]]
    campaign = _reinit(campaign, tmp_path, units)
    result = collect_one(campaign, path)
    assert sorted(p.code for p in result.problems) == ["unit_changed", "unit_changed"]
    states = _states(campaign, FormKind.ASSESSOR)
    assert states["01"][0] is ReturnState.INVALID and "西山村" in states["01"][1]
    assert states["02"][0] is ReturnState.INVALID and "东湖村" in states["02"][1]
    assert latest_records(campaign, FormKind.ASSESSOR) == []


def test_swapped_tab_names_do_not_move_scores(campaign: Campaign, tmp_path: Path) -> None:
    generated(campaign)

    def swap(wb: openpyxl.Workbook) -> None:
        wb["01_东湖村"].title = "tmp"
        wb["02_西山村"].title = "01_东湖村"
        wb["tmp"].title = "02_西山村"

    scores = {"01": GOOD, "02": {**GOOD, "1": 1, "2": 0}}
    result = collect_one(campaign, fill_assessor(campaign, GROUP, "李明", tmp_path / "a.xlsx", scores, mutate=swap))
    got = {(r.unit_id, r.key): r.value for r in latest_records(campaign, FormKind.ASSESSOR)}
    assert (got[("01", "1")], got[("01", "2")]) == (3, 2)  # 东湖村's own scores
    assert (got[("02", "1")], got[("02", "2")]) == (1, 0)
    assert result.status == "accepted"
    assert sorted(p.code for p in result.problems) == ["sheet_renamed", "sheet_renamed"]


# ---- decoys ----------------------------------------------------------------------------
def _decoy_copy(hide_real: bool, move_behind: bool):  # type: ignore[no-untyped-def]
    def mutate(wb: openpyxl.Workbook) -> None:
        real = wb[layout.SELF_SHEET]
        copy = wb.copy_worksheet(real)
        copy.title = "自评表 (2)"
        write_values(copy, layout.H_SELF_SCORE, dict.fromkeys(GOOD, 0) | {"6": "否"})
        if hide_real:
            real.sheet_state = "hidden"
        if move_behind:  # the copy where the form was, the form moved behind it
            wb.move_sheet(copy, offset=-(wb.sheetnames.index(copy.title) - wb.sheetnames.index(real.title)))

    return mutate


def _hidden_score_column(wb: openpyxl.Workbook) -> None:
    ws = wb[layout.SELF_SHEET]
    score = cell_of(ws, "1", layout.H_SELF_SCORE)
    column = openpyxl.utils.column_index_from_string("".join(c for c in score if c.isalpha()))
    ws.insert_cols(column)  # a second 自评得分 column before the visible one, hidden
    header = next(r for r in range(1, 30) if ws.cell(r, 1).value == layout.H_ID)
    ws.cell(header, column, layout.H_SELF_SCORE)
    decoy = {"1": 4, "2": 2, "3": 4, "4": 3, "5": 0, "6": "否"}
    for row in range(header + 1, ws.max_row + 1):
        if str(ws.cell(row, 1).value) in decoy:
            ws.cell(row, column, decoy[str(ws.cell(row, 1).value)])  # the first twin: what the reader takes
    ws.column_dimensions[openpyxl.utils.get_column_letter(column)].hidden = True


def _hidden_header_row(wb: openpyxl.Workbook) -> None:
    ws = wb[layout.SELF_SHEET]
    header = next(r for r in range(1, 30) if ws.cell(r, 1).value == layout.H_ID)
    labels = {c: ws.cell(header, c).value for c in range(1, ws.max_column + 1)}
    ws.insert_rows(header)  # a hidden copy of the header that points 自评得分 at column K
    for column, label in labels.items():
        if label != layout.H_SELF_SCORE:
            ws.cell(header, column, label)
    ws.cell(header, 11, layout.H_SELF_SCORE)
    for row in range(header + 2, ws.max_row + 1):
        if ws.cell(row, 1).value:
            ws.cell(row, 11, 0 if ws.cell(row, 1).value != "6" else "否")
    ws.row_dimensions[header].hidden = True
    ws.column_dimensions["K"].hidden = True


@pytest.mark.parametrize(
    ("mutate", "codes"),
    [
        (_decoy_copy(hide_real=True, move_behind=False), {"sheet_hidden"}),
        (_decoy_copy(hide_real=False, move_behind=True), {"sheet_moved"}),
        (_hidden_score_column, {"hidden_input", "column_duplicate"}),
        (_hidden_header_row, {"hidden_input"}),
    ],
    ids=["hidden_form_beside_a_copy", "form_moved_behind_a_copy", "hidden_twin_score_column", "hidden_header_row"],
)
def test_decoys_are_pending_with_a_message(campaign: Campaign, tmp_path: Path, mutate: object, codes: set[str]) -> None:
    generated(campaign)
    result = collect_one(campaign, fill_self(campaign, "01", tmp_path / "decoy.xlsx", mutate=mutate))  # type: ignore[arg-type]
    assert result.status == "invalid", [p.describe() for p in result.problems]
    errors = {p.code for p in result.problems if p.severity == "error"}
    assert errors == codes, [p.describe() for p in result.problems]
    assert all(p.message for p in result.problems)
    assert _states(campaign, FormKind.SELF)["01"][0] is ReturnState.INVALID
    assert latest_records(campaign) == []


@pytest.mark.libreoffice
def test_unit_cells_survive_a_libreoffice_save(campaign: Campaign, tmp_path: Path) -> None:
    from kaohe_xl.collect.returns import ReturnBook
    from kaohe_xl.xlsx.libreoffice import recalculate

    generated(campaign)
    scores = {"01": GOOD, "02": {**GOOD, "1": 1}}
    saved = recalculate(fill_assessor(campaign, GROUP, "李明", tmp_path / "a.xlsx", scores), tmp_path / "lo.xlsx")
    with ReturnBook.open(saved.read_bytes(), saved.name) as book:
        assert sorted(book.unit_claims()) == [("01_东湖村", "01"), ("02_西山村", "02")]
    assert (collect_one(campaign, saved).status, _states(campaign, FormKind.ASSESSOR)["02"][0]) == (
        "accepted",
        ReturnState.OK,
    )
