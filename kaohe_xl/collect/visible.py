"""What is read must be what a person looking at the file sees.

A decoy shows one thing and hands the reader another: the real form sheet hidden with a
visible copy (zeros, say) beside it; a hidden second 自评得分 column or a hidden copy
of the header row that moves the columns the reader takes; the form sheet moved behind
a copy. The reader still reads by the layout contract, but these checks say when what
it read is not what a reviewer of the file would see, as errors (待核实) on the unit
the sheet is for. Harmless differences — item rows hidden, a tab renamed, an extra
sheet after the form — are warnings.
"""

from __future__ import annotations

from collections.abc import Mapping

from kaohe_xl.collect.cells import Checked, problem_at
from kaohe_xl.collect.returns import RawReturn, RawSheet
from kaohe_xl.forms import layout
from kaohe_xl.problems import Problem

# Problems that say the cells read are not the ones a person sees (a blank read from a
# hidden column is no blank form).
DECOYS = frozenset({"sheet_hidden", "sheet_moved", "hidden_input", "column_duplicate"})
# Sheets every form has besides the ones it declares (说明 first; the others hidden).
_FIXED = (layout.INSTRUCTIONS_SHEET, layout.LISTS_SHEET, layout.META_SHEET)


def check_sheet(sheet: RawSheet, checked: Checked, read: Mapping[str, str]) -> None:
    """Problems of one declared sheet; ``read`` maps each normalised label the checks
    take to the label as shown (编号, 自评得分 …)."""
    add = checked.problems.append
    if sheet.hidden:
        add(
            problem_at(
                checked,
                "sheet_hidden",
                f"工作表“{sheet.title}”被隐藏了，读取的是隐藏表中的内容：请取消隐藏，核对其中的分数，删除复制出来的表后重新发送",
                sheet=sheet.title,
            )
        )
    if sheet.header_hidden:
        add(
            problem_at(
                checked,
                "hidden_input",
                f"表头行（第 {sheet.header_row} 行）被隐藏了：请取消隐藏行，不要在表头上方复制表头，改正后重新发送",
                sheet=sheet.title,
            )
        )
    for label in sheet.hidden_labels:
        if label in read:
            add(
                problem_at(
                    checked,
                    "hidden_input",
                    f"“{read[label]}”列（{sheet.labels.get(label, '')} 列）被隐藏了，读取的是隐藏列中的内容：请取消隐藏列，核对后重新发送",
                    sheet=sheet.title,
                )
            )
    for label in sheet.twin_labels:
        if label in read:
            add(
                problem_at(
                    checked,
                    "column_duplicate",
                    f"表头中有两列“{read[label]}”，只能读取第一列（{sheet.labels.get(label, '')} 列）：请删除多出的一列后重新发送",
                    sheet=sheet.title,
                )
            )
    if sheet.hidden_rows:
        rows = "、".join(sheet.hidden_rows[:10]) + ("等" if len(sheet.hidden_rows) > 10 else "")
        add(
            _warning(checked, "hidden_rows", f"编号 {rows} 所在的行被隐藏了（其中的分数照常读取）：请确认", sheet.title)
        )
    if sheet.declared_title and sheet.title != sheet.declared_title:
        add(
            _warning(
                checked,
                "sheet_renamed",
                f"工作表“{sheet.declared_title}”被改名为“{sheet.title}”，已按表内的单位编号 {sheet.unit_id} 读取",
                sheet.title,
            )
        )


def check_order(raw: RawReturn, checked: Checked) -> None:
    """The declared sheets come first among the visible ones (after 说明), in order."""
    declared = [s.title for s in raw.sheets if s.found]
    visible = [t for t in raw.sheet_names if t not in raw.hidden_sheets and t not in _FIXED]
    shown = [t for t in visible if t in declared]
    extra = [t for t in visible if t not in declared]
    if not declared or not extra:
        return
    before = visible[: visible.index(shown[-1])] if shown else []
    moved = [t for t in before if t not in declared]
    if moved:
        checked.problems.append(
            problem_at(
                checked,
                "sheet_moved",
                f"工作表“{moved[0]}”排在“{shown[-1]}”之前，考核表不在原来的位置：请删除复制或新增的工作表，"
                "用原表填写后重新发送",
                sheet=moved[0],
            )
        )
    else:
        names = "、".join(f"“{t}”" for t in extra[:5])
        checked.problems.append(
            _warning(checked, "extra_sheet", f"工作簿中多了工作表 {names}（其中的内容不会读取）", extra[0])
        )


def _warning(checked: Checked, code: str, message: str, sheet: str) -> Problem:
    return Problem(code, message, file=checked.file, sheet=sheet, severity="warning")
