"""The seeds' schemes in a rubric: 取高组, 扣分制, 加分门槛依据, 民主测评, rounds, no 自评, 合格线.

``kaohe init`` must never accept a scheme it cannot score: every way of getting one
wrong is a located error; what is legal but probably not meant is a located warning.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import SMALL_ITEMS, SMALL_SETTINGS, write_rubric_workbook, write_units_workbook

from kaohe_xl.campaign import Campaign
from kaohe_xl.errors import RubricError
from kaohe_xl.rubric import model
from kaohe_xl.rubric.load import load_rubric
from kaohe_xl.rubric.model import FormKind, Rubric
from kaohe_xl.rubric.units import load_units

CATEGORIES: list[dict[str, Any]] = [
    {"类别": "组织领导", "分值": 6},
    {"类别": "工作落实", "分值": 4},
    {"类别": "加分项目"},
    {"类别": "扣分项目"},
]
ROUNDS: list[dict[str, Any]] = [
    {"来源": "自评", "表单": "自评表", "权重": 0},
    {"来源": "专项督查", "表单": "考核组评分表", "权重": 0.3},
    {"来源": "年终考核", "表单": "考核组评分表", "权重": 0.7},
]
BALLOT: list[dict[str, Any]] = [
    {"来源": "考核组", "表单": "考核组评分表", "权重": 1},
    {"来源": "民主测评", "表单": "民主测评表", "计入条目": "3"},
]


def _items(**changes: dict[str, Any]) -> list[dict[str, Any]]:
    """SMALL_ITEMS with changes by item id: ``_items(i4={"取高组": "表彰"})``."""
    items = copy.deepcopy(SMALL_ITEMS)
    for key, change in changes.items():
        next(i for i in items if i["编号"] == key[1:]).update(change)
    return items


def _load(tmp_path: Path, **kwargs: Any) -> Rubric:
    return load_rubric(write_rubric_workbook(tmp_path / "细则.xlsx", **kwargs))


def _problems(tmp_path: Path, **kwargs: Any) -> list[tuple[str, str, str]]:
    with pytest.raises(RubricError) as caught:
        _load(tmp_path, **kwargs)
    return [(p.code, p.sheet, p.cell) for p in caught.value.problems if p.is_error]


def _warnings(rubric: Rubric) -> list[tuple[str, str, str]]:
    return [(w.code, w.sheet, w.cell) for w in rubric.warnings]


# ---- what the seeds need, read back ----------------------------------------------------------
def test_rounds_best_of_deduction_basis_and_ballot_are_read(tmp_path: Path) -> None:
    city = {"编号": "7", "类别": "加分项目", "考核内容": "市级表彰", "分值": 1, "类型": "加分", "取高组": "表彰"}
    items = [*_items(i4={"取高组": "表彰"}), city]
    categories = [{**CATEGORIES[0], "计分方式": "扣分制"}, *CATEGORIES[1:]]
    settings = {**SMALL_SETTINGS, "加分门槛依据": "扣分后", "测评折算": "好=1；较好=0.7；一般=0.5；较差=0"}
    rubric = _load(tmp_path, items=items, categories=categories, settings=settings, sources=[*ROUNDS, BALLOT[1]])
    assert [(s.name, s.form, s.weight, s.target) for s in rubric.sources] == [
        ("自评", FormKind.SELF, 0, ""),
        ("专项督查", FormKind.ASSESSOR, Decimal("0.3"), ""),
        ("年终考核", FormKind.ASSESSOR, Decimal("0.7"), ""),
        ("民主测评", FormKind.BALLOT, 0, "3"),
    ]
    assert [(i.id, i.best_of) for i in rubric.items if i.best_of] == [("4", "表彰"), ("7", "表彰")]
    assert [c.deduction for c in rubric.categories] == [True, False, False, False]
    assert rubric.settings.bonus_basis is model.BonusBasis.AFTER_PENALTY
    assert dict(rubric.settings.ballot_weights) == {"好": 1, "较好": Decimal("0.7"), "一般": Decimal("0.5"), "较差": 0}
    assert rubric.computed_items == {"3"} and rubric.source_full_marks(rubric.source("民主测评")) == 4
    assert rubric.warnings == ()


def test_defaults_are_the_documented_ones(rubric_path: Path) -> None:
    rubric = load_rubric(rubric_path)
    assert rubric.settings.bonus_basis is model.BonusBasis.BASE
    assert rubric.settings.ballot_weights == model.DEFAULT_BALLOT_WEIGHTS
    assert dict(model.DEFAULT_BALLOT_WEIGHTS) == {"好": 1, "较好": Decimal("0.8"), "一般": Decimal("0.6"), "较差": 0}


def test_a_sources_sheet_without_self_means_no_self(tmp_path: Path) -> None:
    rubric = _load(tmp_path, categories=CATEGORIES, sources=BALLOT)
    assert rubric.self_source is None and rubric.sources_of(FormKind.SELF) == ()
    # without a 来源 sheet the default stays: 自评 (weight 0) and 考核组 (weight 1)
    (tmp_path / "d").mkdir()
    default = _load(tmp_path / "d")
    assert [(s.name, s.weight) for s in default.sources] == [("自评", 0), ("考核组", 1)]


def test_hash_of_a_rubric_without_the_new_columns_is_unchanged(tmp_path: Path) -> None:
    """Forms sent before this release stay current: the 南昌 sample's hash as 4e86cb3 computed it."""
    from conftest import SAMPLES

    rubric = load_rubric(SAMPLES / "南昌老干部" / "细则.xlsx")
    assert rubric.content_hash() == "84b8ec78f267723a0ad423fef35b659bc21f9a4460a3af3612f8324dd4d8e065"


# ---- errors: a scheme that cannot be scored is refused ---------------------------------------
UNSCORABLE: list[tuple[str, dict[str, Any], tuple[str, str, str]]] = [
    (
        "two_self_sources",
        {"sources": [*ROUNDS, {"来源": "自查", "表单": "自评表", "权重": 0}]},
        ("duplicate_form", "来源", "B5"),
    ),
    (
        "no_weight_anywhere",
        {"sources": [{"来源": "考核组", "表单": "考核组评分表", "权重": 0}]},
        ("no_weight", "来源", "A1:C1"),
    ),
    (
        "target_unknown",
        {"sources": [BALLOT[0], {**BALLOT[1], "计入条目": "99"}]},
        ("unknown_target", "来源", "D3"),
    ),
    ("target_a_bonus_item", {"sources": [BALLOT[0], {**BALLOT[1], "计入条目": "4"}]}, ("bad_target", "来源", "D3")),
    (
        "target_and_weight",
        {"sources": [{**BALLOT[0], "权重": 0.9}, {**BALLOT[1], "权重": 0.1}]},
        ("target_weighted", "来源", "C3"),
    ),
    (
        "target_on_an_assessor_source",
        {"sources": [{**BALLOT[0], "计入条目": "3"}]},
        ("target_not_ballot", "来源", "D2"),
    ),
    (
        "two_ballot_sources",
        {"sources": [*BALLOT, {"来源": "群众测评", "表单": "民主测评表", "计入条目": "1"}]},
        ("duplicate_form", "来源", "B4"),
    ),
    ("best_of_mixed_kinds", {"items": _items(i4={"取高组": "A"}, i5={"取高组": "A"})}, ("best_of_mixed", "条目", "J6")),
    (
        "best_of_across_categories",
        {"items": _items(i2={"取高组": "A"}, i3={"取高组": "A"})},
        ("best_of_mixed", "条目", "J4"),
    ),
    ("best_of_on_a_veto", {"items": _items(i6={"取高组": "A"})}, ("bad_best_of", "条目", "J7")),
    (
        "deduction_without_points",
        {"categories": [{"类别": "组织领导", "计分方式": "扣分制"}, *CATEGORIES[1:]]},
        ("deduction_without_points", "类别", "C2"),
    ),
    (
        "penalty_item_in_a_deduction_category",
        {
            "items": _items(i5={"类别": "组织领导"}),
            "categories": [{**CATEGORIES[0], "计分方式": "扣分制"}, *CATEGORIES[1:]],
        },
        ("kind_in_deduction_category", "条目", "E6"),
    ),
    (
        "unknown_scoring_word",
        {"categories": [{**CATEGORIES[0], "计分方式": "倒扣"}, *CATEGORIES[1:]]},
        ("bad_scoring", "类别", "C2"),
    ),
    ("bad_basis", {"settings": {**SMALL_SETTINGS, "加分门槛依据": "总分"}}, ("bad_setting", "设置", "B13")),
    (
        "ballot_weights_missing_a_grade",
        {"settings": {**SMALL_SETTINGS, "测评折算": "好=1;较好=0.8;一般=0.6"}},
        ("bad_ballot_weights", "设置", "B13"),
    ),
    (
        "ballot_weight_above_one",
        {"settings": {**SMALL_SETTINGS, "测评折算": "好=2;较好=1;一般=0.5;较差=0"}},
        ("bad_ballot_weights", "设置", "B13"),
    ),
]


@pytest.mark.parametrize(("case", "kwargs", "expected"), UNSCORABLE, ids=[c[0] for c in UNSCORABLE])
def test_unscorable_schemes_are_refused_with_a_located_error(
    tmp_path: Path, case: str, kwargs: dict[str, Any], expected: tuple[str, str, str]
) -> None:
    kwargs = {"categories": CATEGORIES, **kwargs}
    assert expected in _problems(tmp_path, **kwargs), case


def test_a_scheme_whose_every_item_is_filled_by_the_votes_is_refused(tmp_path: Path) -> None:
    """Nothing would be left to fill on the forms, so no 考核组评分表 could ever count."""
    only = [{**SMALL_ITEMS[0], "编号": "3"}]
    problems = _problems(tmp_path, items=only, categories=[{"类别": "组织领导", "分值": 4}], sources=BALLOT)
    assert ("no_inputs", "来源", "A1:D1") in problems


def test_init_refuses_an_unscorable_scheme_and_leaves_nothing(tmp_path: Path) -> None:
    rubric = write_rubric_workbook(tmp_path / "r.xlsx", categories=CATEGORIES, sources=[{**BALLOT[0], "计入条目": "3"}])
    with pytest.raises(RubricError):
        Campaign.init(tmp_path / "c", rubric, write_units_workbook(tmp_path / "u.xlsx"))
    assert not (tmp_path / "c").exists()


def test_unscorable_messages_name_the_thing_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(RubricError) as caught:
        _load(tmp_path, categories=CATEGORIES, sources=[{**BALLOT[0], "权重": 0.9}, {**BALLOT[1], "权重": 0.1}])
    (problem,) = [p for p in caught.value.problems if p.code == "target_weighted"]
    assert "民主测评" in problem.message and "计算两次" in problem.message and "权重请留空或填 0" in problem.message


# ---- warnings: legal, but not what anyone means ----------------------------------------------
def test_bonus_items_without_a_cap_warn_that_they_count_zero(tmp_path: Path) -> None:
    rubric = _load(tmp_path, settings={k: v for k, v in SMALL_SETTINGS.items() if k != "加分上限"})
    (warning,) = [w for w in rubric.warnings if w.code == "bonus_without_cap"]
    assert "加分将一律按 0 计" in warning.message and "4" in warning.message
    assert rubric.settings.bonus_cap == 0  # as documented: no cap, no bonus


def test_a_setting_one_edit_from_a_known_key_says_which_was_meant(tmp_path: Path) -> None:
    settings = {("加分上线" if k == "加分上限" else k): v for k, v in SMALL_SETTINGS.items()}
    rubric = _load(tmp_path, settings=settings)
    codes = {w.code: w for w in rubric.warnings}
    assert "是否应为“加分上限”" in codes["unknown_setting"].message
    assert codes["unknown_setting"].cell == "B5"
    assert "bonus_without_cap" in codes  # and so the bonus would count 0


@pytest.mark.parametrize(
    ("grades", "line", "says"),
    [
        ("优秀>=90;良好>=80;合格>=65;不合格", 60, "落在等次“不合格”之内"),
        ("优秀>=90;良好>=80;不合格>=60;差", 60, "名称却是不合格"),
        ("优秀>=90;良好>=80;合格>=50;不合格", 60, "落在等次“合格”之内"),
    ],
)
def test_grade_bands_that_contradict_the_pass_line_warn(tmp_path: Path, grades: str, line: int, says: str) -> None:
    rubric = _load(tmp_path, settings={**SMALL_SETTINGS, "等次": grades, "合格线": line})
    assert any(w.code == "pass_line_grades" and says in w.message and w.cell == "B7" for w in rubric.warnings)


def test_bands_that_agree_with_the_pass_line_do_not_warn(tmp_path: Path) -> None:
    rubric = _load(tmp_path, settings={**SMALL_SETTINGS, "等次": "优秀>=9;良好>=8;合格>=6;不合格", "合格线": 6})
    assert not [w for w in rubric.warnings if w.code == "pass_line_grades"]


def test_a_lone_best_of_label_and_an_unused_ballot_warn(tmp_path: Path) -> None:
    rubric = _load(
        tmp_path,
        items=_items(i4={"取高组": "表彰"}),
        categories=CATEGORIES,
        sources=[BALLOT[0], {"来源": "民主测评", "表单": "民主测评表"}],
    )
    assert ("best_of_single", "条目", "J5") in _warnings(rubric)
    assert ("source_unused", "来源", "A3") in _warnings(rubric)


# ---- the roster of named assessors ----------------------------------------------------------
def test_roster_sheet_of_the_units_workbook(tmp_path: Path) -> None:
    from kaohe_xl.rubric.units import load_roster

    path = write_units_workbook(tmp_path / "u.xlsx", roster={"第一考核组": ["李明", "赵芳"], "第二考核组": ["陈刚"]})
    assert load_roster(path, load_units(path)) == {"第一考核组": ("李明", "赵芳"), "第二考核组": ("陈刚",)}
    assert load_roster(write_units_workbook(tmp_path / "plain.xlsx"), load_units(path)) == {}


@pytest.mark.parametrize(
    ("roster", "says"),
    [
        ({"第三考核组": ["李明"]}, "不是单位名单中任何单位的考核组"),
        ({"第一考核组": ["李明", "李明"]}, "重复"),
    ],
)
def test_roster_problems_are_located(tmp_path: Path, roster: dict[str, list[str]], says: str) -> None:
    from kaohe_xl.errors import CampaignError
    from kaohe_xl.rubric.units import load_roster

    path = write_units_workbook(tmp_path / "u.xlsx", roster=roster)
    with pytest.raises(CampaignError, match=says) as caught:
        load_roster(path, load_units(path))
    assert "考核组!" in str(caught.value)


def test_bonus_scope_is_annual_by_default_with_rounds_and_can_be_set(tmp_path: Path) -> None:
    """加分计入: 年度总分 (once on the weighted composite) or 各来源 (inside each source)."""
    for name, sources, setting, annual in (
        ("one", None, None, False),
        ("rounds", ROUNDS, None, True),
        ("rounds_per_source", ROUNDS, "各来源", False),
        ("one_annual", None, "年度总分", True),
    ):
        folder = tmp_path / name
        folder.mkdir()
        settings = {**SMALL_SETTINGS, **({"加分计入": setting} if setting else {})}
        kwargs: dict[str, Any] = {"categories": CATEGORIES, "settings": settings}
        if sources is not None:
            kwargs["sources"] = sources
        assert _load(folder, **kwargs).bonus_annual is annual, name
    (tmp_path / "bad").mkdir()
    bad = {**SMALL_SETTINGS, "加分计入": "每轮"}
    assert _problems(tmp_path / "bad", categories=CATEGORIES, settings=bad)[0][:2] == ("bad_setting", "设置")
