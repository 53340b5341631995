"""Sending through a real SMTP server (aiosmtpd on 127.0.0.1): content, failures, resuming."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from email.header import decode_header, make_header
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from _mail_helpers import SMTP_PASSWORD, SMTP_USER, CertFiles, SmtpServer, free_port, start_smtp
from _mail_helpers import test_cert as test_cert
from click.testing import CliRunner
from conftest import RATER_CATEGORIES

from kaohe_xl.campaign import Campaign
from kaohe_xl.cli.commands import main
from kaohe_xl.forms.generate import generate_forms
from kaohe_xl.mail.drafts import write_drafts
from kaohe_xl.mail.plan import Action, missing_self_units
from kaohe_xl.mail.send import preview, send
from kaohe_xl.rubric.model import FormKind
from kaohe_xl.store.records import ReturnState, UnitState

ADDRESSES = {"01": ("donghu@example.cn",), "02": ("xishan@example.cn", "xs2@example.cn"), "03": ("nanling@example.cn",)}


def configure(campaign: Campaign, server: SmtpServer | None, cert: CertFiles, **smtp: Any) -> None:
    """Point the campaign's mail settings at the test server."""
    settings: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": server.port if server else free_port(),
        "security": server.security if server else "starttls",
        "user": SMTP_USER,
        "sender": SMTP_USER,
        "sender_name": "县委组织部考核办",
        "cafile": str(cert.cert),
        "pause_seconds": 0,
        "timeout": 5,
    }
    settings.update(smtp)
    campaign.config["mail"] = {"smtp": settings}
    campaign.save_config()


@pytest.fixture
def smtp_server(test_cert: CertFiles) -> Iterator[SmtpServer]:
    controller, server = start_smtp(test_cert, "starttls")
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def ready(campaign: Campaign, smtp_server: SmtpServer, test_cert: CertFiles) -> Campaign:
    """The small campaign with its forms generated and mail pointed at the STARTTLS server."""
    generate_forms(campaign, [FormKind.SELF, FormKind.ASSESSOR])
    configure(campaign, smtp_server, test_cert)
    return campaign


def log_rows(campaign: Campaign) -> list[dict[str, Any]]:
    conn = campaign.connect()
    try:
        return [dict(row) for row in conn.execute("SELECT * FROM send_log ORDER BY id")]
    finally:
        conn.close()


def received_count(server: SmtpServer) -> dict[str, int]:
    return {address: len(items) for address, items in server.handler.by_recipient().items()}


def name_2047(part: EmailMessage) -> str:
    raw = part.get_param("name", header="content-type")
    assert isinstance(raw, str)
    return str(make_header(decode_header(raw)))


# ---- what arrives ---------------------------------------------------------------------------
def test_each_unit_gets_exactly_its_own_workbook(ready: Campaign, smtp_server: SmtpServer) -> None:
    report = send(ready, "self", SMTP_PASSWORD)
    assert (report.count("sent"), report.count("failed"), report.run_error) == (3, 0, "")
    tag = f"[考核-{ready.id[:6]}]"
    by_message_id = {}
    assert len(smtp_server.handler.received) == 3
    for item in smtp_server.handler.received:
        msg = item.message()
        unit = next(u for u in ready.units if tuple(item.rcpt_tos) == ADDRESSES[u.id])
        assert item.mail_from == SMTP_USER
        assert [a.addr_spec for a in msg["To"].addresses] == list(ADDRESSES[unit.id])
        assert msg["From"].addresses[0].display_name == "县委组织部考核办"
        assert str(msg["Subject"]) == f"{tag} 测试考核自评表——{unit.name}"
        body = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        for expected in (
            f"{unit.name}：",
            "《测试考核》",
            "2023年12月31日",
            "王老师",
            "0791-12345678",
            "县委组织部考核办",
        ):
            assert expected in body
        assert "{" not in body
        form = ready.form_path(FormKind.SELF, unit.id)
        (part,) = list(msg.iter_attachments())
        assert part.get_content() == form.read_bytes()  # byte-identical to the generated workbook
        assert part.get_filename() == form.name == f"{unit.id}_{unit.name}_自评表.xlsx"  # RFC 2231
        assert name_2047(part) == form.name  # RFC 2047, for Outlook and Foxmail
        by_message_id[msg["Message-ID"]] = (unit.id, hashlib.sha256(form.read_bytes()).hexdigest())
    rows = log_rows(ready)
    assert [(r["unit_id"], r["form_kind"], r["status"], r["error"]) for r in rows] == [
        ("01", "self", "sent", ""),
        ("02", "self", "sent", ""),
        ("03", "self", "sent", ""),
    ]
    for row in rows:
        assert by_message_id[row["message_id"]] == (row["unit_id"], row["attachment_sha256"])
        assert row["addresses"] == ",".join(ADDRESSES[row["unit_id"]])
    # nothing is sent twice unless forced
    again = send(ready, "self", SMTP_PASSWORD)
    assert again.count("sent") == 0 and [p.action for p in again.skipped] == [Action.DONE] * 3
    assert len(smtp_server.handler.received) == 3
    forced = send(ready, "self", SMTP_PASSWORD, force=True)
    assert forced.count("sent") == 3 and len(smtp_server.handler.received) == 6


def test_implicit_tls(campaign: Campaign, test_cert: CertFiles) -> None:
    generate_forms(campaign, [FormKind.SELF])
    controller, server = start_smtp(test_cert, "ssl")
    try:
        configure(campaign, server, test_cert)
        assert send(campaign, "self", SMTP_PASSWORD).count("sent") == 3
        assert received_count(server) == {a: 1 for addresses in ADDRESSES.values() for a in addresses}
    finally:
        controller.stop()


def test_untrusted_certificate_is_a_run_failure(ready: Campaign, smtp_server: SmtpServer, test_cert: CertFiles) -> None:
    configure(ready, smtp_server, test_cert, cafile="")  # system trust store: the test cert is unknown
    report = send(ready, "self", SMTP_PASSWORD)
    assert "加密连接失败" in report.run_error
    assert {r["error"].split(":")[0] for r in log_rows(ready)} == {"connect"}
    assert smtp_server.handler.received == []


# ---- failures and resuming -----------------------------------------------------------------
def test_authentication_failure_is_logged_and_resumable(ready: Campaign, smtp_server: SmtpServer) -> None:
    report = send(ready, "self", "wrong password")
    assert "拒绝登录" in report.run_error and "KAOHE_SMTP_PASSWORD" in report.run_error
    rows = log_rows(ready)
    assert [(r["unit_id"], r["status"]) for r in rows] == [("01", "failed"), ("02", "failed"), ("03", "failed")]
    assert all(r["error"].startswith("auth: ") for r in rows)
    assert smtp_server.handler.received == []
    # nothing was transferred, so a plain run sends everything once the password is right
    assert send(ready, "self", SMTP_PASSWORD).count("sent") == 3
    assert send(ready, "self", SMTP_PASSWORD).count("sent") == 0
    assert received_count(smtp_server) == {a: 1 for addresses in ADDRESSES.values() for a in addresses}


def test_refused_connection_is_logged_and_resumable(
    ready: Campaign,
    smtp_server: SmtpServer,
    test_cert: CertFiles,
) -> None:
    configure(ready, None, test_cert)  # a port nobody listens on
    report = send(ready, "self", SMTP_PASSWORD)
    assert "无法连接邮件服务器" in report.run_error
    assert [r["error"].split(":")[0] for r in log_rows(ready)] == ["connect"] * 3
    configure(ready, smtp_server, test_cert)
    assert send(ready, "self", SMTP_PASSWORD).count("sent") == 3
    assert send(ready, "self", SMTP_PASSWORD, retry_failed=True).count("sent") == 0
    assert len(smtp_server.handler.received) == 3


def test_rejected_recipient_is_logged_and_the_rest_go_on(ready: Campaign, smtp_server: SmtpServer) -> None:
    smtp_server.handler.reject = {"xs2@example.cn", "nanling@example.cn"}
    report = send(ready, "self", SMTP_PASSWORD)
    assert [r.status for r in report.results] == ["sent", "partial", "failed"]
    assert report.run_error == ""
    rows = [(r["unit_id"], r["addresses"], r["status"], r["error"][:8]) for r in log_rows(ready)]
    assert rows == [
        ("01", "donghu@example.cn", "sent", ""),
        ("02", "xishan@example.cn", "sent", ""),
        ("02", "xs2@example.cn", "failed", "refused:"),
        ("03", "nanling@example.cn", "failed", "refused:"),
    ]
    assert "550" in log_rows(ready)[3]["error"]
    # a plain run does not retry rejected addresses; --retry-failed does, and only those
    assert [p.action for p in preview(ready, "self")] == [Action.DONE, Action.FAILED, Action.FAILED]
    assert send(ready, "self", SMTP_PASSWORD).count("sent") == 0
    smtp_server.handler.reject = set()
    retry = send(ready, "self", SMTP_PASSWORD, retry_failed=True)
    assert [(r.planned.out.subject_id, r.planned.addresses, r.status) for r in retry.results] == [
        ("02", ("xs2@example.cn",), "sent"),
        ("03", ("nanling@example.cn",), "sent"),
    ]
    assert received_count(smtp_server) == {a: 1 for addresses in ADDRESSES.values() for a in addresses}
    assert send(ready, "self", SMTP_PASSWORD, retry_failed=True).count("sent") == 0


def test_timeout_is_logged_and_the_rest_go_on(ready: Campaign, smtp_server: SmtpServer, test_cert: CertFiles) -> None:
    configure(ready, smtp_server, test_cert, timeout=1)
    smtp_server.handler.stall_for = {"xishan@example.cn"}
    smtp_server.handler.stall_seconds = 4
    report = send(ready, "self", SMTP_PASSWORD)
    assert [r.status for r in report.results] == ["sent", "failed", "sent"]  # reconnected after the timeout
    assert report.results[1].error.startswith("timeout: ")
    assert [r["status"] for r in log_rows(ready)] == ["sent", "failed", "sent"]
    # the server may have delivered a timed-out message: only --retry-failed sends it again
    assert send(ready, "self", SMTP_PASSWORD).count("sent") == 0
    assert send(ready, "self", SMTP_PASSWORD, retry_failed=True).count("sent") == 1
    assert received_count(smtp_server) == {a: 1 for addresses in ADDRESSES.values() for a in addresses}


def test_pause_between_messages(ready: Campaign, smtp_server: SmtpServer, test_cert: CertFiles) -> None:
    configure(ready, smtp_server, test_cert, pause_seconds=0.3)
    started = time.monotonic()
    assert send(ready, "self", SMTP_PASSWORD).count("sent") == 3
    assert time.monotonic() - started >= 0.6  # two pauses between three messages


# ---- other kinds ---------------------------------------------------------------------------
def test_assessor_forms_go_to_configured_group_addresses(ready: Campaign, smtp_server: SmtpServer) -> None:
    planned = preview(ready, "assessor")
    assert [p.action for p in planned] == [Action.BLOCKED, Action.BLOCKED]
    assert "mail.assessors" in planned[0].note and "第一考核组" in planned[0].note
    ready.config["mail"]["assessors"] = {"第一考核组": "g1@example.cn; g1b@example.cn", "第二考核组": ["g2@example.cn"]}
    report = send(ready, "assessor", SMTP_PASSWORD)
    assert report.count("sent") == 2
    first = smtp_server.handler.by_recipient()["g1b@example.cn"][0].message()
    (part,) = list(first.iter_attachments())
    form = ready.form_path(FormKind.ASSESSOR, "第一考核组", "第一考核组")
    assert part.get_content() == form.read_bytes() and name_2047(part) == form.name
    assert "第一考核组" in str(first["Subject"])


RATER_SOURCES = [
    {"来源": "自评", "表单": "自评表", "权重": 0},
    {"来源": "考核组", "表单": "考核组评分表", "权重": 0.9},
    {"来源": "班子评分", "表单": "评分表", "权重": 0.1, "评分人": "张书记、李镇长"},
]


def test_rater_forms_go_to_configured_rater_addresses(
    make_campaign: Callable[..., Campaign],
    smtp_server: SmtpServer,
    test_cert: CertFiles,
) -> None:
    campaign = make_campaign(categories=RATER_CATEGORIES, sources=RATER_SOURCES)
    generate_forms(campaign, [FormKind.RATER])
    configure(campaign, smtp_server, test_cert)
    campaign.config["mail"]["raters"] = {"张书记": "zhang@example.cn"}
    planned = preview(campaign, "rater")
    assert [(p.out.subject_id, p.action) for p in planned] == [
        ("班子评分_张书记", Action.SEND),
        ("班子评分_李镇长", Action.BLOCKED),
    ]
    assert "mail.raters" in planned[1].note and "李镇长" in planned[1].note
    assert planned[1].describe().startswith("[无法发送] 班子评分 李镇长 → （无邮箱）")  # each name once
    assert send(campaign, "rater", SMTP_PASSWORD).count("sent") == 1
    (item,) = smtp_server.handler.received
    (part,) = list(item.message().iter_attachments())
    assert item.rcpt_tos == ["zhang@example.cn"]
    assert part.get_filename() == name_2047(part) == "班子评分_张书记_评分表.xlsx"
    assert "张书记" in str(item.message()["Subject"])


def test_feedback_needs_the_feedback_workbooks(ready: Campaign, smtp_server: SmtpServer) -> None:
    planned = preview(ready, "feedback")
    assert {p.action for p in planned} == {Action.BLOCKED}
    assert "找不到反馈表" in planned[0].note and "01_" in planned[0].note
    folder = ready.output_dir / "反馈表"
    folder.mkdir(parents=True)
    (folder / "01_东湖村_反馈表.xlsx").write_bytes(b"feedback of 01")
    (folder / "010_别的村_反馈表.xlsx").write_bytes(b"not 01's")  # same prefix digits, other unit
    report = send(ready, "feedback", SMTP_PASSWORD)
    assert report.count("sent") == 1
    (item,) = smtp_server.handler.received
    assert item.rcpt_tos == ["donghu@example.cn"]
    assert [p.get_content() for p in item.message().iter_attachments()] == [b"feedback of 01"]


def test_missing_units_from_states() -> None:
    from kaohe_xl.rubric.model import Unit

    units = [Unit("01", "甲"), Unit("02", "乙"), Unit("03", "丙"), Unit("04", "丁")]
    states = [
        UnitState("01", FormKind.SELF, ReturnState.OK),
        UnitState("02", FormKind.SELF, ReturnState.INVALID),
        UnitState("03", FormKind.SELF, ReturnState.MISSING),
        UnitState("04", FormKind.ASSESSOR, ReturnState.OK),  # another form: does not count
    ]
    assert [u.id for u in missing_self_units(units, states)] == ["03", "04"]


def test_remind_only_units_still_missing(ready: Campaign, smtp_server: SmtpServer) -> None:
    from kaohe_xl.collect.run import collect
    from kaohe_xl.forms.fill import fill_self_form

    returned = fill_self_form(ready.form_path(FormKind.SELF, "01"), {"1": 4, "2": 2, "3": 3.5, "4": 0, "5": 0, "6": "否"},
                              out=ready.root / "东湖村回执.xlsx")  # fmt: skip
    assert collect(ready, [returned]).accepted == 1
    report = send(ready, "remind", SMTP_PASSWORD)
    assert [r.planned.out.subject_id for r in report.results] == ["02", "03"]
    msg = smtp_server.handler.by_recipient()["nanling@example.cn"][0].message()
    assert "【提醒】" in str(msg["Subject"]) and "南岭村" in str(msg["Subject"])
    assert [p.get_filename() for p in msg.iter_attachments()] == ["03_南岭村_自评表.xlsx"]
    # one reminder a day: again today sends nothing
    assert send(ready, "remind", SMTP_PASSWORD).count("sent") == 0
    assert {r["form_kind"] for r in log_rows(ready)} == {"remind"}


# ---- dry run, drafts, CLI -----------------------------------------------------------------
def test_dry_run_and_drafts_send_nothing(ready: Campaign, smtp_server: SmtpServer, tmp_path: Path) -> None:
    assert [p.action for p in preview(ready, "self")] == [Action.SEND] * 3
    drafts = write_drafts(ready, "self", tmp_path / "草稿")
    assert [p.name for p in drafts] == ["01_东湖村_自评表.eml", "02_西山村_自评表.eml", "03_南岭村_自评表.eml"]
    import email
    from email import policy

    msg = email.message_from_bytes(drafts[1].read_bytes(), policy=policy.default)
    assert isinstance(msg, EmailMessage)
    assert msg["X-Unsent"] == "1"
    assert [a.addr_spec for a in msg["To"].addresses] == list(ADDRESSES["02"])
    (part,) = list(msg.iter_attachments())
    assert part.get_content() == ready.form_path(FormKind.SELF, "02").read_bytes()
    assert smtp_server.handler.received == [] and log_rows(ready) == []


def run_cli(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Any:
    return CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)


def test_cli_send_remind_and_errors(ready: Campaign, smtp_server: SmtpServer, tmp_path: Path) -> None:
    folder = str(ready.root)
    result = run_cli("send", folder, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "东湖村" in result.output and "待发送" in result.output and smtp_server.handler.received == []
    result = run_cli("send", folder, "--eml-dir", str(tmp_path / "eml"))
    assert result.exit_code == 0 and len(list((tmp_path / "eml").glob("*.eml"))) == 3
    result = run_cli("send", folder, env={"KAOHE_SMTP_PASSWORD": "bad"})
    assert result.exit_code == 1 and "拒绝登录" in result.output
    result = run_cli("send", folder, env={"KAOHE_SMTP_PASSWORD": ""}, input=SMTP_PASSWORD + "\n")  # prompt
    assert result.exit_code == 0, result.output
    assert "发送成功 3 封" in result.output
    result = run_cli("send", folder, "--form", "assessor", env={"KAOHE_SMTP_PASSWORD": SMTP_PASSWORD})
    assert result.exit_code == 1 and "mail.assessors" in result.output  # nothing could be sent: say why
    result = run_cli("remind", folder, "--dry-run")
    assert result.exit_code == 0 and "南岭村" in result.output
    assert len(smtp_server.handler.received) == 3
    # the password typed at the prompt is stored nowhere in the campaign folder
    for path in ready.root.rglob("*"):
        assert not path.is_file() or SMTP_PASSWORD.encode() not in path.read_bytes(), path


def test_init_writes_the_mail_template_and_send_names_what_is_missing(campaign: Campaign) -> None:
    mail = campaign.config["mail"]
    assert mail["smtp"]["password_env"] == "KAOHE_SMTP_PASSWORD" and "{单位名称}" in mail["templates"]["self"]["body"]
    generate_forms(campaign, [FormKind.SELF])
    result = run_cli("send", str(campaign.root), env={"KAOHE_SMTP_PASSWORD": "x"})
    assert result.exit_code == 1
    assert "campaign.yaml" in result.output and "mail.smtp" in result.output and "host" in result.output
    # a clerk with a pip-installed kaohe has no docs/ folder: point at what they have
    assert "docs/" not in result.output and "kaohe send --help" in result.output
    header = (campaign.root / "campaign.yaml").read_text(encoding="utf-8").split("\nname:")[0]
    assert "README" not in header and "kaohe send --help" in header


def test_cli_writes_the_settings_template_into_an_older_campaign(campaign: Campaign) -> None:
    campaign.config["mail"] = {}  # a campaign.yaml written before init wrote mail defaults
    campaign.save_config()
    generate_forms(campaign, [FormKind.SELF])
    result = run_cli("send", str(campaign.root), env={"KAOHE_SMTP_PASSWORD": "x"})
    assert result.exit_code == 1
    assert "写入邮件设置模板" in result.output and "mail.smtp" in result.output
    mail = Campaign.open(campaign.root).config["mail"]
    assert mail["smtp"]["password_env"] == "KAOHE_SMTP_PASSWORD" and "{单位名称}" in mail["templates"]["self"]["body"]


@pytest.mark.parametrize("command", ["send", "remind", "fetch"])
def test_cli_commands_have_help(command: str) -> None:
    result = run_cli(command, "--help")
    assert result.exit_code == 0 and "Example" in result.output


def test_drafts_without_a_configured_sender_have_no_empty_from(campaign: Campaign, tmp_path: Path) -> None:
    """A fresh campaign (mail.smtp.sender '') can still write drafts: the mail client fills
    in From, so the draft must not carry an empty ``From:`` header (invalid, RFC 5322)."""
    import email
    from email import policy

    generate_forms(campaign, [FormKind.SELF])
    (draft, *_) = write_drafts(campaign, "self", tmp_path / "草稿")
    raw = draft.read_bytes()
    assert b"\r\nFrom:" not in raw and not raw.startswith(b"From:")
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage) and msg["X-Unsent"] == "1"
    (part,) = list(msg.iter_attachments())
    form = campaign.form_path(FormKind.SELF, "01")
    assert part.get_filename() == form.name and name_2047(part) == form.name


# ---- recipients that cannot be sent --------------------------------------------------------
def test_drafts_say_why_recipients_are_skipped_and_fail_when_none_is_written(
    ready: Campaign, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """--eml-dir prints the reason for each skipped recipient, as --dry-run and sending do,
    and exits 1 when not one draft could be written."""
    folder, drafts = str(ready.root), tmp_path / "草稿"
    result = run_cli("send", folder, "--form", "assessor", "--eml-dir", str(drafts))
    assert result.exit_code == 1, result.output
    for group in ("第一考核组", "第二考核组"):
        assert f"[无法发送] {group} → （无邮箱）" in result.output  # the group's name once
        assert f"mail.assessors 中没有“{group}”的邮箱" in result.output
    assert "没有可以写出的邮件草稿" in result.output and "已写出 0" not in result.output
    assert not list(drafts.glob("*.eml"))
    # one group configured: its draft is written, the other is reported, exit 0
    ready.config["mail"]["assessors"] = {"第一考核组": "g1@example.cn"}
    ready.save_config()
    result = run_cli("send", folder, "--form", "assessor", "--eml-dir", str(drafts))
    assert result.exit_code == 0, result.output
    assert "[无法发送] 第二考核组 → （无邮箱）" in result.output and "已写出 1 封邮件草稿" in result.output
    assert [p.name for p in drafts.glob("*.eml")] == ["第一考核组_第一考核组_考核组评分表.eml"]
    assert smtp_server.handler.received == [] and log_rows(ready) == []


def test_forms_never_generated_are_reported_for_drafts_and_sending(
    campaign: Campaign, smtp_server: SmtpServer, test_cert: CertFiles, tmp_path: Path
) -> None:
    configure(campaign, smtp_server, test_cert)
    folder = str(campaign.root)
    for extra in (["--eml-dir", str(tmp_path / "草稿")], []):
        result = run_cli("send", folder, *extra, env={"KAOHE_SMTP_PASSWORD": SMTP_PASSWORD})
        assert result.exit_code == 1, result.output
        for unit in campaign.units:
            assert f"[无法发送] {unit.id} {unit.name} → " in result.output
            assert f"找不到自评表 forms/自评表/{unit.id}_{unit.name}_自评表.xlsx" in result.output
        assert "已写出" not in result.output and "没有可以" in result.output
    assert not (tmp_path / "草稿").exists() or not list((tmp_path / "草稿").iterdir())
    assert smtp_server.handler.received == [] and log_rows(campaign) == []


def test_forms_of_an_older_rubric_are_held_back_until_regenerated(
    ready: Campaign, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """After the rubric is replaced without regenerating the forms (the library's
    Campaign.init(force=True); `kaohe update` regenerates them) the blank forms in forms/
    are stale, so none is sent."""
    from conftest import SMALL_ITEMS, write_rubric_workbook, write_units_workbook

    items = [dict(item) for item in SMALL_ITEMS]
    items[0]["分值"] = 5  # a changed rubric: the campaign's rubric hash changes
    changed = write_rubric_workbook(tmp_path / "新细则.xlsx", items=items)
    units = write_units_workbook(tmp_path / "单位.xlsx")
    folder = str(ready.root)
    Campaign.init(ready.root, changed, units, force=True)
    campaign = Campaign.open(ready.root)
    campaign.config["mail"]["assessors"] = {"第一考核组": "g1@example.cn", "第二考核组": "g2@example.cn"}
    campaign.save_config()
    stale = "是按旧的考核细则生成的（细则已修改），请先运行 kaohe generate 重新生成"
    for kind in ("self", "assessor", "remind"):
        planned = preview(campaign, kind)
        assert [p.action for p in planned] == [Action.BLOCKED] * len(planned) and planned, kind
        assert all(stale in p.note for p in planned)
    env = {"KAOHE_SMTP_PASSWORD": SMTP_PASSWORD}
    for args in (["send", folder], ["send", folder, "--form", "assessor"], ["remind", folder]):
        for extra in ([], ["--eml-dir", str(tmp_path / "草稿")]):
            result = run_cli(*args, *extra, env=env)
            assert result.exit_code == 1, (args, extra, result.output)
            assert stale in result.output and "forms/" in result.output
    assert smtp_server.handler.received == [] and log_rows(campaign) == []
    assert not list((tmp_path / "草稿").glob("*.eml"))
    # 反馈表 are not signed forms: the rubric change does not hold them back
    feedback = campaign.output_dir / "反馈表"
    feedback.mkdir(parents=True)
    (feedback / "01_东湖村_反馈表.xlsx").write_bytes(b"feedback of 01")
    assert preview(campaign, "feedback")[0].action is Action.SEND
    # regenerated for the current rubric: sent, and the form that arrives is the new one
    generate_forms(campaign, [FormKind.SELF, FormKind.ASSESSOR])
    result = run_cli("send", folder, env=env)
    assert result.exit_code == 0 and "发送成功 3 封" in result.output, result.output
    (part,) = list(smtp_server.handler.by_recipient()["donghu@example.cn"][0].message().iter_attachments())
    assert part.get_content() == campaign.form_path(FormKind.SELF, "01").read_bytes()


def test_a_form_signed_for_another_recipient_is_held_back(ready: Campaign) -> None:
    """Each recipient gets exactly its own workbook, whatever the file in forms/ is called."""
    own = ready.form_path(FormKind.SELF, "01")
    own.write_bytes(ready.form_path(FormKind.SELF, "02").read_bytes())  # copied over by hand
    planned = preview(ready, "self")
    assert [p.action for p in planned] == [Action.BLOCKED, Action.SEND, Action.SEND]
    assert "是为“02”生成的" in planned[0].note and "kaohe generate" in planned[0].note
