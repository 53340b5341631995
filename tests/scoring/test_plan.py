"""A rubric's look-ups, made once per rubric: the same as asking the rubric each time."""

from __future__ import annotations

from _scoring_helpers import small_rubric

from kaohe_xl.rubric.model import ItemKind
from kaohe_xl.scoring.plan import plan


def test_a_plan_holds_what_the_rubric_answers() -> None:
    rubric = small_rubric()
    looks = plan(rubric)
    assert looks.categories == tuple(
        (c, tuple(i for i in rubric.items_in(c.name) if i.kind is ItemKind.BASE)) for c in rubric.scored_categories
    )
    assert looks.categories and all(members for _c, members in looks.categories)
    assert looks.base == rubric.items_of(ItemKind.BASE)
    assert looks.bonus == rubric.items_of(ItemKind.BONUS) and looks.bonus
    assert looks.penalty == rubric.items_of(ItemKind.PENALTY) and looks.penalty
    assert looks.veto == rubric.items_of(ItemKind.VETO) and looks.veto
    assert looks.computed == rubric.computed_items
    assert looks.deduction == {c.name for c in rubric.categories if c.deduction}


def test_a_plan_is_kept_for_its_rubric_object_only() -> None:
    first, second = small_rubric(), small_rubric(diff_threshold=2)
    assert plan(first) is plan(first)
    other = plan(second)
    assert other is not plan(first)  # another rubric object: its own plan, even when alike
    assert plan(first).categories[0][0] is first.scored_categories[0]
