"""Run the whole-cycle benchmark and write its figures into the README's speed table.

    python bench/speed_table.py                      # bench_cycle.py at N = 100 and 1,000
    python bench/speed_table.py --big                # and N = 5,000 (with the scaling ratio)
    python bench/speed_table.py --from cycle.json    # the table from a run already made

The README keeps one set of speed figures, between the markers
``<!-- speed-table: begin -->`` and ``<!-- speed-table: end -->``; docs pages point to it
instead of quoting their own. :mod:`bench_cycle` runs in a child process and writes its
figures as JSON (``--json``); the table is made from that file, with the machine it ran on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
README = BENCH.parent / "README.md"
BEGIN, END = "<!-- speed-table: begin -->", "<!-- speed-table: end -->"
COLUMNS = (
    ("generate", "generate 自评表", "form"),
    ("assessor", "考核组评分表", "unit sheet"),
    ("collect", "collect", "return"),
    ("summary", "summary", ""),
    ("feedback", "feedback", "unit"),
    ("status", "status", ""),
)


def table(results: dict[str, Any]) -> str:
    """The README's table: the first installation of a ``bench_cycle.py --json`` run."""
    impl = results["impls"][0]
    sizes = sorted(results["sizes"], key=int)
    head = "| N | " + " | ".join(label for _key, label, _each in COLUMNS) + " |"
    lines = [
        f"Measured {date.today().isoformat()} on {os.cpu_count()} cores ({platform.machine()}, Python "
        f"{platform.python_version()}) through the `kaohe` command with the 50-item 南昌 rubric, units in "
        f"groups of 50, by `python bench/speed_table.py` (`bench/bench_cycle.py`; median of "
        f"{results['runs']} runs; time, then peak memory of the command; CPU time of the command and its "
        f"worker processes where it used more than one core):",
        "",
        head,
        "|---" * (len(COLUMNS) + 1) + "|",
    ]
    for size in sizes:
        median = results["sizes"][size]["median"][impl]
        cells = []
        for key, _label, each in COLUMNS:
            seconds, peak = median[key][:2]
            per = f" ({seconds / int(size) * 1000:.2f} ms a {each})" if each else ""
            cpu = median[key][2] if len(median[key]) > 2 else 0.0
            on_cores = f", CPU {cpu:.1f} s" if cpu > 1.2 * seconds else ""  # workers on every core
            cells.append(f"{seconds:.2f} s{per}{on_cores} · {peak:.0f} MB")
        lines.append(f"| {int(size):,} | " + " | ".join(cells) + " |")
    if "1000" in results["sizes"] and "5000" in results["sizes"]:
        small, big = results["sizes"]["1000"]["median"][impl], results["sizes"]["5000"]["median"][impl]
        ratios = [f"{big[key][0] / (5 * small[key][0]):.2f}" for key, _label, _each in COLUMNS]
        lines.append("| 5,000 ÷ (5 × 1,000) | " + " | ".join(ratios) + " |")
    base = results["sizes"][sizes[-1]]["baselines"]
    lines += [
        "",
        f"Baselines of the same run: an openpyxl build of one 自评表 {base['openpyxl_build_ms']:.0f} ms; an "
        f"openpyxl read-only reader alone {base['openpyxl_read_ms']:.2f} ms a return; Python start-up "
        f"with click {base['startup_s']:.2f} s (the floor of any command).",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", action="store_true", help="also N = 5,000")
    parser.add_argument("--runs", default="3")
    parser.add_argument("--from", dest="source", type=Path, help="a bench_cycle.py --json file")
    args = parser.parse_args()
    if args.source is not None:
        results = json.loads(args.source.read_text(encoding="utf-8"))
    else:
        with tempfile.TemporaryDirectory(prefix="kaohe-speed-") as tmp:
            out = Path(tmp) / "cycle.json"
            extra = ["--big"] if args.big else []
            subprocess.run(
                [sys.executable, str(BENCH / "bench_cycle.py"), "--runs", args.runs, "--json", str(out), *extra],
                check=True,
            )
            results = json.loads(out.read_text(encoding="utf-8"))
    text = README.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    if not rest:
        raise SystemExit(f"README.md has no {BEGIN} … {END} markers")
    README.write_text(f"{head}{BEGIN}\n{table(results)}\n{END}{tail}", encoding="utf-8")
    print(table(results))


if __name__ == "__main__":
    main()
