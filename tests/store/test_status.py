"""Who returned what: collection states, latest values, ``kaohe status`` (text and JSON)."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from _returns_helpers import GOOD, cell_of, collect_one, fill_assessor, fill_self, generated, rows
from click.testing import CliRunner

from kaohe_xl.campaign import Campaign
from kaohe_xl.cli.commands import main
from kaohe_xl.forms import layout
from kaohe_xl.forms.fill import fill_rater_form
from kaohe_xl.forms.generate import generate_forms, rater_path
from kaohe_xl.rubric.model import FormKind
from kaohe_xl.store.records import ReturnState
from kaohe_xl.store.report import status_report
from kaohe_xl.store.status import collection_status, latest_records
from kaohe_xl.textnorm import display_width


def _states(campaign: Campaign, form: FormKind) -> dict[str, tuple[ReturnState, int, str]]:
    return {s.unit_id: (s.state, s.revisions, s.note) for s in collection_status(campaign) if s.form is form}


def test_self_states_missing_ok_invalid_and_latest_valid_revision(campaign: Campaign, tmp_path: Path) -> None:
    generated(campaign)
    assert _states(campaign, FormKind.SELF) == {u: (ReturnState.MISSING, 0, "") for u in ("01", "02", "03")}
    collect_one(campaign, fill_self(campaign, "01", tmp_path / "a.xlsx"))
    first = collect_one(campaign, fill_self(campaign, "02", tmp_path / "b.xlsx"))
    bad = fill_self(campaign, "02", tmp_path / "c.xlsx", {**GOOD, "1": 8})
    second = collect_one(campaign, bad)
    assert (first.revision, second.revision, second.status) == (1, 2, "invalid")
    cell = cell_of(openpyxl.load_workbook(bad)[layout.SELF_SHEET], "1", layout.H_SELF_SCORE)
    states = _states(campaign, FormKind.SELF)
    assert states["01"] == (ReturnState.OK, 1, "")
    assert states["02"] == (ReturnState.INVALID, 2, f"自评表!{cell} [条目 1]：超过最高分 4：请填写 0～4 之间的数字")
    assert states["03"][0] is ReturnState.MISSING
    # the scoring side keeps using unit 02's valid first revision until a good one arrives
    by_unit = {(r.unit_id, r.key): (r.value, r.submission_id) for r in latest_records(campaign, FormKind.SELF)}
    ((first_id,),) = rows(campaign, "SELECT id FROM submissions WHERE subject_id = '02' AND revision = 1")
    assert by_unit[("02", "1")] == (Decimal(3), first_id)
    assert {r.source for r in latest_records(campaign)} == {"自评"}


def test_assessor_states_follow_every_assessor_of_the_group(campaign: Campaign, tmp_path: Path) -> None:
    generated(campaign)
    full = {"01": GOOD, "02": GOOD}
    collect_one(campaign, fill_assessor(campaign, "第一考核组", "李明", tmp_path / "a.xlsx", full))
    states = _states(campaign, FormKind.ASSESSOR)
    assert states["01"] == (ReturnState.OK, 1, "评分人（1 人）：李明")
    assert states["03"] == (ReturnState.MISSING, 0, "")
    result = collect_one(
        campaign,
        fill_assessor(campaign, "第一考核组", "赵芳", tmp_path / "b.xlsx", {"01": GOOD, "02": {**GOOD, "6": "Y"}}),
    )
    assert (result.rater, result.revision, result.status) == ("赵芳", 1, "invalid")
    states = _states(campaign, FormKind.ASSESSOR)
    # two assessors' first copies: still version 1, not "version 2"; 赵芳's error is on
    # unit 02's sheet, so only 02 waits for her corrected copy
    assert states["01"] == (ReturnState.OK, 1, "评分人（2 人）：李明、赵芳")
    assert states["02"][:2] == (ReturnState.INVALID, 1)
    assert states["02"][2].startswith("赵芳：") and "[条目 6]" in states["02"][2]
    records = latest_records(campaign, FormKind.ASSESSOR)
    assert {(r.rater, r.unit_id) for r in records} == {("李明", "01"), ("李明", "02"), ("赵芳", "01")}
    assert {r.source for r in records} == {"考核组"} and len(records) == 18
    # 赵芳 sends a corrected copy: her second revision, and the group is complete again
    result = collect_one(campaign, fill_assessor(campaign, "第一考核组", "赵芳", tmp_path / "c.xlsx", full))
    assert (result.rater, result.revision, result.status) == ("赵芳", 2, "accepted")
    assert _states(campaign, FormKind.ASSESSOR)["01"] == (ReturnState.OK, 2, "评分人（2 人）：李明、赵芳")
    assert {r.rater for r in latest_records(campaign, FormKind.ASSESSOR)} == {"李明", "赵芳"}


def test_rater_forms_are_tracked_per_unit_and_rater(sample_campaign: Callable[[str], Campaign], tmp_path: Path) -> None:
    campaign = sample_campaign("新庄镇综合考核")
    generate_forms(campaign, [FormKind.RATER])
    source = campaign.rubric.sources_of(FormKind.RATER)[0]
    rater = source.raters[0]
    categories = [c for c in campaign.rubric.categories if source.name in c.rater_max]
    scores = {u.id: {c.name: c.rater_max[source.name] - 1 for c in categories} for u in campaign.units}
    path = fill_rater_form(rater_path(campaign, source.name, rater), scores, out=tmp_path / "班子.xlsx")
    result = collect_one(campaign, path)
    assert (result.status, result.subject_id, result.rater, result.problems) == ("accepted", source.name, rater, ())
    records = latest_records(campaign, FormKind.RATER)
    assert len(records) == len(campaign.units) * len(categories)
    first = campaign.units[0].id
    assert {(r.source, r.rater) for r in records} == {(source.name, rater)}
    assert {r.key: r.value for r in records if r.unit_id == first} == {
        c.name: c.rater_max[source.name] - 1 for c in categories
    }
    states = [s for s in collection_status(campaign) if s.form is FormKind.RATER and s.unit_id == first]
    assert [(s.state, s.note) for s in states] == [(ReturnState.OK, f"{source.name}·{rater}")] + [
        (ReturnState.MISSING, f"{source.name}·{other}") for other in source.raters[1:]
    ]


def test_rater_form_values_are_validated(sample_campaign: Callable[[str], Campaign], tmp_path: Path) -> None:
    campaign = sample_campaign("新庄镇综合考核")
    generate_forms(campaign, [FormKind.RATER])
    source = campaign.rubric.sources_of(FormKind.RATER)[0]
    categories = [c for c in campaign.rubric.categories if source.name in c.rater_max]
    scores = {u.id: {c.name: 1 for c in categories} for u in campaign.units}
    first, top = campaign.units[0].id, categories[0]
    scores[first][top.name] = top.rater_max[source.name] + 1
    path = fill_rater_form(rater_path(campaign, source.name, source.raters[1]), scores, out=tmp_path / "r.xlsx")
    result = collect_one(campaign, path)
    assert [(p.code, p.item) for p in result.problems] == [("over_max", first)]
    assert result.status == "invalid"


def test_status_command_text_missing_and_json(campaign: Campaign, tmp_path: Path) -> None:
    generated(campaign)
    collect_one(campaign, fill_self(campaign, "01", tmp_path / "a.xlsx"))
    (tmp_path / "坏.xlsx").write_bytes(b"")
    collect_one(campaign, tmp_path / "坏.xlsx")
    runner = CliRunner()
    text = runner.invoke(main, ["status", str(campaign.root)])
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert lines[0] == "【自评表】已收到 1，待提交 2"
    assert lines[1].split()[:4] == ["01", "东湖村", "已收到", "第1版"]
    assert "【拒收的文件】1 个" in lines
    assert any(line.strip().startswith("坏.xlsx") and "文件为空" in line for line in lines)
    missing = runner.invoke(main, ["status", str(campaign.root), "--missing"])
    assert "东湖村" not in missing.output.split("【考核组评分表】")[0]
    assert "西山村" in missing.output and "南岭村" in missing.output
    data = json.loads(runner.invoke(main, ["status", str(campaign.root), "--json"]).output)
    assert data["counts"]["自评表"] == {"已收到": 1, "待提交": 2, "待核实": 0}
    assert [r["unit_id"] for r in data["forms"]["自评表"] if r["state"] == "ok"] == ["01"]
    assert [(r["original_name"], r["status"]) for r in data["rejected"]] == [("坏.xlsx", "quarantined")]
    only = json.loads(runner.invoke(main, ["status", str(campaign.root), "--missing", "--json"]).output)
    assert [r["unit_id"] for r in only["forms"]["自评表"]] == ["02", "03"]
    assert status_report(campaign).counts()["考核组评分表"]["待提交"] == 3


def test_missing_lists_invalid_returns_too_and_aligns_chinese_names(make_campaign: Any, tmp_path: Path) -> None:
    units = [
        {"编号": "01", "单位名称": "东湖村", "邮箱": "a@example.cn", "考核组": "第一考核组"},
        {"编号": "02", "单位名称": "西山村民委员会", "邮箱": "b@example.cn", "考核组": "第一考核组"},
        {"编号": "03", "单位名称": "Nanling", "邮箱": "c@example.cn", "考核组": "第一考核组"},
    ]
    campaign = generated(make_campaign(units=units))
    collect_one(campaign, fill_self(campaign, "01", tmp_path / "a.xlsx"))
    collect_one(campaign, fill_self(campaign, "02", tmp_path / "b.xlsx", {**GOOD, "1": 99}))  # over the maximum
    missing = CliRunner().invoke(main, ["status", str(campaign.root), "--missing"]).output
    block = missing.split("【考核组评分表】")[0].splitlines()
    assert block[0] == "【自评表】已收到 1，待提交 1，待核实 1"
    assert [line.split()[:3] for line in block[1:]] == [["02", "西山村民委员会", "待核实"], ["03", "Nanling", "待提交"]]
    # the state column starts at the same terminal column on every line
    assert len({display_width(line.split("待")[0]) for line in block[1:]}) == 1
    everything_in = status_report(campaign)
    assert [r["unit_id"] for r in everything_in.missing()["自评表"]] == ["02", "03"]


def test_commands_have_help() -> None:
    for command in ("collect", "status"):
        outcome = CliRunner().invoke(main, [command, "--help"])
        assert outcome.exit_code == 0 and "Example: kaohe " + command in outcome.output
