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
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from openpyxl.utils import column_index_from_string
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from kaohe_xl.textnorm import safe_text
from kaohe_xl.xlsx.cells import Formula, Style, Value, apply, number_text, results_of, text_of
from kaohe_xl.xlsx.ooxml import cell_name
from kaohe_xl.xlsx.sheetrows import Cell, SheetRows
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
_SHARED_STRINGS = "xl/sharedStrings.xml"
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
__all__ = ["Book", "Cell", "Formula", "SheetRows", "Skeleton", "Style", "Value", "text_of", "workbook_bytes"]


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
        batch.append(_string_item(text))
        if len(batch) == 1000:
            yield "".join(batch).encode("utf-8")
            batch = []
    yield ("".join(batch) + "</sst>").encode("utf-8")


@lru_cache(maxsize=65536)
def _string_item(text: str) -> str:
    """A text's ``<si>`` (cached: every 反馈表 repeats the rubric's texts and the reasons)."""
    return f'<si><t xml:space="preserve">{text_of(safe_text(text))}</t></si>'


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
