"""Output workbooks written fast: the layout from an openpyxl skeleton, the rows as XML.

openpyxl builds a cell object per cell, hashes its style against the workbook's style
tables, and keeps the whole workbook in memory; for the 汇总 workbook of a thousand
units (50,000 styled detail rows) or a 反馈表 per unit that is most of the time. Here
openpyxl only lays the workbook out once (sheets, column widths, print setup, print
titles, freeze panes, charts, conditional formats, validations) and registers every cell
style by name; the rows are then written as XML text, sheet by sheet, through one
deflate each, with the skeleton's other parts reused as compressed bytes.

Rules the XML follows (Excel refuses or "repairs" a file otherwise):

* a row's cells come in column order, rows in row order, at most once each;
* text is an inline string, never a formula, whatever it starts with;
* a formula carries its cached result (``<v>``), so readers that do not recalculate
  (previews, python-calamine, pandas) show the figure;
* ``mergeCells`` follows ``sheetData``, ``rowBreaks`` follows ``headerFooter`` (the
  order of CT_Worksheet in ECMA-376 part 1, 18.3.1.99).
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import IO, Any

from openpyxl.utils import column_index_from_string
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from kaohe_xl.textnorm import safe_text
from kaohe_xl.xlsx import measure
from kaohe_xl.xlsx.cells import FORMULA_START, Formula, Style, Value, apply, cell_xml, number_text, results_of, text_of
from kaohe_xl.xlsx.limits import ROW_HEIGHT_MAX
from kaohe_xl.xlsx.ooxml import cell_name
from kaohe_xl.xlsx.zipwrite import LEVEL, Deflated, ZipWriter, deflated

# Top-level elements of a worksheet that come after mergeCells / after rowBreaks.
_AFTER_MERGES = [
    "phoneticPr",
    "conditionalFormatting",
    "dataValidations",
    "hyperlinks",
    "printOptions",
    "pageMargins",
    "pageSetup",
    "headerFooter",
    "rowBreaks",
    "colBreaks",
    "customProperties",
    "cellWatches",
    "ignoredErrors",
    "smartTags",
    "drawing",
    "legacyDrawing",
    "legacyDrawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
]
_AFTER_BREAKS = _AFTER_MERGES[_AFTER_MERGES.index("colBreaks") :]
_EXTENT = "\x00EXTENT\x00"  # where a sheet's extent goes (not a character XML allows, so never in it)
_PALETTE_ROW = 1_048_576  # Excel's last row: the skeleton's style cells, never merged or shown
_SPOOL = 8 * 1024 * 1024  # rows of a sheet stay in memory up to this size, then go to a temporary file
DEFAULT_WIDTH = 8.43  # Excel's default column width
_SHARED_STRINGS = "xl/sharedStrings.xml"
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
__all__ = ["Book", "Cell", "Formula", "SheetRows", "Skeleton", "Style", "Value", "text_of", "workbook_bytes"]


Cell = tuple[Value, str] | None  # (value, style name); None leaves the cell out
EXCEL_MAX_ROW_HEIGHT = ROW_HEIGHT_MAX  # points: Excel refuses a taller row


@lru_cache(maxsize=65536)
def _lines(text: str, width: float, size: float) -> int:
    """How many lines ``text`` takes (cached: the same texts come back on every unit)."""
    return len(measure.wrap(text, width, size))


@cache
def _height(lines: int, size: float) -> float:
    return measure.lines_height(lines, size)


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
        # (column, text, style) or style → height; shared by the books of one skeleton
        self._heights: dict[object, float] = {} if heights is None else heights
        # each style's font size and whether it wraps, read once (openpyxl's descriptors are slow)
        self._metrics = {name: (look.size, look.wraps) for name, look in (looks or {}).items()}
        for name in styles:
            self._metrics.setdefault(name, (11.0, False))
        self._widths = widths or {}
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
        """The height (points) ``cells`` need: the tallest wrapping text, at least one line."""
        height = minimum
        if spans:
            spanned = {first: last for first, last in spans}
            covered = {c for first, last in spans for c in range(first + 1, last + 1)}
        heights = self._heights
        for column, cell in enumerate(cells, start=1):
            if cell is None:
                continue
            value, name = cell
            is_text = value.__class__ is str
            if value is None or (is_text and not value):
                continue
            key = (column, value, name) if is_text else name
            needed = heights.get(key)
            if needed is None or spans:
                if spans and column in covered:
                    continue
                last = spanned.get(column, column) if spans else column
                needed = self._needed(value, name, sum(self.width(c) for c in range(column, last + 1)))
                if not spans:
                    heights[key] = needed
            if needed > height:
                height = needed
        return min(height, EXCEL_MAX_ROW_HEIGHT)

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
        if fit:
            height = self.measure(cells, spans=spans, minimum=minimum)
        elif height:
            height = min(height, EXCEL_MAX_ROW_HEIGHT)
        attributes = f' ht="{height:g}" customHeight="1"' if height else ""
        parts = [f'<row r="{number}"{attributes}>']
        styles, quoted, strings = self._styles, self._quoted, self._strings
        last = 0
        for column, cell in enumerate(cells, start=1):
            if cell is None:
                continue
            value, name = cell
            last = column
            kind = value.__class__
            # the common cases inline (tens of thousands of rows); the rest by cell_xml
            if kind is str and value:
                index = strings.get(value)
                if index is None:
                    index = self._add_string(value)
                style = (quoted if value[0] in FORMULA_START else styles)[name]
                parts.append(f'<c r="{_LETTERS[column]}{number}" s="{style}" t="s"><v>{index}</v></c>')
            elif kind is Decimal and value.is_finite():
                text = str(value)
                if "E" in text:
                    text = format(value, "f")
                parts.append(f'<c r="{_LETTERS[column]}{number}" s="{styles[name]}"><v>{text}</v></c>')
            elif value is None or (kind is str and not value):
                parts.append(f'<c r="{_LETTERS[column]}{number}" s="{styles[name]}"/>')
            else:
                parts.append(cell_xml(f"{_LETTERS[column]}{number}", value, styles[name], self._add_string))
        if last > self.last_column:
            self.last_column = last
        parts.append("</row>")
        self._keep("".join(parts).encode("utf-8"))
        for first, last in spans:
            self.merge(number, first, number, last)
        self.last_row = number
        self.last_height = height or 0.0
        return number

    def _add_string(self, text: str) -> int:
        index = self._strings.get(text)
        if index is None:
            index = self._strings[text] = len(self._strings)
        return index

    def merge(self, first_row: int, first_column: int, last_row: int, last_column: int) -> None:
        """Merge a block (its first cell shows; give the others the same style for borders)."""
        self.merges.append(f"{cell_name(first_row, first_column)}:{cell_name(last_row, last_column)}")

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
            yield from self._memory
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


@dataclass(frozen=True)
class _SheetTemplate:
    part: str  # xl/worksheets/sheetN.xml
    head: str  # up to and including <sheetData>, with _EXTENT where the dimension goes
    before_merges: str  # </sheetData> and what follows up to where mergeCells go
    before_breaks: str  # from there up to where rowBreaks go
    rest: str


class Skeleton:
    """An openpyxl workbook laid out once, ready to be filled with rows many times.

    ``styles`` names every cell style the rows use. The skeleton's own cells are
    dropped (lay out sheets, do not fill them); charts may refer to the ranges the
    rows will fill. Each :meth:`book` makes one file.
    """

    def __init__(self, wb: Workbook, styles: Mapping[str, Style]) -> None:
        worksheets = [ws for ws in wb.worksheets if isinstance(ws, Worksheet)]
        if not worksheets:
            raise ValueError("the skeleton has no worksheet")
        palette = worksheets[0]
        # every style twice: as given, and with Excel's quote prefix for text that looks
        # like a formula (it then stays text when someone edits the cell)
        names = [(name, quoted) for name in styles for quoted in (False, True)]
        for n, (name, quoted) in enumerate(names, start=1):  # one cell per style, read back for its index
            cell = palette.cell(row=_PALETTE_ROW, column=n, value=0)
            apply(cell, styles[name])
            cell.quotePrefix = quoted
        buffer = io.BytesIO()
        wb.save(buffer)
        titles = {ws.title: ws for ws in worksheets}
        self.looks = dict(styles)
        self.widths = {ws.title: _widths(ws) for ws in worksheets}
        self.heights: dict[str, dict[object, float]] = {}  # measured text heights, per sheet
        self.sheets: dict[str, _SheetTemplate] = {}
        self.static: list[Deflated] = []
        with zipfile.ZipFile(buffer) as archive:
            parts = _sheet_parts(archive)
            first = archive.read(parts[palette.title]).decode("utf-8")
            found = dict(re.findall(rf'<c r="([A-Z]+){_PALETTE_ROW}"(?: s="(\d+)")?', first))
            index = {key: int(found.get(_column(n), "") or 0) for n, key in enumerate(names, start=1)}
            self.styles = {name: index[(name, False)] for name in styles}
            self.quoted = {name: index[(name, True)] for name in styles}
            for info in archive.infolist():
                title = next((t for t, p in parts.items() if p == info.filename and t in titles), None)
                if info.filename == _SHARED_STRINGS:
                    continue  # each book writes its own
                if title is None:
                    self.static.append(deflated(info.filename, _with_shared_strings(info.filename, archive.read(info))))
                else:
                    self.sheets[title] = _template(info.filename, archive.read(info).decode("utf-8"))

    def book(self, level: int = LEVEL) -> Book:
        """A new file from this skeleton: fill its sheets' rows, then save (rows deflated at ``level``)."""
        return Book(self, level)


class Book:
    """One workbook being written from a :class:`Skeleton`."""

    def __init__(self, skeleton: Skeleton, level: int = LEVEL) -> None:
        self.skeleton = skeleton
        self.level = level  # zlib level of the rows (1: fastest, a larger file)
        self._sheets: dict[str, SheetRows] = {}
        self.strings: dict[str, int] = {}  # the shared strings of all its sheets, in order

    def sheet(self, title: str) -> SheetRows:
        """The rows of sheet ``title`` (a sheet never given rows stays empty)."""
        if title not in self.skeleton.sheets:
            raise KeyError(f"no worksheet {title!r} in the skeleton")
        if title not in self._sheets:
            sk = self.skeleton
            heights = sk.heights.setdefault(title, {})
            self._sheets[title] = SheetRows(sk.styles, sk.looks, sk.widths[title], sk.quoted, self.strings, heights)
        return self._sheets[title]

    def write(self, out: IO[bytes]) -> None:
        """The xlsx into a seekable binary file."""
        writer = ZipWriter(out)
        written = {t.part: title for title, t in self.skeleton.sheets.items()}
        for static in self.skeleton.static:
            writer.add_deflated(static)
        for part, title in sorted(written.items()):
            rows = self._sheets.get(title) or SheetRows(self.skeleton.styles)
            writer.add_stream(part, _sheet_xml(self.skeleton.sheets[title], rows), self.level)
            rows.close()
        writer.add_stream(_SHARED_STRINGS, _shared_strings(self.strings), self.level)
        writer.close()

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.write(out)
        return out.getvalue()

    def save(self, path: str | Path) -> None:
        with open(path, "wb") as handle:
            self.write(handle)


def _shared_strings(strings: Mapping[str, int]) -> Iterator[bytes]:
    """xl/sharedStrings.xml: the texts in index order (a dict keeps insertion order)."""
    yield (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<sst xmlns="{_MAIN_NS}" uniqueCount="{len(strings)}">'
    ).encode()
    batch: list[str] = []
    for text in strings:
        batch.append(f'<si><t xml:space="preserve">{text_of(safe_text(text))}</t></si>')
        if len(batch) == 1000:
            yield "".join(batch).encode("utf-8")
            batch = []
    yield ("".join(batch) + "</sst>").encode("utf-8")


def _with_shared_strings(name: str, data: bytes) -> bytes:
    """The package's content types and the workbook's relationships, naming the shared strings."""
    if name == "[Content_Types].xml" and b"/xl/sharedStrings.xml" not in data:
        override = f'<Override PartName="/{_SHARED_STRINGS}" ContentType="{_SST_TYPE}"/>'
        return data.replace(b"</Types>", override.encode() + b"</Types>")
    if name == "xl/_rels/workbook.xml.rels" and b"sharedStrings.xml" not in data:
        rel = f'<Relationship Id="rIdKhSst" Type="{_SST_REL}" Target="sharedStrings.xml"/>'
        return data.replace(b"</Relationships>", rel.encode() + b"</Relationships>")
    return data


def _sheet_xml(template: _SheetTemplate, rows: SheetRows) -> Iterator[bytes]:
    extent = f"A1:{cell_name(rows.last_row, rows.last_column)}" if rows.last_row and rows.last_column else "A1"
    yield template.head.replace(_EXTENT, extent, 1).encode("utf-8")
    yield from rows.chunks()
    yield template.before_merges.encode("utf-8")
    if rows.merges:
        yield f'<mergeCells count="{len(rows.merges)}">'.encode()
        yield "".join(f'<mergeCell ref="{ref}"/>' for ref in rows.merges).encode()
        yield b"</mergeCells>"
    yield template.before_breaks.encode("utf-8")
    if rows.breaks:
        # man="1": a manual break; max: the last column index Excel allows (16383, 0-based)
        breaks = "".join(f'<brk id="{row - 1}" max="16383" man="1"/>' for row in sorted(set(rows.breaks)))
        yield f'<rowBreaks count="{len(set(rows.breaks))}" manualBreakCount="{len(set(rows.breaks))}">{breaks}</rowBreaks>'.encode()
    yield template.rest.encode("utf-8")


def _template(part: str, xml: str) -> _SheetTemplate:
    dimension = f'<dimension ref="{_EXTENT}"/>'
    xml, found = re.subn(r"<dimension\b[^>]*/>", dimension, xml, count=1)
    if not found:  # it belongs right after sheetPr, or first
        sheet_pr = re.search(r"<sheetPr\b[^>]*/>|<sheetPr\b.*?</sheetPr>", xml, re.S)
        at = sheet_pr.end() if sheet_pr else xml.index(">", xml.index("<worksheet")) + 1
        xml = xml[:at] + dimension + xml[at:]
    xml = re.sub(r"<mergeCells\b.*?</mergeCells>", "", xml, flags=re.S)
    xml = re.sub(r"<rowBreaks\b.*?</rowBreaks>|<rowBreaks\b[^>]*/>", "", xml, flags=re.S)
    match = re.search(r"<sheetData\s*/>|<sheetData>.*?</sheetData>", xml, re.S)
    if match is None:
        raise ValueError(f"{part}: no sheetData")
    head, tail = xml[: match.start()] + "<sheetData>", "</sheetData>" + xml[match.end() :]
    merges_at = _first_of(tail, _AFTER_MERGES)
    breaks_at = max(_first_of(tail, _AFTER_BREAKS), merges_at)
    return _SheetTemplate(part, head, tail[:merges_at], tail[merges_at:breaks_at], tail[breaks_at:])


def _first_of(xml: str, tags: Sequence[str]) -> int:
    """Where the first of ``tags`` starts in ``xml`` (its end before ``</worksheet>`` if none)."""
    found = [m.start() for tag in tags if (m := re.search(rf"<{tag}\b", xml))]
    return min(found) if found else xml.rindex("</worksheet>")


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title → part name, through workbook.xml and its relationships."""
    workbook = archive.read("xl/workbook.xml").decode("utf-8")
    rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    targets = {
        rid: target
        for rid, target in (_attrs(m, "Id", "Target") for m in re.findall(r"<Relationship\b[^>]*>", rels))
        if rid and target
    }
    parts = {}
    for sheet in re.findall(r"<sheet\b[^>]*>", workbook):
        title, rid = _attrs(sheet, "name", "r:id")
        target = targets.get(rid or "", "")
        parts[_unescape(title or "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return parts


def _attrs(tag: str, *names: str) -> tuple[Any, ...]:
    values = []
    for name in names:
        match = re.search(rf'\s{re.escape(name)}="([^"]*)"', tag)
        values.append(match.group(1) if match else None)
    return tuple(values)


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def _column(n: int) -> str:
    return cell_name(1, n)[:-1]


def _widths(ws: Worksheet) -> dict[int, float]:
    """Column index → width, as the skeleton set them (a dimension may cover several columns)."""
    widths: dict[int, float] = {}
    for key, dim in ws.column_dimensions.items():
        if dim.width:
            first = dim.min or column_index_from_string(key)
            for column in range(first, (dim.max or first) + 1):
                widths[column] = float(dim.width)
    return widths


def workbook_bytes(wb: Workbook) -> bytes:
    """An openpyxl workbook saved into memory, with the formula results :func:`~kaohe_xl.xlsx.cells.put`
    recorded stored beside their formulas (openpyxl writes an empty ``<v>``)."""
    buffer = io.BytesIO()
    wb.save(buffer)
    results = results_of(wb)
    if not results:
        return buffer.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as archive, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        parts = {part: title for title, part in _sheet_parts(archive).items() if title in results}
        for info in archive.infolist():
            data = archive.read(info)
            if info.filename in parts:
                data = _with_results(data.decode("utf-8"), results[parts[info.filename]]).encode("utf-8")
            target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


_FORMULA_CELL = re.compile(
    r'<c r="([A-Z]+[0-9]+)"([^>]*)><f>([^<]*)</f><v\s*/>(?:</c>)?|<c r="([A-Z]+[0-9]+)"([^>]*)><f>([^<]*)</f><v></v></c>'
)


def _with_results(xml: str, results: Mapping[str, object]) -> str:
    def fill(match: re.Match[str]) -> str:
        ref = match.group(1) or match.group(4)
        attrs = match.group(2) if match.group(1) else match.group(5)
        expr = match.group(3) if match.group(1) else match.group(6)
        if ref not in results:
            return match.group(0)
        value = results[ref]
        if isinstance(value, bool):
            return f'<c r="{ref}"{attrs} t="b"><f>{expr}</f><v>{int(value)}</v></c>'
        if isinstance(value, str):
            return f'<c r="{ref}"{attrs} t="str"><f>{expr}</f><v>{text_of(value)}</v></c>'
        if isinstance(value, Decimal | int | float):
            return f'<c r="{ref}"{attrs}><f>{expr}</f><v>{number_text(value)}</v></c>'
        return match.group(0)

    return _FORMULA_CELL.sub(fill, xml)
