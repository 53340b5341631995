"""Fetching returns from a real IMAP server (dovecot on 127.0.0.1) and collecting them."""

from __future__ import annotations

import base64
import io
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from _mail_helpers import IMAP_PASSWORD, CertFiles, Dovecot, free_port
from _mail_helpers import dovecot as dovecot
from _mail_helpers import test_cert as test_cert
from click.testing import CliRunner

from kaohe_xl.campaign import Campaign
from kaohe_xl.cli.commands import main
from kaohe_xl.errors import MailError
from kaohe_xl.forms.fill import fill_self_form
from kaohe_xl.forms.generate import generate_forms
from kaohe_xl.mail.fetch import _imap_utf7, _save, fetch
from kaohe_xl.rubric.model import FormKind
from kaohe_xl.store.records import ReturnState
from kaohe_xl.store.status import collection_status

pytestmark = pytest.mark.imap

SCORES = {"1": 4, "2": 2, "3": 3.5, "4": 0, "5": 0, "6": "否"}


def mime(subject: bytes, parts: list[tuple[bytes, bytes]], message_id: str | None = None) -> bytes:
    """A raw message as another mail client would write it; parts = (attachment headers, data)."""
    head = b"From: unit@example.cn\r\nTo: kh@example.cn\r\nSubject: " + subject + b"\r\n"
    if message_id is not None:
        head += f"Message-ID: <{message_id}>\r\n".encode()
    body = head + b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="XX"\r\n\r\n'
    body += b"--XX\r\nContent-Type: text/plain; charset=gbk\r\n\r\n" + "已填好，请查收。".encode("gbk") + b"\r\n"
    for headers, data in parts:
        body += b"--XX\r\n" + headers + b"Content-Transfer-Encoding: base64\r\n\r\n"
        body += base64.encodebytes(data).replace(b"\n", b"\r\n")
    return body + b"--XX--\r\n"


def gb2312_subject(text: str) -> bytes:
    return b"=?gb2312?B?" + base64.b64encode(text.encode("gbk")) + b"?="


def raw_gbk_name(name: str) -> bytes:
    """A raw 8-bit GBK file name, as old clients write it (no MIME encoding at all)."""
    encoded = name.encode("gbk")
    return b'Content-Type: application/octet-stream; name="' + encoded + b'"\r\nContent-Disposition: attachment; filename="' + encoded + b'"\r\n'  # fmt: skip


def rfc2231_gbk(name: str, content_type: bytes = b"application/zip") -> bytes:
    return b"Content-Type: " + content_type + b"\r\nContent-Disposition: attachment; filename*=gbk''" + quote(name.encode("gbk")).encode() + b"\r\n"  # fmt: skip


def rfc2047_gb2312(name: str, content_type: bytes = b"application/octet-stream") -> bytes:
    word = b"=?gb2312?B?" + base64.b64encode(name.encode("gbk")) + b"?="
    return b"Content-Type: " + content_type + b'; name="' + word + b'"\r\nContent-Disposition: attachment; filename="' + word + b'"\r\n'  # fmt: skip


@pytest.fixture
def mailbox(campaign: Campaign, dovecot: Dovecot, test_cert: CertFiles) -> tuple[Campaign, Dovecot, str]:
    """The small campaign with forms generated, reading a fresh mailbox on the dovecot server."""
    generate_forms(campaign, [FormKind.SELF])
    user = f"u{uuid.uuid4().hex[:10]}"
    dovecot.maildir(user)
    campaign.config["mail"] = {
        "imap": {
            "host": "127.0.0.1",
            "port": dovecot.port,
            "security": "ssl",
            "user": user,
            "cafile": str(test_cert.cert),
        }
    }
    campaign.save_config()
    return campaign, dovecot, user


def filled(campaign: Campaign, unit_id: str, tmp: Path) -> bytes:
    out = fill_self_form(campaign.form_path(FormKind.SELF, unit_id), SCORES, out=tmp / f"filled_{unit_id}.xlsx")
    return out.read_bytes()


def zipped(name: str, data: bytes) -> bytes:
    """A zip holding one member, byte-identical on every call (a fixed member date, not "now")."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo(name, date_time=(2023, 12, 1, 9, 0, 0)), data)
    return buffer.getvalue()


def inbox(campaign: Campaign) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(campaign.inbox_dir.iterdir())}


def test_fetch_saves_and_collects_exactly_the_returns(mailbox: Any, tmp_path: Path) -> None:
    campaign, server, user = mailbox
    tag = f"[考核-{campaign.id[:6]}]"
    form01, form02, form03 = (filled(campaign, u, tmp_path) for u in ("01", "02", "03"))
    zip02 = zipped("西山村.xlsx", form02)
    reply01 = mime(gb2312_subject(f"回复：{tag} 测试考核自评表——东湖村"), [(raw_gbk_name("东湖村自评表（已填）.xlsx"), form01)], "r01@example.cn")  # fmt: skip
    messages = [
        reply01,
        reply01,  # the same message twice in the mailbox (same Message-ID)
        # no tag, but a zip of a workbook, named in RFC 2231 GBK form
        mime(
            b"=?utf-8?b?" + base64.b64encode("西山村材料".encode()) + b"?=",
            [(rfc2231_gbk("西山村自评表.zip"), zip02)],
            "r02@example.cn",
        ),
        # tagged, a non-workbook attachment beside a workbook whose name tries path traversal
        mime(
            f"Re: {tag} 南岭村".encode().replace(tag.encode(), gb2312_subject(tag)),  # encoded tag
            [
                (rfc2047_gb2312("佐证照片.jpg", b"image/jpeg"), b"\xff\xd8jpeg"),
                (rfc2047_gb2312("../../自评表.xlsx"), form03),
            ],
            "r03@example.cn",
        ),
        # tagged, a second 自评表.xlsx that is not a workbook at all: saved as 自评表(1).xlsx, rejected by collect
        mime(gb2312_subject(f"{tag} 又一份"), [(rfc2047_gb2312("自评表.xlsx"), b"not a workbook")], "r04@example.cn"),
        # a unit sending the same file again in a new message: identical bytes are not saved twice
        mime(gb2312_subject(f"{tag} 重发"), [(raw_gbk_name("东湖村自评表.xlsx"), form01)], "r05@example.cn"),
        # unrelated mail: no tag, no workbook
        mime(
            b"lunch", [(rfc2047_gb2312("menu.docx", b"application/octet-stream"), b"PK\x03\x04doc")], "r06@example.cn"
        ),
        # no Message-ID at all: identified by its content hash
        mime(gb2312_subject(f"{tag} 无编号"), [(rfc2047_gb2312("notes.txt", b"text/plain"), b"hello")]),
    ]
    for raw in messages:
        server.deliver(user, raw)
    # a return received before the campaign started is not looked at
    server.deliver(user, mime(gb2312_subject(tag), [(raw_gbk_name("旧.xlsx"), form01)], "old@example.cn"), mtime=time.time() - 5 * 86400)  # fmt: skip

    report = fetch(campaign, IMAP_PASSWORD)
    assert (report.examined, report.known, report.new, report.unrelated) == (8, 1, 7, 1)
    saved = inbox(campaign)
    assert saved == {
        "东湖村自评表（已填）.xlsx": form01,
        "西山村自评表.zip": zip02,
        "自评表.xlsx": form03,
        "自评表(1).xlsx": b"not a workbook",
    }
    assert sorted(p.name for p in report.saved) == sorted(saved)
    assert report.duplicates == ["东湖村自评表.xlsx"]
    assert sorted(report.ignored) == ["notes.txt", "佐证照片.jpg"]
    assert not (campaign.root.parent / "自评表.xlsx").exists() and not (campaign.root / "自评表.xlsx").exists()
    collected = report.collected
    assert (collected.accepted, collected.invalid, collected.rejected) == (3, 0, 1)
    states = {s.unit_id: s.state for s in collection_status(campaign) if s.form is FormKind.SELF}
    assert states == {"01": ReturnState.OK, "02": ReturnState.OK, "03": ReturnState.OK}

    again = fetch(campaign, IMAP_PASSWORD)  # twice in a row: nothing new, nothing duplicated
    assert (again.examined, again.known, again.new, again.saved, again.collected) == (8, 8, 0, [], None)
    assert inbox(campaign) == saved
    conn = campaign.connect()
    try:
        ids = [row[0] for row in conn.execute("SELECT message_id FROM fetched_messages ORDER BY message_id")]
        files = conn.execute("SELECT COUNT(*) FROM files").fetchone()[0]
    finally:
        conn.close()
    assert len(ids) == 7 and "<r01@example.cn>" in ids and sum(i.startswith("sha256:") for i in ids) == 1
    assert files == 5  # form01, the zip and the workbook inside it, form03, the non-workbook: each once

    # a message arriving later is the only one fetched next time
    server.deliver(user, mime(gb2312_subject(f"{tag} 更正"), [(raw_gbk_name("东湖村更正.xlsx"), b"PK\x03\x04changed")], "r07@example.cn"))  # fmt: skip
    third = fetch(campaign, IMAP_PASSWORD, collect=False)
    assert (third.new, [p.name for p in third.saved], third.collected) == (1, ["东湖村更正.xlsx"], None)


def test_fetch_cli_and_login_failure(mailbox: Any, tmp_path: Path) -> None:
    campaign, server, user = mailbox
    tag = f"[考核-{campaign.id[:6]}]"
    server.deliver(user, mime(gb2312_subject(tag), [(raw_gbk_name("南岭村.xlsx"), filled(campaign, "03", tmp_path))], "c1@example.cn"))  # fmt: skip
    runner = CliRunner()
    bad = runner.invoke(main, ["fetch", str(campaign.root)], env={"KAOHE_IMAP_PASSWORD": "wrong"})
    assert bad.exit_code == 1 and "拒绝登录" in bad.output and "KAOHE_IMAP_PASSWORD" in bad.output
    good = runner.invoke(main, ["fetch", str(campaign.root)], env={"KAOHE_IMAP_PASSWORD": IMAP_PASSWORD})
    assert good.exit_code == 0, good.output
    assert "已保存 南岭村.xlsx" in good.output and "接收 1 份" in good.output


def test_fetch_connection_errors(campaign: Campaign, test_cert: CertFiles) -> None:
    campaign.config["mail"] = {"imap": {"host": "127.0.0.1", "port": free_port(), "user": "x"}}
    with pytest.raises(MailError, match="无法连接收信服务器"):
        fetch(campaign, "pw")
    campaign.config["mail"] = {"imap": {"host": ""}}
    with pytest.raises(MailError, match="没有设置收信服务器"):
        fetch(campaign, "pw")


def test_fetch_untrusted_certificate(mailbox: Any) -> None:
    campaign, _server, _user = mailbox
    campaign.config["mail"]["imap"]["cafile"] = ""
    with pytest.raises(MailError, match="加密连接失败"):
        fetch(campaign, IMAP_PASSWORD)


def test_missing_folder_is_named(mailbox: Any) -> None:
    campaign, _server, _user = mailbox
    campaign.config["mail"]["imap"]["folder"] = "考核回收"
    with pytest.raises(MailError, match="考核回收"):
        fetch(campaign, IMAP_PASSWORD)


def test_save_never_overwrites_or_escapes(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    assert _save(folder, "../../a.xlsx", b"1") == folder / "a.xlsx"
    assert _save(folder, "..\\..\\a.xlsx", b"2") == folder / "a(1).xlsx"
    assert _save(folder, "C:\\Users\\x\\a.xlsx", b"3") == folder / "a(2).xlsx"
    assert _save(folder, "...", b"4").parent == folder
    assert _save(folder, "con.xlsx", b"5").name == "_con.xlsx"
    assert _save(folder, 'a<b>:"|?*.xlsx', b"6").name == "a_b______.xlsx"
    assert sorted(p.read_bytes() for p in folder.iterdir()) == [b"1", b"2", b"3", b"4", b"5", b"6"]
    assert list(tmp_path.iterdir()) == [folder]


def test_imap_folder_names_in_modified_utf7() -> None:
    assert _imap_utf7("INBOX") == '"INBOX"'
    assert _imap_utf7("台北") == '"&U,BTFw-"'  # the example of RFC 3501 5.1.3
    assert _imap_utf7("考核 & 回收") == '"&gANoOA- &- &Vt5lNg-"'
