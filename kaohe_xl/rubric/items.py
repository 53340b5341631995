"""The 条目 and 类别 sheets → items and categories, with located problems.

Private to :mod:`kaohe_xl.rubric.load`. Each row is judged on its own (id, kind, points,
step, 取高组); the categories are then built from the 类别 sheet (or, without one, from
the items in order) with their caps, rater maxima and 计分方式.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kaohe_xl.problems import errors_in
from kaohe_xl.rubric.model import Category, Item, ItemKind, Settings
from kaohe_xl.rubric.settings import Collector, blank, item_id_of, text_of
from kaohe_xl.rubric.sheets import CATEGORIES_SHEET, ITEMS_SHEET, Cell, Row, Sheet
from kaohe_xl.textnorm import clean_text, format_decimal, normalize_label

# 计分方式 of a category: the usual sum of scores, or 扣分制 (items are deductions).
SCORING_SUM = ("加分制", "累加", "累计", "得分制", "")
SCORING_DEDUCTION = ("扣分制", "扣分", "扣完为止")


@dataclass
class ItemSheet:
    """The items read, the cell where each category is first used, each item's row."""

    items: list[Item] = field(default_factory=list)
    category_cells: dict[str, Cell] = field(default_factory=dict)
    rows: dict[str, Row] = field(default_factory=dict)  # item id → its cells (for located messages)


def build_items(col: Collector, sheet: Sheet, settings: Settings | None) -> ItemSheet:
    """The items of the 条目 sheet, each row judged on its own."""
    name = sheet.name
    out = ItemSheet()
    seen: dict[str, str] = {}
    for required in ("考核内容", "分值", "类别"):
        if sheet.rows and not any(required in row for row in sheet.rows):
            col.error("missing_column", f"条目表缺少“{required}”列，请在表头行加上", name, sheet.header_ref)
    for extra in sheet.extra_headers:
        col.warn("unknown_column", f"不认识的列“{extra}”，已忽略", name, sheet.extra_refs.get(extra, ""))
    last_category: Cell | None = None
    for row in sheet.rows:
        # A merged category cell only carries its value in the first row of the merge
        # (Excel stores the value in the top-left cell only), so a blank 类别 continues
        # the category above.
        if not blank(row.get("类别")):
            last_category = row["类别"]
        item = _item(col, sheet, row, last_category, seen, settings)
        if item is None:
            continue
        assert last_category is not None
        out.category_cells.setdefault(item.category, last_category)
        out.items.append(item)
        out.rows[item.id] = row
    if not out.items and not errors_in(col.problems):
        col.error("no_items", "条目表中没有任何条目（表头行下面应每行一个条目）", name, sheet.header_ref)
    return out


def _item(
    col: Collector, sheet: Sheet, row: Row, last_category: Cell | None, seen: dict[str, str], settings: Settings | None
) -> Item | None:
    """One 条目 row as an item, or None (with the problem reported) when it cannot be one."""
    name = sheet.name
    id_cell = row.get("编号")
    item_id = item_id_of(id_cell)
    content = text_of(row, "考核内容")
    category = clean_text(last_category.value) if last_category else ""
    if not item_id:
        if content:
            col.error("missing_id", "条目缺少“编号”，每个条目都要有唯一编号", name, id_cell or row.get("考核内容"))
        return None
    if item_id in seen:
        message = f"编号“{item_id}”重复（首次出现在 {seen[item_id]}），请改为唯一编号"
        col.error("duplicate_id", message, name, id_cell, item_id)
        return None
    seen[item_id] = id_cell.ref if id_cell else ""
    kind = _kind(col, name, row.get("类型"), item_id)
    if kind is None:
        return None
    ok, points = _points(col, sheet, row, kind, item_id)
    if not ok:
        return None
    if not content:
        col.error("missing_content", "考核内容不能为空", name, row.get("考核内容"), item_id)
        return None
    if not category:
        col.error("missing_category", "条目缺少“类别”", name, row.get("类别") or sheet.header_ref, item_id)
        return None
    step = _step(col, name, row, points, item_id, settings)
    best_of = normalize_label(text_of(row, "取高组"))
    if best_of and kind is ItemKind.VETO:
        col.error("bad_best_of", "否决项不计分，不能填“取高组”", name, row.get("取高组"), item_id)
        best_of = ""
    return Item(
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
        best_of=best_of,
    )


def _kind(col: Collector, name: str, cell: Cell | None, item_id: str) -> ItemKind | None:
    if blank(cell):
        return ItemKind.BASE
    assert cell is not None
    label = normalize_label(cell.value)
    kinds = [k for k in ItemKind if label in (k.value, k.value + "项")]
    if not kinds:
        message = f"类型“{clean_text(cell.value)}”无效，应为 基础、加分、扣分 或 否决"
        col.error("unknown_kind", message, name, cell, item_id)
        return None
    return kinds[0]


def _points(col: Collector, sheet: Sheet, row: Row, kind: ItemKind, item_id: str) -> tuple[bool, Decimal | None]:
    """(usable, 分值): None for 否决 items."""
    name = sheet.name
    cell = row.get("分值")
    points = col.number(cell, name, "分值", item_id)
    if kind is ItemKind.VETO:
        if points is not None:
            col.warn("veto_points_ignored", "否决项不计分，分值已忽略", name, cell, item_id)
        return True, None
    if blank(cell):
        col.error("missing_points", "分值不能为空（只有否决项可以不填）", name, cell or sheet.header_ref, item_id)
        return False, None
    if points is None:
        return False, None
    if points <= 0:
        col.error("not_positive", "分值必须大于0（扣分项填最多扣的分数）", name, cell, item_id)
        return False, None
    return True, points


def _step(
    col: Collector, name: str, row: Row, points: Decimal | None, item_id: str, settings: Settings | None
) -> Decimal | None:
    cell = row.get("步长")
    step = col.number(cell, name, "步长", item_id)
    if step is not None and step <= 0:
        col.error("not_positive", "步长必须大于0", name, cell, item_id)
        step = None
    effective = step if step is not None else (settings.step if settings else None)
    if effective is not None and points is not None and points % effective != 0:
        where = cell if step is not None else row.get("分值")
        col.warn(
            "step_mismatch",
            f"分值 {format_decimal(points)} 不是步长 {format_decimal(effective)} 的整数倍，满分无法录入",
            name,
            where,
            item_id,
        )
    return step


# --------------------------------------------------------------------------- categories
def build_categories(
    col: Collector, sheet: Sheet | None, read: ItemSheet, rater_names: set[str], check_sums: bool = True
) -> list[Category]:
    """The categories in display order: the 类别 sheet's rows, or the items' order without one."""
    items = read.items
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
            message = f"类别“{name}”重复（首次出现在 {declared[name]}）"
            col.error("duplicate_category", message, CATEGORIES_SHEET, name_cell)
            continue
        declared[name] = name_cell.ref if name_cell else ""
        category = _category(col, row, name, base_sums, rater_columns, check_sums)
        if category is not None:
            categories.append(category)
    for name in order:
        if name not in declared:
            col.error(
                "unknown_category",
                f"条目使用的类别“{name}”不在“类别”表中，请在“类别”表加上这一行或改正类别名称",
                ITEMS_SHEET,
                read.category_cells.get(name),
            )
    _check_deduction_items(col, categories, read)
    return categories


def _category(
    col: Collector, row: Row, name: str, base_sums: dict[str, Decimal], rater_columns: list[str], check_sums: bool
) -> Category | None:
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
    deduction = _scoring(col, row.get("计分方式"))
    if deduction:
        if name not in base_sums or blank(cap_cell) or cap is None:
            message = f"扣分制类别“{name}”必须填写分值（扣完为止的总分，如 20），且至少有一个条目"
            col.error("deduction_without_points", message, CATEGORIES_SHEET, cap_cell or row.get("计分方式"))
            return None
        # The items' 分值 are the largest deduction each: they need not add up to the cap.
        return Category(name, cap, rater_max, deduction=True)
    # 封顶: the rubric says the items deliberately add up to more than the category's
    # 分值, which is then a ceiling (最高不超过…分), as in seed 004's 党建工作 (100.5).
    capped = col.yes_no(row.get("封顶"), CATEGORIES_SHEET, "封顶")
    if capped and cap is None:
        message = f"类别“{name}”标了封顶但没有分值，封顶已忽略"
        col.warn("cap_flag_without_points", message, CATEGORIES_SHEET, row.get("封顶"))
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
        message = f"类别“{name}”没有基础条目，其分值不计入满分"
        col.warn("category_without_items", message, CATEGORIES_SHEET, cap_cell)
        cap = None
    return Category(name, cap, rater_max)


def _scoring(col: Collector, cell: Cell | None) -> bool:
    """True for 计分方式 扣分制; blank or 加分制 is the usual sum."""
    text = normalize_label(cell.value) if cell is not None else ""
    if text in SCORING_DEDUCTION:
        return True
    if text not in SCORING_SUM:
        message = (
            f"计分方式“{clean_text(cell.value) if cell else ''}”无效：填“扣分制”（条目按扣分填写，扣完为止），或留空"
        )
        col.error("bad_scoring", message, CATEGORIES_SHEET, cell)
    return False


def _check_deduction_items(col: Collector, categories: list[Category], read: ItemSheet) -> None:
    """A 扣分制 category's items are its deductions: 加分 and 扣分 items do not belong there."""
    deduction = {c.name for c in categories if c.deduction}
    for item in read.items:
        if item.category in deduction and item.kind in (ItemKind.BONUS, ItemKind.PENALTY):
            col.error(
                "kind_in_deduction_category",
                f"条目 {item.id} 在扣分制类别“{item.category}”中，类型却是“{item.kind.value}”：扣分制类别的条目"
                "填写扣减的分数，类型请留空（“扣分”条目从总分中扣减，不受类别分值限制，请放到其他类别）",
                ITEMS_SHEET,
                read.rows[item.id].get("类型"),
                item.id,
            )
