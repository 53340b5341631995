"""The comparison and the loss analysis as plain rows with stable English names.

For the CSV and JSON files and the DataFrames of :mod:`kaohe_xl.analysis.frames`.
Numbers are floats of the figures as shown (scores 2 decimals, shares in percent 1
decimal, :attr:`ItemLoss.share` as a fraction of 4 decimals); missing ones are None.
No pandas here.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from kaohe_xl.analysis.comparison import PERCENT, Comparison, Figure, UnitComparison
from kaohe_xl.analysis.losses import ItemLoss, LossAnalysis
from kaohe_xl.analysis.rubric_changes import ItemComparison
from kaohe_xl.analysis.years import Year


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def year_keys(years: Sequence[Year]) -> list[str]:
    """The column suffix of each year: its 年度 (``2023``), else its label; made unique."""
    keys: list[str] = []
    for year in years:
        key = year.year or year.label
        candidate, n = key, 2
        while candidate in keys:
            candidate, n = f"{key}_{n}", n + 1
        keys.append(candidate)
    return keys


def comparison_columns(comparison: Comparison) -> list[str]:
    """The columns of :func:`comparison_rows`, in order."""
    keys = year_keys(comparison.years)
    columns = ["unit_id", "unit_name", "match", "previous"]
    for key in keys:
        columns += [f"composite_{key}", f"percent_{key}", f"rank_{key}", f"grade_{key}"]
    columns += ["composite_change", "percent_change", "rank_change", "rank_move", "note"]
    for category in comparison.categories:
        if category.cap is not None and category.last_cap is not None:
            columns += [f"category_{category.name}_{k}" for k in keys[:2]] + [f"category_{category.name}_change"]
    return columns


def _difference(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a - b


def comparison_rows(comparison: Comparison) -> list[dict[str, Any]]:
    """One dict per unit (this year's display order, then units no longer assessed)."""
    keys = year_keys(comparison.years)
    rows = []
    for unit in comparison.units:
        row: dict[str, Any] = {
            "unit_id": unit.unit_id,
            "unit_name": unit.unit_name,
            "match": unit.match.value,
            "previous": "、".join(unit.previous),
        }
        for key, figure in zip(keys, unit.figures, strict=True):
            row[f"composite_{key}"] = _float(figure.composite) if figure else None
            row[f"percent_{key}"] = _float(figure.percent) if figure else None
            row[f"rank_{key}"] = figure.rank if figure else None
            row[f"grade_{key}"] = (figure.grade or figure.state) if figure else None
        now, last = unit.figures[0], unit.figures[1]
        row["composite_change"] = (
            None if comparison.basis == PERCENT else _float(_pair(now, last, lambda f: f.composite))
        )
        row["percent_change"] = _float(_pair(now, last, lambda f: f.percent))
        row["rank_change"] = unit.rank_change
        row["rank_move"] = unit.rank_move
        row["note"] = unit.note
        _category_cells(comparison, unit, keys, row)
        rows.append(row)
    return rows


def _pair(now: Figure | None, last: Figure | None, get: Any) -> Decimal | None:
    if now is None or last is None:
        return None
    return _difference(get(now), get(last))


def _category_cells(comparison: Comparison, unit: UnitComparison, keys: list[str], row: dict[str, Any]) -> None:
    for category in comparison.categories:
        if category.cap is None or category.last_cap is None:
            continue
        share = unit.categories.get(category.name)
        row[f"category_{category.name}_{keys[0]}"] = _float(share.this) if share else None
        row[f"category_{category.name}_{keys[1]}"] = _float(share.last) if share else None
        row[f"category_{category.name}_change"] = _float(share.change) if share else None


def comparison_data(comparison: Comparison) -> dict[str, Any]:
    """Everything, for JSON: the years, units, categories, items and notes."""
    keys = year_keys(comparison.years)
    return {
        "years": [
            {"key": k, "label": y.label, "name": y.name, "full_marks": _float(y.full_marks), "origin": y.origin}
            for k, y in zip(keys, comparison.years, strict=True)
        ],
        "basis": comparison.basis,
        "units": comparison_rows(comparison),
        "categories": [
            {
                "name": c.name,
                "cap": _float(c.cap),
                "last_cap": _float(c.last_cap),
                "mean": _float(c.mean),
                "last_mean": _float(c.last_mean),
                "change": _float(c.change),
                "note": c.note,
            }
            for c in comparison.categories
        ],
        "items": [_item_data(i) for i in comparison.items],
        "notes": list(comparison.notes),
    }


def _item_data(row: ItemComparison) -> dict[str, Any]:
    either = row.item or row.last
    return {
        "item_id": row.item.id if row.item else None,
        "last_item_id": row.last.id if row.last else None,
        "category": either.category if either else "",
        "content": either.content if either else "",
        "status": row.status,
        "share": _float(row.share),
        "last_share": _float(row.last_share),
        "change": _float(row.change),
        "note": row.note,
    }


ITEM_LOSS_COLUMNS = (
    "rank",
    "item_id",
    "category",
    "content",
    "kind",
    "points",
    "units",
    "mean_share",
    "lost_units",
    "points_lost",
    "mean_lost",
    "top",
    "top_reason",
    "reasons",
)


def loss_rows(analysis: LossAnalysis, by: str = "item") -> list[dict[str, Any]]:
    """``by`` item (sorted by points lost), category (the same), or unit (each unit's items
    that lost points, the weakest first)."""
    if by == "unit":
        return [
            {
                "unit_id": loss.unit_id,
                "unit_name": loss.unit_name,
                "weak_rank": n,
                "item_id": loss.item.id,
                "category": loss.item.category,
                "content": loss.item.content,
                "points": _float(loss.item.points),
                "score": _float(loss.score),
                "lost": _float(loss.lost),
                "share": _float(loss.share),
                "mean_share": _float(analysis.mean_share.get(loss.item.id)),
                "reasons": "；".join(loss.reasons),
            }
            for losses in analysis.per_unit.values()
            for n, loss in enumerate(losses, start=1)
        ]
    if by not in ("item", "category"):
        raise ValueError(f"by must be item, category or unit, not {by!r}")
    rows = analysis.items if by == "item" else analysis.categories
    return [_loss_row(row, by) for row in rows]


def _loss_row(row: ItemLoss, by: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rank": row.rank,
        "item_id": row.item.id if row.item else None,
        "category": row.category,
        "content": row.name if row.item else None,
        "kind": row.item.kind if row.item else None,
        "points": _float(row.points),
        "units": row.scored,
        "mean_share": _float(row.share),
        "lost_units": row.lost_units,
        "points_lost": _float(row.lost),
        "mean_lost": _float(row.mean_lost),
        "top": row.top if by == "item" else False,
        "top_reason": row.reasons[0][0] if row.reasons else "",
        "reasons": row.reason_text(most=len(row.reasons)),
    }
    if by == "category":
        for key in ("item_id", "content", "kind", "top"):
            out.pop(key)
    return out
