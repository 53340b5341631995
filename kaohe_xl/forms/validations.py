"""Data validation and invalid-input formatting on the input cells of an item sheet.

Score cells: a number from 0 to the item's 分值 (one validation per 分值), painted red
when text, out of range or off the item's 步长 (pasting bypasses validation); 否决 cells:
是/否 from the hidden list; remark cells: a length limit and a hint. Every title and text
is kept to Excel's limits (:func:`~kaohe_xl.forms.inputs.add_validation`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from openpyxl.formatting.rule import Rule
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from kaohe_xl.forms import layout
from kaohe_xl.forms.inputs import add_validation, invalid_input_format, score_validation
from kaohe_xl.forms.parts import FormContext, ranges
from kaohe_xl.rubric.model import Item, ItemKind
from kaohe_xl.textnorm import format_decimal

REMARK_LIMIT = 2000  # characters of a 自评说明 / 扣分原因


def score_checks(ws: Worksheet, ctx: FormContext, column: str, points_column: str, item_at: Mapping[int, Item]) -> None:
    """Data validation on every score cell and conditional formats that paint invalid input."""
    rubric = ctx.rubric
    groups: dict[Decimal, list[int]] = {}
    steps: dict[Decimal, list[int]] = {}
    for row, item in item_at.items():
        if item.points is not None:
            groups.setdefault(item.points, []).append(row)
            steps.setdefault(rubric.step_of(item), []).append(row)
    for points, rows in sorted(groups.items()):
        top = format_decimal(points)
        dv = score_validation(
            top, f"本项分值 {top} 分：请填写 0 到 {top} 之间的数字（扣分项填写扣减的分数，为正数）。", "填写得分"
        )
        dv.sqref = " ".join(ranges(column, rows))
        add_validation(ws, dv)
    dxf = invalid_input_format(ctx.styles["invalid"])
    for step, rows in sorted(steps.items()):
        first = min(rows)
        top = f"{column}{first}"
        s = format_decimal(step)
        # One rule for many cells: relative references are relative to the first cell of
        # the range, so {top} and ${points}{first} move down with each cell.
        formula = (
            f'AND({top}<>"",OR(NOT(ISNUMBER({top})),{top}<0,{top}>${points_column}{first},'
            f"ABS({top}/{s}-ROUND({top}/{s},0))>0.000001))"
        )
        ws.conditional_formatting.add(
            " ".join(ranges(column, rows)), Rule(type="expression", formula=[formula], dxf=dxf)
        )
    veto_rows = sorted(row for row, item in item_at.items() if item.kind is ItemKind.VETO)
    if veto_rows:
        dv = DataValidation(
            type="list",
            formula1=layout.NAME_VETO_LIST,
            allow_blank=True,
            showErrorMessage=True,
            showInputMessage=True,
            errorTitle="请选择是或否",
            error="否决项只能填“是”或“否”，请从下拉列表中选择。",
            promptTitle="否决项",
            prompt="发生填“是”，未发生填“否”",
        )
        dv.sqref = " ".join(ranges(column, veto_rows))
        add_validation(ws, dv)
        top = f"{column}{min(veto_rows)}"
        formula = f'AND({top}<>"",{top}<>"{layout.VETO_YES}",{top}<>"{layout.VETO_NO}")'
        ws.conditional_formatting.add(
            " ".join(ranges(column, veto_rows)), Rule(type="expression", formula=[formula], dxf=dxf)
        )


def remark_check(ws: Worksheet, column: str, rows: Sequence[int]) -> None:
    """Remark cells take free text; the validation only bounds its length and shows a hint."""
    if not rows:
        return
    dv = DataValidation(
        type="textLength",
        operator="lessThanOrEqual",
        formula1=str(REMARK_LIMIT),
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorTitle="文字过长",
        error=f"说明请不超过 {REMARK_LIMIT} 字，材料较多时请写明材料名称，原件另行报送。",
        promptTitle="说明",
        prompt="写明得分依据或扣分原因、佐证材料名称",
    )
    dv.sqref = " ".join(ranges(column, rows))
    add_validation(ws, dv)
