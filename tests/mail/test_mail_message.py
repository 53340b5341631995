"""Outgoing message format, incoming attachment names, templates and mail settings."""

from __future__ import annotations

import base64
import email
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from urllib.parse import quote

import pytest
import yaml

from kaohe_xl.campaign import Campaign
from kaohe_xl.errors import MailError
from kaohe_xl.mail.config import (
    MAIL_KINDS,
    default_mail_config,
    mail_settings,
    resolve_password,
    split_addresses,
)
from kaohe_xl.mail.message import Attachment, attachment_name, build_message, decode_text, message_bytes
from kaohe_xl.mail.wording import render

XLSX = b"PK\x03\x04" + bytes(range(256)) * 4  # stands for a workbook: any bytes round-trip


def _parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def _name_2047(part: EmailMessage) -> str:
    """What Outlook/Foxmail read: the RFC 2047 words in Content-Type name=."""
    raw = part.get_param("name", header="content-type")
    assert isinstance(raw, str)
    return str(make_header(decode_header(raw)))


def test_chinese_attachment_name_in_both_header_forms() -> None:
    name = "01_东湖村_自评表.xlsx"
    msg = build_message(
        sender="kh@example.cn",
        sender_name="县委组织部",
        to=("a@example.cn", "b@example.cn"),
        subject="[考核-abc123] 测试考核自评表——东湖村",
        body="东湖村：\n请填写。",
        attachments=(Attachment(name, XLSX),),
    )
    raw = message_bytes(msg)
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF line ends only
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert raw.isascii()  # 7-bit clean: no server needs 8BITMIME or SMTPUTF8
    # the raw header text carries both forms
    assert b"filename*=utf-8''01_%E4%B8%9C%E6%B9%96%E6%9D%91_%E8%87%AA%E8%AF%84%E8%A1%A8.xlsx" in raw
    assert b'name="=?utf-8?b?' in raw
    parsed = _parse(raw)
    assert str(parsed["Subject"]) == "[考核-abc123] 测试考核自评表——东湖村"
    assert parsed["From"].addresses[0].display_name == "县委组织部"
    assert parsed["To"].addresses[1].addr_spec == "b@example.cn"
    assert parsed.get_body(("plain",)).get_content() == "东湖村：\r\n请填写。"  # type: ignore[union-attr]
    (part,) = list(parsed.iter_attachments())
    assert part.get_filename() == name  # RFC 2231 reader
    assert _name_2047(part) == name  # RFC 2047 reader
    assert part.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert part.get_content() == XLSX
    assert "X-Unsent" not in parsed


def test_long_name_uses_continuations_and_short_words() -> None:
    name = "某某县" * 40 + "_自评表.xlsx"
    raw = message_bytes(
        build_message(sender="kh@example.cn", sender_name="", to=("a@example.cn",), subject="s", body="b",
                      attachments=(Attachment(name, b"x"),))
    )  # fmt: skip
    assert max(len(line) for line in raw.split(b"\r\n")) < 200
    assert b"filename*0*=utf-8''" in raw and b"filename*1*=" in raw
    words = [w for w in raw.split() if w.startswith(b"=?utf-8?b?")]
    assert words and all(len(w.strip(b'"')) <= 75 for w in words)
    (part,) = list(_parse(raw).iter_attachments())
    assert part.get_filename() == name
    assert _name_2047(part) == name
    assert attachment_name(email.message_from_bytes(raw, policy=policy.compat32).get_payload()[1]) == name


def test_draft_header_and_ascii_names() -> None:
    msg = build_message(sender="kh@example.cn", sender_name="组织部", to=("a@example.cn",), subject="x", body="y",
                        attachments=(Attachment("form.xlsx", b"1"),), draft=True)  # fmt: skip
    parsed = _parse(message_bytes(msg))
    assert parsed["X-Unsent"] == "1"
    (part,) = list(parsed.iter_attachments())
    assert part.get_filename() == "form.xlsx"
    assert part.get_param("name") == "form.xlsx"
    assert parsed["Message-ID"].endswith("@example.cn>")


# ---- incoming names: built by hand, the way other mail clients write them -------------------
NAME = "西山村自评表（堃）.xlsx"  # 堃 is GBK but not GB2312: a gb2312 label must still decode


def _raw_message(attachment_headers: bytes) -> bytes:
    return (
        b"From: unit@example.cn\r\nTo: kh@example.cn\r\nSubject: =?gb2312?B?"
        + base64.b64encode("回复：自评表".encode("gbk"))
        + b"?=\r\nMessage-ID: <x@example.cn>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="BB"\r\n\r\n--BB\r\n'
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nhi\r\n--BB\r\n"
        + attachment_headers
        + b"Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(XLSX)
        + b"\r\n--BB--\r\n"
    )


ENCODED_FORMS = {
    "rfc2047_gb2312_in_name": b'Content-Type: application/octet-stream; name="=?gb2312?B?'
    + base64.b64encode(NAME.encode("gbk"))
    + b'?="\r\nContent-Disposition: attachment\r\n',
    "rfc2047_gbk_q_in_filename": b'Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="=?GBK?Q?'
    + "".join(f"={b:02X}" for b in NAME.encode("gbk")).encode()
    + b'?="\r\n',
    "rfc2231_gbk": b"Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename*=gbk''"
    + quote(NAME.encode("gbk")).encode()
    + b"\r\n",
    "rfc2231_utf8_continuation": b"Content-Type: application/octet-stream\r\nContent-Disposition: attachment;\r\n"
    b" filename*0*=utf-8''" + quote(NAME[:4]).encode() + b";\r\n filename*1*=" + quote(NAME[4:]).encode() + b"\r\n",
    "raw_8bit_gbk": b'Content-Type: application/vnd.ms-excel; name="'
    + NAME.encode("gbk")
    + b'"\r\nContent-Disposition: attachment; filename="'
    + NAME.encode("gbk")
    + b'"\r\n',
    "raw_8bit_utf8": b'Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="'
    + NAME.encode("utf-8")
    + b'"\r\n',
}


@pytest.mark.parametrize("form", sorted(ENCODED_FORMS))
def test_incoming_attachment_names_decode(form: str) -> None:
    msg = email.message_from_bytes(_raw_message(ENCODED_FORMS[form]), policy=policy.compat32)
    part = msg.get_payload()[1]
    assert attachment_name(part) == NAME
    assert part.get_payload(decode=True) == XLSX
    assert decode_text(msg["Subject"]) == "回复：自评表"


def test_decode_text_mixed_words() -> None:
    assert (
        decode_text("=?utf-8?b?5Lic5rmW?= =?gb2312?B?" + base64.b64encode("村".encode("gbk")).decode() + "?=")
        == "东湖村"
    )
    assert decode_text(None) == ""
    assert decode_text("plain") == "plain"


# ---- templates and settings -----------------------------------------------------------------
def test_render_keeps_unknown_placeholders_visible() -> None:
    text = render(
        "{单位名称}：请于{截止日期}前回复，{未知项}，{{原样}}", {"单位名称": "东湖村", "截止日期": "12月31日"}
    )
    assert text == "东湖村：请于12月31日前回复，{未知项}，{原样}"


@pytest.mark.parametrize("template", ["缺右括号 {单位名称", "位置参数 {}", "{0}"])
def test_render_rejects_broken_template(template: str) -> None:
    with pytest.raises(MailError, match="模板"):
        render(template, {}, "mail.templates.self.body")


def test_settings_defaults_and_overrides(campaign: Campaign) -> None:
    settings = mail_settings(campaign)
    assert settings.smtp.port == 465 and settings.smtp.security == "ssl"
    assert settings.tag == f"[考核-{campaign.id[:6]}]"
    assert set(settings.templates) == set(MAIL_KINDS)
    assert all(subject and body for subject, body in settings.templates.values())
    campaign.config["mail"] = {
        "smtp": {"host": "smtp.example.cn", "port": "587", "security": "STARTTLS", "user": "kh@example.cn"},
        "assessors": {"第一考核组": "a@example.cn；b@example.cn"},
        "templates": {"self": {"subject": "自定义 {单位名称}"}},
        "tag": "[2023考核]",
    }
    settings = mail_settings(campaign)
    assert (settings.smtp.port, settings.smtp.security, settings.smtp.sender) == (587, "starttls", "kh@example.cn")
    assert settings.imap.user == "kh@example.cn"  # same mailbox unless told otherwise
    assert settings.assessors == {"第一考核组": ("a@example.cn", "b@example.cn")}
    assert settings.templates["self"][0] == "自定义 {单位名称}"
    assert settings.templates["self"][1] == default_mail_config()["templates"]["self"]["body"]
    assert settings.tag == "[2023考核]"


@pytest.mark.parametrize(
    ("smtp", "message"),
    [
        ({"security": "tls"}, "security"),
        ({"port": "abc"}, "port"),
        ({"port": 70000}, "port"),
        ({"pause_seconds": -1}, "pause_seconds"),
    ],
)
def test_settings_errors_name_the_setting(campaign: Campaign, smtp: dict[str, object], message: str) -> None:
    campaign.config["mail"] = {"smtp": smtp}
    with pytest.raises(MailError, match=message):
        mail_settings(campaign)


def test_default_config_written_to_campaign_yaml_round_trips(campaign: Campaign) -> None:
    campaign.config["mail"] = default_mail_config()
    campaign.save_config()
    reopened = Campaign.open(campaign.root)
    assert mail_settings(reopened).templates == mail_settings(campaign).templates
    saved = yaml.safe_load((campaign.root / "campaign.yaml").read_text(encoding="utf-8"))["mail"]
    assert {"smtp", "imap", "templates", "assessors", "raters", "tag"} <= set(saved)
    assert not [key for section in ("smtp", "imap") for key in saved[section] if key == "password"]


def test_settings_errors_point_at_what_a_clerk_has(campaign: Campaign) -> None:
    """No docs/ folder comes with a pip install: messages name campaign.yaml keys instead."""
    from kaohe_xl.mail.fetch import fetch

    campaign.config["mail"] = "smtp.example.cn"  # not a settings table
    with pytest.raises(MailError, match="删去整个 mail 一项") as bad:
        mail_settings(campaign)
    campaign.config["mail"] = default_mail_config()  # imap.host still empty
    with pytest.raises(MailError, match=r"mail\.imap") as unset:
        fetch(campaign, "")
    assert "docs/" not in str(bad.value) + str(unset.value)


@pytest.mark.parametrize(
    ("name", "subject"),
    [
        ("南昌市2023年老干部工作目标管理考核", "南昌市2023年老干部工作目标管理考核结果反馈——东湖村"),
        ("2023年老干部工作", "2023年老干部工作考核结果反馈——东湖村"),
    ],
)
def test_feedback_subject_reads_naturally(campaign: Campaign, name: str, subject: str) -> None:
    """A name ending in 考核 is not followed by 考核结果反馈 (…考核考核结果反馈)."""
    from kaohe_xl.mail.plan import outgoing

    tag = f"[考核-{campaign.id[:6]}] "
    campaign.config["mail"]["placeholders"] = {"考核名称": name}
    assert outgoing(campaign, "feedback", mail_settings(campaign))[0].subject == tag + subject
    # campaign.yaml written by an earlier version holds the old default text: read as today's
    campaign.config["mail"]["templates"]["feedback"]["subject"] = "{考核名称}考核结果反馈——{单位名称}"
    assert outgoing(campaign, "feedback", mail_settings(campaign))[0].subject == tag + subject
    # a clerk's own template and an explicit {结果反馈} are kept as written
    campaign.config["mail"]["templates"]["feedback"]["subject"] = "{考核名称}的{结果反馈}"
    campaign.config["mail"]["placeholders"]["结果反馈"] = "考评反馈"
    assert outgoing(campaign, "feedback", mail_settings(campaign))[0].subject == f"{tag}{name}的考评反馈"


def test_password_from_environment_or_prompt(campaign: Campaign, monkeypatch: pytest.MonkeyPatch) -> None:
    campaign.config["mail"] = {"smtp": {"user": "kh@example.cn", "password_env": "KAOHE_TEST_PW"}}
    smtp = mail_settings(campaign).smtp
    monkeypatch.setenv("KAOHE_TEST_PW", "from-env")
    assert resolve_password(smtp) == "from-env"
    monkeypatch.delenv("KAOHE_TEST_PW")
    assert resolve_password(smtp, lambda question: "typed" if "kh@example.cn" in question else "") == "typed"
    with pytest.raises(MailError, match="KAOHE_TEST_PW"):
        resolve_password(smtp)


def test_split_addresses() -> None:
    assert split_addresses("a@x.cn; b@x.cn，c@x.cn") == ("a@x.cn", "b@x.cn", "c@x.cn")
    assert split_addresses(["a@x.cn", "b@x.cn c@x.cn"]) == ("a@x.cn", "b@x.cn", "c@x.cn")
    assert split_addresses(None) == ()
