"""Amending a running campaign (``kaohe update``, ``kaohe init --force``): what changed is
shown with its effect on the returns collected, nothing happens without a yes, wording
fixes keep every return, changed points re-check only the values they concern, units
added get forms, nothing received is deleted."""

from __future__ import annotations

from pathlib import Path

from _returns_helpers import GOOD, collect_one, counts, fill_assessor, fill_self, generated
from click.testing import CliRunner, Result
from conftest import SMALL_ITEMS, SMALL_UNITS, write_rubric_workbook, write_units_workbook

from kaohe_xl.campaign import CONFIG_NAME, Campaign
from kaohe_xl.cli.commands import main
from kaohe_xl.rubric.model import FormKind
from kaohe_xl.scoring.results import compute
from kaohe_xl.store.records import ReturnState
from kaohe_xl.store.status import collection_status, latest_records


def _states(campaign: Campaign) -> dict[tuple[str, str], ReturnState]:
    return {(s.form.value, s.unit_id): s.state for s in collection_status(campaign)}


def _returns(campaign: Campaign, tmp_path: Path) -> None:
    """Self returns of all three units (02 gave itself 4 on item 1) and group 1's assessor return."""
    generated(campaign)
    collect_one(campaign, fill_self(campaign, "01", tmp_path / "r" / "01.xlsx"))
    collect_one(campaign, fill_self(campaign, "02", tmp_path / "r" / "02.xlsx", {**GOOD, "1": 4}))
    collect_one(campaign, fill_self(campaign, "03", tmp_path / "r" / "03.xlsx"))
    scores = {"01": GOOD, "02": GOOD}
    collect_one(campaign, fill_assessor(campaign, "第一考核组", "李明", tmp_path / "r" / "g1.xlsx", scores))


def _update(campaign: Campaign, *args: str) -> Result:
    return CliRunner().invoke(main, ["update", str(campaign.root), *args])


def test_a_wording_fix_keeps_every_return_valid(campaign: Campaign, tmp_path: Path) -> None:
    _returns(campaign, tmp_path)
    late = fill_self(campaign, "01", tmp_path / "late.xlsx", {**GOOD, "2": 1})  # made on the form sent before
    before = _states(campaign)
    values = {(r.form, r.unit_id, r.key): r.value for r in latest_records(campaign)}
    items = [dict(item) for item in SMALL_ITEMS]
    items[1]["考核办法"] = "查阅文件"  # one word of 考核办法 corrected
    rubric = write_rubric_workbook(tmp_path / "细则(修订).xlsx", items=items)
    units = write_units_workbook(tmp_path / "单位.xlsx")
    args = ["init", str(campaign.root), "--rubric", str(rubric), "--units", str(units), "--force", "--yes"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "只改了文字" in result.output and "条目 2：考核办法" in result.output
    assert "5 份仍然有效，全部不受影响" in result.output
    campaign = Campaign.open(campaign.root)
    assert _states(campaign) == before
    assert {(r.form, r.unit_id, r.key): r.value for r in latest_records(campaign)} == values
    assert compute(campaign).unit("01").composite is not None  # still scored
    again = collect_one(campaign, late)
    assert (again.status, [p.code for p in again.problems]) == ("accepted", ["rubric_updated"])


def test_lower_points_re_check_only_the_values_they_concern(campaign: Campaign, tmp_path: Path) -> None:
    _returns(campaign, tmp_path)
    items = [{**SMALL_ITEMS[0], "分值": 3}, *SMALL_ITEMS[1:]]
    rubric = write_rubric_workbook(tmp_path / "细则2.xlsx", items=items)
    result = _update(campaign, "--rubric", str(rubric), "--yes")
    assert result.exit_code == 0, result.output
    assert "条目 1：分值 4 → 3" in result.output
    # 02 gave itself 4 on item 1: only its self return no longer fits
    assert "自评表 02 西山村 第1版将变为待核实" in result.output
    assert "条目 1 的分值已改为 3 分，原填 4 分超过新分值" in result.output
    assert "4 份仍然有效" in result.output
    campaign = Campaign.open(campaign.root)
    states = _states(campaign)
    assert states[("self", "02")] is ReturnState.INVALID
    assert {k: v for k, v in states.items() if k != ("self", "02")} == {
        ("self", "01"): ReturnState.OK,
        ("self", "03"): ReturnState.OK,
        ("assessor", "01"): ReturnState.OK,
        ("assessor", "02"): ReturnState.OK,
        ("assessor", "03"): ReturnState.MISSING,
    }
    note = next(s.note for s in collection_status(campaign) if s.form is FormKind.SELF and s.unit_id == "02")
    assert "原填 4 分超过新分值" in note
    assert {r.unit_id for r in latest_records(campaign, FormKind.SELF)} == {"01", "03"}


def test_items_and_units_added_nothing_received_is_deleted(campaign: Campaign, tmp_path: Path) -> None:
    _returns(campaign, tmp_path)
    stored = counts(campaign)
    archived = sorted(p.name for p in campaign.archive_dir.iterdir())
    items = [*SMALL_ITEMS, {"编号": "7", "类别": "工作落实", "考核内容": "新增工作", "分值": 1}]
    rubric = write_rubric_workbook(tmp_path / "细则2.xlsx", items=items)
    units = write_units_workbook(tmp_path / "单位2.xlsx", [*SMALL_UNITS, {"编号": "04", "单位名称": "北坡村"}])
    result = _update(campaign, "--rubric", str(rubric), "--units", str(units), "--yes")
    assert result.exit_code == 0, result.output
    assert "条目 7（新增工作，1 分）" in result.output and "04 北坡村" in result.output
    assert result.output.count("将变为待核实") == result.output.count("条目 7 是修改细则后新增的") == 5
    campaign = Campaign.open(campaign.root)
    assert campaign.form_path(FormKind.SELF, "04").exists()  # the unit added has its form
    assert counts(campaign) == stored  # every file, revision, value and issue kept
    assert sorted(p.name for p in campaign.archive_dir.iterdir()) == archived
    assert set(_states(campaign).values()) == {ReturnState.INVALID, ReturnState.MISSING}
    # a return on the new form counts again
    collect_one(campaign, fill_self(campaign, "01", tmp_path / "new.xlsx", {**GOOD, "7": 1}))
    assert _states(campaign)[("self", "01")] is ReturnState.OK


def test_update_asks_first_and_changes_nothing_without_a_yes(campaign: Campaign, tmp_path: Path) -> None:
    _returns(campaign, tmp_path)
    config = (campaign.root / CONFIG_NAME).read_bytes()
    units = write_units_workbook(
        tmp_path / "单位2.xlsx", [{**SMALL_UNITS[0], "单位名称": "东湖社区"}, *SMALL_UNITS[1:]]
    )
    result = _update(campaign, "--units", str(units))
    assert result.exit_code == 1
    assert "改名（已收到的表格待核实）" in result.output and "01 东湖村 → 东湖社区" in result.output
    assert "--yes" in result.output
    assert (campaign.root / CONFIG_NAME).read_bytes() == config
    assert _states(Campaign.open(campaign.root))[("self", "01")] is ReturnState.OK


def test_renumbering_shows_which_returns_stop_counting(campaign: Campaign, tmp_path: Path) -> None:
    _returns(campaign, tmp_path)
    renumbered = [{"编号": "01", "单位名称": "新村", "考核组": "第一考核组"}]
    renumbered += [{**u, "编号": f"{int(u['编号']) + 1:02d}"} for u in SMALL_UNITS]
    units = write_units_workbook(tmp_path / "单位2.xlsx", renumbered)
    result = _update(campaign, "--units", str(units), "--yes")
    assert result.exit_code == 0, result.output
    assert "东湖村 01 → 02" in result.output and "01 新村" in result.output
    assert "自评表 01 东湖村 第1版将变为待核实" in result.output  # as it was collected
    campaign = Campaign.open(campaign.root)
    states = _states(campaign)
    assert states[("self", "01")] is ReturnState.MISSING  # the new 01 owes its own return
    assert states[("self", "02")] is ReturnState.INVALID  # 东湖村: its return was made as 01
    assert latest_records(campaign) == []


def test_nothing_to_update(campaign: Campaign) -> None:
    rubric = campaign.root / str(campaign.config["rubric"])
    result = _update(campaign, "--rubric", str(rubric))
    assert result.exit_code == 0 and "都没有变化" in result.output
    assert not (campaign.root / "rubric" / "old").exists()
