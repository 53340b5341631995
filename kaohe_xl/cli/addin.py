"""``kaohe addin …``: build, install and uninstall the Excel add-in, run a button without
Excel (WPS), write double-click launchers. Registered on ``kaohe`` by :mod:`kaohe_xl.cli`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kaohe_xl.cli.common import EXIT_ERROR, F, campaign_dir, friendly_errors
from kaohe_xl.cli.usage import ChineseGroup


@click.group(cls=ChineseGroup)
def addin() -> None:
    """The Excel ribbon add-in (考核 tab): build, install, or run its buttons without Excel."""


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
@friendly_errors
def addin_build(
    out: str | None, interpreter_win: str | None, interpreter_mac: str | None, pythonpath: str | None
) -> None:
    """Build kaohe_xl.xlam from the installed xlwings' ribbon template (no Excel needed).

    Example: kaohe addin build -o kaohe_xl.xlam --interpreter-win "C:\\Python311\\python.exe"
    """
    from kaohe_xl.addin.build import build_addin, xlwings_version

    path = build_addin(out, interpreter_win=interpreter_win, interpreter_mac=interpreter_mac, pythonpath=pythonpath)
    click.echo(f"已生成加载项 {path}（xlwings {xlwings_version()}）")


@addin.command("install")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="install here instead of Excel's XLSTART folder",
)
@_with_interpreter_options
@friendly_errors
def addin_install(
    folder: Path | None, interpreter_win: str | None, interpreter_mac: str | None, pythonpath: str | None
) -> None:
    """Build the add-in into Excel's startup folder, so the 考核 tab appears when Excel starts.

    Example: kaohe addin install   (then restart Excel)
    """
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
@friendly_errors
def addin_uninstall(folder: Path | None) -> None:
    """Remove the add-in from Excel's startup folder.

    Example: kaohe addin uninstall
    """
    from kaohe_xl.addin.build import uninstall_addin

    path = uninstall_addin(folder)
    click.echo(f"已删除加载项 {path}；请重新启动 Excel" if path else "加载项没有安装，无需删除")


@addin.command("run")
@click.argument("button")
@click.argument("where", type=click.Path(exists=True, path_type=Path), default=".")
@click.option("--no-open", is_flag=True, help="do not open the result (workbook, folder) or print")
@friendly_errors
def addin_run(button: str, where: Path, no_open: bool) -> None:
    """Press a ribbon button without Excel (WPS users, scripts): WHERE is the campaign or a workbook in it.

    Example: kaohe addin run kh_collect 2023老干部考核
    """
    from kaohe_xl.addin.buttons import BUTTONS, BUTTONS_BY_ID
    from kaohe_xl.addin.control import CONTROL_FILE
    from kaohe_xl.addin.handlers import FileBook, press

    if button not in BUTTONS_BY_ID:
        raise click.BadParameter(f"按钮应为 {'、'.join(b.id for b in BUTTONS)} 之一", param_hint="BUTTON")
    book = FileBook(where / CONTROL_FILE if where.is_dir() else where, launch=not no_open)
    result = press(button, book)
    click.echo(result.status)
    if result.detail:
        click.echo(result.detail)
    if not result.ok:
        sys.exit(EXIT_ERROR)


@addin.command("launchers")
@campaign_dir
@friendly_errors
def addin_launchers(campaign: Path) -> None:
    """Write one double-click .cmd per ribbon button into the campaign folder (for WPS).

    Example: kaohe addin launchers 2023老干部考核
    """
    from kaohe_xl.addin.launchers import write_launchers

    for path in write_launchers(campaign):
        click.echo(f"已生成 {path}")
