"""The synthetic campaign of bench/bench_summary.py and tests/output/test_same_figures.py:
``n`` units over a rubric, each with a self return and ``assessors`` assessor returns,
seeded deductions (random.Random(2023)). kaohe_xl is imported when called, so the
benchmark's children build it with whichever checkout they measure."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any


def synthetic(rubric: Any, n: int, assessors: int = 3) -> tuple[list[Any], list[Any], list[Any]]:
    """``(units, score records, unit states)`` as collect would have stored them."""
    from kaohe_xl.rubric.model import FormKind, ItemKind, Unit
    from kaohe_xl.store.records import ReturnState, ScoreRecord, UnitState

    rng = random.Random(2023)
    units = [Unit(f"{i:04d}", f"单位{i:04d}", assessor_group=f"第{i % 4 + 1}考核组") for i in range(1, n + 1)]
    records: list[Any] = []
    states: list[Any] = []
    for unit in units:
        forms = [(FormKind.SELF, "自评", "")] + [(FormKind.ASSESSOR, "考核组", f"评分人{a}") for a in range(assessors)]
        for form, source, rater in forms:
            for item in rubric.items:
                if item.kind is ItemKind.VETO:
                    records.append(ScoreRecord(form, source, unit.id, item.id, None, False, "", rater))
                    continue
                assert item.points is not None
                cut = rubric.step_of(item) * rng.randint(0, 3) if rng.random() < 0.3 else Decimal(0)
                value = max(item.points - cut, Decimal(0)) if item.kind is ItemKind.BASE else Decimal(0)
                remark = "台账资料缺失" if cut and form is FormKind.ASSESSOR else ""
                records.append(ScoreRecord(form, source, unit.id, item.id, value, None, remark, rater))
        states += [UnitState(unit.id, kind, ReturnState.OK, 1) for kind in (FormKind.SELF, FormKind.ASSESSOR)]
    return units, records, states
