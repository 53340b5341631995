"""The package's public API: every exported name resolves, and the CLI starts light."""

from __future__ import annotations

import subprocess
import sys

import pytest

import kaohe_xl


@pytest.mark.parametrize("name", kaohe_xl.__all__)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(kaohe_xl, name) is not None


def test_collect_returns_is_the_collect_function_even_after_the_module_is_imported() -> None:
    import kaohe_xl.collect.run as module

    assert kaohe_xl.collect_returns is module.collect


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        _ = kaohe_xl.no_such_thing  # type: ignore[attr-defined]


def test_cli_help_does_not_import_pandas_or_openpyxl() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from kaohe_xl.cli import main\n"
        "result = CliRunner().invoke(main, ['--help'])\n"
        "assert result.exit_code == 0\n"
        "print(sorted(m for m in ('pandas', 'openpyxl', 'xlwings') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
