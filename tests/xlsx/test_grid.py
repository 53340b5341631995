"""The 细则 and units workbooks are read without openpyxl, with the values openpyxl gives."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path

import openpyxl
import pytest

from kaohe_xl.xlsx.grid import read_grids

SAMPLES = Path(__file__).resolve().parent.parent.parent / "samples"


def openpyxl_rows(path: Path) -> dict[str, list[list[object]]]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    out = {}
    for ws in wb.worksheets:
        ws.reset_dimensions()
        out[ws.title] = [list(row) for row in ws.iter_rows(values_only=True)]
    wb.close()
    return out


def trimmed(rows: list[list[object]]) -> list[list[object]]:
    out = [list(row) for row in rows]
    for row in out:
        while row and row[-1] is None:
            row.pop()
    while out and not out[-1]:
        out.pop()
    return out


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*/*.xlsx")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_sample_workbooks_read_as_openpyxl_reads_them(path: Path) -> None:
    theirs = openpyxl_rows(path)
    ours = {grid.title: grid.rows for grid in read_grids(path.read_bytes())}
    assert list(ours) == list(theirs)
    for title in ours:
        assert trimmed(ours[title]) == trimmed(theirs[title]), title


def test_value_types_as_openpyxl_gives_them(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["编号", 3, 2.5, True, datetime(2024, 1, 15), time(9, 30), None, "  空格  ", "=不是公式"])
    ws["I1"].data_type = "s"
    ws.append([])
    ws.append([None, None, 100000000, -4, 0.1])
    ws["A5"] = "第五行"
    ws["D5"] = datetime(2023, 12, 31, 18, 0)
    path = tmp_path / "types.xlsx"
    wb.save(path)
    (grid,) = read_grids(path.read_bytes())
    assert trimmed(grid.rows) == trimmed(openpyxl_rows(path)[grid.title])
    assert isinstance(grid.rows[0][1], int) and isinstance(grid.rows[0][4], datetime)
