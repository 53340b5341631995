"""One year's results, small and self-contained: what a comparison needs. Pure.

A :class:`Year` holds, for one campaign, the figures as shown (2 decimals): each unit's
综合得分, 排名, 等次, its category scores and item scores (the primary assessor source's),
the rubric's categories and items, and the full marks of the 综合得分 (Σ weight ×
折算分制 of the weighted sources: 100, or 1000 for a 千分制 scheme). It comes from a scored
campaign (:func:`year_of`), or from a file (:mod:`kaohe_xl.analysis.yearfile`): the
snapshot ``kaohe export --format snapshot`` writes (:func:`to_dict` / :func:`from_dict`),
the export's rows, or a 汇总表 made by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kaohe_xl.rubric.model import ItemKind, Rubric
from kaohe_xl.scoring.engine import Results, round2
from kaohe_xl.store.records import ReturnState

SNAPSHOT_KEY = "kaohe_snapshot"  # marks a snapshot file; its value is the format version
SNAPSHOT_VERSION = 1
# Item kinds whose points can be lost (the others add or veto).
LOSS_KINDS = (ItemKind.BASE.value, ItemKind.PENALTY.value)
_PENALTY = ItemKind.PENALTY.value


@dataclass(frozen=True)
class YearCategory:
    """A scored category (类别) and its cap (分值)."""

    name: str
    cap: Decimal


@dataclass(frozen=True)
class YearItem:
    """An item (条目) as far as a comparison needs it."""

    id: str
    category: str
    content: str
    kind: str = ItemKind.BASE.value  # 基础 / 加分 / 扣分 / 否决
    points: Decimal | None = None
    deduction: bool = False  # its category is 扣分制: the value entered is a deduction

    def lost(self, value: Decimal) -> Decimal | None:
        """Points lost on the item with ``value`` entered (None for 加分 and 否决 items)."""
        if self.points is None or self.kind not in LOSS_KINDS:
            return None
        if self.kind == _PENALTY or self.deduction:
            return min(max(value, Decimal(0)), self.points)
        return max(self.points - value, Decimal(0))


@dataclass(frozen=True)
class YearUnit:
    """One unit's figures in one year, as shown."""

    unit_id: str
    unit_name: str
    composite: Decimal | None = None  # 2 decimals; None: not scored (待提交 / 待核实)
    rank: int | None = None
    grade: str = ""
    status: str = ReturnState.OK.value  # ok / missing / invalid
    veto: bool = False
    categories: Mapping[str, Decimal] = field(default_factory=dict, hash=False)
    items: Mapping[str, Decimal] = field(default_factory=dict, hash=False)

    @property
    def status_label(self) -> str:
        """已收到 / 待提交 / 待核实."""
        try:
            return ReturnState(self.status).label
        except ValueError:
            return self.status


@dataclass(frozen=True)
class Year:
    """A year's results: units in display order (ranked, vetoed, not scored)."""

    name: str  # 考核名称
    year: str  # 年度, e.g. "2023"; may be ""
    full_marks: Decimal | None  # of the 综合得分; None when the file does not say
    units: tuple[YearUnit, ...]
    categories: tuple[YearCategory, ...] = ()
    items: tuple[YearItem, ...] = ()
    origin: str = ""  # where it was read from, for messages
    notes: tuple[str, ...] = ()  # what the reader had to assume

    @property
    def label(self) -> str:
        """How the year is headed: ``2023年``, else the 考核名称 or the file."""
        if self.year:
            return f"{self.year}年" if self.year.isdigit() else self.year
        return self.name or self.origin or "上年"

    def unit(self, unit_id: str) -> YearUnit:
        for unit in self.units:
            if unit.unit_id == unit_id:
                return unit
        raise KeyError(unit_id)


def composite_full_marks(rubric: Rubric) -> Decimal:
    """The full marks of the 综合得分: Σ weight × the scale of each weighted source."""
    return sum((s.weight * rubric.source_scale(s) for s in rubric.sources if s.weight != 0), Decimal(0))


def year_items(rubric: Rubric) -> tuple[YearItem, ...]:
    """The rubric's items as a year keeps them."""
    deduction = {c.name for c in rubric.categories if c.deduction}
    return tuple(
        YearItem(i.id, i.category, i.content, i.kind.value, i.points, i.category in deduction) for i in rubric.items
    )


def year_categories(rubric: Rubric) -> tuple[YearCategory, ...]:
    """The rubric's scored categories (those with a cap) as a year keeps them."""
    return tuple(YearCategory(c.name, c.cap) for c in rubric.scored_categories if c.cap is not None)


def year_of(results: Results, *, origin: str = "") -> Year:
    """The year's figures from a scored campaign (the primary assessor source's scores)."""
    rubric = results.rubric
    items = year_items(rubric)
    units = []
    for unit in results.units:
        current = unit.source_states.get(results.primary) is ReturnState.OK and unit.main is not None
        scores: dict[str, Decimal] = {}
        if current:
            for item in rubric.items:
                score = results.item_score(unit.unit_id, results.primary, item.id)
                if score is not None and score.value is not None and item.is_scored:
                    scores[item.id] = score.value
        main = unit.main
        units.append(
            YearUnit(
                unit.unit_id,
                unit.unit_name,
                unit.shown,
                unit.rank,
                unit.grade,
                unit.status.value,
                unit.veto,
                dict(main.categories) if main is not None and current else {},
                scores,
            )
        )
    settings = rubric.settings
    return Year(
        settings.name,
        str(settings.year),
        composite_full_marks(rubric),
        tuple(units),
        year_categories(rubric),
        items,
        origin,
    )


# -- the snapshot file (JSON) ------------------------------------------------------------------
def _number(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    shown = round2(value)
    return int(shown) if shown == shown.to_integral_value() else float(shown)


def to_dict(year: Year) -> dict[str, Any]:
    """The snapshot as plain JSON data (numbers as shown, 2 decimals)."""
    return {
        SNAPSHOT_KEY: SNAPSHOT_VERSION,
        "name": year.name,
        "year": year.year,
        "full_marks": _number(year.full_marks),
        "categories": [{"name": c.name, "cap": _number(c.cap)} for c in year.categories],
        "items": [
            {
                "id": i.id,
                "category": i.category,
                "content": i.content,
                "kind": i.kind,
                "points": _number(i.points),
                **({"deduction": True} if i.deduction else {}),
            }
            for i in year.items
        ],
        "units": [
            {
                "unit_id": u.unit_id,
                "unit_name": u.unit_name,
                "composite": _number(u.composite),
                "rank": u.rank,
                "grade": u.grade,
                "status": u.status,
                "veto": u.veto,
                "categories": {k: _number(v) for k, v in u.categories.items()},
                "items": {k: _number(v) for k, v in u.items.items()},
            }
            for u in year.units
        ],
    }


def decimal_or_none(value: object) -> Decimal | None:
    """A JSON number (or numeric text) as a Decimal; None, "" and null stay None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))


def from_dict(data: Mapping[str, Any], *, origin: str = "") -> Year:
    """A snapshot back from its JSON data; ValueError/KeyError/TypeError when malformed."""
    version = data.get(SNAPSHOT_KEY)
    if version != SNAPSHOT_VERSION:
        raise ValueError(f"snapshot version {version!r}, expected {SNAPSHOT_VERSION}")
    categories = tuple(
        YearCategory(str(c["name"]), decimal_or_none(c["cap"]) or Decimal(0)) for c in data["categories"]
    )
    items = tuple(
        YearItem(
            str(i["id"]),
            str(i["category"]),
            str(i["content"]),
            str(i.get("kind") or ItemKind.BASE.value),
            decimal_or_none(i.get("points")),
            bool(i.get("deduction", False)),
        )
        for i in data["items"]
    )
    units = []
    for u in data["units"]:
        rank = u.get("rank")
        units.append(
            YearUnit(
                str(u["unit_id"]),
                str(u["unit_name"]),
                decimal_or_none(u.get("composite")),
                int(rank) if rank not in (None, "") else None,
                str(u.get("grade") or ""),
                str(u.get("status") or ReturnState.OK.value),
                bool(u.get("veto", False)),
                {str(k): d for k, v in (u.get("categories") or {}).items() if (d := decimal_or_none(v)) is not None},
                {str(k): d for k, v in (u.get("items") or {}).items() if (d := decimal_or_none(v)) is not None},
            )
        )
    return Year(
        str(data.get("name") or ""),
        str(data.get("year") or ""),
        decimal_or_none(data.get("full_marks")),
        tuple(units),
        categories,
        items,
        origin,
    )
