"""Helpers for the form tests: find cells the way a reader does (header labels, 编号)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from kaohe_xl.forms import layout
from kaohe_xl.forms.fill import header_row, item_rows
from kaohe_xl.rubric.model import ItemKind, Rubric

TOTAL_LABELS = ("基础分", "加分", "扣分", "总分", "一票否决")


def header(ws: Worksheet) -> tuple[int, dict[str, int]]:
    """The header row (found as kaohe_xl.fill finds it) and ``{label as written: column}``."""
    top, _ = header_row(ws)
    return top, {str(c.value): c.column for c in ws[top] if c.value is not None}


def id_rows(ws: Worksheet) -> dict[str, int]:
    """``{value in the 编号 column: row}`` below the header."""
    top, cols = header(ws)
    return item_rows(ws, top, cols[layout.H_ID])


def total_rows(ws: Worksheet) -> dict[str, int]:
    """``{基础分/加分/扣分/总分/一票否决: row}``, by the label in the 类别 column."""
    top, cols = header(ws)
    out: dict[str, int] = {}
    for (cell,) in ws.iter_rows(min_row=top + 1, min_col=cols[layout.H_CATEGORY], max_col=cols[layout.H_CATEGORY]):
        if cell.value in TOTAL_LABELS:
            out[str(cell.value)] = cell.row
    return out


def fill_scores(path: Path, sheet: str, column: str, scores: Mapping[str, Any], out: Path) -> Path:
    """Write values into the ``column`` cells of the given item ids, as a unit would."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    _, cols = header(ws)
    rows = id_rows(ws)
    for item_id, value in scores.items():
        ws.cell(row=rows[item_id], column=cols[column]).value = value
    wb.save(out)
    return out


def rubric_total(rubric: Rubric, scores: Mapping[str, Any]) -> dict[str, Decimal]:
    """The team's agreed arithmetic for one source, straight from the rubric semantics."""

    def value(item_id: str) -> Decimal:
        raw = scores.get(item_id)
        return Decimal(str(raw)) if isinstance(raw, int | float | Decimal) else Decimal(0)

    base = Decimal(0)
    for category in rubric.scored_categories:
        assert category.cap is not None
        got = sum((value(i.id) for i in rubric.items_in(category.name) if i.kind is ItemKind.BASE), Decimal(0))
        base += min(got, category.cap)
    settings = rubric.settings
    bonus = min(sum((value(i.id) for i in rubric.items_of(ItemKind.BONUS)), Decimal(0)), settings.bonus_cap)
    if base < settings.bonus_threshold:
        bonus = Decimal(0)
    penalty = sum((value(i.id) for i in rubric.items_of(ItemKind.PENALTY)), Decimal(0))
    return {"基础分": base, "加分": bonus, "扣分": penalty, "总分": max(base + bonus - penalty, Decimal(0))}


def cells_snapshot(path: Path) -> dict[str, Any]:
    """Everything a reader or a person sees, for comparing two builds of the same form."""
    wb = openpyxl.load_workbook(path)
    snap: dict[str, Any] = {"sheets": [(ws.title, ws.sheet_state) for ws in wb.worksheets]}
    snap["names"] = sorted((n, d.attr_text) for n, d in wb.defined_names.items())
    for ws in wb.worksheets:
        snap[ws.title] = {
            "values": [[c.value for c in row] for row in ws.iter_rows()],
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "locked": [[c.protection.locked for c in row] for row in ws.iter_rows()],
            "dv": sorted(
                (str(d.sqref), d.type, d.formula1, d.formula2, d.error) for d in ws.data_validations.dataValidation
            ),
            "cf": sorted((str(r.sqref), str(rule.formula)) for r in ws.conditional_formatting for rule in r.rules),
            "heights": {k: v.height for k, v in ws.row_dimensions.items()},
            "print": (ws.print_title_rows, ws.page_setup.orientation, ws.oddFooter.center.text),
        }
    return snap
