"""反馈表: one per unit, item by item, every deduction with its reason, print-ready."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from _scoring_helpers import return_forms
from click.testing import CliRunner
from conftest import FakeTerminal

from kaohe_xl import workers
from kaohe_xl.campaign import Campaign
from kaohe_xl.cli.commands import main
from kaohe_xl.output import feedback
from kaohe_xl.output.feedback import FEEDBACK_SHEET, write_feedback


def _rows(path: Path) -> list[list[object]]:
    ws = openpyxl.load_workbook(path)[FEEDBACK_SHEET]
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_one_feedback_per_unit_with_items_deductions_and_rank(campaign: Campaign, tmp_path: Path) -> None:
    return_forms(campaign, tmp_path / "inbox")
    report = write_feedback(campaign)
    paths = report.files
    folder = campaign.output_dir / "反馈表"
    assert report.path == folder and (report.units, report.scored, report.note) == (3, 2, "")
    assert [p.name for p in paths] == ["01_东湖村_反馈表.xlsx", "02_西山村_反馈表.xlsx", "03_南岭村_反馈表.xlsx"]
    assert all(p.parent == folder for p in paths)
    rows = _rows(paths[1])  # 西山村: assessors 2 / 2 / 2.5 against self 3 / 2 / 3
    flat = [v for row in rows for v in row if v is not None]
    assert "单位：西山村（编号 02）" in flat[1]
    assert ["扣分", None, 0, None, "综合得分", None, 6.5, None] in rows  # numbers, shown as 0.00 / 6.50
    assert ["等次", None, "合格", None, "排名", None, "第 2 名（共 2 个单位）", None] in rows
    items = next(i for i, r in enumerate(rows) if r[0] and str(r[0]).startswith("分项得分"))
    item1 = next(r for r in rows[items:] if r[0] == "1" and r[2] == "召开专题会议" and r[3] == 4)
    assert item1[4:8] == [3, 2, 1, "少开两次会"]  # 自评 3, 考核 2, 差异 1, reason
    start = next(i for i, r in enumerate(rows) if r[0] and str(r[0]).startswith("扣分明细"))
    assert rows[start][0] == "扣分明细（共 2 项）"
    deductions = [(r[0], r[3], r[7]) for r in rows[start + 2 : start + 4]]
    # item 1: 4 − 2 = 2 taken off; item 3: 4 − 2.5 = 1.5 (numbers, shown as 扣 2.00 分)
    assert deductions == [("1", 2, "少开两次会"), ("3", 1.5, "走访台账缺失")]
    ws = openpyxl.load_workbook(paths[1])[FEEDBACK_SHEET]
    assert ws.page_setup.orientation == "portrait" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth == 1 and ws.oddFooter.center.text == "第 &P 页 共 &N 页"


def test_feedback_of_a_unit_still_owing_returns(campaign: Campaign, tmp_path: Path) -> None:
    return_forms(campaign, tmp_path / "inbox")
    rows = _rows(write_feedback(campaign).files[2])
    flat = [v for row in rows for v in row if v is not None]
    assert "待提交" in flat and "不参加排名" in flat
    result = rows[4:7]  # the 考核结果 block: states, never a silent 0
    assert [result[0][2], result[0][6], result[1][2]] == ["待提交", "待提交", "待提交"]
    assert not any(isinstance(v, int | float) for r in result for v in r)


def test_cli_feedback(campaign: Campaign, tmp_path: Path) -> None:
    return_forms(campaign, tmp_path / "inbox")
    result = CliRunner().invoke(main, ["feedback", str(campaign.root)])
    assert result.exit_code == 0, result.output
    assert "已生成 3 份反馈表" in result.output
    assert len(list((campaign.output_dir / "反馈表").glob("*.xlsx"))) == 3


def test_feedback_figures_are_numbers_shown_with_two_decimals(campaign: Campaign, tmp_path: Path) -> None:
    """Not '6.50' as text: Excel could not add them up and flags them."""
    return_forms(campaign, tmp_path / "inbox")
    wb = openpyxl.load_workbook(write_feedback(campaign).files[1])
    ws = wb[FEEDBACK_SHEET]
    figures = {ws.cell(r, c).value: ws.cell(r, c + 2) for r in range(5, 9) for c in (1, 5)}
    for label in ("自评得分", "考核组得分", "基础分", "加分", "扣分", "综合得分"):
        cell = figures[label]
        assert cell.data_type == "n" and cell.number_format == "0.00", label
    assert figures["综合得分"].value == 6.5 and figures["等次"].value == "合格"
    deduction = '"扣 "0.00" 分"'  # Excel shows 2 as 扣 2.00 分
    taken = [ws.cell(r, 4) for r in range(1, ws.max_row + 1) if ws.cell(r, 4).number_format == deduction]
    assert [c.value for c in taken] == [2, 1.5]
    looks_numeric = re.compile(r"^[+-]?\d+\.\d+%?$")
    texts = [c.value for row in ws.iter_rows() for c in row if c.data_type == "s" and isinstance(c.value, str)]
    assert [t for t in texts if looks_numeric.match(t) or t.startswith("扣 ")] == []


@pytest.mark.libreoffice
def test_feedback_prints_the_figures_as_before(campaign: Campaign, tmp_path: Path) -> None:
    """The number formats show what the text used to: 6.50, 0.00, 扣 2.00 分."""
    from kaohe_xl.xlsx.libreoffice import to_pdf

    return_forms(campaign, tmp_path / "inbox")
    pdf = to_pdf(write_feedback(campaign).files[1], tmp_path / "pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "6.50" in text and "0.00" in text
    assert "扣 2.00 分" in text and "扣 1.50 分" in text


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_feedback_files_get_the_usual_permissions(campaign: Campaign, tmp_path: Path) -> None:
    """Not 600 as from tempfile.mkstemp: the mode new files get (0o666 minus the umask)."""
    old = os.umask(0o022)
    try:
        paths = write_feedback(campaign).files
        first = [stat.S_IMODE(p.stat().st_mode) for p in paths]
        os.umask(0o027)
        (paths[0].parent / f"~${paths[0].name}").write_bytes(b"lock")  # open in Excel: written beside
        report = write_feedback(campaign)
        again = report.files
    finally:
        os.umask(old)
    assert first == [0o644] * 3
    assert again[0].name.endswith("(1).xlsx") and again[0].name in report.note
    assert [stat.S_IMODE(p.stat().st_mode) for p in again] == [0o640] * 3  # the umask is respected


def test_cli_feedback_draws_no_progress_bar_off_a_terminal(campaign: Campaign) -> None:
    result = CliRunner().invoke(main, ["feedback", str(campaign.root)])
    assert result.exit_code == 0 and result.stderr == "", result.stderr


def test_feedback_progress_bar_only_for_many_units(
    make_campaign: Callable[..., Campaign], monkeypatch: pytest.MonkeyPatch
) -> None:
    many = make_campaign(units=[{"编号": f"{n:02d}", "单位名称": f"村{n}", "考核组": "一组"} for n in range(1, 12)])
    few = make_campaign()
    for campaign, drawn in ((few, False), (many, True)):
        terminal = FakeTerminal()
        monkeypatch.setattr(sys, "stderr", terminal)
        write_feedback(campaign, progress=True)
        assert ("反馈表" in terminal.getvalue()) is drawn, terminal.getvalue()
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    write_feedback(many)  # the library draws none unless asked
    assert terminal.getvalue() == ""


def test_seal_block_and_closing_line_from_the_setting(
    campaign: Campaign, make_campaign: Callable[..., Campaign], tmp_path: Path
) -> None:
    """Every 反馈表 ends with the closing line (设置 反馈说明, today's text by default) and a
    place for the office's seal and the date, on the last page."""
    from conftest import SMALL_SETTINGS

    from kaohe_xl.rubric.model import DEFAULT_FEEDBACK_NOTE

    return_forms(campaign, tmp_path / "inbox")
    rows = _rows(write_feedback(campaign).files[0])
    texts = [v for row in rows for v in row if isinstance(v, str)]
    assert DEFAULT_FEEDBACK_NOTE in texts and "5 个工作日" in DEFAULT_FEEDBACK_NOTE
    tail = [v for row in rows[-3:] for v in row if v]
    assert tail == [DEFAULT_FEEDBACK_NOTE, "考核办公室（盖章）", "日期：        年    月    日"]
    own = "对结果有疑问的，请于 10 日内与考核办联系（电话 0791-12345678）。"
    other = make_campaign(settings={**SMALL_SETTINGS, "反馈说明": own})
    return_forms(other, tmp_path / "inbox2")
    rows = _rows(write_feedback(other).files[0])
    flat = [v for row in rows for v in row if v]
    assert own in flat and DEFAULT_FEEDBACK_NOTE not in flat and "考核办公室（盖章）" in flat


_SPY: list[Path] = []  # where the workers note their process ids (set before they fork)
_real_write_book = feedback._write_book


def _spying(run: tuple[feedback.FeedbackRun, Path], unit: tuple[str, str]) -> object:
    """In a worker: note the process, then write the book (sent to workers by name)."""
    with _SPY[0].open("a") as spy:
        spy.write(f"{os.getpid()}\n")
    return _real_write_book(run, unit)


_W3CDTF = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def _books(folder: Path) -> dict[str, list[tuple[str, bytes]]]:
    """Each book's parts in order, the document properties' clock times masked."""
    books = {}
    for path in sorted(folder.glob("*.xlsx")):
        with zipfile.ZipFile(path) as book:
            parts = [(info.filename, book.read(info)) for info in book.infolist()]
        books[path.name] = [
            (name, _W3CDTF.sub(b"T", data) if name == "docProps/core.xml" else data) for name, data in parts
        ]
    return books


@pytest.mark.skipif(workers.worker_count(10**6, 1) < 2, reason="workers run only on Linux with more than one core")
def test_books_from_workers_are_the_books_of_one_process(
    campaign: Campaign, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    return_forms(campaign, tmp_path / "inbox")
    monkeypatch.setattr(feedback, "worker_count", lambda _jobs, _least: 0)
    alone = write_feedback(campaign, tmp_path / "alone")
    monkeypatch.setattr(feedback, "worker_count", lambda _jobs, _least: 2)
    monkeypatch.setattr(feedback, "_write_book", _spying)
    _SPY[:] = [tmp_path / "pids.txt"]
    together = write_feedback(campaign, tmp_path / "together")
    pids = _SPY.pop()
    assert [p.name for p in together.files] == [p.name for p in alone.files]  # in the order of the units
    assert len(alone.files) == len(campaign.units)
    assert _books(tmp_path / "together") == _books(tmp_path / "alone")
    assert os.getpid() not in {int(pid) for pid in pids.read_text().split()}
