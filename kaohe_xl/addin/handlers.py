"""The Python side of every ribbon button: what it does to the campaign of the calling workbook.

:func:`press` takes a button id and the calling workbook (a :class:`CallingBook`: Excel
through :class:`kaohe_xl.addin.excel.XlwingsBook`, or a :class:`FileBook` for the
launchers and ``kaohe addin run``), finds the campaign folder the workbook lives in,
runs the button's handler (one library call or two), writes a short status into the
control workbook (控制台.xlsx) and opens the result. Nothing here needs Excel.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from kaohe_xl.addin import control
from kaohe_xl.addin.buttons import BUTTONS_BY_ID, TITLE
from kaohe_xl.campaign import CONFIG_NAME, Campaign
from kaohe_xl.collect.run import collect
from kaohe_xl.errors import CampaignError, KaoheError
from kaohe_xl.forms.generate import generate_forms
from kaohe_xl.output.summary import SUMMARY_NAME, SUMMARY_SHEET, write_summary
from kaohe_xl.store import db as store
from kaohe_xl.store.records import FILE_STATUS_LABELS


class CallingBook(Protocol):
    """What a handler needs from the workbook whose button was pressed."""

    @property
    def fullname(self) -> str:
        """Full path of the calling workbook."""
        ...

    def write_status(self, control_workbook: Path, values: Mapping[str, object]) -> None:
        """Write ``{defined name: value}`` into the control workbook's named cells."""
        ...

    def open_path(self, path: Path) -> bool:
        """Show a result: open a workbook in the spreadsheet program, a folder in the file manager.

        Returns False when nothing was opened (no program to open it, or not asked to).
        """
        ...

    def close_workbook(self, path: Path) -> None:
        """Close ``path`` if it is open, so that it can be replaced (generated outputs only)."""
        ...

    def print_sheet(self, workbook: Path, sheet: str) -> bool:
        """Print one sheet of a workbook with the spreadsheet program's own printing.

        Returns False when nothing was sent to a printer.
        """
        ...

    def alert(self, message: str) -> None:
        """Tell the user something that went wrong."""
        ...


@dataclass
class ActionResult:
    """What a button did: the status line and detail written to the control workbook."""

    button: str
    ok: bool
    status: str
    detail: str = ""
    opened: list[Path] = field(default_factory=list)


Handler = Callable[[Campaign, CallingBook], ActionResult]


# ---- handlers ---------------------------------------------------------------------------
def _generate(campaign: Campaign, book: CallingBook) -> ActionResult:

    report = generate_forms(campaign)
    shown = book.open_path(campaign.forms_dir)
    detail = f"保存在 {campaign.forms_dir}" + ("" if shown else "（未自动打开）")
    return ActionResult("kh_generate", True, report.summary(), detail, [campaign.forms_dir])


def _collect(campaign: Campaign, book: CallingBook) -> ActionResult:

    report = collect(campaign, [campaign.inbox_dir])
    book.close_workbook(campaign.output_dir / SUMMARY_NAME)  # Excel locks a workbook it has open
    summary = write_summary(campaign)
    lines = [
        f"{FILE_STATUS_LABELS[r.status]}：{r.name}" + (f"（{r.reason}）" if r.reason else "")
        for r in report.results
        if r.status in FILE_STATUS_LABELS
    ]
    if summary.note:
        lines.append(summary.note)
    status = f"{report.summary()}；汇总表已更新"
    if not book.open_path(summary.path):
        lines.append(f"汇总表：{summary.path}（未自动打开）")
    return ActionResult("kh_collect", True, status, "\n".join(lines) or "没有拒收或待核实的文件", [summary.path])


def _status(campaign: Campaign, book: CallingBook) -> ActionResult:
    state = control.campaign_state(campaign)
    lines = [
        f"{kind.label}：已收到 {state[control.kind_name(kind, 'RECEIVED')]}，"
        f"待提交 {state[control.kind_name(kind, 'MISSING')]}，待核实 {state[control.kind_name(kind, 'INVALID')]}"
        for kind in control.form_kinds(campaign)
    ]
    status = (
        f"已收到 {state[control.NAME_RECEIVED]}，待提交 {state[control.NAME_MISSING]}，"
        f"待核实 {state[control.NAME_INVALID]}，拒收文件 {state[control.NAME_REJECTED]}"
    )
    return ActionResult("kh_status", True, status, "\n".join(lines + control.missing_lines(campaign)))


def _print(campaign: Campaign, book: CallingBook) -> ActionResult:

    path = campaign.output_dir / SUMMARY_NAME
    made = ""
    if not path.exists():
        path = write_summary(campaign).path
        made = "（刚生成）"
    if book.print_sheet(path, SUMMARY_SHEET):
        status = f"已发送到打印机：{path.name} 的“{SUMMARY_SHEET}”工作表{made}"
    else:  # kaohe addin run --no-open, or no program here that prints .xlsx
        status = f"未打印：汇总表已准备好{made}，请打开 {path.name} 打印“{SUMMARY_SHEET}”工作表"
    return ActionResult("kh_print", True, status, str(path))


def _open_folder(campaign: Campaign, book: CallingBook) -> ActionResult:
    if book.open_path(campaign.root):
        status = f"已打开考核目录 {campaign.root}"
    else:
        status = f"考核目录：{campaign.root}（未自动打开）"
    return ActionResult("kh_open_folder", True, status, "", [campaign.root])


HANDLERS: dict[str, Handler] = {
    "kh_generate": _generate,
    "kh_collect": _collect,
    "kh_status": _status,
    "kh_print": _print,
    "kh_open_folder": _open_folder,
}


# ---- dispatch ---------------------------------------------------------------------------
# One message for every front end (the WPS add-in's main.js fills in {name} itself).
NOT_IN_CAMPAIGN = (
    f"“{{name}}”不在考核目录中：请打开考核目录里的 {control.CONTROL_FILE}，再点“{TITLE}”选项卡上的按钮"
    "（工作簿需保存在本机磁盘上，而不是 OneDrive/SharePoint 网址）"
)


def find_campaign(fullname: str | Path) -> Campaign:
    """The campaign folder holding a workbook: its folder or the nearest parent with campaign.yaml."""
    path = Path(fullname)
    if "://" not in str(fullname) and path.parent != path:
        path = path.resolve()
        for folder in (path.parent, *path.parent.parents):
            if (folder / CONFIG_NAME).is_file():
                return Campaign.open(folder)
    raise CampaignError(NOT_IN_CAMPAIGN.format(name=path.name))


def press(control_id: str, book: CallingBook) -> ActionResult:
    """Run the button ``control_id`` for the calling workbook ``book``.

    Library errors become a status line and a message box, never a traceback.
    """
    button = BUTTONS_BY_ID.get(control_id)
    campaign: Campaign | None = None
    try:
        campaign = find_campaign(book.fullname)
        if button is None:
            raise CampaignError(f"未知的按钮“{control_id}”：加载项与 kaohe-xl 版本不一致，请重新运行 kaohe addin build")
        result = HANDLERS[button.id](campaign, book)
    except (KaoheError, sqlite3.Error) as exc:
        message = str(store.explain(exc, store.DB_NAME) if isinstance(exc, sqlite3.Error) else exc)
        result = ActionResult(control_id, False, f"失败：{message}")
        book.alert(message)
    if campaign is not None:
        if not campaign.control_workbook.exists():
            control.write_control_workbook(campaign)
        label = button.label if button else control_id
        book.write_status(
            campaign.control_workbook, control.status_values(campaign, label, result.status, result.detail)
        )
    return result


# ---- calling books ----------------------------------------------------------------------
class FileBook:
    """A stand-in for the calling workbook when no Excel is at hand (tests, WPS launchers).

    Status goes into the control workbook file through openpyxl; results are recorded in
    ``opened`` / ``printed`` and, with ``launch=True``, handed to the operating system.
    """

    def __init__(self, fullname: str | Path, *, launch: bool = False) -> None:
        self.fullname = str(fullname)
        self.launch = launch
        self.opened: list[Path] = []
        self.closed: list[Path] = []
        self.printed: list[tuple[Path, str]] = []
        self.alerts: list[str] = []

    def write_status(self, control_workbook: Path, values: Mapping[str, object]) -> None:
        control.write_status(control_workbook, values)

    def open_path(self, path: Path) -> bool:
        self.opened.append(path)
        return self.launch and os_open(path)

    def close_workbook(self, path: Path) -> None:
        self.closed.append(path)

    def print_sheet(self, workbook: Path, sheet: str) -> bool:
        self.printed.append((workbook, sheet))
        # Only Windows has a "print" verb for files; elsewhere opening is not printing.
        return self.launch and sys.platform == "win32" and os_open(workbook, verb="print")

    def alert(self, message: str) -> None:
        self.alerts.append(message)


def os_open(path: Path, verb: str = "open") -> bool:
    """Hand a file or folder to the operating system (Explorer, Finder, xdg-open).

    Returns False instead of raising when there is nothing to hand it to (a server
    without a desktop has no ``xdg-open``; Windows may have no program for the verb):
    the button's work is done, only showing the result failed.
    """
    try:
        if sys.platform == "win32":
            os.startfile(path, verb)  # "print" prints with the program registered for .xlsx
            return True
        opener = "open" if sys.platform == "darwin" else "xdg-open"
        return subprocess.run([opener, str(path)], check=False).returncode == 0
    except OSError:
        return False
