"""Every ribbon button end to end on a real campaign folder, through the FileBook stand-in."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from kaohe_xl.addin.build import DISPATCH_LINE
from kaohe_xl.addin.buttons import BUTTONS
from kaohe_xl.addin.control import read_values, write_control_workbook
from kaohe_xl.addin.excel import XlwingsBook
from kaohe_xl.addin.handlers import FileBook, press
from kaohe_xl.addin.launchers import write_launchers
from kaohe_xl.campaign import Campaign
from kaohe_xl.cli.commands import main
from kaohe_xl.forms.fill import fill_self_form
from kaohe_xl.output.summary import SUMMARY_NAME, SUMMARY_SHEET
from kaohe_xl.rubric.model import FormKind

SELF_SCORES = {"1": 3, "2": 2, "3": 3.5, "4": 1, "5": 0, "6": "否"}


@pytest.fixture
def campaign(campaign: Campaign) -> Campaign:
    """The campaign as ``kaohe init`` leaves it: with its control workbook 控制台.xlsx."""
    write_control_workbook(campaign)
    return campaign


@pytest.fixture
def book(campaign: Campaign) -> FileBook:
    return FileBook(campaign.control_workbook)


def _status(campaign: Campaign) -> dict[str, object]:
    return read_values(campaign.control_workbook)


def test_generate_writes_forms_and_status(campaign: Campaign, book: FileBook) -> None:
    result = press("kh_generate", book)
    assert result.ok, result.status
    assert len(list((campaign.forms_dir / "自评表").glob("*.xlsx"))) == 3
    assert len(list((campaign.forms_dir / "考核组评分表").glob("*.xlsx"))) == 2
    assert book.opened == [campaign.forms_dir]
    status = _status(campaign)
    assert status["KH_LAST_ACTION"] == "生成评分表"
    assert status["KH_SELF_FORMS"] == 3 and status["KH_ASSESSOR_FORMS"] == 2
    assert "自评表 3 份" in str(status["KH_STATUS"])
    assert str(status["KH_LAST_TIME"]).startswith("20")


def test_collect_reads_the_inbox_and_refreshes_the_summary(campaign: Campaign, book: FileBook) -> None:
    press("kh_generate", book)
    fill_self_form(campaign.form_path(FormKind.SELF, "01"), SELF_SCORES, out=campaign.inbox_dir / "自评表(1).xlsx")
    (campaign.inbox_dir / "新建 Microsoft Excel 工作表.xlsx").write_bytes(b"not a workbook")
    result = press("kh_collect", book)
    assert result.ok, result.status
    summary = campaign.output_dir / SUMMARY_NAME
    assert summary.is_file() and SUMMARY_SHEET in openpyxl.load_workbook(summary).sheetnames
    assert book.closed == [summary] and book.opened[-1] == summary
    status = _status(campaign)
    assert status["KH_LAST_ACTION"] == "汇总回收表"
    assert "接收 1 份" in str(status["KH_STATUS"]) and "拒收 1 份" in str(status["KH_STATUS"])
    assert "新建 Microsoft Excel 工作表.xlsx" in str(status["KH_DETAIL"])
    assert status["KH_SELF_RECEIVED"] == 1 and status["KH_SELF_MISSING"] == 2 and status["KH_REJECTED"] == 1
    # Pressing it again registers nothing twice.
    again = press("kh_collect", book)
    assert "接收 0 份" in again.status and "重复 2 份" in again.status
    assert _status(campaign)["KH_SELF_RECEIVED"] == 1


def test_status_lists_who_is_missing(campaign: Campaign, book: FileBook) -> None:
    press("kh_generate", book)
    fill_self_form(campaign.form_path(FormKind.SELF, "01"), SELF_SCORES, out=campaign.inbox_dir / "a.xlsx")
    press("kh_collect", book)
    result = press("kh_status", book)
    assert result.ok
    status = _status(campaign)
    assert status["KH_LAST_ACTION"] == "回收情况"
    assert "已收到 1" in str(status["KH_STATUS"])
    assert "自评表待提交：02 西山村、03 南岭村" in str(status["KH_DETAIL"])


def test_print_uses_the_summary_sheet(campaign: Campaign, book: FileBook) -> None:
    result = press("kh_print", book)  # no summary yet: it is made first
    summary = campaign.output_dir / SUMMARY_NAME
    assert result.ok and summary.is_file()
    assert book.printed == [(summary, SUMMARY_SHEET)]
    assert SUMMARY_SHEET in openpyxl.load_workbook(summary).sheetnames
    assert "刚生成" in str(_status(campaign)["KH_STATUS"])


def test_open_folder(campaign: Campaign, book: FileBook) -> None:
    assert press("kh_open_folder", book).ok
    assert book.opened == [campaign.root.resolve()]
    assert _status(campaign)["KH_LAST_ACTION"] == "打开考核文件夹"


def test_any_workbook_inside_the_folder_finds_the_campaign(campaign: Campaign) -> None:
    press("kh_generate", FileBook(campaign.control_workbook))
    form = campaign.form_path(FormKind.SELF, "02")
    result = press("kh_status", FileBook(form))  # forms/自评表/02_西山村_自评表.xlsx
    assert result.ok and _status(campaign)["KH_LAST_ACTION"] == "回收情况"


def test_control_workbook_is_recreated_when_deleted(campaign: Campaign, book: FileBook) -> None:
    campaign.control_workbook.unlink()
    assert not campaign.control_workbook.exists()
    assert press("kh_status", book).ok
    assert _status(campaign)["KH_LAST_ACTION"] == "回收情况"


def test_workbook_outside_a_campaign_gets_a_message_not_a_traceback(tmp_path: Path) -> None:
    book = FileBook(tmp_path / "工作簿1.xlsx")
    result = press("kh_collect", book)
    assert not result.ok
    assert book.alerts and "控制台.xlsx" in book.alerts[0]


def test_unknown_button_is_reported_in_the_status(campaign: Campaign, book: FileBook) -> None:
    result = press("kh_nope", book)
    assert not result.ok and "kaohe addin build" in book.alerts[0]
    assert "未知的按钮" in str(_status(campaign)["KH_STATUS"])


def test_the_vba_dispatch_line_reaches_the_handler(campaign: Campaign, monkeypatch: pytest.MonkeyPatch) -> None:
    """Evaluate the VBA string the add-in builds for a button and run it as RunPython would."""
    book = FileBook(campaign.control_workbook)
    monkeypatch.setattr(XlwingsBook, "caller", classmethod(lambda cls: book))
    for button in BUTTONS:
        if button.id in ("kh_status", "kh_open_folder"):
            argument = DISPATCH_LINE.removeprefix("RunPython ")
            # VBA: "import ...on_action('" & control.Id & "')"
            python = "".join(part.strip().strip('"') for part in argument.split("&")).replace("control.Id", button.id)
            exec(python, {})
            assert _status(campaign)["KH_LAST_ACTION"] == button.label


def test_cli_run_presses_a_button(campaign: Campaign) -> None:
    result = CliRunner().invoke(main, ["addin", "run", "kh_status", str(campaign.root), "--no-open"])
    assert result.exit_code == 0, result.output
    assert "待提交" in result.output
    assert _status(campaign)["KH_LAST_ACTION"] == "回收情况"
    bad = CliRunner().invoke(main, ["addin", "run", "kh_nope", str(campaign.root), "--no-open"])
    assert bad.exit_code == 2


def test_launchers_for_wps(campaign: Campaign) -> None:
    paths = write_launchers(campaign.root, python=r"C:\Python311\python.exe")
    # a .cmd per button for Windows, then a .sh per button for Linux (tests/addin/test_launchers.py)
    assert [p.name for p in paths] == [f"按钮_{b.label}.cmd" for b in BUTTONS] + [f"按钮_{b.label}.sh" for b in BUTTONS]
    text = paths[1].read_bytes().decode("gbk")
    assert '"C:\\Python311\\python.exe" -m kaohe_xl addin run kh_collect "%~dp0."' in text
    assert "\r\n" in text
    # copied to a PC without that Python: the py launcher, else python from PATH
    lines = text.split("\r\n")
    assert lines[1] == 'if not exist "C:\\Python311\\python.exe" goto other_python'
    assert lines[lines.index(":other_python") + 2] == (
        'if errorlevel 1 (python -m kaohe_xl addin run kh_collect "%~dp0.") '
        'else (py -3 -m kaohe_xl addin run kh_collect "%~dp0.")'
    )
    assert lines.index("goto end") < lines.index(":other_python") < lines.index(":end") < lines.index("pause")


def test_library_and_cli_work_without_xlwings(tmp_path: Path, rubric_path: Path, units_path: Path) -> None:
    """xlwings made unimportable by a meta-path finder: the CLI still runs its core commands."""
    script = textwrap.dedent(
        f"""
        import sys
        from click.testing import CliRunner

        class NoXlwings:
            def find_spec(self, name, path=None, target=None):
                if name == "xlwings" or name.startswith("xlwings."):
                    raise ModuleNotFoundError("No module named 'xlwings'", name=name)
                return None

        sys.meta_path.insert(0, NoXlwings())
        import kaohe_xl.addin, kaohe_xl.cli
        runner = CliRunner()
        out = runner.invoke(kaohe_xl.cli.main, ["--help"])
        assert out.exit_code == 0 and "addin" in out.output, out.output
        camp = {str(tmp_path / "c")!r}
        out = runner.invoke(kaohe_xl.cli.main, ["init", camp, "--rubric", {str(rubric_path)!r}, "--units", {str(units_path)!r}])
        assert out.exit_code == 0, out.output
        out = runner.invoke(kaohe_xl.cli.main, ["generate", camp])
        assert out.exit_code == 0, out.output
        out = runner.invoke(kaohe_xl.cli.main, ["addin", "run", "kh_status", camp, "--no-open"])
        assert out.exit_code == 0, out.output
        out = runner.invoke(kaohe_xl.cli.main, ["addin", "build", "-o", {str(tmp_path / "x.xlam")!r}])
        assert out.exit_code == 1 and "xlwings" in out.output, out.output
        assert "xlwings" not in sys.modules
        print("OK")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("OK")


def test_no_program_to_open_the_result_is_not_a_traceback(
    campaign: Campaign, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A Linux server has no xdg-open: the button's work is done and the status says the
    result was not opened (it used to end in FileNotFoundError)."""
    empty = tmp_path / "no-programs"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(sys, "platform", "linux")
    book = FileBook(campaign.control_workbook, launch=True)
    result = press("kh_open_folder", book)
    assert result.ok and "未自动打开" in result.status and str(campaign.root.resolve()) in result.status
    assert "未自动打开" in str(_status(campaign)["KH_STATUS"])
    result = press("kh_print", book)
    assert result.ok and result.status.startswith("未打印") and "已发送到打印机" not in result.status


def test_cli_run_no_open_does_not_claim_to_print(campaign: Campaign) -> None:
    result = CliRunner().invoke(main, ["addin", "run", "kh_print", str(campaign.root), "--no-open"])
    assert result.exit_code == 0, result.output
    assert "未打印" in result.output and "已发送到打印机" not in result.output
    assert (campaign.output_dir / SUMMARY_NAME).is_file()
