"""Reading the raw tables of a rubric: workbook sheets or YAML lists, keyed by header.

This is the first step of :func:`kaohe_xl.rubric_load.load_rubric`: it turns a 细则
workbook (or its YAML twin) into rows of cells keyed by canonical header, each cell with
its location (``C14`` in a workbook, ``[3].分值`` in YAML). It judges nothing beyond
the table shape (missing header row, duplicate column); the builder does the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kaohe_xl.errors import RubricError
from kaohe_xl.problems import Problem
from kaohe_xl.textnorm import normalize_label
from kaohe_xl.xlsx.grid import SheetGrid, read_grids
from kaohe_xl.xlsx.ooxml import column_letter

ITEMS_SHEET = "条目"
CATEGORIES_SHEET = "类别"
SETTINGS_SHEET = "设置"
SOURCES_SHEET = "来源"

# canonical header -> accepted spellings (compared after normalize_label + casefold)
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
    "取高组": ("取高组", "就高不就低", "取高分组"),
}
CATEGORY_HEADERS: dict[str, tuple[str, ...]] = {
    "类别": ("类别", "栏目", "专项", "类别名称"),
    "分值": ("分值", "分数", "满分"),
    "封顶": ("封顶", "超出封顶", "封顶计分"),
    "计分方式": ("计分方式", "计分办法"),
}
SOURCE_HEADERS: dict[str, tuple[str, ...]] = {
    "来源": ("来源", "名称", "评分来源"),
    "表单": ("表单", "表单类型"),
    "权重": ("权重",),
    "折算分制": ("折算分制", "分制"),
    "评分人": ("评分人",),
    "计入条目": ("计入条目", "计入项目"),
}
TABLES = ((ITEMS_SHEET, ITEM_HEADERS), (CATEGORIES_SHEET, CATEGORY_HEADERS), (SOURCES_SHEET, SOURCE_HEADERS))
# First-column labels of a 设置 header row (skipped, not read as a setting)
_SETTINGS_HEADER_KEYS = ("项目", "设置项", "键", "名称", "设置")
# How far down a header row may sit (a title row or two above it is common)
HEADER_SEARCH_ROWS = 10


def label_key(value: object) -> str:
    """A header/key made comparable: no spaces, full-width folded, case-folded, no trailing colon."""
    return normalize_label(value).casefold().rstrip(":")


@dataclass(frozen=True)
class Cell:
    """A value with where it came from."""

    value: Any
    ref: str  # "C14" in a workbook, "[3].分值" in YAML


Row = dict[str, Cell]  # canonical header (or the extra header's own label) -> cell


@dataclass
class Sheet:
    """A sheet (or YAML list) as header-keyed rows."""

    name: str
    rows: list[Row]
    extra_headers: list[str] = field(default_factory=list)  # headers that are not canonical
    header_ref: str = ""  # "A1:I1": where the header row is (for missing-column messages)
    extra_refs: dict[str, str] = field(default_factory=dict)  # extra header -> its cell


@dataclass
class RawRubric:
    """Everything read from one file, before any judgement."""

    sheets: dict[str, Sheet] = field(default_factory=dict)
    settings: dict[str, Cell] = field(default_factory=dict)  # label_key(key) -> value cell
    setting_labels: dict[str, str] = field(default_factory=dict)  # label_key(key) -> key as written
    problems: list[Problem] = field(default_factory=list)


def _lookup(headers: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {label_key(alias): canon for canon, aliases in headers.items() for alias in aliases}


# --------------------------------------------------------------------------- workbook
def read_workbook(path: Path) -> RawRubric:
    """Read the 条目/类别/来源/设置 sheets of a 细则 workbook."""
    try:
        # values as saved: a rubric authored in Excel may sum category points with formulas
        grids = {grid.title: grid for grid in read_grids(path.read_bytes())}
    except Exception as exc:  # a damaged or non-xlsx file: zip, XML or I/O errors
        raise RubricError(
            f"{path.name}: 无法打开细则工作簿（{type(exc).__name__}: {exc}）；请确认它是用 Excel/WPS 保存的 .xlsx 文件"
        ) from exc
    raw = RawRubric()
    titles = {label_key(title): title for title in grids}
    for canonical, headers in TABLES:
        grid = _worksheet(grids, titles, canonical, path.name, raw)
        if grid is not None:
            sheet = rows_from_grid(path.name, canonical, (tuple(r) for r in grid.rows), headers, raw.problems)
            if sheet is not None:
                raw.sheets[canonical] = sheet
    grid = _worksheet(grids, titles, SETTINGS_SHEET, path.name, raw)
    if grid is not None:
        _read_settings_grid(path.name, (tuple(r) for r in grid.rows), raw)
        raw.sheets[SETTINGS_SHEET] = Sheet(SETTINGS_SHEET, [])
    return raw


def _worksheet(
    grids: dict[str, SheetGrid], titles: dict[str, str], canonical: str, file: str, raw: RawRubric
) -> SheetGrid | None:
    title = titles.get(label_key(canonical))
    if title is None:
        return None
    grid = grids[title]
    if grid.chart:  # a chart sheet carries no cells
        raw.problems.append(Problem("not_a_worksheet", f"“{title}”是图表工作表，不是表格", file=file, sheet=canonical))
        return None
    return grid


def _read_settings_grid(file: str, grid: Iterable[tuple[Any, ...]], raw: RawRubric) -> None:
    for r, row in enumerate(grid, start=1):
        if not row or row[0] is None:
            continue
        key = label_key(row[0])
        if key == "" or (r <= 2 and key in _SETTINGS_HEADER_KEYS):
            continue
        cell = Cell(row[1] if len(row) > 1 else None, f"B{r}")
        _add_setting(file, key, normalize_label(row[0]).rstrip(":"), cell, raw)


def _add_setting(file: str, key: str, label: str, cell: Cell, raw: RawRubric) -> None:
    if key in raw.settings:
        first = raw.settings[key].ref
        raw.problems.append(
            Problem(
                "duplicate_setting",
                f"设置项“{label}”出现了两次（首次在 {first}），请只保留一行",
                file=file,
                sheet=SETTINGS_SHEET,
                cell=cell.ref,
            )
        )
        return
    raw.settings[key] = cell
    raw.setting_labels[key] = label


def rows_from_grid(
    file: str,
    sheet_name: str,
    grid: Iterable[tuple[Any, ...]],
    headers: dict[str, tuple[str, ...]],
    problems: list[Problem],
) -> Sheet | None:
    """Find the header row (within the first rows) and key each data row by header.

    The header row is the first row holding the sheet's key column (编号 / 类别 / 来源
    or an accepted spelling). Returns None, with a ``missing_header`` problem, if
    there is none.
    """

    lookup = _lookup(headers)
    key_column = next(iter(headers))
    columns: dict[int, str] | None = None
    sheet = Sheet(sheet_name, [])
    for r, values in enumerate(grid, start=1):
        if columns is None:
            labels = [label_key(v) for v in values]
            if key_column in (lookup.get(label) for label in labels):
                columns = {}
                for c, label in enumerate(labels):
                    if not label:
                        continue
                    ref = f"{column_letter(c + 1)}{r}"
                    canon = lookup.get(label)
                    if canon is None:
                        canon = normalize_label(values[c])
                        if canon in sheet.extra_headers:
                            continue  # a repeated extra column (e.g. two 备注): the first is kept
                        sheet.extra_headers.append(canon)
                        sheet.extra_refs[canon] = ref
                    elif canon in columns.values():
                        problems.append(
                            Problem(
                                "duplicate_column",
                                f"表头“{canon}”出现了两列（含同义的表头），请删除或改名其中一列",
                                file=file,
                                sheet=sheet_name,
                                cell=ref,
                                value=str(values[c]),
                            )
                        )
                        continue
                    columns[c] = canon
                last = column_letter(max(len(values), 1))
                sheet.header_ref = f"A{r}:{last}{r}"
            elif r >= HEADER_SEARCH_ROWS:
                break
            continue
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        row: Row = {}
        for c, canon in columns.items():
            value = values[c] if c < len(values) else None
            row[canon] = Cell(value, f"{column_letter(c + 1)}{r}")
        sheet.rows.append(row)
    if columns is None:
        aliases = "、".join(headers[key_column])
        problems.append(
            Problem(
                "missing_header",
                f"前{HEADER_SEARCH_ROWS}行中找不到表头行：需要一列“{key_column}”（也可写作 {aliases}）",
                file=file,
                sheet=sheet_name,
                cell=f"A1:A{HEADER_SEARCH_ROWS}",
            )
        )
        return None
    return sheet


# --------------------------------------------------------------------------- YAML
def read_yaml(path: Path) -> RawRubric:
    """Read the YAML twin: top-level 设置 (mapping), 类别/来源/条目 (lists of mappings)."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise RubricError(f"{path.name}: YAML 文件应以 UTF-8 编码保存（{exc}）") from exc
    except OSError as exc:
        raise RubricError(f"{path.name}: 无法读取细则文件（{exc}）") from exc
    except yaml.YAMLError as exc:
        raise RubricError(f"{path.name}: YAML 格式错误，请检查缩进和冒号（{exc}）") from exc
    if not isinstance(data, dict):
        raise RubricError(f"{path.name}: YAML 顶层应为映射，包含 设置、类别、来源、条目")
    raw = RawRubric()
    keyed = {label_key(k): (k, v) for k, v in data.items()}
    known = {label_key(name) for name, _ in TABLES} | {label_key(SETTINGS_SHEET)}
    for key, (written, _) in keyed.items():
        if key not in known:
            raw.problems.append(
                Problem("unknown_key", f"不认识的顶层键“{written}”，已忽略", file=path.name, severity="warning")
            )
    for canonical, headers in TABLES:
        if label_key(canonical) not in keyed:
            continue
        entries = keyed[label_key(canonical)][1]
        if not isinstance(entries, list):
            raw.problems.append(
                Problem("bad_yaml", f"“{canonical}”应为列表（每项以 - 开头）", file=path.name, sheet=canonical)
            )
            continue
        raw.sheets[canonical] = _sheet_from_entries(path.name, canonical, entries, headers, raw.problems)
    if label_key(SETTINGS_SHEET) in keyed:
        settings = keyed[label_key(SETTINGS_SHEET)][1]
        if isinstance(settings, dict):
            raw.sheets[SETTINGS_SHEET] = Sheet(SETTINGS_SHEET, [])
            for k, v in settings.items():
                label = normalize_label(k).rstrip(":")
                _add_setting(path.name, label_key(k), label, Cell(v, label), raw)
        else:
            raw.problems.append(Problem("bad_yaml", "“设置”应为映射（键: 值）", file=path.name, sheet=SETTINGS_SHEET))
    return raw


def _sheet_from_entries(
    file: str, canonical: str, entries: list[Any], headers: dict[str, tuple[str, ...]], problems: list[Problem]
) -> Sheet:
    lookup = _lookup(headers)
    sheet = Sheet(canonical, [])
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            problems.append(
                Problem("bad_yaml", "每一项应为映射（键: 值）", file=file, sheet=canonical, cell=f"[{index}]")
            )
            continue
        row: Row = {}
        for key, value in entry.items():
            canon = lookup.get(label_key(key))
            if canon is None:
                canon = normalize_label(key)
                if canon not in sheet.extra_headers:
                    sheet.extra_headers.append(canon)
                    sheet.extra_refs[canon] = f"[{index}].{canon}"
            row[canon] = Cell(value, f"[{index}].{canon}")
        sheet.rows.append(row)
    return sheet
