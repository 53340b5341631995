"""Two years' categories and items side by side: new, removed, changed, mean shares. Pure.

Categories match by name, items by 编号 + 考核内容, then 考核内容 alone
(:mod:`kaohe_xl.analysis.matching`). A category's mean share is the mean over the units
scored of category score ÷ its 分值; an item's, of the share of 分值 a unit kept (for 扣分
items and 扣分制 categories 1 − deduction ÷ 分值; for 加分 items the bonus ÷ 分值), in
percent with 1 decimal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from kaohe_xl.analysis.matching import match_items
from kaohe_xl.analysis.years import Year, YearCategory, YearItem, YearUnit
from kaohe_xl.rubric.model import ItemKind
from kaohe_xl.textnorm import format_decimal

TENTH = Decimal("0.1")
HUNDRED = Decimal(100)


def round1(value: Decimal) -> Decimal:
    """One decimal, half up: how a share in percent is shown (87.45 → 87.5)."""
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def mean_of(values: Sequence[Decimal]) -> Decimal | None:
    """The exact mean (None for no values)."""
    return sum(values, Decimal(0)) / len(values) if values else None


def share_of(score: Decimal | None, cap: Decimal | None) -> Decimal | None:
    """``score`` as a percentage of ``cap``, exact (None without either)."""
    return None if score is None or not cap else score / cap * HUNDRED


@dataclass(frozen=True)
class CategoryComparison:
    """A category this year against last year: mean shares (percent, 1 decimal)."""

    name: str
    cap: Decimal | None  # this year's; None when removed
    last_cap: Decimal | None  # None when new
    mean: Decimal | None
    last_mean: Decimal | None
    note: str = ""

    @property
    def change(self) -> Decimal | None:
        return None if self.mean is None or self.last_mean is None else self.mean - self.last_mean


@dataclass(frozen=True)
class ItemComparison:
    """An item this year against last year: mean share of 分值 kept (percent, 1 decimal)."""

    item: YearItem | None  # None: removed this year
    last: YearItem | None  # None: new this year
    share: Decimal | None
    last_share: Decimal | None
    note: str = ""

    @property
    def change(self) -> Decimal | None:
        return None if self.share is None or self.last_share is None else self.share - self.last_share

    @property
    def status(self) -> str:
        return "removed" if self.item is None else "new" if self.last is None else "same"


def compare_categories(
    this: Year, last: Year, pairs: Sequence[tuple[YearCategory | None, YearCategory | None]]
) -> tuple[CategoryComparison, ...]:
    out = []
    for now, then in pairs:
        either = now or then
        assert either is not None
        mean = _mean_share(this.units, now)
        last_mean = _mean_share(last.units, then)
        note = ""
        if now is None:
            note = f"{this.label}已取消此类别"
        elif then is None:
            note = f"{this.label}新增类别"
        elif now.cap != then.cap:
            note = f"分值由 {format_decimal(then.cap)} 改为 {format_decimal(now.cap)}"
        out.append(
            CategoryComparison(
                either.name,
                now.cap if now else None,
                then.cap if then else None,
                mean,
                last_mean,
                note,
            )
        )
    return tuple(out)


def _mean_share(units: Sequence[YearUnit], category: YearCategory | None) -> Decimal | None:
    if category is None:
        return None
    shares = [s for u in units if (s := share_of(u.categories.get(category.name), category.cap)) is not None]
    mean = mean_of(shares)
    return None if mean is None else round1(mean)


def item_share(item: YearItem, value: Decimal) -> Decimal | None:
    """The share of an item's 分值 a unit kept (gained, for 加分 items), in percent."""
    if not item.points or item.kind == ItemKind.VETO.value:
        return None
    lost = item.lost(value)
    kept = value if lost is None else item.points - lost
    return kept / item.points * HUNDRED


def mean_item_share(year: Year, item: YearItem | None) -> Decimal | None:
    """The mean share of ``item``'s 分值 kept over the units scored on it (1 decimal)."""
    if item is None:
        return None
    shares = [s for u in year.units if item.id in u.items if (s := item_share(item, u.items[item.id])) is not None]
    mean = mean_of(shares)
    return None if mean is None else round1(mean)


def compare_items(this: Year, last: Year) -> tuple[ItemComparison, ...]:
    out = []
    for now, then in match_items(this.items, last.items):
        notes = []
        if now is None:
            notes.append(f"{this.label}已删除")
        elif then is None:
            notes.append(f"{this.label}新增")
        else:
            if then.id != now.id:
                notes.append(f"编号由 {then.id} 改为 {now.id}")
            if then.points != now.points:
                notes.append(f"分值由 {format_decimal(then.points)} 改为 {format_decimal(now.points)}")
            if then.category != now.category:
                notes.append(f"类别由{then.category}改为{now.category}")
        out.append(ItemComparison(now, then, mean_item_share(this, now), mean_item_share(last, then), "；".join(notes)))
    return tuple(out)
