"""Text a unit sends goes through the whole cycle: control characters pasted from a PDF
(Excel stores \\x02 as ``_x0002_``), characters XML cannot hold and over-long text are
cleaned the same way wherever kaohe writes it — store, 汇总表, 反馈表, export, the
pre-filled 考核组评分表, 控制台.xlsx. Before, the return was accepted and then
``kaohe summary`` and ``kaohe feedback`` died with openpyxl's IllegalCharacterError."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import openpyxl
import pytest
from _hostile_helpers import rezip
from _returns_helpers import GOOD, fill_assessor, fill_self, sheet_part, write_values
from click.testing import CliRunner
from conftest import SMALL_UNITS, write_rubric_workbook

from kaohe_xl.campaign import Campaign
from kaohe_xl.cli.commands import main
from kaohe_xl.forms import layout
from kaohe_xl.textnorm import CELL_TEXT_MAX, safe_text

BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# What Excel writes for text pasted from a PDF: escapes of characters XML cannot hold.
PASTED = "依据_x0002_文件_x001F_第3条_xFFFF_"
LONG = "很长的说明" * 8_000  # 40,000 characters: more than an Excel cell holds


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code in (0, 3), result.output + repr(result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.output


def _with_escapes(path: Path, title: str) -> Path:
    """Placeholders typed into the file replaced by what Excel would have written."""
    part = sheet_part(path, title)

    def change(member: str, xml: bytes) -> bytes:
        if member != part:
            return xml
        return xml.replace(b"ZZPASTED", PASTED.encode()).replace(b"ZZLONG", LONG.encode())

    path.write_bytes(rezip(path.read_bytes(), change))
    return path


def _texts(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    return [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def test_pasted_control_characters_and_long_text_go_through_the_whole_cycle(tmp_path: Path) -> None:
    units = tmp_path / "单位.csv"  # a units list pasted from a PDF, saved as CSV
    rows = [dict(u) for u in SMALL_UNITS]
    rows[0]["单位名称"] = "东湖\x02村"
    with units.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    root = tmp_path / "camp"
    _run("init", str(root), "--rubric", str(write_rubric_workbook(tmp_path / "细则.xlsx")), "--units", str(units))
    _run("generate", str(root))
    campaign = Campaign.open(root)
    assert campaign.unit("01").name == "东湖村"  # cleaned when the list is read
    inbox = campaign.inbox_dir
    notes = {"1": "ZZPASTED", "2": "ZZLONG"}
    _with_escapes(fill_self(campaign, "01", inbox / "01.xlsx", notes=notes), layout.SELF_SHEET)
    for unit in ("02", "03"):
        fill_self(campaign, unit, inbox / f"{unit}.xlsx")

    def reasons(wb: openpyxl.Workbook) -> None:
        meta = {str(k): str(v or "") for k, v in wb[layout.META_SHEET].iter_rows(max_col=2, values_only=True)}
        title = dict((u, t) for t, u in layout.decode_sheet_map(meta[layout.META_SHEETS]))["01"]
        write_values(wb[title], layout.H_REASON, {"1": "ZZPASTED"})

    scores = {"01": {**GOOD, "1": 2}, "02": GOOD}
    assessor = fill_assessor(campaign, "第一考核组", "李明", inbox / "g1.xlsx", scores, mutate=reasons)
    _with_escapes(assessor, "01_东湖村")
    fill_assessor(campaign, "第二考核组", "王芳", inbox / "g2.xlsx", {"03": GOOD})
    assert "接收 5 份" in _run("collect", str(root), str(inbox))
    _run("generate", str(root), "--form", "assessor")  # 自评得分 pre-filled from the returns
    for args in (("summary",), ("feedback",), ("export", "--format", "json"), ("export", "--format", "csv")):
        _run(args[0], str(root), *args[1:])

    written = [*campaign.output_dir.rglob("*.xlsx"), *campaign.forms_dir.rglob("*.xlsx"), campaign.control_workbook]
    texts = [text for path in written for text in _texts(path)]
    assert texts and not [t for t in texts if BAD.search(t)]
    assert all(len(t) <= CELL_TEXT_MAX for t in texts)
    # \x02 dropped; \x1f is white space to Python, so it counts as a space like any other;
    # _xFFFF_ is no escape Excel's readers decode here: it stays text
    cleaned = "依据文件 第3条_xFFFF_"
    feedback = next((campaign.output_dir / "反馈表").glob("01_*"))
    assert cleaned in _texts(feedback)  # the 扣分原因 of 东湖村, shown cleaned
    stored = {r[0] for r in _store(campaign, "SELECT remark FROM scores WHERE remark != ''")}
    assert cleaned in stored and not [s for s in stored if BAD.search(s)]
    assert max(map(len, stored)) == CELL_TEXT_MAX and any(s.endswith("…") for s in stored)
    exported = json.loads((campaign.output_dir / "results.json").read_text(encoding="utf-8"))
    assert exported[0]["unit_name"] and not BAD.search(json.dumps(exported, ensure_ascii=False))


def _store(campaign: Campaign, sql: str) -> list[tuple[str, ...]]:
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(campaign.db_path)) as conn:
        return [tuple(r) for r in conn.execute(sql)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\x02b", "ab"),
        ("tab\tand\nline\r", "tab\tand\nline\r"),
        ("\ud800lone", "\ufffdlone"),
        ("\ufffe\uffffx", "x"),
        ("ok", "ok"),
    ],
)
def test_safe_text(text: str, expected: str) -> None:
    assert safe_text(text) == expected


def test_safe_text_cuts_to_one_cell() -> None:
    cut = safe_text("字" * (CELL_TEXT_MAX + 10))
    assert len(cut) == CELL_TEXT_MAX and cut.endswith("…")
