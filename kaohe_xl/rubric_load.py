"""Reading a rubric from a 细则 workbook or its YAML twin, with located problems.

Both formats use the same Chinese sheet/key names (条目, 类别, 设置, 来源) and go
through one builder, so they accept exactly the same rubrics. Every problem found is
collected; if any is an error, :class:`~kaohe_xl.errors.RubricError` carries them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import RubricError
from .problems import Problem, errors_in, warnings_in
from .rubric import (
    Aggregation,
    Category,
    FormKind,
    Grade,
    Item,
    ItemKind,
    Rubric,
    Settings,
    Source,
)
from .textnorm import clean_text, format_decimal, normalize_label, parse_decimal

ITEMS_SHEET = "条目"
CATEGORIES_SHEET = "类别"
SETTINGS_SHEET = "设置"
SOURCES_SHEET = "来源"

# canonical header -> accepted spellings (compared after normalize_label)
ITEM_HEADERS: dict[str, tuple[str, ...]] = {
    "编号": ("编号", "序号", "条目编号", "ID"),
    "类别": ("类别", "栏目", "专项", "类别名称"),
    "考核内容": ("考核内容", "内容", "考核项目"),
    "分值": ("分值", "分数"),
    "类型": ("类型", "条目类型"),
    "评分标准": ("评分标准", "扣分标准"),
    "考核办法": ("考核办法", "考核方法"),
    "步长": ("步长",),
    "牵头单位": ("牵头单位", "责任单位"),
    "评分要点": ("评分要点",),
}
CATEGORY_HEADERS: dict[str, tuple[str, ...]] = {
    "类别": ("类别", "栏目", "类别名称"),
    "分值": ("分值", "分数", "满分"),
}
SOURCE_HEADERS: dict[str, tuple[str, ...]] = {
    "来源": ("来源", "名称", "评分来源"),
    "表单": ("表单", "表单类型"),
    "权重": ("权重",),
    "折算分制": ("折算分制", "分制"),
    "评分人": ("评分人",),
}
SETTING_KEYS = (
    "考核名称",
    "年度",
    "满分",
    "加分上限",
    "加分门槛",
    "合格线",
    "等次",
    "差异阈值",
    "否决等次",
    "多人评分",
    "步长",
    "截止日期",
    "联系人",
    "联系电话",
    "保护密码",
)
DEFAULT_GRADES = "优秀>=90;良好>=80;合格>=60;不合格"

_GRADE_PART = re.compile(r"^(?P<label>[^>≥]+?)(?:(?:>=|≥)(?P<min>.+))?$")
_LIST_SPLIT = re.compile(r"[、,;；\s]+")


@dataclass(frozen=True)
class _Cell:
    value: Any
    ref: str  # "C14" in a workbook, "[3]" in YAML


_Row = dict[str, _Cell]  # canonical header -> cell


@dataclass
class _Sheet:
    """A sheet (or YAML list) as header-keyed rows, plus unknown extra columns."""

    name: str
    rows: list[_Row]
    extra_headers: list[str]  # headers that are not canonical (e.g. rater maxima)


# --------------------------------------------------------------------------- readers
def load_rubric(path: str | Path) -> Rubric:
    """Load a rubric from ``.xlsx``/``.xlsm`` or ``.yaml``/``.yml``.

    Raises :class:`RubricError` listing every error (file, sheet, cell, rule broken);
    warnings (e.g. category points that do not add up) are kept in ``rubric.warnings``.
    """
    path = Path(path)
    if not path.exists():
        raise RubricError(f"找不到细则文件 {path}")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        sheets, settings, problems = _read_workbook(path)
    elif suffix in (".yaml", ".yml"):
        sheets, settings, problems = _read_yaml(path)
    else:
        raise RubricError(f"{path.name}: 细则应为 .xlsx 或 .yaml 文件，不支持 {suffix or '无扩展名'}")
    return _build(path.name, sheets, settings, problems)


def _read_workbook(path: Path) -> tuple[dict[str, _Sheet], dict[str, _Cell], list[Problem]]:
    import openpyxl  # local: the YAML path does not need it

    try:
        # data_only: a rubric authored in Excel may sum category points with formulas
        wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise RubricError(f"{path.name}: 无法打开细则工作簿（{type(exc).__name__}: {exc}）") from exc
    problems: list[Problem] = []
    sheets: dict[str, _Sheet] = {}
    settings: dict[str, _Cell] = {}
    titles = {normalize_label(title): title for title in wb.sheetnames}
    try:
        for canonical, headers in (
            (ITEMS_SHEET, ITEM_HEADERS),
            (CATEGORIES_SHEET, CATEGORY_HEADERS),
            (SOURCES_SHEET, SOURCE_HEADERS),
        ):
            title = titles.get(canonical)
            if title is None:
                continue
            ws = wb[title]
            ws.reset_dimensions()  # WPS may write a wrong <dimension>
            sheet = _rows_from_grid(path.name, canonical, ws.iter_rows(values_only=True), headers)
            if isinstance(sheet, Problem):
                problems.append(sheet)
            else:
                sheets[canonical] = sheet
        title = titles.get(SETTINGS_SHEET)
        if title is not None:
            ws = wb[title]
            ws.reset_dimensions()
            for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
                if not row or row[0] is None:
                    continue
                key = normalize_label(row[0])
                if key in ("项目", "设置项", "键", "名称") or key == "":
                    continue
                value = row[1] if len(row) > 1 else None
                settings[key] = _Cell(value, f"B{r}")
            sheets[SETTINGS_SHEET] = _Sheet(SETTINGS_SHEET, [], [])
    finally:
        wb.close()
    return sheets, settings, problems


def _rows_from_grid(
    file: str,
    sheet_name: str,
    grid: Iterable[tuple[Any, ...]],
    headers: dict[str, tuple[str, ...]],
) -> _Sheet | Problem:
    """Find the header row (within the first 10 rows) and key each data row by header."""
    from openpyxl.utils import get_column_letter

    lookup = {normalize_label(alias): canon for canon, aliases in headers.items() for alias in aliases}
    first_key = normalize_label(next(iter(headers)))
    columns: dict[int, str] | None = None
    extra: list[str] = []
    rows: list[_Row] = []
    header_row = 0
    for r, values in enumerate(grid, start=1):
        if columns is None:
            labels = [normalize_label(v) for v in values]
            if any(lookup.get(label) == next(iter(headers)) or label == first_key for label in labels):
                columns = {}
                for c, label in enumerate(labels):
                    if not label:
                        continue
                    canon = lookup.get(label)
                    if canon is None:
                        extra.append(label)
                        canon = label
                    columns[c] = canon
                header_row = r
            elif r >= 10:
                break
            continue
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        row: _Row = {}
        for c, canon in columns.items():
            value = values[c] if c < len(values) else None
            row[canon] = _Cell(value, f"{get_column_letter(c + 1)}{r}")
        rows.append(row)
    if columns is None:
        return Problem(
            "missing_header",
            f"前10行中找不到表头“{next(iter(headers))}”，请保留表头行",
            file=file,
            sheet=sheet_name,
        )
    del header_row
    return _Sheet(sheet_name, rows, extra)


def _read_yaml(path: Path) -> tuple[dict[str, _Sheet], dict[str, _Cell], list[Problem]]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RubricError(f"{path.name}: YAML 格式错误（{exc}）") from exc
    if not isinstance(data, dict):
        raise RubricError(f"{path.name}: YAML 顶层应为映射，包含 设置、类别、来源、条目")
    problems: list[Problem] = []
    keyed = {normalize_label(k): v for k, v in data.items()}
    sheets: dict[str, _Sheet] = {}
    for canonical, headers in (
        (ITEMS_SHEET, ITEM_HEADERS),
        (CATEGORIES_SHEET, CATEGORY_HEADERS),
        (SOURCES_SHEET, SOURCE_HEADERS),
    ):
        if canonical not in keyed:
            continue
        entries = keyed[canonical]
        if not isinstance(entries, list):
            problems.append(Problem("bad_yaml", f"“{canonical}”应为列表", file=path.name, sheet=canonical))
            continue
        lookup = {normalize_label(a): canon for canon, aliases in headers.items() for a in aliases}
        rows: list[_Row] = []
        extra: set[str] = set()
        for index, entry in enumerate(entries, start=1):
            if not isinstance(entry, dict):
                problems.append(
                    Problem("bad_yaml", "每一项应为映射", file=path.name, sheet=canonical, cell=f"[{index}]")
                )
                continue
            row: _Row = {}
            for key, value in entry.items():
                label = normalize_label(key)
                canon = lookup.get(label)
                if canon is None:
                    extra.add(label)
                    canon = label
                row[canon] = _Cell(value, f"[{index}]")
            rows.append(row)
        sheets[canonical] = _Sheet(canonical, rows, sorted(extra))
    settings: dict[str, _Cell] = {}
    if SETTINGS_SHEET in keyed:
        raw = keyed[SETTINGS_SHEET]
        if isinstance(raw, dict):
            sheets[SETTINGS_SHEET] = _Sheet(SETTINGS_SHEET, [], [])
            settings = {normalize_label(k): _Cell(v, f"[{k}]") for k, v in raw.items()}
        else:
            problems.append(Problem("bad_yaml", "“设置”应为映射", file=path.name, sheet=SETTINGS_SHEET))
    return sheets, settings, problems


# --------------------------------------------------------------------------- builder
class _Collector:
    """Collects problems for one file while the builder runs."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems

    def error(self, code: str, message: str, sheet: str = "", cell: _Cell | None = None, item: str = "") -> None:
        self._add(code, message, sheet, cell, item, "error")

    def warn(self, code: str, message: str, sheet: str = "", cell: _Cell | None = None, item: str = "") -> None:
        self._add(code, message, sheet, cell, item, "warning")

    def _add(self, code: str, message: str, sheet: str, cell: _Cell | None, item: str, severity: str) -> None:
        self.problems.append(
            Problem(
                code,
                message,
                file=self.file,
                sheet=sheet,
                cell=cell.ref if cell else "",
                item=item,
                value="" if cell is None or cell.value is None else clean_text(cell.value),
                severity="error" if severity == "error" else "warning",
            )
        )

    def number(self, cell: _Cell | None, sheet: str, what: str, item: str = "") -> Decimal | None:
        if cell is None:
            return None
        try:
            return parse_decimal(cell.value)
        except ValueError:
            self.error("not_a_number", f"{what}“{clean_text(cell.value)}”不是数字", sheet, cell, item)
            return None


def _text(row: _Row, key: str) -> str:
    cell = row.get(key)
    return clean_text(cell.value) if cell else ""


def _item_id(cell: _Cell | None) -> str:
    if cell is None or cell.value is None:
        return ""
    value = cell.value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalize_label(value)


def _build(file: str, sheets: dict[str, _Sheet], raw_settings: dict[str, _Cell], problems: list[Problem]) -> Rubric:
    col = _Collector(file, problems)
    for required in (ITEMS_SHEET, SETTINGS_SHEET):
        if required not in sheets:
            col.error("missing_sheet", f"缺少必需的工作表“{required}”", sheet=required)
    settings = _build_settings(col, raw_settings) if SETTINGS_SHEET in sheets else None
    items = _build_items(col, sheets[ITEMS_SHEET]) if ITEMS_SHEET in sheets else []
    categories = _build_categories(col, sheets.get(CATEGORIES_SHEET), items)
    if settings is not None and categories:
        base_total = sum((c.cap for c in categories if c.cap is not None), Decimal(0))
        if base_total != settings.full_marks:
            col.warn(
                "full_marks_mismatch",
                f"满分 {format_decimal(settings.full_marks)} 与各类别分值之和 {format_decimal(base_total)} 不一致",
                SETTINGS_SHEET,
                raw_settings.get("满分"),
            )
    sources = _build_sources(col, sheets.get(SOURCES_SHEET), categories)
    errors = errors_in(col.problems)
    if errors or settings is None:
        raise RubricError(f"{file}: 细则有 {len(errors)} 处错误，请修改后重试", errors + warnings_in(col.problems))
    try:
        return Rubric(settings, tuple(categories), tuple(items), tuple(sources), tuple(warnings_in(col.problems)))
    except ValueError as exc:  # pragma: no cover - the builder checks these first
        raise RubricError(f"{file}: {exc}", col.problems) from exc


def _build_settings(col: _Collector, raw: dict[str, _Cell]) -> Settings | None:
    sheet = SETTINGS_SHEET
    for key in raw:
        if key not in SETTING_KEYS:
            col.warn("unknown_setting", f"不认识的设置项“{key}”，已忽略", sheet, raw[key])
    name_cell = raw.get("考核名称")
    name = clean_text(name_cell.value) if name_cell else ""
    if not name:
        col.error("missing_setting", "必须填写“考核名称”", sheet, name_cell)
    full_cell = raw.get("满分")
    full = col.number(full_cell, sheet, "满分")
    if full_cell is None or full_cell.value is None:
        col.error("missing_setting", "必须填写“满分”", sheet, full_cell)
    elif full is not None and full <= 0:
        col.error("not_positive", "满分必须大于0", sheet, full_cell)

    def num(key: str, default: Decimal | None) -> Decimal | None:
        cell = raw.get(key)
        if cell is None or cell.value is None or clean_text(cell.value) == "":
            return default
        value = col.number(cell, sheet, key)
        if value is not None and value < 0:
            col.error("negative", f"{key}不能为负数", sheet, cell)
        return value if value is not None else default

    grades_cell = raw.get("等次")
    grades = _parse_grades(col, grades_cell)
    aggregation = Aggregation.MEAN
    agg_cell = raw.get("多人评分")
    if agg_cell is not None and clean_text(agg_cell.value):
        text = normalize_label(agg_cell.value)
        matches = [a for a in Aggregation if normalize_label(a.value) == text]
        if matches:
            aggregation = matches[0]
        else:
            col.error("bad_setting", "多人评分应为“平均”或“去掉最高分和最低分”", sheet, agg_cell)
    step = num("步长", Decimal("0.1"))
    if step is not None and step <= 0:
        col.error("not_positive", "步长必须大于0", sheet, raw.get("步长"))
    if full is None or not name:
        return None

    def text_of(key: str, default: str = "") -> str:
        cell = raw.get(key)
        return clean_text(cell.value) if cell and cell.value is not None else default

    return Settings(
        name=name,
        year=text_of("年度"),
        full_marks=full,
        bonus_cap=num("加分上限", Decimal(0)) or Decimal(0),
        bonus_threshold=num("加分门槛", Decimal(0)) or Decimal(0),
        pass_line=num("合格线", None),
        grades=grades,
        diff_threshold=num("差异阈值", Decimal(1)) or Decimal(1),
        veto_grade=text_of("否决等次", "不达标"),
        aggregation=aggregation,
        step=step if step and step > 0 else Decimal("0.1"),
        deadline=text_of("截止日期"),
        contact=text_of("联系人"),
        phone=text_of("联系电话"),
        password=text_of("保护密码"),
    )


def _parse_grades(col: _Collector, cell: _Cell | None) -> tuple[Grade, ...]:
    text = DEFAULT_GRADES if cell is None or not clean_text(cell.value) else normalize_label(cell.value)
    grades: list[Grade] = []
    for part in (p for p in re.split(r"[;；]", text) if p):
        match = _GRADE_PART.match(part)
        if not match:
            col.error("bad_grades", f"等次“{part}”应写成 名称>=分数，最后一档只写名称", SETTINGS_SHEET, cell)
            continue
        minimum = None
        if match.group("min") is not None:
            try:
                minimum = parse_decimal(match.group("min"))
            except ValueError:
                col.error("bad_grades", f"等次“{part}”的分数不是数字", SETTINGS_SHEET, cell)
                continue
        grades.append(Grade(match.group("label"), minimum))
    thresholds = [g.minimum for g in grades if g.minimum is not None]
    if thresholds != sorted(thresholds, reverse=True):
        col.error("bad_grades", "等次应从高到低排列", SETTINGS_SHEET, cell)
    if grades and grades[-1].minimum is not None:
        col.warn(
            "bad_grades", "等次最后一档没有兜底名称（如“不合格”），低于最低线的单位将没有等次", SETTINGS_SHEET, cell
        )
    return tuple(grades)


def _build_items(col: _Collector, sheet: _Sheet) -> list[Item]:
    name = sheet.name
    items: list[Item] = []
    seen: dict[str, str] = {}
    if sheet.rows and not any("分值" in row for row in sheet.rows):
        col.error("missing_column", "条目表缺少“分值”列", name)
    if sheet.rows and not any("考核内容" in row for row in sheet.rows):
        col.error("missing_column", "条目表缺少“考核内容”列", name)
    if sheet.rows and not any("类别" in row for row in sheet.rows):
        col.error("missing_column", "条目表缺少“类别”列", name)
    last_category = ""
    for row in sheet.rows:
        id_cell = row.get("编号")
        item_id = _item_id(id_cell)
        content = _text(row, "考核内容")
        # A merged category cell only carries its value in the first row of the merge.
        category = _text(row, "类别") or last_category
        last_category = category
        if not item_id:
            if content:
                col.error("missing_id", "条目缺少“编号”", name, id_cell or row.get("考核内容"))
            continue
        if item_id in seen:
            col.error("duplicate_id", f"编号“{item_id}”重复（首次出现在 {seen[item_id]}）", name, id_cell, item_id)
            continue
        seen[item_id] = id_cell.ref if id_cell else ""
        kind_cell = row.get("类型")
        kind = ItemKind.BASE
        if kind_cell is not None and clean_text(kind_cell.value):
            label = normalize_label(kind_cell.value)
            kinds = [k for k in ItemKind if k.value == label or k.value + "项" == label]
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
            points = None
        elif points_cell is None or points_cell.value is None or clean_text(points_cell.value) == "":
            col.error("missing_points", "分值不能为空（只有否决项可以不填）", name, points_cell, item_id)
            continue
        elif points is None:
            continue
        elif points <= 0:
            col.error("not_positive", "分值必须大于0", name, points_cell, item_id)
            continue
        if not content:
            col.error("missing_content", "考核内容不能为空", name, row.get("考核内容"), item_id)
            continue
        if not category:
            col.error("missing_category", "条目缺少“类别”", name, row.get("类别"), item_id)
            continue
        step = col.number(row.get("步长"), name, "步长", item_id)
        if step is not None and step <= 0:
            col.error("not_positive", "步长必须大于0", name, row.get("步长"), item_id)
            step = None
        if step is not None and points is not None and points % step != 0:
            col.warn(
                "step_mismatch",
                f"分值 {format_decimal(points)} 不是步长 {format_decimal(step)} 的整数倍",
                name,
                row.get("步长"),
                item_id,
            )
        items.append(
            Item(
                id=item_id,
                category=category,
                content=content,
                kind=kind,
                points=points,
                rule=_text(row, "评分标准"),
                method=_text(row, "考核办法"),
                step=step,
                lead=_text(row, "牵头单位"),
                hints=_text(row, "评分要点"),
            )
        )
    if not items and not errors_in(col.problems):
        col.error("no_items", "条目表中没有任何条目", name)
    return items


def _build_categories(col: _Collector, sheet: _Sheet | None, items: list[Item]) -> list[Category]:
    base_sums: dict[str, Decimal] = {}
    order: list[str] = []
    for item in items:
        if item.category not in order:
            order.append(item.category)
        if item.kind is ItemKind.BASE and item.points is not None:
            base_sums[item.category] = base_sums.get(item.category, Decimal(0)) + item.points
    if sheet is None:
        return [Category(name, base_sums.get(name)) for name in order]
    categories: list[Category] = []
    declared: set[str] = set()
    for row in sheet.rows:
        name_cell = row.get("类别")
        name = _text(row, "类别")
        if not name:
            continue
        if name in declared:
            col.error("duplicate_category", f"类别“{name}”重复", CATEGORIES_SHEET, name_cell)
            continue
        declared.add(name)
        cap_cell = row.get("分值")
        cap = col.number(cap_cell, CATEGORIES_SHEET, "类别分值")
        rater_max: dict[str, Decimal] = {}
        for extra in sheet.extra_headers:
            value = col.number(row.get(extra), CATEGORIES_SHEET, f"{extra}分值")
            if value is not None:
                rater_max[extra] = value
        if name in base_sums:
            if cap is None:
                cap = base_sums[name]
            elif cap != base_sums[name]:
                col.warn(
                    "category_points_mismatch",
                    f"类别“{name}”分值 {format_decimal(cap)} 与其基础条目分值之和 {format_decimal(base_sums[name])} 不一致（以类别分值为上限）",
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
            col.error("unknown_category", f"条目使用的类别“{name}”不在“类别”表中", ITEMS_SHEET)
    return categories


def _build_sources(col: _Collector, sheet: _Sheet | None, categories: list[Category]) -> list[Source]:
    if sheet is None:
        # Without a 来源 sheet the result is the assessor group's score alone; self-scores
        # are collected and reconciled but weigh nothing.
        return [
            Source("自评", FormKind.SELF, Decimal(0)),
            Source("考核组", FormKind.ASSESSOR, Decimal(1)),
        ]
    sources: list[Source] = []
    for row in sheet.rows:
        name = _text(row, "来源")
        if not name:
            continue
        form_cell = row.get("表单")
        try:
            form = FormKind.from_label(normalize_label(form_cell.value) if form_cell else "")
        except ValueError as exc:
            guess = {"自评": FormKind.SELF, "考核组": FormKind.ASSESSOR}.get(name)
            if guess is None:
                col.error("unknown_form", str(exc), SOURCES_SHEET, form_cell)
                continue
            form = guess
        weight = col.number(row.get("权重"), SOURCES_SHEET, "权重")
        if weight is None:
            weight = Decimal(0) if form is FormKind.SELF else Decimal(1)
        if weight < 0:
            col.error("negative", "权重不能为负数", SOURCES_SHEET, row.get("权重"))
        scale = col.number(row.get("折算分制"), SOURCES_SHEET, "折算分制")
        if scale is not None and scale <= 0:
            col.error("not_positive", "折算分制必须大于0", SOURCES_SHEET, row.get("折算分制"))
            scale = None
        raters = tuple(r for r in _LIST_SPLIT.split(_text(row, "评分人")) if r)
        if form is FormKind.RATER:
            if not raters:
                col.error(
                    "missing_raters",
                    f"来源“{name}”是评分表，必须在“评分人”列列出评分人",
                    SOURCES_SHEET,
                    row.get("来源"),
                )
            if not any(name in c.rater_max for c in categories):
                col.error("missing_rater_max", f"“类别”表需要一列“{name}”，写出每个类别的评分上限", CATEGORIES_SHEET)
        sources.append(Source(name, form, weight, scale, raters))
    if not any(s.form is FormKind.SELF for s in sources):
        sources.insert(0, Source("自评", FormKind.SELF, Decimal(0)))
    if not any(s.form is FormKind.ASSESSOR for s in sources):
        col.error("missing_source", "“来源”表必须包含一个考核组评分表来源", SOURCES_SHEET)
    total = sum((s.weight for s in sources), Decimal(0))
    if sources and total != 1:
        col.warn("weights_not_one", f"各来源权重之和为 {format_decimal(total)}，不是 1", SOURCES_SHEET)
    return sources


def iter_problem_lines(problems: Iterable[Problem]) -> Iterator[str]:
    """One line per problem, for printing."""
    for problem in problems:
        yield problem.describe()
