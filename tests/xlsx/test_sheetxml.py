"""A sheet's XML parsed for real: extent, formulas, error cells, hidden rows and columns,
whatever quotes, prefixes, attribute order or missing references a file uses."""

from __future__ import annotations

import pytest

from kaohe_xl.xlsx import sheetxml
from kaohe_xl.xlsx.xmlsafe import XmlRefused

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def sheet(rows: str, before: str = "", prefix: str = "") -> bytes:
    """A worksheet part around ``rows`` (the content of <sheetData>)."""
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{NS}"' if prefix else f'xmlns="{NS}"'
    return f"<{p}worksheet {xmlns}>{before}<{p}sheetData>{rows}</{p}sheetData></{p}worksheet>".encode()


@pytest.mark.parametrize(
    ("rows", "found"),
    [
        ('<row r="1"><c r="A1" s="2" t="e"><v>#N/A</v></c></row>', {"A1": "#N/A"}),
        ("<row r='2'><c r='A2' t='e'><f>1/0</f><v>#DIV/0!</v></c></row>", {"A2": "#DIV/0!"}),  # single quotes
        ('<row r="3"><c t="e" r="C3"><v>#REF!</v></c></row>', {"C3": "#REF!"}),  # t before r
        ('<row r="7"><c r="F7" t="e"/><c r="G7"><v>5</v></c></row>', {}),  # empty: never the next cell's value
        ('<row r="1"><c r="A1" t="e"></c><c r="B1" t="s"><v>0</v></c></row>', {}),
        ('<row r="1"><c r="A1"><v>3</v></c><c r="B1" t="str"><v>#N/A</v></c></row>', {}),  # text like an error
    ],
)
def test_error_cells(rows: str, found: dict[str, str]) -> None:
    assert sheetxml.scan(sheet(rows), 1000).errors == found


def test_error_cells_with_a_namespace_prefix() -> None:
    xml = sheet('<x:row r="3"><x:c t="e" r="C3"><x:v>#REF!</x:v></x:c></x:row>', prefix="x")
    assert sheetxml.scan(xml, 1000).errors == {"C3": "#REF!"}


def test_single_quoted_far_cell_gives_the_true_extent() -> None:
    # Valid XML that the old byte patterns ignored: calamine would allocate the whole grid.
    xml = sheet("<row r='1'><c r='A1'><v>1</v></c></row><row r='1048576'><c r='XFD1048576'><v>1</v></c></row>")
    found = sheetxml.scan(xml, 1000)
    assert (found.last_row, found.last_col, found.plain) == (1_048_576, 16_384, True)


def test_cells_without_references_are_not_plain_and_are_placed_as_excel_places_them() -> None:
    xml = sheet('<row r="2"><c><v>1</v></c><c><v>2</v></c></row><row><c r="C3"><v>3</v></c><c><v>4</v></c></row>')
    assert not sheetxml.scan(xml, 1000).plain
    found = sheetxml.read_values(xml, [], 64, 1000)
    assert found.values == {2: {1: 1.0, 2: 2.0}, 3: {3: 3.0, 4: 4.0}}
    assert (found.last_row, found.last_col) == (3, 4)


def test_many_cells_without_references_stop_at_the_limit() -> None:
    xml = sheet("<row>" + "<c><v>1</v></c>" * 16_384 + "</row>")
    found = sheetxml.read_values(xml, [], 64, 1_000)
    assert found.stopped and not found.plain and found.cells == 1_001


@pytest.mark.parametrize(
    "cell",
    [
        "<c r='G5'><f>A1</f><v>7</v></c>",  # single quotes
        '<c r="G5" ' + " ".join(f'x{i}="{i}"' for i in range(200)) + "><f>A1</f><v>7</v></c>",  # a long start tag
        '<c r="G5"><f t="shared" si="0" ref="G5:G9">A1</f><v>7</v></c>',
    ],
)
def test_formulas_are_found_however_the_cell_is_written(cell: str) -> None:
    xml = sheet(f'<row r="5"><c r="A5"><v>1</v></c>{cell}<c r="H5"><v>2</v></c></row>')
    assert sheetxml.scan(xml, 1000).formulas == {"G5"}
    assert sheetxml.read_values(xml, [], 64, 1000).formulas == {"G5"}


def test_hidden_rows_and_columns() -> None:
    cols = '<cols><col min="2" max="3" hidden="1" width="0"/><col min="7" max="7" hidden="true"/></cols>'
    rows = '<row r="4" hidden="1"><c r="A4"><v>1</v></c></row><row r="5"><c r="A5"><v>1</v></c></row>'
    found = sheetxml.scan(sheet(rows, cols), 1000)
    assert found.hidden_rows == {4}
    assert [c for c in range(1, 9) if found.column_hidden(c)] == [2, 3, 7]


@pytest.mark.parametrize(
    "xml",
    [
        b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><w>&b;</w>',
        b'<!DOCTYPE w SYSTEM "file:///etc/passwd"><w/>',
        b"<w><c r='A1'></w>",  # not well-formed
        b"",
    ],
)
def test_dtds_and_broken_xml_are_refused(xml: bytes) -> None:
    with pytest.raises(XmlRefused):
        sheetxml.scan(xml, 1000)


def test_values_of_every_cell_kind() -> None:
    rows = (
        '<row r="1"><c r="A1" t="s"><v>1</v></c><c r="B1" t="inlineStr"><is><r><t>富</t></r><r><t>文本</t></r>'
        '<rPh><t>ふ</t></rPh></is></c><c r="C1" t="b"><v>1</v></c><c r="D1"><v>2.5</v></c>'
        '<c r="E1" t="str"><v>=x</v></c><c r="F1" t="s"><v>99</v></c></row>'
    )
    found = sheetxml.read_values(sheet(rows), ["零", "一"], 64, 1000)
    assert found.values == {1: {1: "一", 2: "富文本", 3: True, 4: 2.5, 5: "=x", 6: ""}}


def test_shared_strings_join_runs_and_drop_phonetics() -> None:
    xml = (
        f'<sst xmlns="{NS}"><si><t>甲</t></si><si><r><t>乙</t></r><r><t>丙</t></r><rPh><t>x</t></rPh></si><si/></sst>'
    ).encode()
    assert sheetxml.shared_strings(xml) == ["甲", "乙丙", ""]
