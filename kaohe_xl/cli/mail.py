"""``kaohe send``, ``kaohe remind``, ``kaohe fetch``: the mail commands. Registered on
``kaohe`` by :mod:`kaohe_xl.cli`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kaohe_xl.cli.common import EXIT_ERROR, EXIT_REJECTED, F, campaign_dir, friendly_errors
from kaohe_xl.cli.usage import ChineseCommand

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
    from kaohe_xl.campaign import Campaign
    from kaohe_xl.mail.run import run_mail

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


@click.command(cls=ChineseCommand)
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


@click.command(cls=ChineseCommand)
@campaign_dir
@_with_mail_options
@friendly_errors
def remind(campaign: Path, dry_run: bool, eml_dir: Path | None, force: bool, retry_failed: bool) -> None:
    """Remind the units whose 自评表 has not arrived yet (at most once a day).

    Settings and templates as for kaohe send (mail: section of campaign.yaml).

    Example: kaohe remind 2023老干部考核
    """
    _mail_run(campaign, "remind", dry_run, eml_dir, force, retry_failed)


@click.command(cls=ChineseCommand)
@campaign_dir
@click.option("--no-collect", is_flag=True, help="only download the attachments into CAMPAIGN/inbox/")
@friendly_errors
def fetch(campaign: Path, no_collect: bool) -> None:
    """Download returned workbooks from the mailbox (IMAP) into CAMPAIGN/inbox/, then collect them.

    Reads messages since the campaign was created whose subject carries the campaign
    tag or that carry .xlsx/.xlsm/.xls/.zip attachments; a message is downloaded only
    once. The mailbox is not changed. Exit code 3 when collect rejected some files.

    Example: kaohe fetch 2023老干部考核
    """
    from kaohe_xl.campaign import Campaign
    from kaohe_xl.mail.config import ensure_mail_config, mail_settings, resolve_password
    from kaohe_xl.mail.fetch import fetch as run_fetch

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
