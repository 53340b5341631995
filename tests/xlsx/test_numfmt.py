"""Dates, times and durations: the one-pass reader gives what python-calamine gives."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
import python_calamine

from kaohe_xl.collect.opening import SafeBook
from kaohe_xl.xlsx import ooxml
from kaohe_xl.xlsx.numfmt import DATE, DURATION, format_kind

FORMATS = [
    "General",
    "0.00",
    "yyyy/m/d",
    "mm-dd-yy",  # built-in 14
    "h:mm AM/PM",
    "[h]:mm:ss",
    "[mm]",
    'm"月"d"日"',
    '"Y: "0.00"m"',
    '#,##0.00\\ _M"H"_);[Red]#,##0.00',
    "[$-404]e/m/d",
    "0_ ;[Red]\\-0\\ ",
    "d-mmm",
    "mm:ss",
]
VALUES = [0, 0.25, 1, 1.5, 59, 60, 61, 45000, 45000.4375, 3, -2]


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("DD/MM/YY", DATE),
        ("H:MM:SS;@", DATE),
        ("#,##0\\ [$\\u20bd-46D]", None),
        ('m"M"d"D";@', DATE),
        ("[h]:mm:ss", DURATION),
        ('"$"#,##0_);[Red]("$"#,##0)', None),
        ("\\Y000000", None),
        ('#,##0.0####" YMD"', None),
        ("[s].000", DURATION),
        ("[Blue]\\+[h]:mm;[Red]\\-[h]:mm", DURATION),
        ("[>=100][Magenta].00", None),
        ("ha/p\\\\m", DATE),
        ("General", None),
    ],
)
def test_format_kind(code: str, kind: str | None) -> None:
    assert format_kind(code) == kind


def test_date_cells_read_as_calamine_reads_them(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row, value in enumerate(VALUES, start=1):
        for column, code in enumerate(FORMATS, start=1):
            cell = ws.cell(row=row, column=column, value=value)
            cell.number_format = code
    path = tmp_path / "dates.xlsx"
    wb.save(path)
    book = SafeBook.open(ooxml.Package(path.read_bytes()), path.name)
    ours = {(r, c): v for r, values in book.rows(ws.title) for c, v in enumerate(values) if v is not None}
    grid = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes())).get_sheet_by_index(0)
    theirs = {(r, c): v for r, row in enumerate(grid.to_python(), start=1) for c, v in enumerate(row) if v != ""}
    assert ours == theirs
    assert sum(not isinstance(v, float) for v in ours.values()) > 40  # dates, times and durations were compared
