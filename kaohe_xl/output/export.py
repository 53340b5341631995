"""Results as data: ``kaohe export DIR --format csv|json``.

One row per unit, in ranked order, with stable English column names::

    unit_id, unit_name, group, self_total, assessor_total, bonus, penalty, veto,
    composite, grade, rank, status, source_<name> ...

``source_<name>`` holds each rubric source's total, named by the rubric's source name
(``source_自评``, ``source_考核组``, ``source_班子评分``). Scores are the figures as shown
(2 decimals, half up); missing ones are empty (CSV) or null (JSON). ``status`` is
``ok``, ``missing`` (待提交) or ``invalid`` (待核实); ``rank`` is empty for units that
are not ranked. CSV is UTF-8 with a BOM so Excel shows the Chinese text; a text value
starting with ``= + - @`` gets a leading ``'`` so Excel does not run it as a formula.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kaohe_xl.atomic import write_atomic
from kaohe_xl.errors import OutputError
from kaohe_xl.scoring.engine import Results
from kaohe_xl.scoring.results import RESULT_COLUMNS, compute, result_rows, source_column
from kaohe_xl.textnorm import safe_value

if TYPE_CHECKING:
    from kaohe_xl.campaign import Campaign

FORMATS = ("csv", "json")
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


def _csv_cell(key: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.2f}"
    text = str(value)
    if key in _TEXT_COLUMNS and text.startswith(_FORMULA_START):
        return "'" + text  # CSV injection: Excel would evaluate =, +, -, @
    return text


def render(results: Results, fmt: str) -> str:
    """The export as text in ``fmt`` (csv or json)."""
    rows = export_rows(results)
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt != "csv":
        raise OutputError(f"不支持的导出格式“{fmt}”，应为 csv 或 json")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    columns = export_columns(results)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(key, row[key]) for key in columns])
    return buffer.getvalue()


def export_results(campaign: Campaign, fmt: str = "csv", out: str | Path | None = None) -> Path:
    """Write the results to ``out`` (default ``output/results.<fmt>``); returns the path.

    Example::

        export_results(Campaign.open("2023老干部考核"), "json")
    """
    fmt = fmt.lower()
    text = render(compute(campaign), fmt)
    target = Path(out) if out else campaign.output_dir / f"results.{fmt}"
    target.parent.mkdir(parents=True, exist_ok=True)
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"  # the BOM tells Excel it is UTF-8
    write_atomic(target, text.encode(encoding), in_use_hint="文件是否在 Excel 中打开？")
    return target
