"""Building outgoing messages and reading attachment names of incoming ones.

Chinese attachment names, as mail clients read them:

* RFC 2231 (``filename*=utf-8''%E4%B8%9C...`` on Content-Disposition) is what the
  standard asks for; Thunderbird, Apple Mail, Gmail and Python read it.
* Outlook, Foxmail and several Chinese web mailers look at the RFC 2047 encoded word
  in ``name="=?utf-8?B?...?="`` on Content-Type and otherwise show "untitled
  attachment" (未命名附件). Python's modern ``email`` API writes only the first form,
  and refolds a hand-written ``name=`` into RFC 2231 again, so messages are built
  here with the legacy (compat32) API, which keeps header text exactly as written.

Incoming names come in every form: RFC 2047 words in any charset (often ``gb2312``
holding GBK characters), RFC 2231 with ``gbk''``, or raw 8-bit GBK bytes that no
standard allows but old clients send. :func:`attachment_name` decodes them all.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from email import encoders, policy
from email.generator import BytesGenerator
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid
from io import BytesIO
from pathlib import Path
from urllib.parse import quote

# Content types by extension, for the attachments kaohe sends and recognises.
CONTENT_TYPES = {
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".xlsm": ("application", "vnd.ms-excel.sheet.macroEnabled.12"),
    ".xls": ("application", "vnd.ms-excel"),
    ".zip": ("application", "zip"),
}
# Charsets declared by Chinese mailers are often too narrow for what they hold
# (gb2312 labels carrying GBK characters): decode with the superset.
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
}
_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
# Plain-text SMTP wire format: CRLF line ends, headers kept as written (see module doc).
_FOLD = "\r\n "
_WIRE = policy.compat32.clone(linesep="\r\n", max_line_length=0)


@dataclass(frozen=True)
class Attachment:
    """A file to attach: the name the recipient sees and the bytes."""

    filename: str
    data: bytes

    @classmethod
    def from_path(cls, path: Path, filename: str = "") -> Attachment:
        return cls(filename or path.name, path.read_bytes())

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def build_message(
    *,
    sender: str,
    sender_name: str,
    to: tuple[str, ...],
    subject: str,
    body: str,
    attachments: tuple[Attachment, ...] = (),
    draft: bool = False,
) -> Message:
    """A multipart message with a UTF-8 text body and the attachments.

    ``draft=True`` adds ``X-Unsent: 1`` so Outlook opens the saved .eml as a draft to
    send (Foxmail and Thunderbird open it as a message they can "edit as new").
    """
    msg = MIMEMultipart()
    if sender:  # a draft without a configured sender gets its From from the mail client
        msg["From"] = formataddr((sender_name, sender), charset="utf-8") if sender_name else sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = _encoded_words(subject)
    msg["Date"] = formatdate(localtime=True)
    domain = sender.rpartition("@")[2] or "kaohe.local"
    msg["Message-ID"] = make_msgid("kaohe", domain=domain)
    msg["X-Mailer"] = "kaohe-xl"
    if draft:
        msg["X-Unsent"] = "1"
    # Canonical text has CRLF line ends before base64 (RFC 2046 4.1.1); some clients
    # show a body with bare LF on one line.
    canonical = body.replace("\r\n", "\n").replace("\n", "\r\n")
    msg.attach(MIMEText(canonical, "plain", "utf-8"))
    for attachment in attachments:
        msg.attach(_attachment_part(attachment))
    return msg


def _attachment_part(attachment: Attachment) -> MIMEBase:
    maintype, subtype = CONTENT_TYPES.get(Path(attachment.filename).suffix.lower(), ("application", "octet-stream"))
    part = MIMEBase(maintype, subtype)
    part.set_payload(attachment.data)
    encoders.encode_base64(part)
    name = attachment.filename
    if name.isascii():
        part.replace_header("Content-Type", f'{maintype}/{subtype}; name="{name}"')
        part.add_header("Content-Disposition", f'attachment; filename="{name}"')
        return part
    # RFC 2047 words of at most 75 characters each, folded between words (how Outlook
    # and Foxmail write long names themselves; unfolding leaves a space, which decoders
    # drop between encoded words).
    part.replace_header("Content-Type", f'{maintype}/{subtype};{_FOLD}name="{_encoded_words(name)}"')
    part.add_header("Content-Disposition", "attachment;" + _FOLD + _rfc2231("filename", name))
    return part


def _encoded_words(text: str) -> str:
    """``text`` as RFC 2047 UTF-8 words (≤ 75 characters each), folded between words."""
    if text.isascii():
        return text
    words = Header(text, "utf-8").encode(linesep="\n", maxlinelen=75).split("\n")
    return _FOLD.join(word.strip() for word in words)


def _rfc2231(param: str, text: str) -> str:
    """``filename*=utf-8''%E4...`` on one line; split into ``filename*0*=`` … only when long.

    A single ``filename*=`` is read by more clients than continuations, so those are
    used only where the line would come near the 998-character limit of RFC 5322.
    """
    encoded = quote(text, safe="")
    if len(encoded) <= 900:
        return f"{param}*=utf-8''{encoded}"
    chunks, start = [], 0
    while start < len(encoded):
        end = min(start + 60, len(encoded))
        while end < len(encoded) and "%" in encoded[end - 2 : end]:  # never split a %XX triple
            end -= 1
        chunks.append(encoded[start:end])
        start = end
    first = f"{param}*0*=utf-8''{chunks[0]}"
    return ";".join([first, *(f"{_FOLD}{param}*{i}*={chunk}" for i, chunk in enumerate(chunks[1:], 1))])


def message_bytes(msg: Message) -> bytes:
    """The message as sent on the wire (CRLF line ends)."""
    buffer = BytesIO()
    BytesGenerator(buffer, policy=_WIRE, mangle_from_=False).flatten(msg)
    return buffer.getvalue()


# ---- incoming ------------------------------------------------------------------------------
def decode_text(value: str | bytes | None) -> str:
    """Header text decoded: RFC 2047 words in any charset, raw 8-bit UTF-8/GBK, or both mixed.

    Adjacent words of one charset are joined before decoding, since some clients split a
    character's bytes across two words.
    """
    if value is None:
        return ""
    if isinstance(value, bytes):
        text = _decode_bytes(value, None)
    else:
        try:  # compat32 keeps undecodable 8-bit header bytes as surrogates: get the bytes back
            text = _decode_bytes(value.encode("ascii", "surrogateescape"), None)
        except UnicodeEncodeError:
            text = value  # already real text
    text = re.sub(r"\r?\n[ \t]", " ", text)
    out: list[str] = []
    words: list[tuple[str, bytes]] = []  # the current run of adjacent encoded words
    pos = 0
    for match in _WORD.finditer(text):
        gap = text[pos : match.start()]
        if gap and not (gap.isspace() and words):  # whitespace between two words is dropped
            _flush_words(words, out)
            out.append(gap)
        charset, encoding, payload = match.groups()
        charset = charset.split("*")[0].lower()  # RFC 2231 language suffix: utf-8*zh
        try:
            if encoding in "bB":
                data = base64.b64decode(payload + "=" * (-len(payload) % 4))  # tolerate missing padding
            else:
                data = binascii.a2b_qp(payload.encode("ascii", "replace"), header=True)
        except (binascii.Error, ValueError):
            data = match.group(0).encode("utf-8")  # not a valid word: keep it as written
        if words and words[-1][0] == charset:
            words[-1] = (charset, words[-1][1] + data)
        else:
            words.append((charset, data))
        pos = match.end()
    _flush_words(words, out)
    out.append(text[pos:])
    return "".join(out)


def _flush_words(words: list[tuple[str, bytes]], out: list[str]) -> None:
    out.extend(_decode_bytes(data, charset) for charset, data in words)
    words.clear()


def header_text(msg: Message, name: str) -> str:
    """A header of a parsed (compat32) message, decoded from its raw form (see decode_text)."""
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            return decode_text(value if isinstance(value, str) else str(value))
    return ""


def attachment_name(part: Message) -> str:
    """The file name of a MIME part, '' when it carries none.

    Looks at Content-Disposition ``filename`` first, then Content-Type ``name``, each in
    RFC 2231 form (any charset), RFC 2047 form, or raw 8-bit bytes.
    """
    for param, header in (("filename", "content-disposition"), ("name", "content-type")):
        raw_8bit = _raw_8bit_header(part, header)
        if raw_8bit is not None:  # parse the header again, as text decoded from UTF-8/GBK
            probe = Message()
            probe[header] = raw_8bit
            part = probe
        value = part.get_param(param, header=header)
        if value is None:
            continue
        if isinstance(value, tuple):  # RFC 2231: (charset, language, percent-decoded text)
            raw = value[2].encode("latin-1", "surrogateescape")
            text = _decode_bytes(raw, value[0] or "utf-8")
        else:
            text = decode_text(_unquote(value))
        text = text.strip()
        if text:
            return text
    return ""


def _raw_8bit_header(part: Message, header: str) -> str | None:
    """A header holding raw 8-bit bytes (no MIME encoding), decoded; None for plain ASCII ones."""
    for name, value in part.raw_items():
        if name.lower() == header and isinstance(value, str) and not value.isascii():
            return _decode_bytes(value.encode("ascii", "surrogateescape"), None)
    return None


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value


def _decode_bytes(raw: bytes, charset: str | None) -> str:
    candidates = []
    if charset and charset.lower() not in ("unknown-8bit", "us-ascii", "ascii"):
        candidates.append(_CHARSET_ALIASES.get(charset.lower(), charset.lower()))
    candidates += ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return raw.decode("utf-8", "replace")
