"""What the arithmetic looks up in a rubric, once per rubric rather than once per unit. Pure.

:class:`~kaohe_xl.rubric.model.Rubric` finds items of a kind or a category by scanning
its items; a thousand units × two sources × every category did that a hundred thousand
times. A rubric is immutable, so its :class:`Plan` is made once and kept while the same
rubric object is scored.
"""

from __future__ import annotations

from dataclasses import dataclass

from kaohe_xl.rubric.model import Category, Item, ItemKind, Rubric


@dataclass(frozen=True)
class Plan:
    """A rubric's look-ups, in rubric order."""

    categories: tuple[tuple[Category, tuple[Item, ...]], ...]  # scored categories and their 基础 items
    base: tuple[Item, ...]
    bonus: tuple[Item, ...]
    penalty: tuple[Item, ...]
    veto: tuple[Item, ...]
    computed: frozenset[str]  # items 民主测评 fills (计入条目)
    deduction: frozenset[str]  # names of the 扣分制 categories


_last: list[tuple[Rubric, Plan]] = []  # the rubric scored last, and its plan


def plan(rubric: Rubric) -> Plan:
    """The look-ups of ``rubric`` (kept for the rubric object used last)."""
    for known, made in _last:
        if known is rubric:
            return made
    made = Plan(
        tuple(
            (c, tuple(i for i in rubric.items_in(c.name) if i.kind is ItemKind.BASE)) for c in rubric.scored_categories
        ),
        rubric.items_of(ItemKind.BASE),
        rubric.items_of(ItemKind.BONUS),
        rubric.items_of(ItemKind.PENALTY),
        rubric.items_of(ItemKind.VETO),
        rubric.computed_items,
        frozenset(c.name for c in rubric.categories if c.deduction),
    )
    _last[:] = [(rubric, made)]
    return made
