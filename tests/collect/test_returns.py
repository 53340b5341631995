"""The return reader: generated forms filled as units fill them, read back by content."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import openpyxl
import pytest
from _returns_helpers import GOOD, cell_of, compound_file, fill_assessor, fill_self, generated, rewrite_part, sheet_part

from kaohe_xl.campaign import Campaign
from kaohe_xl.collect.returns import ReturnReadError, read_return, sniff
from kaohe_xl.forms import layout
from kaohe_xl.rubric.model import FormKind
from kaohe_xl.xlsx import ooxml, sheetxml

SCORE = "自评得分"


@pytest.fixture
def forms(campaign: Campaign) -> Campaign:
    return generated(campaign)


def _scores(raw_sheet: object) -> dict[str, tuple[object, str]]:
    """item id → (raw score value, cell) from a RawSheet."""
    return {row.key: (row.cells[SCORE].value, row.cells[SCORE].cell) for row in raw_sheet.rows}  # type: ignore[attr-defined]


def test_reads_metadata_rows_and_cells_of_a_filled_self_form(forms: Campaign, tmp_path: Path) -> None:
    path = fill_self(forms, "01", tmp_path / "自评表(1).xlsx", notes={"1": "  会议记录3份 "})
    wb = openpyxl.load_workbook(path)
    assert wb[layout.META_SHEET].sheet_state == "veryHidden"  # calamine must read very hidden sheets
    ws = wb[layout.SELF_SHEET]
    raw = read_return(path.read_bytes(), path.name)
    assert raw.kind is FormKind.SELF
    assert raw.meta[layout.META_SUBJECT] == "01"
    assert raw.meta[layout.META_CAMPAIGN] == forms.id
    assert layout.verify_metadata(forms.secret, raw.meta)
    (sheet,) = raw.sheets
    assert (sheet.title, sheet.unit_id) == (layout.SELF_SHEET, "01")
    assert _scores(sheet) == {key: (GOOD[key], cell_of(ws, key, SCORE)) for key in GOOD} | {
        "1": (3, cell_of(ws, "1", SCORE)),
        "3": (3.5, cell_of(ws, "3", SCORE)),
    }
    first = next(r for r in sheet.rows if r.key == "1")
    assert first.cells["自评说明(佐证材料)"].value == "  会议记录3份 "
    assert first.cells["考核内容"].value == "召开专题会议"


def test_inserted_rows_and_columns_and_hidden_columns_do_not_change_what_is_read(
    forms: Campaign, tmp_path: Path
) -> None:
    def reshape(wb: openpyxl.Workbook) -> None:
        ws = wb[layout.SELF_SHEET]
        ws.insert_rows(1, 3)  # above the header
        ws.insert_rows(ws.max_row - 5, 2)  # between item rows
        ws.insert_cols(2)  # before 类别: every column moves right
        ws.column_dimensions["H"].hidden = True

    path = fill_self(forms, "01", tmp_path / "moved.xlsx", mutate=reshape)
    ws = openpyxl.load_workbook(path)[layout.SELF_SHEET]
    (sheet,) = read_return(path.read_bytes(), path.name).sheets
    assert sheet.labels[SCORE] == "H"
    assert _scores(sheet) == {key: (GOOD[key], cell_of(ws, key, SCORE)) for key in GOOD}


def test_wps_wrong_dimension_is_ignored(forms: Campaign, tmp_path: Path) -> None:
    path = fill_self(forms, "01", tmp_path / "wps_wrong_dimension.xlsx")
    part = sheet_part(path, layout.SELF_SHEET)
    rewrite_part(path, part, lambda xml: _set_dimension(xml, b"A1"))
    with zipfile.ZipFile(path) as archive:
        assert b'<dimension ref="A1"/>' in archive.read(part)
    (sheet,) = read_return(path.read_bytes(), path.name).sheets
    assert {k: v for k, (v, _) in _scores(sheet).items()} == GOOD


def _set_dimension(xml: bytes, ref: bytes) -> bytes:
    start = xml.index(b"<dimension")
    end = xml.index(b"/>", start) + 2
    return xml[:start] + b'<dimension ref="' + ref + b'"/>' + xml[end:]


def test_formula_cells_are_flagged(forms: Campaign, tmp_path: Path) -> None:
    path = fill_self(forms, "01", tmp_path / "f.xlsx", scores={**GOOD, "2": "=1+1"})
    ws = openpyxl.load_workbook(path)[layout.SELF_SHEET]
    (sheet,) = read_return(path.read_bytes(), path.name).sheets
    flagged = {row.key for row in sheet.rows if row.cells[SCORE].formula}
    assert flagged == {"2"}
    with zipfile.ZipFile(path) as archive:
        formulas = sheetxml.scan(archive.read(sheet_part(path, layout.SELF_SHEET)), 10_000).formulas
    typed = cell_of(ws, "2", SCORE)
    # the form's own subtotal formulas are found too, each at its real cell
    assert typed in formulas
    assert formulas == {c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"}


def test_assessor_name_is_read_through_the_defined_name(forms: Campaign, tmp_path: Path) -> None:
    path = fill_assessor(forms, "第一考核组", "李明", tmp_path / "a.xlsx", {"01": GOOD, "02": GOOD})
    raw = read_return(path.read_bytes(), path.name)
    assert raw.assessor is not None and raw.assessor.value == "李明"
    assert [(s.unit_id, len(s.rows)) for s in raw.sheets] == [("01", 6), ("02", 6)]


def test_keys_filter_keeps_only_wanted_rows(forms: Campaign, tmp_path: Path) -> None:
    path = fill_self(forms, "01", tmp_path / "k.xlsx")
    (sheet,) = read_return(path.read_bytes(), path.name, keys={"1", "6"}).sheets
    assert [r.key for r in sheet.rows] == ["1", "6"]


def _append_rows(xml: bytes, rows: bytes) -> bytes:
    end = xml.index(b"</sheetData>")
    return xml[:end] + rows + xml[end:]


def test_stray_cell_in_the_last_row_and_column_is_read_without_a_dense_grid(forms: Campaign, tmp_path: Path) -> None:
    # calamine would allocate 1,048,576 x 16,384 cells for this sheet and abort the
    # process; run the read in a child so a regression cannot take pytest down with it.
    path = fill_self(forms, "01", tmp_path / "stray.xlsx")
    rewrite_part(
        path,
        sheet_part(path, layout.SELF_SHEET),
        lambda xml: _append_rows(xml, b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),
    )
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from kaohe_xl.collect.returns import read_return
        raw = read_return(Path({str(path)!r}).read_bytes(), "stray.xlsx")
        sheet = raw.sheets[0]
        print(sorted((r.key, r.cells["自评得分"].value) for r in sheet.rows), sheet.truncated)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    expected = sorted((k, v if isinstance(v, str) else float(v)) for k, v in GOOD.items())
    assert done.stdout.strip() == f"{expected} False"


def test_fifty_thousand_junk_rows_are_read_quickly(forms: Campaign, tmp_path: Path) -> None:
    path = fill_self(forms, "01", tmp_path / "huge.xlsx")
    junk = b"".join(
        b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="C%d" t="inlineStr"><is><t>x</t></is></c></row>' % (r, r, r, r)
        for r in range(1000, 51000)
    )
    rewrite_part(path, sheet_part(path, layout.SELF_SHEET), lambda xml: _append_rows(xml, junk))
    (sheet,) = read_return(path.read_bytes(), path.name, keys=set(GOOD)).sheets
    assert {k: v for k, (v, _) in _scores(sheet).items()} == GOOD
    assert not sheet.truncated


def test_oversized_sheet_is_streamed_and_bounded(
    forms: Campaign, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kaohe_xl.collect import opening

    monkeypatch.setattr(opening, "STREAM_CELL_LIMIT", 5_000)
    path = fill_self(forms, "01", tmp_path / "oversized.xlsx")
    junk = b"".join(b'<row r="%d"><c r="AZ%d"><v>1</v></c></row>' % (r, r) for r in range(1000, 30000))
    rewrite_part(path, sheet_part(path, layout.SELF_SHEET), lambda xml: _append_rows(xml, junk))
    (sheet,) = read_return(path.read_bytes(), path.name, keys=set(GOOD)).sheets
    assert {k: v for k, (v, _) in _scores(sheet).items()} == GOOD  # the item rows come first
    assert sheet.truncated


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (compound_file("EncryptionInfo", "EncryptedPackage"), "encrypted"),
        (compound_file("Workbook"), "old_format"),
        (b"%PDF-1.7\n", "not_xlsx"),
        (b"PK\x03\x04 truncated", "corrupt_file"),
    ],
)
def test_unreadable_files_raise_with_a_stable_code(data: bytes, code: str) -> None:
    with pytest.raises(ReturnReadError) as caught:
        if code == "corrupt_file":
            read_return(data, "x.xlsx")
        else:
            sniff(data)
    assert caught.value.code == code
    assert str(caught.value)  # a Chinese message for the clerk


def test_defined_names_with_quoted_sheet_titles(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "评 分's"
    ws["C3"] = "张三"
    from openpyxl.workbook.defined_name import DefinedName

    wb.defined_names["KH_ASSESSOR"] = DefinedName("KH_ASSESSOR", attr_text="'评 分''s'!$C$3")
    wb.save(tmp_path / "n.xlsx")
    package = ooxml.Package((tmp_path / "n.xlsx").read_bytes())
    assert package.defined_name("KH_ASSESSOR") == [("评 分's", "C3")]
    assert package.sheet_part("评 分's") == "xl/worksheets/sheet1.xml"


def test_cell_names_round_trip() -> None:
    for column in (1, 26, 27, 52, 703, 16384):
        assert ooxml.column_index(ooxml.column_letter(column)) == column
    assert ooxml.parse_cell_name("$XFD$1048576") == (1048576, 16384)
    assert ooxml.parse_cell_name("A1:B2") is None


@pytest.mark.parametrize("kind", ["self", "assessor"])
def test_the_python_reader_reads_what_calamine_reads(
    forms: Campaign, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """Sheets calamine may not see are read by the pure-Python reader: same values, types,
    cells, formulas and errors (shared strings, escapes, line breaks, booleans, errors)."""
    from kaohe_xl.collect import opening

    notes = {"1": "第一行\n第二行 _x0002_ 原文", "2": "=不是公式", "3": "  前后空格  "}
    if kind == "self":
        path = fill_self(forms, "01", tmp_path / "r.xlsx", {**GOOD, "2": "=1+1", "4": True}, notes=notes)
    else:
        scores = {"01": {**GOOD, "1": "三"}, "02": GOOD}
        path = fill_assessor(forms, "第一考核组", "李 明", tmp_path / "r.xlsx", scores)
    data = path.read_bytes()
    fast = read_return(data, path.name)
    book = opening.SafeBook.open(ooxml.Package(data), path.name)
    assert book.book is not None and book.fast_titles  # calamine read it
    book.close()
    monkeypatch.setattr(opening.SafeBook, "_open_fast", lambda self: None)
    slow = read_return(data, path.name)
    assert slow == fast
