"""Sending the planned messages over SMTP (drafts: :mod:`kaohe_xl.mail.drafts`).

Every attempt is written to the send log at once (the store runs in autocommit mode),
so a run stopped at any point resumes with the next ``kaohe send`` without sending
anything twice (see :mod:`kaohe_xl.mail.plan` for what counts as sent).
"""

from __future__ import annotations

import contextlib
import smtplib
import sqlite3
import ssl
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kaohe_xl.clock import now_text
from kaohe_xl.errors import MailError
from kaohe_xl.mail.config import (
    MailKind,
    MailSettings,
    SmtpSettings,
    mail_settings,
)
from kaohe_xl.mail.message import Attachment, build_message, message_bytes
from kaohe_xl.mail.plan import Action, Planned, outgoing, plan
from kaohe_xl.progress import progress as progress_bar

if TYPE_CHECKING:
    from kaohe_xl.campaign import Campaign


@dataclass(frozen=True)
class SendResult:
    """What happened to one planned message."""

    planned: Planned
    status: str  # sent | failed | partial (some addresses refused)
    message_id: str = ""
    error: str = ""  # "code: message", Chinese message
    refused: tuple[str, ...] = ()  # addresses the server refused (status partial/failed)

    @property
    def reason(self) -> str:
        """The error without its code, for people."""
        return self.error.partition(": ")[2] or self.error


@dataclass
class SendReport:
    """The outcome of one run: results per message, skipped ones, and a run-level error."""

    kind: MailKind
    results: list[SendResult] = field(default_factory=list)
    skipped: list[Planned] = field(default_factory=list)
    run_error: str = ""

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    def summary(self) -> str:
        done = sum(1 for p in self.skipped if p.action is Action.DONE)
        waiting = sum(1 for p in self.skipped if p.action is Action.FAILED)
        blocked = sum(1 for p in self.skipped if p.action is Action.BLOCKED)
        text = (
            f"发送成功 {self.count('sent')} 封，部分地址被拒 {self.count('partial')} 封，失败 {self.count('failed')} 封；"
            f"跳过：已发送过 {done}，上次失败待重试 {waiting}，无法发送 {blocked}"
        )
        if self.run_error:
            text += f"\n本次发送中止：{self.run_error}"
        return text


class _RunFailure(Exception):
    """The server cannot be used at all (unreachable, login refused, sender refused)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class _Smtp:
    """One SMTP connection, opened lazily and reopened after a timeout or disconnect."""

    def __init__(self, settings: SmtpSettings, password: str) -> None:
        self.settings = settings
        self.password = password
        self.conn: smtplib.SMTP | None = None

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.cafile or None)

    def open(self) -> smtplib.SMTP:
        if self.conn is None:
            self.conn = self._connect_or_explain()
        return self.conn

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        conn: smtplib.SMTP | None = None
        try:
            if s.security == "ssl":
                conn = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self._context())
            else:
                conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    conn.starttls(context=self._context())
            if s.user:
                conn.login(s.user, self.password)
        except BaseException:
            if conn is not None:
                conn.close()
            raise
        return conn

    def _connect_or_explain(self) -> smtplib.SMTP:
        s = self.settings
        where = f"{s.host}:{s.port}"
        try:
            return self._connect()
        except smtplib.SMTPAuthenticationError as exc:
            raise _RunFailure(
                "auth",
                f"邮件服务器 {where} 拒绝登录（{_reply(exc)}）：请检查 mail.smtp.user 和密码（环境变量 {s.password_env}）；"
                "很多邮箱要求使用“客户端授权码”而不是网页登录密码",
            ) from exc
        except UnicodeEncodeError as exc:
            raise _RunFailure(
                "auth", "邮箱用户名或密码含有中文等非英文字符，无法按 SMTP 登录：请使用邮箱提供的“客户端授权码”"
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise _RunFailure(
                "connect", f"邮件服务器 {where} 不支持 STARTTLS：请把 mail.smtp.security 改为 ssl 或 none"
            ) from exc
        except ssl.SSLError as exc:
            raise _RunFailure(
                "connect",
                f"与邮件服务器 {where} 建立加密连接失败（{exc}）：请检查 mail.smtp.security（465 端口一般为 ssl，587 为 starttls）和证书",
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise _RunFailure(
                "connect", f"无法连接邮件服务器 {where}（{exc}）：请检查 mail.smtp.host、port 和网络"
            ) from exc

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (OSError, smtplib.SMTPException):
                self.conn.close()
            self.conn = None

    def drop(self) -> None:
        """Forget a broken connection without talking to the server."""
        if self.conn is not None:
            with contextlib.suppress(OSError):
                self.conn.close()
            self.conn = None


def send(
    campaign: Campaign,
    kind: MailKind | str,
    password: str = "",
    *,
    force: bool = False,
    retry_failed: bool = False,
    progress: bool = False,
    settings: MailSettings | None = None,
) -> SendReport:
    """Send every message of ``kind`` that the send log says is due; log each attempt.

    One message failing (an address refused, a timeout) is logged and the run goes on.
    When the server cannot be used at all, the remaining messages are logged as failed
    with that reason (they count as unsent next time) and ``run_error`` says why.
    """
    settings = settings or mail_settings(campaign)
    if not settings.smtp.host or not settings.smtp.sender:
        raise MailError(
            f"{campaign.root / 'campaign.yaml'} 中没有设置发信服务器：请在该文件 mail.smtp 下填写 host、port、"
            "security（465 端口为 ssl，587 为 starttls）、user 和 sender（各项已列在文件中，另见 kaohe send --help）；"
            "不设服务器也可以先用 --eml-dir 写出邮件草稿"
        )
    report = SendReport(MailKind(kind))
    conn = campaign.connect()
    try:
        planned = plan(conn, outgoing(campaign, kind, settings), force=force, retry_failed=retry_failed)
        report.skipped = [p for p in planned if p.action is not Action.SEND]
        due = [p for p in planned if p.action is Action.SEND]
        smtp = _Smtp(settings.smtp, password)
        try:
            for index, item in enumerate(progress_bar(due, "发送邮件", enabled=progress, unit="封")):
                if index and settings.smtp.pause_seconds:
                    time.sleep(settings.smtp.pause_seconds)  # many government servers rate-limit
                try:
                    result = _send_one(smtp, settings, item)
                except _RunFailure as exc:
                    report.run_error = str(exc)
                    for rest in due[index:]:
                        _log(conn, rest, rest.addresses, "", "failed", f"{exc.code}: {exc}")
                        report.results.append(SendResult(rest, "failed", error=f"{exc.code}: {exc}"))
                    break
                report.results.append(result)
                _log_result(conn, result)
        finally:
            smtp.close()
    finally:
        conn.close()
    return report


def _send_one(smtp: _Smtp, settings: MailSettings, item: Planned) -> SendResult:
    msg = build_message(
        sender=settings.smtp.sender,
        sender_name=settings.smtp.sender_name,
        to=item.addresses,
        subject=item.out.subject,
        body=item.out.body,
        attachments=tuple(Attachment.from_path(p) for p in item.out.attachments),
    )
    message_id = str(msg["Message-ID"])
    data = message_bytes(msg)
    connection = smtp.open()
    try:
        refused = connection.sendmail(settings.smtp.sender, list(item.addresses), data)
    except smtplib.SMTPRecipientsRefused as exc:
        error = "refused: 收件地址被拒收：" + _refusals(exc.recipients)
        return SendResult(item, "failed", message_id, error, tuple(exc.recipients))
    except smtplib.SMTPSenderRefused as exc:
        raise _RunFailure(
            "sender", f"邮件服务器拒绝发件人 {settings.smtp.sender}（{_reply(exc)}）：请检查 mail.smtp.sender"
        ) from exc
    except smtplib.SMTPDataError as exc:
        return SendResult(
            item, "failed", message_id, f"rejected: 邮件被服务器拒收（{_reply(exc)}），可能附件过大或被判为垃圾邮件"
        )
    except (TimeoutError, smtplib.SMTPServerDisconnected) as exc:
        smtp.drop()
        # smtplib reports a read timeout as "Connection unexpectedly closed" (the
        # TimeoutError is its context); both leave delivery uncertain.
        timed_out = isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError)
        if not timed_out:
            return SendResult(item, "failed", message_id, f"disconnected: 发送中连接断开（{exc}），对方可能已收到")
        return SendResult(
            item,
            "failed",
            message_id,
            f"timeout: 等待服务器响应超时（{exc or settings.smtp.timeout}秒），对方可能已收到",
        )
    except OSError as exc:
        smtp.drop()
        return SendResult(item, "failed", message_id, f"disconnected: 发送中连接断开（{exc}），对方可能已收到")
    except smtplib.SMTPException as exc:
        smtp.drop()
        return SendResult(item, "failed", message_id, f"error: 发送失败（{exc}）")
    if refused:
        return SendResult(item, "partial", message_id, "refused: 部分地址被拒收：" + _refusals(refused), tuple(refused))
    return SendResult(item, "sent", message_id)


def _log_result(conn: sqlite3.Connection, result: SendResult) -> None:
    item = result.planned
    if result.status == "partial":
        refused = {a.lower() for a in result.refused}
        accepted = tuple(a for a in item.addresses if a.lower() not in refused)
        rejected = tuple(a for a in item.addresses if a.lower() in refused)
        _log(conn, item, accepted, result.message_id, "sent", "")
        _log(conn, item, rejected, result.message_id, "failed", result.error)
    else:
        _log(conn, item, item.addresses, result.message_id, result.status, result.error)


def _log(
    conn: sqlite3.Connection, item: Planned, addresses: tuple[str, ...], message_id: str, status: str, error: str
) -> None:

    hashes = ",".join(Attachment.from_path(p).sha256 for p in item.out.attachments if p.is_file())
    conn.execute(
        "INSERT INTO send_log(unit_id, form_kind, addresses, attachment_sha256, message_id, sent_at, status, error)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (item.out.subject_id, item.out.kind, ",".join(addresses), hashes, message_id, now_text(), status, error),
    )


def preview(
    campaign: Campaign,
    kind: MailKind | str,
    *,
    force: bool = False,
    retry_failed: bool = False,
    settings: MailSettings | None = None,
) -> list[Planned]:
    """What :func:`send` would do now (``--dry-run``): no network, nothing logged."""
    settings = settings or mail_settings(campaign)
    conn = campaign.connect()
    try:
        return plan(conn, outgoing(campaign, kind, settings), force=force, retry_failed=retry_failed)
    finally:
        conn.close()


def _reply(exc: smtplib.SMTPResponseException) -> str:
    message = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    return f"{exc.smtp_code} {message}".strip()


def _refusals(recipients: dict[str, tuple[int, bytes]] | dict[str, tuple[int, str]]) -> str:
    parts = []
    for address, (code, message) in recipients.items():
        text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
        parts.append(f"{address}（{code} {text}）")
    return "；".join(parts)
