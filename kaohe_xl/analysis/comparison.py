"""This year against earlier years: changes, rank moves, categories, items. Pure.

Units are matched as :mod:`kaohe_xl.analysis.matching` says, this year against each
earlier year. Per unit and year the figure compared is the 综合得分 as shown — or, when
the years' 综合得分 have different full marks (满分 100 one year, 千分制 the next), its
share of the full marks in percent (2 decimals), and changes are percentage points.
A change is this year's figure minus last year's, both as shown, so the printed figures
add up. 排名 moves are last year's rank minus this year's (↑3: three places up).

A unit that merges several of last year's units is compared with their mean and gets
no rank move (合并); each unit split off one of last year's is compared with it (分设).

Categories (by name): each unit's category score as a share of the category's 分值
(1 decimal, percent) this year and last, and the change; per category and item the
mean share over the units scored in each year (:mod:`kaohe_xl.analysis.rubric_changes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from kaohe_xl.analysis.matching import Match, UnitMatch, match_categories, match_units, unused_mapping_rows
from kaohe_xl.analysis.rubric_changes import (
    HUNDRED,
    CategoryComparison,
    ItemComparison,
    compare_categories,
    compare_items,
    mean_of,
    round1,
    share_of,
)
from kaohe_xl.analysis.years import Year, YearCategory, YearUnit
from kaohe_xl.scoring.engine import round2
from kaohe_xl.textnorm import format_decimal


@dataclass(frozen=True)
class Figure:
    """A unit's figures in one year (for merged units, the mean of their predecessors)."""

    composite: Decimal | None  # as shown
    percent: Decimal | None  # composite ÷ full marks × 100, 2 decimals
    rank: int | None
    grade: str
    state: str = ""  # 待提交 / 待核实 when there is no composite

    def shown(self, basis: str) -> Decimal | None:
        return self.percent if basis == PERCENT else self.composite


POINTS, PERCENT = "points", "percent"


@dataclass(frozen=True)
class CategoryShare:
    """A unit's share of one category's 分值, this year and last (percent, 1 decimal)."""

    this: Decimal | None
    last: Decimal | None

    @property
    def change(self) -> Decimal | None:
        return None if self.this is None or self.last is None else self.this - self.last


@dataclass(frozen=True)
class UnitComparison:
    """One row of 与上年对比."""

    unit_id: str
    unit_name: str
    match: Match
    previous: tuple[str, ...]  # the names of last year's matched units
    figures: tuple[Figure | None, ...]  # per year: this, last, earlier ...
    change: Decimal | None  # this − last, points or percentage points
    rank_change: int | None  # last rank − this rank
    rank_move: str  # ↑3 / ↓2 / 持平 / 新增 / 合并 / —
    categories: dict[str, CategoryShare] = field(default_factory=dict, hash=False)
    note: str = ""


@dataclass(frozen=True)
class Comparison:
    """This year (``years[0]``) against earlier years, units in this year's display order."""

    years: tuple[Year, ...]
    basis: str  # POINTS or PERCENT
    units: tuple[UnitComparison, ...]
    categories: tuple[CategoryComparison, ...]
    items: tuple[ItemComparison, ...]
    notes: tuple[str, ...]

    @property
    def this(self) -> Year:
        return self.years[0]

    @property
    def last(self) -> Year:
        return self.years[1]

    def unit(self, name: str) -> UnitComparison:
        for row in self.units:
            if name in (row.unit_id, row.unit_name):
                return row
        raise KeyError(name)

    def counts(self) -> dict[Match, int]:
        """How many rows of each kind (same, renamed, merged, split, new, removed)."""
        return {kind: sum(1 for u in self.units if u.match is kind) for kind in Match}


def _full(year: Year, this: Year) -> Decimal | None:
    return year.full_marks if year.full_marks else this.full_marks


def _figure(units: Sequence[YearUnit], full: Decimal | None) -> Figure | None:
    if not units:
        return None
    composites = [u.composite for u in units]
    if any(c is None for c in composites):
        states = "、".join(dict.fromkeys(u.status_label for u in units if u.composite is None))
        return Figure(None, None, None, "、".join(dict.fromkeys(u.grade for u in units if u.grade)), states)
    values = [c for c in composites if c is not None]
    mean = mean_of(values)
    assert mean is not None
    percent = round2(mean * HUNDRED / full) if full else None
    rank = units[0].rank if len(units) == 1 else None
    grade = "、".join(dict.fromkeys(u.grade for u in units if u.grade))
    return Figure(round2(mean), percent, rank, grade)


def _rank_move(kind: Match, this: Figure | None, last: Figure | None) -> tuple[int | None, str]:
    if kind is Match.NEW:
        return None, "新增"
    if kind is Match.MERGED:
        return None, "合并"
    if this is None or last is None or this.rank is None or last.rank is None:
        return None, "—"
    moved = last.rank - this.rank
    return moved, "持平" if moved == 0 else f"↑{moved}" if moved > 0 else f"↓{-moved}"


def _category_shares(
    unit: YearUnit, before: Sequence[YearUnit], pairs: Sequence[tuple[YearCategory | None, YearCategory | None]]
) -> dict[str, CategoryShare]:
    shares = {}
    for now, then in pairs:
        if now is None or then is None:
            continue
        mine = share_of(unit.categories.get(now.name), now.cap)
        theirs = [s for u in before if (s := share_of(u.categories.get(then.name), then.cap)) is not None]
        last = mean_of(theirs) if len(theirs) == len(before) else None
        shares[now.name] = CategoryShare(None if mine is None else round1(mine), None if last is None else round1(last))
    return shares


def compare_years(this: Year, earlier: Sequence[Year], mapping: Sequence[tuple[str, str]] = ()) -> Comparison:
    """This year against ``earlier`` (last year first), units matched through ``mapping``
    (上年, 本年) rows as well as by name."""
    if not earlier:
        raise ValueError("nothing to compare with")
    years = (this, *earlier)
    fulls = [_full(y, this) for y in years]
    basis = POINTS if len(set(fulls)) == 1 else PERCENT
    matches = [match_units(this, year, mapping) for year in earlier]
    pairs = match_categories(this.categories, earlier[0].categories)
    rows = [_unit_row(n, unit, years, fulls, matches, pairs, basis) for n, unit in enumerate(this.units)]
    rows += _removed_rows(years, fulls, matches)
    notes = _notes(years, fulls, basis, matches, mapping)
    return Comparison(
        years,
        basis,
        tuple(rows),
        compare_categories(this, earlier[0], pairs),
        compare_items(this, earlier[0]),
        tuple(notes),
    )


def _unit_row(
    position: int,
    unit: YearUnit,
    years: tuple[Year, ...],
    fulls: list[Decimal | None],
    matches: list[UnitMatch],
    pairs: Sequence[tuple[YearCategory | None, YearCategory | None]],
    basis: str,
) -> UnitComparison:
    figures: list[Figure | None] = [_figure([unit], fulls[0])]
    for match, full in zip(matches, fulls[1:], strict=True):
        figures.append(_figure(match.predecessors.get(position, ()), full))
    first = matches[0]
    kind = first.kind(position, unit)
    before = first.predecessors.get(position, ())
    now, last = figures[0], figures[1]
    change = None
    if now is not None and last is not None:
        a, b = now.shown(basis), last.shown(basis)
        change = None if a is None or b is None else a - b
    moved, move = _rank_move(kind, now, last)
    names = tuple(u.unit_name for u in before)
    note = {
        Match.RENAMED: f"{years[1].label}名为{'、'.join(names)}",
        Match.MERGED: f"由{'、'.join(names)}合并",
        Match.SPLIT: f"由{'、'.join(names)}分设",
    }.get(kind, "")
    return UnitComparison(
        unit.unit_id,
        unit.unit_name,
        kind,
        names,
        tuple(figures),
        change,
        moved,
        move,
        _category_shares(unit, before, pairs),
        note,
    )


def _removed_rows(
    years: tuple[Year, ...], fulls: list[Decimal | None], matches: list[UnitMatch]
) -> list[UnitComparison]:
    """Earlier years' units with no unit this year: one row per name, its figures per year."""
    order: list[str] = []
    found: dict[str, dict[int, YearUnit]] = {}
    for n, match in enumerate(matches, start=1):
        for unit in match.unmatched:
            name = unit.unit_name
            if name not in found:
                order.append(name)
                found[name] = {}
            found[name][n] = unit
    rows = []
    for name in order:
        per_year = found[name]
        figures: list[Figure | None] = [None]
        figures += [_figure([per_year[n]], fulls[n]) if n in per_year else None for n in range(1, len(years))]
        latest = per_year[min(per_year)]
        note = f"{years[0].label}无此单位"
        rows.append(
            UnitComparison(latest.unit_id, name, Match.REMOVED, (name,), tuple(figures), None, None, "—", {}, note)
        )
    return rows


def _notes(
    years: tuple[Year, ...],
    fulls: list[Decimal | None],
    basis: str,
    matches: list[UnitMatch],
    mapping: Sequence[tuple[str, str]],
) -> list[str]:
    notes = []
    if basis == PERCENT:
        marks = "、".join(f"{y.label}满分 {format_decimal(f)} 分" for y, f in zip(years, fulls, strict=True))
        notes.append(f"{marks}：综合得分按得分率（占满分的百分比）比较，变化为百分点")
    for year in years[1:]:
        if not year.full_marks and years[0].full_marks:
            notes.append(
                f"{year.label}的结果未注明满分，按{years[0].label}的满分 {format_decimal(years[0].full_marks)} 分计"
            )
    for year in years:
        notes.extend(f"{year.label}：{note}" for note in year.notes)
    for match in matches:
        notes.extend(match.notes)
    notes.extend(unused_mapping_rows(years[1:], mapping))
    return list(dict.fromkeys(notes))
