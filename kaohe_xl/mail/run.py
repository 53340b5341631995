"""One ``kaohe send`` or ``kaohe remind``: a preview, drafts, or sending, with lines for people."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kaohe_xl.errors import MailError
from kaohe_xl.mail.config import MailKind, ensure_mail_config, mail_settings, mail_warnings, resolve_password
from kaohe_xl.mail.drafts import drafts_of
from kaohe_xl.mail.plan import Action, Planned
from kaohe_xl.mail.send import preview, send

if TYPE_CHECKING:
    from kaohe_xl.campaign import Campaign


def nothing_possible(planned: list[Planned]) -> bool:
    """True when a run can do nothing because of its recipients' problems.

    Nothing is due, at least one recipient is blocked (no address, workbook missing or
    made for an older rubric) and none was sent before: the clerk has to fix something.
    The same rule holds for sending and for ``--eml-dir`` drafts.
    """
    if any(p.action is Action.SEND for p in planned):
        return False
    return any(p.action is Action.BLOCKED for p in planned) and not any(p.action is Action.DONE for p in planned)


def run_mail(
    campaign: Campaign,
    kind: MailKind | str,
    *,
    dry_run: bool = False,
    eml_dir: Path | None = None,
    force: bool = False,
    retry_failed: bool = False,
    prompt: Callable[[str], str] | None = None,
    say: Callable[[str], None] = print,
    progress: bool = False,
) -> bool:
    """One ``kaohe send`` / ``kaohe remind``: preview (``dry_run``), drafts (``eml_dir``) or send.

    Writes the settings template into a campaign.yaml without a ``mail:`` section first;
    lines for people go to ``say``; ``prompt`` asks for a password not in the environment.
    Drafts and sending print a line with the reason for every recipient skipped (as
    ``dry_run`` does). Returns False when a message failed or the run stopped; raises
    MailError when nothing could be sent (or written as a draft) at all.
    """
    if ensure_mail_config(campaign):
        say(f"已在 {campaign.root / 'campaign.yaml'} 中写入邮件设置模板（mail:），请填写发信服务器后再发送")
    settings = mail_settings(campaign)
    for warning in mail_warnings(campaign, settings):
        say(f"注意：{warning}")
    planned = preview(campaign, kind, force=force, retry_failed=retry_failed, settings=settings)
    for item in planned:
        if dry_run or item.action is not Action.SEND:
            say(item.describe())
    if dry_run:
        say(f"共 {len(planned)} 封：待发送 {sum(p.action is Action.SEND for p in planned)} 封（预览，未发送）")
        return True
    if not any(p.action is Action.SEND for p in planned):
        verb, what = ("写出", "邮件草稿") if eml_dir is not None else ("发送", "邮件")
        if nothing_possible(planned):
            raise MailError(f"没有可以{verb}的{what}（原因见上）")
        say(f"没有需要{verb}的{what}")
        return True
    if eml_dir is not None:
        written = drafts_of(planned, MailKind(kind), eml_dir, settings)
        say(f"已写出 {len(written)} 封邮件草稿（.eml，未发送）→ {eml_dir}")
        return True
    password = resolve_password(settings.smtp, prompt)
    report = send(
        campaign, kind, password, force=force, retry_failed=retry_failed, progress=progress, settings=settings
    )
    for result in report.results:
        if result.error:
            say(f"  {result.planned.out.who}：{result.reason}")
    say(report.summary())
    return not (report.run_error or report.count("failed") or report.count("partial"))
