"""The package's public API: every exported name resolves, and the CLI starts light."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

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


FACES = [
    "kaohe_xl",
    *(f"kaohe_xl.{p.name}" for p in sorted((REPO / "kaohe_xl").iterdir()) if (p / "__init__.py").is_file()),
]


@pytest.mark.parametrize("face", FACES)
def test_no_face_hands_on_a_name_that_is_also_one_of_its_modules(face: str) -> None:
    """`from kaohe_xl.scoring import reconcile` would give the function or the module
    depending on what was imported before: such names must not be exported."""
    package = importlib.import_module(face)
    modules = {p.stem for p in Path(package.__file__).parent.glob("*.py")} | {
        p.name for p in Path(package.__file__).parent.iterdir() if (p / "__init__.py").is_file()
    }
    assert not set(getattr(package, "__all__", ())) & modules
    for name in getattr(package, "__all__", ()):
        assert getattr(package, name) is not None


@pytest.mark.parametrize(
    ("old", "name", "new"),
    [
        ("kaohe_xl.summary", "write_summary", "kaohe_xl.output.summary"),
        ("kaohe_xl.mail_send", "write_drafts", "kaohe_xl.mail.drafts"),
        ("kaohe_xl.mail_send", "run_mail", "kaohe_xl.mail.run"),
        ("kaohe_xl.status", "collection_status", "kaohe_xl.store.status"),
        ("kaohe_xl.units", "Unit", "kaohe_xl.rubric.model"),
        ("kaohe_xl.printing", "to_pdf", "kaohe_xl.xlsx.libreoffice"),
    ],
)
def test_modules_of_0_1_still_import_with_a_warning(old: str, name: str, new: str) -> None:
    code = (
        "import warnings, importlib\n"
        "warnings.simplefilter('error')\n"
        "try:\n"
        f"    importlib.import_module({old!r})\n"
        "except DeprecationWarning as w:\n"
        "    print('warned:', w)\n"
        "warnings.simplefilter('ignore')\n"
        f"old = getattr(importlib.import_module({old!r}), {name!r})\n"
        f"print(old is getattr(importlib.import_module({new!r}), {name!r}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert f"warned: {old} is now" in out and "0.3" in out
    assert out.strip().endswith("True")


def test_names_that_left_a_room_warn_and_resolve() -> None:
    from kaohe_xl.forms import generate

    with pytest.warns(DeprecationWarning, match="kaohe_xl.forms.generate.build_self_workbook"):
        from kaohe_xl.forms import build_self_workbook  # the 0.1 module kaohe_xl.forms
    assert build_self_workbook is generate.build_self_workbook
    with pytest.warns(DeprecationWarning, match="OutputReport"):
        from kaohe_xl.output.summary import SummaryReport  # type: ignore[attr-defined]
    assert SummaryReport is kaohe_xl.OutputReport


def test_mail_kinds_are_an_enum_that_accepts_its_strings() -> None:
    from kaohe_xl import MailKind

    assert [k.value for k in MailKind] == ["self", "assessor", "rater", "feedback", "remind"]
    assert MailKind("remind") is MailKind.REMIND and MailKind.SELF == "self"
    assert MailKind.FEEDBACK.label == "反馈表"
