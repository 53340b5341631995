"""The 评分表 of a rater-form source (e.g. 班子评分): units as rows, categories as columns."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from openpyxl.formatting.rule import Rule
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from kaohe_xl.forms import layout
from kaohe_xl.forms.inputs import (
    add_validation,
    invalid_input_format,
    protect_sheet,
    protect_workbook,
    score_validation,
)
from kaohe_xl.forms.parts import (
    UNLOCKED,
    FormContext,
    banner_rows,
    fact_lines,
    row_height,
    setup_print,
    step_note,
    style_row,
    write_instructions,
    write_meta,
)
from kaohe_xl.rubric.model import Category, FormKind, Rubric, Source, Unit
from kaohe_xl.textnorm import format_decimal
from kaohe_xl.xlsx.cells import Formula, put
from kaohe_xl.xlsx.ooxml import column_letter


def rater_steps(rubric: Rubric) -> tuple[str, ...]:
    """The numbered steps of a 评分表 说明 sheet (step 2 states 设置 步长, as returns are checked)."""
    return (
        "请在“评分表”工作表中黄色底色的单元格内，按各类别分别为每个单位打分，每格填写 0 到该类别满分之间的数字。",
        f"{step_note(rubric, items=False)}。",
        "各类别满分见表头上方“各类别满分”一行；超出范围或不是数字的单元格会显示为红色。",
        "“合计”列由公式自动计算，仅供参考。",
        "请勿重命名、删除或增加工作表，请勿插入、删除行列。",
        "填好后保存为 .xlsx 格式（不要另存为 .xls 或 .et），在截止日期前通过电子邮件发回；如需修改，重新发送即可，以最后一次为准。",
        "打印后由评分人签字。",
    )


def rater_form_title(source: Source) -> str:
    """``班子评分表`` for the source 班子评分, ``民主测评评分表`` for 民主测评."""
    return f"{source.name}表" if source.name.endswith("评分") else f"{source.name}{FormKind.RATER.label}"


def build_rater_workbook(
    ctx: FormContext, source: Source, rater: str, units: list[Unit], signature: str | None = None
) -> Workbook:
    """The 评分表 for one rater of ``source`` (``rater`` may be a stamping placeholder)."""
    styles = ctx.styles
    # the same rule as the reader's: a category whose maximum is 0 gets no column
    scored = ctx.rubric.rater_categories(source)
    full = sum((top for _, top in scored), Decimal(0))
    wb = Workbook()
    notes = wb.active
    assert notes is not None
    notes.title = layout.INSTRUCTIONS_SHEET
    facts = [*fact_lines(ctx), ("评分来源", source.name), ("评分人", rater), ("本表满分", f"{format_decimal(full)} 分")]
    facts = [f for f in facts if f[0] != "满分"]
    write_instructions(notes, ctx, f"{rater_form_title(source)} 填表说明", facts, rater_steps(ctx.rubric))

    ws = wb.create_sheet(layout.RATER_SHEET)
    columns = [layout.H_ID, layout.H_UNIT_NAME, *(c.name for c, _ in scored), layout.H_TOTAL]
    last_col = len(columns)
    for n, label in enumerate(columns, start=1):
        width = styles.width(label) if label not in {c.name for c, _ in scored} else styles.width("*")
        ws.column_dimensions[column_letter(n)].width = width
    lines = [
        ("title", ctx.title),
        ("subtitle", rater_form_title(source)),
        (
            "info",
            f"评分人：{rater}    满分：{format_decimal(full)} 分    截止日期：{ctx.rubric.settings.deadline or '见通知'}",
        ),
    ]
    row = banner_rows(ws, ctx, last_col, lines)
    # The maxima sit above the header row: below it, only unit rows carry an 编号.
    max_row = row
    style_row(ws, max_row, 1, last_col, styles["subtotal"])
    put(ws, max_row, 2, "各类别满分", styles["subtotal"])
    for n, (_, top) in enumerate(scored, start=3):
        put(ws, max_row, n, top, styles["subtotal"])
    put(ws, max_row, last_col, full, styles["subtotal"])
    header = max_row + 1
    for n, label in enumerate(columns, start=1):
        put(ws, header, n, label, styles["header"])
    ws.row_dimensions[header].height = row_height(
        [(label, ws.column_dimensions[column_letter(n)].width or 10) for n, label in enumerate(columns, start=1)],
        styles["header"].size,
        28,
    )
    first = header + 1
    for row, unit in enumerate(units, start=first):
        put(ws, row, 1, unit.id, styles["center"])
        put(ws, row, 2, unit.name, styles["text"])
        for n in range(3, last_col):
            put(ws, row, n, None, styles["input"]).protection = UNLOCKED
        inputs = f"{column_letter(3)}{row}:{column_letter(last_col - 1)}{row}"
        put(ws, row, last_col, Formula(f"SUM({inputs})", 0), styles["subtotal"])
        ws.row_dimensions[row].height = row_height(
            [(unit.name, styles.width(layout.H_UNIT_NAME))], styles["text"].size, 22
        )
    last = first + len(units) - 1
    _rater_checks(ws, ctx, scored, first, last)
    sign_row = last + 2
    put(ws, sign_row, 2, "评分人签字：", styles["signature"])
    put(ws, sign_row, max(3, last_col - 3), "日期：        年    月    日", styles["signature"])
    ws.merge_cells(start_row=sign_row, start_column=max(3, last_col - 3), end_row=sign_row, end_column=last_col)
    ws.row_dimensions[sign_row].height = 36
    ws.freeze_panes = ws.cell(row=first, column=3)
    setup_print(ws, ctx, (max_row, header), sign_row, last_col)
    protect_sheet(ws, ctx.password)

    meta = ctx.meta(FormKind.RATER, rater, rater, source=source.name)
    meta[layout.META_SIGNATURE] = ctx.sign(meta) if signature is None else signature
    write_meta(wb, meta)
    protect_workbook(wb, ctx.password)
    return wb


def _rater_checks(
    ws: Worksheet, ctx: FormContext, scored: Sequence[tuple[Category, Decimal]], first: int, last: int
) -> None:
    """Each category column: a number from 0 to its maximum (validated, and painted red
    when not), the category's name as the prompt title (cut to Excel's 32 units)."""
    dxf = invalid_input_format(ctx.styles["invalid"])
    for n, (category, top) in enumerate(scored, start=3):
        letter = column_letter(n)
        text = format_decimal(top)
        dv = score_validation(text, f"“{category.name}”满分 {text} 分：请填写 0 到 {text} 之间的数字。", category.name)
        dv.sqref = f"{letter}{first}:{letter}{last}"
        add_validation(ws, dv)
        top_cell = f"{letter}{first}"
        formula = f'AND({top_cell}<>"",OR(NOT(ISNUMBER({top_cell})),{top_cell}<0,{top_cell}>{text}))'
        ws.conditional_formatting.add(
            f"{letter}{first}:{letter}{last}", Rule(type="expression", formula=[formula], dxf=dxf)
        )
