"""The control workbook (控制台.xlsx) in every campaign folder.

``kaohe init`` writes it. Office staff open it in Excel and press the buttons of the 考核
ribbon tab (:mod:`kaohe_xl.addin`); each button writes its status back here. It shows
the campaign (name, folder, units), how many forms were generated, received, are
missing or need checking, how many files were rejected, the last action with its time
and result, and what every button does (with the command line for WPS users).

Every cell a program writes has a workbook-scope defined name (``KH_STATUS``, ...): the
add-in writes through the names, so a user may move or restyle the block freely.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from kaohe_xl.addin.buttons import BUTTONS
from kaohe_xl.atomic import save_workbook
from kaohe_xl.campaign import CONTROL_WORKBOOK
from kaohe_xl.clock import now_text
from kaohe_xl.rubric.model import FormKind
from kaohe_xl.store import db as store
from kaohe_xl.store.records import ReturnState
from kaohe_xl.store.status import collection_status
from kaohe_xl.textnorm import safe_value
from kaohe_xl.xlsx.place import lock_files

if TYPE_CHECKING:
    from kaohe_xl.campaign import Campaign

CONTROL_FILE = CONTROL_WORKBOOK
SHEET = "控制台"
# Defined names of the cells programs write (workbook scope).
NAME_CAMPAIGN = "KH_CAMPAIGN"
NAME_FOLDER = "KH_FOLDER"
NAME_UNITS = "KH_UNITS"
NAME_FORMS = "KH_FORMS"
NAME_RECEIVED = "KH_RECEIVED"
NAME_MISSING = "KH_MISSING"
NAME_INVALID = "KH_INVALID"
NAME_REJECTED = "KH_REJECTED"
NAME_LAST_ACTION = "KH_LAST_ACTION"
NAME_LAST_TIME = "KH_LAST_TIME"
NAME_STATUS = "KH_STATUS"
NAME_DETAIL = "KH_DETAIL"
# Per form kind: KH_SELF_FORMS, KH_SELF_RECEIVED, ... (see kind_name).
KIND_FIELDS = ("FORMS", "RECEIVED", "MISSING", "INVALID")
_STATE_FIELD = {ReturnState.OK: "RECEIVED", ReturnState.MISSING: "MISSING", ReturnState.INVALID: "INVALID"}

_BOLD = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_STATUS_FILL = PatternFill("solid", fgColor="FFF2CC")
_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")


def kind_name(kind: FormKind, field: str) -> str:
    """The defined name of one per-kind count, e.g. ``KH_SELF_RECEIVED``."""
    return f"KH_{kind.value.upper()}_{field}"


def form_kinds(campaign: Campaign) -> list[FormKind]:
    """The form kinds this campaign uses: 自评表, 考核组评分表, and 评分表 when a rater source exists."""
    kinds = [FormKind.SELF, FormKind.ASSESSOR]
    if campaign.rubric.sources_of(FormKind.RATER):
        kinds.append(FormKind.RATER)
    return kinds


def campaign_state(campaign: Campaign) -> dict[str, object]:
    """``{defined name: value}`` for the campaign part of the control workbook.

    Counts of returns come from :func:`kaohe_xl.store.status.collection_status` (one state per
    unit and form kind); generated forms are the workbooks in ``forms/<kind label>/``.
    """
    values: dict[str, object] = {
        NAME_CAMPAIGN: f"{campaign.rubric.settings.name}（{campaign.name}）",
        NAME_FOLDER: str(campaign.root.resolve()),
        NAME_UNITS: len(campaign.units),
    }
    kinds = form_kinds(campaign)
    for kind in kinds:
        folder = campaign.forms_dir / kind.label
        forms = [p for p in folder.glob("*.xlsx") if not p.name.startswith("~$")] if folder.is_dir() else []
        values[kind_name(kind, "FORMS")] = len(forms)
        for field in KIND_FIELDS[1:]:
            values[kind_name(kind, field)] = 0
    for state in collection_status(campaign):
        if state.form in kinds:
            key = kind_name(state.form, _STATE_FIELD[state.state])
            values[key] = int(str(values[key])) + 1
    for field, name in zip(KIND_FIELDS, (NAME_FORMS, NAME_RECEIVED, NAME_MISSING, NAME_INVALID), strict=True):
        values[name] = sum(int(str(values[kind_name(k, field)])) for k in kinds)
    with closing(campaign.connect()) as conn:
        row = conn.execute(f"SELECT COUNT(*) FROM files WHERE {store.REFUSED_FILES}").fetchone()
    values[NAME_REJECTED] = int(row[0])
    return values


def missing_lines(campaign: Campaign) -> list[str]:
    """``自评表待提交：01 东湖村、02 西山村`` lines for the status detail."""
    names = {u.id: u.name for u in campaign.units}
    lines = []
    states = collection_status(campaign)
    for kind in form_kinds(campaign):
        for state in (ReturnState.MISSING, ReturnState.INVALID):
            units = [
                f"{s.unit_id} {names.get(s.unit_id, '')}".strip() for s in states if s.form is kind and s.state is state
            ]
            if units:
                lines.append(f"{kind.label}{state.label}：{'、'.join(units)}")
    return lines


def status_values(campaign: Campaign, action: str, status: str, detail: str = "") -> dict[str, object]:
    """Everything a button writes back: the refreshed campaign state plus the action's result."""
    values = campaign_state(campaign)
    values.update({NAME_LAST_ACTION: action, NAME_LAST_TIME: now_text(), NAME_STATUS: status, NAME_DETAIL: detail})
    return values


def write_control_workbook(campaign: Campaign) -> Path:
    """Write 控制台.xlsx into the campaign folder (replacing an older one) and return its path."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    ws["A1"] = "考核控制台"
    ws["A1"].font = Font(bold=True, size=16)
    ws.merge_cells("A1:E1")
    ws["A2"] = "在 Excel 中打开本工作簿，使用功能区上的“考核”选项卡；WPS 不支持加载项，请用下方的命令行。"
    ws.merge_cells("A2:E2")
    names: dict[str, str] = {}
    row = 4
    for label, name in (("考核名称", NAME_CAMPAIGN), ("考核目录", NAME_FOLDER), ("单位数", NAME_UNITS)):
        _label(ws, row, label)
        names[name] = f"B{row}"
        ws.merge_cells(f"B{row}:E{row}")
        row += 1
    _label(ws, row, "回收文件夹")
    ws.cell(row, 2, "inbox（把回收的表格放在这里，再点“汇总回收表”）")
    ws.merge_cells(f"B{row}:E{row}")
    row += 2
    # 已生成 counts workbooks (one 考核组评分表 serves a whole group), the others count units.
    heads = ("表格", "已生成（份）", "已收到（单位）", "待提交（单位）", "待核实（单位）")
    for col, head in enumerate(heads, start=1):
        _label(ws, row, head, col)
    for kind in [*form_kinds(campaign), None]:
        row += 1
        _label(ws, row, kind.label if kind else "合计", fill=False)
        totals = (NAME_FORMS, NAME_RECEIVED, NAME_MISSING, NAME_INVALID)
        for col, field in enumerate(KIND_FIELDS, start=2):
            names[kind_name(kind, field) if kind else totals[col - 2]] = f"{_col(col)}{row}"
            ws.cell(row, col).border = _BOX
    row += 1
    _label(ws, row, "拒收文件", fill=False)
    names[NAME_REJECTED] = f"B{row}"
    row += 2
    for label, name in (
        ("上次操作", NAME_LAST_ACTION),
        ("操作时间", NAME_LAST_TIME),
        ("状态", NAME_STATUS),
        ("详情", NAME_DETAIL),
    ):
        _label(ws, row, label)
        names[name] = f"B{row}"
        ws.merge_cells(f"B{row}:E{row}")
        ws.cell(row, 2).fill = _STATUS_FILL
        ws.cell(row, 2).alignment = _WRAP
        row += 1
    ws.row_dimensions[row - 1].height = 90
    row += 1
    for col, head in enumerate(("按钮", "作用", "", "", "命令行（WPS 用户）"), start=1):
        if head:
            _label(ws, row, head, col)
    for button in BUTTONS:
        row += 1
        ws.cell(row, 1, button.label).font = _BOLD
        ws.cell(row, 2, button.help).alignment = _WRAP
        ws.merge_cells(f"B{row}:D{row}")
        ws.cell(row, 5, button.command).alignment = _WRAP
        ws.row_dimensions[row].height = 48
    for letter, width in zip("ABCDE", (14, 16, 16, 16, 44), strict=True):
        ws.column_dimensions[letter].width = width
    for name, ref in names.items():
        absolute = "$" + ref[0] + "$" + ref[1:]
        wb.defined_names[name] = DefinedName(name, attr_text=f"'{SHEET}'!{absolute}")
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # fit-to-width needs this flag too
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    _fill(wb, campaign_state(campaign))
    path = campaign.control_workbook
    save_workbook(wb, path)
    return path


def record_action(campaign: Campaign, action: str, status: str, detail: str = "") -> str:
    """Refresh 控制台.xlsx after a command run outside Excel (CLI, WPS launchers).

    The counts and the last action then match the campaign whichever way it was driven.
    Never fails the command: returns '' when written, else why not (no control workbook,
    or it is open in Excel/WPS — writing the file then would be lost when that copy is
    saved, and Windows refuses it anyway).
    """
    path = campaign.control_workbook
    if not path.exists():
        return ""
    if lock_files(path):
        return f"{path.name} 正在被打开，未更新其中的状态（关闭后下次运行命令时更新）"
    try:
        write_status(path, status_values(campaign, action, status, detail))
    except Exception as exc:  # a damaged or foreign copy: the command's work is done anyway
        return f"未能更新 {path.name}（{type(exc).__name__}: {exc}）"
    return ""


def write_status(path: Path, values: Mapping[str, object]) -> None:
    """Write ``{defined name: value}`` into a control workbook file (names it lacks are skipped)."""
    wb = openpyxl.load_workbook(path)
    _fill(wb, values)
    save_workbook(wb, path)


def read_values(path: Path) -> dict[str, object]:
    """``{defined name: value}`` of every named cell in a control workbook."""
    wb = openpyxl.load_workbook(path)
    values: dict[str, object] = {}
    for name, defined in wb.defined_names.items():
        for title, ref in defined.destinations:
            values[name] = wb[title][ref.replace("$", "")].value
    return values


def _fill(wb: openpyxl.Workbook, values: Mapping[str, object]) -> None:
    for name, value in values.items():
        defined = wb.defined_names.get(name)
        if defined is None:
            continue
        for title, ref in defined.destinations:
            cell = wb[title][ref.replace("$", "")]
            # Text from files and units is never a formula: openpyxl would write "=..." as one.
            cell.value = safe_value(value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"


def _label(ws: Worksheet, row: int, text: str, col: int = 1, fill: bool = True) -> None:
    cell = ws.cell(row, col, text)
    cell.font = _BOLD
    cell.border = _BOX
    if fill:
        cell.fill = _HEAD_FILL


def _col(index: int) -> str:
    return "ABCDEFGH"[index - 1]
