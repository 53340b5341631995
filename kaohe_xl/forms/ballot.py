"""民主测评: the printable ballot (民主测评票) per unit and the tally (民主测评表) per group.

The assessor group hands out ballots at the unit's meeting; each voter marks one of
好 / 较好 / 一般 / 较差. The ballot is paper: one A4 page per unit, printed as many
times as there are voters, never returned as a file. The group counts the votes and
enters them in its 民主测评表: one row per unit (``编号``, ``单位``, ``实到人数``,
``好`` ``较好`` ``一般`` ``较差``, ``合计``), signed metadata like every other form, collected
and checked by :mod:`kaohe_xl.collect.tally`.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl.formatting.rule import Rule
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from kaohe_xl.atomic import write_atomic
from kaohe_xl.campaign import Campaign
from kaohe_xl.forms import layout
from kaohe_xl.forms.inputs import add_validation, invalid_input_format, protect_sheet, protect_workbook
from kaohe_xl.forms.parts import (
    UNLOCKED,
    FormContext,
    banner_rows,
    fact_lines,
    row_height,
    setup_print,
    style_row,
    write_instructions,
    write_meta,
)
from kaohe_xl.rubric.model import BALLOT_GRADES, FormKind, Source, Unit
from kaohe_xl.textnorm import format_decimal, safe_filename
from kaohe_xl.xlsx.cells import Formula, put
from kaohe_xl.xlsx.ooxml import column_letter
from kaohe_xl.xlsx.sheetwriter import workbook_bytes

BALLOT_FOLDER = "民主测评票"
_TALLY_COLUMNS = (layout.H_ID, layout.H_UNIT, layout.H_ATTENDED, *BALLOT_GRADES, layout.H_TOTAL)
_BOX_SIDE = Side(style="medium", color="000000")
_BOX = Border(left=_BOX_SIDE, right=_BOX_SIDE, top=_BOX_SIDE, bottom=_BOX_SIDE)


def ballot_path(campaign: Campaign, unit: Unit) -> Path:
    """``forms/民主测评票/01_新庄村_民主测评票.xlsx``."""
    return campaign.forms_dir / BALLOT_FOLDER / (safe_filename(f"{unit.id}_{unit.name}_{BALLOT_FOLDER}") + ".xlsx")


def weights_text(ctx: FormContext) -> str:
    """``好=1；较好=0.8；一般=0.6；较差=0`` (设置 测评折算)."""
    return "；".join(f"{grade}={format_decimal(w)}" for grade, w in ctx.rubric.settings.ballot_weights)


def generate_ballots(campaign: Campaign, ctx: FormContext) -> tuple[list[Path], list[Path]]:
    """Write the 民主测评表 of every group and a 民主测评票 per unit: (tallies, ballots)."""
    (source,) = ctx.rubric.sources_of(FormKind.BALLOT)[:1]
    tallies = []
    for group, units in campaign.assessor_groups().items():
        path = campaign.form_path(FormKind.BALLOT, group, group)
        write_atomic(path, workbook_bytes(build_tally_workbook(ctx, source, group, units)))
        tallies.append(path)
    ballots = []
    for unit in campaign.units:
        path = ballot_path(campaign, unit)
        write_atomic(path, workbook_bytes(build_ballot(ctx, unit)))
        ballots.append(path)
    return tallies, ballots


def tally_steps(ctx: FormContext, source: Source) -> tuple[str, ...]:
    """The numbered steps of a 民主测评表 说明 sheet."""
    use = (
        f"结果计入条目 {source.target}（{ctx.rubric.item(source.target).content}），得分 = 折算率 × 该条目分值。"
        if source.target
        else f"得分 = 折算率 × {format_decimal(ctx.rubric.source_full_marks(source))} 分。"
    )
    return (
        f"考核组到达后，按到会人数打印各单位的“民主测评票”（在 forms/{BALLOT_FOLDER}/ 中，每单位一页），当场发放、收回。",
        "逐张清点：每张票只能选一个等次，多选或不选为无效票，不计入。",
        "在“民主测评表”工作表中每个单位一行，填写实到人数和好、较好、一般、较差的票数（0 或正整数）；四个等次的票数合计不能超过实到人数。",
        "尚未测评的单位整行留空即可，已填的单位照常计入；测评后再填写发送，以最后一次为准。",
        f"折算率 = Σ（票数 × 折算系数）÷ 有效票数，折算系数：{weights_text(ctx)}。{use}",
        "请勿重命名、删除或增加工作表，请勿插入、删除行列；填好后保存为 .xlsx 格式，通过电子邮件发回，纸质测评票由考核组封存。",
    )


def build_tally_workbook(ctx: FormContext, source: Source, group: str, units: list[Unit]) -> Workbook:
    """The 民主测评表 of one assessor group: a row of vote counts per unit."""
    styles = ctx.styles
    wb = Workbook()
    notes = wb.active
    assert notes is not None
    notes.title = layout.INSTRUCTIONS_SHEET
    facts = [
        ("考核组", group),
        ("被考核单位", "、".join(u.name for u in units)),
        ("测评内容", ctx.rubric.settings.ballot_subject),
    ]
    facts += [f for f in fact_lines(ctx) if f[0] != "满分"]
    write_instructions(notes, ctx, f"{layout.TALLY_SHEET}填表说明", facts, tally_steps(ctx, source))
    ws = wb.create_sheet(layout.TALLY_SHEET)
    last_col = len(_TALLY_COLUMNS)
    for n, label in enumerate(_TALLY_COLUMNS, start=1):
        ws.column_dimensions[column_letter(n)].width = 22 if label == layout.H_UNIT else 10
    info = f"考核组：{group}    测评内容：{ctx.rubric.settings.ballot_subject}    折算系数：{weights_text(ctx)}"
    header = banner_rows(ws, ctx, last_col, [("title", ctx.title), ("subtitle", "民主测评汇总表"), ("info", info)])
    for n, label in enumerate(_TALLY_COLUMNS, start=1):
        put(ws, header, n, label, styles["header"])
    ws.row_dimensions[header].height = 28
    first = header + 1
    for row, unit in enumerate(units, start=first):
        put(ws, row, 1, unit.id, styles["center"])
        put(ws, row, 2, unit.name, styles["text"])
        for n in range(3, last_col):
            put(ws, row, n, None, styles["input"]).protection = UNLOCKED
        votes = f"{column_letter(4)}{row}:{column_letter(last_col - 1)}{row}"
        put(ws, row, last_col, Formula(f"SUM({votes})", 0), styles["subtotal"])
        ws.row_dimensions[row].height = row_height([(unit.name, 22)], styles["text"].size, 24)
    last = max(first, first + len(units) - 1)
    _tally_checks(ws, ctx, first, last, last_col)
    sign = last + 2
    put(ws, sign, 2, "计票人签字：", styles["signature"])
    put(ws, sign, 5, "考核组长签字：        日期：    年  月  日", styles["signature"])
    ws.merge_cells(start_row=sign, start_column=5, end_row=sign, end_column=last_col)
    ws.row_dimensions[sign].height = 36
    ws.freeze_panes = ws.cell(row=first, column=3)
    setup_print(ws, ctx, (header, header), sign, last_col, orientation="portrait")
    protect_sheet(ws, ctx.password)
    meta = ctx.meta(FormKind.BALLOT, group, group, source=source.name)
    meta[layout.META_SIGNATURE] = ctx.sign(meta)
    write_meta(wb, meta)
    protect_workbook(wb, ctx.password)
    return wb


def _tally_checks(ws: Worksheet, ctx: FormContext, first: int, last: int, last_col: int) -> None:
    """Whole numbers ≥ 0 in every count cell; the 合计 turns red above 实到人数."""
    counts = f"C{first}:{column_letter(last_col - 1)}{last}"
    dv = DataValidation(
        type="whole",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorTitle="票数",
        error="请填写 0 或正整数（票数、人数）。",
        promptTitle="票数",
        prompt="填写整数；没有票填 0",
    )
    dv.sqref = counts
    add_validation(ws, dv)
    dxf = invalid_input_format(ctx.styles["invalid"])
    total = f"{column_letter(last_col)}{first}"
    formula = f'AND($C{first}<>"",{total}>$C{first})'
    ws.conditional_formatting.add(
        f"{total}:{column_letter(last_col)}{last}", Rule(type="expression", formula=[formula], dxf=dxf)
    )


def build_ballot(ctx: FormContext, unit: Unit) -> Workbook:
    """The 民主测评票 of one unit: one A4 portrait page, four boxes, a date line."""
    styles = ctx.styles
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = layout.BALLOT_SHEET
    for n in range(1, 5):
        ws.column_dimensions[column_letter(n)].width = 21
    row = banner_rows(ws, ctx, 4, [("title", ctx.title), ("subtitle", "民 主 测 评 票")])
    row += 1
    put(ws, row, 1, f"测评对象：{unit.name}", styles["info"])
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
    ws.row_dimensions[row].height = 30
    row += 1
    question = (
        f"请对“{unit.name}”{ctx.rubric.settings.ballot_subject}作出总体评价，在选定等次下面的方框内划“√”。"
        "只能选一项，多选或不选为无效票。"
    )
    cell = put(ws, row, 1, question, styles["text"])
    cell.alignment = Alignment(wrap_text=True, vertical="center")
    cell.font = Font(name=styles["text"].font.name, size=14)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
    ws.row_dimensions[row].height = 80
    row += 2
    style_row(ws, row, 1, 4, styles["header"])
    for n, grade in enumerate(BALLOT_GRADES, start=1):
        ws.cell(row, n).value = grade
        ws.cell(row, n).font = Font(name=styles["header"].font.name, size=18, bold=True)
        ws.cell(row + 1, n).border = _BOX
    ws.row_dimensions[row].height = 36
    ws.row_dimensions[row + 1].height = 70
    row += 3
    put(ws, row, 1, "测评日期：          年      月      日", styles["signature"])
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
    ws.row_dimensions[row].height = 36
    row += 1
    put(ws, row, 1, "本票不记名。填好后请投入票箱，由考核组统一收回汇总。", styles["note"])
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
    setup_print(ws, ctx, None, row, 4, orientation="portrait")
    ws.page_setup.fitToHeight = 1  # one ballot, one page
    ws.oddFooter.center.text = ""
    protect_sheet(ws, ctx.password)
    return wb
