"""Fetching returned workbooks from a mailbox over IMAP, then collecting them.

``fetch`` looks at the messages received since the campaign was created, keeps those
whose subject carries the campaign tag (replies to what ``kaohe send`` sent) or that
carry a workbook (.xlsx/.xlsm/.xls) or .zip attachment, saves those attachments into
the campaign's inbox folder and hands the new files to :func:`kaohe_xl.collect.collect`.
Each message's Message-ID goes into the store (``fetched_messages``), so running
``kaohe fetch`` again downloads only what is new. The mailbox is opened read-only:
nothing is deleted, moved or marked as read.
"""

from __future__ import annotations

import base64
import contextlib
import email
import hashlib
import imaplib
import itertools
import re
import ssl
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import Message
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kaohe_xl.clock import now_text
from kaohe_xl.collect.run import collect as collect_files
from kaohe_xl.errors import MailError
from kaohe_xl.mail.config import ImapSettings, MailSettings, mail_settings
from kaohe_xl.mail.message import CONTENT_TYPES, attachment_name, header_text
from kaohe_xl.progress import progress as progress_bar
from kaohe_xl.textnorm import safe_filename

if TYPE_CHECKING:
    import sqlite3

    from kaohe_xl.campaign import Campaign

# Attachments saved for collect: workbooks (.xls too, so collect can tell the unit to
# save as .xlsx) and zip archives of them.
SAVED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".zip")
_SUFFIX_BY_TYPE = {f"{major}/{minor}".lower(): suffix for suffix, (major, minor) in CONTENT_TYPES.items()}
_SUFFIX_BY_TYPE["application/x-zip-compressed"] = ".zip"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_UID = re.compile(rb"UID (\d+)")
_BATCH = 200


@dataclass
class FetchReport:
    """What one ``fetch`` did; ``collected`` is collect's report (None if nothing arrived)."""

    examined: int = 0  # messages since the campaign started
    known: int = 0  # already fetched earlier (or twice in the mailbox)
    new: int = 0  # downloaded this time
    unrelated: int = 0  # neither tagged nor carrying a workbook
    saved: list[Path] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # identical to a file already received
    ignored: list[str] = field(default_factory=list)  # other attachments (photos, Word files)
    collected: Any = None

    def summary(self) -> str:
        text = (
            f"检查邮件 {self.examined} 封（其中已取过 {self.known} 封，无关 {self.unrelated} 封），"
            f"保存附件 {len(self.saved)} 个，重复未保存 {len(self.duplicates)} 个，非表格附件未保存 {len(self.ignored)} 个"
        )
        return text


def fetch(
    campaign: Campaign,
    password: str,
    *,
    collect: bool = True,
    progress: bool = False,
    settings: MailSettings | None = None,
) -> FetchReport:
    """Download new returns into ``campaign.inbox_dir`` and collect them (see module doc)."""
    settings = settings or mail_settings(campaign)
    imap = settings.imap
    if not imap.host:
        raise MailError(
            f"{campaign.root / 'campaign.yaml'} 中没有设置收信服务器：请在该文件 mail.imap 下填写 host、port"
            "（993 端口为 security: ssl）和 user（与发信邮箱相同时可留空）"
        )
    report = FetchReport()
    conn = campaign.connect()
    try:
        client = _login(imap, password)
        try:
            since = _since(str(campaign.config.get("created_at") or ""))
            status, data = client.uid("SEARCH", "SINCE", since)
            if status != "OK":
                raise MailError(f"邮件服务器无法搜索邮件（{_text(data)}）")
            uids = [uid for uid in b" ".join(d for d in data if d).split() if uid]
            report.examined = len(uids)
            todo = _new_uids(client, conn, uids, report)
            inbox_hashes = _known_hashes(campaign, conn)
            for uid, key in progress_bar(todo, "下载邮件", enabled=progress, unit="封"):
                raw = _fetch_body(client, uid)
                if key.startswith("sha256:?"):
                    key = "sha256:" + hashlib.sha256(raw).hexdigest()
                    if _already_fetched(conn, key):
                        report.known += 1
                        continue
                report.new += 1
                _process(campaign, conn, key, raw, settings.tag, inbox_hashes, report)
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                client.logout()
    finally:
        conn.close()
    if collect and report.saved:
        report.collected = collect_files(campaign, list(report.saved))
    return report


def _login(imap: ImapSettings, password: str) -> imaplib.IMAP4:
    """A logged-in session with the folder selected read-only; the socket is closed on any failure."""
    where = f"{imap.host}:{imap.port}"
    client: imaplib.IMAP4 | None = None
    try:
        try:
            context = ssl.create_default_context(cafile=imap.cafile or None)
            if imap.security == "ssl":
                client = imaplib.IMAP4_SSL(imap.host, imap.port, ssl_context=context, timeout=imap.timeout)
            else:
                client = imaplib.IMAP4(imap.host, imap.port, timeout=imap.timeout)
                if imap.security == "starttls":
                    client.starttls(ssl_context=context)
        except ssl.SSLError as exc:
            raise MailError(
                f"与收信服务器 {where} 建立加密连接失败（{exc}）：请检查 mail.imap.security（993 端口一般为 ssl）和证书"
            ) from exc
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailError(f"无法连接收信服务器 {where}（{exc}）：请检查 mail.imap.host、port 和网络") from exc
        _open_folder(client, imap, password)
    except BaseException:
        if client is not None:
            with contextlib.suppress(OSError):
                client.shutdown()  # close the socket: the session is of no use
        raise
    return client


def _open_folder(client: imaplib.IMAP4, imap: ImapSettings, password: str) -> None:
    where = f"{imap.host}:{imap.port}"
    try:
        client.login(imap.user, password)
    except (imaplib.IMAP4.error, UnicodeEncodeError) as exc:
        raise MailError(
            f"收信服务器 {where} 拒绝登录（{exc}）：请检查 mail.imap.user 和密码（环境变量 {imap.password_env}）"
        ) from exc
    status, data = client.select(_imap_utf7(imap.folder), readonly=True)
    if status != "OK":
        raise MailError(f"收信服务器上找不到文件夹“{imap.folder}”（{_text(data)}）：请检查 mail.imap.folder")


def _new_uids(
    client: imaplib.IMAP4, conn: sqlite3.Connection, uids: list[bytes], report: FetchReport
) -> list[tuple[bytes, str]]:
    """(uid, Message-ID) of messages not fetched before; the ID is looked up by headers only."""
    todo: list[tuple[bytes, str]] = []
    seen: set[str] = set()
    for start in range(0, len(uids), _BATCH):
        batch = b",".join(uids[start : start + _BATCH]).decode()
        status, data = client.uid("FETCH", batch, "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        if status != "OK":
            raise MailError(f"读取邮件头失败（{_text(data)}）")
        for entry in data:
            if not isinstance(entry, tuple):
                continue
            match = _UID.search(entry[0])
            if not match:
                continue
            header = email.message_from_bytes(entry[1], policy=policy.compat32)
            key = str(header.get("Message-ID", "") or "").strip()
            if not key:
                todo.append((match.group(1), f"sha256:?{match.group(1).decode()}"))
                continue
            if key in seen or _already_fetched(conn, key):
                report.known += 1
                continue
            seen.add(key)
            todo.append((match.group(1), key))
    return todo


def _fetch_body(client: imaplib.IMAP4, uid: bytes) -> bytes:
    status, data = client.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
    for entry in data:
        if status == "OK" and isinstance(entry, tuple):
            return bytes(entry[1])
    raise MailError(f"下载邮件失败（UID {uid.decode()}：{_text(data)}）")


def _already_fetched(conn: sqlite3.Connection, key: str) -> bool:
    return conn.execute("SELECT 1 FROM fetched_messages WHERE message_id = ?", (key,)).fetchone() is not None


def _process(
    campaign: Campaign,
    conn: sqlite3.Connection,
    key: str,
    raw: bytes,
    tag: str,
    hashes: set[str],
    report: FetchReport,
) -> None:

    msg = email.message_from_bytes(raw, policy=policy.compat32)
    subject = header_text(msg, "Subject")
    wanted: list[tuple[str, bytes]] = []
    other: list[tuple[str, bytes]] = []
    for name, data in _attachments(msg):
        (wanted if Path(name).suffix.lower() in SAVED_SUFFIXES else other).append((name, data))
    saved = 0
    if wanted or tag in subject:
        report.ignored += [name for name, _ in other]
        for name, data in wanted:
            digest = hashlib.sha256(data).hexdigest()
            if digest in hashes:
                report.duplicates.append(name)
                continue
            report.saved.append(_save(campaign.inbox_dir, name, data))
            hashes.add(digest)
            saved += 1
    else:
        report.unrelated += 1
    conn.execute(
        "INSERT OR IGNORE INTO fetched_messages(message_id, fetched_at, subject, attachments) VALUES (?, ?, ?, ?)",
        (key, now_text(), subject, saved),
    )


def _attachments(msg: Message) -> list[tuple[str, bytes]]:
    """(decoded file name, bytes) of every attachment, nested forwarded messages included."""
    found = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        name = attachment_name(part)
        disposition = str(part.get("Content-Disposition", "")).lower()
        if not name and not disposition.startswith("attachment"):
            continue  # the text or HTML body
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        suffix = _SUFFIX_BY_TYPE.get(part.get_content_type().lower(), "")
        if not name:
            name = "附件" + suffix
        elif suffix and Path(name).suffix.lower() not in SAVED_SUFFIXES:
            name += suffix  # a workbook sent under a name without its extension
        found.append((name, data))
    return found


def _save(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` into ``folder`` under a safe, new name: ``x.xlsx``, ``x(1).xlsx`` ..."""
    folder.mkdir(parents=True, exist_ok=True)
    base = re.split(r"[/\\]", name)[-1]  # no path traversal: keep the last component only
    base = safe_filename(base).lstrip(".") or "附件"
    stem, suffix = Path(base).stem or "附件", Path(base).suffix
    target, n = folder / f"{stem}{suffix}", 1
    while target.exists():
        target = folder / f"{stem}({n}){suffix}"
        n += 1
    with target.open("xb") as handle:  # "x": never overwrite, even in a race
        handle.write(data)
    return target


def _known_hashes(campaign: Campaign, conn: sqlite3.Connection) -> set[str]:
    """SHA-256 of files already in the inbox or already collected (the store's files table)."""
    hashes = {str(row[0]) for row in conn.execute("SELECT sha256 FROM files")}
    if campaign.inbox_dir.is_dir():
        for path in campaign.inbox_dir.rglob("*"):
            if path.is_file() and path.suffix.lower() in SAVED_SUFFIXES:
                hashes.add(hashlib.sha256(path.read_bytes()).hexdigest())
    return hashes


def _since(created_at: str) -> str:
    """IMAP date (``22-Nov-2023``, English month names whatever the locale) of the campaign start."""
    try:
        day = datetime.strptime(created_at[:10], "%Y-%m-%d")
    except ValueError:
        day = datetime(2000, 1, 1)
    return f"{day.day:02d}-{_MONTHS[day.month - 1]}-{day.year}"


def _imap_utf7(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 5.1.3), quoted: ``考核`` → ``"&gANoOA-"``."""
    out = []
    for printable, run in itertools.groupby(name, key=lambda c: " " <= c <= "~"):
        text = "".join(run)
        if printable:
            out.append(text.replace("&", "&-"))
        else:
            encoded = base64.b64encode(text.encode("utf-16-be")).decode().rstrip("=")
            out.append("&" + encoded.replace("/", ",") + "-")
    quoted = "".join(out).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}"'


def _text(data: Any) -> str:
    if isinstance(data, list):
        return " ".join(_text(d) for d in data if d)
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return str(data)
