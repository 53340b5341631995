"""`kaohe init` as a clerk uses it: clear summary, located errors, exit codes, no tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import SAMPLES, SMALL_ITEMS, SMALL_SETTINGS, write_rubric_workbook, write_units_workbook

from kaohe_xl.campaign import CONFIG_NAME, Campaign
from kaohe_xl.cli.commands import main


def _init(target: Path, rubric: Path, units: Path, *extra: str) -> Result:
    return CliRunner().invoke(main, ["init", str(target), "--rubric", str(rubric), "--units", str(units), *extra])


def test_init_sample(tmp_path: Path) -> None:
    sample = SAMPLES / "南昌老干部"
    result = _init(tmp_path / "2023老干部考核", sample / "细则.xlsx", sample / "单位.xlsx")
    assert result.exit_code == 0, result.output
    assert "南昌市县区2023年老干部工作目标管理考核" in result.output
    assert "50 个条目" in result.output and "12 个单位" in result.output
    assert "警告" not in result.output
    assert Campaign.open(tmp_path / "2023老干部考核").rubric.settings.year == "2023"


def test_init_from_yaml(tmp_path: Path) -> None:
    sample = SAMPLES / "南昌老干部"
    result = _init(tmp_path / "c", sample / "细则.yaml", sample / "单位.xlsx")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "c" / "rubric" / "细则.yaml").is_file()


@pytest.mark.parametrize("name", ["南昌老干部", "动力厂党建", "新庄镇综合考核"])
def test_every_sample_inits_and_generates_without_warnings(tmp_path: Path, name: str) -> None:
    sample = SAMPLES / name
    init = _init(tmp_path / "c", sample / "细则.xlsx", sample / "单位.xlsx")
    generate = CliRunner().invoke(main, ["generate", str(tmp_path / "c")])
    assert (init.exit_code, generate.exit_code) == (0, 0), init.output + generate.output
    assert "警告" not in init.output + generate.output


def test_init_prints_rubric_warnings_with_location(tmp_path: Path, units_path: Path) -> None:
    categories = [
        {"类别": "组织领导", "分值": 5},
        {"类别": "工作落实", "分值": 4},
        {"类别": "加分项目"},
        {"类别": "扣分项目"},
    ]
    rubric = write_rubric_workbook(
        tmp_path / "细则.xlsx", categories=categories, settings={**SMALL_SETTINGS, "满分": 9}
    )
    result = _init(tmp_path / "c", rubric, units_path)
    assert result.exit_code == 0
    assert "警告 category_points_mismatch: 细则.xlsx 类别!B2" in result.output


def test_existing_campaign_needs_force(tmp_path: Path, rubric_path: Path, units_path: Path) -> None:
    target = tmp_path / "c"
    assert _init(target, rubric_path, units_path).exit_code == 0
    config = (target / CONFIG_NAME).read_bytes()
    refused = _init(target, rubric_path, units_path)
    assert refused.exit_code == 1 and "--force" in refused.output and "Traceback" not in refused.output
    assert (target / CONFIG_NAME).read_bytes() == config
    same = _init(target, rubric_path, units_path, "--force")  # nothing changed: nothing to do
    assert same.exit_code == 0 and "都没有变化" in same.output and not (target / "rubric" / "old").exists()
    items = [{**SMALL_ITEMS[0], "考核内容": "召开专题会议（修订）"}, *SMALL_ITEMS[1:]]
    changed = write_rubric_workbook(tmp_path / "细则2.xlsx", items=items)
    asked = _init(target, changed, units_path, "--force")  # not a terminal: refuses without --yes
    assert asked.exit_code == 1 and "--yes" in asked.output and not (target / "rubric" / "old").exists()
    forced = _init(target, changed, units_path, "--force", "--yes")
    assert forced.exit_code == 0, forced.output
    assert "只改了文字" in forced.output and "条目 1：考核内容" in forced.output
    assert len(list((target / "rubric" / "old").iterdir())) == 1


def test_bad_units_list_is_located(tmp_path: Path, rubric_path: Path) -> None:
    units = write_units_workbook(tmp_path / "单位.xlsx", [{"编号": "01", "单位名称": "甲村", "邮箱": "甲村邮箱"}])
    result = _init(tmp_path / "c", rubric_path, units)
    assert result.exit_code == 1
    assert "bad_email" in result.output and "单位.xlsx 单位!D2" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "c").exists()


def test_usage_errors_exit_2(tmp_path: Path, units_path: Path) -> None:
    missing = CliRunner().invoke(main, ["init", str(tmp_path / "c"), "--units", str(units_path)])
    assert missing.exit_code == 2 and "--rubric" in missing.output
    nofile = _init(tmp_path / "c", tmp_path / "没有这个文件.xlsx", units_path)
    assert nofile.exit_code == 2


def test_init_help_shows_an_example() -> None:
    result = CliRunner().invoke(main, ["init", "--help"])
    assert result.exit_code == 0
    assert "kaohe init" in result.output and "--force" in result.output
