"""Raw values of a return + the rubric → normalised scores and every problem found.

Nothing typed into a workbook is trusted: Excel's data validation is bypassed by paste,
sheet protection by anyone with a search engine. Each value is checked again:

- a number in 0..分值 (扣分 items: the deduction as a positive number), on the item's
  step (``rubric.step_of``); rater sheets: 0..the category's maximum for the source;
- ``是`` or ``否`` for 否决 items — exactly these after removing spaces and full-width
  forms; ``Y``/``N``, ``√``, ``对`` are errors, not guesses;
- every score cell is required, in every form kind: a blank is an error (未填写) — but a
  unit sheet of a 考核组评分表 left entirely blank is that unit not yet scored (待提交),
  while the filled sheets of the same file count;
- what a person clearly meant is accepted and normalised (``５``, ``3分``, `` 3.0 ``,
  numbers stored as text); anything ambiguous (``三``, ``3-4``, ``约2``) is an error;
- a formula typed into a score cell is an error (the value it shows is not a score);
- tamper evidence: the locked columns (``编号``, ``考核内容``, ``分值``; on rater sheets
  the unit name) must equal the rubric, every item row must be present once;
- an item 民主测评 fills (计入条目) is not read: its score is computed;
- 民主测评表 (vote counts) are checked in :mod:`kaohe_xl.collect.tally`.

Identification (:mod:`kaohe_xl.identify`) comes first: not our form, another campaign or
forged metadata make the file *rejected*; all other problems are stored with the return
(state 待核实).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from kaohe_xl.collect.cells import Checked, Value, as_decimal, check_score, problem_at
from kaohe_xl.collect.identify import (
    REJECT_CODES,
    Expected,
    form_source,
    identify,
    rubric_outdated,
    signed_units,
    title_name,
    unit_check,
)
from kaohe_xl.collect.rater import check_rater_sheet
from kaohe_xl.collect.returns import RawCell, RawReturn, RawSheet
from kaohe_xl.collect.rows import ADDED, DELETED, rows_for, sheet_found
from kaohe_xl.collect.tally import check_tally_sheet
from kaohe_xl.collect.visible import DECOYS, check_order, check_sheet
from kaohe_xl.forms import layout
from kaohe_xl.problems import Problem
from kaohe_xl.rubric.model import FormKind, Item, Rubric
from kaohe_xl.textnorm import (
    cell_text,
    clean_lines,
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
    if checked.kind is not FormKind.RATER:
        source = form_source(raw.meta, expected.rubric, checked.kind, raw.name)
        if isinstance(source, Problem):
            checked.problems.append(source)
            return checked
        checked.source = source
    else:
        checked.source = checked.subject_id
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
        check_rater_sheet(raw, expected, checked)
    elif checked.kind is FormKind.BALLOT:
        if check_tally_sheet(raw, expected, checked):
            _reject_as_blank(checked)
        return checked
    else:
        if checked.kind is FormKind.ASSESSOR:
            _check_assessor_name(raw, checked, expected)
        check_order(raw, checked)
        if _check_item_sheets(raw, expected, checked, older=older):
            _reject_as_blank(checked)
            return checked
    if _untouched(checked) and not any(p.code in DECOYS for p in checked.problems):
        _reject_as_blank(checked)
    return checked


def _check_item_sheets(raw: RawReturn, expected: Expected, checked: Checked, *, older: bool) -> bool:
    """Check each unit sheet; True when every sheet of a 考核组评分表 was left blank.

    One sheet per unit (a 自评表 has one): a problem on a sheet holds back only its unit.
    A 考核组评分表 sheet with not one input filled is that unit not yet scored: it is left
    out of the revision (the unit stays 待提交, or at its earlier return).
    """
    names = signed_units(raw.meta)
    skipped = 0
    for sheet in raw.sheets:
        start, first = len(checked.problems), len(checked.values)
        _check_unit(sheet, names, expected, checked)
        _check_item_sheet(sheet, raw, expected.rubric, checked, older=older)
        if checked.kind is FormKind.ASSESSOR and _blank_sheet(checked, start, first):
            del checked.problems[start:]
            del checked.values[first:]
            skipped += 1
            message = f"工作表“{sheet.title}”没有填写任何分数：该单位按未评分（待提交）处理，评分后再发送即可"
            checked.problems.append(Problem("sheet_not_scored", message, checked.file, sheet.title, severity="warning"))
            continue
        checked.claim_since(start, sheet.unit_id)
        checked.units.append(sheet.unit_id)
    return bool(skipped) and not checked.units


def _blank_sheet(checked: Checked, start: int, first: int) -> bool:
    """True when the values read since ``first`` are all empty and every problem since
    ``start`` only says so (anything else — a changed locked cell — still counts)."""
    values = checked.values[first:]
    return (
        bool(values)
        and all(not v.raw and not v.remark for v in values)
        and all(p.code == "blank" for p in checked.problems[start:])
    )


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


def _check_assessor_name(raw: RawReturn, checked: Checked, expected: Expected) -> None:
    """The assessor: the signed name of a named copy, else the name typed into 评分人."""
    named = expected.roster.get(checked.subject_id, ())
    if checked.rater:  # a named assessor's copy: the name was filled in and signed
        typed = person_name(raw.assessor.value) if raw.assessor is not None else ""
        if typed and typed != checked.rater:
            message = f"评分人单元格被改为“{typed}”，这份表是发给“{checked.rater}”的，按“{checked.rater}”计"
            checked.problems.append(problem_at(checked, "assessor_changed", message, raw.assessor))
            checked.problems[-1] = replace(checked.problems[-1], severity="warning")
    else:
        _typed_assessor_name(raw, checked)
    if named and checked.rater and checked.rater not in named:
        message = (
            f"评分人“{checked.rater}”不在考核组“{checked.subject_id}”的名单（{'、'.join(named)}）中，"
            "其评分暂不计入：请核对单位名单的“考核组”表，或请名单中的评分人用各自的表格评分"
        )
        checked.problems.append(Problem("assessor_not_in_roster", message, checked.file, severity="warning"))


def _typed_assessor_name(raw: RawReturn, checked: Checked) -> None:
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


def _check_item_sheet(sheet: RawSheet, raw: RawReturn, rubric: Rubric, checked: Checked, *, older: bool) -> None:
    kind = checked.kind
    assert kind in layout.SCORE_HEADER
    score_label, remark_label = layout.SCORE_HEADER[kind], layout.REMARK_HEADER[kind]
    if not sheet_found(sheet, raw, checked, (layout.H_ID, *layout.LOCKED_HEADERS[1:], score_label)):
        return
    read = (layout.H_ID, layout.H_CONTENT, layout.H_POINTS, score_label, remark_label)
    check_sheet(sheet, checked, {normalize_label(label): label for label in read})
    score_key, remark_key = normalize_label(score_label), normalize_label(remark_label)
    expected_rows = [(item.id, f"条目 {item.id}（{item.content}）", "请删除复制出来的行") for item in rubric.items]
    found_rows = rows_for(sheet, checked, expected_rows, ADDED if older else DELETED)
    computed = rubric.computed_items
    for item in rubric.items:
        cells = found_rows.get(item.id)
        if cells is None:
            continue
        if not older:  # an older form shows the wording and points of its time
            _compare_locked(cells, item, checked)
        if item.id in computed:
            continue  # filled by 民主测评: nothing to read
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
