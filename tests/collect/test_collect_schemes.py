"""The seeds' schemes from generated form to summary: rounds, 民主测评 tallies, no 自评,
partly scored group workbooks, named assessors, rater categories with maximum 0."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from _returns_helpers import GOOD, cell_of, collect_one, fill_assessor, generated
from conftest import write_rubric_workbook, write_units_workbook

from kaohe_xl.campaign import Campaign
from kaohe_xl.collect.run import collect
from kaohe_xl.forms import layout
from kaohe_xl.forms.fill import CellValue, fill_assessor_form, fill_rater_form
from kaohe_xl.forms.generate import generate_forms, rater_path
from kaohe_xl.output.export import export_rows
from kaohe_xl.output.summary import SUMMARY_SHEET, write_summary
from kaohe_xl.rubric.model import FormKind
from kaohe_xl.scoring.results import compute
from kaohe_xl.store import db as store
from kaohe_xl.store.records import ReturnState
from kaohe_xl.store.report import status_report
from kaohe_xl.store.status import collection_status, latest_records

CATEGORIES = [
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
FULL: dict[str, CellValue] = {"1": 4, "2": 2, "3": 4, "4": 0, "5": 0, "6": "否"}  # 10
LESS: dict[str, CellValue] = {"1": 3, "2": 2, "3": 3, "4": 0, "5": 0, "6": "否"}  # 8
GROUPS = {"第一考核组": ("01", "02"), "第二考核组": ("03",)}


def _states(campaign: Campaign, form: FormKind, source: str = "") -> dict[str, tuple[ReturnState, str]]:
    return {
        s.unit_id: (s.state, s.note)
        for s in collection_status(campaign)
        if s.form is form and (not source or s.source == source)
    }


def _summary_headers(campaign: Campaign) -> list[Any]:
    wb = openpyxl.load_workbook(write_summary(campaign).path)
    return [c.value for c in wb[SUMMARY_SHEET][3]]


# ---- rounds -------------------------------------------------------------------------------
def test_rounds_are_collected_apart_and_combined_by_weight(
    make_campaign: Callable[..., Campaign], tmp_path: Path
) -> None:
    campaign = make_campaign(categories=CATEGORIES, sources=ROUNDS)
    forms = generate_forms(campaign).paths(FormKind.ASSESSOR)
    assert len(forms) == 4  # two groups × two rounds (it used to be the first round only)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for form in forms:
        meta = {str(k): str(v) for k, v in openpyxl.load_workbook(form)[layout.META_SHEET].iter_rows(values_only=True)}
        scores = FULL if meta[layout.META_SOURCE] == "专项督查" else LESS
        ids = GROUPS[meta[layout.META_SUBJECT]]
        fill_assessor_form(form, "张三", dict.fromkeys(ids, scores), out=inbox / form.name)
    report = collect(campaign, [inbox])
    assert report.accepted == 4 and report.clean
    # 0.3 × 10 + 0.7 × 8 = 3 + 5.6 = 8.60 → 良好
    results = compute(campaign)
    assert [u.shown for u in results.units] == [Decimal("8.60")] * 3
    assert {u.grade for u in results.units} == {"良好"}
    rows = export_rows(results)
    assert (rows[0]["source_专项督查"], rows[0]["source_年终考核"], rows[0]["assessor_total"]) == (10.0, 8.0, 8.0)
    tables = status_report(campaign).rows
    assert {"考核组评分表（专项督查）", "考核组评分表（年终考核）"} <= set(tables)
    headers = _summary_headers(campaign)
    assert "专项督查得分" in headers and "年终考核得分" in headers


def test_a_round_not_yet_returned_is_pending_with_its_name(
    make_campaign: Callable[..., Campaign], tmp_path: Path
) -> None:
    campaign = make_campaign(categories=CATEGORIES, sources=ROUNDS)
    generate_forms(campaign, [FormKind.ASSESSOR], source="专项督查")
    form = campaign.assessor_form_path("第一考核组", "专项督查")
    collect_one(campaign, fill_assessor_form(form, "张三", {"01": FULL, "02": FULL}, out=tmp_path / "a.xlsx"))
    assert _states(campaign, FormKind.ASSESSOR, "专项督查")["01"][0] is ReturnState.OK
    assert _states(campaign, FormKind.ASSESSOR, "年终考核")["01"][0] is ReturnState.MISSING
    unit = compute(campaign).unit("01")
    assert unit.composite is None and "考核组评分表（年终考核）待提交" in unit.remarks
    assert unit.total("专项督查") == 10


# ---- 民主测评 -------------------------------------------------------------------------------
BALLOT = [
    {"来源": "考核组", "表单": "考核组评分表", "权重": 1},
    {"来源": "民主测评", "表单": "民主测评表", "计入条目": "3"},
]
OTHERS: dict[str, CellValue] = {"1": 4, "2": 2, "4": 0, "5": 0, "6": "否"}  # 6 without item 3


@pytest.fixture
def ballot(make_campaign: Callable[..., Campaign], tmp_path: Path) -> Campaign:
    campaign = make_campaign(categories=CATEGORIES, sources=BALLOT)
    generate_forms(campaign)
    inbox = tmp_path / "scored"
    inbox.mkdir()
    for group, ids in GROUPS.items():
        form = campaign.assessor_form_path(group)
        fill_assessor_form(form, "张三", dict.fromkeys(ids, OTHERS), out=inbox / f"{group}.xlsx")
    collect(campaign, [inbox])
    return campaign


def _tally(campaign: Campaign, group: str, counts: dict[str, dict[str, Any]], out: Path) -> Path:
    from kaohe_xl.forms.fill import fill_tally_form

    return fill_tally_form(campaign.form_path(FormKind.BALLOT, group, group), counts, out=out)


def test_tally_fills_the_item_and_a_blank_row_waits(ballot: Campaign, tmp_path: Path) -> None:
    first = {
        "01": {"实到人数": 10, "好": 8, "较好": 2, "一般": 0, "较差": 0},
        "02": {"好": 5, "较好": 0, "一般": 5, "较差": 0},
    }
    assert collect_one(ballot, _tally(ballot, "第一考核组", first, tmp_path / "t1.xlsx")).status == "accepted"
    states = _states(ballot, FormKind.BALLOT)
    assert states["01"][0] is ReturnState.OK and states["02"][0] is ReturnState.OK
    assert states["03"][0] is ReturnState.MISSING  # 第二考核组 has not tallied
    results = compute(ballot)
    # 01: (8 + 2 × 0.8) / 10 = 0.96 → item 3 = 0.96 × 4 = 3.84 → 6 + 3.84 = 9.84
    # 02: (5 + 5 × 0.6) / 10 = 0.8 → 3.20 → 9.20
    assert (results.unit("01").shown, results.unit("02").shown) == (Decimal("9.84"), Decimal("9.20"))
    assert results.unit("03").composite is None and "民主测评表待提交" in results.unit("03").remarks
    wb = openpyxl.load_workbook(write_summary(ballot).path)
    footer = " ".join(str(c.value) for row in wb[SUMMARY_SHEET].iter_rows(min_row=7) for c in row if c.value)
    assert "由民主测评计算" in footer and "较好 0.8" in footer


def test_tally_counts_are_checked(ballot: Campaign, tmp_path: Path) -> None:
    bad: dict[str, dict[str, Any]] = {
        "01": {"实到人数": 10, "好": 8, "较好": 3, "一般": 0, "较差": 0},  # 11 votes, 10 present
        "02": {"好": "2.5", "较好": -1, "一般": 0, "较差": 0},
    }
    path = _tally(ballot, "第一考核组", bad, tmp_path / "bad.xlsx")
    result = collect_one(ballot, path)
    codes = {(p.code, p.item) for p in result.problems}
    assert {("too_many_votes", "01"), ("not_a_count", "02")} <= codes
    ws = openpyxl.load_workbook(path)[layout.TALLY_SHEET]
    located = [p for p in result.problems if p.code == "too_many_votes"]
    assert located[0].cell == cell_of(ws, "01", layout.H_ATTENDED)
    assert {u: s[0] for u, s in _states(ballot, FormKind.BALLOT).items()} == {
        "01": ReturnState.INVALID,
        "02": ReturnState.INVALID,
        "03": ReturnState.MISSING,
    }
    none = _tally(ballot, "第二考核组", {"03": {"好": 0, "较好": 0, "一般": 0, "较差": 0}}, tmp_path / "zero.xlsx")
    assert [p.code for p in collect_one(ballot, none).problems] == ["no_votes"]
    blank = _tally(ballot, "第二考核组", {}, tmp_path / "blank.xlsx")
    assert collect_one(ballot, blank).status == "rejected"  # a blank tally is no return


# ---- no 自评 --------------------------------------------------------------------------------
def test_scheme_without_self_has_no_self_anywhere(make_campaign: Callable[..., Campaign], tmp_path: Path) -> None:
    campaign = make_campaign(categories=CATEGORIES, sources=[{"来源": "考核组", "表单": "考核组评分表", "权重": 1}])
    generate_forms(campaign)
    assert not (campaign.forms_dir / FormKind.SELF.label).exists()
    (tmp_path / "in").mkdir()
    for group, ids in GROUPS.items():
        form = campaign.assessor_form_path(group)
        fill_assessor_form(form, "张三", dict.fromkeys(ids, FULL), out=tmp_path / "in" / f"{group}.xlsx")
    collect(campaign, [tmp_path / "in"])
    assert not [s for s in collection_status(campaign) if s.form is FormKind.SELF]
    assert "自评表" not in status_report(campaign).rows
    results = compute(campaign)
    assert all(u.status is ReturnState.OK and not any("自评" in r for r in u.remarks) for u in results.units)
    summary = write_summary(campaign)
    assert summary.pending == [] and summary.scored == 3
    wb = openpyxl.load_workbook(summary.path)
    assert "自评与考核差异" not in wb.sheetnames
    assert not [c.value for c in wb[SUMMARY_SHEET][3] if c.value and "自评" in str(c.value)]
    footer = " ".join(str(c.value) for row in wb[SUMMARY_SHEET].iter_rows(min_row=7) for c in row if c.value)
    assert "本考核不设自评" in footer


# ---- a group workbook scored a unit at a time ----------------------------------------------
def test_blank_unit_sheet_is_not_yet_scored(campaign: Campaign, tmp_path: Path) -> None:
    generated(campaign)
    first = collect_one(campaign, fill_assessor(campaign, "第一考核组", "李明", tmp_path / "a.xlsx", {"01": GOOD}))
    assert first.status == "accepted"  # not 6 blank errors for 西山村's untouched sheet
    assert [p.code for p in first.problems] == ["sheet_not_scored"] and not first.problems[0].is_error
    states = {u: s[0] for u, s in _states(campaign, FormKind.ASSESSOR).items()}
    assert states == {"01": ReturnState.OK, "02": ReturnState.MISSING, "03": ReturnState.MISSING}
    # the next visit: 西山村 scored in a later copy; 东湖村's first scores still count
    later = collect_one(campaign, fill_assessor(campaign, "第一考核组", "李明", tmp_path / "b.xlsx", {"02": GOOD}))
    assert later.status == "accepted"
    states = {u: s[0] for u, s in _states(campaign, FormKind.ASSESSOR).items()}
    assert states["01"] is ReturnState.OK and states["02"] is ReturnState.OK
    assert {r.unit_id for r in latest_records(campaign, FormKind.ASSESSOR)} == {"01", "02"}


def test_every_sheet_blank_is_still_a_blank_form(campaign: Campaign, tmp_path: Path) -> None:
    generated(campaign)
    result = collect_one(campaign, fill_assessor(campaign, "第一考核组", "李明", tmp_path / "a.xlsx", {}))
    assert result.status == "rejected" and [p.code for p in result.problems] == ["blank_form"]


# ---- named assessors ------------------------------------------------------------------------
def test_roster_unit_complete_only_when_every_named_assessor_returned(
    make_campaign: Callable[..., Campaign], tmp_path: Path
) -> None:
    campaign = make_campaign(roster={"第一考核组": ["李明", "赵芳"]})
    generate_forms(campaign)

    def send(name: str, scores: dict[str, CellValue], out: str, typed: str | None = None) -> Any:
        form = campaign.assessor_form_path("第一考核组", assessor=name)
        return collect_one(
            campaign, fill_assessor_form(form, typed or name, {"01": scores, "02": scores}, out=tmp_path / out)
        )

    send("李明", FULL, "a.xlsx")
    state, note = _states(campaign, FormKind.ASSESSOR)["01"]
    assert state is ReturnState.MISSING and note == "待提交：赵芳；已收到：李明"
    assert compute(campaign).unit("01").composite is None  # not scored from 李明 alone
    # 赵芳 corrects a typo in the locked name cell: the signed name counts, not a new assessor
    result = send("赵芳", LESS, "b.xlsx", typed="赵方")
    assert [p.code for p in result.problems] == ["assessor_changed"] and result.rater == "赵芳"
    state, note = _states(campaign, FormKind.ASSESSOR)["01"]
    assert state is ReturnState.OK and note == "评分人（2 人）：李明、赵芳"
    # (4 + 3) / 2 = 3.5; 2; (4 + 3) / 2 = 3.5 → 9.00
    assert compute(campaign).unit("01").main.total == Decimal(9)  # type: ignore[union-attr]


def test_a_return_signed_for_a_name_off_the_roster_waits(tmp_path: Path) -> None:
    units = write_units_workbook(tmp_path / "u1.xlsx", roster={"第一考核组": ["李鸣", "赵芳"]})
    campaign = Campaign.init(tmp_path / "c", write_rubric_workbook(tmp_path / "r.xlsx"), units)
    generate_forms(campaign, [FormKind.ASSESSOR])
    stale = campaign.assessor_form_path("第一考核组", assessor="李鸣")
    stale_return = fill_assessor_form(stale, "李鸣", {"01": LESS, "02": LESS}, out=tmp_path / "stale.xlsx")
    # the roster is corrected (李鸣 → 李明) and the forms made again
    fixed = write_units_workbook(tmp_path / "u2.xlsx", roster={"第一考核组": ["李明", "赵芳"]})
    campaign = Campaign.init(tmp_path / "c", write_rubric_workbook(tmp_path / "r2.xlsx"), fixed, force=True)
    generate_forms(campaign, [FormKind.ASSESSOR])
    result = collect_one(campaign, stale_return)
    assert result.rater == "李鸣" and "assessor_not_in_roster" in [p.code for p in result.problems]
    state, note = _states(campaign, FormKind.ASSESSOR)["01"]
    assert state is ReturnState.INVALID and "李鸣" in note and "待提交：李明" in note
    for name, out in (("李明", "a.xlsx"), ("赵芳", "b.xlsx")):
        form = campaign.assessor_form_path("第一考核组", assessor=name)
        collect_one(campaign, fill_assessor_form(form, name, {"01": FULL, "02": FULL}, out=tmp_path / out))
    state, note = _states(campaign, FormKind.ASSESSOR)["01"]
    assert state is ReturnState.OK and "“李鸣”未计入" in note
    assert {r.rater for r in latest_records(campaign, FormKind.ASSESSOR)} == {"李明", "赵芳"}
    assert compute(campaign).unit("01").main.total == 10  # type: ignore[union-attr]  # 李鸣's 8 not averaged in


def test_without_a_roster_status_counts_the_assessors(campaign: Campaign, tmp_path: Path) -> None:
    generated(campaign)
    collect_one(campaign, fill_assessor(campaign, "第一考核组", "李鸣", tmp_path / "a.xlsx", {"01": GOOD, "02": GOOD}))
    collect_one(campaign, fill_assessor(campaign, "第一考核组", "李明", tmp_path / "b.xlsx", {"01": GOOD, "02": GOOD}))
    assert _states(campaign, FormKind.ASSESSOR)["01"] == (ReturnState.OK, "评分人（2 人）：李明、李鸣")


# ---- rater categories with maximum 0 --------------------------------------------------------
def test_rater_form_without_zero_max_columns_is_accepted(
    make_campaign: Callable[..., Campaign], tmp_path: Path
) -> None:
    categories = [
        {"类别": "组织领导", "分值": 6, "班子评分": 60},
        {"类别": "工作落实", "分值": 4, "班子评分": 0},  # the leaders do not rate this one
        {"类别": "加分项目"},
        {"类别": "扣分项目"},
    ]
    sources = [
        {"来源": "自评", "表单": "自评表", "权重": 0},
        {"来源": "考核组", "表单": "考核组评分表", "权重": 0.9},
        {"来源": "班子评分", "表单": "评分表", "权重": 0.1, "评分人": "张书记"},
    ]
    campaign = make_campaign(categories=categories, sources=sources)
    generate_forms(campaign)
    marks = {u: {"组织领导": 50} for u in ("01", "02", "03")}
    result = collect_one(
        campaign, fill_rater_form(rater_path(campaign, "班子评分", "张书记"), marks, out=tmp_path / "r.xlsx")
    )
    assert result.status == "accepted", result.problems
    assert {s.state for s in collection_status(campaign) if s.form is FormKind.RATER} == {ReturnState.OK}
    collect_one(campaign, fill_assessor(campaign, "第一考核组", "李明", tmp_path / "a.xlsx", {"01": FULL, "02": FULL}))
    # 班子评分 full marks 60 (the 0 column does not count); no 折算分制: 0.9 × 10 + 0.1 × 50 = 14.00
    assert compute(campaign).unit("01").shown == Decimal("14.00")


# ---- the store upgrade ----------------------------------------------------------------------
def test_version_3_store_gets_the_source_and_unit_name_columns(campaign: Campaign, tmp_path: Path) -> None:
    generated(campaign)
    collect_one(campaign, fill_assessor(campaign, "第一考核组", "李明", tmp_path / "a.xlsx", {"01": GOOD, "02": GOOD}))
    before = latest_records(campaign)
    with closing(sqlite3.connect(campaign.db_path)) as conn:
        conn.executescript(
            "ALTER TABLE submissions DROP COLUMN source; ALTER TABLE submission_units DROP COLUMN unit_name;"
            " UPDATE meta SET value = '3' WHERE key = 'schema_version';"
        )
    with closing(store.connect(campaign.db_path)) as conn:
        assert store.get_meta(conn, "schema_version") == "5"  # 3 → 4 (source) → 5 (unit_name)
        assert [r[0] for r in conn.execute("SELECT source FROM submissions")] == [""]
        assert {r[0] for r in conn.execute("SELECT unit_name FROM submission_units")} == {""}
    assert latest_records(campaign) == before  # '' reads as the first 考核组评分表 source
    assert {r.source for r in before} == {"考核组"}
