"""Per-unit error tracking: a return covers one or more units, and each unit has its own
state. An error on unit A's sheet of a 考核组评分表 holds back A alone; unit B of the same
file is 已收到 and scored. Also: returns of an older rubric after ``init --force``, units
added to a group after its form was generated, and upgrading a version-1 store."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import openpyxl
from _returns_helpers import GOOD, cell_of, collect_one, fill_assessor, fill_self, generated, rows
from conftest import SMALL_ITEMS, SMALL_UNITS, write_rubric_workbook, write_units_workbook

from kaohe_xl.campaign import Campaign
from kaohe_xl.forms import layout
from kaohe_xl.forms.fill import fill_rater_form
from kaohe_xl.forms.generate import generate_forms, rater_path
from kaohe_xl.rubric.model import FormKind
from kaohe_xl.scoring.results import compute
from kaohe_xl.store import db as store
from kaohe_xl.store.records import ReturnState
from kaohe_xl.store.status import collection_status, latest_records

GROUP = "第一考核组"  # units 01 东湖村 and 02 西山村


def _states(campaign: Campaign, form: FormKind) -> dict[str, tuple[ReturnState, str]]:
    return {s.unit_id: (s.state, s.note) for s in collection_status(campaign) if s.form is form}


def _assessor_cell(path: Path, unit_title: str, item: str) -> str:
    return cell_of(openpyxl.load_workbook(path)[unit_title], item, layout.H_ASSESSOR_SCORE)


def test_error_on_one_unit_sheet_holds_back_only_that_unit(campaign: Campaign, tmp_path: Path) -> None:
    generated(campaign)
    scores = {"01": GOOD, "02": {**GOOD, "1": 9}}  # 9 > 分值 4 on 西山村's sheet only
    path = fill_assessor(campaign, GROUP, "李明", tmp_path / "a.xlsx", scores)
    result = collect_one(campaign, path)
    assert result.status == "invalid"  # the file as a whole still has an error to fix
    states = _states(campaign, FormKind.ASSESSOR)
    assert states["01"] == (ReturnState.OK, "评分人（1 人）：李明")
    cell = _assessor_cell(path, "02_西山村", "1")
    assert states["02"] == (
        ReturnState.INVALID,
        f"李明：02_西山村!{cell} [条目 1]：超过最高分 4：请填写 0～4 之间的数字",
    )
    assert states["03"] == (ReturnState.MISSING, "")
    assert rows(campaign, "SELECT unit_id, has_errors FROM submission_units ORDER BY unit_id") == [
        ("01", 0),
        ("02", 1),
    ]
    records = latest_records(campaign, FormKind.ASSESSOR)
    assert {r.unit_id for r in records} == {"01"} and len(records) == len(GOOD)
    results = compute(campaign)
    # 3 + 2 + 3.5 base, bonus 1 (base 8.5 reaches the threshold 6), no penalty
    assert (results.unit("01").status, results.unit("01").composite) == (ReturnState.OK, Decimal("9.5"))
    assert (results.unit("02").status, results.unit("02").composite) == (ReturnState.INVALID, None)

    # the corrected copy: 02 becomes 已收到 and its values count
    fixed = fill_assessor(campaign, GROUP, "李明", tmp_path / "b.xlsx", {"01": GOOD, "02": {**GOOD, "1": 4}})
    assert collect_one(campaign, fixed).status == "accepted"
    assert _states(campaign, FormKind.ASSESSOR)["02"] == (ReturnState.OK, "评分人（1 人）：李明")
    assert compute(campaign).unit("02").composite == Decimal("10.5")


def test_each_unit_keeps_its_own_latest_valid_revision(campaign: Campaign, tmp_path: Path) -> None:
    generated(campaign)
    first = collect_one(campaign, fill_assessor(campaign, GROUP, "李明", tmp_path / "1.xlsx", {"01": GOOD, "02": GOOD}))
    # second copy: 01 now has an error, 02 changed a valid score
    second = collect_one(
        campaign,
        fill_assessor(campaign, GROUP, "李明", tmp_path / "2.xlsx", {"01": {**GOOD, "6": "Y"}, "02": {**GOOD, "1": 1}}),
    )
    assert (first.revision, second.revision, second.status) == (1, 2, "invalid")
    ids = dict(rows(campaign, "SELECT revision, id FROM submissions"))
    used = {(r.unit_id, r.key): (r.value, r.submission_id) for r in latest_records(campaign)}
    assert used[("01", "1")] == (Decimal(3), ids[1])  # 01 stays at its valid first copy
    assert used[("02", "1")] == (Decimal(1), ids[2])  # 02 takes the newer copy
    states = {s.unit_id: (s.state, s.revisions) for s in collection_status(campaign) if s.form is FormKind.ASSESSOR}
    assert states["01"] == (ReturnState.INVALID, 2) and states["02"] == (ReturnState.OK, 2)


def test_file_wide_error_holds_back_every_unit(campaign: Campaign, tmp_path: Path) -> None:
    generated(campaign)
    collect_one(campaign, fill_assessor(campaign, GROUP, None, tmp_path / "a.xlsx", {"01": GOOD, "02": GOOD}))
    states = _states(campaign, FormKind.ASSESSOR)
    assert [states[u][0] for u in ("01", "02")] == [ReturnState.INVALID] * 2
    assert all("评分人未填写" in states[u][1] for u in ("01", "02"))
    assert latest_records(campaign, FormKind.ASSESSOR) == []


def test_renamed_unit_sheet_is_read_by_its_unit_cell(campaign: Campaign, tmp_path: Path) -> None:
    generated(campaign)

    def rename(wb: openpyxl.Workbook) -> None:
        wb["02_西山村"].title = "西山"

    path = fill_assessor(campaign, GROUP, "李明", tmp_path / "a.xlsx", {"01": GOOD, "02": GOOD}, mutate=rename)
    result = collect_one(campaign, path)
    assert [(p.code, p.severity, p.sheet) for p in result.problems] == [("sheet_renamed", "warning", "西山")]
    states = _states(campaign, FormKind.ASSESSOR)
    assert (states["01"][0], states["02"][0]) == (ReturnState.OK, ReturnState.OK)


def test_missing_unit_sheet_holds_back_only_that_unit(campaign: Campaign, tmp_path: Path) -> None:
    generated(campaign)

    def drop(wb: openpyxl.Workbook) -> None:
        del wb["02_西山村"]

    path = fill_assessor(campaign, GROUP, "李明", tmp_path / "a.xlsx", {"01": GOOD, "02": GOOD}, mutate=drop)
    assert [p.code for p in collect_one(campaign, path).problems] == ["sheet_missing"]
    states = _states(campaign, FormKind.ASSESSOR)
    assert (states["01"][0], states["02"][0]) == (ReturnState.OK, ReturnState.INVALID)
    assert "02_西山村" in states["02"][1]


def test_rater_form_error_on_one_row_holds_back_only_that_unit(
    sample_campaign: Callable[[str], Campaign], tmp_path: Path
) -> None:
    campaign = sample_campaign("新庄镇综合考核")
    generate_forms(campaign, [FormKind.RATER])
    source = campaign.rubric.sources_of(FormKind.RATER)[0]
    rater = source.raters[0]
    categories = [c for c in campaign.rubric.categories if source.name in c.rater_max]
    scores = {u.id: {c.name: 1 for c in categories} for u in campaign.units}
    bad, good = campaign.units[0].id, campaign.units[1].id
    scores[bad][categories[0].name] = "很好"
    result = collect_one(
        campaign, fill_rater_form(rater_path(campaign, source.name, rater), scores, tmp_path / "r.xlsx")
    )
    assert [(p.code, p.item) for p in result.problems] == [("not_number", bad)]
    mine = {
        s.unit_id: s.state
        for s in collection_status(campaign)
        if s.form is FormKind.RATER and s.note.startswith(f"{source.name}·{rater}")
    }
    assert mine[bad] is ReturnState.INVALID
    assert {mine[u.id] for u in campaign.units if u.id != bad} == {ReturnState.OK}
    assert {r.unit_id for r in latest_records(campaign, FormKind.RATER)} == {u.id for u in campaign.units} - {bad}
    assert good in {r.unit_id for r in latest_records(campaign, FormKind.RATER)}


def test_returns_of_an_older_rubric_stop_counting_after_init_force(campaign: Campaign, tmp_path: Path) -> None:
    generated(campaign)
    collect_one(campaign, fill_self(campaign, "01", tmp_path / "a.xlsx"))
    assert len(latest_records(campaign)) == len(GOOD)
    # the clerk raises item 1 to 5 points and adds item 7, then re-initialises
    items = [
        {**SMALL_ITEMS[0], "分值": 5},
        *SMALL_ITEMS[1:],
        {"编号": "7", "类别": "工作落实", "考核内容": "新增", "分值": 1},
    ]
    rubric = write_rubric_workbook(tmp_path / "细则2.xlsx", items=items)
    units = write_units_workbook(tmp_path / "单位2.xlsx")
    campaign = Campaign.init(campaign.root, rubric, units, force=True)
    assert latest_records(campaign) == []  # values checked against the old rubric do not count
    state = next(s for s in collection_status(campaign) if s.form is FormKind.SELF and s.unit_id == "01")
    assert (state.state, state.revisions) == (ReturnState.INVALID, 1)
    assert "旧版考核细则" in state.note
    assert compute(campaign).unit("01").source_states["自评"] is ReturnState.INVALID
    # a return on the new form counts again
    generate_forms(campaign, [FormKind.SELF])
    collect_one(campaign, fill_self(campaign, "01", tmp_path / "b.xlsx", {**GOOD, "1": 5, "7": 1}))
    assert {r.key: r.value for r in latest_records(campaign)}["7"] == 1
    assert _states(campaign, FormKind.SELF)["01"] == (ReturnState.OK, "")


def test_unit_added_to_a_group_after_generation_is_still_owed(campaign: Campaign, tmp_path: Path) -> None:
    generated(campaign)
    path = fill_assessor(campaign, GROUP, "李明", tmp_path / "a.xlsx", {"01": GOOD, "02": GOOD})
    more = [*SMALL_UNITS, {"编号": "04", "单位名称": "北坡村", "考核组": GROUP}]
    campaign = Campaign.init(
        campaign.root,
        write_rubric_workbook(tmp_path / "r.xlsx"),
        write_units_workbook(tmp_path / "u.xlsx", more),
        force=True,
    )
    assert collect_one(campaign, path).status == "accepted"
    states = _states(campaign, FormKind.ASSESSOR)
    assert (states["01"][0], states["04"][0]) == (ReturnState.OK, ReturnState.MISSING)


def test_version_1_store_is_upgraded_in_place(campaign: Campaign, tmp_path: Path) -> None:
    generated(campaign)
    collect_one(campaign, fill_self(campaign, "01", tmp_path / "a.xlsx"))
    collect_one(campaign, fill_self(campaign, "02", tmp_path / "b.xlsx", {**GOOD, "1": 9}))
    before = latest_records(campaign)
    # turn the store back into what version 1 wrote
    with closing(sqlite3.connect(campaign.db_path)) as conn:
        conn.executescript(
            "DROP TABLE submission_units; ALTER TABLE submissions DROP COLUMN rubric_hash;"
            " UPDATE meta SET value = '1' WHERE key = 'schema_version';"
        )
    with closing(store.connect(campaign.db_path)) as conn:
        assert store.get_meta(conn, "schema_version") == str(store.SCHEMA_VERSION) == "5"
    assert rows(campaign, "SELECT unit_id, has_errors FROM submission_units ORDER BY unit_id") == [("01", 0), ("02", 1)]
    assert latest_records(campaign) == before
    states = _states(campaign, FormKind.SELF)
    assert states["02"][0] is ReturnState.INVALID and "超过最高分" in states["02"][1]


def test_version_2_store_gets_one_key_per_padded_assessor_name(campaign: Campaign, tmp_path: Path) -> None:
    generated(campaign)
    scores = {"01": GOOD, "02": GOOD}
    collect_one(campaign, fill_assessor(campaign, "第一考核组", "李明", tmp_path / "a.xlsx", scores))
    collect_one(campaign, fill_assessor(campaign, "第一考核组", "王芳", tmp_path / "b.xlsx", scores))
    collect_one(
        campaign, fill_assessor(campaign, "第一考核组", "李明", tmp_path / "c.xlsx", {**scores, "01": {**GOOD, "1": 1}})
    )
    # what version 2 stored when the first copy was typed 李 明: a rater of its own
    with closing(sqlite3.connect(campaign.db_path)) as conn:
        conn.executescript(
            "UPDATE submissions SET rater = '李 明', revision = 1 WHERE id = 1;"
            " UPDATE submissions SET revision = 1 WHERE id = 3;"
            " UPDATE meta SET value = '2' WHERE key = 'schema_version';"
        )
    assert {r.rater for r in latest_records(campaign) if r.form is FormKind.ASSESSOR} == {"李明", "王芳"}
    assert rows(campaign, "SELECT rater, revision FROM submissions ORDER BY id") == [
        ("李明", 1),
        ("王芳", 1),
        ("李明", 2),
    ]
    latest = {(r.rater, r.unit_id, r.key): r.value for r in latest_records(campaign)}
    assert str(latest[("李明", "01", "1")]) == "1"  # the later copy counts
