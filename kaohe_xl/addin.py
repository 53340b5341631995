"""The Excel ribbon add-in: one table of buttons and the Python side of every button.

This is the only module that imports xlwings, and only inside :class:`XlwingsBook`, so
``import kaohe_xl.addin`` (the button table, the handlers, :class:`FileBook`) works on a
machine without xlwings, e.g. for ``kaohe addin build`` or for WPS users who press the
buttons through ``kaohe addin run``.

How a click travels: the ribbon XML in ``kaohe_xl.xlam`` (see :mod:`kaohe_xl.addin_build`)
wires every button's ``onAction`` to one VBA macro, which runs
``kaohe_xl.addin.on_action('<button id>')`` through xlwings' ``RunPython``.
:func:`on_action` wraps the calling workbook (Excel's active workbook) in a
:class:`CallingBook`, finds the campaign folder the workbook lives in, runs the button's
handler (one library call or two), writes a short status into the control workbook
(控制台.xlsx) and opens the result.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from . import control, store
from .campaign import CONFIG_NAME, Campaign
from .errors import CampaignError, KaoheError
from .records import FILE_STATUS_LABELS

TITLE = "考核"  # the ribbon tab's label, also the title of message boxes


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


@dataclass(frozen=True)
class Button:
    """One ribbon button. ``id`` is an ASCII XML name; ``command`` is the CLI equivalent."""

    id: str
    label: str
    group: str
    image: str  # imageMso: the name of a built-in Office icon
    handler: Handler
    help: str
    command: str


# ---- handlers ---------------------------------------------------------------------------
def _generate(campaign: Campaign, book: CallingBook) -> ActionResult:
    from .forms import generate_forms

    report = generate_forms(campaign)
    shown = book.open_path(campaign.forms_dir)
    detail = f"保存在 {campaign.forms_dir}" + ("" if shown else "（未自动打开）")
    return ActionResult("kh_generate", True, report.summary(), detail, [campaign.forms_dir])


def _collect(campaign: Campaign, book: CallingBook) -> ActionResult:
    from .collect import collect
    from .summary import SUMMARY_NAME, write_summary

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
    from .summary import SUMMARY_NAME, SUMMARY_SHEET, write_summary

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


BUTTONS: tuple[Button, ...] = (
    Button(
        "kh_generate",
        "生成评分表",
        "准备",
        "TableInsert",
        _generate,
        "为每个单位生成自评表、为每个考核组生成考核组评分表（已回收的自评得分会填入），保存在考核目录的 forms 文件夹。",
        "kaohe generate 考核目录",
    ),
    Button(
        "kh_collect",
        "汇总回收表",
        "回收",
        "ImportExcel",
        _collect,
        "读取考核目录 inbox 文件夹中的全部回收表格（重复的文件不会重复登记），列出拒收和待核实的文件，然后刷新并打开汇总表。",
        "kaohe collect 考核目录 考核目录/inbox，再 kaohe summary 考核目录",
    ),
    Button(
        "kh_status",
        "回收情况",
        "回收",
        "Info",
        _status,
        "统计每种表格已收到、待提交、待核实的单位，写入本控制台。",
        "kaohe status 考核目录",
    ),
    Button(
        "kh_print",
        "打印汇总表",
        "输出",
        "FilePrint",
        _print,
        "用 Excel 打印 output 文件夹中汇总表.xlsx 的“汇总表”工作表（还没有汇总表时先生成）。",
        "kaohe summary 考核目录 --pdf，再打印 PDF",
    ),
    Button(
        "kh_open_folder",
        "打开考核文件夹",
        "输出",
        "FileOpen",
        _open_folder,
        "在资源管理器（访达）中打开考核目录：forms 是发出的表格，inbox 放回收的表格，output 是汇总结果。",
        "直接在资源管理器中打开考核目录",
    ),
)
BUTTONS_BY_ID: dict[str, Button] = {b.id: b for b in BUTTONS}


# ---- dispatch ---------------------------------------------------------------------------
def find_campaign(fullname: str | Path) -> Campaign:
    """The campaign folder holding a workbook: its folder or the nearest parent with campaign.yaml."""
    path = Path(fullname)
    if "://" not in str(fullname) and path.parent != path:
        path = path.resolve()
        for folder in (path.parent, *path.parent.parents):
            if (folder / CONFIG_NAME).is_file():
                return Campaign.open(folder)
    raise CampaignError(
        f"“{path.name}”不在考核目录中：请打开考核目录里的 {control.CONTROL_FILE}，再点“{TITLE}”选项卡上的按钮"
        "（工作簿需保存在本机磁盘上，而不是 OneDrive/SharePoint 网址）"
    )


def on_action(control_id: str, book: CallingBook | None = None) -> ActionResult:
    """Run the button ``control_id`` for the calling workbook (Excel's active one by default).

    Library errors become a status line and a message box, never a traceback.
    """
    if book is None:
        book = XlwingsBook.caller()
    button = BUTTONS_BY_ID.get(control_id)
    campaign: Campaign | None = None
    try:
        campaign = find_campaign(book.fullname)
        if button is None:
            raise CampaignError(f"未知的按钮“{control_id}”：加载项与 kaohe-xl 版本不一致，请重新运行 kaohe addin build")
        result = button.handler(campaign, book)
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
        return self.launch and _os_open(path)

    def close_workbook(self, path: Path) -> None:
        self.closed.append(path)

    def print_sheet(self, workbook: Path, sheet: str) -> bool:
        self.printed.append((workbook, sheet))
        # Only Windows has a "print" verb for files; elsewhere opening is not printing.
        return self.launch and sys.platform == "win32" and _os_open(workbook, verb="print")

    def alert(self, message: str) -> None:
        self.alerts.append(message)


class XlwingsBook:
    """The calling workbook in a running Excel, through xlwings."""

    def __init__(self, book: Any) -> None:
        self.book = book

    @classmethod
    def caller(cls) -> XlwingsBook:
        import xlwings as xw  # the only xlwings import of kaohe-xl

        return cls(xw.Book.caller())

    @property
    def fullname(self) -> str:
        return str(self.book.fullname)

    def _open_book(self, path: Path) -> Any:
        wanted = os.path.normcase(str(path.resolve()))
        for book in self.book.app.books:
            if os.path.normcase(str(Path(book.fullname).resolve())) == wanted:
                return book
        return None

    def write_status(self, control_workbook: Path, values: Mapping[str, object]) -> None:
        live = self._open_book(control_workbook)
        if live is None:  # not open in Excel: the file is free to write
            control.write_status(control_workbook, values)
            return
        names = {n.name for n in live.names}
        for name, value in values.items():
            if name in names:
                live.names[name].refers_to_range.value = value
        live.save()

    def open_path(self, path: Path) -> bool:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            book = self._open_book(path) or self.book.app.books.open(str(path))
            book.activate()
            return True
        return _os_open(path)

    def close_workbook(self, path: Path) -> None:
        book = self._open_book(path)
        if book is not None and book.fullname != self.book.fullname:
            book.close()

    def print_sheet(self, workbook: Path, sheet: str) -> bool:
        book = self._open_book(workbook) or self.book.app.books.open(str(workbook))
        if sys.platform == "win32":
            book.api.Worksheets(sheet).PrintOut()  # Excel's own printing, with the sheet's page setup
        else:
            book.sheets[sheet].api.print_out()  # macOS Excel through appscript
        return True

    def alert(self, message: str) -> None:
        self.book.app.alert(message, title=TITLE)


def _os_open(path: Path, verb: str = "open") -> bool:
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


# ---- double-click launchers (WPS and Excel without the add-in) ----------------------------
def write_launchers(folder: str | Path, python: str | None = None) -> list[Path]:
    """Write one ``按钮_<label>.cmd`` per button into a campaign folder.

    WPS cannot load xlwings add-ins; a double-click on a launcher runs the same handler
    through :class:`FileBook` (``kaohe addin run``), with the status written into
    控制台.xlsx and the result opened by Windows. ``%~dp0`` is the launcher's own folder,
    so the folder may be moved or renamed.
    """
    root = find_campaign(Path(folder) / control.CONTROL_FILE).root
    exe = python or sys.executable
    paths = []
    for button in BUTTONS:
        run = f'-m kaohe_xl addin run {button.id} "%~dp0."'
        text = "\r\n".join(
            [
                "@echo off",
                # The folder may be copied to a PC where the Python that wrote this file
                # does not exist: then the py launcher, else python from PATH.
                f'if not exist "{exe}" goto other_python',
                f'"{exe}" {run}',
                "goto end",
                ":other_python",
                "where py >nul 2>nul",
                f"if errorlevel 1 (python {run}) else (py -3 {run})",
                ":end",
                "pause",
                "",
            ]
        )
        try:
            # cmd.exe reads a batch file in the console's code page: GBK on Chinese Windows.
            data = text.encode("gbk")
        except UnicodeEncodeError:
            data = ("@chcp 65001 >nul\r\n" + text).encode("utf-8")
        path = root / f"按钮_{button.label}.cmd"
        path.write_bytes(data)
        paths.append(path)
    return paths
