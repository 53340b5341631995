"""One input cell → a normalised score or a located problem; the validated-return record.

The cell rules of :mod:`kaohe_xl.validate` live here: a number in 0..maximum on the
item's step, ``是``/``否`` for 否决 items, no formulas, no blanks. What a person clearly
meant (``５``, ``3分``, `` 3.0 ``, numbers stored as text) is accepted; anything
ambiguous is an error, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from kaohe_xl.collect.identify import REJECT_CODES
from kaohe_xl.collect.returns import RawCell
from kaohe_xl.forms import layout
from kaohe_xl.problems import Problem, errors_in
from kaohe_xl.rubric.model import FormKind, Item
from kaohe_xl.textnorm import cell_text, format_decimal, normalize_label, parse_decimal, safe_text


@dataclass(frozen=True)
class Value:
    """One input cell, normalised. ``value``/``veto`` are None when blank or invalid."""

    unit_id: str
    key: str  # item id, or category name on rater sheets
    value: Decimal | None
    veto: bool | None
    raw: str
    remark: str
    sheet: str
    cell: str


@dataclass
class Checked:
    """A validated return: who it is from, its values and every problem."""

    file: str
    kind: FormKind | None = None
    subject_id: str = ""  # unit id (self), assessor group (assessor), source name (rater)
    rater: str = ""  # assessor's name (assessor), rater's name (rater), '' (self)
    source: str = ""  # the rubric source (round) the return feeds: 自评, 专项督查, 班子评分, 民主测评
    values: list[Value] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rubric_hash: str = ""  # the rubric (content hash) the values were checked against
    units: list[str] = field(default_factory=list)  # the units the return scores, in order
    # index in ``problems`` → the unit the problem belongs to; problems not listed here
    # concern the whole file (a blank 评分人, a missing rater sheet, a sheet moved).
    problem_unit: dict[int, str] = field(default_factory=dict)
    # unit id → the unit's name as the form was made for it (the current name when the
    # form's unit still holds the id): a renumbered unit's return never counts for the
    # unit that holds its old number now.
    unit_names: dict[str, str] = field(default_factory=dict)

    @property
    def rejected(self) -> bool:
        """True when the file is not a usable form of this campaign."""
        return any(p.code in REJECT_CODES for p in self.problems)

    @property
    def has_errors(self) -> bool:
        """True when any problem of the file is an error (it is then 待核实)."""
        return bool(errors_in(self.problems))

    def unit_errors(self, unit_id: str) -> list[Problem]:
        """The errors that hold back ``unit_id``: its own and the file-wide ones."""
        owner = self.problem_unit
        return [p for i, p in enumerate(self.problems) if p.is_error and owner.get(i, unit_id) == unit_id]

    def claim_since(self, start: int, unit_id: str) -> None:
        """Attribute the problems appended since index ``start`` to ``unit_id``."""
        for index in range(start, len(self.problems)):
            self.problem_unit[index] = unit_id


def problem_at(
    checked: Checked,
    code: str,
    message: str,
    cell: RawCell | None = None,
    *,
    sheet: str = "",
    item: str = "",
    value: str | None = None,
) -> Problem:
    """A problem of ``checked``'s file, located at ``cell`` (or on ``sheet`` when no cell)."""
    if cell is not None:
        return Problem(
            code,
            message,
            file=checked.file,
            sheet=cell.sheet,
            cell=cell.cell,
            item=item,
            value=brief(cell_text(cell.value)) if value is None else value,
        )
    return Problem(code, message, file=checked.file, sheet=sheet, item=item, value=value or "")


def check_score(
    cell: RawCell, item: Item | None, step: Decimal, checked: Checked, key: str, maximum: Decimal | None = None
) -> tuple[Decimal | None, bool | None]:
    """(value, veto) of one input cell, appending a problem when it is not acceptable."""
    add = checked.problems.append
    if cell.formula:
        add(problem_at(checked, "formula", "得分单元格中是公式：请直接填写数字，不要输入公式", cell, item=key))
        return None, None
    raw = cell.value
    if item is not None and not item.is_scored:
        text = normalize_label(raw)
        if text in (layout.VETO_YES, layout.VETO_NO):
            return None, text == layout.VETO_YES
        if not text:
            add(problem_at(checked, "blank", "未填写：否决项请从下拉列表选择“是”或“否”", cell, item=key))
        else:
            add(problem_at(checked, "bad_veto", "否决项只能填写“是”或“否”：请从下拉列表选择", cell, item=key))
        return None, None
    top = maximum if item is None else item.points
    assert top is not None
    span = f"0～{format_decimal(top)}"
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        add(problem_at(checked, "blank", f"未填写：请填写 {span} 之间的分数（没有得分请填 0）", cell, item=key))
        return None, None
    if isinstance(raw, str) and raw.strip() in EXCEL_ERRORS:
        message = f"单元格是 Excel 错误值 {raw.strip()}（多为粘贴了公式的结果）：请直接填写 {span} 之间的数字"
        add(problem_at(checked, "not_number", message, cell, item=key))
        return None, None
    if isinstance(raw, bool):  # a TRUE/FALSE cell: Excel shows it in capitals
        add(
            problem_at(checked, "not_number", f"“{str(raw).upper()}”不是数字：请填写 {span} 之间的数字", cell, item=key)
        )
        return None, None
    if isinstance(raw, (datetime, date, time, timedelta)):
        add(
            problem_at(
                checked, "not_number", "单元格被识别为日期/时间：请把单元格格式设为“常规”后填写数字", cell, item=key
            )
        )
        return None, None
    if isinstance(raw, float):
        # Excel shows and compares numbers to 15 significant digits: a pasted result of
        # =4-0.2-0.2-0.2 is stored as 3.4000000000000004 but is the 3.4 the person sees.
        raw = float(f"{raw:.15g}")
    try:
        value = parse_decimal(raw)
    except ValueError:
        add(
            problem_at(
                checked, "not_number", f"“{brief(cell_text(raw))}”不是数字：请填写 {span} 之间的数字", cell, item=key
            )
        )
        return None, None
    assert value is not None
    if value < 0:
        add(
            problem_at(
                checked, "negative", f"分数不能为负数：请填写 {span} 之间的数字（扣分项也填正数）", cell, item=key
            )
        )
        return None, None
    if value > top:
        add(
            problem_at(
                checked, "over_max", f"超过最高分 {format_decimal(top)}：请填写 {span} 之间的数字", cell, item=key
            )
        )
        return None, None
    if value % step != 0:
        add(
            problem_at(
                checked,
                "bad_step",
                f"分数须为 {format_decimal(step)} 的整数倍（如 {format_decimal(step)}、{format_decimal(step * 2)}）",
                cell,
                item=key,
            )
        )
        return None, None
    return value.normalize() if value == value.to_integral_value() else value, None


def as_decimal(value: object) -> Decimal | None:
    """The number a cell holds, or None when it is not one."""
    try:
        return parse_decimal(value)
    except ValueError:
        return None


# Excel's error values, as a cell holding one is stored (t="e") and read back.
EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!"}
)
_BRIEF = 60


def brief(text: str) -> str:
    """Text for a message: a pasted essay is cut to its first characters (and cleaned)."""
    return safe_text(text, _BRIEF)
