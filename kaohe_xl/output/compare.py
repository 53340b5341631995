"""``kaohe compare``: this year against last year (and earlier), as a workbook, CSV or JSON.

::

    write_comparison(Campaign.open("2023老干部考核"), "2022年结果快照.json", mapping="单位对照表.xlsx")
    # → 2023老干部考核/output/与上年对比.xlsx

The workbook's sheets are :mod:`kaohe_xl.output.compare_sheets`; the CSV has one row
per unit (the columns of :func:`~kaohe_xl.analysis.rows.comparison_rows`), the
JSON also the categories, items and notes. What is compared and how units are matched:
:mod:`kaohe_xl.analysis.comparison`, :mod:`kaohe_xl.analysis.matching`.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from kaohe_xl.analysis.comparison import Comparison
from kaohe_xl.analysis.frames import UnitMapping, comparison_of
from kaohe_xl.analysis.rows import comparison_columns, comparison_data, comparison_rows
from kaohe_xl.analysis.yearfile import YearSource
from kaohe_xl.atomic import write_atomic
from kaohe_xl.campaign import CONFIG_NAME, Campaign
from kaohe_xl.errors import OutputError
from kaohe_xl.output.compare_sheets import skeleton, write_rows
from kaohe_xl.output.export import csv_cell
from kaohe_xl.output.report import OutputReport
from kaohe_xl.xlsx.place import place_atomic

COMPARE_NAME = "与上年对比"
FORMATS = ("xlsx", "csv", "json")
_TEXT_COLUMNS = ("unit_id", "unit_name", "previous", "note", "rank_move")


@dataclass
class ComparisonReport(OutputReport):
    """What :func:`write_comparison` wrote, and the comparison itself."""

    comparison: Comparison | None = None


def comparison_target(this: YearSource, out: str | Path | None, fmt: str | None) -> tuple[Path, str]:
    """Where the comparison goes and in which format: ``out``'s extension decides unless
    ``fmt`` is given; by default ``与上年对比.xlsx`` in the campaign's output folder (beside
    a snapshot for a snapshot). :class:`OutputError` before any work when they disagree."""
    if fmt is not None and fmt.lower() not in FORMATS:
        raise OutputError(f"对比结果的格式应为 {'、'.join(FORMATS)}，不是“{fmt}”")
    if out is not None:
        target = Path(out)
        if target.is_dir():
            raise OutputError(f"{out} 是一个文件夹：请指定文件名，例如 {target / (COMPARE_NAME + '.xlsx')}")
        suffix = target.suffix.lower().lstrip(".")
        if suffix not in FORMATS:
            raise OutputError(f"“{target.name}”的扩展名应为 .xlsx、.csv 或 .json")
        if fmt is not None and fmt.lower() != suffix:
            raise OutputError(
                f"--format {fmt} 与文件名“{target.name}”不符：请改为 {target.with_suffix('.' + fmt.lower())}"
            )
        return target, suffix
    chosen = (fmt or "xlsx").lower()
    return _default_folder(this) / f"{COMPARE_NAME}.{chosen}", chosen


def _default_folder(this: YearSource) -> Path:
    if isinstance(this, Campaign):
        return this.output_dir
    if isinstance(this, str | Path):
        path = Path(this)
        if (path / CONFIG_NAME).exists():
            return Campaign.open(path).output_dir
        if path.is_file():
            return path.parent
    return Path.cwd()


def write_comparison(
    this: YearSource,
    last: YearSource,
    *earlier: YearSource,
    out: str | Path | None = None,
    mapping: UnitMapping = None,
    fmt: str | None = None,
) -> ComparisonReport:
    """Compare ``this`` year with ``last`` (and ``earlier`` years) and write the result.

    Each year is a campaign (folder or :class:`Campaign`), a snapshot (``kaohe export
    --format snapshot``), the export's rows or a 汇总表; ``mapping`` a 单位对照表 (file or
    (上年, 本年) pairs). ``out`` ends in .xlsx (default), .csv or .json; written atomically,
    beside the target when it is open in Excel (``report.note`` says so).
    """
    target, chosen = comparison_target(this, out, fmt)
    comparison = comparison_of(this, last, *earlier, mapping=mapping)
    if chosen == "xlsx":
        book = skeleton(comparison).book()
        write_rows(book, comparison)
        data = book.to_bytes()
    elif chosen == "json":
        data = (json.dumps(comparison_data(comparison), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    else:
        data = _csv(comparison).encode("utf-8-sig")  # the BOM tells Excel it is UTF-8
    target.parent.mkdir(parents=True, exist_ok=True)
    if chosen == "xlsx":
        saved = place_atomic(data, target)
        path, note = saved.path, saved.note
    else:
        write_atomic(target, data, in_use_hint="文件是否在 Excel 中打开？")
        path, note = target, ""
    this_units = sum(1 for u in comparison.units if u.figures[0] is not None)
    report = ComparisonReport(path, [path], note=note, units=this_units, comparison=comparison)
    report.scored = sum(1 for u in comparison.units if u.figures[0] is not None and u.figures[0].composite is not None)
    return report


def _is_text(key: str) -> bool:
    return key in _TEXT_COLUMNS or key.startswith("grade_")


def _csv(comparison: Comparison) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    columns = comparison_columns(comparison)
    writer.writerow(columns)
    for row in comparison_rows(comparison):
        writer.writerow([csv_cell(row.get(key), text_column=_is_text(key)) for key in columns])
    return buffer.getvalue()
