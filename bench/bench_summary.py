"""Time scoring and the 汇总 workbook for hundreds to a thousand units.

Usage: python bench/bench_summary.py [--units 200 1000] [--assessors 3] [--runs 3]

Set-up: the 50-item 南昌老干部 sample rubric, N synthetic units, and score records as
collect would produce them: one self return and ``--assessors`` assessor returns per
unit, with seeded random deductions.

Measured in the same run (median of ``--runs``):
- ``score``: totals, composite, grades and ranks in decimal arithmetic;
- ``reconcile``: self vs assessor differences;
- ``summary``: ``build_summary`` + atomic save of the full workbook (汇总表, chart,
  差异, 分项明细, 回收情况);
- ``feedback``: one 反馈表 (``build_feedback`` + save) per unit, median over 20 units;
- baseline: ``pandas.DataFrame.to_excel`` of the same results table (one plain sheet, no
  styles, no print set-up) — what a hand-rolled export would cost.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pandas as pd

from kaohe_xl.output.feedback import build_feedback
from kaohe_xl.output.summary import build_summary
from kaohe_xl.rubric.load import load_rubric
from kaohe_xl.rubric.model import FormKind, ItemKind, Rubric, Unit
from kaohe_xl.scoring.engine import score
from kaohe_xl.scoring.reconcile import reconcile
from kaohe_xl.scoring.results import result_rows
from kaohe_xl.store.records import ReturnState, ScoreRecord, UnitState
from kaohe_xl.xlsx.place import save_atomic

REPO = Path(__file__).resolve().parent.parent
RUBRIC = REPO / "samples" / "南昌老干部" / "细则.xlsx"


def synthetic(rubric: Rubric, n: int, assessors: int) -> tuple[list[Unit], list[ScoreRecord], list[UnitState]]:
    rng = random.Random(2023)
    units = [Unit(f"{i:04d}", f"单位{i:04d}", assessor_group=f"第{i % 4 + 1}考核组") for i in range(1, n + 1)]
    records: list[ScoreRecord] = []
    states: list[UnitState] = []
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


def median_seconds(job: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--assessors", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures to this file (bench/speed_table.py)")
    args = parser.parse_args()
    rubric = load_rubric(RUBRIC)
    figures: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for n in args.units:
            units, records, states = synthetic(rubric, n, args.assessors)
            results = score(rubric, units, records, states)
            rec = reconcile(results)
            t_score = median_seconds(lambda: score(rubric, units, records, states), args.runs)  # noqa: B023
            t_rec = median_seconds(lambda: reconcile(results), args.runs)  # noqa: B023
            t_summary = median_seconds(
                lambda: save_atomic(build_summary(results, rec, states, []), out / f"汇总表{n}.xlsx"),  # noqa: B023
                args.runs,
            )
            sample_ids = [u.id for u in units[:20]]
            t_feedback = median_seconds(
                lambda: [build_feedback(results, rec, i).save(out / f"fb{i}.xlsx") for i in sample_ids],  # noqa: B023
                1,
            ) / len(sample_ids)
            frame = pd.DataFrame(result_rows(results))
            t_base = median_seconds(lambda: frame.to_excel(out / f"plain{n}.xlsx", index=False), args.runs)  # noqa: B023
            print(f"{n} units x {len(rubric.items)} items, {len(records)} score records:")
            print(f"  score      {t_score * 1000:8.0f} ms")
            print(f"  reconcile  {t_rec * 1000:8.0f} ms")
            print(f"  summary    {t_summary * 1000:8.0f} ms  (full workbook, styled, 5 sheets)")
            print(f"  feedback   {t_feedback * 1000:8.0f} ms per unit")
            print(f"  baseline   {t_base * 1000:8.0f} ms  (pandas to_excel of the results table only)")
            print(f"  ratio summary / baseline: {t_summary / t_base:.1f}x")
            figures[str(n)] = {
                "score_s": t_score,
                "reconcile_s": t_rec,
                "summary_s": t_summary,
                "feedback_ms": t_feedback * 1000,
                "baseline_s": t_base,
            }
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
