"""Filling generated forms programmatically, the way a unit, an assessor or a vote counter would.

Used by ``kaohe demo`` to simulate returns and by the tests. Cells are found through
the layout contract (header labels, the 编号 column, defined names), exactly as the
return reader finds them, so a fill that works here exercises the real contract.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from kaohe_xl.errors import FormError
from kaohe_xl.forms import layout
from kaohe_xl.textnorm import normalize_label

CellValue = Decimal | int | float | str | None


def read_metadata(wb: Any) -> dict[str, str]:
    """The key/value pairs of the hidden metadata sheet of an openpyxl workbook."""
    if layout.META_SHEET not in wb.sheetnames:
        raise FormError("不是 kaohe 生成的表格（缺少元数据表）")
    ws = wb[layout.META_SHEET]
    meta: dict[str, str] = {}
    for key, value, *_ in ws.iter_rows(min_col=1, max_col=2, values_only=True):
        if key is not None:
            meta[str(key)] = "" if value is None else str(value)
    return meta


def header_row(ws: Worksheet) -> tuple[int, dict[str, int]]:
    """The header row number and ``{normalised label: column number}`` of every label in it.

    The header row is the first row (within 30) whose cells include the 编号 label.
    """
    for row in ws.iter_rows(min_row=1, max_row=30):
        labels = {normalize_label(c.value): c.column for c in row if c.value is not None}
        if normalize_label(layout.H_ID) in labels:
            return row[0].row, labels
    raise FormError(f"工作表“{ws.title}”中找不到表头“{layout.H_ID}”")


def find_columns(ws: Worksheet, labels: tuple[str, ...]) -> tuple[int, dict[str, int]]:
    """The header row number and ``{label: column number}`` for the labels present."""
    top, found = header_row(ws)
    return top, {label: found[normalize_label(label)] for label in labels if normalize_label(label) in found}


def item_rows(ws: Worksheet, header_row: int, id_column: int) -> dict[str, int]:
    """``{item id: row number}`` below the header row."""
    rows: dict[str, int] = {}
    for (cell,) in ws.iter_rows(min_row=header_row + 1, min_col=id_column, max_col=id_column):
        key = normalize_label(cell.value)
        if key and key not in rows:
            rows[key] = cell.row
    return rows


def _put(ws: Worksheet, row: int, column: int, value: CellValue) -> None:
    if isinstance(value, Decimal):
        # Excel stores numbers as binary doubles; a whole number stays an int in the file.
        value = int(value) if value == value.to_integral_value() else float(value)
    # Like typing into Excel: a string starting with "=" becomes a formula.
    ws.cell(row=row, column=column).value = value


def _fill_sheet(
    ws: Worksheet,
    score_label: str,
    remark_label: str,
    scores: Mapping[str, CellValue],
    remarks: Mapping[str, str],
) -> None:
    header_row, columns = find_columns(ws, (layout.H_ID, score_label, remark_label))
    if score_label not in columns:
        raise FormError(f"工作表“{ws.title}”中找不到“{score_label}”列")
    rows = item_rows(ws, header_row, columns[layout.H_ID])
    for item_id, value in scores.items():
        if item_id not in rows:
            raise FormError(f"工作表“{ws.title}”中找不到条目 {item_id}")
        _put(ws, rows[item_id], columns[score_label], value)
    for item_id, text in remarks.items():
        if remark_label in columns and item_id in rows:
            _put(ws, rows[item_id], columns[remark_label], text)


def fill_self_form(
    path: Path,
    scores: Mapping[str, CellValue],
    remarks: Mapping[str, str] | None = None,
    out: Path | None = None,
) -> Path:
    """Write self-scores (item id → value) and notes into a 自评表; save to ``out`` or in place."""
    wb = openpyxl.load_workbook(path)
    _fill_sheet(wb[layout.SELF_SHEET], layout.H_SELF_SCORE, layout.H_SELF_NOTE, scores, remarks or {})
    target = out or path
    wb.save(target)
    return target


def fill_assessor_form(
    path: Path,
    assessor: str,
    scores: Mapping[str, Mapping[str, CellValue]],
    reasons: Mapping[str, Mapping[str, str]] | None = None,
    out: Path | None = None,
) -> Path:
    """Write one assessor's scores (unit id → item id → value) into a 考核组评分表."""
    wb = openpyxl.load_workbook(path)
    meta = read_metadata(wb)
    sheet_of = {unit: title for title, unit in layout.decode_sheet_map(meta.get(layout.META_SHEETS, ""))}
    defined = wb.defined_names.get(layout.NAME_ASSESSOR)
    if defined is None:
        raise FormError(f"找不到评分人单元格（名称 {layout.NAME_ASSESSOR}）")
    for title, ref in defined.destinations:
        wb[title][ref.replace("$", "")] = assessor
    for unit_id, unit_scores in scores.items():
        if unit_id not in sheet_of:
            raise FormError(f"评分表中没有单位 {unit_id}")
        ws = wb[sheet_of[unit_id]]
        _fill_sheet(ws, layout.H_ASSESSOR_SCORE, layout.H_REASON, unit_scores, (reasons or {}).get(unit_id, {}))
    target = out or path
    wb.save(target)
    return target


def fill_rater_form(
    path: Path,
    scores: Mapping[str, Mapping[str, CellValue]],
    out: Path | None = None,
) -> Path:
    """Write a rater's scores (unit id → category name → value) into a 评分表."""
    wb = openpyxl.load_workbook(path)
    ws = wb[layout.RATER_SHEET]
    categories = sorted({c for unit in scores.values() for c in unit})
    header_row, columns = find_columns(ws, (layout.H_ID, *categories))
    rows = item_rows(ws, header_row, columns[layout.H_ID])
    for unit_id, by_category in scores.items():
        for category, value in by_category.items():
            if category not in columns or unit_id not in rows:
                raise FormError(f"评分表中找不到 {unit_id} / {category}")
            _put(ws, rows[unit_id], columns[category], value)
    target = out or path
    wb.save(target)
    return target


def fill_tally_form(
    path: Path,
    counts: Mapping[str, Mapping[str, CellValue]],
    out: Path | None = None,
) -> Path:
    """Write vote counts (unit id → {好/较好/一般/较差/实到人数: count}) into a 民主测评表."""
    wb = openpyxl.load_workbook(path)
    ws = wb[layout.TALLY_SHEET]
    labels = sorted({label for unit in counts.values() for label in unit})
    header_row, columns = find_columns(ws, (layout.H_ID, *labels))
    rows = item_rows(ws, header_row, columns[layout.H_ID])
    for unit_id, by_label in counts.items():
        for label, value in by_label.items():
            if label not in columns or unit_id not in rows:
                raise FormError(f"民主测评表中找不到 {unit_id} / {label}")
            _put(ws, rows[unit_id], columns[label], value)
    target = out or path
    wb.save(target)
    return target
