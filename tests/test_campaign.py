"""The campaign folder: init, refusal to overwrite, --force keeps old copies, open."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
import yaml
from conftest import SMALL_ITEMS, write_rubric_workbook, write_units_workbook

from kaohe_xl.campaign import CONFIG_NAME, DB_NAME, Campaign
from kaohe_xl.errors import CampaignError, RubricError
from kaohe_xl.rubric.model import FormKind


def _meta(db: Path) -> dict[str, str]:
    with closing(sqlite3.connect(db)) as conn:
        return dict(conn.execute("SELECT key, value FROM meta").fetchall())


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_init_creates_self_contained_folder(tmp_path: Path, rubric_path: Path, units_path: Path) -> None:
    root = tmp_path / "2023测试考核"
    campaign = Campaign.init(root, rubric_path, units_path)
    config = yaml.safe_load((root / CONFIG_NAME).read_text(encoding="utf-8"))
    assert config["name"] == "2023测试考核"
    assert config["rubric"] == "rubric/细则.xlsx" and config["units"] == "units/单位.xlsx"
    assert (root / config["rubric"]).read_bytes() == rubric_path.read_bytes()
    assert (root / config["units"]).read_bytes() == units_path.read_bytes()
    # the config is for people: commented, UTF-8, Chinese kept readable
    text = (root / CONFIG_NAME).read_text(encoding="utf-8")
    assert text.startswith("#") and "2023测试考核" in text
    for folder in ("forms", "inbox", "archive", "output"):
        assert (root / folder).is_dir()
    meta = _meta(root / DB_NAME)
    assert meta["campaign_id"] == campaign.id and len(campaign.id) == 16
    assert meta["secret"] == campaign.secret and len(bytes.fromhex(campaign.secret)) == 32
    # the copies are what the campaign reads
    assert campaign.rubric.settings.name == "测试考核"
    assert [u.id for u in campaign.units] == ["01", "02", "03"]


def test_each_campaign_gets_its_own_secret(tmp_path: Path, rubric_path: Path, units_path: Path) -> None:
    first = Campaign.init(tmp_path / "a", rubric_path, units_path)
    second = Campaign.init(tmp_path / "b", rubric_path, units_path)
    assert first.secret != second.secret
    assert first.id != second.id


def test_reinit_refuses_and_overwrites_nothing(tmp_path: Path, rubric_path: Path, units_path: Path) -> None:
    root = tmp_path / "c"
    Campaign.init(root, rubric_path, units_path)
    before = _snapshot(root)
    other = write_rubric_workbook(tmp_path / "新细则.xlsx", items=SMALL_ITEMS[:3])
    with pytest.raises(CampaignError, match="--force"):
        Campaign.init(root, other, units_path)
    assert _snapshot(root) == before


def test_force_keeps_old_copies_store_and_config(tmp_path: Path, rubric_path: Path, units_path: Path) -> None:
    root = tmp_path / "c"
    campaign = Campaign.init(root, rubric_path, units_path)
    campaign.config["mail"] = {"smtp_host": "mail.example.cn"}
    campaign.config["password"] = "kh2023"  # a key another part of the tool added
    campaign.save_config()
    secret, campaign_id = campaign.secret, campaign.id
    old_rubric = rubric_path.read_bytes()
    new_rubric = write_rubric_workbook(tmp_path / "细则v2.xlsx", items=SMALL_ITEMS[:3])
    new_units = write_units_workbook(tmp_path / "单位.xlsx")

    again = Campaign.init(root, new_rubric, new_units, force=True)
    assert again.secret == secret and again.id == campaign_id  # forms already sent stay valid
    assert again.config["rubric"] == "rubric/细则v2.xlsx"
    assert again.config["mail"] == {"smtp_host": "mail.example.cn"} and again.config["password"] == "kh2023"
    assert len(again.rubric.items) == 3
    kept = list((root / "rubric" / "old").iterdir())
    assert len(kept) == 1 and kept[0].name.endswith("_细则.xlsx") and kept[0].read_bytes() == old_rubric
    assert [p.name for p in (root / "rubric").iterdir() if p.is_file()] == ["细则v2.xlsx"]
    assert len(list((root / "units" / "old").iterdir())) == 1


def test_force_reinit_from_its_own_copy(tmp_path: Path, rubric_path: Path, units_path: Path) -> None:
    """Re-initialising with the rubric copy inside the campaign must not lose it."""
    root = tmp_path / "c"
    Campaign.init(root, rubric_path, units_path)
    inside = root / "rubric" / "细则.xlsx"
    again = Campaign.init(root, inside, root / "units" / "单位.xlsx", force=True)
    assert (root / "rubric" / "细则.xlsx").read_bytes() == rubric_path.read_bytes()
    assert len(again.rubric.items) == 6


def test_init_refuses_non_empty_folder(tmp_path: Path, rubric_path: Path, units_path: Path) -> None:
    root = tmp_path / "我的文档"
    root.mkdir()
    (root / "重要.docx").write_bytes(b"keep me")
    for force in (False, True):
        with pytest.raises(CampaignError, match="不是空目录"):
            Campaign.init(root, rubric_path, units_path, force=force)
    assert [p.name for p in root.iterdir()] == ["重要.docx"]


def test_init_into_empty_existing_folder(tmp_path: Path, rubric_path: Path, units_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    assert Campaign.init(root, rubric_path, units_path).root == root


def test_init_refuses_a_file(tmp_path: Path, rubric_path: Path, units_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(CampaignError, match="是一个文件"):
        Campaign.init(target, rubric_path, units_path)


def test_bad_rubric_or_units_leave_no_folder(tmp_path: Path, units_path: Path) -> None:
    bad = write_rubric_workbook(tmp_path / "bad.xlsx", items=[{**SMALL_ITEMS[0], "分值": "三"}])
    with pytest.raises(RubricError):
        Campaign.init(tmp_path / "c1", bad, units_path)
    assert not (tmp_path / "c1").exists()
    good = write_rubric_workbook(tmp_path / "good.xlsx")
    bad_units = write_units_workbook(tmp_path / "bad_units.xlsx", [{"编号": "1", "单位名称": "甲"}] * 2)
    with pytest.raises(CampaignError, match="重复"):
        Campaign.init(tmp_path / "c2", good, bad_units)
    assert not (tmp_path / "c2").exists()


def test_open_refuses_non_campaigns(tmp_path: Path, campaign: Campaign) -> None:
    with pytest.raises(CampaignError, match="不是考核目录"):
        Campaign.open(tmp_path)
    (campaign.root / DB_NAME).unlink()
    with pytest.raises(CampaignError, match="缺少数据库"):
        Campaign.open(campaign.root)


def test_open_sees_what_init_wrote(campaign: Campaign) -> None:
    opened = Campaign.open(campaign.root)
    assert opened.id == campaign.id and opened.secret == campaign.secret
    assert opened.rubric == campaign.rubric
    assert opened.unit("03").name == "南岭村"
    with pytest.raises(KeyError):
        opened.unit("99")
    groups = opened.assessor_groups()
    assert {g: [u.id for u in us] for g, us in groups.items()} == {"第一考核组": ["01", "02"], "第二考核组": ["03"]}


def test_paths(campaign: Campaign) -> None:
    root = campaign.root
    assert (campaign.forms_dir, campaign.inbox_dir, campaign.archive_dir, campaign.output_dir) == (
        root / "forms",
        root / "inbox",
        root / "archive",
        root / "output",
    )
    path = campaign.form_path(FormKind.SELF, "01")
    assert path.parent == root / "forms" / "自评表" and "东湖村" in path.name and path.suffix == ".xlsx"
    with closing(campaign.connect()) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'campaign_id'").fetchone()[0] == campaign.id


@pytest.mark.parametrize(
    ("units", "clash"),
    [
        ([("a", "x", "组"), ("A", "x", "组")], "单位 a 与 单位 A"),  # Windows file names ignore case
        ([("1", "x", "组/1"), ("2", "y", "组:1")], "考核组“组/1” 与 考核组“组:1”"),
    ],
)
def test_units_whose_forms_would_overwrite_each_other_are_refused(
    tmp_path: Path, rubric_path: Path, units: list[tuple[str, str, str]], clash: str
) -> None:
    unit_file = write_units_workbook(
        tmp_path / "单位.xlsx", [{"编号": i, "单位名称": n, "考核组": g} for i, n, g in units]
    )
    with pytest.raises(CampaignError) as caught:
        Campaign.init(tmp_path / "c", rubric_path, unit_file)
    assert clash in str(caught.value) and "互相覆盖" in str(caught.value)
    assert not (tmp_path / "c").exists()
