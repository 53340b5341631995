"""Self-assessment versus the assessors' scores (自评与考核差异). Pure, no I/O.

Per unit and item: 自评得分, 考核得分, difference = 自评 − 考核, flagged when
|difference| ≥ 差异阈值 (设置), with the assessors' 扣分原因 beside it. A 否决 item is
flagged when the self-assessment and the assessors marked it differently.

Per unit: the sum of positive differences (how far the self-assessment was above the
assessors'), the sum of negative ones (below), and the share of compared items that
were flagged. Items that one side left blank or did not return are not compared, nor
are items 民主测评 fills (计入条目: both sides get the same computed score).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from kaohe_xl.frozen import built
from kaohe_xl.rubric.model import ItemKind
from kaohe_xl.scoring.engine import ZERO, ItemScore, Results, UnitResult
from kaohe_xl.store.records import ReturnState

_SHARE = Decimal("0.0001")


@dataclass(frozen=True)
class ItemDiff:
    """One unit's self-score and assessor score for one item."""

    unit_id: str
    unit_name: str
    item_id: str
    category: str
    content: str
    kind: ItemKind
    points: Decimal | None
    self_score: Decimal | None
    assessor_score: Decimal | None
    difference: Decimal | None  # self − assessor; None when either side is blank
    flagged: bool
    reason: str = ""  # the assessors' 扣分原因
    self_note: str = ""  # the unit's 自评说明
    self_veto: bool | None = None
    assessor_veto: bool | None = None


@dataclass(frozen=True)
class UnitDiff:
    """How far one unit's self-assessment was from the assessors'."""

    unit_id: str
    unit_name: str
    self_total: Decimal | None
    assessor_total: Decimal | None
    above: Decimal  # Σ positive differences (self above the assessors)
    below: Decimal  # Σ negative differences (≤ 0: self below the assessors)
    compared: int  # items both sides scored
    flagged: int
    note: str = ""

    @property
    def share(self) -> Decimal | None:
        """Flagged / compared items, 4 decimals (None when nothing could be compared)."""
        if not self.compared:
            return None
        return (Decimal(self.flagged) / self.compared).quantize(_SHARE, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Reconciliation:
    """Item rows (units-list order, rubric order) and one summary per unit."""

    items: tuple[ItemDiff, ...]
    units: tuple[UnitDiff, ...]
    threshold: Decimal

    def flagged(self) -> list[ItemDiff]:
        return [row for row in self.items if row.flagged]

    def unit(self, unit_id: str) -> UnitDiff:
        """One unit's summary (KeyError for an unknown id), through an index built once."""
        return self._by_unit[unit_id]

    def unit_items(self, unit_id: str) -> list[ItemDiff]:
        """The item rows of one unit, in rubric order."""
        return self._items_by_unit.get(unit_id, [])

    @cached_property
    def _by_unit(self) -> dict[str, UnitDiff]:
        return {row.unit_id: row for row in self.units}

    @cached_property
    def _items_by_unit(self) -> dict[str, list[ItemDiff]]:
        grouped: dict[str, list[ItemDiff]] = {}
        for row in self.items:
            grouped.setdefault(row.unit_id, []).append(row)
        return grouped


def _current(results: Results, unit: UnitResult, source: str | None) -> Mapping[str, ItemScore]:
    """A side's combined scores by item, only while its return counts (已收到).

    A newer return with errors (待核实) leaves the older valid values in the store; they
    are not the unit's current answer, so they are not compared or shown as its score.
    """
    if not source or unit.source_states.get(source) is not ReturnState.OK:
        return {}
    return results.source_scores(unit.unit_id, source)


def reconcile(results: Results) -> Reconciliation:
    """Compare the self source with the primary assessor source, item by item."""
    threshold = results.rubric.settings.diff_threshold
    items: list[ItemDiff] = []
    summaries: list[UnitDiff] = []
    for unit in results.in_list_order():
        rows = _unit_rows(results, unit, threshold)
        items.extend(rows)
        diffs = [r.difference for r in rows if r.difference is not None]
        compared = len(diffs) + sum(
            1 for r in rows if r.kind is ItemKind.VETO and r.self_veto is not None and r.assessor_veto is not None
        )
        notes = [
            f"{name}{state.label}"
            for name, state in unit.source_states.items()
            if name in (results.self_source, results.primary) and state is not ReturnState.OK
        ]
        summaries.append(
            UnitDiff(
                unit.unit_id,
                unit.unit_name,
                unit.total(results.self_source or ""),
                unit.total(results.primary),
                above=sum((d for d in diffs if d > 0), ZERO),
                below=sum((d for d in diffs if d < 0), ZERO),
                compared=compared,
                flagged=sum(1 for r in rows if r.flagged),
                note="；".join(notes),
            )
        )
    return Reconciliation(tuple(items), tuple(summaries), threshold)


def _unit_rows(results: Results, unit: UnitResult, threshold: Decimal) -> list[ItemDiff]:
    """One unit's item rows, in rubric order."""
    computed = results.rubric.computed_items
    mine = _current(results, unit, results.self_source)
    theirs_all = _current(results, unit, results.primary)
    rows = []
    for item in results.rubric.items:
        own = mine.get(item.id)
        theirs = theirs_all.get(item.id)
        self_score = own.value if own else None
        assessor_score = theirs.value if theirs else None
        self_veto = own.veto if own else None
        assessor_veto = theirs.veto if theirs else None
        difference = None
        if item.kind is ItemKind.VETO:
            flagged = self_veto is not None and assessor_veto is not None and self_veto != assessor_veto
        elif item.id not in computed and self_score is not None and assessor_score is not None:
            difference = self_score - assessor_score
            flagged = abs(difference) >= threshold
        else:
            flagged = False
        # ItemDiff(...) built straight into its __dict__ (kaohe_xl.frozen): its __init__ sets
        # each of its 15 fields through object.__setattr__, most of the time for 50,000 rows
        row = built(
            ItemDiff,
            unit_id=unit.unit_id,
            unit_name=unit.unit_name,
            item_id=item.id,
            category=item.category,
            content=item.content,
            kind=item.kind,
            points=item.points,
            self_score=self_score,
            assessor_score=assessor_score,
            difference=difference,
            flagged=flagged,
            reason="；".join(theirs.remarks) if theirs else "",
            self_note="；".join(own.remarks) if own else "",
            self_veto=self_veto,
            assessor_veto=assessor_veto,
        )
        rows.append(row)
    return rows
