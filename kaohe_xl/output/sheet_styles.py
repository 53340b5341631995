"""Named cell styles of the analysis sheets (与上年对比, 失分分析, the 反馈表's weakest items).

They look like the 汇总表 (宋体, thin grey borders, blue header fill, :mod:`kaohe_xl.output.look`)
and are registered by name, as :mod:`kaohe_xl.xlsx.sheetwriter` wants them. ``*_top``
variants carry the highlight of the top rows, ``*_muted`` the grey of rows for units no
longer assessed, ``change*_up`` / ``change*_down`` the green / red of a rise / fall.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from openpyxl.styles import Alignment, Border, Font, PatternFill

from kaohe_xl.output import look
from kaohe_xl.output.look import BORDER, FLAG_FILL, FONT, HEADER_FILL, MUTED_FILL, SCORE_FORMAT
from kaohe_xl.textnorm import display_width
from kaohe_xl.xlsx.sheetwriter import Style

TITLE_FONT = Font(name=FONT, size=16, bold=True)
HEADER_FONT = Font(name=FONT, size=10, bold=True)
BODY_FONT = Font(name=FONT, size=10)
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)

TOP_FILL = PatternFill("solid", fgColor="FCE4D6")  # the items that lost most points
_MIDDLE = Alignment(horizontal="center", vertical="center")
# Number formats. Shares held as fractions show with Excel's % (0.875 → 87.5%); shares
# already in percent (87.5) show with a literal "%" so the cell keeps the number typed.
SHARE_FORMAT = "0.0%"
PERCENT_FORMAT = '0.0"%"'
PERCENT2_FORMAT = '0.00"%"'
COUNT_FORMAT = "0"
# Changes carry their sign; their colour comes from the style (change_up / change_down),
# not from the format: a format's [Color10] is dark green in Excel but pale in LibreOffice.
CHANGE_FORMAT = "+0.00;-0.00;0.00"
CHANGE1_FORMAT = "+0.0;-0.0;0.0"
GREEN_FONT = Font(name=FONT, size=10, color="008000")
RED_FONT = Font(name=FONT, size=10, color="C00000")

_BASE: dict[str, Style] = {
    "title": Style(font=TITLE_FONT, alignment=Alignment(horizontal="center", vertical="center", wrap_text=True)),
    "subtitle": Style(font=Font(name=FONT, size=10), alignment=Alignment(vertical="center", wrap_text=True)),
    "note": Style(font=Font(name=FONT, size=9), alignment=Alignment(vertical="top", wrap_text=True)),
    "section": Style(font=Font(name=FONT, size=11, bold=True), alignment=Alignment(vertical="center")),
    "header": Style(font=HEADER_FONT, fill=HEADER_FILL, border=BORDER, alignment=CENTER),
    "text": Style(font=BODY_FONT, border=BORDER, alignment=WRAP),
    "center": Style(font=BODY_FONT, border=BORDER, alignment=CENTER),
    "score": Style(font=BODY_FONT, border=BORDER, alignment=_MIDDLE, number_format=SCORE_FORMAT),
    "share": Style(font=BODY_FONT, border=BORDER, alignment=_MIDDLE, number_format=SHARE_FORMAT),
    "percent": Style(font=BODY_FONT, border=BORDER, alignment=_MIDDLE, number_format=PERCENT_FORMAT),
    "percent2": Style(font=BODY_FONT, border=BORDER, alignment=_MIDDLE, number_format=PERCENT2_FORMAT),
    "count": Style(font=BODY_FONT, border=BORDER, alignment=_MIDDLE, number_format=COUNT_FORMAT),
    "change": Style(font=BODY_FONT, border=BORDER, alignment=_MIDDLE, number_format=CHANGE_FORMAT),
    "change1": Style(font=BODY_FONT, border=BORDER, alignment=_MIDDLE, number_format=CHANGE1_FORMAT),
    "up": Style(font=GREEN_FONT, border=BORDER, alignment=CENTER),
    "down": Style(font=RED_FONT, border=BORDER, alignment=CENTER),
}
_BODY = ("text", "center", "score", "share", "percent", "percent2", "count", "change", "change1", "up", "down")


def _variants() -> dict[str, Style]:
    styles = dict(_BASE)
    for name in _BODY:
        base = _BASE[name]
        styles[f"{name}_top"] = replace(base, fill=TOP_FILL)
        styles[f"{name}_muted"] = replace(base, fill=MUTED_FILL)
    for name in ("change", "change1"):
        styles[f"{name}_up"] = replace(_BASE[name], font=GREEN_FONT)
        styles[f"{name}_down"] = replace(_BASE[name], font=RED_FONT)
    styles["state"] = replace(_BASE["center"], fill=FLAG_FILL)  # 待提交 / 待核实
    styles["header_left"] = replace(_BASE["header"], alignment=Alignment(horizontal="left", vertical="center"))
    styles["plain"] = Style(font=BODY_FONT, border=Border())
    return styles


STYLES: dict[str, Style] = _variants()
# The 汇总 workbook holds both: the 汇总表's styles (look) and 失分分析's. Where a name is
# in both, the 汇总表's wins (its "percent" is a fraction; 失分分析 uses "share" for that).
SUMMARY_STYLES: dict[str, Style] = {**STYLES, **look.STYLES}


def signed(style: str, value: object) -> str:
    """``change`` → ``change_up`` for a rise, ``change_down`` for a fall, as is otherwise."""
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        if value > 0:
            return f"{style}_up"
        if value < 0:
            return f"{style}_down"
    return style


def fit(texts: Sequence[tuple[str, float]], *, line: float = 15, minimum: float = 18) -> float:
    """A row height for wrapped text: ``texts`` are (text, width of its cell in characters).

    A line of 10-point 宋体 takes about 13.5 points in Excel; the CJK fonts LibreOffice
    substitutes on Linux set lines further apart, so 15 keeps the last line on the page.
    """
    lines = 1
    for text, width in texts:
        usable = max(int(width) - 1, 2)
        count = sum(max(1, math.ceil(display_width(part) / usable)) for part in text.split("\n"))
        lines = max(lines, count)
    return max(minimum, lines * line + 2)
