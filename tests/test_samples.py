"""The bundled samples, transcribed from the seeds: totals, kinds, sources, units."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import SAMPLES

from kaohe_xl.campaign import Campaign
from kaohe_xl.rubric.load import load_rubric
from kaohe_xl.rubric.model import BonusBasis, FormKind, ItemKind, Rubric
from kaohe_xl.rubric.units import load_units

SAMPLE_NAMES = ["南昌老干部", "动力厂党建", "新庄镇综合考核"]
# Seed 004's own numbers exceed the category's 100 in two categories; the sample marks them
# 封顶 (documented in docs/rubric.md), so every sample loads without a warning.
OVER_CAP = {"新庄镇综合考核": {"党建工作": Decimal("100.5"), "社会治安综合治理": Decimal(104)}}


def _base_sums(rubric: Rubric) -> dict[str, Decimal]:
    return {
        c.name: sum((i.points or Decimal(0) for i in rubric.items_in(c.name) if i.kind is ItemKind.BASE), Decimal(0))
        for c in rubric.categories
    }


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_sample_loads_without_warnings(name: str) -> None:
    rubric = load_rubric(SAMPLES / name / "细则.xlsx")
    assert rubric.warnings == ()
    sums = _base_sums(rubric)
    # a 扣分制 category's items are deductions (each up to the whole category), not parts
    over = {
        c.name: sums[c.name]
        for c in rubric.scored_categories
        if c.cap is not None and sums[c.name] > c.cap and not c.deduction
    }
    assert over == OVER_CAP.get(name, {})
    units = load_units(SAMPLES / name / "单位.xlsx")
    assert all(u.emails and all(e.endswith("example.cn") for e in u.emails) for u in units)


def test_nanchang_sections() -> None:
    rubric = load_rubric(SAMPLES / "南昌老干部" / "细则.xlsx")
    assert [i.id for i in rubric.items] == [str(n) for n in range(1, 51)]
    caps = {c.name: c.cap for c in rubric.scored_categories}
    assert caps == {
        "领导重视": 20,
        "政治待遇": 20,
        "生活待遇": 20,
        "阵地建设和学习活动开展情况": 10,
        "引导老干部发挥作用": 5,
        "宣传调研": 10,
        "信访工作": 3,
        "队伍建设": 12,
    }
    # the caps are exactly the sums of the items' own points
    assert {k: v for k, v in _base_sums(rubric).items() if k in caps} == caps
    assert sum(caps.values()) == rubric.settings.full_marks == 100
    section_one = [i.points for i in rubric.items_in("领导重视")]
    assert section_one == [7, 2, 1, 2, 5, 1, 2]
    # the flattened 分值 runs printed in the seed
    points = {i.id: i.points for i in rubric.items}
    assert "".join(str(points[str(n)]) for n in range(1, 16)) == "721251216221431"
    assert "".join(str(points[str(n)]) for n in range(29, 35)) == "332212"
    assert [points[str(n)] for n in range(35, 42)] == [Decimal("1.5"), Decimal("1.5"), 3, 3, 1, 3, 2]
    assert [i.id for i in rubric.items_of(ItemKind.BONUS)] == ["42", "43", "44", "45", "46", "47"]
    assert points["44"] == 10
    assert [(i.id, i.points) for i in rubric.items_of(ItemKind.PENALTY)] == [("48", 50), ("50", 20)]
    (veto,) = rubric.items_of(ItemKind.VETO)
    assert veto.id == "49" and veto.points is None and "不达标" in veto.rule
    assert rubric.settings.veto_grade == "不达标" and rubric.settings.bonus_cap == 10
    # 少一篇扣0.3分 needs a finer step than the rubric's 0.5
    assert rubric.step_of(rubric.item("30")) == Decimal("0.1") and rubric.step_of(rubric.item("1")) == Decimal("0.5")
    assert [g.label for g in rubric.settings.grades] == ["优秀", "良好", "达标", "不达标"]
    assert [(s.name, s.weight) for s in rubric.sources] == [("自评", 0), ("考核组", 1)]
    units = load_units(SAMPLES / "南昌老干部" / "单位.xlsx")
    assert len(units) == 12 and {u.assessor_group for u in units} == {"第一考核组", "第二考核组"}
    assert any(len(u.emails) > 1 for u in units)


def test_nanchang_yaml_twin() -> None:
    assert load_rubric(SAMPLES / "南昌老干部" / "细则.yaml") == load_rubric(SAMPLES / "南昌老干部" / "细则.xlsx")


def test_dongli_sums_to_100_with_seed_columns() -> None:
    path = SAMPLES / "动力厂党建" / "细则.xlsx"
    rubric = load_rubric(path)
    caps = [(c.name, c.cap) for c in rubric.scored_categories]
    assert caps == [
        ("重点指标", 20),
        ("领导班子及干部队伍建设", 15),
        ("党支部建设目标", 20),
        ("企业文化建设和思想政治工作", 20),
        ("群团工作", 15),
        ("其他工作", 5),
        ("特色工作", 5),
    ]
    assert sum(c for _, c in caps if c is not None) == rubric.settings.full_marks == 100
    assert _base_sums(rubric)["党支部建设目标"] == 20 and [i.points for i in rubric.items_in("党支部建设目标")] == [
        6,
        7,
        4,
        3,
    ]
    assert all(i.method for i in rubric.items_in("党支部建设目标"))
    s = rubric.settings
    assert (s.bonus_cap, s.bonus_threshold, s.pass_line, s.bonus_basis) == (10, 60, 60, BonusBasis.AFTER_PENALTY)
    # 就高不就低: the awards of one achievement share a 取高组
    groups = {i.id: i.best_of for i in rubric.items_of(ItemKind.BONUS)}
    assert groups == {"24": "表彰", "25": "表彰", "26": "表彰", "27": "推广", "28": "推广"}
    # 重点指标: 20 points shared by four indicators, each able to cost all 20 (扣完为止)
    (key,) = [c for c in rubric.categories if c.name == "重点指标"]
    assert key.deduction and key.cap == 20 and [i.points for i in rubric.items_in("重点指标")] == [20] * 4
    # 阶段性专项督查 30 % + 年终综合检查 70 %
    assert [(x.name, x.form, x.weight) for x in rubric.sources] == [
        ("自评", FormKind.SELF, 0),
        ("专项督查", FormKind.ASSESSOR, Decimal("0.3")),
        ("年终考核", FormKind.ASSESSOR, Decimal("0.7")),
    ]
    # the workbook keeps the seed's 栏目 header and merged 栏目 cells (category written once)
    ws = openpyxl.load_workbook(path)["条目"]
    assert ws["B1"].value == "栏目" and any(str(r).startswith("B") for r in ws.merged_cells.ranges)
    assert ws["B3"].value is None


def test_xinzhuang_scheme() -> None:
    rubric = load_rubric(SAMPLES / "新庄镇综合考核" / "细则.xlsx")
    assert len(rubric.scored_categories) == 15
    assert all(c.cap == 100 for c in rubric.scored_categories)
    assert rubric.settings.full_marks == 1500
    sums = _base_sums(rubric)
    assert sums["党建工作"] == Decimal("100.5") and sums["社会治安综合治理"] == 104  # the seed's numbers, kept
    assert all(v == 100 for k, v in sums.items() if k not in ("党建工作", "社会治安综合治理"))
    rater = rubric.source("班子评分")
    assert rater.form is FormKind.RATER and rater.weight == Decimal("0.1") and rater.scale == 1000
    assert rater.raters == ("张晓岩", "苏虎林", "郑亚娜", "李建平", "杨志强", "张学红", "赵秉鸿")
    maxima = [c.rater_max["班子评分"] for c in rubric.categories]
    assert maxima == [20, 10, 5, 10, 5, 15, 10, 5, 5, 5, 4, 1, 1, 2, 2]
    assert rubric.source_full_marks(rater) == 100
    group = rubric.source("考核组")
    assert (group.form, group.weight, group.scale) == (FormKind.ASSESSOR, Decimal("0.9"), 1000)
    assert rubric.source_full_marks(group) == 1500
    assert rubric.self_source is None  # the seed has no self-assessment
    ballot = rubric.source("民主测评")
    assert (ballot.form, ballot.weight, ballot.target) == (FormKind.BALLOT, 0, "17")
    assert rubric.item("17").content.startswith("民主测评") and rubric.item("17").points == 5
    assert sum(s.weight for s in rubric.sources) == 1
    assert (
        rubric.settings.grade_for(Decimal("900")) == "优秀" and rubric.settings.grade_for(Decimal("599.99")) == "不合格"
    )
    assert len(load_units(SAMPLES / "新庄镇综合考核" / "单位.xlsx")) == 8


def test_make_samples_reproduces_the_files(tmp_path: Path) -> None:
    """The checked-in workbooks are what make_samples.py writes (same rubric, same units)."""
    import shutil

    copy = tmp_path / "samples"
    copy.mkdir()
    shutil.copy(SAMPLES / "make_samples.py", copy)
    subprocess.run([sys.executable, str(copy / "make_samples.py")], check=True, capture_output=True, timeout=120)
    for name in SAMPLE_NAMES:
        assert load_rubric(copy / name / "细则.xlsx") == load_rubric(SAMPLES / name / "细则.xlsx")
        assert load_units(copy / name / "单位.xlsx") == load_units(SAMPLES / name / "单位.xlsx")
    assert (copy / "南昌老干部" / "细则.yaml").read_text(encoding="utf-8") == (
        SAMPLES / "南昌老干部" / "细则.yaml"
    ).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_sample_campaign_inits(sample_campaign: Callable[[str], Campaign], name: str) -> None:
    campaign = sample_campaign(name)
    assert campaign.rubric == load_rubric(SAMPLES / name / "细则.xlsx")
    assert campaign.units


def test_make_last_year_reproduces_the_earlier_years(tmp_path: Path) -> None:
    """The 南昌 sample's 2022 snapshot, 2021 汇总表 and 单位对照表 are what make_last_year.py writes."""
    from kaohe_xl.samples import make_last_year

    from kaohe_xl.analysis.yearfile import load_mapping, load_year

    make_last_year.main(tmp_path)
    folder = SAMPLES / "南昌老干部"
    snapshot = make_last_year.SNAPSHOT
    assert (tmp_path / snapshot).read_text(encoding="utf-8") == (folder / snapshot).read_text(encoding="utf-8")
    assert load_year(tmp_path / make_last_year.HAND_MADE).units == load_year(folder / make_last_year.HAND_MADE).units
    assert load_mapping(tmp_path / make_last_year.MAPPING) == load_mapping(folder / make_last_year.MAPPING)
    assert load_mapping(folder / make_last_year.MAPPING) == [("湾里区", "湾里管理局"), ("经济技术开发区", "经开区")]
