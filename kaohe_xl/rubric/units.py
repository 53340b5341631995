"""The units list (单位名单): who is assessed, with e-mail addresses and assessor groups.

A units workbook may also name the assessors of each group on a sheet ``考核组``
(columns ``考核组``, ``评分人``): :func:`load_roster`. Each named assessor then gets a copy
of the group's 考核组评分表 with the name filled in and signed.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from kaohe_xl.errors import CampaignError
from kaohe_xl.problems import Problem
from kaohe_xl.rubric.model import DEFAULT_GROUP, Roster, Unit
from kaohe_xl.textnorm import clean_text, id_text, nfkc, normalize_label
from kaohe_xl.xlsx.grid import SheetGrid, read_grids
from kaohe_xl.xlsx.ooxml import column_letter

UNIT_HEADERS: dict[str, tuple[str, ...]] = {
    "编号": ("编号", "单位编号", "序号"),
    "单位名称": ("单位名称", "单位", "名称"),
    "分组": ("分组", "类别", "组别"),
    "邮箱": ("邮箱", "电子邮箱", "邮件", "Email", "E-mail"),
    "考核组": ("考核组",),
}
_EMAIL_SPLIT = re.compile(r"[;,；，、\s]+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ID_LABELS = {normalize_label(a).casefold() for a in UNIT_HEADERS["编号"]}


def load_units(path: str | Path) -> list[Unit]:
    """Read the units list from ``.xlsx`` or ``.csv`` (UTF-8 with or without BOM, or GBK).

    In a workbook the first sheet with a ``编号`` header row is read. Raises
    :class:`CampaignError` listing every located problem (missing columns, duplicate or
    blank 编号, malformed e-mail addresses).
    """
    path = Path(path)
    if not path.is_file():
        raise CampaignError(f"找不到单位名单 {path}")
    sheet, rows = _read_rows(path)
    lookup = {label_key(a): canon for canon, aliases in UNIT_HEADERS.items() for a in aliases}
    header_index = next(
        (i for i, row in enumerate(rows[:10]) if any(lookup.get(label_key(v)) == "编号" for v in row)), None
    )
    if header_index is None:
        where = f"工作表“{sheet}”" if sheet else ""
        raise CampaignError(
            f"{path.name}: {where}前10行中找不到表头“编号”；表头行应包含 编号、单位名称、分组、邮箱、考核组"
        )
    columns: dict[int, str] = {}
    for c, v in enumerate(rows[header_index]):
        canon = lookup.get(label_key(v))
        if canon is not None and canon not in columns.values():
            columns[c] = canon
    if "单位名称" not in columns.values():
        raise CampaignError(f"{path.name}: 缺少“单位名称”列（表头在第{header_index + 1}行）")
    letter = {canon: column_letter(c + 1) for c, canon in columns.items()}
    problems: list[Problem] = []
    units: list[Unit] = []
    seen: dict[str, str] = {}
    texts: dict[tuple[type, object], str] = {}  # 分组 and 考核组 repeat: each distinct cell cleaned once
    for r, values in enumerate(rows[header_index + 1 :], start=header_index + 2):
        record = {canon: values[c] if c < len(values) else None for c, canon in columns.items()}
        unit_id = id_text(record.get("编号"))
        name = clean_text(record.get("单位名称"))
        if not unit_id and not name:
            continue

        def problem(code: str, message: str, column: str, value: str = "", row: int = r) -> Problem:
            return Problem(code, message, file=path.name, sheet=sheet, cell=f"{letter[column]}{row}", value=value)

        group, assessor_group = record.get("分组"), record.get("考核组")
        for raw in (group, assessor_group):
            if (type(raw), raw) not in texts:  # by type too: 1 and True are equal keys
                texts[(type(raw), raw)] = clean_text(raw)
        if not unit_id or not name:
            missing = "编号" if not unit_id else "单位名称"
            problems.append(problem("missing_field", f"{missing}不能为空（编号和单位名称都必须填写）", missing))
            continue
        if unit_id in seen:
            first = seen[unit_id]
            problems.append(
                problem("duplicate_id", f"单位编号“{unit_id}”重复（首次在 {first}），请改为唯一编号", "编号", unit_id)
            )
            continue
        seen[unit_id] = f"{letter['编号']}{r}"
        emails = tuple(dict.fromkeys(e for e in _EMAIL_SPLIT.split(nfkc(clean_text(record.get("邮箱")))) if e))
        bad = [e for e in emails if not _EMAIL.match(e)]
        if bad:
            problems.append(
                problem("bad_email", f"邮箱格式不正确：{'、'.join(bad)}（多个邮箱用分号隔开）", "邮箱", "、".join(bad))
            )
        units.append(
            Unit(
                id=unit_id,
                name=name,
                group=texts[(type(group), group)],
                emails=emails,
                assessor_group=texts[(type(assessor_group), assessor_group)] or DEFAULT_GROUP,
            )
        )
    if problems:
        lines = "\n".join(f"  - {p.describe()}" for p in problems)
        raise CampaignError(f"{path.name}: 单位名单有 {len(problems)} 处问题，请修改后重试\n{lines}")
    if not units:
        raise CampaignError(f"{path.name}: 单位名单中没有任何单位（表头行下面应每行一个单位）")
    return units


ROSTER_SHEETS = ("考核组", "考核组名单", "评分人名单")
ROSTER_HEADERS: dict[str, tuple[str, ...]] = {
    "考核组": ("考核组", "组别", "考核组名称"),
    "评分人": ("评分人", "成员", "姓名"),
}
_NAME_SPLIT = re.compile(r"[、,;；，\s]+")


def load_roster(path: str | Path, units: list[Unit]) -> Roster:
    """The named assessors of each group: sheet ``考核组`` of a units workbook, or ``{}``.

    One row per assessor (``考核组`` | ``评分人``), or several names in one cell separated by
    ``、``; a blank 考核组 cell continues the group above (merged cells). Raises
    :class:`CampaignError` listing every located problem: a group no unit belongs to, a
    name given twice in a group, a group without names.
    """
    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return {}
    found = _roster_rows(path)
    if found is None:
        return {}
    sheet, header, (group_col, names_col), rows = found
    groups = {u.assessor_group for u in units}
    roster: dict[str, list[str]] = {}
    problems: list[Problem] = []

    def problem(code: str, message: str, cell: str, value: str = "") -> None:
        problems.append(Problem(code, message, file=path.name, sheet=sheet, cell=cell, value=value))

    current = ""
    for r, (group_cell, names_cell) in enumerate(rows, start=header + 1):
        group = clean_text(group_cell) or current
        names = [n for n in _NAME_SPLIT.split(clean_text(names_cell)) if n]
        if not names and not clean_text(group_cell):
            continue
        current = group
        if group not in groups:
            known = "、".join(sorted(groups))
            problem(
                "unknown_group",
                f"考核组“{group}”不是单位名单中任何单位的考核组（现有：{known}）",
                f"{group_col}{r}",
                group,
            )
            continue
        if not names:
            problem("missing_field", f"考核组“{group}”没有填写评分人姓名", f"{names_col}{r}")
            continue
        for name in names:
            if name in roster.setdefault(group, []):
                problem("duplicate_name", f"评分人“{name}”在考核组“{group}”中重复", f"{names_col}{r}", name)
            else:
                roster[group].append(name)
    if problems:
        lines = "\n".join(f"  - {p.describe()}" for p in problems)
        raise CampaignError(f"{path.name}: 考核组名单有 {len(problems)} 处问题，请修改后重试\n{lines}")
    return {group: tuple(names) for group, names in roster.items()}


def _roster_rows(path: Path) -> tuple[str, int, tuple[str, str], list[tuple[Any, Any]]] | None:
    """(sheet title, header row number, column letters, (考核组, 评分人) values below it) or None."""
    grids = {sheet.title: sheet for sheet in _grids(path)}
    titles = {label_key(t): t for t in grids}
    title = next((titles[label_key(n)] for n in ROSTER_SHEETS if label_key(n) in titles), None)
    if title is None or grids[title].chart:
        return None
    grid = grids[title].rows
    lookup = {label_key(a): canon for canon, aliases in ROSTER_HEADERS.items() for a in aliases}
    for n, row in enumerate(grid[:10]):
        columns = {lookup[label_key(v)]: c for c, v in enumerate(row) if label_key(v) in lookup}
        if len(columns) == 2:
            pick = [
                (
                    line[columns["考核组"]] if columns["考核组"] < len(line) else None,
                    line[columns["评分人"]] if columns["评分人"] < len(line) else None,
                )
                for line in grid[n + 1 :]
            ]
            letters = (column_letter(columns["考核组"] + 1), column_letter(columns["评分人"] + 1))
            return title, n + 1, letters, pick
    raise CampaignError(f"{path.name}: 工作表“{title}”前10行中找不到表头“考核组”和“评分人”")


def label_key(value: object) -> str:
    """A header made comparable: spaces removed, full-width folded, case-folded."""
    return normalize_label(value).casefold()


def _read_rows(path: Path) -> tuple[str, list[list[Any]]]:
    """(sheet title or "" for CSV, rows of cell values)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CampaignError(f"{path.name}: 无法读取单位名单（{exc}）") from exc
        for encoding in ("utf-8-sig", "gb18030"):  # Excel saves "CSV" in the ANSI code page (GBK)
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes almost any byte string
            raise CampaignError(f"{path.name}: 无法识别文件编码，请另存为 UTF-8 CSV")
        return "", [list(row) for row in csv.reader(text.splitlines())]
    if suffix in (".xlsx", ".xlsm"):
        first: tuple[str, list[list[Any]]] | None = None
        for sheet in _grids(path):
            if sheet.chart:
                continue
            first = first or (sheet.title, sheet.rows)
            if any(label_key(v) in _ID_LABELS for row in sheet.rows[:10] for v in row):
                return sheet.title, sheet.rows
        return first or ("", [])
    if suffix in (".xls", ".et"):
        raise CampaignError(f"{path.name}: 不支持旧版 {suffix} 文件，请另存为 .xlsx 或 CSV")
    raise CampaignError(f"{path.name}: 单位名单应为 .xlsx 或 .csv 文件")


def _grids(path: Path) -> list[SheetGrid]:
    """The sheets of a units workbook, as openpyxl would read them (:mod:`kaohe_xl.xlsx.grid`)."""
    try:
        return read_grids(path.read_bytes())
    except Exception as exc:  # a damaged file: zip, XML or I/O errors
        raise CampaignError(f"{path.name}: 无法打开单位名单（{type(exc).__name__}: {exc}）") from exc


def write_units_csv(units: list[Unit], path: Path) -> None:
    """Write units as a UTF-8 (BOM, so Excel shows Chinese) CSV in the canonical columns."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(UNIT_HEADERS))
        for unit in units:
            writer.writerow([unit.id, unit.name, unit.group, ";".join(unit.emails), unit.assessor_group])
