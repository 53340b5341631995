"""Every CLI command has help with an example and is shown in the README."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner
from conftest import REPO

from kaohe_xl.cli.commands import main

README = (REPO / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in sorted(group.commands.items()):
        full = f"{prefix}{name}"
        if isinstance(command, click.Group):
            found.extend(_commands(command, full + " "))
        else:
            found.append((full, command))
    return found


COMMANDS = _commands(main)


def test_the_cli_has_the_commands_the_issues_ask_for() -> None:
    names = {name for name, _ in COMMANDS}
    assert {"init", "generate", "collect", "status", "summary", "feedback", "export", "demo"} <= names
    assert {"send", "remind", "fetch", "addin build", "addin install", "addin uninstall"} <= names


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_command_has_help_with_an_example(name: str, command: click.Command) -> None:
    result = CliRunner().invoke(main, [*name.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in (command.help or ""), f"kaohe {name}: its docstring should show one example"


@pytest.mark.parametrize("name", [n for n, _ in COMMANDS])
def test_command_is_in_the_readme(name: str) -> None:
    assert f"kaohe {name}" in README, f"README does not show `kaohe {name}`"


# Words a help text uses for a command's arguments (click shows them in upper case).
ARGUMENT_WORDS = {"DIR", "CAMPAIGN", "FOLDER", "PATHS", "BUTTON", "WHERE"}


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_help_names_only_the_arguments_the_command_has(name: str, command: click.Command) -> None:
    result = CliRunner().invoke(main, [*name.split(), "--help"])
    arguments = {p.human_readable_name.upper() for p in command.params if isinstance(p, click.Argument)}
    named = set(re.findall(r"\b[A-Z]{3,}\b", result.output)) & ARGUMENT_WORDS
    assert named <= arguments, f"kaohe {name} --help names {sorted(named - arguments)}; its arguments are {arguments}"
