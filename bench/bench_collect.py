"""Time ``collect`` end to end (read + validate + archive + store) on 1,000 filled returns.

Usage: python bench/bench_collect.py [--returns 1000] [--runs 3] [--baseline 200]

Set-up: a campaign over the 50-item 南昌老干部 sample rubric with N synthetic units;
``generate_forms`` writes the N 自评表; each is filled by writing values into its input
cells (found once through the reader, as a unit's Excel would write them: ``<v>`` in
the cell), with different values per unit.

Measured in the same run:
- ours: ``collect(campaign, [folder])`` into a fresh copy of the campaign, median of
  ``--runs`` runs, in ms per return;
- baseline: an openpyxl read-only reader (``read_only=True, data_only=True``,
  ``reset_dimensions()``) reading the same values (metadata, header, item rows) — read
  only, no validation, no store — on ``--baseline`` returns; our reader alone on the same
  files for a like-for-like ratio;
- peak memory: ``ru_maxrss`` of a child process collecting 250 and N returns (flat in
  the number of files means the two are close).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from filling import fill_empty_cells, rewrite_parts

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "南昌老干部"


def make_campaign(work: Path, n: int) -> Path:
    """A campaign with ``n`` units and their generated 自评表."""
    import openpyxl

    from kaohe_xl.campaign import Campaign
    from kaohe_xl.forms.generate import generate_forms
    from kaohe_xl.rubric.model import FormKind

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["编号", "单位名称", "邮箱", "考核组"])
    for i in range(n):
        ws.append([f"U{i:04d}", f"测试单位{i:04d}", f"u{i}@example.cn", f"第{i % 10 + 1}考核组"])
    wb.save(work / "单位.xlsx")
    campaign = Campaign.init(work / "campaign", SAMPLE / "细则.xlsx", work / "单位.xlsx")
    generate_forms(campaign, [FormKind.SELF])
    return campaign.root


def fill_returns(root: Path, out: Path) -> list[Path]:
    """Fill every generated 自评表 with random valid values; returns the filled files."""
    from kaohe_xl.campaign import Campaign
    from kaohe_xl.collect.returns import read_return
    from kaohe_xl.forms import layout
    from kaohe_xl.rubric.model import FormKind, ItemKind

    campaign = Campaign.open(root)
    rubric = campaign.rubric
    rng = random.Random(7)
    out.mkdir(parents=True, exist_ok=True)
    first = campaign.form_path(FormKind.SELF, campaign.units[0].id)
    raw = read_return(first.read_bytes(), first.name)
    score = layout.H_SELF_SCORE
    cells = {row.key: row.cells[score].cell for row in raw.sheets[0].rows}
    paths = []
    for unit in campaign.units:
        values = {}
        for item in rubric.items:
            if item.kind is ItemKind.VETO:
                values[cells[item.id]] = "否"
            else:
                assert item.points is not None
                step = rubric.step_of(item)
                values[cells[item.id]] = str(step * rng.randint(0, int(item.points / step)))
        data = _fill(campaign.form_path(FormKind.SELF, unit.id).read_bytes(), values)
        path = out / f"自评表({unit.id}).xlsx"
        path.write_bytes(data)
        paths.append(path)
    return paths


def _fill(data: bytes, values: dict[str, str]) -> bytes:
    """Write values into empty input cells of the 自评表 sheet XML (as Excel stores them)."""

    def edit(name: str, part: bytes) -> bytes:
        if b"<f>" in part and name.startswith("xl/worksheets/"):
            return fill_empty_cells(part, values)
        return part

    return rewrite_parts(data, edit)


def time_collect(root: Path, folder: Path, runs: int) -> tuple[float, list[float]]:
    """Median seconds of collecting ``folder`` into fresh copies of the campaign."""
    from kaohe_xl.campaign import Campaign
    from kaohe_xl.collect.run import collect

    times = []
    for run in range(runs):
        copy = root.parent / f"run{run}"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(root, copy)
        campaign = Campaign.open(copy)
        campaign.rubric, campaign.units, campaign.secret  # noqa: B018 - load outside the timing
        started = time.perf_counter()
        report = collect(campaign, [folder])
        times.append(time.perf_counter() - started)
        assert report.accepted == len(report.results) and report.invalid == 0, report.summary()
    return statistics.median(times), times


def openpyxl_read(path: Path) -> int:
    """The baseline reader: metadata, header row, item rows with openpyxl read-only."""
    import openpyxl

    from kaohe_xl.forms import layout
    from kaohe_xl.textnorm import normalize_label

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        meta = {str(k): v for k, v, *_ in wb[layout.META_SHEET].iter_rows(max_col=2, values_only=True) if k}
        assert meta[layout.META_KIND] == "self"
        ws = wb[layout.SELF_SHEET]
        ws.reset_dimensions()  # WPS writes wrong <dimension> elements
        found, columns = 0, dict[str, int]()
        for row in ws.iter_rows(values_only=True):
            if not columns:
                labels = {normalize_label(v): i for i, v in enumerate(row) if v is not None}
                if "编号" in labels:
                    columns = labels
                continue
            if len(row) > columns["自评得分"] and row[columns["编号"]] is not None:
                found += row[columns["自评得分"]] is not None
        return found
    finally:
        wb.close()


def our_read(path: Path) -> int:
    from kaohe_xl.collect.returns import read_return

    raw = read_return(path.read_bytes(), path.name)
    return sum(1 for row in raw.sheets[0].rows if row.cells["自评得分"].value is not None)


def time_reader(reader: object, paths: list[Path]) -> float:
    started = time.perf_counter()
    for path in paths:
        reader(path)  # type: ignore[operator]
    return (time.perf_counter() - started) / len(paths)


def child_peak(root: Path, folder: Path, n: int) -> float:
    """Peak RSS (MB) of a fresh process collecting the first ``n`` returns."""
    copy = root.parent / f"mem{n}"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy)
    script = (
        "import sys, resource\n"
        "from pathlib import Path\n"
        "from kaohe_xl.campaign import Campaign\n"
        "from kaohe_xl.collect import collect\n"
        "files = sorted(Path(sys.argv[2]).iterdir())[: int(sys.argv[3])]\n"
        "collect(Campaign.open(sys.argv[1]), files)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(copy), str(folder), str(n)], capture_output=True, text=True, check=True
    )
    return int(done.stdout.strip()) / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--returns", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", type=int, default=200, help="files read by the openpyxl baseline")
    parser.add_argument("--json", type=Path, help="also write the figures to this file (bench/speed_table.py)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kaohe-bench-collect-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        root = make_campaign(work, args.returns)
        paths = fill_returns(root, work / "returns")
        print(f"set-up: {len(paths)} filled returns (50-item rubric) in {time.perf_counter() - started:.1f} s")
        median, times = time_collect(root, work / "returns", args.runs)
        per = median / len(paths) * 1000
        print(
            f"collect end to end: {per:.2f} ms/return (median of {args.runs}: {', '.join(f'{t:.2f}' for t in times)} s)"
        )
        subset = paths[: args.baseline]
        base = time_reader(openpyxl_read, subset) * 1000
        ours = time_reader(our_read, subset) * 1000
        print(f"read only, {len(subset)} returns: ours {ours:.2f} ms/return, openpyxl read-only {base:.2f} ms/return")
        print(
            f"  ratio openpyxl/ours (read): {base / ours:.1f}x; openpyxl read vs our whole collect: {base / per:.1f}x"
        )
        small = min(250, len(paths))
        peak_small = child_peak(root, work / "returns", small)
        peak_all = child_peak(root, work / "returns", len(paths))
        print(
            f"peak RSS: {peak_small:.0f} MB for {small} returns, {peak_all:.0f} MB for {len(paths)} "
            f"(ratio {peak_all / peak_small:.2f}; flat if ~1)"
        )
        verdict = "OK" if per <= 5 and peak_all <= 150 else "ABOVE TARGET"
        print(f"target ≤ 5 ms/return and ≤ 150 MB: {verdict}")
        if args.json:
            figures = {
                "returns": len(paths),
                "collect_ms": per,
                "reader_ms": ours,
                "openpyxl_ms": base,
                "peak_small_mb": peak_small,
                "peak_mb": peak_all,
                "small": small,
            }
            args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
