"""The cells a person fills in: data validation, invalid-input formatting, sheet protection.

Excel's data validation and sheet protection prevent accidents, not tampering: collect
checks every value again and every locked cell against the rubric.
"""

from __future__ import annotations

from openpyxl.styles import Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from kaohe_xl.forms.styles import CellStyle
from kaohe_xl.xlsx.limits import fit_validation


def protect_sheet(ws: Worksheet, password: str) -> None:
    """Lock the sheet; only cells with ``locked=False`` stay editable.

    Excel's sheet password is a weak legacy hash: it prevents accidents, not tampering
    (the reader re-checks everything and verifies the signed metadata instead).
    """
    ws.protection.sheet = True
    # In OOXML these flags mean "forbidden while protected"; resizing rows/columns stays allowed.
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    if password:
        ws.protection.password = password


def protect_workbook(wb: Workbook, password: str) -> None:
    """Lock the structure: sheets cannot be added, deleted, renamed, moved or unhidden."""
    wb.security = WorkbookProtection(lockStructure=True)
    if password:
        wb.security.workbookPassword = password


def add_validation(ws: Worksheet, dv: DataValidation) -> None:
    """Add ``dv`` to ``ws``, its titles and texts cut to Excel's limits (32 and 255
    UTF-16 units: a longer category name would make Excel drop every validation)."""
    ws.add_data_validation(fit_validation(dv))


def score_validation(top: str, error: str, prompt_title: str) -> DataValidation:
    """Excel data validation for a score cell: a number from 0 to ``top``, blank allowed.

    A value outside the range is refused with ``error`` (Excel's "stop" style); the
    input prompt shows the range. Pasting bypasses validation, so returns are re-checked.
    """
    return DataValidation(
        type="decimal",
        operator="between",
        formula1="0",
        formula2=top,
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorStyle="stop",
        errorTitle="得分超出范围",
        error=error,
        promptTitle=prompt_title,
        prompt=f"0～{top} 分",
    )


def invalid_input_format(invalid: CellStyle) -> DifferentialStyle:
    """The conditional format that paints invalid input, from the template's 'invalid' style."""
    color = invalid.fill.fgColor.rgb if invalid.fill.fill_type else "FFC7CE"
    return DifferentialStyle(
        font=Font(color=invalid.font.color, bold=invalid.font.b),
        fill=PatternFill(fill_type="solid", start_color=color, end_color=color),
    )
