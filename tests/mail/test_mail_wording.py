"""Mail text without a deadline or a contact reads naturally, and init/--dry-run say so."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner
from conftest import SMALL_SETTINGS, write_rubric_workbook, write_units_workbook

from kaohe_xl.campaign import Campaign
from kaohe_xl.cli.commands import main
from kaohe_xl.forms.generate import generate_forms
from kaohe_xl.mail.config import MailKind, mail_settings, mail_warnings
from kaohe_xl.mail.plan import outgoing
from kaohe_xl.mail.wording import render, unmarked
from kaohe_xl.resources import mail_defaults
from kaohe_xl.rubric.model import FormKind

NO_DEADLINE = {k: v for k, v in SMALL_SETTINGS.items() if k not in ("截止日期", "联系人")}


def test_optional_parts_go_with_their_empty_placeholder() -> None:
    template = "请[[于{截止日期}前]]回复。\n\n[[联系人：{联系人}]][[　电话：{联系电话}]]\n[[{发件人}]]\n{日期}"
    values = {"截止日期": "", "联系人": "", "联系电话": "0791-1", "发件人": "", "日期": "12月1日"}
    assert render(template, values) == "请回复。\n\n电话：0791-1\n12月1日"
    full = {"截止日期": "12月31日", "联系人": "王", "联系电话": "1", "发件人": "局", "日期": "d"}
    assert render(template, full) == "请于12月31日前回复。\n\n联系人：王　电话：1\n局\nd"
    assert render("[[{未知}]]", {}) == "{未知}"  # an unknown placeholder stays visible, as before


def test_default_texts_without_deadline_or_contact(make_campaign: Callable[..., Campaign]) -> None:
    campaign = make_campaign(settings=NO_DEADLINE)
    generate_forms(campaign, [FormKind.SELF])
    settings = mail_settings(campaign)
    for kind in (MailKind.SELF, MailKind.REMIND):
        for mail in outgoing(campaign, kind, settings):
            assert "于前" not in mail.body and "联系人：" not in mail.body, mail.body
            assert "将填好的" in mail.body and "\n\n\n" not in mail.body
    warnings = mail_warnings(campaign)
    assert any("{截止日期}" in w and "设置" in w and "不写这一句" in w for w in warnings), warnings
    assert any("{联系人}" in w for w in warnings) and not any("{联系电话}" in w for w in warnings)


def test_cli_init_and_dry_run_warn_of_empty_settings(tmp_path: Path) -> None:
    rubric = write_rubric_workbook(tmp_path / "细则.xlsx", settings=NO_DEADLINE)
    units = write_units_workbook(tmp_path / "单位.xlsx")
    result = CliRunner().invoke(main, ["init", str(tmp_path / "c"), "--rubric", str(rubric), "--units", str(units)])
    assert result.exit_code == 0, result.output
    assert "{截止日期}" in result.output and "截止日期" in result.output, result.output
    generate_forms(Campaign.open(tmp_path / "c"), [FormKind.SELF])
    result = CliRunner().invoke(main, ["send", str(tmp_path / "c"), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "注意：" in result.output and "{截止日期}" in result.output


def test_a_campaign_with_the_old_default_text_gets_the_new_one(campaign: Campaign) -> None:
    new = mail_defaults()["templates"]["self"]["body"]
    campaign.config["mail"]["templates"]["self"]["body"] = unmarked(new)  # as kaohe init wrote it before
    campaign.save_config()
    assert mail_settings(Campaign.open(campaign.root)).templates["self"][1] == new
    edited = unmarked(new).replace("请打开附件", "请尽快打开附件")
    campaign.config["mail"]["templates"]["self"]["body"] = edited  # a clerk's own text is kept
    campaign.save_config()
    assert mail_settings(Campaign.open(campaign.root)).templates["self"][1] == edited
