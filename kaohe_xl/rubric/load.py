"""Reading a rubric from a 细则 workbook or its YAML twin, with located problems.

Both formats use the same Chinese sheet/key names (条目, 类别, 设置, 来源) and go
through one builder, so they accept exactly the same rubrics. Every problem found is
collected; if any is an error, :class:`~kaohe_xl.errors.RubricError` carries them all.
Problem codes are stable (tests and scripts rely on them); docs/rubric.md lists them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path

from kaohe_xl.errors import RubricError
from kaohe_xl.problems import Problem, errors_in, warnings_in
from kaohe_xl.rubric.model import Category, FormKind, Item, ItemKind, Rubric, Settings, Source
from kaohe_xl.rubric.settings import DEFAULT_GRADES, SETTING_KEYS, Collector, blank, build_settings, item_id_of, text_of
from kaohe_xl.rubric.sheets import (
    CATEGORIES_SHEET,
    CATEGORY_HEADERS,
    ITEM_HEADERS,
    ITEMS_SHEET,
    SETTINGS_SHEET,
    SOURCE_HEADERS,
    SOURCES_SHEET,
    Cell,
    RawRubric,
    Sheet,
    read_workbook,
    read_yaml,
)
from kaohe_xl.textnorm import clean_text, format_decimal, normalize_label

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

_LIST_SPLIT = re.compile(r"[、,;；，\s]+")
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
    items, category_cells = (
        _build_items(col, raw.sheets[ITEMS_SHEET], settings) if ITEMS_SHEET in raw.sheets else ([], {})
    )
    source_sheet = raw.sheets.get(SOURCES_SHEET)
    rater_names = {normalize_label(text_of(row, "来源")) for row in source_sheet.rows} if source_sheet else set()
    # Sums are only worth checking when every item was read (a dropped item would
    # make every total look wrong).
    items_ok = not errors_in(col.problems)
    categories = _build_categories(col, raw.sheets.get(CATEGORIES_SHEET), items, category_cells, rater_names, items_ok)
    if settings is not None and categories and items_ok:
        base_total = sum((c.cap for c in categories if c.cap is not None), Decimal(0))
        if base_total != settings.full_marks:
            col.warn(
                "full_marks_mismatch",
                f"满分 {format_decimal(settings.full_marks)} 与各类别分值之和 {format_decimal(base_total)} 不一致，请核对",
                SETTINGS_SHEET,
                raw.settings.get("满分"),
            )
    sources = _build_sources(col, source_sheet, categories)
    errors = errors_in(col.problems)
    if errors or settings is None:
        raise RubricError(f"{file}: 细则有 {len(errors)} 处错误，请修改后重试", errors + warnings_in(col.problems))
    try:
        return Rubric(settings, tuple(categories), tuple(items), tuple(sources), tuple(warnings_in(col.problems)))
    except ValueError as exc:  # pragma: no cover - the builder checks these first
        raise RubricError(f"{file}: {exc}", col.problems) from exc


def _build_items(col: Collector, sheet: Sheet, settings: Settings | None) -> tuple[list[Item], dict[str, Cell]]:
    """The items, and for each category name the cell where it is first used."""
    name = sheet.name
    items: list[Item] = []
    seen: dict[str, str] = {}
    category_cells: dict[str, Cell] = {}
    for required in ("考核内容", "分值", "类别"):
        if sheet.rows and not any(required in row for row in sheet.rows):
            col.error("missing_column", f"条目表缺少“{required}”列，请在表头行加上", name, sheet.header_ref)
    for extra in sheet.extra_headers:
        col.warn("unknown_column", f"不认识的列“{extra}”，已忽略", name, sheet.extra_refs.get(extra, ""))
    last_category: Cell | None = None
    for row in sheet.rows:
        id_cell = row.get("编号")
        item_id = item_id_of(id_cell)
        content = text_of(row, "考核内容")
        # A merged category cell only carries its value in the first row of the merge
        # (Excel stores the value in the top-left cell only), so a blank 类别 continues
        # the category above.
        if not blank(row.get("类别")):
            last_category = row["类别"]
        category = clean_text(last_category.value) if last_category else ""
        if not item_id:
            if content:
                col.error("missing_id", "条目缺少“编号”，每个条目都要有唯一编号", name, id_cell or row.get("考核内容"))
            continue
        if item_id in seen:
            col.error(
                "duplicate_id",
                f"编号“{item_id}”重复（首次出现在 {seen[item_id]}），请改为唯一编号",
                name,
                id_cell,
                item_id,
            )
            continue
        seen[item_id] = id_cell.ref if id_cell else ""
        kind_cell = row.get("类型")
        kind = ItemKind.BASE
        if not blank(kind_cell):
            assert kind_cell is not None
            label = normalize_label(kind_cell.value)
            kinds = [k for k in ItemKind if label in (k.value, k.value + "项")]
            if not kinds:
                col.error(
                    "unknown_kind",
                    f"类型“{clean_text(kind_cell.value)}”无效，应为 基础、加分、扣分 或 否决",
                    name,
                    kind_cell,
                    item_id,
                )
                continue
            kind = kinds[0]
        points_cell = row.get("分值")
        points = col.number(points_cell, name, "分值", item_id)
        if kind is ItemKind.VETO:
            if points is not None:
                col.warn("veto_points_ignored", "否决项不计分，分值已忽略", name, points_cell, item_id)
            points = None
        elif blank(points_cell):
            col.error(
                "missing_points", "分值不能为空（只有否决项可以不填）", name, points_cell or sheet.header_ref, item_id
            )
            continue
        elif points is None:
            continue
        elif points <= 0:
            col.error("not_positive", "分值必须大于0（扣分项填最多扣的分数）", name, points_cell, item_id)
            continue
        if not content:
            col.error("missing_content", "考核内容不能为空", name, row.get("考核内容"), item_id)
            continue
        if not category:
            col.error("missing_category", "条目缺少“类别”", name, row.get("类别") or sheet.header_ref, item_id)
            continue
        assert last_category is not None
        category_cells.setdefault(category, last_category)
        step_cell = row.get("步长")
        step = col.number(step_cell, name, "步长", item_id)
        if step is not None and step <= 0:
            col.error("not_positive", "步长必须大于0", name, step_cell, item_id)
            step = None
        effective = step if step is not None else (settings.step if settings else None)
        if effective is not None and points is not None and points % effective != 0:
            where = step_cell if step is not None else points_cell
            col.warn(
                "step_mismatch",
                f"分值 {format_decimal(points)} 不是步长 {format_decimal(effective)} 的整数倍，满分无法录入",
                name,
                where,
                item_id,
            )
        items.append(
            Item(
                id=item_id,
                category=category,
                content=content,
                kind=kind,
                points=points,
                rule=text_of(row, "评分标准"),
                method=text_of(row, "考核办法"),
                step=step,
                lead=text_of(row, "牵头单位"),
                hints=text_of(row, "评分要点"),
            )
        )
    if not items and not errors_in(col.problems):
        col.error("no_items", "条目表中没有任何条目（表头行下面应每行一个条目）", name, sheet.header_ref)
    return items, category_cells


def _build_categories(
    col: Collector,
    sheet: Sheet | None,
    items: list[Item],
    category_cells: dict[str, Cell],
    rater_names: set[str],
    check_sums: bool = True,
) -> list[Category]:
    base_sums: dict[str, Decimal] = {}
    order: list[str] = []
    for item in items:
        if item.category not in order:
            order.append(item.category)
        if item.kind is ItemKind.BASE and item.points is not None:
            base_sums[item.category] = base_sums.get(item.category, Decimal(0)) + item.points
    if sheet is None:
        return [Category(name, base_sums.get(name)) for name in order]
    rater_columns = [h for h in sheet.extra_headers if h in rater_names]
    for extra in sheet.extra_headers:
        if extra not in rater_names:
            col.warn(
                "unknown_column",
                f"不认识的列“{extra}”，已忽略（评分上限列的表头须与“来源”表中的评分表来源同名）",
                CATEGORIES_SHEET,
                sheet.extra_refs.get(extra, ""),
            )
    categories: list[Category] = []
    declared: dict[str, str] = {}
    for row in sheet.rows:
        name_cell = row.get("类别")
        name = text_of(row, "类别")
        if not name:
            continue
        if name in declared:
            col.error(
                "duplicate_category", f"类别“{name}”重复（首次出现在 {declared[name]}）", CATEGORIES_SHEET, name_cell
            )
            continue
        declared[name] = name_cell.ref if name_cell else ""
        cap_cell = row.get("分值")
        cap = col.number(cap_cell, CATEGORIES_SHEET, "类别分值")
        if cap is not None and cap <= 0:
            col.error("not_positive", "类别分值必须大于0（加分、扣分类别留空）", CATEGORIES_SHEET, cap_cell)
            cap = None
        rater_max: dict[str, Decimal] = {}
        for rater in rater_columns:
            value = col.number(row.get(rater), CATEGORIES_SHEET, f"{rater}上限")
            if value is not None and value < 0:
                col.error("negative", f"{rater}上限不能为负数", CATEGORIES_SHEET, row.get(rater))
            elif value is not None:
                rater_max[rater] = value
        # 封顶: the rubric says the items deliberately add up to more than the category's
        # 分值, which is then a ceiling (最高不超过…分), as in seed 004's 党建工作 (100.5).
        capped = col.yes_no(row.get("封顶"), CATEGORIES_SHEET, "封顶")
        if capped and cap is None:
            col.warn(
                "cap_flag_without_points",
                f"类别“{name}”标了封顶但没有分值，封顶已忽略",
                CATEGORIES_SHEET,
                row.get("封顶"),
            )
        if name in base_sums:
            if cap is None:
                cap = base_sums[name]
            elif cap != base_sums[name] and check_sums and not (capped and cap < base_sums[name]):
                hint = "；若条目分值之和超出类别分值是有意的，请在“封顶”列填“是”" if cap < base_sums[name] else ""
                col.warn(
                    "category_points_mismatch",
                    f"类别“{name}”分值 {format_decimal(cap)} 与其基础条目分值之和 {format_decimal(base_sums[name])} 不一致（以类别分值为上限），请核对{hint}",
                    CATEGORIES_SHEET,
                    cap_cell,
                )
        elif cap is not None:
            col.warn(
                "category_without_items", f"类别“{name}”没有基础条目，其分值不计入满分", CATEGORIES_SHEET, cap_cell
            )
            cap = None
        categories.append(Category(name, cap, rater_max))
    for name in order:
        if name not in declared:
            col.error(
                "unknown_category",
                f"条目使用的类别“{name}”不在“类别”表中，请在“类别”表加上这一行或改正类别名称",
                ITEMS_SHEET,
                category_cells.get(name),
            )
    return categories


def _build_sources(col: Collector, sheet: Sheet | None, categories: list[Category]) -> list[Source]:
    if sheet is None:
        # Without a 来源 sheet the result is the assessor group's score alone; self-scores
        # are collected and reconciled but weigh nothing.
        return [Source("自评", FormKind.SELF, Decimal(0)), Source("考核组", FormKind.ASSESSOR, Decimal(1))]
    sources: list[Source] = []
    for row in sheet.rows:
        name = normalize_label(text_of(row, "来源"))
        if not name:
            continue
        if any(s.name == name for s in sources):
            col.error("duplicate_source", f"来源“{name}”重复", SOURCES_SHEET, row.get("来源"))
            continue
        form_cell = row.get("表单")
        try:
            form = FormKind.from_label(normalize_label(form_cell.value) if form_cell else "")
        except ValueError as exc:
            guess = {"自评": FormKind.SELF, "考核组": FormKind.ASSESSOR}.get(name)
            if guess is None:
                col.error("unknown_form", str(exc), SOURCES_SHEET, form_cell or row.get("来源"))
                continue
            form = guess
        weight = col.number(row.get("权重"), SOURCES_SHEET, "权重")
        if weight is None:
            weight = Decimal(0) if form is FormKind.SELF else Decimal(1)
        if weight < 0:
            col.error("negative", "权重不能为负数", SOURCES_SHEET, row.get("权重"))
        scale = col.number(row.get("折算分制"), SOURCES_SHEET, "折算分制")
        if scale is not None and scale <= 0:
            col.error("not_positive", "折算分制必须大于0（不折算则留空）", SOURCES_SHEET, row.get("折算分制"))
            scale = None
        raters = tuple(dict.fromkeys(r for r in _LIST_SPLIT.split(text_of(row, "评分人")) if r))
        if form is FormKind.RATER:
            if not raters:
                col.error(
                    "missing_raters",
                    f"来源“{name}”是评分表，必须在“评分人”列列出评分人（用顿号分隔）",
                    SOURCES_SHEET,
                    row.get("评分人") or row.get("来源"),
                )
            if not any(name in c.rater_max for c in categories):
                col.error("missing_rater_max", f"“类别”表需要一列“{name}”，写出每个类别的评分上限", CATEGORIES_SHEET)
        sources.append(Source(name, form, weight, scale, raters))
    if not any(s.form is FormKind.SELF for s in sources):
        sources.insert(0, Source("自评", FormKind.SELF, Decimal(0)))
    if not any(s.form is FormKind.ASSESSOR for s in sources):
        col.error(
            "missing_source",
            "“来源”表必须包含一个考核组评分表来源（如：考核组 / 考核组评分表 / 1）",
            SOURCES_SHEET,
            sheet.header_ref,
        )
    total = sum((s.weight for s in sources), Decimal(0))
    if sources and total != 1:
        col.warn(
            "weights_not_one", f"各来源权重之和为 {format_decimal(total)}，不是 1", SOURCES_SHEET, sheet.header_ref
        )
    return sources
