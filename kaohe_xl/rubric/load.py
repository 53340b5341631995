"""Reading a rubric from a 细则 workbook or its YAML twin, with located problems.

Both formats use the same Chinese sheet/key names (条目, 类别, 设置, 来源) and go
through one builder, so they accept exactly the same rubrics. Every problem found is
collected; if any is an error, :class:`~kaohe_xl.errors.RubricError` carries them all.
Problem codes are stable (tests and scripts rely on them); docs/rubric.md lists them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path

from kaohe_xl.errors import RubricError
from kaohe_xl.problems import Problem, errors_in, warnings_in
from kaohe_xl.rubric.checks import check_best_of, check_bonus_cap, check_pass_line
from kaohe_xl.rubric.items import ItemSheet, build_categories, build_items
from kaohe_xl.rubric.model import Rubric
from kaohe_xl.rubric.settings import DEFAULT_GRADES, SETTING_KEYS, Collector, build_settings, text_of
from kaohe_xl.rubric.sheets import (
    CATEGORIES_SHEET,
    CATEGORY_HEADERS,
    ITEM_HEADERS,
    ITEMS_SHEET,
    SETTINGS_SHEET,
    SOURCE_HEADERS,
    SOURCES_SHEET,
    RawRubric,
    read_workbook,
    read_yaml,
)
from kaohe_xl.rubric.sources import build_sources
from kaohe_xl.textnorm import format_decimal, normalize_label

__all__ = [
    "CATEGORIES_SHEET",
    "CATEGORY_HEADERS",
    "DEFAULT_GRADES",
    "ITEMS_SHEET",
    "ITEM_HEADERS",
    "SETTINGS_SHEET",
    "SETTING_KEYS",
    "SOURCES_SHEET",
    "SOURCE_HEADERS",
    "iter_problem_lines",
    "load_rubric",
]

_XLS_HINT = {
    ".xls": "请在 Excel/WPS 中“另存为”Excel 工作簿（.xlsx）",
    ".et": "请在 WPS 中“另存为”Excel 工作簿（.xlsx）",
}


def load_rubric(path: str | Path) -> Rubric:
    """Load a rubric from ``.xlsx``/``.xlsm`` or ``.yaml``/``.yml``.

    Raises :class:`RubricError` listing every error (file, sheet, cell, rule broken);
    warnings (e.g. category points that do not add up) are kept in ``rubric.warnings``.
    """
    path = Path(path)
    if not path.is_file():
        raise RubricError(f"找不到细则文件 {path}")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        raw = read_workbook(path)
    elif suffix in (".yaml", ".yml"):
        raw = read_yaml(path)
    else:
        hint = _XLS_HINT.get(suffix, "细则应为 .xlsx 工作簿或 .yaml 文件")
        raise RubricError(f"{path.name}: 不支持 {suffix or '无扩展名'} 文件；{hint}")
    return _build(path.name, raw)


def iter_problem_lines(problems: Iterable[Problem]) -> Iterator[str]:
    """One line per problem, for printing."""
    for problem in problems:
        yield problem.describe()


# --------------------------------------------------------------------------- builder
def _build(file: str, raw: RawRubric) -> Rubric:
    col = Collector(file, raw.problems)
    for required in (ITEMS_SHEET, SETTINGS_SHEET):
        if required not in raw.sheets and not any(p.sheet == required for p in raw.problems):
            col.error("missing_sheet", f"缺少必需的工作表“{required}”（工作表名称须为“{required}”）", sheet=required)
    settings = build_settings(col, raw) if SETTINGS_SHEET in raw.sheets else None
    read = build_items(col, raw.sheets[ITEMS_SHEET], settings) if ITEMS_SHEET in raw.sheets else ItemSheet()
    source_sheet = raw.sheets.get(SOURCES_SHEET)
    rater_names = {normalize_label(text_of(row, "来源")) for row in source_sheet.rows} if source_sheet else set()
    # Sums are only worth checking when every item was read (a dropped item would
    # make every total look wrong).
    items_ok = not errors_in(col.problems)
    categories = build_categories(col, raw.sheets.get(CATEGORIES_SHEET), read, rater_names, items_ok)
    if settings is not None and categories and items_ok:
        base_total = sum((c.cap for c in categories if c.cap is not None), Decimal(0))
        if base_total != settings.full_marks:
            col.warn(
                "full_marks_mismatch",
                f"满分 {format_decimal(settings.full_marks)} 与各类别分值之和 {format_decimal(base_total)} 不一致，请核对",
                SETTINGS_SHEET,
                raw.settings.get("满分"),
            )
    sources = build_sources(col, source_sheet, categories, read.items)
    check_best_of(col, read)
    if SETTINGS_SHEET in raw.sheets:
        check_bonus_cap(col, raw, read.items)
    if settings is not None:
        check_pass_line(col, settings, raw.settings.get("合格线"))
    errors = errors_in(col.problems)
    if errors or settings is None:
        raise RubricError(f"{file}: 细则有 {len(errors)} 处错误，请修改后重试", errors + warnings_in(col.problems))
    try:
        return Rubric(settings, tuple(categories), tuple(read.items), tuple(sources), tuple(warnings_in(col.problems)))
    except ValueError as exc:  # pragma: no cover - the builder checks these first
        raise RubricError(f"{file}: {exc}", col.problems) from exc
