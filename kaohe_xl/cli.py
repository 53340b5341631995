"""The ``kaohe`` command line: each command parses, calls one library function, prints.

Exit codes: 0 success; 1 the action could not be done (a clear message says why);
2 wrong usage (click); 3 done, but some returned files were rejected.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__, store
from ._cli_usage import ChineseGroup
from .errors import KaoheError

EXIT_ERROR = 1
EXIT_REJECTED = 3

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(func: F) -> F:
    """Turn library errors into a message on stderr and exit code 1, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except KaoheError as exc:
            click.echo(f"错误：{exc}", err=True)
            sys.exit(EXIT_ERROR)
        except sqlite3.Error as exc:  # the store failed mid-way (locked, disk full)
            click.echo(f"错误：{store.explain(exc, store.DB_NAME)}", err=True)
            sys.exit(EXIT_ERROR)

    return wrapper  # type: ignore[return-value]


def _record(campaign: Any, action: str, status: str) -> None:
    """Keep 控制台.xlsx current after a command (see control.record_action); never fails."""
    from .control import record_action

    note = record_action(campaign, action, status)
    if note:
        click.echo(f"注意：{note}", err=True)


campaign_dir = click.argument("campaign", type=click.Path(file_okay=False, path_type=Path))


@click.group(cls=ChineseGroup)
@click.version_option(__version__, prog_name="kaohe")
def main() -> None:
    """kaohe-xl: run an annual assessment (目标管理考核) in Excel workbooks."""
    _never_fail_on_output()


def _never_fail_on_output() -> None:
    # A console or redirected file in a legacy code page (GBK on Chinese Windows) cannot
    # show every character a unit puts in a file name (an emoji, a rare 字): print it as
    # "?" rather than crash after the work is done.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="replace")


@main.command()
@campaign_dir
@click.option(
    "--rubric",
    "rubric_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="细则 workbook (.xlsx) or YAML",
)
@click.option(
    "--units",
    "units_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="units list (.xlsx or .csv)",
)
@click.option("--force", is_flag=True, help="re-initialise an existing campaign (returns and the store are kept)")
@friendly_errors
def init(campaign: Path, rubric_path: Path, units_path: Path, force: bool) -> None:
    """Create a campaign folder from a rubric and a units list.

    Example: kaohe init 2023老干部考核 --rubric 细则.xlsx --units 单位.xlsx
    """
    from .campaign import Campaign

    opened = Campaign.init(campaign, rubric_path, units_path, force=force)
    rubric = opened.rubric
    click.echo(
        f"已创建考核目录 {opened.root}：{rubric.settings.name}，{len(rubric.items)} 个条目，{len(opened.units)} 个单位"
    )
    for warning in rubric.warnings:
        click.echo(f"  {warning.describe()}")


@main.command()
@campaign_dir
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--quiet", "-q", is_flag=True, help="print only the summary line")
@friendly_errors
def collect(campaign: Path, paths: tuple[Path, ...], quiet: bool) -> None:
    """Collect returned workbooks: files, folders (recursive) and .zip archives.

    Files are identified by content, never by name; every file is archived in the
    campaign folder. Exit code 0 when every file was accepted without errors, 3 when
    some were rejected or have errors (待核实).

    Example: kaohe collect 2023老干部考核 ~/下载/回收/
    """
    from .campaign import Campaign
    from .collect import collect as run_collect

    opened = Campaign.open(campaign)
    report = run_collect(opened, paths, progress=True)
    if not quiet:
        for line in report.problem_lines():
            click.echo(line)
    for line in report.notes():
        click.echo(line)
    click.echo(report.summary())
    _record(opened, "汇总回收表（命令行 collect）", report.summary())
    if not report.clean:
        sys.exit(EXIT_REJECTED)


@main.command()
@campaign_dir
@click.option("--missing", is_flag=True, help="only the units/forms still owed a usable return (待提交, 待核实)")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@friendly_errors
def status(campaign: Path, missing: bool, as_json: bool) -> None:
    """Who returned what, who is missing, which files were rejected and why.

    Example: kaohe status 2023老干部考核 --missing
    """
    import json

    from .campaign import Campaign
    from .status import status_report

    report = status_report(Campaign.open(campaign))
    if as_json:
        data = report.as_json()
        if missing:
            data = {"forms": report.missing(), "counts": report.counts()}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for line in report.lines(missing_only=missing):
        click.echo(line)


@main.command()
@campaign_dir
@click.option("--pdf", is_flag=True, help="also render 汇总表 to PDF with LibreOffice")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="target .xlsx file (default output/汇总表.xlsx); the PDF goes beside it",
)
@friendly_errors
def summary(campaign: Path, pdf: bool, output: Path | None) -> None:
    """Write the 汇总 workbook: ranked 汇总表, differences, item matrix, returns, chart.

    Example: kaohe summary 2023老干部考核 --pdf
    """
    from .campaign import Campaign
    from .summary import summary_target, write_summary

    if output is not None:
        summary_target(output)  # a wrong -o stops here, before the campaign is scored
    opened = Campaign.open(campaign)
    report = write_summary(opened, output, pdf=pdf)
    _record(opened, "汇总表（命令行 summary）", f"已生成 {report.path.name}")
    if report.note:
        click.echo(f"注意：{report.note}", err=True)
    click.echo(f"已生成汇总表 {report.path}：{report.units} 个单位，{report.scored} 个已计算综合得分")
    if report.pdf:
        click.echo(f"已生成 PDF {report.pdf}")
    for line in report.pending:
        click.echo(f"  未计分：{line}")


@main.command()
@campaign_dir
@friendly_errors
def feedback(campaign: Path) -> None:
    """Write one 反馈表 per unit into output/反馈表/.

    Example: kaohe feedback 2023老干部考核
    """
    from .campaign import Campaign
    from .feedback import write_feedback

    opened = Campaign.open(campaign)
    paths = write_feedback(opened, progress=True)
    folder = paths[0].parent if paths else ""
    click.echo(f"已生成 {len(paths)} 份反馈表，位于 {folder}")
    _record(opened, "反馈表（命令行 feedback）", f"已生成 {len(paths)} 份反馈表")


@main.command()
@campaign_dir
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="target file (default output/results.csv|json)",
)
@friendly_errors
def export(campaign: Path, fmt: str, output: Path | None) -> None:
    """Export the results, one row per unit, with stable English column names.

    Example: kaohe export 2023老干部考核 --format json -o results.json
    """
    from .campaign import Campaign
    from .export import export_results

    path = export_results(Campaign.open(campaign), fmt, output)
    click.echo(f"已导出 {path}")


@main.group()
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
    from .addin_build import build_addin, xlwings_version

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
    from .addin_build import install_addin

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
    from .addin_build import uninstall_addin

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
    from .addin import BUTTONS, BUTTONS_BY_ID, FileBook, on_action
    from .control import CONTROL_FILE

    if button not in BUTTONS_BY_ID:
        raise click.BadParameter(f"按钮应为 {'、'.join(b.id for b in BUTTONS)} 之一", param_hint="BUTTON")
    book = FileBook(where / CONTROL_FILE if where.is_dir() else where, launch=not no_open)
    result = on_action(button, book)
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
    from .addin import write_launchers

    for path in write_launchers(campaign):
        click.echo(f"已生成 {path}")


@main.command()
@campaign_dir
@click.option(
    "--form",
    "form",
    type=click.Choice(["self", "assessor", "rater", "all"]),
    default="all",
    show_default=True,
    help="which forms: self 自评表, assessor 考核组评分表, rater 评分表",
)
@friendly_errors
def generate(campaign: Path, form: str) -> None:
    """Generate the scoring workbooks into DIR/forms/ (existing forms are replaced).

    Run ``--form assessor`` again after collecting self returns: the 考核组评分表 then
    show each unit's 自评得分.

    Example: kaohe generate 2023老干部考核 --form self
    """
    from .campaign import Campaign
    from .forms import generate_forms
    from .rubric import FormKind

    opened = Campaign.open(campaign)
    kinds = list(FormKind) if form == "all" else [FormKind(form)]
    report = generate_forms(opened, kinds, progress=True)
    click.echo(f"{report.summary()} → {opened.forms_dir}")
    _record(opened, "生成评分表（命令行 generate）", report.summary())


_mail_options = [
    click.option("--dry-run", is_flag=True, help="show what would be sent; no network, nothing logged"),
    click.option(
        "--eml-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="write one .eml draft per message into this folder instead of sending",
    ),
    click.option("--force", is_flag=True, help="send again to addresses already sent to"),
    click.option("--retry-failed", is_flag=True, help="also retry addresses whose last attempt failed"),
]


def _with_mail_options(func: F) -> F:
    for option in reversed(_mail_options):
        func = option(func)
    return func


def _mail_run(campaign: Path, kind: str, dry_run: bool, eml_dir: Path | None, force: bool, retry_failed: bool) -> None:
    """Shared body of ``send`` and ``remind``."""
    from .campaign import Campaign
    from .mail_send import run_mail

    ok = run_mail(
        Campaign.open(campaign),
        kind,
        dry_run=dry_run,
        eml_dir=eml_dir,
        force=force,
        retry_failed=retry_failed,
        prompt=lambda question: click.prompt(question, hide_input=True),
        say=click.echo,
        progress=True,
    )
    if not ok:
        sys.exit(EXIT_ERROR)


@main.command()
@campaign_dir
@click.option(
    "--form",
    "kind",
    type=click.Choice(["self", "assessor", "rater", "feedback"]),
    default="self",
    show_default=True,
    help="self 自评表 to units, assessor 考核组评分表 to mail.assessors, rater 评分表 to mail.raters, "
    "feedback 反馈表 to units",
)
@_with_mail_options
@friendly_errors
def send(campaign: Path, kind: str, dry_run: bool, eml_dir: Path | None, force: bool, retry_failed: bool) -> None:
    """E-mail each recipient exactly its own workbook(s); every attempt goes to the send log.

    Nothing is sent twice unless --force. Rejected addresses and timeouts are retried
    only with --retry-failed. The password comes from the environment variable named
    in campaign.yaml (default KAOHE_SMTP_PASSWORD) or is asked for.

    A recipient is skipped, with the reason printed, when it has no address or its
    workbook is missing or was generated for an older rubric (run kaohe generate
    again); exit code 1 when nothing could be sent or written at all.

    \b
    Settings: the mail: section of CAMPAIGN/campaign.yaml (written on first use)
      smtp:         host, port, security (465 ssl, 587 starttls, 25 none), user,
                    sender, sender_name, password_env, pause_seconds, timeout
      assessors:    考核组 name: addresses (for --form assessor)
      raters:       评分人 name: addresses (for --form rater)
      placeholders: extra {占位符}: value, e.g. 截止日期: 12月20日
      templates:    self|assessor|rater|feedback|remind: {subject: ..., body: ...}
    Templates use {单位名称} {单位编号} {考核名称} {结果反馈} {截止日期} {联系人}
    {联系电话} {发件人} {日期} {附件} {考核组} {分组} {评分人} {评分项目}.

    Example: kaohe send 2023老干部考核 --dry-run
    """
    _mail_run(campaign, kind, dry_run, eml_dir, force, retry_failed)


@main.command()
@campaign_dir
@_with_mail_options
@friendly_errors
def remind(campaign: Path, dry_run: bool, eml_dir: Path | None, force: bool, retry_failed: bool) -> None:
    """Remind the units whose 自评表 has not arrived yet (at most once a day).

    Settings and templates as for kaohe send (mail: section of campaign.yaml).

    Example: kaohe remind 2023老干部考核
    """
    _mail_run(campaign, "remind", dry_run, eml_dir, force, retry_failed)


@main.command()
@campaign_dir
@click.option("--no-collect", is_flag=True, help="only download the attachments into DIR/inbox/")
@friendly_errors
def fetch(campaign: Path, no_collect: bool) -> None:
    """Download returned workbooks from the mailbox (IMAP) into DIR/inbox/, then collect them.

    Reads messages since the campaign was created whose subject carries the campaign
    tag or that carry .xlsx/.xlsm/.xls/.zip attachments; a message is downloaded only
    once. The mailbox is not changed. Exit code 3 when collect rejected some files.

    Example: kaohe fetch 2023老干部考核
    """
    from .campaign import Campaign
    from .mail_config import ensure_mail_config, mail_settings, resolve_password
    from .mail_fetch import fetch as run_fetch

    opened = Campaign.open(campaign)
    if ensure_mail_config(opened):
        click.echo(f"已在 {opened.root / 'campaign.yaml'} 中写入邮件设置模板（mail:），请填写收信服务器")
    settings = mail_settings(opened)
    password = resolve_password(settings.imap, lambda question: click.prompt(question, hide_input=True))
    report = run_fetch(opened, password, collect=not no_collect, progress=True, settings=settings)
    for path in report.saved:
        click.echo(f"  已保存 {path.name}")
    click.echo(report.summary())
    if report.collected is not None:
        for line in report.collected.problem_lines():
            click.echo(line)
        click.echo(report.collected.summary())
        if not report.collected.clean:
            sys.exit(EXIT_REJECTED)


@main.command()
@click.argument("folder", required=False, default="kaohe-demo", type=click.Path(file_okay=False, path_type=Path))
@click.option("--pdf/--no-pdf", default=None, help="render the summary to PDF (default: when LibreOffice is installed)")
@friendly_errors
def demo(folder: Path, pdf: bool | None) -> None:
    """Run the whole cycle on the bundled 南昌 sample, in FOLDER (default ./kaohe-demo).

    Example: kaohe demo
    """
    from .demo import run_demo

    report = run_demo(folder, pdf=pdf, say=click.echo)
    click.echo(f"完成。全部文件在 {report.root.resolve()}")


if __name__ == "__main__":  # pragma: no cover
    main()
