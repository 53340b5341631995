"""Shared fixtures: rubrics, units and campaigns built in code.

Keep this file to fixtures that several test modules need; a fixture used by one module
lives in that module.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kaohe_xl.campaign import Campaign

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"

# A small rubric with every item kind: two scored categories (6 + 4 = 10 points),
# a bonus item, a penalty item and a veto item.
SMALL_ITEMS: list[dict[str, Any]] = [
    {
        "编号": "1",
        "类别": "组织领导",
        "考核内容": "召开专题会议",
        "分值": 4,
        "评分标准": "少1次扣1分",
        "考核办法": "查会议记录",
    },
    {
        "编号": "2",
        "类别": "组织领导",
        "考核内容": "制定工作方案",
        "分值": 2,
        "评分标准": "无方案不得分",
        "考核办法": "查文件",
    },
    {
        "编号": "3",
        "类别": "工作落实",
        "考核内容": "走访慰问",
        "分值": 4,
        "步长": 0.5,
        "评分标准": "少1次扣0.5分",
        "考核办法": "查台账",
        "评分要点": "核对走访照片",
    },
    {
        "编号": "4",
        "类别": "加分项目",
        "考核内容": "获市级以上表彰",
        "分值": 3,
        "类型": "加分",
        "评分标准": "省级加3分，市级加1分",
    },
    {"编号": "5", "类别": "扣分项目", "考核内容": "发生集体上访", "分值": 5, "类型": "扣分", "评分标准": "每起扣5分"},
    {"编号": "6", "类别": "扣分项目", "考核内容": "发生重大责任事故", "类型": "否决", "评分标准": "直接定为不达标"},
]
SMALL_SETTINGS: dict[str, Any] = {
    "考核名称": "测试考核",
    "年度": 2023,
    "满分": 10,
    "加分上限": 2,
    "加分门槛": 6,
    "合格线": 6,
    "等次": "优秀>=9;良好>=8;合格>=6;不合格",
    "差异阈值": 1,
    "截止日期": "2023年12月31日",
    "联系人": "王老师",
    "联系电话": "0791-12345678",
}
# Categories with a 班子评分 column: the maxima of a rater source of that name.
RATER_CATEGORIES: list[dict[str, Any]] = [
    {"类别": "组织领导", "分值": 6, "班子评分": 60},
    {"类别": "工作落实", "分值": 4, "班子评分": 40},
    {"类别": "加分项目"},
    {"类别": "扣分项目"},
]

SMALL_UNITS: list[dict[str, Any]] = [
    {"编号": "01", "单位名称": "东湖村", "分组": "村", "邮箱": "donghu@example.cn", "考核组": "第一考核组"},
    {
        "编号": "02",
        "单位名称": "西山村",
        "分组": "村",
        "邮箱": "xishan@example.cn;xs2@example.cn",
        "考核组": "第一考核组",
    },
    {"编号": "03", "单位名称": "南岭村", "分组": "村", "邮箱": "nanling@example.cn", "考核组": "第二考核组"},
]


def write_rubric_workbook(
    path: Path,
    items: list[dict[str, Any]] | None = None,
    settings: dict[str, Any] | None = None,
    categories: list[dict[str, Any]] | None = None,
    sources: list[dict[str, Any]] | None = None,
) -> Path:
    """Write a 细则 workbook the way a clerk would lay it out."""
    items = SMALL_ITEMS if items is None else items
    settings = SMALL_SETTINGS if settings is None else settings
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "条目"
    headers = ["编号", "类别", "考核内容", "分值", "类型", "评分标准", "考核办法", "步长", "评分要点"]
    headers += [k for k in dict.fromkeys(k for item in items for k in item) if k not in headers]  # e.g. 取高组
    ws.append(headers)
    for item in items:
        ws.append([item.get(h) for h in headers])
    if categories is not None:
        cs = wb.create_sheet("类别")
        keys = list(dict.fromkeys(k for c in categories for k in c))
        cs.append(keys)
        for c in categories:
            cs.append([c.get(k) for k in keys])
    st = wb.create_sheet("设置")
    st.append(["项目", "值"])
    for key, value in settings.items():
        st.append([key, value])
    if sources is not None:
        ss = wb.create_sheet("来源")
        keys = list(dict.fromkeys(k for s in sources for k in s))
        ss.append(keys)
        for s in sources:
            ss.append([s.get(k) for k in keys])
    wb.save(path)
    return path


def write_units_workbook(
    path: Path, units: list[dict[str, Any]] | None = None, roster: dict[str, list[str]] | None = None
) -> Path:
    """The units list; ``roster`` adds a 考核组 sheet naming each group's assessors."""
    units = SMALL_UNITS if units is None else units
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "单位"
    headers = ["编号", "单位名称", "分组", "邮箱", "考核组"]
    ws.append(headers)
    for unit in units:
        ws.append([unit.get(h) for h in headers])
    if roster is not None:
        rs = wb.create_sheet("考核组")
        rs.append(["考核组", "评分人"])
        for group, names in roster.items():
            for name in names:
                rs.append([group, name])
    wb.save(path)
    return path


@pytest.fixture
def rubric_path(tmp_path: Path) -> Path:
    """The small rubric as a workbook."""
    return write_rubric_workbook(tmp_path / "细则.xlsx")


@pytest.fixture
def units_path(tmp_path: Path) -> Path:
    """Three units in two assessor groups."""
    return write_units_workbook(tmp_path / "单位.xlsx")


@pytest.fixture
def campaign(tmp_path: Path, rubric_path: Path, units_path: Path) -> Campaign:
    """A freshly initialised campaign over the small rubric."""
    return Campaign.init(tmp_path / "2023测试考核", rubric_path, units_path)


@pytest.fixture
def make_campaign(tmp_path: Path) -> Callable[..., Campaign]:
    """Factory: ``make_campaign(items=..., settings=..., sources=..., units=..., roster=...)``."""
    counter = {"n": 0}

    def make(**kwargs: Any) -> Campaign:
        counter["n"] += 1
        folder = tmp_path / f"made{counter['n']}"
        folder.mkdir()
        units = kwargs.pop("units", None)
        roster = kwargs.pop("roster", None)
        rubric = write_rubric_workbook(folder / "细则.xlsx", **kwargs)
        unit_file = write_units_workbook(folder / "单位.xlsx", units, roster)
        return Campaign.init(folder / "campaign", rubric, unit_file)

    return make


@pytest.fixture
def sample_campaign(tmp_path: Path) -> Callable[[str], Campaign]:
    """Factory: a campaign initialised from one of ``samples/<name>/`` (细则.xlsx + 单位.xlsx)."""

    def make(name: str) -> Campaign:
        source = SAMPLES / name
        target = tmp_path / f"sample_{name}"
        shutil.copytree(source, tmp_path / f"src_{name}")
        return Campaign.init(target, tmp_path / f"src_{name}" / "细则.xlsx", tmp_path / f"src_{name}" / "单位.xlsx")

    return make


# -- external programs --------------------------------------------------------------------
# Tests marked `libreoffice` / `imap` / `node` need soffice / dovecot / node. Locally they are skipped when
# the program is missing; in CI (CI=true) a missing program is a failure, never a skip.
_TOOLS = {"libreoffice": ("soffice", "libreoffice"), "imap": ("dovecot",), "node": ("node",)}


def _have(names: tuple[str, ...]) -> bool:
    return any(shutil.which(n) or Path("/usr/sbin", n).exists() for n in names)


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker, programs in _TOOLS.items():
        if item.get_closest_marker(marker) is None or _have(programs):
            continue
        message = f"{marker} test needs {' or '.join(programs)}, which is not installed"
        if os.environ.get("CI"):
            pytest.fail(message + " (required in CI: .ci/run installs it)")
        pytest.skip(message)


class FakeTerminal(io.StringIO):
    """stderr as a terminal: where a progress bar would be drawn."""

    def isatty(self) -> bool:
        return True
