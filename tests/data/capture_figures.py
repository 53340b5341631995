"""Capture the figures of the output workbooks, to prove a writer change changes no result.

Run once against the release before the change (the figures file is then kept as it is):

    cd /tmp && PYTHONPATH=<checkout of the old commit> python <repo>/tests/data/capture_figures.py \
        <repo>/tests/data/figures_before.json <old commit>

It runs ``kaohe demo`` on each bundled sample and scores the synthetic 1,000-unit
campaign of ``bench/bench_summary.py`` (``_figures_helpers.synthetic``); the 汇总 workbooks are recalculated by
LibreOffice (the old writer stored no formula results), then read by meaning
(``tests/_figures_helpers.py``). ``tests/output/test_same_figures.py`` compares the
current writer's workbooks with this file. Captured from commit 7a4a6ce (the openpyxl
writer, with 失分分析 and 加分计入 年度总分).
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from _figures_helpers import by_table, digest, figures, main_table, save, stable, synthetic  # noqa: E402

from kaohe_xl.demo import SAMPLES, run_demo  # noqa: E402
from kaohe_xl.output.export import export_rows  # noqa: E402
from kaohe_xl.output.feedback import build_feedback  # noqa: E402
from kaohe_xl.output.summary import build_summary  # noqa: E402
from kaohe_xl.rubric.load import load_rubric  # noqa: E402
from kaohe_xl.scoring.engine import score  # noqa: E402
from kaohe_xl.scoring.reconcile import reconcile  # noqa: E402
from kaohe_xl.xlsx.libreoffice import recalculate  # noqa: E402

SKIP = ("备注",)  # issue 12 changes the 备注 text on purpose (each note names its source)


def demo_figures(work: Path) -> dict[str, object]:
    out: dict[str, object] = {}
    for sample in SAMPLES:
        root = work / sample
        run_demo(root, pdf=False, say=lambda _t: None, sample=sample)
        summary = recalculate(root / "output" / "汇总表.xlsx", work / f"{sample}_recalc.xlsx")
        folder = root / "output" / "反馈表"
        feedback = {
            p.name: digest(Counter(stable(figures(p, skip=SKIP).elements()))) for p in sorted(folder.glob("*.xlsx"))
        }
        lines = list(figures(summary, skip=SKIP).elements())
        out[sample] = {
            "summary_main": main_table(lines),
            "summary_tables": by_table(lines),
            "feedback": feedback,
            "export": (root / "output" / "results.csv").read_text(encoding="utf-8-sig"),
        }
    return out


def campaign_figures(work: Path, n: int = 1000) -> dict[str, object]:
    rubric = load_rubric(HERE.parent.parent / "samples" / "南昌老干部" / "细则.xlsx")
    units, records, states = synthetic(rubric, n, 3)
    results = score(rubric, units, records, states)
    rec = reconcile(results)
    path = work / "big.xlsx"
    build_summary(results, rec, states, []).save(path)
    lines = Counter(stable(figures(recalculate(path, work / "big_recalc.xlsx"), skip=SKIP).elements()))
    feedback = []
    for unit in results.in_list_order():
        one = work / "fb.xlsx"
        build_feedback(results, rec, unit.unit_id).save(one)
        feedback.append(digest(figures(one, skip=SKIP)))
    return {
        "units": n,
        "summary_lines": sum(lines.values()),
        "summary_digest": digest(lines),
        "feedback_digests": feedback,
        "export_digest": export_digest(export_rows(results)),
    }


def export_digest(rows: list[dict[str, object]]) -> str:
    """The exported rows, as JSON with sorted keys, hashed."""
    text = json.dumps(rows, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def main() -> None:
    target = Path(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data: dict[str, object] = {"demo": demo_figures(work), "campaign": campaign_figures(work)}
    data["captured_from"] = sys.argv[2] if len(sys.argv) > 2 else "unknown"
    save(target, data)


if __name__ == "__main__":
    main()
