"""Outgoing mail (forms, reminders, feedback) over SMTP or as drafts; returns fetched over IMAP.

:mod:`.config` (campaign.yaml ``mail:``) → :mod:`.plan` (who gets what) →
:mod:`.message` (MIME, attachment names) → :mod:`.send`; :mod:`.fetch` reads a mailbox
and hands the attachments to collect.
"""

from typing import TYPE_CHECKING

from kaohe_xl.lazy import lazy_exports

if TYPE_CHECKING:
    from kaohe_xl.mail.fetch import FetchReport, fetch
    from kaohe_xl.mail.send import SendReport, preview, run_mail, send, write_drafts

__all__ = ["FetchReport", "SendReport", "fetch", "preview", "run_mail", "send", "write_drafts"]
__getattr__ = lazy_exports(
    __name__,
    {
        **dict.fromkeys(("FetchReport", "fetch"), "fetch"),
        **dict.fromkeys(("SendReport", "preview", "run_mail", "send", "write_drafts"), "send"),
    },
)
