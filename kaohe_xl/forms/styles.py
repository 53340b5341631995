"""Form styles read from a template workbook a user can restyle in Excel.

The template (``templates/form_styles.xlsx``, or ``<campaign>/templates/form_styles.xlsx``
when present) holds:

* sheet ``样式``: one sample cell per role, each with a workbook-scope defined name
  ``KH_STYLE_<ROLE>`` (e.g. ``KH_STYLE_HEADER``). The font, fill, border, alignment and
  number format of that cell are copied to every cell of that role in the forms.
  ``KH_STYLE_BANNER``'s *text* becomes an extra first row above each form title
  (an organisation line such as ``中共某某县委老干部局``); leave it blank for none.
  ``KH_STYLE_INVALID``'s font colour and fill paint invalid input (conditional format).
* sheet ``列宽``: column widths by header label (column A label, column B width).
* defined name ``KH_ORIENTATION``: ``横向`` (landscape) or ``纵向`` (portrait) for the
  scoring sheets.

Roles missing from a campaign's template fall back to the packaged default.
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.workbook.workbook import Workbook

from kaohe_xl.errors import KaoheError
from kaohe_xl.resources import STYLES_WORKBOOK, template_path
from kaohe_xl.textnorm import normalize_label
from kaohe_xl.xlsx.cells import Style

TEMPLATE_NAME = STYLES_WORKBOOK
STYLE_SHEET = "样式"
WIDTH_SHEET = "列宽"
NAME_PREFIX = "KH_STYLE_"
NAME_ORIENTATION = "KH_ORIENTATION"
ROLES = (
    "banner",  # optional organisation line above the title (its text comes from the template)
    "title",
    "subtitle",
    "info",  # unit / deadline line under the title
    "header",
    "category",  # merged 类别 cells
    "text",  # rubric text (left, wrapped)
    "center",  # 编号, 分值 (centred)
    "input",  # score input cells (unlocked, marked)
    "input_text",  # remark input cells (unlocked, marked)
    "readonly",  # pre-filled values the filler cannot change (自评得分 on assessor sheets)
    "subtotal",  # 小计 rows
    "total",  # 基础分 / 加分 / 扣分 / 总分 rows
    "signature",
    "note",  # 说明 sheet body text
    "note_title",
    "invalid",  # conditional format for invalid input
)
DEFAULT_WIDTH = 10.0
LANDSCAPE = "landscape"
PORTRAIT = "portrait"


# The look of one role, copied from a template cell: the style every workbook's cells
# take (kaohe_xl.xlsx.cells.Style), so forms and outputs write cells one way.
CellStyle = Style


@dataclass(frozen=True)
class FormStyles:
    """Everything the form builders take from the template workbook."""

    roles: dict[str, CellStyle]
    widths: dict[str, float]
    banner: str = ""
    orientation: str = LANDSCAPE
    source: Path | None = None

    def __getitem__(self, role: str) -> CellStyle:
        return self.roles[role]

    def width(self, label: str) -> float:
        """Column width (Excel character units) for a header label."""
        # Excel: a column is at most 255 characters wide (a template may ask for more)
        return min(self.widths.get(normalize_label(label), self.widths.get("*", DEFAULT_WIDTH)), 255.0)


def default_template() -> Path:
    """The packaged template (``kaohe_xl.templates/form_styles.xlsx``)."""
    return template_path(TEMPLATE_NAME)


def campaign_template(root: Path) -> Path:
    """Where a campaign may keep its own restyled template."""
    return root / "templates" / TEMPLATE_NAME


def load_styles(campaign_root: Path | None = None) -> FormStyles:
    """Styles from the campaign's template if it has one, else the packaged default."""
    base = _read_template(default_template())
    if campaign_root is None:
        return base
    override = campaign_template(campaign_root)
    if not override.exists():
        return base
    own = _read_template(override)
    return FormStyles(
        roles={**base.roles, **own.roles},
        widths={**base.widths, **own.widths},
        banner=own.banner if "banner" in own.roles else base.banner,
        orientation=own.orientation,
        source=override,
    )


def _read_template(path: Path) -> FormStyles:
    try:
        wb = openpyxl.load_workbook(path)
    except Exception as exc:
        raise KaoheError(f"无法打开样式模板 {path}（{type(exc).__name__}: {exc}），请检查或删除该文件") from exc
    try:
        roles: dict[str, CellStyle] = {}
        banner = ""
        for role in ROLES:
            cell = _named_cell(wb, NAME_PREFIX + role.upper())
            if cell is None:
                continue
            roles[role] = Style(
                font=copy(cell.font),
                fill=copy(cell.fill),
                border=copy(cell.border),
                alignment=copy(cell.alignment),
                number_format=cell.number_format,
            )
            if role == "banner":
                banner = "" if cell.value is None else str(cell.value).strip()
        widths: dict[str, float] = {}
        if WIDTH_SHEET in wb.sheetnames:
            for label, width, *_ in wb[WIDTH_SHEET].iter_rows(min_row=2, max_col=2, values_only=True):
                if label is not None and isinstance(width, int | float) and width > 0:
                    widths[normalize_label(label)] = float(width)
        orientation_cell = _named_cell(wb, NAME_ORIENTATION)
        orientation = LANDSCAPE
        if orientation_cell is not None and str(orientation_cell.value or "").strip() in ("纵向", PORTRAIT):
            orientation = PORTRAIT
        return FormStyles(roles=roles, widths=widths, banner=banner, orientation=orientation, source=path)
    finally:
        wb.close()


def _named_cell(wb: Workbook, name: str) -> openpyxl.cell.cell.Cell | None:
    defined = wb.defined_names.get(name)
    if defined is None:
        return None
    for title, ref in defined.destinations:
        if title in wb.sheetnames:
            cell = wb[title][ref.replace("$", "").split(":")[0]]
            if isinstance(cell, openpyxl.cell.cell.Cell):
                return cell
    return None
