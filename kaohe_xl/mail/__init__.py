"""Outgoing mail (forms, reminders, feedback) over SMTP or as drafts; returns fetched over IMAP.

:mod:`.config` (campaign.yaml ``mail:``, :class:`MailKind`) → :mod:`.plan` (who gets
what) → :mod:`.message` (MIME, attachment names) → :mod:`.send` or :mod:`.drafts`;
:mod:`.run` is one ``kaohe send``/``remind``; :mod:`.fetch` reads a mailbox and hands
the attachments to collect. ``send()`` and ``fetch()`` are imported from their modules
(or as ``kaohe_xl.send_mail`` / ``fetch_returns``): a face cannot hand on a function named
like one of its modules.
"""

from typing import TYPE_CHECKING

from kaohe_xl.lazy import lazy_exports

if TYPE_CHECKING:
    from kaohe_xl.mail.config import MailKind
    from kaohe_xl.mail.drafts import write_drafts
    from kaohe_xl.mail.fetch import FetchReport
    from kaohe_xl.mail.run import run_mail
    from kaohe_xl.mail.send import SendReport, preview

__all__ = ["FetchReport", "MailKind", "SendReport", "preview", "run_mail", "write_drafts"]
__getattr__ = lazy_exports(
    __name__,
    {
        "MailKind": "config",
        "write_drafts": "drafts",
        "FetchReport": "fetch",
        "run_mail": "run",
        **dict.fromkeys(("SendReport", "preview"), "send"),
    },
)
