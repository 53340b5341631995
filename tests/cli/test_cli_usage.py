"""A wrong command line is explained in Chinese, with the help command to run; exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kaohe_xl.cli.commands import main
from kaohe_xl.cli.usage import chinese


@pytest.mark.parametrize(
    ("args", "said", "help_for"),
    [
        (["init", "c"], "缺少选项 --rubric", "kaohe init --help"),
        (
            ["init", "c", "--rubric", "没有这个.xlsx", "--units", "u"],
            "--rubric：“没有这个.xlsx”不存在",
            "kaohe init --help",
        ),
        (["generate"], "缺少参数 CAMPAIGN", "kaohe generate --help"),
        (
            ["generate", ".", "--form", "全部"],
            "--form 的值“全部”无效，可选：self、assessor、rater、ballot、all",
            "kaohe generate",
        ),
        (["colect", "."], "没有命令“colect”", "kaohe --help"),
        (["status", ".", "--missng"], "没有选项 --missng", "kaohe status --help"),
        (["status", ".", "多余"], "多余的参数：多余", "kaohe status --help"),
        (["collect", ".", "--quie"], "没有选项 --quie（是否想输入 --quiet？）", "kaohe collect --help"),
        (["summary", ".", "-o"], "选项 -o 后面需要填写一个值", "kaohe summary --help"),
        (["status", ".", "--missing=1"], "选项 --missing 不需要填写值", "kaohe status --help"),
        (["addin", "run"], "缺少参数 BUTTON", "kaohe addin run --help"),
        (["collect", ".", "不存在的文件夹"], "PATHS...：“不存在的文件夹”不存在，请检查路径", "kaohe collect --help"),
    ],
)
def test_usage_errors_are_in_chinese(tmp_path: Path, args: list[str], said: str, help_for: str) -> None:
    outcome = CliRunner().invoke(main, args, prog_name="kaohe")
    assert outcome.exit_code == 2
    assert f"用法错误：{said}" in outcome.output and f"查看用法：{help_for}" in outcome.output
    assert "Error:" not in outcome.output and "Traceback" not in outcome.output


def test_unknown_click_message_keeps_the_english_behind_a_chinese_lead() -> None:
    message = "Option '--x' cannot be used together with '--y'."
    assert chinese(message) == f"命令用法有误（{message}）"
