"""A worksheet's XML, parsed for real: its true extent, formulas, errors, hidden rows and
columns — and, when the fast reader must not see a sheet, its values.

python-calamine gives cell values quickly but allocates a dense grid from A1 to the
last used cell: one cell written as ``<c r='XFD1048576'>`` (valid XML, single quotes),
or 16,384 cells without an ``r`` attribute, make it ask for 512 GiB and abort the
whole process. Searching the bytes with patterns is fooled by exactly such variations,
so every sheet is parsed with expat (:mod:`kaohe_xl.xlsx.xmlsafe`: no DTD, no entities)
before calamine may read it, and :func:`scan` reports:

- ``plain``: every cell carries a well-formed reference within Excel's grid — only then
  do two readers agree on where each cell is, and only then may calamine read the sheet;
- ``last_row``/``last_col``: the extent of those references (cells without ``r`` are
  placed where Excel places them by :func:`read_values`, the reader of such sheets);
- formula cells (``<f>``) and error cells (``t="e"``, whose text calamine drops);
- hidden rows and columns (a decoy can hide the cells that are really read);
- ``stopped``: the parse ended at the cell or element limit (the sheet is not a form).

:func:`read_values` is the slower reader for the sheets calamine must not see: it keeps
the first ``max_column`` columns and stops after ``cell_limit`` cells.
"""

from __future__ import annotations

import pyexpat
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kaohe_xl.xlsx.limits import MAX_COLUMNS, MAX_ROWS
from kaohe_xl.xlsx.numfmt import excel_date
from kaohe_xl.xlsx.ooxml import column_index, column_letter
from kaohe_xl.xlsx.sharedstrings import shared_strings, unescape
from kaohe_xl.xlsx.xmlsafe import Stop, XmlRefused, local, parse

MAX_ROW, MAX_COLUMN = MAX_ROWS, MAX_COLUMNS  # Excel's grid
SCAN_SECONDS = 20.0  # a parse that takes longer stops the same way
_REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})\Z")
_COLUMNS: dict[str, int] = {}


def _column(letters: str) -> int:
    index = _COLUMNS.get(letters)
    if index is None:
        index = column_index(letters)
        if len(_COLUMNS) < MAX_COLUMN:  # only grid letters reach here, but stay bounded
            _COLUMNS[letters] = index
    return index


@dataclass
class SheetScan:
    """What one parse of a sheet found (see the module docstring)."""

    last_row: int = 0
    last_col: int = 0
    cells: int = 0
    plain: bool = True
    stopped: bool = False
    formulas: set[str] = field(default_factory=set)
    errors: dict[str, str] = field(default_factory=dict)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: list[tuple[int, int]] = field(default_factory=list)
    values: dict[int, dict[int, object]] = field(default_factory=dict)  # read_values only: row → column → value

    def column_hidden(self, column: int) -> bool:
        return any(low <= column <= high for low, high in self.hidden_cols)


def scan(
    xml: bytes,
    cell_limit: int,
    strings: Callable[[], list[str]] | None = None,
    dates: Callable[[], dict[int, str]] | None = None,
) -> SheetScan:
    """Parse a sheet's XML once, bounded by ``cell_limit`` cells and :data:`SCAN_SECONDS`;
    raises :class:`XmlRefused` when it is not XML. With ``strings`` (the shared string
    table, asked for only when a cell refers to it) the cell values are read in the same
    pass (``values``) as python-calamine reads them: numbers in date-formatted cells
    (``dates``: the date styles, :func:`kaohe_xl.xlsx.numfmt.date_styles`) as dates.

    Long because it is the hot path of collect: one start-element handler, closures and
    lists instead of objects; references are checked and measured in one go at the end.
    ``last_row``/``last_col`` are exact for a ``plain`` sheet and 0 otherwise (such a
    sheet is read by :func:`read_values`, which places cells without references).
    """
    refs: list[str | None] = []
    add = refs.append
    kinds: list[str | None] = []  # each cell's t attribute
    kind = kinds.append
    styles: list[str | None] = []  # each cell's s attribute
    style = styles.append
    chunks: list[tuple[int, str]] = []  # (cell number, text of its <v> or <t>)
    chunk = chunks.append
    formula_at: list[int] = []  # len(refs) when an <f> started: the cell it belongs to
    hidden: list[tuple[str | None, int]] = []  # (row r, len(refs)) of hidden rows
    phonetic = [-1]  # the cell whose phonetic run (<rPh>) started: its <t> is no value
    capture = strings is not None  # values too, or only the checks (errors are read either way)
    found = SheetScan()
    listen: list[pyexpat.XMLParserType] = []

    def start(name: str, attrs: list[str]) -> None:
        # attrs: [name, value, name, value, ...] (ordered_attributes: no dict per element)
        if name == "c":
            n = len(attrs)
            if n == 6 and attrs[0] == "r" and attrs[2] == "s" and attrs[4] == "t":  # as Excel, WPS, openpyxl write it
                add(attrs[1])
                style(attrs[3])
                kind(attrs[5])
            elif n == 4 and attrs[0] == "r" and attrs[2] == "s":
                add(attrs[1])
                style(attrs[3])
                kind(None)
            else:
                add(_attribute(attrs, "r"))
                style(_attribute(attrs, "s"))
                kind(_attribute(attrs, "t"))
        elif name == "v" or name == "t":
            if (capture or kinds[-1] == "e") and phonetic[0] != len(refs):
                parser = listen[0]
                parser.CharacterDataHandler = text
                parser.EndElementHandler = end_text
        elif name in _PASS:
            return
        elif ":" in name:
            start(local(name), attrs)
        elif name == "f":
            formula_at.append(len(refs))
        elif name == "row":
            if "hidden" in attrs and _attribute(attrs, "hidden") in _TRUE:
                hidden.append((_attribute(attrs, "r"), len(refs)))
        elif name == "rPh":
            phonetic[0] = len(refs)
        elif name == "col":
            _hidden_columns(dict(zip(attrs[::2], attrs[1::2], strict=False)), found.hidden_cols)

    def text(data: str) -> None:
        chunk((len(refs), data))

    def end_text(_name: str) -> None:
        parser = listen[0]
        parser.CharacterDataHandler = None
        parser.EndElementHandler = None

    def setup(parser: pyexpat.XMLParserType) -> None:
        listen.append(parser)
        parser.ordered_attributes = True
        parser.buffer_text = True
        parser.StartElementHandler = start

    deadline = time.monotonic() + SCAN_SECONDS
    if not parse(xml, setup, lambda: len(refs) <= cell_limit and time.monotonic() < deadline):
        found.stopped = True
    found.cells = len(refs)
    if None in refs:
        found.plain = False
        return found
    joined = "\n".join(refs)  # type: ignore[arg-type]  # no None left
    if refs and not _REFS.fullmatch(joined + "\n"):
        found.plain = False
        return found
    found.last_row = max(map(int, _DIGITS.findall(joined)), default=0)
    found.last_col = max(map(_column, set(_UPPER.findall(joined))), default=0)
    if found.last_row > MAX_ROW or found.last_col > MAX_COLUMN:
        found.plain = False
    found.formulas = {refs[i - 1] for i in formula_at if i} if formula_at else set()  # type: ignore[misc]
    for row, at in hidden:
        if row is not None and row.isdigit():
            found.hidden_rows.add(int(row))
        elif at < len(refs):  # a hidden row without r: the row of its first cell
            found.hidden_rows.add(int(_DIGITS.findall(refs[at])[0]))  # type: ignore[arg-type]
    _values(found, refs, kinds, styles, chunks, strings, dates)  # type: ignore[arg-type]
    return found


def _values(
    found: SheetScan,
    refs: list[str],
    kinds: list[str | None],
    styles: list[str | None],
    chunks: list[tuple[int, str]],
    strings: Callable[[], list[str]] | None,
    dates: Callable[[], dict[int, str]] | None,
) -> None:
    """The typed value of every cell with text, and the text of error cells."""
    texts: dict[int, str] = {}
    for at, data in chunks:
        if at:  # text before the first cell belongs to none
            texts[at] = texts[at] + data if at in texts else data
    shared: list[str] = []
    dated: dict[str | None, str] | None = None  # the s attribute of date styles → DATE/DURATION
    values = found.values
    errors = found.errors
    columns = _COLUMNS
    for at, data in texts.items():
        kind = kinds[at - 1]
        if kind is None or kind == "n":  # a number (the common case, typed inline)
            if not data:
                continue
            try:
                value: object = float(data)
            except ValueError:
                value = data
            if dates is not None and isinstance(value, float):
                if dated is None:
                    dated = {str(style): what for style, what in dates().items()}
                if dated and styles[at - 1] in dated:
                    value = excel_date(value, dated[styles[at - 1]])
        elif kind == "inlineStr":
            value = unescape(data)
        else:
            if kind == "e":
                errors[refs[at - 1]] = data
            if kind == "s" and not shared and strings is not None:
                shared = strings()
            value = _typed(kind, data, shared)
        if strings is None or value is None:
            continue
        ref = refs[at - 1]
        digits = 1 if ref[1].isdigit() else 2 if ref[2].isdigit() else 3
        number = int(ref[digits:])
        row = values.get(number)
        if row is None:
            row = values[number] = {}
        letters = ref[:digits]
        row[columns.get(letters) or _column(letters)] = value


_TRUE = ("1", "true")
_PASS = frozenset({"is", "t", "r", "rPr", "rFont", "sz", "color", "family", "b", "i", "u", "charset", "scheme"})


def _attribute(attrs: list[str], name: str) -> str | None:
    """The value of attribute ``name`` in expat's ordered list [name, value, ...]."""
    for at in range(0, len(attrs) - 1, 2):
        if attrs[at] == name:
            return attrs[at + 1]
    return None


_REFS = re.compile(r"(?:[A-Z]{1,3}[1-9][0-9]{0,6}\n)*")
_DIGITS = re.compile(r"[0-9]+")
_UPPER = re.compile(r"[A-Z]+")


def _hidden_columns(attrs: dict[str, str], into: list[tuple[int, int]]) -> None:
    if attrs.get("hidden") not in _TRUE:
        return
    try:
        low, high = int(attrs.get("min", "0")), int(attrs.get("max", "0"))
    except ValueError:
        return
    if 0 < low <= high:
        into.append((low, min(high, MAX_COLUMN)))


class _Reader:
    """Cell by cell, with every position worked out as Excel does (the slow, careful pass).

    A cell without a usable ``r`` is placed in the current row (``<row r>``, else the row
    after the last one) right of the previous cell.
    """

    def __init__(self, cell_limit: int, strings: list[str], max_column: int) -> None:
        self.found = SheetScan()
        self.cell_limit = cell_limit
        self.strings = strings
        self.max_column = max_column
        self.row = self.column = self.cell_row = 0
        self.ref = ""
        self.kind = "n"
        self.text = False  # inside <v> or a <t> of the value (not of a phonetic run)
        self.phonetic = False
        self.parts: list[str] = []

    def setup(self, xml: pyexpat.XMLParserType) -> None:
        xml.StartElementHandler = self.start
        xml.EndElementHandler = self.end
        xml.CharacterDataHandler = self.data

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = local(name)
        if tag == "c":
            self.cell(attrs)
        elif tag == "row":
            r = attrs.get("r", "")
            self.row = int(r) if r.isdigit() and 0 < int(r) <= MAX_ROW else self.row + 1
            self.column = 0
            if attrs.get("hidden") in _TRUE:
                self.found.hidden_rows.add(self.row)
        elif tag == "f":
            self.found.formulas.add(self.ref)
        elif tag == "v" or (tag == "t" and not self.phonetic):
            self.text = True
        elif tag == "is":
            self.parts = []
        elif tag == "rPh":
            self.phonetic = True
        elif tag == "col":
            _hidden_columns(attrs, self.found.hidden_cols)

    def cell(self, attrs: dict[str, str]) -> None:
        found = self.found
        found.cells += 1
        if found.cells > self.cell_limit:
            found.stopped = True
            raise Stop
        r = attrs.get("r", "")
        match = _REF.match(r) if r else None
        if match is not None and int(match.group(2)) <= MAX_ROW and _column(match.group(1)) <= MAX_COLUMN:
            row, column = int(match.group(2)), _column(match.group(1))
        else:
            found.plain = False
            row, column = max(self.row, 1), self.column + 1
        self.ref = f"{column_letter(column)}{row}"
        self.column, self.cell_row = column, row
        found.last_row, found.last_col = max(found.last_row, row), max(found.last_col, column)
        self.kind = attrs.get("t", "n")
        self.parts = []

    def data(self, text: str) -> None:
        if self.text:
            self.parts.append(text)

    def end(self, name: str) -> None:
        tag = local(name)
        if tag in ("v", "t"):
            self.text = False
        elif tag == "rPh":
            self.phonetic = False
        elif tag == "c":
            self.store()

    def store(self) -> None:
        text = "".join(self.parts)
        self.parts = []
        if self.column > self.max_column:
            return
        value = _typed(self.kind, text, self.strings)
        if self.kind == "e":
            self.found.errors[self.ref] = text
        if value is not None:
            self.found.values.setdefault(self.cell_row, {})[self.column] = value


def _typed(kind: str, text: str, strings: list[str]) -> object:
    if kind == "inlineStr":
        return unescape(text)
    if text == "":
        return None
    if kind == "s":
        index = int(text) if text.strip().isdigit() else -1
        return strings[index] if 0 <= index < len(strings) else ""
    if kind == "b":
        return text.strip() == "1"
    if kind == "str":
        return unescape(text)
    if kind == "e":
        return text
    try:
        return float(text)
    except ValueError:
        return text


def read_values(xml: bytes, strings: list[str], max_column: int, cell_limit: int) -> SheetScan:
    """:func:`scan` plus the cell values (str, float, bool; dates stay serial numbers),
    for the first ``max_column`` columns; ``stopped`` when ``cell_limit`` was reached."""
    reader = _Reader(cell_limit, strings, max_column)
    deadline = time.monotonic() + SCAN_SECONDS
    if not parse(xml, reader.setup, lambda: time.monotonic() < deadline):
        reader.found.stopped = True
    return reader.found


__all__ = ["SheetScan", "XmlRefused", "read_values", "scan", "shared_strings", "unescape"]
