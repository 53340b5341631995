"""Time the 汇总 workbook and the 反馈表, before and after, in the same run.

Usage: python bench/bench_summary.py [--units 200 1000] [--runs 3] [--baseline 65d6751] [--json out.json]

Set-up: the 50-item 南昌老干部 sample rubric, N synthetic units, and score records as
collect would produce them: one self return and three assessor returns per unit, with
seeded random deductions (the campaign of ``tests/output/test_same_figures.py``).

Each measurement runs in a child process of its own, once with this checkout's
``kaohe_xl`` ("after") and once with the ``--baseline`` commit's, unpacked by ``git
archive`` ("before": the openpyxl writer), so both are timed on the machine in the same
minutes. A child scores the units, then reports (median of ``--runs``):

- ``summary``: the full 汇总 workbook (汇总表, chart, detail sheets) built and saved;
- ``memory``: the child's peak RSS, and how much of it the workbook added;
- ``feedback``: one 反馈表 built and saved, per unit (median over 100 units, the
  run's shared parts set up once as ``kaohe feedback`` does);
- ``plain``: pandas ``to_excel`` of the results table (one sheet, no styles): a floor;
- ``score``: scoring the units (for bench/speed_table.py).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

from synthetic import synthetic as make_campaign

REPO = Path(__file__).resolve().parent.parent
RUBRIC = REPO / "samples" / "南昌老干部" / "细则.xlsx"
BASELINE = "65d6751"  # the openpyxl writer, before issue 12/14


def synthetic(n: int) -> tuple[Any, list[Any], list[Any], list[Any]]:
    from kaohe_xl.rubric.load import load_rubric

    rubric = load_rubric(RUBRIC)
    return (rubric, *make_campaign(rubric, n))


def median_seconds(job: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def child(n: int, runs: int) -> dict[str, float]:
    """One measurement, in this process (run with the kaohe_xl to measure on sys.path)."""
    import pandas as pd

    from kaohe_xl.output import feedback as fb
    from kaohe_xl.output.summary import build_summary
    from kaohe_xl.scoring.engine import score
    from kaohe_xl.scoring.reconcile import reconcile
    from kaohe_xl.scoring.results import result_rows

    rubric, units, records, states = synthetic(n)
    start = time.perf_counter()
    results = score(rubric, units, records, states)
    t_score = time.perf_counter() - start
    rec = reconcile(results)
    del records
    base = rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        t_summary = median_seconds(lambda: build_summary(results, rec, states, []).save(out / "汇总表.xlsx"), runs)
        peak = rss_mb()
        ids = [u.unit_id for u in results.in_list_order()[:100]]
        if hasattr(fb, "FeedbackRun"):  # the streamed writer: shared parts once a run
            run = fb.FeedbackRun(results, rec)
            one = run.book
        else:

            def one(unit_id: str) -> Any:
                return fb.build_feedback(results, rec, unit_id)

        start = time.perf_counter()
        for unit_id in ids:
            one(unit_id).save(out / f"{unit_id}.xlsx")
        t_feedback = (time.perf_counter() - start) / len(ids)
        frame = pd.DataFrame(result_rows(results))
        t_plain = median_seconds(lambda: frame.to_excel(out / "plain.xlsx", index=False), runs)
    return {
        "score_s": t_score,
        "summary_s": t_summary,
        "summary_rss_mb": peak,
        "summary_added_mb": peak - base,
        "feedback_ms": t_feedback * 1000,
        "plain_s": t_plain,
    }


def measure(tree: Path, n: int, runs: int) -> dict[str, float]:
    """Run :func:`child` in a fresh process with ``tree``'s kaohe_xl first on the path."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(n), "--runs", str(runs)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"measurement failed ({tree}, {n} units):\n{done.stderr}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def unpack(ref: str, target: Path) -> Path:
    """The ``kaohe_xl`` package of commit ``ref``, unpacked into ``target``."""
    data = subprocess.run(["git", "-C", str(REPO), "archive", ref, "kaohe_xl"], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as archive:
        archive.extractall(target, filter="data")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", default=BASELINE, help="commit of the 'before' writer ('' to skip)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file (bench/speed_table.py)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.runs)))
        return
    figures: dict[str, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="kaohe-bench-") as tmp:
        trees = {"after": REPO}
        if args.baseline:
            trees = {"before": unpack(args.baseline, Path(tmp)), **trees}
        for n in args.units:
            figures[str(n)] = {side: measure(tree, n, args.runs) for side, tree in trees.items()}
            print(
                f"{n} units x 50 items (summary: build + save; memory: peak RSS of the process, + added by the workbook):"
            )
            for side, f in figures[str(n)].items():
                print(
                    f"  {side:6}  summary {f['summary_s']:6.2f} s  {f['summary_rss_mb']:5.0f} MB (+{f['summary_added_mb']:.0f})"
                    f"   反馈表 {f['feedback_ms']:5.1f} ms a unit   plain to_excel {f['plain_s']:5.2f} s"
                )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
