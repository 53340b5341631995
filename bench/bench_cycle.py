"""The whole cycle through the ``kaohe`` command at N = 100, 1,000 (and 5,000) units.

    python bench/bench_cycle.py                         # N = 100 and 1,000, 3 runs
    python bench/bench_cycle.py --big                   # and N = 5,000
    python bench/bench_cycle.py --against /path/to/other/venv/bin/python
    python bench/bench_cycle.py --json cycle.json       # figures for bench/speed_table.py

Set-up per N (once, not timed): the 50-item 南昌老干部 sample rubric, N synthetic units in
groups of 50 (one 考核组 each), ``kaohe init``; the 自评表 and 考核组评分表 generated once and
filled by writing values into their empty input cells as Excel stores them (seeded random
scores, different per unit), so every run collects the same returns.

Timed, each step a fresh ``kaohe`` process on a fresh copy of the initialised campaign,
time and peak memory (``ru_maxrss`` of that process):

- ``generate``: ``kaohe generate --form self`` (ms a form);
- ``考核组评分表``: ``kaohe generate --form assessor`` after the self returns are in (ms a unit sheet);
- ``collect``: ``kaohe collect`` of the N self returns (ms a return, end to end: read,
  validate, store, archive); ``collect 考核组`` the N/50 filled 考核组评分表;
- ``summary``: ``kaohe summary`` (the 汇总 workbook);
- ``feedback``: ``kaohe feedback`` (ms a unit);
- ``status``: ``kaohe status`` on the collected campaign.

Baselines of the same run, in this process: an openpyxl build of a 自评表 (median over 20
forms), an openpyxl read-only reader on 200 of the returns (what a plain reader costs
before any validation or store), and the interpreter's own start-up with ``import click``
(the floor of any ``kaohe`` command). ``--against PYTHON`` runs every step with a second
installation too (another checkout's venv: its ``kaohe`` beside that python), alternating
run by run, and checks that both export the same results.

The scaling ratio is time at 5,000 ÷ (5 × time at 1,000): 1.0 is linear.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from filling import fill_empty_cells, rewrite_parts

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "南昌老干部"
GROUP_SIZE = 50
STEPS = ("generate", "assessor", "collect", "collect_assessor", "summary", "feedback", "status")
LABELS = {
    "generate": "generate 自评表",
    "assessor": "考核组评分表",
    "collect": "collect",
    "collect_assessor": "collect 考核组",
    "summary": "summary",
    "feedback": "feedback",
    "status": "status",
}


# ---- running a command ---------------------------------------------------------------------
# A step's peak memory: Linux hands a child the high-water mark of the process it was
# spawned from, so the harness (tens of MB) would be every step's floor. A small launcher
# process spawns the step and reports its wait4() figures instead.
_LAUNCHER = """
import os, sys, time
started = time.perf_counter()
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(f"{time.perf_counter() - started} {usage.ru_maxrss} {usage.ru_utime + usage.ru_stime}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(python: str, args: list[str], *, ok: tuple[int, ...] = (0,)) -> tuple[float, float, str, float]:
    """(seconds, peak RSS in MB of that ``kaohe`` process alone, stdout, CPU seconds).

    CPU seconds are user + system of the command and the worker processes it waited for
    (collect and feedback use every core: their CPU time exceeds their wall time)."""
    kaohe = str(Path(python).parent / "kaohe")
    with tempfile.TemporaryDirectory() as tmp:
        figures = Path(tmp) / "figures"
        # as installed: byte code cached (a shell with PYTHONDONTWRITEBYTECODE would
        # compile every module on every command)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        done = subprocess.run(
            [sys.executable, "-S", "-c", _LAUNCHER, str(figures), kaohe, *args], capture_output=True, text=True, env=env
        )
        if done.returncode not in ok:
            raise SystemExit(f"kaohe {' '.join(args)} failed ({done.returncode}):\n{done.stderr}\n{done.stdout}")
        seconds, rss, cpu = figures.read_text().split()
    return float(seconds), int(rss) / 1024, done.stdout, float(cpu)


# ---- set-up ----------------------------------------------------------------------------------
def write_units(path: Path, n: int) -> None:
    lines = ["编号,单位名称,邮箱,考核组"]
    lines += [f"U{i:05d},测试单位{i:05d},u{i}@example.cn,第{i // GROUP_SIZE + 1}考核组" for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def prepare(work: Path, n: int, python: str) -> dict[str, Path]:
    """The initialised campaign, and folders of filled self and assessor returns."""
    write_units(work / "单位.csv", n)
    init = work / "init"
    run_measured(python, ["init", str(init), "--rubric", str(SAMPLE / "细则.xlsx"), "--units", str(work / "单位.csv")])
    proto = work / "proto"
    shutil.copytree(init, proto)
    run_measured(python, ["generate", str(proto), "--form", "self"])
    self_returns = fill_forms(proto, "self", work / "returns_self", n)
    run_measured(python, ["collect", str(proto), str(self_returns), "-q"])
    run_measured(python, ["generate", str(proto), "--form", "assessor"])
    assessor_returns = fill_forms(proto, "assessor", work / "returns_assessor", n)
    return {"init": init, "self": self_returns, "assessor": assessor_returns}


def fill_forms(root: Path, kind: str, out: Path, seed: int) -> Path:
    """Fill every generated form of ``kind`` with valid random values (as Excel writes them)."""
    from kaohe_xl.campaign import Campaign
    from kaohe_xl.collect.returns import read_return
    from kaohe_xl.forms import layout
    from kaohe_xl.rubric.model import ItemKind
    from kaohe_xl.xlsx.ooxml import Package

    campaign = Campaign.open(root)
    rubric = campaign.rubric
    rng = random.Random(seed)
    out.mkdir(parents=True)
    label = layout.H_SELF_SCORE if kind == "self" else layout.H_ASSESSOR_SCORE
    pattern = "*_自评表.xlsx" if kind == "self" else "*_考核组评分表.xlsx"
    for number, path in enumerate(sorted(campaign.forms_dir.rglob(pattern))):
        data = path.read_bytes()
        raw = read_return(data, path.name)
        package = Package(data)
        values: dict[str, dict[str, str]] = {}  # part name → cell → text
        for sheet in raw.sheets:
            entry = package.sheet(sheet.title)
            assert entry is not None and entry.part is not None
            cells = values.setdefault(entry.part, {})
            by_id = {row.key: row.cells[label].cell for row in sheet.rows}
            for item in rubric.items:
                if item.kind is ItemKind.VETO:
                    cells[by_id[item.id]] = "否"
                else:
                    assert item.points is not None
                    step = rubric.step_of(item)
                    cells[by_id[item.id]] = str(step * rng.randint(0, int(item.points / step)))
        if raw.assessor is not None:
            entry = package.sheet(raw.assessor.sheet)
            assert entry is not None and entry.part is not None
            values.setdefault(entry.part, {})[raw.assessor.cell] = f"评分人{number}"
        (out / f"{number:05d}_{path.name}").write_bytes(_fill(data, values))
    wanted = len(campaign.units) if kind == "self" else len(campaign.assessor_groups())
    assert len(list(out.iterdir())) == wanted, f"{kind}: {len(list(out.iterdir()))} forms filled, {wanted} wanted"
    return out


def _fill(data: bytes, values: dict[str, dict[str, str]]) -> bytes:
    return rewrite_parts(data, lambda name, part: fill_empty_cells(part, values[name]) if values.get(name) else part)


# ---- one cycle -----------------------------------------------------------------------------------
def cycle(
    python: str, prepared: dict[str, Path], target: Path, only: tuple[str, ...] = STEPS
) -> tuple[dict[str, tuple[float, float, float]], bytes]:
    """Every step once on a fresh copy: {step: (seconds, peak MB, CPU seconds)}, and the exported results.

    Steps not in ``only`` still run, untimed, when a step in it needs them (the 考核组评分表
    shows the collected self-scores; summary, feedback and status need the returns in)."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(prepared["init"], target)
    c = str(target)
    figures: dict[str, tuple[float, float, float]] = {}
    steps: list[tuple[str, list[str], tuple[int, ...]]] = [
        ("generate", ["generate", c, "--form", "self"], (0,)),
        ("collect", ["collect", c, str(prepared["self"]), "-q"], (0,)),
        ("assessor", ["generate", c, "--form", "assessor"], (0,)),
        ("collect_assessor", ["collect", c, str(prepared["assessor"]), "-q"], (0, 3)),
        ("summary", ["summary", c], (0,)),
        ("feedback", ["feedback", c], (0,)),
        ("status", ["status", c], (0,)),
    ]
    needed = set().union(*(_NEEDS.get(step, set()) for step in only))
    for name, args, ok in steps:
        if name not in only and name not in needed:
            continue
        seconds, peak, _, cpu = run_measured(python, args, ok=ok)
        if name in only:
            figures[name] = (seconds, peak, cpu)
    export = target / "results.json"
    run_measured(python, ["export", c, "--format", "json", "-o", str(export)])
    return figures, export.read_bytes()


_NEEDS = {
    "assessor": {"collect"},
    "summary": {"collect", "collect_assessor"},
    "feedback": {"collect", "collect_assessor"},
    "status": {"collect", "collect_assessor"},
}


# ---- baselines -----------------------------------------------------------------------------------
def baselines(prepared: dict[str, Path]) -> dict[str, float]:
    """openpyxl build of a 自评表 (ms), openpyxl read-only read of a return (ms), start-up floor (s)."""
    import openpyxl

    from kaohe_xl.atomic import save_workbook
    from kaohe_xl.campaign import Campaign
    from kaohe_xl.forms.generate import build_self_workbook, form_context

    campaign = Campaign.open(prepared["init"])
    ctx = form_context(campaign)
    builds = []
    with tempfile.TemporaryDirectory() as tmp:
        for unit in campaign.units[:20]:
            started = time.perf_counter()
            save_workbook(build_self_workbook(ctx, unit.id, unit.name), Path(tmp) / f"{unit.id}.xlsx")
            builds.append(time.perf_counter() - started)
    files = sorted(prepared["self"].iterdir())[:200]
    started = time.perf_counter()
    for path in files:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for sheet in wb.worksheets:
            sheet.reset_dimensions()  # WPS writes wrong <dimension> elements
            for _row in sheet.iter_rows(values_only=True):
                pass
        wb.close()
    read = (time.perf_counter() - started) / len(files)
    floors = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import click"], check=True)
        floors.append(time.perf_counter() - started)
    return {
        "openpyxl_build_ms": statistics.median(builds) * 1000,
        "openpyxl_read_ms": read * 1000,
        "startup_s": statistics.median(floors),
    }


# ---- the table -----------------------------------------------------------------------------------
def per_unit(step: str, seconds: float, n: int) -> str:
    if step in ("generate", "assessor", "collect", "feedback"):
        return f"{seconds:.1f} s ({seconds / n * 1000:.2f} ms each)"
    if step == "collect_assessor":
        return f"{seconds:.1f} s ({seconds / n * 1000:.2f} ms a unit sheet)"
    return f"{seconds:.2f} s"


def cpu_note(figures: list[float]) -> str:
    """The CPU time of a step that used more than one core (CPU well above wall time)."""
    if len(figures) > 2 and figures[2] > 1.2 * figures[0]:
        return f", CPU {figures[2]:.1f} s"
    return ""


def table(results: dict[str, Any]) -> str:
    lines = []
    impls = results["impls"]
    steps = [s for s in STEPS if s in results.get("steps", STEPS)]
    sizes = sorted(results["sizes"], key=int)
    head = "| N | " + " | ".join(LABELS[s] for s in steps) + " |"
    for impl in impls:
        lines += [f"**{impl}** (median of {results['runs']} runs; time · peak memory)", "", head]
        lines.append("|---" * (len(steps) + 1) + "|")
        for size in sizes:
            med = results["sizes"][size]["median"][impl]
            cells = [f"{per_unit(s, med[s][0], int(size))}{cpu_note(med[s])} · {med[s][1]:.0f} MB" for s in steps]
            lines.append(f"| {int(size):,} | " + " | ".join(cells) + " |")
        if "1000" in results["sizes"] and "5000" in results["sizes"]:
            small, big = results["sizes"]["1000"]["median"][impl], results["sizes"]["5000"]["median"][impl]
            ratios = [f"{big[s][0] / (5 * small[s][0]):.2f}" for s in steps]
            lines.append("| 5,000 ÷ 5 × 1,000 | " + " | ".join(ratios) + " |")
        lines.append("")
    for size in sizes:
        base = results["sizes"][size]["baselines"]
        lines.append(
            f"Baselines at N = {int(size):,}: openpyxl build of a 自评表 {base['openpyxl_build_ms']:.0f} ms; "
            f"openpyxl read-only read of a return {base['openpyxl_read_ms']:.2f} ms; "
            f"Python start-up with click {base['startup_s']:.2f} s."
        )
        if len(impls) == 2:
            a, b = (results["sizes"][size]["median"][i] for i in impls)
            ratio = ", ".join(f"{LABELS[s]} {b[s][0] / a[s][0]:.1f}×" for s in steps)
            same = results["sizes"][size]["same_export"]
            lines.append(f"  {impls[1]} ÷ {impls[0]} at N = {int(size):,}: {ratio}; same export: {same}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--big", action="store_true", help="also N = 5,000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--against", help="another installation's python: run every step with it too")
    parser.add_argument("--name", default="this checkout")
    parser.add_argument("--against-name", default="other")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS), help="the steps timed (default: all)")
    args = parser.parse_args(argv)
    sizes = sorted(set(args.sizes + ([5000] if args.big else [])))
    pythons = {args.name: str(Path(sys.executable))}
    if args.against:
        pythons[args.against_name] = args.against
    results: dict[str, Any] = {"runs": args.runs, "impls": list(pythons), "steps": args.steps, "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="kaohe-bench-cycle-") as tmp:
        for n in sizes:
            work = Path(tmp) / str(n)
            work.mkdir()
            started = time.perf_counter()
            prepared = prepare(work, n, pythons[args.name])
            print(f"N = {n:,}: set-up in {time.perf_counter() - started:.0f} s", flush=True)
            runs: dict[str, list[dict[str, tuple[float, float, float]]]] = {impl: [] for impl in pythons}
            exports: dict[str, bytes] = {}
            for run in range(args.runs):
                order = list(pythons) if run % 2 == 0 else list(reversed(pythons))
                for impl in order:
                    figures, exports[impl] = cycle(pythons[impl], prepared, work / "run", tuple(args.steps))
                    runs[impl].append(figures)
                    shown = ", ".join(f"{s} {figures[s][0]:.2f} s/{figures[s][1]:.0f} MB" for s in figures)
                    print(f"  run {run + 1} {impl}: {shown}", flush=True)
            median = {
                impl: {s: tuple(statistics.median(r[s][k] for r in done) for k in range(3)) for s in args.steps}
                for impl, done in runs.items()
            }
            results["sizes"][str(n)] = {
                "median": median,
                "runs": runs,
                "baselines": baselines(prepared),
                "same_export": len(set(exports.values())) == 1,
            }
            shutil.rmtree(work)
    text = table(results)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
