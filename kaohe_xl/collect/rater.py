"""Checking a returned 评分表: one row per unit, a score per category the rater scores."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kaohe_xl.collect.cells import Checked, Value, check_score, problem_at
from kaohe_xl.collect.identify import Expected, same_name, unit_check
from kaohe_xl.collect.returns import RawCell, RawReturn
from kaohe_xl.collect.rows import rows_for, sheet_found
from kaohe_xl.collect.visible import check_sheet
from kaohe_xl.forms import layout
from kaohe_xl.rubric.model import Category, Unit
from kaohe_xl.textnorm import cell_text, clean_text, normalize_label, safe_text


def check_rater_sheet(raw: RawReturn, expected: Expected, checked: Checked) -> None:
    """Every unit's row; a problem on a row holds back only that unit."""
    rubric = expected.rubric
    # the columns the 评分表 was generated with: categories whose maximum is above 0
    categories = [c for c, _ in rubric.rater_categories(rubric.source(checked.subject_id))]
    sheet = raw.sheets[0]
    checked.units.extend(unit.id for unit in expected.units)
    read = (layout.H_ID, layout.H_UNIT_NAME, *(c.name for c in categories))
    if not sheet_found(sheet, raw, checked, read):
        return  # a file-wide problem: every unit is held back
    check_sheet(sheet, checked, {normalize_label(label): label for label in read})
    # One row per unit: a problem on a row (item = the unit id) holds back only that unit.
    start = len(checked.problems)
    found_rows = rows_for(sheet, checked, [(unit.id, f"单位 {unit.id}（{unit.name}）", "") for unit in expected.units])
    for index in range(start, len(checked.problems)):
        checked.problem_unit[index] = checked.problems[index].item
    for unit in expected.units:
        cells = found_rows.get(unit.id)
        if cells is None:
            continue
        start = len(checked.problems)
        _check_rater_row(cells, unit, categories, expected, checked)
        checked.claim_since(start, unit.id)


def _check_rater_row(
    cells: Mapping[str, RawCell], unit: Unit, categories: Sequence[Category], expected: Expected, checked: Checked
) -> None:
    """One unit's row of a 评分表: the locked unit name, then a score per category."""
    source, rubric = checked.subject_id, expected.rubric
    name = cells.get(normalize_label(layout.H_UNIT_NAME))
    checked.unit_names[unit.id] = unit.name
    if name is not None and normalize_label(name.value) != normalize_label(unit.name):
        shown = clean_text(name.value)
        # the row of another unit (the list renumbered since the form was made), or an edit
        changed = any(same_name(u.name, shown) for u in expected.units if u.id != unit.id)
        message = unit_check(unit.id, shown, expected) if changed else f"单位名称被改动，应为“{unit.name}”"
        checked.problems.append(
            problem_at(checked, "unit_changed" if changed else "locked_changed", message, name, item=unit.id)
        )
        checked.unit_names[unit.id] = shown
    for category in categories:
        cell = cells[normalize_label(category.name)]
        top = category.rater_max[source]
        value, _ = check_score(cell, None, rubric.settings.step, checked, unit.id, maximum=top)
        checked.values.append(
            Value(unit.id, category.name, value, None, safe_text(cell_text(cell.value)), "", cell.sheet, cell.cell)
        )
