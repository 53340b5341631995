"""Frozen dataclasses built without __init__ are the records __init__ makes."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from kaohe_xl.frozen import built


@dataclasses.dataclass(frozen=True)
class _Point:
    name: str
    value: Decimal | None
    tags: tuple[str, ...] = ()


def test_built_equals_init_hashes_alike_and_stays_frozen() -> None:
    made = built(_Point, name="甲", value=Decimal("1.5"), tags=("a",))
    usual = _Point("甲", Decimal("1.5"), ("a",))
    assert made == usual and hash(made) == hash(usual) and repr(made) == repr(usual)
    assert dataclasses.astuple(made) == dataclasses.astuple(usual)
    assert made != _Point("甲", Decimal("2"), ("a",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.value = Decimal(0)  # type: ignore[misc]
