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
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from kaohe_xl.xlsx.ooxml import cell_name
from kaohe_xl.xlsx.zipwrite import Deflated, ZipWriter, deflated

# Characters XML 1.0 does not allow in text (openpyxl refuses them too).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
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


@dataclass(frozen=True)
class Style:
    """The look of a cell: openpyxl style objects, registered once by name."""

    font: Font = field(default_factory=Font)
    fill: PatternFill = field(default_factory=PatternFill)
    border: Border = field(default_factory=Border)
    alignment: Alignment = field(default_factory=Alignment)
    number_format: str = "General"
    protection: Protection = field(default_factory=Protection)


@dataclass(frozen=True)
class Formula:
    """A formula (without ``=``) and the result it gives, stored for readers that do not recalculate."""

    expr: str
    value: Decimal | int | float | str | bool | None


Value = Decimal | int | float | str | bool | Formula | None
Cell = tuple[Value, str] | None  # (value, style name); None leaves the cell out


def text_of(value: object) -> str:
    """Text safe for a cell: characters XML forbids dropped, then escaped."""
    return escape(_ILLEGAL.sub("", str(value)))


def _number(value: Decimal | int | float) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize() if value == value.to_integral_value() else value, "f")
    return repr(value) if isinstance(value, float) else str(int(value))


class SheetRows:
    """The rows of one sheet, appended in order. Rows are 1-based, as in Excel."""

    def __init__(self, styles: Mapping[str, int]) -> None:
        self._styles = styles
        self._memory: list[bytes] = []  # the rows' XML, until it outgrows _SPOOL
        self._size = 0
        self._file: IO[bytes] | None = None  # then a temporary file (closed by close())
        self.merges: list[str] = []
        self.breaks: list[int] = []  # a page starts at each of these rows
        self.last_row = 0
        self.last_column = 0

    def row(self, cells: Sequence[Cell], *, height: float | None = None, at: int | None = None) -> int:
        """Write the next row (or row ``at``, after the last one): ``cells`` from column A."""
        number = self.last_row + 1 if at is None else at
        if number <= self.last_row:
            raise ValueError(f"row {number} after row {self.last_row}: rows go in order")
        attributes = f' ht="{height:g}" customHeight="1"' if height else ""
        parts = [f'<row r="{number}"{attributes}>']
        for column, cell in enumerate(cells, start=1):
            if cell is not None:
                parts.append(self._cell(cell_name(number, column), *cell))
                self.last_column = max(self.last_column, column)
        parts.append("</row>")
        self._keep("".join(parts).encode("utf-8"))
        self.last_row = number
        return number

    def merge(self, first_row: int, first_column: int, last_row: int, last_column: int) -> None:
        """Merge a block (its first cell shows; give the others the same style for borders)."""
        self.merges.append(f"{cell_name(first_row, first_column)}:{cell_name(last_row, last_column)}")

    def page_break(self, before_row: int) -> None:
        """Start a printed page at ``before_row``."""
        self.breaks.append(before_row)

    def _cell(self, ref: str, value: Value, style: str) -> str:
        s = self._styles[style]
        attr = f' s="{s}"' if s else ""
        if value is None:
            return f'<c r="{ref}"{attr}/>'
        if isinstance(value, Formula):
            result = value.value
            expr = text_of(value.expr.removeprefix("="))
            if result is None:
                return f'<c r="{ref}"{attr}><f>{expr}</f></c>'
            if isinstance(result, bool):
                return f'<c r="{ref}"{attr} t="b"><f>{expr}</f><v>{int(result)}</v></c>'
            if isinstance(result, str):
                return f'<c r="{ref}"{attr} t="str"><f>{expr}</f><v>{text_of(result)}</v></c>'
            return f'<c r="{ref}"{attr}><f>{expr}</f><v>{_number(result)}</v></c>'
        if isinstance(value, bool):
            return f'<c r="{ref}"{attr} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, str):
            return f'<c r="{ref}"{attr} t="inlineStr"><is><t xml:space="preserve">{text_of(value)}</t></is></c>'
        return f'<c r="{ref}"{attr}><v>{_number(value)}</v></c>'

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
        names = list(styles)
        for n, name in enumerate(names, start=1):  # one cell per style, read back for its index
            cell = palette.cell(row=_PALETTE_ROW, column=n, value=0)
            style = styles[name]
            cell.font, cell.fill, cell.border = style.font, style.fill, style.border
            cell.alignment, cell.number_format, cell.protection = style.alignment, style.number_format, style.protection
        buffer = io.BytesIO()
        wb.save(buffer)
        titles = {ws.title: ws for ws in worksheets}
        self.sheets: dict[str, _SheetTemplate] = {}
        self.static: list[Deflated] = []
        with zipfile.ZipFile(buffer) as archive:
            parts = _sheet_parts(archive)
            first = archive.read(parts[palette.title]).decode("utf-8")
            found = dict(re.findall(rf'<c r="([A-Z]+){_PALETTE_ROW}"(?: s="(\d+)")?', first))
            self.styles = {name: int(found.get(_column(n), "") or 0) for n, name in enumerate(names, start=1)}
            for info in archive.infolist():
                title = next((t for t, p in parts.items() if p == info.filename and t in titles), None)
                if title is None:
                    self.static.append(deflated(info.filename, archive.read(info)))
                else:
                    self.sheets[title] = _template(info.filename, archive.read(info).decode("utf-8"))

    def book(self) -> Book:
        """A new file from this skeleton: fill its sheets' rows, then save."""
        return Book(self)


class Book:
    """One workbook being written from a :class:`Skeleton`."""

    def __init__(self, skeleton: Skeleton) -> None:
        self.skeleton = skeleton
        self._sheets: dict[str, SheetRows] = {}

    def sheet(self, title: str) -> SheetRows:
        """The rows of sheet ``title`` (a sheet never given rows stays empty)."""
        if title not in self.skeleton.sheets:
            raise KeyError(f"no worksheet {title!r} in the skeleton")
        if title not in self._sheets:
            self._sheets[title] = SheetRows(self.skeleton.styles)
        return self._sheets[title]

    def write(self, out: IO[bytes]) -> None:
        """The xlsx into a seekable binary file."""
        writer = ZipWriter(out)
        written = {t.part: title for title, t in self.skeleton.sheets.items()}
        for static in self.skeleton.static:
            writer.add_deflated(static)
        for part, title in sorted(written.items()):
            rows = self._sheets.get(title) or SheetRows(self.skeleton.styles)
            writer.add_stream(part, _sheet_xml(self.skeleton.sheets[title], rows))
            rows.close()
        writer.close()

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.write(out)
        return out.getvalue()

    def save(self, path: str | Path) -> None:
        with open(path, "wb") as handle:
            self.write(handle)


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
