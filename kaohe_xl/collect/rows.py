"""Finding a return's table: its sheet and header, and the row of each wanted key."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kaohe_xl.collect.cells import Checked, problem_at
from kaohe_xl.collect.returns import RawCell, RawReturn, RawSheet
from kaohe_xl.forms import layout
from kaohe_xl.problems import Problem
from kaohe_xl.textnorm import normalize_label


def sheet_found(sheet: RawSheet, raw: RawReturn, checked: Checked, wanted: Sequence[str]) -> bool:
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


DELETED = "缺少{what}这一行：请不要删除行"
ADDED = "缺少{what}这一行（表格按修改前的细则生成，此条目是后来新增或改动的）：请用新下发的表格重新填写"


def rows_for(
    sheet: RawSheet, checked: Checked, wanted: list[tuple[str, str, str]], missing: str = DELETED
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
