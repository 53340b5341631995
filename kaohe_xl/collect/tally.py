"""A returned 民主测评表 (vote tally) → vote counts per unit, and every problem found.

The tally has one row per unit of the assessor group: ``编号``, ``单位``, ``实到人数``
(optional), the votes for ``好`` ``较好`` ``一般`` ``较差``. Each count must be a whole
number ≥ 0; the four together must be at least one vote and, when 实到人数 is given, no
more than it. A row whose four counts are all blank is that unit not yet tallied: it is
left out of the revision (the unit stays 待提交), while the filled rows count. A problem
on a row holds back only that unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from kaohe_xl.collect.cells import Checked, Value, problem_at
from kaohe_xl.collect.identify import Expected
from kaohe_xl.collect.returns import RawCell, RawReturn
from kaohe_xl.forms import layout
from kaohe_xl.problems import Problem
from kaohe_xl.rubric.model import BALLOT_GRADES, Unit
from kaohe_xl.textnorm import cell_text, normalize_label, parse_decimal


def check_tally_sheet(raw: RawReturn, expected: Expected, checked: Checked) -> bool:
    """Check every unit row of a 民主测评表; True when not one row was filled (a blank form)."""
    units = [u for u in expected.units if u.assessor_group == checked.subject_id]
    sheet = raw.sheets[0]
    wanted = (layout.H_ID, layout.H_UNIT, *BALLOT_GRADES)
    missing = [label for label in wanted if normalize_label(label) not in sheet.labels]
    if not sheet.found or not sheet.header_row or missing:
        what = f"找不到“{'、'.join(missing)}”列" if sheet.found and sheet.header_row else "找不到民主测评表的表头行"
        message = f"{what}：请不要删除、改名或移动表头，用原表重新填写"
        checked.problems.append(problem_at(checked, "column_missing", message, sheet=sheet.title))
        checked.units.extend(u.id for u in units)  # a file-wide problem: every unit waits
        return False
    rows: dict[str, list[Mapping[str, RawCell]]] = {}
    for row in sheet.rows:
        rows.setdefault(row.key, []).append(row.cells)
    filled = 0
    for unit in units:
        found = rows.get(unit.id, [])
        start = len(checked.problems)
        if not found:
            message = f"缺少单位 {unit.id}（{unit.name}）这一行：请不要删除行"
            checked.problems.append(problem_at(checked, "item_missing", message, sheet=sheet.title, item=unit.id))
        elif _row(found[0], unit, checked):
            filled += 1
        else:
            continue  # not tallied yet
        if len(found) > 1:
            message = f"单位 {unit.id} 出现了 {len(found)} 次：请删除复制出来的行"
            checked.problems.append(problem_at(checked, "item_duplicate", message, sheet=sheet.title, item=unit.id))
        checked.claim_since(start, unit.id)
        checked.units.append(unit.id)
    return filled == 0 and not any(p.code == "item_missing" for p in checked.problems)


def _row(cells: Mapping[str, RawCell], unit: Unit, checked: Checked) -> bool:
    """Check one unit's row; False when its four counts are all blank (not tallied)."""
    grades = [cells[normalize_label(g)] for g in BALLOT_GRADES]
    if all(_blank(c) for c in grades):
        return False
    name = cells.get(normalize_label(layout.H_UNIT))
    if name is not None and normalize_label(name.value) != normalize_label(unit.name):
        message = f"单位名称被改动，应为“{unit.name}”"
        checked.problems.append(problem_at(checked, "locked_changed", message, name, item=unit.id))
    counts: dict[str, Decimal] = {}
    for grade, cell in zip(BALLOT_GRADES, grades, strict=True):
        count = _count(cell, grade, checked, unit.id)
        checked.values.append(Value(unit.id, grade, count, None, cell_text(cell.value), "", cell.sheet, cell.cell))
        if count is not None:
            counts[grade] = count
    attended_cell = cells.get(normalize_label(layout.H_ATTENDED))
    attended = None
    if attended_cell is not None and not _blank(attended_cell):
        attended = _count(attended_cell, layout.H_ATTENDED, checked, unit.id)
        raw_text = cell_text(attended_cell.value)
        where = (attended_cell.sheet, attended_cell.cell)
        checked.values.append(Value(unit.id, layout.H_ATTENDED, attended, None, raw_text, "", *where))
    if len(counts) == len(BALLOT_GRADES):
        votes = sum(counts.values(), Decimal(0))
        if votes == 0:
            message = "四个等次的票数都是 0：请填写收回的有效票数"
            checked.problems.append(problem_at(checked, "no_votes", message, grades[0], item=unit.id))
        elif attended is not None and votes > attended:
            message = f"好、较好、一般、较差共 {votes} 票，超过实到人数 {attended}：请核对票数或实到人数"
            checked.problems.append(problem_at(checked, "too_many_votes", message, attended_cell, item=unit.id))
    return True


def _blank(cell: RawCell) -> bool:
    return cell.value is None or (isinstance(cell.value, str) and not cell.value.strip())


def _count(cell: RawCell, what: str, checked: Checked, unit_id: str) -> Decimal | None:
    """A whole number ≥ 0, or None with a located problem."""
    problem: Problem | None = None
    if cell.formula:
        problem = problem_at(checked, "formula", f"“{what}”中是公式：请直接填写票数", cell, item=unit_id)
    elif _blank(cell):
        problem = problem_at(checked, "blank", f"“{what}”未填写：没有票请填 0", cell, item=unit_id)
    else:
        try:
            value = parse_decimal(cell.value if not isinstance(cell.value, bool) else "x")
        except ValueError:
            value = None
        if value is None or value < 0 or value != value.to_integral_value():
            message = f"“{what}”应为 0 或正整数（票数），现在是“{cell_text(cell.value)}”"
            problem = problem_at(checked, "not_a_count", message, cell, item=unit_id)
        else:
            return value.to_integral_value()
    checked.problems.append(problem)
    return None
