"""The units list (单位名单): who is assessed, with e-mail addresses and assessor groups."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import CampaignError
from .problems import Problem
from .textnorm import clean_text, normalize_label

UNIT_HEADERS: dict[str, tuple[str, ...]] = {
    "编号": ("编号", "单位编号", "序号"),
    "单位名称": ("单位名称", "单位", "名称"),
    "分组": ("分组", "类别", "组别"),
    "邮箱": ("邮箱", "电子邮箱", "邮件", "Email", "E-mail"),
    "考核组": ("考核组",),
}
_EMAIL_SPLIT = re.compile(r"[;,；，、\s]+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DEFAULT_GROUP = "考核组"


@dataclass(frozen=True)
class Unit:
    """One assessed unit (a village, a department)."""

    id: str
    name: str
    group: str = ""  # 分组, e.g. 县直单位 / 乡镇
    emails: tuple[str, ...] = ()
    assessor_group: str = DEFAULT_GROUP  # 考核组 that scores this unit


def load_units(path: str | Path) -> list[Unit]:
    """Read the units list from ``.xlsx`` or ``.csv`` (UTF-8 with or without BOM, or GBK).

    Raises :class:`CampaignError` listing every located problem (missing columns,
    duplicate or blank 编号, malformed e-mail addresses).
    """
    path = Path(path)
    if not path.exists():
        raise CampaignError(f"找不到单位名单 {path}")
    rows = _read_rows(path)
    problems: list[Problem] = []
    if not rows:
        raise CampaignError(f"{path.name}: 单位名单为空")
    header_index = next((i for i, row in enumerate(rows[:10]) if any(normalize_label(v) == "编号" for v in row)), None)
    if header_index is None:
        raise CampaignError(f"{path.name}: 前10行中找不到表头“编号”")
    lookup = {normalize_label(a): canon for canon, aliases in UNIT_HEADERS.items() for a in aliases}
    columns = {c: lookup[normalize_label(v)] for c, v in enumerate(rows[header_index]) if normalize_label(v) in lookup}
    if "单位名称" not in columns.values():
        raise CampaignError(f"{path.name}: 缺少“单位名称”列")
    units: list[Unit] = []
    seen: set[str] = set()
    for r, values in enumerate(rows[header_index + 1 :], start=header_index + 2):
        record = {canon: values[c] if c < len(values) else None for c, canon in columns.items()}
        unit_id = _id_text(record.get("编号"))
        name = clean_text(record.get("单位名称"))
        if not unit_id and not name:
            continue
        if not unit_id or not name:
            problems.append(Problem("missing_field", "编号和单位名称都必须填写", file=path.name, cell=f"第{r}行"))
            continue
        if unit_id in seen:
            problems.append(
                Problem("duplicate_id", f"单位编号“{unit_id}”重复", file=path.name, cell=f"第{r}行", value=unit_id)
            )
            continue
        seen.add(unit_id)
        emails = tuple(e for e in _EMAIL_SPLIT.split(clean_text(record.get("邮箱"))) if e)
        bad = [e for e in emails if not _EMAIL.match(e)]
        if bad:
            problems.append(
                Problem(
                    "bad_email", f"邮箱格式不正确：{'、'.join(bad)}", file=path.name, cell=f"第{r}行", value=unit_id
                )
            )
        units.append(
            Unit(
                id=unit_id,
                name=name,
                group=clean_text(record.get("分组")),
                emails=emails,
                assessor_group=clean_text(record.get("考核组")) or DEFAULT_GROUP,
            )
        )
    if problems:
        lines = "\n".join(f"  - {p.describe()}" for p in problems)
        raise CampaignError(f"{path.name}: 单位名单有 {len(problems)} 处问题\n{lines}")
    if not units:
        raise CampaignError(f"{path.name}: 单位名单中没有任何单位")
    return units


def _id_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalize_label(value)


def _read_rows(path: Path) -> list[list[Any]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise CampaignError(f"{path.name}: 无法识别文件编码，请另存为 UTF-8 CSV")
        return [list(row) for row in csv.reader(text.splitlines())]
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:
            raise CampaignError(f"{path.name}: 无法打开单位名单（{type(exc).__name__}: {exc}）") from exc
        try:
            ws = wb.worksheets[0]
            ws.reset_dimensions()  # WPS may write a wrong <dimension>
            return [list(row) for row in ws.iter_rows(values_only=True)]
        finally:
            wb.close()
    raise CampaignError(f"{path.name}: 单位名单应为 .xlsx 或 .csv 文件")


def write_units_csv(units: list[Unit], path: Path) -> None:
    """Write units as a UTF-8 (BOM, so Excel shows Chinese) CSV in the canonical columns."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(UNIT_HEADERS))
        for unit in units:
            writer.writerow([unit.id, unit.name, unit.group, ";".join(unit.emails), unit.assessor_group])
