"""Building blocks of the rubric builder: the problem collector and the 设置 sheet.

Private to :mod:`kaohe_xl.rubric_load`: it turns the raw 设置 key/value cells into
:class:`~kaohe_xl.rubric.Settings` and parses the 等次 bands, reporting located problems.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TypeVar

from kaohe_xl.problems import Problem
from kaohe_xl.rubric.model import (
    BALLOT_GRADES,
    DEFAULT_BALLOT_WEIGHTS,
    DEFAULT_FEEDBACK_NOTE,
    Aggregation,
    BonusBasis,
    BonusScope,
    Grade,
    Settings,
)
from kaohe_xl.rubric.sheets import SETTINGS_SHEET, Cell, RawRubric, Row
from kaohe_xl.textnorm import clean_text, id_text, normalize_label, parse_decimal

SETTING_KEYS = (
    "考核名称",
    "年度",
    "满分",
    "加分上限",
    "加分门槛",
    "加分门槛依据",
    "加分计入",
    "合格线",
    "等次",
    "差异阈值",
    "否决等次",
    "多人评分",
    "步长",
    "截止日期",
    "联系人",
    "联系电话",
    "保护密码",
    "测评折算",
    "测评内容",
    "反馈说明",
)
DEFAULT_GRADES = "优秀>=90;良好>=80;合格>=60;不合格"

_GRADE_PART = re.compile(r"^(?P<label>[^<>=≥]+?)(?:(?:>=|≥)(?P<min>.+))?$")


class Collector:
    """Collects problems for one file while the builder runs."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems

    def error(self, code: str, message: str, sheet: str = "", cell: Cell | str | None = None, item: str = "") -> None:
        self._add(code, message, sheet, cell, item, error=True)

    def warn(self, code: str, message: str, sheet: str = "", cell: Cell | str | None = None, item: str = "") -> None:
        self._add(code, message, sheet, cell, item, error=False)

    def _add(self, code: str, message: str, sheet: str, cell: Cell | str | None, item: str, error: bool) -> None:
        if isinstance(cell, str):
            ref, value = cell, ""
        else:
            ref = cell.ref if cell else ""
            value = "" if cell is None or cell.value is None else clean_text(cell.value)
        self.problems.append(
            Problem(code, message, self.file, sheet, ref, item, value, "error" if error else "warning")
        )

    def number(self, cell: Cell | None, sheet: str, what: str, item: str = "") -> Decimal | None:
        if cell is None:
            return None
        try:
            return parse_decimal(cell.value)
        except ValueError:
            self.error(
                "not_a_number",
                f"{what}“{clean_text(cell.value)}”不是数字，请填写阿拉伯数字（如 2 或 0.5）",
                sheet,
                cell,
                item,
            )
            return None

    def yes_no(self, cell: Cell | None, sheet: str, what: str) -> bool:
        """A 是/否 flag cell: blank is 否; YAML true/false and Y/N are accepted too."""
        if blank(cell):
            return False
        assert cell is not None
        if isinstance(cell.value, bool):
            return cell.value
        text = normalize_label(clean_text(cell.value)).casefold()
        if text in _YES or text in _NO:
            return text in _YES
        self.error("bad_flag", f"{what}“{clean_text(cell.value)}”应为“是”或“否”（不填即为否）", sheet, cell)
        return False


_YES = ("是", "y", "yes", "true", "1")
_NO = ("否", "n", "no", "false", "0")


def text_of(row: Row, key: str) -> str:
    cell = row.get(key)
    return clean_text(cell.value) if cell else ""


def blank(cell: Cell | None) -> bool:
    return cell is None or cell.value is None or clean_text(cell.value) == ""


def item_id_of(cell: Cell | None) -> str:
    return id_text(cell.value) if cell is not None else ""


def build_settings(col: Collector, raw_rubric: RawRubric) -> Settings | None:
    """The 设置 sheet as :class:`Settings`; None when 考核名称 or 满分 is missing."""
    sheet, raw = SETTINGS_SHEET, raw_rubric.settings
    for key, cell in raw.items():
        if key not in SETTING_KEYS:
            label = raw_rubric.setting_labels.get(key, key)
            near = [known for known in SETTING_KEYS if one_edit_apart(key, known) and known not in raw]
            if near:
                message = f"不认识的设置项“{label}”，已忽略：是否应为“{near[0]}”？请改正名称"
            else:
                message = f"不认识的设置项“{label}”，已忽略（可用：{'、'.join(SETTING_KEYS)}）"
            col.warn("unknown_setting", message, sheet, cell)
    name_cell = raw.get("考核名称")
    name = clean_text(name_cell.value) if name_cell else ""
    if not name:
        col.error("missing_setting", "必须填写“考核名称”", sheet, name_cell)
    full_cell = raw.get("满分")
    full = col.number(full_cell, sheet, "满分")
    if blank(full_cell):
        col.error("missing_setting", "必须填写“满分”（各类别分值之和，如 100）", sheet, full_cell)
    elif full is not None and full <= 0:
        col.error("not_positive", "满分必须大于0", sheet, full_cell)

    def num(key: str, default: Decimal | None) -> Decimal | None:
        cell = raw.get(key)
        if blank(cell):
            return default
        value = col.number(cell, sheet, key)
        if value is not None and value < 0:
            col.error("negative", f"{key}不能为负数", sheet, cell)
        return value if value is not None else default

    grades = _parse_grades(col, raw.get("等次"))
    aggregation = _choice(col, raw.get("多人评分"), Aggregation, "多人评分", {}) or Aggregation.MEAN
    basis = _choice(col, raw.get("加分门槛依据"), BonusBasis, "加分门槛依据", _BASIS_ALIASES) or BonusBasis.BASE
    scope = _choice(col, raw.get("加分计入"), BonusScope, "加分计入", _SCOPE_ALIASES)
    weights = _ballot_weights(col, raw.get("测评折算"))
    step = num("步长", Decimal("0.1"))
    if step is not None and step <= 0:
        col.error("not_positive", "步长必须大于0（如 0.1 或 0.5）", sheet, raw.get("步长"))
    bonus_cap = num("加分上限", Decimal(0))
    threshold = num("加分门槛", Decimal(0))
    diff = num("差异阈值", Decimal(1))  # 0 is allowed: flag every difference
    if full is None or not name:
        return None

    def text_of(key: str, default: str = "") -> str:
        cell = raw.get(key)
        return default if blank(cell) else clean_text(cell.value)  # type: ignore[union-attr]

    return Settings(
        name=name,
        year=text_of("年度"),
        full_marks=full,
        bonus_cap=bonus_cap if bonus_cap is not None else Decimal(0),
        bonus_threshold=threshold if threshold is not None else Decimal(0),
        pass_line=num("合格线", None),
        grades=grades,
        diff_threshold=diff if diff is not None else Decimal(1),
        veto_grade=text_of("否决等次", "不达标"),
        aggregation=aggregation,
        step=step if step is not None and step > 0 else Decimal("0.1"),
        deadline=text_of("截止日期"),
        contact=text_of("联系人"),
        phone=text_of("联系电话"),
        password=text_of("保护密码"),
        bonus_basis=basis,
        bonus_scope=scope,
        ballot_weights=weights,
        ballot_subject=text_of("测评内容", "领导班子整体工作"),
        feedback_note=text_of("反馈说明", DEFAULT_FEEDBACK_NOTE),
    )


_BASIS_ALIASES = {
    "基础": BonusBasis.BASE,
    "扣分后得分": BonusBasis.AFTER_PENALTY,
    "基础分-扣分": BonusBasis.AFTER_PENALTY,
}


_SCOPE_ALIASES = {
    "各轮": BonusScope.PER_SOURCE,
    "各来源分别": BonusScope.PER_SOURCE,
    "年度": BonusScope.ANNUAL,
    "综合得分": BonusScope.ANNUAL,
    "年度考评总分": BonusScope.ANNUAL,
}


_Choice = TypeVar("_Choice", Aggregation, BonusBasis, BonusScope)


def _choice(
    col: Collector, cell: Cell | None, choices: type[_Choice], key: str, aliases: dict[str, _Choice]
) -> _Choice | None:
    """A setting that takes one of a few words; None when blank or wrong (an error)."""
    if blank(cell):
        return None
    assert cell is not None
    text = normalize_label(cell.value)
    for choice in choices:
        if normalize_label(choice.value) == text:
            return choice
    if text in aliases:
        return aliases[text]
    words = "”或“".join(c.value for c in choices)
    col.error("bad_setting", f"{key}应为“{words}”", SETTINGS_SHEET, cell)
    return None


def _ballot_weights(col: Collector, cell: Cell | None) -> tuple[tuple[str, Decimal], ...]:
    """测评折算: ``好=1;较好=0.8;一般=0.6;较差=0``, one weight (0..1) per grade of the ballot."""
    if blank(cell):
        return DEFAULT_BALLOT_WEIGHTS
    assert cell is not None
    found: dict[str, Decimal] = {}
    example = "好=1;较好=0.8;一般=0.6;较差=0"
    for part in (p for p in re.split(r"[;；,，、\s]+", normalize_label(cell.value)) if p):
        label, _, value = part.replace("：", "=").replace(":", "=").partition("=")
        try:
            weight = parse_decimal(value)
        except ValueError:
            weight = None
        if label not in BALLOT_GRADES or weight is None or not 0 <= weight <= 1:
            message = f"测评折算“{part}”应写成 等次=折算系数（0～1），四个等次各一项，如 {example}"
            col.error("bad_ballot_weights", message, SETTINGS_SHEET, cell)
            return DEFAULT_BALLOT_WEIGHTS
        found[label] = weight
    missing = [g for g in BALLOT_GRADES if g not in found]
    if missing:
        message = f"测评折算缺少等次“{'、'.join(missing)}”：好、较好、一般、较差各写一项，如 {example}"
        col.error("bad_ballot_weights", message, SETTINGS_SHEET, cell)
        return DEFAULT_BALLOT_WEIGHTS
    return tuple((grade, found[grade]) for grade in BALLOT_GRADES)


def one_edit_apart(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by exactly one character changed, added or removed."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _parse_grades(col: Collector, cell: Cell | None) -> tuple[Grade, ...]:
    text = DEFAULT_GRADES if blank(cell) else normalize_label(cell.value)  # type: ignore[union-attr]
    grades: list[Grade] = []
    for part in (p for p in re.split(r"[;；]", text) if p):
        match = _GRADE_PART.match(part)
        if not match:
            col.error(
                "bad_grades",
                f"等次“{part}”应写成 名称>=分数，最后一档只写名称（如 优秀>=90;良好>=80;合格>=60;不合格）",
                SETTINGS_SHEET,
                cell,
            )
            continue
        minimum = None
        if match.group("min") is not None:
            try:
                minimum = parse_decimal(match.group("min"))
            except ValueError:
                col.error("bad_grades", f"等次“{part}”的分数不是数字", SETTINGS_SHEET, cell)
                continue
        if any(g.label == match.group("label") for g in grades):
            col.error("bad_grades", f"等次名称“{match.group('label')}”重复", SETTINGS_SHEET, cell)
        grades.append(Grade(match.group("label"), minimum))
    thresholds = [g.minimum for g in grades if g.minimum is not None]
    if thresholds != sorted(thresholds, reverse=True) or len(set(thresholds)) != len(thresholds):
        col.error("bad_grades", "等次应从高到低排列，分数线不能相同", SETTINGS_SHEET, cell)
    if any(g.minimum is None for g in grades[:-1]):
        col.error("bad_grades", "只有最后一档可以不写分数线", SETTINGS_SHEET, cell)
    if grades and grades[-1].minimum is not None:
        col.warn(
            "bad_grades", "等次最后一档没有兜底名称（如“不合格”），低于最低线的单位将没有等次", SETTINGS_SHEET, cell
        )
    return tuple(grades)
