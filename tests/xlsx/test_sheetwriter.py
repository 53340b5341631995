"""Output workbooks from an openpyxl skeleton and XML rows: read back by openpyxl,
python-calamine and LibreOffice as the cells, styles, merges and breaks written."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from python_calamine import CalamineWorkbook

from kaohe_xl.xlsx import sheetrows
from kaohe_xl.xlsx.sheetwriter import Formula, Skeleton, Style
from kaohe_xl.xlsx.zipwrite import ZipWriter

THIN = Side(style="thin")
STYLES = {
    "title": Style(font=Font(name="宋体", size=16, bold=True), alignment=Alignment(horizontal="center")),
    "text": Style(font=Font(name="宋体", size=10), border=Border(left=THIN, right=THIN, top=THIN, bottom=THIN)),
    "score": Style(font=Font(name="宋体", size=10), number_format="0.00"),
    "flag": Style(fill=PatternFill("solid", fgColor="F8CBAD")),
}


def skeleton() -> Skeleton:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "汇总表"
    ws.column_dimensions["B"].width = 30
    ws.print_title_rows = "1:2"
    ws.freeze_panes = "C3"
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    ws["A1"] = "dropped: the skeleton lays out, the rows fill"
    ws.merge_cells("A1:B1")
    wb.create_sheet("明细")
    return Skeleton(wb, STYLES)


def filled(sk: Skeleton, units: int = 3) -> bytes:
    book = sk.book()
    sheet = book.sheet("汇总表")
    sheet.row([("考核汇总表", "title")], height=30)
    sheet.merge(1, 1, 1, 4)
    sheet.row([("编号", "text"), ("单位", "text"), ("得分", "text"), ("合计", "text")])
    for n in range(1, units + 1):
        row = sheet.row(
            [
                (f"{n:02d}", "text"),
                (f"单位{n}", "text"),
                (Decimal("7.5"), "score"),
                (Formula(f"C{2 + n}*2", Decimal(15)), "score"),
            ]
        )
        assert row == 2 + n
    sheet.page_break(4)
    book.sheet("明细").row([('=HYPERLINK("http://x")', "text"), ("a\x02b <&> 'q'", "text"), (None, "flag")])
    return book.to_bytes()


def test_cells_values_styles_and_layout_read_back_with_openpyxl() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(filled(skeleton())))
    ws = wb["汇总表"]
    assert [c.value for c in ws[3]] == ["01", "单位1", 7.5, "=C3*2"]
    assert ws["A1"].value == "考核汇总表" and ws["A1"].font.bold and ws["A1"].font.size == 16
    assert ws["C3"].number_format == "0.00" and ws["A3"].border.left.style == "thin"
    assert [str(r) for r in ws.merged_cells.ranges] == ["A1:D1"]  # the skeleton's A1:B1 is gone
    assert [b.id for b in ws.row_breaks.brk] == [3]  # a page starts at row 4
    assert ws.row_dimensions[1].height == 30
    assert ws.column_dimensions["B"].width == 30 and ws.freeze_panes == "C3"
    assert ws.print_title_rows == "$1:$2" and ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    assert ws.dimensions == "A1:D5"
    detail = wb["明细"]
    assert detail["A1"].value == '=HYPERLINK("http://x")' and detail["A1"].data_type == "s"  # text, not a formula
    assert detail["B1"].value == "ab <&> 'q'"  # a control character XML forbids is dropped
    assert detail["C1"].fill.fgColor.rgb.endswith("F8CBAD")


def test_formulas_carry_their_result_for_readers_that_do_not_recalculate(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(filled(skeleton()))
    assert openpyxl.load_workbook(path, data_only=True)["汇总表"]["D3"].value == 15
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("汇总表").to_python()
    assert rows[2] == ["01", "单位1", 7.5, 15.0]


def test_merges_and_breaks_sit_where_the_schema_puts_them() -> None:
    with zipfile.ZipFile(io.BytesIO(filled(skeleton()))) as archive:
        assert archive.testzip() is None
        xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    order = [m.group(1) for m in re.finditer(r"<(\w+)\b", xml) if m.group(1) in ORDER]
    assert order == sorted(order, key=ORDER.index)
    assert "dimension" in order and "mergeCells" in order and "rowBreaks" in order


# Top-level children of CT_Worksheet, in the order ECMA-376 requires (the ones used here).
ORDER = [
    "sheetPr",
    "dimension",
    "sheetViews",
    "sheetFormatPr",
    "cols",
    "sheetData",
    "mergeCells",
    "pageMargins",
    "pageSetup",
    "headerFooter",
    "rowBreaks",
]


def test_one_skeleton_makes_many_independent_files() -> None:
    sk = skeleton()
    first, second = filled(sk, units=1), filled(sk, units=40)
    a = openpyxl.load_workbook(io.BytesIO(first))["汇总表"]
    b = openpyxl.load_workbook(io.BytesIO(second))["汇总表"]
    assert a.max_row == 3 and b.max_row == 42 and b["B42"].value == "单位40"


def test_rows_go_in_order() -> None:
    sheet = skeleton().book().sheet("汇总表")
    sheet.row([("a", "text")], at=5)
    with pytest.raises(ValueError, match="in order"):
        sheet.row([("b", "text")], at=5)


def test_a_big_sheet_spills_to_disk_and_comes_back_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sheetrows, "_SPOOL", 256 * 1024)
    book = skeleton().book()
    sheet = book.sheet("明细")
    for n in range(60_000):  # ~4 MB of row XML: over the in-memory limit
        sheet.row([(f"第{n}行的文字", "text"), (n, "score")])
    assert sheet._file is not None  # the rows went to a temporary file
    rows = CalamineWorkbook.from_filelike(io.BytesIO(book.to_bytes())).get_sheet_by_name("明细").to_python()
    assert len(rows) == 60_000 and rows[-1] == ["第59999行的文字", 59999.0]


def test_streamed_zip_members_have_the_right_crc_and_sizes() -> None:
    out = io.BytesIO()
    writer = ZipWriter(out)
    writer.add("a.txt", b"x" * 1000)
    writer.add_stream("b.txt", (b"chunk %d;" % n for n in range(10_000)))
    writer.close()
    with zipfile.ZipFile(out) as archive:
        assert archive.testzip() is None  # every CRC checks
        assert archive.read("b.txt") == b"".join(b"chunk %d;" % n for n in range(10_000))


@pytest.mark.libreoffice
def test_libreoffice_keeps_values_merges_and_computes_the_same(tmp_path: Path) -> None:
    from kaohe_xl.xlsx.libreoffice import recalculate

    source = tmp_path / "in.xlsx"
    source.write_bytes(filled(skeleton()))
    out = tmp_path / "out.xlsx"
    recalculate(source, out)
    ws = openpyxl.load_workbook(out, data_only=True)["汇总表"]
    assert [ws.cell(r, 4).value for r in (3, 4, 5)] == [15, 15, 15]
    assert "A1:D1" in {str(r) for r in ws.merged_cells.ranges}
