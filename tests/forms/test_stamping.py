"""Stamped forms hold exactly what a direct openpyxl build holds: the 自评表 from one
prototype, the 考核组评分表 from one unit sheet per run; and the stamping itself (the
deflate pieces, cell slots)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from kaohe_xl.campaign import Campaign
from kaohe_xl.forms import layout
from kaohe_xl.forms.assessor import AssessorBooks, build_assessor_workbook
from kaohe_xl.forms.generate import form_context
from kaohe_xl.rubric.model import FormKind, Unit
from kaohe_xl.xlsx.cells import Value
from kaohe_xl.xlsx.sheetwriter import workbook_bytes
from kaohe_xl.xlsx.stamp import PIECEWISE_SLOTS, Prototype, cell_token, slot_name, token
from tests._forms_helpers import cells_snapshot

ODD = "甲&乙<村>\"测\"'试'=SUM(1)"
# 自评说明 shown beside 自评得分: a long one makes its row taller
NOTES = {"01": {"1": "会议记录 12 份，" * 12, "2": '方案 &<见附件>"2023"'}, "A&1": {"6": "无"}}


def full_snapshot(path: Path) -> dict[str, Any]:
    """cells_snapshot plus what it leaves out: widths, protection, views, page set-up."""
    snap = cells_snapshot(path)
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        snap[ws.title]["widths"] = {k: v.width for k, v in ws.column_dimensions.items()}
        snap[ws.title]["heights"] = {k: v.height for k, v in ws.row_dimensions.items()}
        snap[ws.title]["protected"] = (ws.protection.sheet, ws.protection.password)
        snap[ws.title]["freeze"] = (ws.freeze_panes, ws.sheet_view.tabSelected, ws.sheet_view.showGridLines)
        snap[ws.title]["area"] = (ws.print_area, ws.page_setup.fitToWidth, ws.page_margins.left)
        snap[ws.title]["styles"] = [
            [(c.font.b, c.font.sz, c.fill.fgColor.rgb, c.number_format, c.alignment.wrap_text) for c in row]
            for row in ws.iter_rows()
        ]
    snap["locked"] = (wb.security.lockStructure if wb.security else None, wb.active.title if wb.active else None)
    return snap


def stored(path: Path) -> dict[str, list[list[object]]]:
    """Every sheet as a reader that does not recalculate sees it (formula cells: their stored results)."""
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def both(
    ctx: Any,
    tmp_path: Path,
    group: str,
    units: list[Unit],
    prefill: Any,
    source: Any,
    name: str = "",
    notes: Any = None,
) -> None:
    stamped = tmp_path / "stamped.xlsx"
    stamped.write_bytes(AssessorBooks(ctx).build(group, units, prefill, source, name, notes))
    direct = tmp_path / "direct.xlsx"
    direct.write_bytes(workbook_bytes(build_assessor_workbook(ctx, group, units, prefill, source, name, notes)))
    assert full_snapshot(stamped) == full_snapshot(direct)
    assert stored(stamped) == stored(direct)  # the totals' stored results too


def test_stamped_assessor_workbook_equals_direct_build(campaign: Campaign, tmp_path: Path) -> None:
    ctx = form_context(campaign, generated_at="2023-11-30 08:00:00")
    source = campaign.rubric.sources_of(FormKind.ASSESSOR)[0]
    units = [
        campaign.unit("01"),
        Unit("A&1", ODD, assessor_group="一组"),
        Unit("07", "  前后有空格  ", assessor_group="一组"),
        campaign.unit("02"),
    ]
    prefill: dict[str, dict[str, Value]] = {
        "01": {"1": Decimal("3.5"), "2": Decimal("2"), "3": Decimal("4.0"), "5": Decimal("1"), "6": "否"},
        "A&1": {"1": Decimal("0"), "6": "是", "2": Decimal("1.25")},
        "07": {"4": Decimal("3")},
    }
    both(ctx, tmp_path, "第一考核组 & <组>", units, prefill, source, notes=NOTES)
    shown = openpyxl.load_workbook(tmp_path / "stamped.xlsx")
    ws = shown[layout.assessor_sheet_title("01", campaign.unit("01").name, set())]
    values = [c.value for row in ws.iter_rows() for c in row]
    assert 3.5 in values and "否" in values
    assert any(ODD in str(v) for v in values if v) is False  # the 01 sheet shows its own unit
    odd = shown[layout.assessor_sheet_title("A&1", ODD, set())]
    assert any(ODD in str(c.value) for row in odd.iter_rows(max_row=5) for c in row if c.value)


def test_stamped_assessor_workbook_named_assessor_and_rounds(
    sample_campaign: Callable[[str], Campaign], tmp_path: Path
) -> None:
    campaign = sample_campaign("动力厂党建")
    ctx = form_context(campaign, generated_at="2023-11-30 08:00:00")
    rounds = campaign.rubric.sources_of(FormKind.ASSESSOR)
    assert len(rounds) == 2
    units = list(campaign.units[:3])
    first = campaign.rubric.items[0].id
    prefill: dict[str, dict[str, Value]] = {units[0].id: {first: Decimal("2")}}
    for source in rounds:
        both(ctx, tmp_path, "考核组", units, prefill, source, "张三")
        both(ctx, tmp_path, "考核组", units, prefill, source)


def test_stamped_assessor_workbook_without_self_assessment(
    sample_campaign: Callable[[str], Campaign], tmp_path: Path
) -> None:
    campaign = sample_campaign("新庄镇综合考核")  # no 自评: no 自评得分 column, an item from 民主测评
    ctx = form_context(campaign, generated_at="2023-11-30 08:00:00")
    source = campaign.rubric.sources_of(FormKind.ASSESSOR)[0]
    both(ctx, tmp_path, "考核组", list(campaign.units[:4]), {}, source)


def test_prototype_pieces_inflate_to_the_filled_text() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"] = token("NAME")
    ws["A5"] = "开头" * 2000
    ws["A2"] = cell_token("A")
    ws["A3"] = cell_token("B")
    ws["A4"] = cell_token("C")
    ws["B1"] = "结尾" + token("ID")
    prototype = Prototype(wb)
    assert prototype.fields == {"NAME", "ID"} and prototype.cell_fields == {"A", "B", "C"}
    long_name = "长" * 30_000  # 90,000 bytes of UTF-8: more than one stored deflate block
    data = prototype.stamp({"NAME": long_name, "ID": "x<&>", "A": Decimal("2.50"), "B": "是", "C": None})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None  # every CRC and size right
    back = openpyxl.load_workbook(io.BytesIO(data)).active
    assert back is not None
    assert back["A1"].value == long_name and back["A5"].value == "开头" * 2000
    assert (back["A2"].value, back["A3"].value, back["A4"].value) == (2.5, "是", None)
    assert back["B1"].value == "结尾x<&>"


def test_prototype_refuses_a_cell_placeholder_inside_text() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"] = "前" + cell_token("A")
    with pytest.raises(ValueError, match="not a whole text cell"):
        Prototype(wb)


def test_many_slot_copies_write_each_value_as_its_own_type() -> None:
    """A part with many slots (compressed whole per copy) keeps the XML of short values
    between copies: each copy must still be what a prototype that never saw another value
    writes, each value as its own type (1, 1.0, True, "1"; 0.0 and -0.0)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in range(1, PIECEWISE_SLOTS + 3):
        ws.cell(row=row, column=1, value=cell_token("V" + slot_name(row)))
    ws["B1"] = token("T")
    prototype = Prototype(wb)
    fields = sorted(prototype.cell_fields)
    copies = [1, Decimal(1), True, "1", None, 0.0, -0.0, Decimal("2.50"), "长" * 40, 2.5, Decimal(1), 1, "1", -0.0]

    def sheet(data: bytes) -> bytes:
        return zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")

    for value in copies:
        values = {"T": f"<{value!r}>", **dict.fromkeys(fields, value)}
        assert sheet(prototype.stamp(values)) == sheet(Prototype(wb).stamp(values)), value
    kinds = [sheet(prototype.stamp({"T": "", **dict.fromkeys(fields, v)})) for v in (1, True, "1", 0.0, -0.0)]
    assert len(set(kinds)) == 5
    back = openpyxl.load_workbook(io.BytesIO(prototype.stamp({"T": "x", **dict.fromkeys(fields, True)}))).active
    assert back is not None and back["A1"].value is True
