"""The workbook part: sheets with their state, position and part (found as calamine finds
them), workbook-wide and sheet-local defined names; workbooks readers would disagree on
are refused."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName

from kaohe_xl.xlsx import ooxml
from kaohe_xl.xlsx.zipread import PartError


def _book() -> bytes:
    wb = openpyxl.Workbook()
    first = wb.active
    assert first is not None
    first.title = "甲"
    second = wb.create_sheet("乙 表")
    hidden = wb.create_sheet("丙")
    hidden.sheet_state = "veryHidden"
    second["C3"] = "x"
    second.defined_names["KH_UNIT"] = DefinedName("KH_UNIT", attr_text="'乙 表'!$C$3")
    wb.defined_names["KH_ASSESSOR"] = DefinedName("KH_ASSESSOR", attr_text="'甲'!$B$2")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_sheets_states_parts_and_names() -> None:
    package = ooxml.Package(_book())
    assert [(s.title, s.state, s.hidden) for s in package.sheets] == [
        ("甲", "visible", False),
        ("乙 表", "visible", False),
        ("丙", "veryHidden", True),
    ]
    assert package.sheet_part("乙 表") == "xl/worksheets/sheet2.xml"
    assert package.defined_name("KH_ASSESSOR") == [("甲", "B2")]
    assert package.defined_name("KH_UNIT") == []  # a local name is not workbook-wide
    assert package.local_names("KH_UNIT") == {"乙 表": "'乙 表'!$C$3"}


def test_two_sheets_of_one_name_are_refused() -> None:
    data = _book()
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = {i.filename: source.read(i) for i in source.infolist()}
    members["xl/workbook.xml"] = members["xl/workbook.xml"].replace("丙".encode(), "甲".encode())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in members.items():
            target.writestr(name, content)
    with pytest.raises(PartError):
        _ = ooxml.Package(buffer.getvalue()).sheets


@pytest.mark.parametrize(
    ("target", "part"),
    [
        ("worksheets/sheet1.xml", "xl/worksheets/sheet1.xml"),
        ("/xl/worksheets/sheet1.xml", "xl/worksheets/sheet1.xml"),
        ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet1.xml"),
    ],
)
def test_relationship_targets_as_calamine_reads_them(target: str, part: str) -> None:
    assert ooxml.sheet_path(target) == part


def test_cell_names() -> None:
    assert ooxml.parse_cell_name("$XFD$1048576") == (1048576, 16384)
    assert ooxml.parse_cell_name("XFE1") is None and ooxml.parse_cell_name("A1048577") is None
