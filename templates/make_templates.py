"""(Re)create the default style template ``form_styles.xlsx`` next to this script.

Run ``python templates/make_templates.py`` (or ``python -m kaohe_xl.templates.make_templates``).
The file it writes is what a user restyles in Excel; see docs/forms.md, "Restyling".
"""

from __future__ import annotations

import sys
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook.defined_name import DefinedName

from kaohe_xl.forms.styles import NAME_ORIENTATION, NAME_PREFIX, STYLE_SHEET, TEMPLATE_NAME, WIDTH_SHEET

BODY_FONT = "宋体"
HEAD_FONT = "黑体"
THIN = Side(style="thin", color="000000")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def _fill(color: str) -> PatternFill:
    return PatternFill(fill_type="solid", start_color=color, end_color=color)


WRAP_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
WRAP_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)

# role -> (purpose shown to the user, sample text, font, fill, border, alignment)
ROLE_STYLES: list[tuple[str, str, str, Font, PatternFill | None, Border | None, Alignment]] = [
    ("banner", "标题上方的单位抬头（文字为空则不显示）", "", Font(name=HEAD_FONT, size=12), None, None, WRAP_CENTER),
    ("title", "表格标题", "2023年度某某考核", Font(name=HEAD_FONT, size=18, bold=True), None, None, WRAP_CENTER),
    ("subtitle", "副标题（表单名称）", "自评表", Font(name=HEAD_FONT, size=14), None, None, WRAP_CENTER),
    ("info", "单位、截止日期一行", "单位：某某村", Font(name=BODY_FONT, size=11), None, None, WRAP_LEFT),
    ("header", "表头", "考核内容", Font(name=HEAD_FONT, size=11, bold=True), _fill("D9E1F2"), GRID, WRAP_CENTER),
    ("category", "类别（合并单元格）", "组织领导", Font(name=BODY_FONT, size=10.5, bold=True), None, GRID, WRAP_CENTER),
    ("text", "细则文字", "少1次扣1分", Font(name=BODY_FONT, size=10.5), None, GRID, WRAP_LEFT),
    ("center", "编号、分值", "1", Font(name=BODY_FONT, size=10.5), None, GRID, WRAP_CENTER),
    ("input", "得分填写格（黄色）", "", Font(name=BODY_FONT, size=11, bold=True), _fill("FFF2CC"), GRID, WRAP_CENTER),
    ("input_text", "说明/原因填写格", "", Font(name=BODY_FONT, size=10.5), _fill("FFF2CC"), GRID, WRAP_LEFT),
    ("readonly", "只读的预填得分", "", Font(name=BODY_FONT, size=10.5), _fill("EDEDED"), GRID, WRAP_CENTER),
    ("subtotal", "小计行", "小计", Font(name=BODY_FONT, size=10.5, bold=True), _fill("F2F2F2"), GRID, WRAP_CENTER),
    (
        "total",
        "基础分/加分/扣分/总分行",
        "总分",
        Font(name=HEAD_FONT, size=11, bold=True),
        _fill("DDEBF7"),
        GRID,
        WRAP_CENTER,
    ),
    ("signature", "签字栏", "单位负责人签字：", Font(name=BODY_FONT, size=12), None, None, WRAP_LEFT),
    ("note_title", "说明页标题", "填表说明", Font(name=HEAD_FONT, size=16, bold=True), None, None, WRAP_CENTER),
    ("note", "说明页文字", "请在黄色单元格内填写。", Font(name=BODY_FONT, size=12), None, None, WRAP_LEFT),
    (
        "invalid",
        "填写错误时的颜色（字体色和底色）",
        "超出分值",
        Font(color="9C0006", bold=True),
        _fill("FFC7CE"),
        None,
        WRAP_CENTER,
    ),
]

WIDTHS: list[tuple[str, float]] = [
    ("编号", 6),
    ("类别", 11),
    ("考核内容", 30),
    ("分值", 6),
    ("评分标准", 34),
    ("考核办法", 16),
    ("评分要点", 22),
    ("自评得分", 9),
    ("考核得分", 9),
    ("自评说明（佐证材料）", 24),
    ("扣分原因", 20),
    ("单位名称", 16),
    ("合计", 9),
    ("*", 10),
]


def build() -> openpyxl.Workbook:
    """The default template workbook."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = STYLE_SHEET
    ws["A1"] = (
        "表单样式模板：修改 B 列样例格的字体、字号、颜色、边框、对齐方式，保存后重新生成表格即生效。不要修改 A 列和名称。"
    )
    ws["A1"].alignment = WRAP_LEFT
    ws.merge_cells("A1:C1")
    ws.row_dimensions[1].height = 36
    ws.append(["用途", "样例（改这一格）", "名称"])
    for role, purpose, sample, font, fill, border, alignment in ROLE_STYLES:
        ws.append([purpose, sample or None, NAME_PREFIX + role.upper()])
        cell = ws.cell(row=ws.max_row, column=2)
        cell.font = font
        if fill is not None:
            cell.fill = fill
        if border is not None:
            cell.border = border
        cell.alignment = alignment
        ws.row_dimensions[cell.row].height = 30
        wb.defined_names[NAME_PREFIX + role.upper()] = DefinedName(
            NAME_PREFIX + role.upper(), attr_text=f"'{STYLE_SHEET}'!$B${cell.row}"
        )
    ws.append(["评分表纸张方向（横向/纵向）", "横向", NAME_ORIENTATION])
    wb.defined_names[NAME_ORIENTATION] = DefinedName(NAME_ORIENTATION, attr_text=f"'{STYLE_SHEET}'!$B${ws.max_row}")
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 30
    ws.column_dimensions["C"].width = 22

    widths = wb.create_sheet(WIDTH_SHEET)
    widths.append(["表头", "列宽", "说明"])
    for label, width in WIDTHS:
        note = "其他列（如评分表的各类别列）" if label == "*" else ""
        widths.append([label, width, note or None])
    widths.column_dimensions["A"].width = 24
    widths.column_dimensions["C"].width = 30
    return wb


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent / TEMPLATE_NAME
    build().save(target)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
