"""Cell writing helpers of the output workbooks: styles survive the per-workbook cache."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
from openpyxl import Workbook

from kaohe_xl.xlsx.styled import BODY_FONT, FLAG_FILL, HEADER_FONT, put_formula, put_number, put_text


def test_cached_styles_are_per_cell_and_survive_a_save(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    put_text(ws, 1, 1, "编号", header=True)
    put_text(ws, 1, 2, "单位", header=True)
    for row in range(2, 6):
        put_text(ws, row, 1, f"0{row}")
        put_number(ws, row, 2, Decimal("3.25"))
        put_number(ws, row, 3, 2, fmt="0")
    put_formula(ws, 6, 2, "=SUM(B2:B5)")
    put_text(ws, 7, 1, '=HYPERLINK("http://x","y")')
    ws.cell(3, 1).fill = FLAG_FILL  # restyling one cell must not restyle its neighbours
    path = tmp_path / "out.xlsx"
    wb.save(path)

    back = openpyxl.load_workbook(path)["Sheet"]
    assert (
        back["A1"].font.b
        and back["A1"].font.name == HEADER_FONT.name
        and back["B1"].fill.fgColor.rgb.endswith("DDEBF7")
    )
    assert not back["A2"].font.b and back["A2"].font.name == BODY_FONT.name
    assert back["A3"].fill.fgColor.rgb.endswith("F8CBAD")
    assert back["A2"].fill.fill_type is None and back["A4"].fill.fill_type is None
    assert [back.cell(r, 2).number_format for r in range(2, 6)] == ["0.00"] * 4
    assert [back.cell(r, 3).number_format for r in range(2, 6)] == ["0"] * 4
    assert back["B2"].border.left.style == "thin" and back["C5"].border.bottom.style == "thin"
    assert back["B6"].value == "=SUM(B2:B5)" and back["B6"].number_format == "0.00"
    # text that looks like a formula stays text, quote-prefixed; ordinary text is not
    assert back["A7"].data_type == "s" and back["A7"].quotePrefix
    assert not back["A2"].quotePrefix and not back["A5"].quotePrefix
