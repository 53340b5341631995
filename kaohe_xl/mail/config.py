"""Mail settings of a campaign: SMTP/IMAP servers, templates, the campaign tag.

They live under ``mail:`` in campaign.yaml so a clerk can edit them::

    mail:
      smtp: {host: smtp.example.gov.cn, port: 465, security: ssl, user: kh@example.gov.cn,
             sender: kh@example.gov.cn, sender_name: 县委组织部, password_env: KAOHE_SMTP_PASSWORD,
             pause_seconds: 2, timeout: 30, cafile: ''}
      imap: {host: imap.example.gov.cn, port: 993, security: ssl, user: kh@example.gov.cn,
             password_env: KAOHE_IMAP_PASSWORD, folder: INBOX, timeout: 30, cafile: ''}
      tag: ''            # '' means [考核-<first 6 characters of the campaign id>]
      assessors: {第一考核组: [zhang@example.gov.cn]}
      raters: {张三: zhang@example.gov.cn}
      placeholders: {截止日期: 2023年12月31日}
      templates: {self: {subject: ..., body: ...}, assessor: ..., rater: ..., feedback: ..., remind: ...}

Passwords are never stored here: :func:`resolve_password` reads the environment
variable named by ``password_env`` or asks.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from kaohe_xl.errors import MailError
from kaohe_xl.mail.wording import template_warnings, unmarked
from kaohe_xl.resources import mail_defaults

if TYPE_CHECKING:
    from kaohe_xl.campaign import Campaign

SECURITY_MODES = ("ssl", "starttls", "none")


class MailKind(StrEnum):
    """The kinds of outgoing mail; each has a subject and body template under ``mail.templates``.

    A plain string (``"self"``) is accepted wherever a kind is asked for.
    """

    SELF = "self"  # each unit its 自评表
    ASSESSOR = "assessor"  # each assessor group its 考核组评分表
    RATER = "rater"  # each named rater his 评分表
    FEEDBACK = "feedback"  # each unit its 反馈表
    REMIND = "remind"  # units whose 自评表 has not arrived

    @property
    def label(self) -> str:
        """What the mail carries, in the office's words (the end of a draft's file name)."""
        return _KIND_LABELS[self]


_KIND_LABELS = {
    MailKind.SELF: "自评表",
    MailKind.ASSESSOR: "考核组评分表",
    MailKind.RATER: "评分表",
    MailKind.FEEDBACK: "反馈表",
    MailKind.REMIND: "催报",
}
MAIL_KINDS = tuple(MailKind)

# Default templates of earlier versions, as init wrote them into campaign.yaml: such a
# text was never the clerk's choice, so it is read as today's default.
_OLD_DEFAULT_TEMPLATES = {("feedback", "subject"): ("{考核名称}考核结果反馈——{单位名称}",)}

_ADDRESS_SPLIT = re.compile(r"[;,；，、\s]+")


def default_mail_config() -> dict[str, Any]:
    """The ``mail:`` section a new campaign.yaml starts with (a fresh copy).

    The text lives in the package's ``templates/mail.yaml``, where it is easy to read and edit.
    """
    return mail_defaults()


def ensure_mail_config(campaign: Campaign) -> bool:
    """Write the default ``mail:`` section into campaign.yaml when it is empty.

    Gives the clerk every setting and template to edit. Returns True when it wrote them.
    """
    if campaign.config.get("mail"):
        return False
    campaign.config["mail"] = default_mail_config()
    campaign.save_config()
    return True


@dataclass(frozen=True)
class ServerSettings:
    """One mail server (SMTP or IMAP) and how to log in to it."""

    host: str
    port: int
    security: str  # ssl | starttls | none
    user: str
    password_env: str
    timeout: float
    cafile: str  # extra CA certificate to trust ('' = system trust store only)


@dataclass(frozen=True)
class SmtpSettings(ServerSettings):
    sender: str
    sender_name: str
    pause_seconds: float


@dataclass(frozen=True)
class ImapSettings(ServerSettings):
    folder: str


@dataclass(frozen=True)
class MailSettings:
    """Everything the mail commands need, defaults merged in and checked."""

    smtp: SmtpSettings
    imap: ImapSettings
    tag: str
    templates: dict[str, tuple[str, str]]  # kind -> (subject, body)
    placeholders: dict[str, str]
    assessors: dict[str, tuple[str, ...]]  # assessor group -> addresses
    raters: dict[str, tuple[str, ...]]  # rater name -> addresses


def mail_settings(campaign: Campaign) -> MailSettings:
    """The campaign's mail settings: campaign.yaml ``mail:`` over the defaults.

    Raises :class:`MailError` naming the setting when a value is unusable.
    """
    raw = campaign.config.get("mail") or {}
    if not isinstance(raw, Mapping):
        raise MailError(
            "campaign.yaml 中的 mail 一项应为“键: 值”形式的设置表（smtp:、imap:、templates: 等）："
            "可删去整个 mail 一项，下次运行 kaohe send 或 kaohe fetch 时会写入完整的设置模板"
        )
    merged = _merge(mail_defaults(), raw)
    smtp, imap = merged["smtp"], merged["imap"]
    smtp_settings = SmtpSettings(
        **_server(smtp, "smtp"),
        sender=str(smtp["sender"] or smtp["user"] or "").strip(),
        sender_name=str(smtp["sender_name"] or "").strip(),
        pause_seconds=_number(smtp["pause_seconds"], "mail.smtp.pause_seconds", minimum=0),
    )
    imap_server = _server(imap, "imap")
    imap_server["user"] = imap_server["user"] or smtp_settings.user  # usually the same mailbox
    imap_settings = ImapSettings(**imap_server, folder=str(imap["folder"] or "INBOX"))
    templates: dict[str, tuple[str, str]] = {}
    for kind in MAIL_KINDS:
        entry = merged["templates"].get(kind) or {}
        subject, body = (_current_default(kind, part, str(entry.get(part) or "")) for part in ("subject", "body"))
        templates[kind] = (subject, body)
    tag = str(merged["tag"] or "").strip() or f"[考核-{campaign.id[:6]}]"
    return MailSettings(
        smtp=smtp_settings,
        imap=imap_settings,
        tag=tag,
        templates=templates,
        placeholders={str(k): str(v) for k, v in (merged["placeholders"] or {}).items()},
        assessors=_address_map(merged["assessors"], "mail.assessors"),
        raters=_address_map(merged["raters"], "mail.raters"),
    )


def _current_default(kind: str, part: str, text: str) -> str:
    """``text``, or today's default template when it is an earlier version's default
    (including the one before ``[[ ]]`` parts: the same text without the brackets)."""
    default = str(mail_defaults()["templates"][kind][part])
    if text in _OLD_DEFAULT_TEMPLATES.get((kind, part), ()) or (text != default and text == unmarked(default)):
        return default
    return text


def mail_warnings(campaign: Campaign, settings: MailSettings | None = None) -> list[str]:
    """Every empty setting the campaign's mail templates use, and what that does to the mail."""
    settings = settings or mail_settings(campaign)
    return template_warnings(settings.templates, base_placeholders(campaign, settings))


def base_placeholders(campaign: Campaign, settings: MailSettings) -> dict[str, str]:
    """Values every template can use; ``mail.placeholders`` in campaign.yaml override them."""
    rubric_settings = campaign.rubric.settings
    values = {
        "考核名称": rubric_settings.name or campaign.name,
        "截止日期": rubric_settings.deadline,
        "联系人": rubric_settings.contact,
        "联系电话": rubric_settings.phone,
        "发件人": settings.smtp.sender_name,
        "日期": f"{date.today():%Y年%m月%d日}".replace("年0", "年").replace("月0", "月"),
    }
    values.update(settings.placeholders)
    # Most names already end in 考核 (…目标管理考核): “考核结果反馈” after one reads
    # “…考核考核结果反馈”. Follows an overridden 考核名称; can itself be overridden.
    values.setdefault("结果反馈", "结果反馈" if values["考核名称"].rstrip().endswith("考核") else "考核结果反馈")
    return values


def resolve_password(server: ServerSettings, prompt: Callable[[str], str] | None = None) -> str:
    """The password for ``server``: its environment variable, else ``prompt(question)``.

    Returns '' when the server needs no login (no user set).
    """
    if not server.user:
        return ""
    value = os.environ.get(server.password_env, "") if server.password_env else ""
    if value:
        return value
    if prompt is None:
        raise MailError(f"没有邮箱密码：请设置环境变量 {server.password_env}，或在命令行提示时输入密码")
    return prompt(f"{server.user} 在 {server.host} 的密码")


def split_addresses(value: Any) -> tuple[str, ...]:
    """``"a@x.cn; b@x.cn"`` or ``[a, b]`` → ``("a@x.cn", "b@x.cn")``."""
    if value is None:
        return ()
    items = value if isinstance(value, list | tuple) else [value]
    return tuple(part for item in items for part in _ADDRESS_SPLIT.split(str(item)) if part)


def _merge(defaults: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(dict(defaults))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        elif value is not None:
            merged[key] = copy.deepcopy(value)
    return merged


def _server(section: Mapping[str, Any], name: str) -> dict[str, Any]:
    security = str(section["security"] or "").strip().lower()
    if security not in SECURITY_MODES:
        raise MailError(f"campaign.yaml mail.{name}.security 为“{security}”，应为 ssl、starttls 或 none")
    port = _number(section["port"], f"mail.{name}.port", minimum=1)
    if port != int(port) or port > 65535:
        raise MailError(f"campaign.yaml mail.{name}.port 为“{section['port']}”，应为 1–65535 的整数")
    return {
        "host": str(section["host"] or "").strip(),
        "port": int(port),
        "security": security,
        "user": str(section["user"] or "").strip(),
        "password_env": str(section["password_env"] or "").strip(),
        "timeout": _number(section["timeout"], f"mail.{name}.timeout", minimum=0.01),
        "cafile": str(section["cafile"] or "").strip(),
    }


def _number(value: Any, where: str, minimum: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise MailError(f"campaign.yaml {where} 为“{value}”，应为数字") from None
    if number < minimum:
        raise MailError(f"campaign.yaml {where} 为 {value}，不能小于 {minimum:g}")
    return number


def _address_map(value: Any, where: str) -> dict[str, tuple[str, ...]]:
    if not value:
        return {}
    if not isinstance(value, Mapping):
        raise MailError(f"campaign.yaml {where} 应写成“名称: 邮箱”的对应表")
    return {str(k).strip(): split_addresses(v) for k, v in value.items()}
