"""Where a year's results come from: a campaign folder, a snapshot, an export, a 汇总表.

:func:`load_year` takes

* a campaign folder (or an open :class:`~kaohe_xl.campaign.Campaign`): scored now, in full;
* the snapshot ``kaohe export 考核目录 --format snapshot`` writes (``.json``): in full, and
  small enough to keep a year in one file;
* the export's rows (``results.csv`` / ``results.json``): 综合得分, 排名, 等次 only;
* a 汇总表 (``.xlsx``, ``.csv``) — made by hand before kaohe, or by kaohe and saved
  once in Excel or WPS so its formulas carry their results
  (:mod:`kaohe_xl.analysis.yeartable` says what is read).

:func:`load_mapping` reads the 单位对照表: two columns, 上年单位 → 本年单位.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kaohe_xl.analysis.years import SNAPSHOT_KEY, Year, from_dict, year_of
from kaohe_xl.analysis.yeartable import (
    EXPORT_COLUMNS,
    HEADER_ROWS,
    NAME_HEADERS,
    split_header,
    year_from_export,
    year_from_table,
)
from kaohe_xl.campaign import CONFIG_NAME, Campaign
from kaohe_xl.errors import ResultsFileError
from kaohe_xl.scoring.engine import Results
from kaohe_xl.scoring.results import compute
from kaohe_xl.textnorm import clean_text, normalize_label

YearSource = Year | Results | Campaign | str | Path
TABLE_SUFFIXES = (".xlsx", ".xlsm", ".csv")
_OLD = ("上年", "去年", "原", "旧", "以前")
_NEW = ("本年", "今年", "现", "新")


def load_year(source: YearSource) -> Year:
    """A year's results from a campaign, a snapshot, an export or a 汇总表 (see the module)."""
    if isinstance(source, Year):
        return source
    if isinstance(source, Results):
        return year_of(source)
    if isinstance(source, Campaign):
        return year_of(compute(source), origin=source.root.name)
    path = Path(source)
    if path.is_dir():
        if not (path / CONFIG_NAME).exists():
            raise ResultsFileError(f"{path} 不是考核目录（找不到 {CONFIG_NAME}）：请给出上年的考核目录、快照或汇总表")
        return load_year(Campaign.open(path))
    if not path.is_file():
        raise ResultsFileError(f"找不到 {path}：请给出上年的考核目录、快照（.json）或汇总表（.xlsx、.csv）")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _json_year(path)
    if suffix in TABLE_SUFFIXES:
        rows = read_rows(path)
        header = [normalize_label(v) for v in (rows[0] if rows else [])]
        if suffix == ".csv" and {"unit_name", "composite"} <= set(header):
            records = [dict(zip(header, row, strict=False)) for row in rows[1:] if any(row)]
            return year_from_export([{k: r.get(k) for k in EXPORT_COLUMNS} for r in records], path.name)
        return year_from_table(rows, path.name)
    raise ResultsFileError(f"{path.name}: 无法识别，应为考核目录、快照（.json）或汇总表（.xlsx、.csv）")


def _json_year(path: Path) -> Year:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultsFileError(f"{path.name}: 无法读取 JSON（{exc}）") from exc
    try:
        if isinstance(data, dict) and SNAPSHOT_KEY in data:
            return from_dict(data, origin=path.name)
        if isinstance(data, list) and data and all(isinstance(r, dict) and "unit_name" in r for r in data):
            return year_from_export(data, path.name)
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise ResultsFileError(f"{path.name}: 快照内容不完整或有误（{type(exc).__name__}: {exc}）") from exc
    raise ResultsFileError(
        f"{path.name}: 不是 kaohe 的快照或导出结果：请用 kaohe export 上年考核目录 --format snapshot 生成快照"
    )


def read_rows(path: Path) -> list[list[Any]]:
    """The cell values of a CSV (UTF-8 or GBK) or of a workbook's 汇总表 sheet (else the
    first sheet with a header), formulas as their stored results."""
    if path.suffix.lower() == ".csv":
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ResultsFileError(f"{path.name}: 无法读取（{exc}）") from exc
        for encoding in ("utf-8-sig", "gb18030"):  # Excel saves "CSV" in the ANSI code page (GBK)
            try:
                return [list(row) for row in csv.reader(raw.decode(encoding).splitlines())]
            except UnicodeDecodeError:
                continue
        raise ResultsFileError(f"{path.name}: 无法识别文件编码，请另存为 UTF-8 CSV")  # pragma: no cover
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise ResultsFileError(f"{path.name}: 无法打开（{type(exc).__name__}: {exc}）") from exc
    try:
        sheets = [ws for ws in wb.worksheets if hasattr(ws, "reset_dimensions")]  # not chart sheets
        sheets.sort(key=lambda ws: ws.title != "汇总表")
        first: list[list[Any]] | None = None
        for ws in sheets:
            ws.reset_dimensions()  # WPS may write a wrong <dimension>
            rows = [list(row) for row in ws.iter_rows(values_only=True)]
            first = first if first is not None else rows
            if _has_header(rows):
                return rows
        return first or []
    finally:
        wb.close()


def _has_header(rows: Sequence[Sequence[Any]]) -> bool:
    return any(any(split_header(v)[0] in NAME_HEADERS for v in row) for row in rows[:HEADER_ROWS])


def load_mapping(path: str | Path) -> list[tuple[str, str]]:
    """The 单位对照表: (上年单位, 本年单位) rows, each a 单位名称 or a 编号.

    The columns are found by their headers (上年/原/旧 …, 本年/现/新 …); without such a
    header row, column A is last year's unit and column B this year's. Several rows with
    the same 本年单位 merge; several with the same 上年单位 split.
    """
    path = Path(path)
    if not path.is_file():
        raise ResultsFileError(f"找不到单位对照表 {path}")
    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise ResultsFileError(f"{path.name}: 单位对照表应为 .xlsx 或 .csv 文件")
    rows = [(n, [clean_text(v) for v in row]) for n, row in enumerate(read_rows(path), start=1)]
    rows = [(n, row) for n, row in rows if any(row)]
    old_col, new_col, start = 0, 1, 0
    if rows:
        head = [normalize_label(v) for v in rows[0][1]]
        olds = [n for n, h in enumerate(head) if h.startswith(_OLD)]
        news = [n for n, h in enumerate(head) if h.startswith(_NEW)]
        if olds and news:
            old_col, new_col, start = olds[0], news[0], 1
    pairs = []
    for n, row in rows[start:]:
        old = row[old_col] if old_col < len(row) else ""
        new = row[new_col] if new_col < len(row) else ""
        if bool(old) != bool(new):
            raise ResultsFileError(f"{path.name} 第{n}行：上年单位和本年单位都要填写（“{old or new}”缺少另一边）")
        if old:
            pairs.append((old, new))
    return pairs
