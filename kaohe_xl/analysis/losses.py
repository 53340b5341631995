"""Where the points were lost (失分分析), for one campaign. Pure.

From the primary assessor source's combined item scores, over the units whose return
counts (已收到):

* points lost on a 基础 item = 分值 − score; on an item of a 扣分制 category and on a 扣分
  item, the deduction entered. 加分 and 否决 items lose no points (vetoes are listed apart);
* per item: units scored, the mean share of 分值 kept (得分率, 1 − mean loss ÷ 分值),
  units that lost points, the total lost, and the 扣分原因 the assessors wrote, counted
  per unit and grouped when identical — ignoring white space, final punctuation and a
  trailing amount (``会议记录不全，扣1分`` and ``会议记录不全，扣0.5分`` are one reason);
* items sorted by points lost (then units that lost, then rubric order); the first
  :data:`TOP_ITEMS` that lost anything are the top items;
* per category: the same from the capped category scores (分值 − category score);
* per unit: its items that lost most, the weakest first (for its 反馈表).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from kaohe_xl.analysis.years import Year, YearItem, year_categories, year_items
from kaohe_xl.rubric.model import ItemKind
from kaohe_xl.scoring.engine import Results, UnitResult, round2
from kaohe_xl.store.records import ReturnState
from kaohe_xl.textnorm import nfkc

TOP_ITEMS = 5  # items highlighted on 失分分析
WEAKEST = 3  # items on each 反馈表
_SHARE = Decimal("0.0001")
_END = re.compile(r"[\s。．.，,；;、：:！!？?]+$")
_AMOUNT = re.compile(r"[\s，,；;、：:]*(?:共|合计)?(?:扣除|扣|减)\s*\d+(?:[.．]\d+)?\s*分[。．.；;]*$")


@lru_cache(maxsize=4096)  # assessors repeat their words: a thousand units, a few dozen reasons
def reason_text(text: str) -> str:
    """A 扣分原因 as shown on 失分分析: inner white space as one space, no trailing amount
    (``，扣1分``) or punctuation; the assessors' own characters otherwise."""
    cleaned = re.sub(r"\s+", " ", text).strip()
    return _END.sub("", _AMOUNT.sub("", cleaned))


@lru_cache(maxsize=4096)
def reason_key(text: str) -> str:
    """What makes two 扣分原因 the same: :func:`reason_text` with full-width forms folded (NFKC)."""
    return nfkc(reason_text(text))


def _share(value: Decimal) -> Decimal:
    return value.quantize(_SHARE, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class UnitLoss:
    """What one unit lost on one item."""

    unit_id: str
    unit_name: str
    item: YearItem
    score: Decimal
    lost: Decimal
    reasons: tuple[str, ...] = ()

    @property
    def share(self) -> Decimal:
        """The share of 分值 kept, 4 decimals (0.8750)."""
        assert self.item.points
        return _share(1 - self.lost / self.item.points)


@dataclass(frozen=True)
class ItemLoss:
    """One row of 失分分析: an item (or a category, with ``item`` None)."""

    name: str  # the item's 考核内容, or the category's name
    category: str
    points: Decimal  # 分值 (a category's cap)
    scored: int  # units counted
    lost_units: int
    lost: Decimal  # Σ points lost
    reasons: tuple[tuple[str, int], ...]  # (reason, units), most frequent first
    item: YearItem | None = None
    rank: int = 0  # 1 = most points lost
    top: bool = False

    @property
    def share(self) -> Decimal | None:
        """Mean share of 分值 kept, 4 decimals (None when no unit was scored)."""
        if not self.scored or not self.points:
            return None
        return _share(1 - self.lost / (self.points * self.scored))

    @property
    def mean_lost(self) -> Decimal | None:
        return round2(self.lost / self.scored) if self.scored else None

    def reason_text(self, most: int = 3) -> str:
        """``会议记录不全（3个单位）；台账资料缺失（2个单位）``."""
        return "；".join(f"{text}（{n}个单位）" for text, n in self.reasons[:most])


@dataclass(frozen=True)
class Vetoed:
    """A 否决 item some units were vetoed on."""

    item: YearItem
    units: tuple[str, ...]


@dataclass(frozen=True)
class LossAnalysis:
    """Items and categories by points lost, per-unit losses, vetoes."""

    source: str  # the assessor source analysed
    units: int  # units counted (their return counts)
    items: tuple[ItemLoss, ...]
    categories: tuple[ItemLoss, ...]
    vetoed: tuple[Vetoed, ...]
    per_unit: dict[str, tuple[UnitLoss, ...]] = field(default_factory=dict, hash=False)
    mean_share: dict[str, Decimal | None] = field(default_factory=dict, hash=False)  # item id → 得分率
    counted: frozenset[str] = frozenset()  # ids of the units counted

    def weakest(self, unit_id: str, count: int = WEAKEST) -> tuple[UnitLoss, ...]:
        """The unit's items that lost most points (ties: the lower share kept, then rubric order)."""
        return self.per_unit.get(unit_id, ())[:count]

    @property
    def top(self) -> tuple[ItemLoss, ...]:
        return tuple(row for row in self.items if row.top)


def _counted(rows: Sequence[tuple[str, tuple[str, ...]]]) -> tuple[tuple[str, int], ...]:
    """Reasons counted once per unit, grouped by :func:`reason_key`, most frequent first."""
    counts: Counter[str] = Counter()
    wording: dict[str, str] = {}
    first: dict[str, int] = {}
    for _unit, reasons in rows:
        seen: dict[str, str] = {}  # the unit's reasons, each once, in its first wording
        for reason in reasons:
            key = reason_key(reason)
            if key and key not in seen:
                seen[key] = reason_text(reason)
        for key, text in seen.items():
            counts[key] += 1
            wording.setdefault(key, text)
            first.setdefault(key, len(first))
    ordered = sorted(counts, key=lambda t: (-counts[t], first[t]))
    return tuple((wording[t], counts[t]) for t in ordered)


def _raw_reasons(remarks: Sequence[str], raters: Sequence[str]) -> tuple[str, ...]:
    """The assessors' own words: ``李明：会议记录不全`` (several disagreeing) → ``会议记录不全``."""
    out = []
    for remark in remarks:
        for rater in raters:
            if rater and remark.startswith(f"{rater}："):
                remark = remark[len(rater) + 1 :]
                break
        out.append(remark)
    return tuple(out)


def analyse_losses(results: Results) -> LossAnalysis:
    """The 失分分析 of a scored campaign (primary assessor source, counted units only)."""
    rubric = results.rubric
    year = Year(rubric.settings.name, rubric.settings.year, None, (), year_categories(rubric), year_items(rubric))
    counted = [u for u in results.units if u.source_states.get(results.primary) is ReturnState.OK and u.main]
    losses: dict[str, list[UnitLoss]] = defaultdict(list)
    lossy = [item for item in year.items if item.lost(Decimal(0)) is not None]  # 基础 and 扣分 items with 分值
    for unit in counted:
        scores = results.source_scores(unit.unit_id, results.primary)
        for item in lossy:
            score = scores.get(item.id)
            if score is None or score.value is None:
                continue
            lost = item.lost(score.value)
            assert lost is not None
            reasons = _raw_reasons(score.remarks, score.raters) if lost > 0 else ()
            losses[item.id].append(UnitLoss(unit.unit_id, unit.unit_name, item, score.value, lost, reasons))
    items = _rank(
        [_item_row(item, losses.get(item.id, [])) for item in year.items if item.lost(Decimal(0)) is not None]
    )
    categories = _category_rows(year, counted, losses)
    per_unit: dict[str, list[UnitLoss]] = defaultdict(list)
    for rows in losses.values():
        for row in rows:
            if row.lost > 0:
                per_unit[row.unit_id].append(row)
    order = {item.id: n for n, item in enumerate(year.items)}
    weakest = {
        unit_id: tuple(sorted(rows, key=lambda r: (-r.lost, r.share, order[r.item.id])))
        for unit_id, rows in per_unit.items()
    }
    return LossAnalysis(
        results.primary,
        len(counted),
        items,
        categories,
        _vetoed(results, year, [u.unit_id for u in counted]),
        weakest,
        {row.item.id: row.share for row in items if row.item is not None},
        frozenset(u.unit_id for u in counted),
    )


def _item_row(item: YearItem, rows: Sequence[UnitLoss]) -> ItemLoss:
    assert item.points is not None
    lost = [r for r in rows if r.lost > 0]
    return ItemLoss(
        item.content,
        item.category,
        item.points,
        len(rows),
        len(lost),
        sum((r.lost for r in rows), Decimal(0)),
        _counted([(r.unit_id, r.reasons) for r in lost]),
        item,
    )


def _rank(rows: list[ItemLoss]) -> tuple[ItemLoss, ...]:
    order = sorted(range(len(rows)), key=lambda n: (-rows[n].lost, -rows[n].lost_units, n))
    ranked = []
    for place, n in enumerate(order, start=1):
        row = rows[n]
        top = place <= TOP_ITEMS and row.lost > 0
        ranked.append(
            ItemLoss(
                row.name,
                row.category,
                row.points,
                row.scored,
                row.lost_units,
                row.lost,
                row.reasons,
                row.item,
                place,
                top,
            )
        )
    return tuple(ranked)


def _category_rows(
    year: Year, counted: Sequence[UnitResult], losses: dict[str, list[UnitLoss]]
) -> tuple[ItemLoss, ...]:
    rows = []
    for category in year.categories:
        scores = [u.main.categories[category.name] for u in counted if u.main and category.name in u.main.categories]
        gaps = [max(category.cap - score, Decimal(0)) for score in scores]
        by_unit: dict[str, list[str]] = defaultdict(list)  # a unit counts once per reason in a category
        for item in year.items:
            if item.category == category.name:
                for row in losses.get(item.id, []):
                    by_unit[row.unit_id].extend(row.reasons)
        reasons = _counted([(unit_id, tuple(texts)) for unit_id, texts in by_unit.items()])
        lost = sum(gaps, Decimal(0))
        rows.append(
            ItemLoss(
                category.name, category.name, category.cap, len(scores), sum(1 for g in gaps if g > 0), lost, reasons
            )
        )
    return _rank(rows)


def _vetoed(results: Results, year: Year, counted: Sequence[str]) -> tuple[Vetoed, ...]:
    out = []
    for item in year.items:
        if item.kind != ItemKind.VETO.value:
            continue
        names = tuple(
            u.unit_name
            for u in results.units
            if u.unit_id in counted
            and (s := results.source_scores(u.unit_id, results.primary).get(item.id)) is not None
            and s.veto
        )
        if names:
            out.append(Vetoed(item, names))
    return tuple(out)
