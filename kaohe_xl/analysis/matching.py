"""Which unit, category and item of one year is which of another. Pure.

* **Units**: first the rows of the mapping file (上年 → 本年, each side a 单位名称 or a
  编号; two rows with the same 本年 unit merge, two with the same 上年 unit split), then
  the same 单位名称 (spaces and full-width forms ignored), whatever the 编号: offices
  renumber their lists. A unit whose 编号 matches but whose name does not is *not*
  matched — 编号 12 may be another unit this year — and a note says how to match it.
* **Categories**: by name.
* **Items**: by 编号 and 考核内容 together, then by 考核内容 alone (an item renumbered
  when one was added before it). What is left is new or removed, listed, not compared.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from kaohe_xl.analysis.years import Year, YearCategory, YearItem, YearUnit
from kaohe_xl.textnorm import normalize_label


class Match(StrEnum):
    """How a unit of this year relates to last year's."""

    SAME = "same"
    RENAMED = "renamed"  # one to one, through the mapping file
    MERGED = "merged"  # several of last year's units are this one
    SPLIT = "split"  # one of last year's units is this one and others
    NEW = "new"
    REMOVED = "removed"  # last year's unit, not in this year

    @property
    def label(self) -> str:
        return _MATCH_LABELS[self.value]


_MATCH_LABELS = {
    "same": "",
    "renamed": "更名",
    "merged": "合并",
    "split": "分设",
    "new": "新增",
    "removed": "本年无",
}


def key(text: str) -> str:
    """A name or 考核内容 made comparable (NFKC, no white space)."""
    return normalize_label(text)


@dataclass(frozen=True)
class UnitMatch:
    """This year's units → their predecessors in one earlier year (whose units may have no 编号)."""

    predecessors: dict[int, tuple[YearUnit, ...]]  # this year's unit, by position → earlier units
    successors: dict[int, tuple[int, ...]]  # an earlier unit, by position → this year's units, by position
    unmatched: tuple[YearUnit, ...]  # earlier units with no successor, in their order
    notes: tuple[str, ...]
    positions: dict[int, int]  # id() of an earlier unit → its position

    def kind(self, position: int, unit: YearUnit) -> Match:
        """How this year's unit at ``position`` relates to the earlier year."""
        found = self.predecessors.get(position, ())
        if not found:
            return Match.NEW
        if len(found) > 1:
            return Match.MERGED
        if len(self.successors.get(self.positions[id(found[0])], ())) > 1:
            return Match.SPLIT
        return Match.SAME if key(found[0].unit_name) == key(unit.unit_name) else Match.RENAMED


def _find(units: Sequence[YearUnit], text: str) -> int | None:
    """The position of the unit named (else numbered) ``text``."""
    wanted = key(text)
    for n, unit in enumerate(units):
        if key(unit.unit_name) == wanted:
            return n
    for n, unit in enumerate(units):
        if unit.unit_id and key(unit.unit_id) == wanted:
            return n
    return None


def match_units(this: Year, earlier: Year, mapping: Sequence[tuple[str, str]] = ()) -> UnitMatch:
    """Match ``earlier``'s units to ``this`` year's: mapping rows, then the same name."""
    pairs: list[tuple[int, int]] = []  # (earlier position, this year's position)
    notes: list[str] = []
    for old_text, new_text in mapping:
        old, new = _find(earlier.units, old_text), _find(this.units, new_text)
        if new is None:
            notes.append(f"单位对照表：本年名单中没有“{new_text}”，该行未使用")
        elif old is not None:
            pairs.append((old, new))
    mapped_old = {old for old, _ in pairs}
    mapped_new = {new for _, new in pairs}
    by_name = {key(u.unit_name): n for n, u in enumerate(earlier.units) if n not in mapped_old}
    for n, unit in enumerate(this.units):
        if n not in mapped_new and (old := by_name.pop(key(unit.unit_name), None)) is not None:
            pairs.append((old, n))
    predecessors: dict[int, list[YearUnit]] = defaultdict(list)
    successors: dict[int, list[int]] = defaultdict(list)
    for old, new in sorted(set(pairs)):
        predecessors[new].append(earlier.units[old])
        successors[old].append(new)
    unmatched = tuple(u for n, u in enumerate(earlier.units) if n not in successors)
    unpaired = {u.unit_id: u for n, u in enumerate(this.units) if n not in predecessors}
    for old_unit in unmatched:
        twin = unpaired.get(old_unit.unit_id) if old_unit.unit_id else None
        if twin is not None:
            notes.append(
                f"编号 {old_unit.unit_id} {earlier.label}为“{old_unit.unit_name}”，{this.label}为“{twin.unit_name}”，"
                "未视为同一单位；如是更名，请在单位对照表中写一行：上年单位 → 本年单位"
            )
    return UnitMatch(
        {k: tuple(v) for k, v in predecessors.items()},
        {k: tuple(v) for k, v in successors.items()},
        unmatched,
        tuple(notes),
        {id(u): n for n, u in enumerate(earlier.units)},
    )


def unused_mapping_rows(years: Sequence[Year], mapping: Sequence[tuple[str, str]]) -> list[str]:
    """Notes for mapping rows whose 上年 unit is in none of the earlier years."""
    return [
        f"单位对照表：{'、'.join(y.label for y in years)}的结果中都没有“{old}”，该行未使用"
        for old, _new in mapping
        if all(_find(y.units, old) is None for y in years)
    ]


def match_categories(
    this: Sequence[YearCategory], last: Sequence[YearCategory]
) -> list[tuple[YearCategory | None, YearCategory | None]]:
    """(this year's, last year's) by name: this year's order, then the removed ones."""
    before = {key(c.name): c for c in last}
    pairs: list[tuple[YearCategory | None, YearCategory | None]] = [(c, before.pop(key(c.name), None)) for c in this]
    pairs += [(None, c) for c in last if key(c.name) in before]
    return pairs


def match_items(this: Sequence[YearItem], last: Sequence[YearItem]) -> list[tuple[YearItem | None, YearItem | None]]:
    """(this year's, last year's): by 编号 + 考核内容, then 考核内容 alone; this year's
    order, then the removed ones in last year's order."""
    left = list(last)
    found: dict[str, YearItem] = {}
    for item in this:
        twin = next((o for o in left if key(o.id) == key(item.id) and key(o.content) == key(item.content)), None)
        if twin is not None:
            found[item.id] = twin
            left.remove(twin)
    for item in this:
        if item.id in found:
            continue
        twin = next((o for o in left if key(o.content) == key(item.content)), None)
        if twin is not None:
            found[item.id] = twin
            left.remove(twin)
    pairs: list[tuple[YearItem | None, YearItem | None]] = [(item, found.get(item.id)) for item in this]
    pairs += [(None, item) for item in left]
    return pairs
