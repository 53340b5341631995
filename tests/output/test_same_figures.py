"""The streamed writer changes no result: the figures of the demo's 汇总表, 反馈表 and
export, and of a 1,000-unit campaign's, equal those the openpyxl writer gave.

The figures were captured from the release before (``tests/data/capture_figures.py``),
its formulas recalculated by LibreOffice; here they are read from the stored formula
results, as a preview would. Cells are compared by meaning (table, row key, column
header), so the new layout (split sheets, repeated headers) compares equal; the 备注
text is left out (each note now names its source) and so is the time a file came in.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest
from _figures_helpers import by_table, digest, figures, load, main_table, stable, synthetic
from conftest import REPO

from kaohe_xl.demo import SAMPLES, run_demo
from kaohe_xl.output.export import export_rows
from kaohe_xl.output.feedback import FeedbackRun
from kaohe_xl.output.summary import build_summary
from kaohe_xl.rubric.load import load_rubric
from kaohe_xl.scoring.engine import score
from kaohe_xl.scoring.reconcile import reconcile

BEFORE = load(REPO / "tests" / "data" / "figures_before.json")
SKIP = ("备注",)


def _lines(path: Path) -> list[str]:
    return list(figures(path, skip=SKIP, reader="calamine").elements())


@pytest.mark.parametrize("sample", SAMPLES)
def test_demo_figures_are_the_ones_the_openpyxl_writer_gave(sample: str, tmp_path: Path) -> None:
    root = tmp_path / "demo"
    run_demo(root, pdf=False, say=lambda _t: None, sample=sample)
    before = BEFORE["demo"][sample]  # type: ignore[index]
    lines = _lines(root / "output" / "汇总表.xlsx")
    assert Counter(main_table(lines)) == Counter(before["summary_main"])  # every figure of the 汇总表
    assert by_table(lines) == before["summary_tables"]  # every figure of the detail sheets
    feedback = {p.name: digest(Counter(stable(_lines(p)))) for p in sorted((root / "output" / "反馈表").glob("*.xlsx"))}
    assert feedback == before["feedback"]
    assert (root / "output" / "results.csv").read_text(encoding="utf-8-sig") == before["export"]


def test_a_thousand_units_give_the_figures_the_openpyxl_writer_gave(tmp_path: Path) -> None:
    before = BEFORE["campaign"]
    rubric = load_rubric(REPO / "samples" / "南昌老干部" / "细则.xlsx")
    units, records, states = synthetic(rubric, before["units"], 3)  # type: ignore[index]
    results = score(rubric, units, records, states)
    rec = reconcile(results)
    path = tmp_path / "汇总表.xlsx"
    build_summary(results, rec, states, []).save(path)
    lines = Counter(stable(_lines(path)))
    assert (sum(lines.values()), digest(lines)) == (before["summary_lines"], before["summary_digest"])  # type: ignore[index]
    run = FeedbackRun(results, rec)
    got = []
    for unit in results.in_list_order():
        one = tmp_path / "fb.xlsx"
        run.book(unit.unit_id).save(one)
        got.append(digest(Counter(stable(_lines(one)))))
    assert got == before["feedback_digests"]  # type: ignore[index]
    text = json.dumps(export_rows(results), ensure_ascii=False, sort_keys=True, default=str)
    assert hashlib.sha256(text.encode("utf-8")).hexdigest()[:16] == before["export_digest"]  # type: ignore[index]
