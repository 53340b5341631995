"""The rows of one output sheet, as XML: streamed, spooled to disk past a size, measured.

Part of :mod:`kaohe_xl.xlsx.sheetwriter`: a :class:`~kaohe_xl.xlsx.sheetwriter.Book`
gives each sheet a :class:`SheetRows` that turns cells (value, style name) into
``<row>`` elements, in order. Text goes into the book's shared strings (written once
however many rows repeat it); numbers and formulas (with their results) are written by
:func:`~kaohe_xl.xlsx.cells.cell_xml`. A row's height is given, measured from its text
(:mod:`kaohe_xl.xlsx.measure`), or left to the renderer.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from functools import cache, lru_cache
from typing import IO

from kaohe_xl.xlsx import measure
from kaohe_xl.xlsx.cells import FORMULA_START, Style, Value, cell_xml
from kaohe_xl.xlsx.limits import ROW_HEIGHT_MAX
from kaohe_xl.xlsx.ooxml import cell_name

Cell = tuple[Value, str] | None  # (value, style name); None leaves the cell out
EXCEL_MAX_ROW_HEIGHT = ROW_HEIGHT_MAX  # points: Excel refuses a taller row
_SPOOL = 8 * 1024 * 1024  # rows of a sheet stay in memory up to this size, then go to a temporary file
DEFAULT_WIDTH = 8.43  # Excel's default column width


@lru_cache(maxsize=65536)
def _lines(text: str, width: float, size: float) -> int:
    """How many lines ``text`` takes (cached: the same texts come back on every unit)."""
    return len(measure.wrap(text, width, size))


@cache
def _height(lines: int, size: float) -> float:
    return measure.lines_height(lines, size)


@lru_cache(maxsize=1024)
def _span_sets(spans: tuple[tuple[int, int], ...]) -> tuple[dict[int, int], frozenset[int]]:
    """first → last column of each span, and the columns the spans cover after their first
    (cached: every 反馈表 repeats the same few spans). The dict is shared: read it only."""
    return {first: last for first, last in spans}, frozenset(
        c for first, last in spans for c in range(first + 1, last + 1)
    )


# Column letters by index (A = 1), up to Excel's last column (XFD = 16384).
_LETTERS = ["", *(cell_name(1, n)[:-1] for n in range(1, 16385))]


class SheetRows:
    """The rows of one sheet, appended in order. Rows are 1-based, as in Excel.

    A row's height is either given, measured from its text (``fit=True``: each wrapping
    cell's text against its column's width, or its merged span's, at its font size; see
    :mod:`kaohe_xl.xlsx.measure`), or left to the renderer.
    """

    def __init__(
        self,
        styles: Mapping[str, int],
        looks: Mapping[str, Style] | None = None,
        widths: Mapping[int, float] | None = None,
        quoted: Mapping[str, int] | None = None,
        strings: dict[str, int] | None = None,
        heights: dict[object, float] | None = None,
    ) -> None:
        self._styles = styles
        self._quoted = quoted or styles
        self._strings = {} if strings is None else strings  # text → index in the shared strings
        self._texts: dict[tuple[str, str], str] = {}  # (text, style) → its cell XML after the reference
        self._fitted: dict[tuple[int, str, str], tuple[float, str]] = {}  # (column, text, style) → both
        # (column, text, style) or style → height; shared by the books of one skeleton
        self._heights: dict[object, float] = {} if heights is None else heights
        # each style's font size and whether it wraps, read once (openpyxl's descriptors are slow)
        self._metrics = {name: (look.size, look.wraps) for name, look in (looks or {}).items()}
        for name in styles:
            self._metrics.setdefault(name, (11.0, False))
        self._widths = widths or {}
        self._spans: dict[tuple[int, int], float] = {}  # (first, last) column → their width together
        self._memory: list[bytes] = []  # the rows' XML, until it outgrows _SPOOL
        self._size = 0
        self._file: IO[bytes] | None = None  # then a temporary file (closed by close())
        self.merges: list[str] = []
        self.breaks: list[int] = []  # a page starts at each of these rows
        self.last_row = 0
        self.last_column = 0
        self.last_height = 0.0  # the height given to the last row (0: the renderer's)

    def width(self, column: int) -> float:
        """Column ``column``'s width in Excel units (the skeleton's, else Excel's default)."""
        return self._widths.get(column, DEFAULT_WIDTH)

    def measure(self, cells: Sequence[Cell], *, spans: Sequence[tuple[int, int]] = (), minimum: float = 0.0) -> float:
        """The height (points) ``cells`` need: the tallest wrapping text, at least one line.

        Each cell's height is measured once per sheet and kept (the same texts come back on
        every unit): a text by (column, text, style), or by (text, style, merged width) in a
        merged span; anything else by its style alone (one line at its font size).
        """
        if spans:
            return self._measure_spans(cells, spans, minimum)
        height = minimum
        heights = self._heights
        for column, cell in enumerate(cells, start=1):
            if cell is None:
                continue
            value, name = cell
            if value is None:
                continue
            if isinstance(value, str):
                if not value:
                    continue
                key: object = (column, value, name)
            else:
                key = name
            needed = heights.get(key)
            if needed is None:
                needed = self._measured(key, value, name, self.width(column))
            if needed > height:
                height = needed
        return min(height, EXCEL_MAX_ROW_HEIGHT)

    def _measure_spans(self, cells: Sequence[Cell], spans: Sequence[tuple[int, int]], minimum: float) -> float:
        """:meth:`measure` of a row with merged spans: a span's text against its merged width."""
        height = minimum
        heights = self._heights
        spanned, covered = _span_sets(tuple(spans))
        for column, cell in enumerate(cells, start=1):
            if cell is None or column in covered:
                continue
            value, name = cell
            if value is None:
                continue
            if isinstance(value, str):
                if not value:
                    continue
                last = spanned.get(column, column)
                # (first, last, text, style): never equal to an unmerged cell's (column, text, style)
                key: object = (column, last, value, name)
            else:
                last, key = column, name  # one line at the style's font size, whatever the width
            needed = heights.get(key)
            if needed is None:
                needed = self._measured(key, value, name, self._span_width(column, last))
            if needed > height:
                height = needed
        return min(height, EXCEL_MAX_ROW_HEIGHT)

    def _span_width(self, first: int, last: int) -> float:
        """The width of columns ``first`` to ``last`` together (kept: a few spans repeat)."""
        width = self._spans.get((first, last))
        if width is None:
            width = self._spans[(first, last)] = sum(self.width(c) for c in range(first, last + 1))
        return width

    def _measured(self, key: object, value: Value, name: str, width: float) -> float:
        """Measure a cell (:meth:`_needed`) and keep its height under ``key``."""
        needed = self._heights[key] = self._needed(value, name, width)
        return needed

    def _needed(self, value: Value, name: str, width: float) -> float:
        size, wraps = self._metrics[name]
        if wraps and isinstance(value, str):
            return _height(_lines(value, width, size), size)
        return _height(1, size)

    def row(
        self,
        cells: Sequence[Cell],
        *,
        height: float | None = None,
        fit: bool = False,
        minimum: float = 0.0,
        spans: Sequence[tuple[int, int]] = (),
        at: int | None = None,
    ) -> int:
        """Write the next row (or row ``at``, after the last one): ``cells`` from column A.

        ``spans``: (first, last) columns merged in this row. ``fit``: the height from the
        text (at least ``minimum``); else ``height``, or the renderer's default.
        """
        number = self.last_row + 1 if at is None else at
        if number <= self.last_row:
            raise ValueError(f"row {number} after row {self.last_row}: rows go in order")
        measuring = fit and not spans  # measured below, in the same pass as the XML
        if fit and spans:
            height = self._measure_spans(cells, spans, minimum)
        elif height and not fit:
            height = min(height, EXCEL_MAX_ROW_HEIGHT)
        tallest = minimum
        parts = [""]  # the <row> tag, once the height is known
        styles, texts, heights, fitted = self._styles, self._texts, self._heights, self._fitted
        last = 0
        for column, cell in enumerate(cells, start=1):
            if cell is None:
                continue
            value, name = cell
            last = column
            # the common cases inline (tens of thousands of rows); the rest by cell_xml
            if isinstance(value, str) and value:
                if measuring:  # one look-up for the height and the XML of a text in its column
                    known = fitted.get((column, value, name))
                    if known is None:
                        known = self._fitted_text(column, value, name)
                    needed, tail = known
                    if needed > tallest:
                        tallest = needed
                else:
                    tail = texts.get((value, name)) or self._text_tail(value, name)
                parts.append(f'<c r="{_LETTERS[column]}{number}"{tail}')
                continue
            if value is None or isinstance(value, str):  # None, or "" (an empty cell)
                parts.append(f'<c r="{_LETTERS[column]}{number}" s="{styles[name]}"/>')
                continue
            if measuring:
                one_line = heights.get(name)
                if one_line is None:
                    one_line = self._measured(name, value, name, 0.0)
                if one_line > tallest:
                    tallest = one_line
            if isinstance(value, Decimal) and value.is_finite():
                text = str(value)
                if "E" in text:
                    text = format(value, "f")
                parts.append(f'<c r="{_LETTERS[column]}{number}" s="{styles[name]}"><v>{text}</v></c>')
            else:
                parts.append(cell_xml(f"{_LETTERS[column]}{number}", value, styles[name], self._add_string))
        if measuring:
            height = min(tallest, EXCEL_MAX_ROW_HEIGHT)
        parts[0] = f'<row r="{number}" ht="{height:g}" customHeight="1">' if height else f'<row r="{number}">'
        if last > self.last_column:
            self.last_column = last
        parts.append("</row>")
        self._keep("".join(parts).encode("utf-8"))
        for first, last in spans:
            self.merge(number, first, number, last)
        self.last_row = number
        self.last_height = height or 0.0
        return number

    def _fitted_text(self, column: int, value: str, name: str) -> tuple[float, str]:
        """A text cell's height in its column and its XML after the reference, kept together."""
        key = (column, value, name)
        needed = self._heights.get(key)
        if needed is None:
            needed = self._measured(key, value, name, self.width(column))
        known = self._fitted[key] = (needed, self._texts.get((value, name)) or self._text_tail(value, name))
        return known

    def _text_tail(self, value: str, name: str) -> str:
        """A text cell's XML after its reference: style and shared-string index (kept: texts repeat)."""
        style = (self._quoted if value[0] in FORMULA_START else self._styles)[name]
        tail = self._texts[(value, name)] = f' s="{style}" t="s"><v>{self._add_string(value)}</v></c>'
        return tail

    def _add_string(self, text: str) -> int:
        index = self._strings.get(text)
        if index is None:
            index = self._strings[text] = len(self._strings)
        return index

    def merge(self, first_row: int, first_column: int, last_row: int, last_column: int) -> None:
        """Merge a block (its first cell shows; give the others the same style for borders)."""
        self.merges.append(f"{_LETTERS[first_column]}{first_row}:{_LETTERS[last_column]}{last_row}")

    def page_break(self, before_row: int) -> None:
        """Start a printed page at ``before_row``."""
        self.breaks.append(before_row)

    def _keep(self, data: bytes) -> None:
        if self._file is None and self._size + len(data) > _SPOOL:
            self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
            self._file.writelines(self._memory)
            self._memory = []
        if self._file is not None:
            self._file.write(data)
        else:
            self._memory.append(data)
        self._size += len(data)

    def chunks(self) -> Iterator[bytes]:
        """The rows' XML, in order."""
        if self._file is None:
            yield b"".join(self._memory)  # one chunk: a deflate call per row costs more than the rows
            return
        self._file.seek(0)
        while chunk := self._file.read(1 << 16):
            yield chunk

    def close(self) -> None:
        """Let go of the rows (and their temporary file)."""
        self._memory = []
        if self._file is not None:
            self._file.close()
            self._file = None
