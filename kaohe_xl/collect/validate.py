"""Raw values of a return + the rubric → normalised scores and every problem found.

Nothing typed into a workbook is trusted: Excel's data validation is bypassed by paste,
sheet protection by anyone with a search engine. Each value is checked again:

- a number in 0..分值 (扣分 items: the deduction as a positive number), on the item's
  step (``rubric.step_of``); rater sheets: 0..the category's maximum for the source;
- ``是`` or ``否`` for 否决 items — exactly these after removing spaces and full-width
  forms; ``Y``/``N``, ``√``, ``对`` are errors, not guesses;
- every score cell is required, in every form kind: a blank is an error (未填写);
- what a person clearly meant is accepted and normalised (``５``, ``3分``, `` 3.0 ``,
  numbers stored as text); anything ambiguous (``三``, ``3-4``, ``约2``) is an error;
- a formula typed into a score cell is an error (the value it shows is not a score);
- tamper evidence: the locked columns (``编号``, ``考核内容``, ``分值``; on rater sheets
  the unit name) must equal the rubric, every item row must be present once.

Identification (:mod:`kaohe_xl.identify`) comes first: not our form, another campaign or
forged metadata make the file *rejected*; all other problems are stored with the return
(state 待核实).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kaohe_xl.collect.cells import Checked, Value, as_decimal, check_score, problem_at
from kaohe_xl.collect.identify import (
    REJECT_CODES,
    Expected,
    identify,
    rubric_outdated,
    same_name,
    signed_units,
    title_name,
    unit_check,
)
from kaohe_xl.collect.returns import RawCell, RawReturn, RawSheet
from kaohe_xl.collect.visible import DECOYS, check_order, check_sheet
from kaohe_xl.forms import layout
from kaohe_xl.problems import Problem
from kaohe_xl.rubric.model import Category, FormKind, Item, Rubric, Unit
from kaohe_xl.textnorm import (
    cell_text,
    clean_lines,
    clean_text,
    format_decimal,
    normalize_label,
    person_name,
    safe_text,
)

__all__ = ["REJECT_CODES", "Checked", "Expected", "Value", "check_return"]


def check_return(raw: RawReturn, expected: Expected) -> Checked:
    """Identify the return by its signed metadata, then check every value and locked cell.

    Values are checked against the campaign's rubric as it is now. A form generated from
    an earlier version of it (``kaohe update`` since) gets a ``rubric_updated`` warning:
    wording may differ, values that fit the current items still count, items added since
    are missing (errors), items removed are ignored.
    """
    checked = Checked(raw.name)
    found = identify(raw.meta, expected, raw.name)
    if isinstance(found, Problem):
        checked.problems.append(found)
        return checked
    checked.kind, checked.subject_id, checked.rater = found
    checked.rubric_hash = expected.rubric_hash  # what the values are checked against
    older = rubric_outdated(raw.meta, expected)
    if older:
        checked.problems.append(
            Problem(
                "rubric_updated",
                "这份表格是按修改前的考核细则生成的，已按现行细则核对（条目或分值有变化的会单独报错）",
                file=raw.name,
                severity="warning",
            )
        )
    if checked.kind is FormKind.RATER:
        _check_rater_sheet(raw, expected, checked)
    else:
        if checked.kind is FormKind.ASSESSOR:
            _check_assessor_name(raw, checked)
        check_order(raw, checked)
        # One sheet per unit (a 自评表 has one): a problem on a sheet holds back only its unit.
        names = signed_units(raw.meta)
        for sheet in raw.sheets:
            start = len(checked.problems)
            _check_unit(sheet, names, expected, checked)
            _check_item_sheet(sheet, raw, expected.rubric, checked, older=older)
            checked.claim_since(start, sheet.unit_id)
            checked.units.append(sheet.unit_id)
    if _untouched(checked) and not any(p.code in DECOYS for p in checked.problems):
        _reject_as_blank(checked)
    return checked


def _check_unit(sheet: RawSheet, names: Mapping[str, str], expected: Expected, checked: Checked) -> None:
    """The unit the sheet was made for is still the one holding its id (else 待核实)."""
    signed = names.get(sheet.unit_id, "")
    legacy = checked.kind is FormKind.ASSESSOR and not names
    title = sheet.declared_title if legacy else ""
    message = unit_check(sheet.unit_id, signed, expected, title=title)
    current = expected.by_id[sheet.unit_id].name if sheet.unit_id in expected.by_id else ""
    if message:
        checked.problems.append(problem_at(checked, "unit_changed", message, sheet=sheet.title, value=sheet.unit_id))
        checked.unit_names[sheet.unit_id] = signed or title_name(title, sheet.unit_id)
    else:
        checked.unit_names[sheet.unit_id] = current


def _untouched(checked: Checked) -> bool:
    """True when not one input cell of the return holds anything: a blank form sent back.

    Stored as a revision it would replace a unit's real return with 50 未填写 errors; it
    is no return at all.
    """
    return bool(checked.values) and all(not v.raw and not v.remark for v in checked.values)


def _reject_as_blank(checked: Checked) -> None:
    checked.problems = [
        problem_at(
            checked,
            "blank_form",
            "这是一份空白表（没有填写任何分数），未登记为回收表：可能发错了文件，请对方填写后重新发送",
        )
    ]
    checked.problem_unit = {}
    checked.values = []


def _check_assessor_name(raw: RawReturn, checked: Checked) -> None:
    cell = raw.assessor
    if cell is None:
        checked.problems.append(
            problem_at(
                checked, "assessor_cell_missing", f"找不到评分人单元格（名称 {layout.NAME_ASSESSOR}），表格结构被改动"
            )
        )
        return
    name = person_name(cell.value)
    if not name:
        checked.problems.append(
            problem_at(checked, "blank", "评分人未填写：同一考核组多人评分时靠评分人区分，请填写姓名后重新发送", cell)
        )
    checked.rater = safe_text(name, 100)


def _sheet_found(sheet: RawSheet, raw: RawReturn, checked: Checked, wanted: Sequence[str]) -> bool:
    if not sheet.found:
        others = [n for n in raw.sheet_names if n not in _FIXED_SHEETS and n not in {s.title for s in raw.sheets}]
        hint = f"（表中现有：{'、'.join(others)}，可能被改名）" if others else ""
        checked.problems.append(
            problem_at(
                checked,
                "sheet_missing",
                f"找不到工作表“{sheet.title}”{hint}：请不要修改工作表名称，改回原名后重新发送",
                sheet=sheet.title,
            )
        )
        return False
    if not sheet.header_row:
        checked.problems.append(
            problem_at(
                checked, "header_missing", f"找不到表头行（含“{layout.H_ID}”的行），表格结构被改动", sheet=sheet.title
            )
        )
        return False
    ok = True
    for label in wanted:
        if normalize_label(label) not in sheet.labels:
            checked.problems.append(
                problem_at(checked, "column_missing", f"找不到“{label}”列：请不要删除或改动表头", sheet=sheet.title)
            )
            ok = False
    if sheet.truncated:  # a warning: the rows read are checked; items not reached are errors
        checked.problems.append(
            Problem(
                "sheet_too_large",
                "工作表数据量过大，只读取了前面一部分（其后的条目会报告为缺少）：请删除表格下方多余的内容",
                file=checked.file,
                sheet=sheet.title,
                severity="warning",
            )
        )
    return ok


_FIXED_SHEETS = {layout.INSTRUCTIONS_SHEET, layout.LISTS_SHEET, layout.META_SHEET}


def _check_item_sheet(sheet: RawSheet, raw: RawReturn, rubric: Rubric, checked: Checked, *, older: bool) -> None:
    kind = checked.kind
    assert kind in layout.SCORE_HEADER
    score_label, remark_label = layout.SCORE_HEADER[kind], layout.REMARK_HEADER[kind]
    if not _sheet_found(sheet, raw, checked, (layout.H_ID, *layout.LOCKED_HEADERS[1:], score_label)):
        return
    read = (layout.H_ID, layout.H_CONTENT, layout.H_POINTS, score_label, remark_label)
    check_sheet(sheet, checked, {normalize_label(label): label for label in read})
    score_key, remark_key = normalize_label(score_label), normalize_label(remark_label)
    expected_rows = [(item.id, f"条目 {item.id}（{item.content}）", "请删除复制出来的行") for item in rubric.items]
    found_rows = _rows_for(sheet, checked, expected_rows, _ADDED if older else _DELETED)
    for item in rubric.items:
        cells = found_rows.get(item.id)
        if cells is None:
            continue
        if not older:  # an older form shows the wording and points of its time
            _compare_locked(cells, item, checked)
        score = cells[score_key]
        value, veto = check_score(score, item, rubric.step_of(item), checked, item.id)
        remark = cells.get(remark_key)
        checked.values.append(
            Value(
                sheet.unit_id,
                item.id,
                value,
                veto,
                safe_text(cell_text(score.value)),
                clean_lines(remark.value) if remark else "",  # cleaned line by line (safe_text)
                score.sheet,
                score.cell,
            )
        )


_DELETED = "缺少{what}这一行：请不要删除行"
_ADDED = "缺少{what}这一行（表格按修改前的细则生成，此条目是后来新增或改动的）：请用新下发的表格重新填写"


def _rows_for(
    sheet: RawSheet, checked: Checked, wanted: list[tuple[str, str, str]], missing: str = _DELETED
) -> dict[str, Mapping[str, RawCell]]:
    """The row of each wanted key (item id or unit id), by the key in the 编号 column.

    ``wanted`` holds (key, what it is for messages, advice for a duplicated row). A key
    with no row is an ``item_missing`` problem; a key found twice is ``item_duplicate``
    and its first row counts.
    """
    rows: dict[str, list[Mapping[str, RawCell]]] = {}
    for row in sheet.rows:
        rows.setdefault(row.key, []).append(row.cells)
    found: dict[str, Mapping[str, RawCell]] = {}
    for key, what, advice in wanted:
        matches = rows.get(key, [])
        if not matches:
            message = missing.format(what=what)
            checked.problems.append(problem_at(checked, "item_missing", message, sheet=sheet.title, item=key))
            continue
        if len(matches) > 1:
            message = f"{what.split('（')[0]} 出现了 {len(matches)} 次" + (f"：{advice}" if advice else "")
            checked.problems.append(problem_at(checked, "item_duplicate", message, sheet=sheet.title, item=key))
        found[key] = matches[0]
    return found


_CONTENT_KEY, _POINTS_KEY = normalize_label(layout.H_CONTENT), normalize_label(layout.H_POINTS)


def _compare_locked(cells: Mapping[str, RawCell], item: Item, checked: Checked) -> None:
    content = cells.get(_CONTENT_KEY)
    if (
        content is not None
        and content.value != item.content
        and normalize_label(content.value) != normalize_label(item.content)
    ):
        checked.problems.append(
            problem_at(
                checked,
                "locked_changed",
                f"“{layout.H_CONTENT}”被改动，细则原文为“{item.content}”：此列不允许修改，请用原表重新填写",
                content,
                item=item.id,
            )
        )
    points = cells.get(_POINTS_KEY)
    if (
        points is not None
        and item.points is not None
        and points.value != float(item.points)  # the usual case, without parsing
        and as_decimal(points.value) != item.points
    ):
        checked.problems.append(
            problem_at(
                checked,
                "locked_changed",
                f"“{layout.H_POINTS}”被改动，细则为 {format_decimal(item.points)} 分：此列不允许修改，请用原表重新填写",
                points,
                item=item.id,
            )
        )


def _check_rater_sheet(raw: RawReturn, expected: Expected, checked: Checked) -> None:
    rubric, source = expected.rubric, checked.subject_id
    categories = [c for c in rubric.categories if source in c.rater_max]
    sheet = raw.sheets[0]
    checked.units.extend(unit.id for unit in expected.units)
    read = (layout.H_ID, layout.H_UNIT_NAME, *(c.name for c in categories))
    if not _sheet_found(sheet, raw, checked, read):
        return  # a file-wide problem: every unit is held back
    check_sheet(sheet, checked, {normalize_label(label): label for label in read})
    # One row per unit: a problem on a row (item = the unit id) holds back only that unit.
    start = len(checked.problems)
    found_rows = _rows_for(sheet, checked, [(unit.id, f"单位 {unit.id}（{unit.name}）", "") for unit in expected.units])
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
