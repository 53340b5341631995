"""Time 自评表 generation: stamping a prepared template vs building each form with openpyxl.

    python bench/bench_generate.py            # 1000 forms over the 南昌 sample rubric (50 items)
    python bench/bench_generate.py -n 200 --rubric path/to/细则.xlsx

Both ways run in the same process on the same rubric and write real files. Prints the
median time per form of each, the one-off prototype build, and the ratio. openpyxl is
timed on a sample of forms (``--direct``, default 50) since the result is a median.

A third way shows why :mod:`kaohe_xl.xlsx.stamp` writes its zip by hand: the same
stamped parts written through :mod:`zipfile`, which cannot take a member's compressed
bytes as they are, so every part is deflated again for every form. The whole cycle,
through the command, is ``bench/bench_cycle.py``.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from openpyxl.workbook.workbook import Workbook

from kaohe_xl.atomic import save_workbook, write_atomic
from kaohe_xl.campaign import Campaign
from kaohe_xl.forms.generate import build_self_workbook, form_context, self_prototype, stamp_self
from kaohe_xl.rubric.model import FormKind, Unit
from kaohe_xl.rubric.units import write_units_csv
from kaohe_xl.xlsx.stamp import Prototype

REPO = Path(__file__).resolve().parent.parent
DEFAULT_RUBRIC = REPO / "samples" / "南昌老干部" / "细则.xlsx"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1000, help="number of 自评表 to stamp (default 1000)")
    parser.add_argument("--direct", type=int, default=50, help="forms built with openpyxl (default 50)")
    parser.add_argument("--rubric", type=Path, default=DEFAULT_RUBRIC)
    parser.add_argument("--json", type=Path, help="also write the figures to this file (bench/speed_table.py)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="kaohe-bench-") as work:
        root = Path(work)
        units = [Unit(f"{i:04d}", f"第{i}村民委员会", assessor_group="考核组") for i in range(1, args.n + 1)]
        write_units_csv(units, root / "单位.csv")
        campaign = Campaign.init(root / "campaign", args.rubric, root / "单位.csv")
        ctx = form_context(campaign)
        print(f"rubric: {args.rubric.name}, {len(ctx.rubric.items)} items; {args.n} units")

        started = time.perf_counter()
        prototype = self_prototype(ctx)
        prototype_ms = (time.perf_counter() - started) * 1000

        stamped: list[float] = []
        for unit in units:
            t = time.perf_counter()
            write_atomic(campaign.form_path(FormKind.SELF, unit.id, unit.name), stamp_self(ctx, prototype, unit))
            stamped.append(time.perf_counter() - t)

        through_zipfile: list[float] = []
        for unit in units[: args.direct * 4]:
            values = {"ID": unit.id, "NAME": unit.name, "SIG": "0" * 64}
            t = time.perf_counter()
            write_atomic(root / f"zf_{unit.id}.xlsx", _zipfile_stamp(prototype, values))
            through_zipfile.append(time.perf_counter() - t)

        direct: list[float] = []
        out = root / "direct"
        out.mkdir()
        for unit in units[: args.direct]:
            t = time.perf_counter()
            wb: Workbook = build_self_workbook(ctx, unit.id, unit.name)
            save_workbook(wb, out / f"{unit.id}.xlsx")
            direct.append(time.perf_counter() - t)

    stamp_ms = statistics.median(stamped) * 1000
    direct_ms = statistics.median(direct) * 1000
    zipfile_ms = statistics.median(through_zipfile) * 1000
    print(f"prototype build (once):       {prototype_ms:8.1f} ms")
    print(f"stamped, median per form:     {stamp_ms:8.2f} ms  ({len(stamped)} forms, total {sum(stamped):.2f} s)")
    print(f"openpyxl build, median/form:  {direct_ms:8.2f} ms  ({len(direct)} forms)")
    print(f"stamped through zipfile:      {zipfile_ms:8.2f} ms  ({len(through_zipfile)} forms)")
    print(f"ratio zipfile / stamped:      {zipfile_ms / stamp_ms:8.1f} x")
    print(f"ratio openpyxl / stamped:     {direct_ms / stamp_ms:8.1f} x")
    estimate = (prototype_ms + stamp_ms * args.n) / 1000
    print(f"{args.n} forms: stamped ~{estimate:.1f} s vs openpyxl ~{direct_ms * args.n / 1000:.1f} s")
    if args.json:
        figures = {"forms": args.n, "stamp_ms": stamp_ms, "openpyxl_ms": direct_ms, "zipfile_ms": zipfile_ms}
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


def _zipfile_stamp(prototype: Prototype, values: dict[str, str]) -> bytes:
    """The same stamped parts written through :mod:`zipfile`, which deflates every one again."""
    stamped = zipfile.ZipFile(io.BytesIO(prototype.stamp(values)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for info in stamped.infolist():
            archive.writestr(zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0)), stamped.read(info))
    return buffer.getvalue()


if __name__ == "__main__":
    sys.exit(main())
