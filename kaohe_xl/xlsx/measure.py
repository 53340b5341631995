"""How much room text takes in a printed cell: lines, row heights, page capacity.

Neither Excel nor LibreOffice grows a row for wrapped text that a program wrote, so
every row height is set from the text: the text is wrapped here as a renderer would,
against the column's width, at the cell's font size, and the row gets room for that
many lines.

The measures err on the side of room, so that no renderer clips a line:

* a column of width *w* (Excel's unit: the width of a digit of the workbook's default
  font, Calibri 11 = 7 px) holds ``7w`` pixels, of which about 5 are padding; Excel's
  unit is the narrowest of the renderers (LibreOffice without Calibri's metrics draws
  wider columns), so text wraps no later anywhere than it does here;
* a CJK or full-width character is one em wide (the font size), any other about 0.62 em
  (CJK fonts' Latin digits and DejaVu Sans, LibreOffice's fallback, are that wide);
* a line is 1.45 em tall (Noto Sans CJK, what LibreOffice substitutes for 宋体; SimSun
  in Excel needs less);
* a line never starts with closing punctuation (，。；：、）》 ...) nor ends with an
  opening one (the Chinese line-breaking rule): the character before moves down with it,
  as renderers that follow the rule do.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable

ROW_HEIGHT_MAX = 409.5  # Excel's tallest row, in points
PIXEL_PT = 0.75  # one pixel at 96 dpi, in points
DIGIT_PX = 7  # Calibri 11's digit: Excel's column width unit
CELL_PADDING_PX = 5  # left and right margins inside a cell
LINE_EM = 1.45  # line height, in font sizes
ROW_PADDING_PT = 4.0  # above and below the text of a row
NARROW_EM = 0.62
# A line may not start with these (closing punctuation) nor end with the openers.
CLOSING = set("，。、；：？！）》」』】〕〉’”,.;:?!)]}%・…—～")
OPENING = set("（《「『【〔〈‘“([{")

# A4 in points, and the margins every printed sheet uses (inches, as Excel stores them).
A4 = (595.0, 842.0)
MARGIN_SIDE = 0.4
MARGIN_TOP = 0.6
MARGIN_BOTTOM = 0.8  # leaves FOOTER_HEIGHT below the table for the page number
MARGIN_FOOTER = 0.3  # from the paper's edge to the footer line
FOOTER_SIZE = 9


def column_points(width: float) -> float:
    """A column's printed width in points at 100 % (Excel's rule: 7 px a unit)."""
    return DIGIT_PX * width * PIXEL_PT


def _char_width(ch: str, size: float) -> float:
    return size if unicodedata.east_asian_width(ch) in "WF" else size * NARROW_EM


def text_points(text: str, size: float) -> float:
    """The width of one line of ``text`` at ``size`` points."""
    return sum(_char_width(ch, size) for ch in text)


def wrap(text: str, width: float, size: float) -> list[str]:
    """``text`` broken into the lines a column of ``width`` units shows at ``size`` pt.

    CJK text breaks between any two characters, other text at spaces (a word longer
    than the line breaks anywhere), ``\\n`` always; closing punctuation never starts a
    line and opening punctuation never ends one.
    """
    room = max(column_points(width) - CELL_PADDING_PX * PIXEL_PT, size)
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        lines += _wrap_paragraph(paragraph, room, size)
    return lines


def _wrap_paragraph(text: str, room: float, size: float) -> list[str]:
    lines: list[str] = []
    start = 0
    used = 0.0
    n = 0
    while n < len(text):
        w = _char_width(text[n], size)
        if used + w <= room or n == start:
            used += w
            n += 1
            continue
        cut = _break_before(text, start, n)
        lines.append(text[start:cut].rstrip(" "))
        start = cut
        while start < len(text) and text[start] == " ":
            start += 1
        n = start
        used = 0.0
    if start < len(text) or not lines:
        lines.append(text[start:])
    return lines


def _break_before(text: str, start: int, n: int) -> int:
    """Where the line that overflows at ``n`` ends: a legal break at or before ``n``."""
    cut = n
    # closing punctuation takes the character before it down; an opener goes down too
    while cut > start + 1 and (text[cut] in CLOSING or text[cut - 1] in OPENING):
        cut -= 1
    if _narrow(text[cut]) and _narrow(text[cut - 1]) and text[cut] != " ":
        space = text.rfind(" ", start, cut)
        word_start = max(space + 1, _wide_before(text, start, cut))
        if word_start > start:
            cut = word_start
    return cut if cut > start else n


def _narrow(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) not in "WF" and ch not in CLOSING and ch not in OPENING


def _wide_before(text: str, start: int, cut: int) -> int:
    """The position after the last wide character before ``cut`` (a word starts there)."""
    n = cut
    while n > start and _narrow(text[n - 1]):
        n -= 1
    return n


def line_points(size: float) -> float:
    """The height of one line of text at ``size`` points."""
    return LINE_EM * size


def lines_height(lines: int, size: float, minimum: float = 0.0) -> float:
    """A row height (points, rounded up to a quarter point) for ``lines`` lines at ``size``."""
    height = lines * line_points(size) + ROW_PADDING_PT
    return min(max(minimum, math.ceil(height * 4) / 4), ROW_HEIGHT_MAX)


def row_height(cells: Iterable[tuple[object, float, float]], minimum: float = 0.0) -> float:
    """The height a row needs: ``cells`` are (text, column width, font size).

    The tallest cell decides; merged cells are measured against their merged width.
    Excel refuses a row taller than 409.5 points: a longer text is cut off there.
    """
    height = minimum
    for text, width, size in cells:
        if text is None or text == "":
            continue
        height = max(height, lines_height(len(wrap(str(text), width, size)), size))
    return height


def printable(landscape: bool) -> tuple[float, float]:
    """The page's printable width and height in points (A4, the margins above)."""
    width, height = (A4[1], A4[0]) if landscape else A4
    return width - 2 * MARGIN_SIDE * 72, height - (MARGIN_TOP + MARGIN_BOTTOM) * 72


def fit_scale(widths: Iterable[float], landscape: bool) -> float:
    """The largest scale a renderer prints a fit-to-width sheet at (≤ 1).

    Fit-to-width shrinks a sheet wider than the page; Excel's column unit is the
    narrowest of the renderers, so this is the scale at which rows are tallest on paper:
    a page filled by :func:`page_rows` at this scale never runs over in any renderer.
    """
    total = sum(column_points(w) for w in widths)
    room, _ = printable(landscape)
    return min(1.0, room / total) if total else 1.0
