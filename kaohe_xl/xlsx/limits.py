"""Excel's limits on the text a workbook holds, and user text cut to fit them.

Excel counts characters as UTF-16 code units: a 生僻字 outside the Basic Multilingual
Plane (𠀀, 𪚥) or an emoji counts two. A workbook over a limit is not refused by the
writers (openpyxl, ours) but by Excel, which "repairs" the file and drops the part:

* a sheet name: at most 31 units, none of ``[]:*?/\\``, not starting or ending with an
  apostrophe, not ``History`` (Excel reserves it), unique ignoring case;
* a data validation's prompt and error titles: at most 32 units; their texts: 255;
* a cell: 32,767 characters (:data:`kaohe_xl.textnorm.CELL_TEXT_MAX`);
* a row: at most 409.5 points tall; a column: at most 255 characters wide;
* a formula: at most 8,192 characters, a function at most 255 arguments;
* a sheet: 1,048,576 rows and 16,384 columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the form readers use these limits too, and import no openpyxl
    from openpyxl.worksheet.datavalidation import DataValidation

SHEET_TITLE_MAX = 31
VALIDATION_TITLE_MAX = 32
VALIDATION_TEXT_MAX = 255
ROW_HEIGHT_MAX = 409.5
COLUMN_WIDTH_MAX = 255.0
FORMULA_MAX = 8192
ARGUMENTS_MAX = 255
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
RESERVED_SHEET_TITLES = {"history"}
_BAD_TITLE_CHARS = re.compile(r"[\[\]:*?/\\]")


def units(text: str) -> int:
    """The length of ``text`` as Excel counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def cut(text: str, limit: int, ellipsis: str = "") -> str:
    """``text`` cut to at most ``limit`` UTF-16 units (a pair is never split), ``ellipsis`` at the end when cut."""
    if units(text) <= limit:
        return text
    room = limit - units(ellipsis)
    out, used = [], 0
    for ch in text:
        size = 2 if ord(ch) > 0xFFFF else 1
        if used + size > room:
            break
        out.append(ch)
        used += size
    return "".join(out) + ellipsis


def sheet_title(text: str, taken: Iterable[str] = (), fallback: str = "Sheet") -> str:
    """A valid sheet name from user text, unique among ``taken`` (ignoring case).

    Forbidden characters become ``_``; blanks and apostrophes at either end go; the name
    is cut to 31 UTF-16 units, then cut again (never ending in an apostrophe) to make
    room for ``(2)``, ``(3)`` ... when it is taken.
    """
    base = _BAD_TITLE_CHARS.sub("_", text).strip().strip("'").strip()
    base = _trim(cut(base, SHEET_TITLE_MAX)) or fallback
    if base.casefold() in RESERVED_SHEET_TITLES:
        base = f"{base}_"
    used = {t.casefold() for t in taken}
    title, n = base, 2
    while title.casefold() in used:
        suffix = f"({n})"
        title = _trim(cut(base, SHEET_TITLE_MAX - units(suffix))) + suffix
        n += 1
    return title


def _trim(title: str) -> str:
    return title.rstrip().rstrip("'").rstrip()


def fit_validation(dv: DataValidation) -> DataValidation:
    """``dv`` with its prompt/error titles cut to 32 units and texts to 255 (Excel's limits)."""
    for name, limit in (
        ("promptTitle", VALIDATION_TITLE_MAX),
        ("errorTitle", VALIDATION_TITLE_MAX),
        ("prompt", VALIDATION_TEXT_MAX),
        ("error", VALIDATION_TEXT_MAX),
    ):
        value = getattr(dv, name)
        if value:
            setattr(dv, name, cut(value, limit, "…"))
    return dv


def row_height(points: float) -> float:
    """A row height Excel accepts."""
    return min(points, ROW_HEIGHT_MAX)


def column_width(width: float) -> float:
    """A column width Excel accepts."""
    return min(width, COLUMN_WIDTH_MAX)


def function(name: str, arguments: Sequence[str]) -> str:
    """``NAME(a,b,...)`` with at most 255 arguments per call: more are grouped into
    nested calls of the same function (right for SUM, MAX, MIN, OR, AND)."""
    if len(arguments) <= ARGUMENTS_MAX:
        return f"{name}({','.join(arguments)})"
    groups = [function(name, arguments[n : n + ARGUMENTS_MAX]) for n in range(0, len(arguments), ARGUMENTS_MAX)]
    return function(name, groups)
