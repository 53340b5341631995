"""Run the benchmarks and write their figures into the README's speed table.

    python bench/speed_table.py            # runs bench_generate, bench_collect, bench_summary
    python bench/speed_table.py --quick    # smaller sizes, for a try

The README keeps one set of speed figures, between the markers
``<!-- speed-table: begin -->`` and ``<!-- speed-table: end -->``; docs pages point to it
instead of quoting their own. Each benchmark runs in a child process and writes its
figures as JSON; the table is made from those files, with the machine it ran on.
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


def run(script: str, out: Path, *args: str) -> dict[str, Any]:
    subprocess.run([sys.executable, str(BENCH / script), "--json", str(out), *args], check=True)
    loaded: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return loaded


def table(gen: dict[str, Any], col: dict[str, Any], summ: dict[str, Any]) -> str:
    sizes = sorted(summ, key=int)
    big = summ[sizes[-1]]["after"]
    before = summ[sizes[-1]].get("before")
    was = f"; {before['summary_s']:.1f} s with the openpyxl writer" if before else ""
    was_feedback = f" ({before['feedback_ms']:.0f} ms with the openpyxl writer)" if before else ""
    lines = [
        f"Measured {date.today().isoformat()} on {os.cpu_count()} cores ({platform.machine()}, Python "
        f"{platform.python_version()}) with the 50-item 南昌 rubric, by `python bench/speed_table.py`:",
        "",
        "| job | time | baseline in the same run |",
        "|---|---|---|",
        f"| generate a 自评表 ({gen['forms']:,} forms) | {gen['stamp_ms']:.2f} ms each | "
        f"an openpyxl build of each form {gen['openpyxl_ms']:.0f} ms ({gen['openpyxl_ms'] / gen['stamp_ms']:.0f}×) |",
        f"| collect a return end to end ({col['returns']:,} returns) | {col['collect_ms']:.2f} ms each, "
        f"peak memory {col['peak_mb']:.0f} MB ({col['peak_small_mb']:.0f} MB at {col['small']}) | "
        f"an openpyxl read-only reader alone {col['openpyxl_ms']:.2f} ms ({col['openpyxl_ms'] / col['reader_ms']:.1f}× our reader) |",
        f"| score {sizes[-1]} units with 3 assessors | {big['score_s']:.2f} s | |",
        f"| write the 汇总 workbook for {sizes[-1]} units | {big['summary_s']:.1f} s, {big['summary_rss_mb']:.0f} MB | "
        f"pandas `to_excel` of the results table alone {big['plain_s']:.2f} s{was} |",
        f"| write a 反馈表 | {big['feedback_ms']:.1f} ms each | {was_feedback} |",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (200 forms and returns, 200 units)")
    args = parser.parse_args()
    n = "200" if args.quick else "1000"
    with tempfile.TemporaryDirectory(prefix="kaohe-speed-") as tmp:
        work = Path(tmp)
        gen = run("bench_generate.py", work / "generate.json", "-n", n)
        col = run("bench_collect.py", work / "collect.json", "--returns", n)
        summ = run("bench_summary.py", work / "summary.json", "--units", "200", n)
    text = README.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    if not rest:
        raise SystemExit(f"README.md has no {BEGIN} … {END} markers")
    README.write_text(f"{head}{BEGIN}\n{table(gen, col, summ)}\n{END}{tail}", encoding="utf-8")
    print(table(gen, col, summ))


if __name__ == "__main__":
    main()
