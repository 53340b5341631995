"""Results as data: ``kaohe export DIR --format csv|json``.

One row per unit, in ranked order, with stable English column names::

    unit_id, unit_name, group, self_total, assessor_total, bonus, penalty, veto,
    composite, grade, rank, status, passed, source_<name> ...

``source_<name>`` holds each rubric source's total, named by the rubric's source name
(``source_自评``, ``source_考核组``, ``source_班子评分``). Scores are the figures as shown
(2 decimals, half up); missing ones are empty (CSV) or null (JSON). ``status`` is
``ok``, ``missing`` (待提交) or ``invalid`` (待核实); ``rank`` is empty for units that
are not ranked. ``passed`` is true/false against 合格线 (a veto fails), empty without a
合格线 or a composite. ``assessor_total`` is the primary 考核组 source (the round with the
largest weight); every round has its own ``source_<name>``. CSV is UTF-8 with a BOM so Excel shows the Chinese text; a text value
starting with ``= + - @`` gets a leading ``'`` so Excel does not run it as a formula.

``--format snapshot`` is another thing: the year's results in full (each unit's
categories and items too, the rubric's categories and items, the full marks) as one
JSON file to keep, and to compare with next year (``kaohe compare --with``).
"""

from __future__ import annotations

import csv
import io
import json
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kaohe_xl.analysis.years import to_dict, year_of
from kaohe_xl.atomic import write_atomic
from kaohe_xl.errors import OutputError
from kaohe_xl.output.report import OutputReport
from kaohe_xl.scoring.engine import Results
from kaohe_xl.scoring.results import RESULT_COLUMNS, compute, result_rows, source_column
from kaohe_xl.textnorm import safe_value

if TYPE_CHECKING:
    from kaohe_xl.campaign import Campaign

FORMATS = ("csv", "json", "snapshot")
_TEXT_COLUMNS = ("unit_id", "unit_name", "group", "grade")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_columns(results: Results) -> list[str]:
    """The exported columns: :data:`RESULT_COLUMNS` then one per source."""
    return [*RESULT_COLUMNS, *(source_column(s.name) for s in results.rubric.sources)]


def export_rows(results: Results) -> list[dict[str, Any]]:
    """The exported rows (plain Python values: str, float, int, bool, None); text cleaned
    by :func:`~kaohe_xl.textnorm.safe_text` (JSON and CSV readers choke on control characters)."""
    columns = export_columns(results)
    return [{key: safe_value(row[key]) for key in columns} for row in result_rows(results)]


def csv_cell(value: Any, *, text_column: bool) -> str:
    """One CSV field: blanks empty, booleans true/false, floats to 2 places; in a text
    column (names, ids, grades) a value that starts like a formula gets a leading
    apostrophe (CSV injection: Excel would evaluate =, +, -, @)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.2f}"
    text = str(value)
    if text_column and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def render(results: Results, fmt: str) -> str:
    """The export as text in ``fmt`` (csv or json)."""
    if fmt == "snapshot":  # a year's results, self-contained: what `kaohe compare --with` reads next year
        return json.dumps(to_dict(year_of(results)), ensure_ascii=False, indent=1) + "\n"
    rows = export_rows(results)
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt != "csv":
        raise OutputError(f"不支持的导出格式“{fmt}”，应为 csv、json 或 snapshot")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    columns = export_columns(results)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row[key], text_column=key in _TEXT_COLUMNS) for key in columns])
    return buffer.getvalue()


def default_name(results: Results, fmt: str) -> str:
    """``results.csv``, ``results.json``; a snapshot is named after its year: ``2023年结果快照.json``."""
    if fmt != "snapshot":
        return f"results.{fmt}"
    year = str(results.rubric.settings.year)
    return f"{year}年结果快照.json" if year.isdigit() else "结果快照.json"


def export_results(campaign: Campaign, out: str | Path | None = None, *, fmt: str | None = None) -> OutputReport:
    """Write the results, one row per unit, to ``out`` (default ``output/results.<fmt>``).

    ``fmt`` is ``csv`` or ``json``; left out, it follows ``out``'s extension (``.json``),
    else CSV. ``snapshot`` writes the year's results in full (units, categories, items:
    :func:`kaohe_xl.analysis.years.to_dict`) as JSON, default ``output/2023年结果快照.json``,
    for ``kaohe compare`` next year. Example::

        export_results(Campaign.open("2023老干部考核"), "results.json")
    """
    if fmt is None and isinstance(out, str) and out.lower() in FORMATS:
        # 0.1 took (campaign, fmt, out): a bare format word is not a file name
        warnings.warn(
            "export_results(campaign, fmt) is now export_results(campaign, fmt=...)", DeprecationWarning, stacklevel=2
        )
        fmt, out = out, None
    if fmt is None:
        fmt = "json" if out is not None and Path(out).suffix.lower() == ".json" else "csv"
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise OutputError(f"导出格式应为 {' 或 '.join(FORMATS)}，不是“{fmt}”")
    results = compute(campaign)
    text = render(results, fmt)
    target = Path(out) if out else campaign.output_dir / default_name(results, fmt)
    target.parent.mkdir(parents=True, exist_ok=True)
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"  # the BOM tells Excel it is UTF-8
    write_atomic(target, text.encode(encoding), in_use_hint="文件是否在 Excel 中打开？")
    report = OutputReport(target, [target], units=len(results.units))
    report.scored = sum(1 for u in results.units if u.composite is not None)
    return report
