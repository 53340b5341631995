"""Outgoing mail as .eml drafts (``kaohe send --eml-dir``): for a mail client to send."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kaohe_xl.mail.config import MailKind, MailSettings, mail_settings
from kaohe_xl.mail.message import Attachment, build_message, message_bytes
from kaohe_xl.mail.plan import Action, Planned
from kaohe_xl.mail.send import preview
from kaohe_xl.textnorm import safe_filename

if TYPE_CHECKING:
    from kaohe_xl.campaign import Campaign


def write_drafts(
    campaign: Campaign,
    kind: MailKind | str,
    out: str | Path,
    *,
    force: bool = False,
    retry_failed: bool = False,
    settings: MailSettings | None = None,
) -> list[Path]:
    """Write one .eml draft per due message into the folder ``out`` (``--eml-dir``); send nothing.

    The drafts carry ``X-Unsent: 1``: Outlook opens them ready to send, Foxmail and
    Thunderbird open them as messages to "edit as new". They are not logged as sent.
    """
    settings = settings or mail_settings(campaign)
    planned = preview(campaign, kind, force=force, retry_failed=retry_failed, settings=settings)
    return drafts_of(planned, MailKind(kind), Path(out), settings)


def drafts_of(planned: list[Planned], kind: MailKind, folder: Path, settings: MailSettings) -> list[Path]:
    """Write the planned messages that are due as drafts into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for item in planned:
        if item.action is not Action.SEND:
            continue
        msg = build_message(
            sender=settings.smtp.sender or "",
            sender_name=settings.smtp.sender_name,
            to=item.addresses,
            subject=item.out.subject,
            body=item.out.body,
            attachments=tuple(Attachment.from_path(p) for p in item.out.attachments),
            draft=True,
        )
        name = safe_filename(f"{item.out.subject_id}_{item.out.recipient}_{kind.label}") + ".eml"
        target = folder / name
        target.write_bytes(message_bytes(msg))
        written.append(target)
    return written
