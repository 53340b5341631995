"""The figures of an output workbook by meaning, not by position.

``figures(path)`` reads every sheet of a 汇总 workbook or a 反馈表 and gives one line per
figure: ``table | row key | column header = value``. Tables are found by their header
rows (a row of labels that starts with 编号 or 序号); a row of a table is keyed by its
identifying cells (编号, 条目, 表单, 序号, or its first label); cells outside tables
(the 考核结果 block of a 反馈表, section labels) are read as label → value pairs.
Layout changes that move cells, split a sheet in two or repeat a header on each page
give the same lines; a changed figure, grade, rank or reason does not.

Formula cells are read through their stored values: a workbook written without them
must first be recalculated (LibreOffice) before its figures can be compared.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import openpyxl
from python_calamine import CalamineWorkbook

from kaohe_xl.rubric.model import Rubric, Unit
from kaohe_xl.store.records import ScoreRecord, UnitState

REPO_ROOT = Path(__file__).resolve().parent.parent

# Text that changes from run to run or on purpose: dates, titles, the rules footer.
_VOLATILE = re.compile(r"制表日期|反馈日期|^计分办法|签字|^如对考核结果有异议|（盖章）")
_KEYS = ("编号", "条目", "表单", "序号")
_HEADER_START = ("编号", "序号")
_CELL_REF = re.compile(r"([^\s!：:]+)!\$?[A-Z]{1,3}\$?[0-9]+")


def _value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        text = f"{float(value):.6f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    text = re.sub(r"\s+", "", str(value).replace("\ufeff", ""))
    # a cell named in a message (自评表!G5) moves when a form's columns change: not a figure
    return _CELL_REF.sub(r"\1!<cell>", text)


def _label(value: object) -> str:
    return re.sub(r"\s+", "", str(value or ""))


def _rows(path: Path, reader: str = "openpyxl") -> Iterable[tuple[str, list[object]]]:
    if reader == "calamine":  # stored values only, as previews read them; several times faster
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False):
                yield name, [None if v == "" else v for v in row]
        return
    wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    try:
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                yield ws.title, list(row)
    finally:
        wb.close()


def figures(path: Path, *, skip: Sequence[str] = (), reader: str = "openpyxl") -> Counter[str]:
    """``table | key | header = value`` lines of every sheet (``skip``: headers left out;
    ``reader``: openpyxl or calamine, which give the same lines)."""
    lines: Counter[str] = Counter()
    headers: list[str] = []
    sheet = ""
    for title, cells in _rows(path, reader):
        if title != sheet:
            sheet, headers = title, []
        values = list(cells)
        texts = [_label(v) for v in values]
        first = texts[0] if texts else ""
        if first in _HEADER_START and all(v is None or isinstance(v, str) for v in values):
            if texts == headers:
                continue  # the same header again (a new sheet or page of the same table)
            headers = texts
            continue
        if not any(v not in (None, "") for v in values):
            continue
        if any(_VOLATILE.search(t) for t in texts if t):
            continue
        present = [v for v in values if v not in (None, "")]
        if len(present) == 1:
            continue  # a title or a section heading
        if headers and first:
            named = dict(zip(headers, values, strict=False))
            key = "/".join(_value(named.get(k)) for k in _KEYS if k in named)
            table = ",".join(h for h in headers if h)
            for header, value in named.items():
                if header and header not in skip and value not in (None, ""):
                    lines[f"{table} | {key} | {header} = {_value(value)}"] += 1
            continue
        table = ",".join(h for h in headers if h) if headers else "-"
        label = _value(present[0])
        if headers:  # a labelled row inside a table (分项明细's 基础分, 好, ...): by column
            for header, value in zip(headers, values, strict=False):
                if header and header not in skip and value not in (None, "") and _value(value) != label:
                    lines[f"{table} | {label} | {header} = {_value(value)}"] += 1
            continue
        for name, value in zip(present[::2], present[1::2], strict=False):  # label, value pairs
            if _label(name) not in skip:
                lines[f"- | {_value(name)} = {_value(value)}"] += 1
    return lines


def digest(lines: Counter[str]) -> str:
    """A short fingerprint of a set of figure lines."""
    text = "\n".join(f"{line}\t{n}" for line, n in sorted(lines.items()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def save(path: Path, data: dict[str, object]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=0, sort_keys=True), encoding="utf-8")


def load(path: Path) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


VOLATILE_HEADERS = ("收到时间",)  # when a file came in: the time the demo ran


def stable(lines: Iterable[str]) -> list[str]:
    """The lines without the volatile columns (and without the heading of the old 回收情况
    sheet's second table, which read as a row of the first)."""
    return sorted(
        line
        for line in lines
        if not any(f" | {h} = " in line for h in VOLATILE_HEADERS) and " | 拒收的文件（" not in line
    )


def by_table(lines: Iterable[str]) -> dict[str, str]:
    """``{table header: digest of its lines}``."""
    tables: dict[str, Counter[str]] = {}
    for line in stable(lines):
        table = line.split(" | ", 1)[0]
        tables.setdefault(table, Counter())[line] += 1
    return {table: digest(found) for table, found in tables.items()}


def main_table(lines: Iterable[str]) -> list[str]:
    """The lines of the 汇总表 table (the one with a 综合得分 column)."""
    return [line for line in stable(lines) if "综合得分" in line.split(" | ", 1)[0].split(",")]


def synthetic(rubric: Rubric, n: int, assessors: int = 3) -> tuple[list[Unit], list[ScoreRecord], list[UnitState]]:
    """The campaign of ``bench/bench_summary.py`` (``bench/synthetic.py``, loaded from its file:
    bench/ is scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("bench_synthetic", REPO_ROOT / "bench" / "synthetic.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    made: tuple[list[Unit], list[ScoreRecord], list[UnitState]] = module.synthetic(rubric, n, assessors)
    return made
