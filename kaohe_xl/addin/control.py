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

from kaohe_xl.addin.buttons import BUTTONS
from kaohe_xl.atomic import save_workbook, write_atomic
from kaohe_xl.campaign import CONTROL_WORKBOOK
from kaohe_xl.clock import now_text
from kaohe_xl.rubric.model import FormKind
from kaohe_xl.store import db as store
from kaohe_xl.store.records import ReturnState
from kaohe_xl.store.status import collection_status
from kaohe_xl.textnorm import safe_value
from kaohe_xl.xlsx.locks import lock_files
from kaohe_xl.xlsx.named import set_named_cells

if TYPE_CHECKING:  # openpyxl only where the workbook is built: refreshing it does without
    import openpyxl
    from openpyxl.worksheet.worksheet import Worksheet

    from kaohe_xl.campaign import Campaign
    from kaohe_xl.xlsx.cells import Style

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

_WIDTHS = (16, 16, 16, 16, 44)


def _styles() -> dict[str, Style]:
    """The control sheet's styles (made when the workbook is built: openpyxl is imported then)."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    from kaohe_xl.output.look import FONT, HEADER_FILL
    from kaohe_xl.xlsx.cells import Style

    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    top_left = Alignment(horizontal="left", vertical="top", wrap_text=True)
    centre_left = Alignment(horizontal="left", vertical="center", wrap_text=True)
    body, bold = Font(name=FONT, size=10.5), Font(name=FONT, size=10.5, bold=True)
    return {
        "title": Style(font=Font(name=FONT, size=16, bold=True), alignment=centre_left),
        "note": Style(font=Font(name=FONT, size=10), alignment=centre_left),
        "label": Style(font=bold, fill=HEADER_FILL, border=box, alignment=centre_left),
        "head": Style(
            font=bold,
            fill=HEADER_FILL,
            border=box,
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        ),
        "value": Style(font=body, border=box, alignment=centre_left),
        # figures: right-aligned, one character of room from the border
        "count": Style(
            font=body,
            border=box,
            alignment=Alignment(horizontal="right", vertical="center", indent=1),
            number_format="0",
        ),
        "status": Style(font=body, border=box, fill=PatternFill("solid", fgColor="FFF2CC"), alignment=top_left),
        "button": Style(font=bold, border=box, alignment=top_left),
        "help": Style(font=body, border=box, alignment=top_left),
        "command": Style(font=Font(name=FONT, size=10), border=box, alignment=top_left),
    }


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
    """Write 控制台.xlsx into the campaign folder (replacing an older one) and return its path.

    Laid out like the other outputs: one font (宋体), bordered tables, labels on the
    blue header fill, counts right-aligned with a little room, each button's name first
    in its row and level with what it does.
    """
    import openpyxl
    from openpyxl.workbook.defined_name import DefinedName

    from kaohe_xl.xlsx import measure
    from kaohe_xl.xlsx.cells import put
    from kaohe_xl.xlsx.page import setup_page

    styles = _styles()
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    for letter, width in zip("ABCDE", _WIDTHS, strict=True):
        ws.column_dimensions[letter].width = width
    _line(ws, styles, 1, "考核控制台", "title", 30)
    _line(
        ws,
        styles,
        2,
        "在 Excel 中打开本工作簿，使用功能区上的“考核”选项卡；WPS 不支持加载项，请用下方的命令行。",
        "note",
    )
    names: dict[str, str] = {}
    row = _state_block(ws, styles, campaign, names)
    row += 1
    put(ws, row, 1, "按钮", styles["head"])
    _span(ws, styles, row, 2, 4, "作用", "head")
    put(ws, row, 5, "命令行（WPS 用户）", styles["head"])
    for button in BUTTONS:
        row += 1
        put(ws, row, 1, button.label, styles["button"])
        _span(ws, styles, row, 2, 4, button.help, "help")
        put(ws, row, 5, button.command, styles["command"])
        cells = [
            (button.label, _WIDTHS[0], 10.5),
            (button.help, sum(_WIDTHS[1:4]), 10.5),
            (button.command, _WIDTHS[4], 10),
        ]
        ws.row_dimensions[row].height = measure.row_height(cells, 24.0)
    for name, ref in names.items():
        absolute = "$" + ref[0] + "$" + ref[1:]
        wb.defined_names[name] = DefinedName(name, attr_text=f"'{SHEET}'!{absolute}")
    setup_page(ws, landscape=False, area=(row, 5))
    _fill(wb, campaign_state(campaign))
    path = campaign.control_workbook
    save_workbook(wb, path)
    return path


def _state_block(ws: Worksheet, styles: Mapping[str, Style], campaign: Campaign, names: dict[str, str]) -> int:
    """The campaign, the counts per form kind and the last action, from row 4; each
    written cell's reference goes into ``names``. Returns the last row used."""
    from kaohe_xl.xlsx.cells import put

    row = 4
    facts = (("考核名称", NAME_CAMPAIGN), ("考核目录", NAME_FOLDER), ("单位数", NAME_UNITS), ("回收文件夹", ""))
    for label, name in facts:
        put(ws, row, 1, label, styles["label"])
        if name:
            names[name] = f"B{row}"
        text = None if name else "inbox（把回收的表格放在这里，再点“汇总回收表”）"
        _span(ws, styles, row, 2, 5, text, "count" if name == NAME_UNITS else "value")
        row += 1
    row += 1
    # 已生成 counts workbooks (one 考核组评分表 serves a whole group), the others count units.
    heads = ("表格", "已生成（份）", "已收到（单位）", "待提交（单位）", "待核实（单位）")
    for col, head in enumerate(heads, start=1):
        put(ws, row, col, head, styles["head"])
    ws.row_dimensions[row].height = 30
    totals = (NAME_FORMS, NAME_RECEIVED, NAME_MISSING, NAME_INVALID)
    for kind in [*form_kinds(campaign), None]:
        row += 1
        put(ws, row, 1, kind.label if kind else "合计", styles["label"])
        for col, field in enumerate(KIND_FIELDS, start=2):
            names[kind_name(kind, field) if kind else totals[col - 2]] = f"{_col(col)}{row}"
            put(ws, row, col, None, styles["count"])
    row += 1
    put(ws, row, 1, "拒收文件", styles["label"])
    put(ws, row, 2, None, styles["count"])
    names[NAME_REJECTED] = f"B{row}"
    row += 2
    for label, name in (
        ("上次操作", NAME_LAST_ACTION),
        ("操作时间", NAME_LAST_TIME),
        ("状态", NAME_STATUS),
        ("详情", NAME_DETAIL),
    ):
        put(ws, row, 1, label, styles["label"])
        names[name] = f"B{row}"
        _span(ws, styles, row, 2, 5, None, "status")
        row += 1
    ws.row_dimensions[row - 1].height = 90
    return row


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
    """Write ``{defined name: value}`` into a control workbook file (names it lacks are skipped).

    The named cells are rewritten in the file's XML (:mod:`kaohe_xl.xlsx.named`); a copy
    whose cells cannot be edited that way is saved through openpyxl.
    """
    edited = set_named_cells(path.read_bytes(), values)
    if edited is not None:
        write_atomic(path, edited)
        return
    import openpyxl

    wb = openpyxl.load_workbook(path)
    _fill(wb, values)
    save_workbook(wb, path)


def read_values(path: Path) -> dict[str, object]:
    """``{defined name: value}`` of every named cell in a control workbook."""
    import openpyxl

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


def _line(
    ws: Worksheet, styles: Mapping[str, Style], row: int, text: str, style: str, height: float | None = None
) -> None:
    from kaohe_xl.xlsx.cells import put

    put(ws, row, 1, text, styles[style])
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)
    if height:
        ws.row_dimensions[row].height = height


def _span(
    ws: Worksheet, styles: Mapping[str, Style], row: int, first: int, last: int, text: str | None, style: str
) -> None:
    """A merged block, every cell of it styled (the border runs round the whole block)."""
    from kaohe_xl.xlsx.cells import put

    for col in range(first, last + 1):
        put(ws, row, col, text if col == first else None, styles[style])
    ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)


def _col(index: int) -> str:
    return "ABCDEFGH"[index - 1]
