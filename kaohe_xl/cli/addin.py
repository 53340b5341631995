"""``kaohe addin …``: build, install and uninstall the Excel add-in and the WPS add-in, run a
button without Excel, write double-click launchers. Registered on ``kaohe`` by :mod:`kaohe_xl.cli`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kaohe_xl.cli.common import EXIT_ERROR, F, campaign_dir, friendly_errors
from kaohe_xl.cli.usage import ChineseGroup

if TYPE_CHECKING:
    from kaohe_xl.addin.wps_install import WpsInstall


@click.group(cls=ChineseGroup)
def addin() -> None:
    """The 考核 ribbon tab: the Excel add-in, the WPS add-in (--wps), or its buttons without either."""


_interpreter_options = [
    click.option(
        "--interpreter-win",
        default=None,
        help="python.exe the add-in runs on Windows (default: this one when built on Windows)",
    ),
    click.option(
        "--interpreter-mac",
        default=None,
        help="python the add-in runs on macOS (default: this one when built on macOS)",
    ),
    click.option("--pythonpath", default=None, help="folders added to sys.path (default: the one holding kaohe_xl)"),
]


def _with_interpreter_options(func: F) -> F:
    for option in reversed(_interpreter_options):
        func = option(func)
    return func


def _wps_options(func: F) -> F:
    func = click.option(
        "--python", default=None, help="with --wps: the python the add-in's launchers run (default: this one)"
    )(func)
    return click.option("--wps", is_flag=True, help="the WPS 表格 add-in (a JS 加载项) instead of Excel's")(func)


@addin.command("build")
@click.option(
    "-o",
    "--output",
    "out",
    # a str, not a Path: Path("addin_new/") would drop the slash that makes it a folder
    type=click.Path(),
    default=None,
    help="an .xlam file, or a folder (existing, or ending with /) to write kaohe_xl.xlam into"
    " (default ./kaohe_xl.xlam)",
)
@_with_interpreter_options
@_wps_options
@friendly_errors
def addin_build(
    out: str | None,
    interpreter_win: str | None,
    interpreter_mac: str | None,
    pythonpath: str | None,
    wps: bool,
    python: str | None,
) -> None:
    """Build kaohe_xl.xlam from the installed xlwings' ribbon template (no Excel needed),
    or with --wps the WPS add-in folder (default ./kaohe_xl_<version>).

    Example: kaohe addin build -o kaohe_xl.xlam --interpreter-win "C:\\Python311\\python.exe"
    """
    if wps:
        from kaohe_xl.addin.wps_build import build_wps_addin

        click.echo(f"已生成 WPS 加载项 {build_wps_addin(out, python=python)}")
        return
    from kaohe_xl.addin.build import build_addin, xlwings_version

    path = build_addin(out, interpreter_win=interpreter_win, interpreter_mac=interpreter_mac, pythonpath=pythonpath)
    click.echo(f"已生成加载项 {path}（xlwings {xlwings_version()}）")


@addin.command("install")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="install here instead of Excel's XLSTART folder (with --wps: instead of WPS's jsaddons folder)",
)
@_with_interpreter_options
@_wps_options
@friendly_errors
def addin_install(
    folder: Path | None,
    interpreter_win: str | None,
    interpreter_mac: str | None,
    pythonpath: str | None,
    wps: bool,
    python: str | None,
) -> None:
    """Build the add-in into Excel's startup folder, so the 考核 tab appears when Excel starts;
    with --wps, into WPS's jsaddons folder, registered in publish.xml and jsplugins.xml.

    Example: kaohe addin install --wps   (then restart WPS)
    """
    if wps:
        from kaohe_xl.addin.wps_install import install_wps_addin

        _report_wps(
            install_wps_addin(folder, python=python),
            "已安装 WPS 加载项",
            "请重新启动 WPS 表格，功能区上会出现“考核”选项卡",
        )
        return
    from kaohe_xl.addin.build import install_addin

    path = install_addin(
        folder, interpreter_win=interpreter_win, interpreter_mac=interpreter_mac, pythonpath=pythonpath
    )
    click.echo(f"已安装加载项 {path}；请重新启动 Excel，功能区上会出现“考核”选项卡")


@addin.command("uninstall")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="the folder it was installed into with --dir",
)
@click.option("--wps", is_flag=True, help="the WPS 表格 add-in: remove it and its entries from jsaddons")
@friendly_errors
def addin_uninstall(folder: Path | None, wps: bool) -> None:
    """Remove the add-in from Excel's startup folder (with --wps: from WPS's jsaddons folder).

    Example: kaohe addin uninstall --wps
    """
    if wps:
        from kaohe_xl.addin.wps_install import uninstall_wps_addin

        _report_wps(uninstall_wps_addin(folder), "已删除 WPS 加载项", "请重新启动 WPS 表格")
        return
    from kaohe_xl.addin.build import uninstall_addin

    path = uninstall_addin(folder)
    click.echo(f"已删除加载项 {path}；请重新启动 Excel" if path else "加载项没有安装，无需删除")


@addin.command("run")
@click.argument("button")
@click.argument("where", type=click.Path(exists=True, path_type=Path), default=".")
@click.option("--no-open", is_flag=True, help="do not open the result (workbook, folder) or print")
@click.option(
    "--result",
    "result_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="for the WPS add-in: write what to show (open, print, status) into this JSON file instead of showing it",
)
@friendly_errors
def addin_run(button: str, where: Path, no_open: bool, result_file: Path | None) -> None:
    """Press a ribbon button without Excel (WPS users, scripts): WHERE is the campaign or a workbook in it.

    Example: kaohe addin run kh_collect 2023老干部考核
    """
    from kaohe_xl.addin.buttons import BUTTONS, BUTTONS_BY_ID
    from kaohe_xl.addin.control import CONTROL_FILE
    from kaohe_xl.addin.handlers import FileBook, press
    from kaohe_xl.addin.wps import WpsBook, write_result

    if button not in BUTTONS_BY_ID:
        raise click.BadParameter(f"按钮应为 {'、'.join(b.id for b in BUTTONS)} 之一", param_hint="BUTTON")
    calling = where / CONTROL_FILE if where.is_dir() else where
    book = WpsBook(calling) if result_file else FileBook(calling, launch=not no_open)
    result = press(button, book)
    if isinstance(book, WpsBook) and result_file:
        write_result(result_file, result, book)
    click.echo(result.status)
    if result.detail:
        click.echo(result.detail)
    if not result.ok:
        sys.exit(EXIT_ERROR)


def _report_wps(done: WpsInstall, what: str, then: str) -> None:
    if not done.changed:
        click.echo(f"WPS 加载项已是最新（{done.jsaddons}），未作任何修改")
        return
    click.echo(f"{what}：{done.folder}（{done.jsaddons} 中的 publish.xml、jsplugins.xml 已更新）；{then}")
    for backup in done.backups:
        click.echo(f"原文件已备份为 {backup}")


@addin.command("launchers")
@campaign_dir
@friendly_errors
def addin_launchers(campaign: Path) -> None:
    """Write a double-click .cmd (Windows) and .sh (Linux) per ribbon button into the campaign folder.

    Example: kaohe addin launchers 2023老干部考核
    """
    from kaohe_xl.addin.launchers import write_launchers

    for path in write_launchers(campaign):
        click.echo(f"已生成 {path}")
