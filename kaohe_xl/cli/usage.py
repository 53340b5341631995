"""Usage errors of the ``kaohe`` command in Chinese.

click reports a wrong command line in English (``Missing option '--units'``). The people
typing these commands are office clerks; the common mistakes are said again in Chinese
with the help command to run. Messages click may add later fall back to the English text
behind a Chinese lead, never to a traceback. The exit code stays 2.
"""

from __future__ import annotations

import re
from typing import IO, Any

import click

# (pattern of click's message, Chinese; groups are filled in by name)
_PATTERNS: list[tuple[str, str]] = [  # compiled on first use (re keeps them): not at start-up
    (r"^Missing option '(?P<name>[^']+)'", "缺少选项 {name}"),
    (r"^Missing argument '(?P<name>[^']+)'", "缺少参数 {name}"),
    (r"^No such command '(?P<name>[^']+)'", "没有命令“{name}”"),
    (
        r"^No such option:? '?(?P<name>[^'.\s]+)'?\.?\s*Did you mean (?P<hint>.+?)\??$",
        "没有选项 {name}（是否想输入 {hint}？）",
    ),
    (r"^No such option:? '?(?P<name>[^'.\s]+)'?", "没有选项 {name}"),
    (r"^Option '(?P<name>[^']+)' requires an argument", "选项 {name} 后面需要填写一个值"),
    (r"^Option '(?P<name>[^']+)' does not take a value", "选项 {name} 不需要填写值（直接写 {name}）"),
    (r"^Got unexpected extra arguments? \((?P<name>.+)\)", "多余的参数：{name}"),
    (
        r"^Invalid value for '(?P<opt>[^']+)': (?:File|Directory|Path) '(?P<path>.+)' does not exist",
        "{opt}：“{path}”不存在，请检查路径",
    ),
    (
        r"^Invalid value for '(?P<opt>[^']+)': (?:File|Path) '(?P<path>.+)' is a directory",
        "{opt}：“{path}”是文件夹，这里需要一个文件",
    ),
    (
        r"^Invalid value for '(?P<opt>[^']+)': (?:Directory|Path) '(?P<path>.+)' is a file",
        "{opt}：“{path}”是文件，这里需要一个文件夹",
    ),
    (
        r"^Invalid value for '(?P<opt>[^']+)': '(?P<value>[^']*)' is not one of (?P<choices>.+?)\.?$",
        "{opt} 的值“{value}”无效，可选：{choices}",
    ),
    (r"^Invalid value for '(?P<opt>[^']+)': (?P<rest>.+)$", "{opt} 的值无效（{rest}）"),
]


def chinese(message: str) -> str:
    """click's English usage message in Chinese (the English kept when not recognised)."""
    for pattern, template in _PATTERNS:
        match = re.match(pattern, message)
        if match:
            groups = {k: v.replace("', '", "、").replace("'", "") for k, v in match.groupdict().items()}
            return template.format(**groups)
    return f"命令用法有误（{message}）"


class ChineseUsageError(click.UsageError):
    """A usage error shown as ``用法错误：…`` with the help command to run."""

    def show(self, file: IO[Any] | None = None) -> None:
        command = self.ctx.command_path if self.ctx is not None else "kaohe"
        click.echo(f"用法错误：{self.message}\n查看用法：{command} --help", file=file, err=True)


class ChineseCommand(click.Command):
    """A command whose parse errors know the command (for the help line)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            # the option parser raises some errors without a context
            if exc.ctx is None:
                exc.ctx = ctx
            raise


class ChineseGroup(click.Group):
    """A click group whose usage errors (its own and its commands') are in Chinese."""

    command_class = ChineseCommand
    group_class = type  # sub-groups (kaohe addin …) are ChineseGroups too

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise _translated(exc) from exc

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ChineseUsageError:
            raise
        except click.UsageError as exc:
            raise _translated(exc) from exc


def _translated(exc: click.UsageError) -> ChineseUsageError:
    return ChineseUsageError(chinese(exc.format_message()), exc.ctx)
