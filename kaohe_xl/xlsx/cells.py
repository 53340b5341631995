"""One way to write a cell, for every workbook the program makes.

A cell is a value and a :class:`Style`. The value decides what the cell holds, the same
whether it goes into an openpyxl worksheet (the forms, the skeletons of the outputs) by
:func:`put`, or into streamed row XML (:mod:`kaohe_xl.xlsx.sheetwriter`) by
:func:`cell_xml`:

* ``str``: text, never a formula, whatever it starts with (Excel and openpyxl would run
  ``=HYPERLINK(...)`` typed by a unit); cleaned by :func:`~kaohe_xl.textnorm.safe_text`;
  text starting with ``= + - @`` also gets Excel's quote prefix, so it stays text when
  someone edits the cell;
* ``Decimal``/``int``/``float``: a number (a whole Decimal as an integer);
* :class:`Formula`: one of *our* formulas and the result it gives, stored with it so
  that readers that do not recalculate (previews, python-calamine, pandas) show the
  figure (openpyxl cannot store it: :func:`put` records it and :func:`with_results`
  puts it into the saved file);
* ``bool``: TRUE/FALSE; ``None`` or ``""``: an empty, styled cell.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from kaohe_xl.textnorm import CELL_TEXT_MAX, safe_text

# Characters XML 1.0 does not allow in text (openpyxl refuses them too).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Anything text needs done to it before it goes into XML: escaping or cleaning.
_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Excel (and LibreOffice) read a cell typed as =, +, - or @ as a formula.
FORMULA_START = ("=", "+", "-", "@")


@dataclass(frozen=True)
class Style:
    """The look of a cell: font, fill, border, alignment, number format, protection."""

    font: Font = field(default_factory=Font)
    fill: PatternFill = field(default_factory=PatternFill)
    border: Border = field(default_factory=Border)
    alignment: Alignment = field(default_factory=Alignment)
    number_format: str = "General"
    protection: Protection = field(default_factory=Protection)

    @property
    def size(self) -> float:
        """The font size in points (Excel's default 11 when unset)."""
        return float(self.font.sz or 11)

    @property
    def wraps(self) -> bool:
        return bool(self.alignment.wrap_text)


@dataclass(frozen=True)
class Formula:
    """A formula (without ``=``) and the result it gives, stored for readers that do not recalculate."""

    expr: str
    value: Decimal | int | float | str | bool | None = None


Value = Decimal | int | float | str | bool | Formula | None


def number(value: Decimal | int | float) -> int | float:
    """A number as a cell stores it: whole Decimals as int, other Decimals as float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def text_of(value: object) -> str:
    """Text safe for XML: characters XML forbids dropped, then escaped."""
    return _ILLEGAL.sub("", str(value)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def number_text(value: Decimal | int | float) -> str:
    """A number as ``<v>`` holds it."""
    if isinstance(value, Decimal):
        text = str(value)
        return format(value, "f") if "E" in text else text
    return repr(value) if isinstance(value, float) else str(int(value))


def cell_xml(ref: str, value: Value, style_index: int, shared: Callable[[str], int] | None = None) -> str:
    """The ``<c>`` element of one cell: formulas with their result; text inline, or as
    an index into the shared strings (``shared(text)`` gives it)."""
    attr = f' s="{style_index}"' if style_index else ""
    if value is None or value == "":
        return f'<c r="{ref}"{attr}/>'
    if isinstance(value, Formula):
        expr = text_of(value.expr.removeprefix("="))
        result = value.value
        if result is None:
            return f'<c r="{ref}"{attr}><f>{expr}</f></c>'
        if isinstance(result, bool):
            return f'<c r="{ref}"{attr} t="b"><f>{expr}</f><v>{int(result)}</v></c>'
        if isinstance(result, str):
            return f'<c r="{ref}"{attr} t="str"><f>{expr}</f><v>{text_of(result)}</v></c>'
        return f'<c r="{ref}"{attr}><f>{expr}</f><v>{number_text(result)}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{attr} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, str):
        if shared is not None:
            return f'<c r="{ref}"{attr} t="s"><v>{shared(value)}</v></c>'
        text = text_of(safe_text(value)) if _SPECIAL.search(value) or len(value) > CELL_TEXT_MAX else value
        return f'<c r="{ref}"{attr} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    return f'<c r="{ref}"{attr}><v>{number_text(value)}</v></c>'


# Formula results openpyxl cannot store, per workbook: {sheet title: {cell ref: result}}.
_RESULTS: weakref.WeakKeyDictionary[Workbook, dict[str, dict[str, object]]] = weakref.WeakKeyDictionary()


def put(ws: Worksheet, row: int, column: int, value: Value, style: Style | None = None) -> Cell:
    """Write ``value`` into an openpyxl cell, styled (see the module docstring)."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, Formula):
        cell.value = "=" + value.expr.removeprefix("=")
        if value.value is not None:
            _RESULTS.setdefault(ws.parent, {}).setdefault(ws.title, {})[cell.coordinate] = value.value
    elif isinstance(value, str):
        text = safe_text(value)
        cell.value = text or None
        cell.data_type = "s"  # openpyxl would store "=..." as a formula
        if text.startswith(FORMULA_START):
            cell.quotePrefix = True
    elif isinstance(value, Decimal):
        cell.value = number(value)
    else:
        cell.value = value
    if style is not None:
        apply(cell, style)
    return cell


def apply(cell: Cell, style: Style) -> None:
    """Give ``cell`` the look of ``style`` (its value stays)."""
    cell.font = style.font
    cell.fill = style.fill
    cell.border = style.border
    cell.alignment = style.alignment
    cell.number_format = style.number_format
    cell.protection = style.protection


def results_of(wb: Workbook) -> Mapping[str, Mapping[str, object]]:
    """The formula results :func:`put` recorded for ``wb``: {sheet title: {cell ref: result}}."""
    return _RESULTS.get(wb, {})
