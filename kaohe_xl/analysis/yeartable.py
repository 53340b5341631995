"""A year's results from a table: a 汇总表 made by hand (or by kaohe), or the export's rows.

What an office has from the years before kaohe is a 汇总表 someone typed. It is read
as a table, whatever its layout above and below:

* the header row is the first of the first 15 rows with a unit column (``单位``,
  ``单位名称``, ``被考核单位``) and a score column: ``综合得分``, else ``总得分``, ``总分``,
  ``最终得分``, ``考核得分``, ``得分``, ``合计``;
* optional columns ``编号``, ``排名`` (``名次``), ``等次`` (``等级``); every other header
  with a number in brackets is a category and its 分值 (``领导重视（20分）``,
  ``领导重视\\n(20)`` as kaohe writes it);
* the full marks come from the score header (``综合得分（满分100）``) or the title rows
  (``满分1000分``, ``千分制``, ``百分制``); the year from the title rows or the file name;
* rows without a unit name are skipped, and so are 合计 / 平均 rows; a score cell with
  text (待提交) leaves the unit unscored; without a 排名 column ranks are computed from
  the scores (competition ranking).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kaohe_xl.analysis.years import Year, YearCategory, YearUnit, decimal_or_none
from kaohe_xl.errors import ResultsFileError
from kaohe_xl.store.records import ReturnState
from kaohe_xl.textnorm import clean_text, id_text, normalize_label, parse_decimal

HEADER_ROWS = 15
NAME_HEADERS = ("单位", "单位名称", "被考核单位", "单位名")
SCORE_HEADERS = ("综合得分", "总得分", "总分", "最终得分", "考核得分", "得分", "合计")
ID_HEADERS = ("编号", "单位编号")
RANK_HEADERS = ("排名", "名次")
GRADE_HEADERS = ("等次", "等级", "考核等次", "评定等次")
_SKIP_NAMES = {"合计", "总计", "小计", "平均", "平均分", "平均值"}
_BRACKETED = re.compile(r"^(?P<base>.*?)\((?:满分)?(?P<n>\d+(?:\.\d+)?)分?\)$")
_YEAR = re.compile(r"(20\d\d)\s*年?")
_FULL = re.compile(r"满分\s*(\d+(?:\.\d+)?)")
_STATES = {s.label: s.value for s in ReturnState}


def split_header(value: object) -> tuple[str, Decimal | None]:
    """``领导重视（20分）`` → (``领导重视``, 20); ``综合得分`` → (``综合得分``, None)."""
    text = normalize_label(value)
    match = _BRACKETED.match(text)
    if match is None:
        return text, None
    return match.group("base"), Decimal(match.group("n"))


@dataclass(frozen=True)
class _Columns:
    header: int
    name: int
    score: int
    full_marks: Decimal | None
    unit_id: int | None
    rank: int | None
    grade: int | None
    categories: tuple[tuple[int, YearCategory], ...]


def _find(bases: Sequence[str], wanted: Sequence[str]) -> int | None:
    for label in wanted:
        if label in bases:
            return bases.index(label)
    return None


def _columns(rows: Sequence[Sequence[Any]]) -> _Columns | None:
    for n, row in enumerate(rows[:HEADER_ROWS]):
        split = [split_header(v) for v in row]
        bases = [base for base, _ in split]
        name, score = _find(bases, NAME_HEADERS), _find(bases, SCORE_HEADERS)
        if name is None or score is None:
            continue
        known = {name, score}
        picked = {
            key: _find(bases, labels)
            for key, labels in (("id", ID_HEADERS), ("rank", RANK_HEADERS), ("grade", GRADE_HEADERS))
        }
        known |= {c for c in picked.values() if c is not None}
        categories = tuple(
            (c, YearCategory(base, cap))
            for c, (base, cap) in enumerate(split)
            if c not in known and cap is not None and base
        )
        return _Columns(n, name, score, split[score][1], picked["id"], picked["rank"], picked["grade"], categories)
    return None


def _cell(row: Sequence[Any], column: int | None) -> Any:
    return row[column] if column is not None and column < len(row) else None


def _title_facts(lines: Sequence[str], origin: str) -> tuple[str, str, Decimal | None]:
    """(考核名称, 年度, full marks) from the rows above the header and the file name."""
    name = next((line for line in lines if line), "")
    year = next((m.group(1) for line in [*lines, origin] if (m := _YEAR.search(line))), "")
    full = None
    for line in lines:
        if (m := _FULL.search(line)) is not None:
            full = Decimal(m.group(1))
            break
        if "千分制" in line:
            full = Decimal(1000)
            break
        if "百分制" in line:
            full = Decimal(100)
            break
    return name, year, full


def year_from_table(rows: Sequence[Sequence[Any]], origin: str) -> Year:
    """A year from the rows of a 汇总表 (values, not formulas); :class:`ResultsFileError` when unusable."""
    found = _columns(rows)
    if found is None:
        raise ResultsFileError(
            f"{origin}: 前{HEADER_ROWS}行中找不到表头：需要单位一列（{'、'.join(NAME_HEADERS[:3])}）"
            f"和得分一列（{'、'.join(SCORE_HEADERS[:3])} 等）"
        )
    lines = [clean_text(" ".join(clean_text(v) for v in row if v is not None)) for row in rows[: found.header]]
    name, year, full = _title_facts(lines, origin)
    full = found.full_marks or full
    units = []
    notes: list[str] = []
    for n, row in enumerate(rows[found.header + 1 :], start=found.header + 2):
        unit_name = clean_text(_cell(row, found.name))
        if not unit_name or normalize_label(unit_name) in _SKIP_NAMES:
            continue
        units.append(_unit(row, found, unit_name, f"{origin} 第{n}行", notes))
    if not units:
        raise ResultsFileError(f"{origin}: 表头（第{found.header + 1}行）下面没有单位")
    if all(u.composite is None for u in units):
        raise ResultsFileError(
            f"{origin}: 得分一列没有数值。如是 kaohe 生成的汇总表（公式尚未计算），请在 Excel 或 WPS 中打开并保存一次，"
            "或改用上年的考核目录，或用 kaohe export 上年考核目录 --format snapshot 生成的快照"
        )
    if found.rank is None:
        units = _ranked(units)
        notes.append("表中没有排名一列，排名按得分计算")
    categories = tuple(category for _, category in found.categories)
    return Year(name, year, full, tuple(units), categories, (), origin, tuple(notes))


def _unit(row: Sequence[Any], found: _Columns, unit_name: str, where: str, notes: list[str]) -> YearUnit:
    raw = _cell(row, found.score)
    composite = None
    status = ReturnState.OK.value
    try:
        composite = parse_decimal(raw)
    except ValueError:
        text = clean_text(raw)
        status = _STATES.get(text, ReturnState.MISSING.value)
        if text not in _STATES:
            notes.append(f"{where}：得分“{text}”不是数字，按未计分处理")
    if composite is None and status == ReturnState.OK.value:
        status = ReturnState.MISSING.value
    rank = None
    try:
        value = parse_decimal(_cell(row, found.rank))
        rank = int(value) if value is not None else None
    except ValueError:
        rank = None
    scores = {}
    for column, category in found.categories:
        try:
            value = parse_decimal(_cell(row, column))
        except ValueError:
            value = None
        if value is not None:
            scores[category.name] = value
    return YearUnit(
        id_text(_cell(row, found.unit_id)),
        unit_name,
        composite,
        rank,
        clean_text(_cell(row, found.grade)),
        status,
        categories=scores,
    )


def _ranked(units: Sequence[YearUnit]) -> list[YearUnit]:
    """Competition ranks (1, 2, 2, 4) on the scores, the table's order kept."""
    scores = [u.composite for u in units if u.composite is not None]
    out = []
    for unit in units:
        rank = None if unit.composite is None else 1 + sum(1 for s in scores if s > unit.composite)
        out.append(
            YearUnit(
                unit.unit_id, unit.unit_name, unit.composite, rank, unit.grade, unit.status, unit.veto, unit.categories
            )
        )
    return out


# The export's columns (kaohe export --format csv|json) a year can be read from.
EXPORT_COLUMNS = ("unit_id", "unit_name", "composite", "rank", "grade", "status", "veto")


def year_from_export(records: Sequence[dict[str, Any]], origin: str) -> Year:
    """A year from the export's rows (results.csv / results.json): no categories, full marks unknown."""
    units = []
    for record in records:
        rank = decimal_or_none(record.get("rank"))
        veto = record.get("veto")
        units.append(
            YearUnit(
                str(record.get("unit_id") or ""),
                str(record.get("unit_name") or ""),
                decimal_or_none(record.get("composite")),
                int(rank) if rank is not None else None,
                str(record.get("grade") or ""),
                str(record.get("status") or ReturnState.OK.value),
                veto is True or str(veto).lower() == "true",
            )
        )
    year = next((m.group(1) for m in [_YEAR.search(origin)] if m), "")
    return Year("", year, None, tuple(units), origin=origin)
