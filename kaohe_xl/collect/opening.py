"""A received file's bytes → an opened workbook whose sheets can be read without risk.

A returned file may be damaged (a bad download) or made to hurt the reader:

1. :func:`sniff` tells what the bytes are (empty, .xls, encrypted, PDF, mail …);
2. the zip package is checked part by part (:mod:`kaohe_xl.xlsx.zipread`: methods, sizes,
   compression ratio, exact inflated size and CRC);
3. every worksheet that may be read is parsed once with expat, no DTD
   (:mod:`kaohe_xl.xlsx.sheetxml`): its true extent, formulas, error cells, hidden rows
   and columns *and* its cell values come from that one pass, kept sparse (only cells
   that hold something);
4. a sheet whose cells do not all carry a proper reference, or that spans more than
   :data:`DENSE_CELL_LIMIT` cells of grid, is read again by the careful reader, which
   places cells as Excel does, keeps the first :data:`STREAM_MAX_COLUMN` columns and
   stops after :data:`STREAM_CELL_LIMIT` cells.

Nothing native reads a returned byte but zlib and expat, both bounded. (Until 0.3 the
values came from python-calamine, given a clean copy of the proven sheets; one Python
pass that reads the values with the checks is faster than the checks plus calamine.)
So a file can be rejected, never crash or exhaust the process: every failure of zip,
zlib or XML becomes a :class:`ReturnReadError` with a stable code and a Chinese message
naming the part.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

from kaohe_xl.errors import FormError
from kaohe_xl.forms import layout
from kaohe_xl.xlsx import numfmt, ooxml, sheetxml
from kaohe_xl.xlsx.xmlsafe import XmlRefused
from kaohe_xl.xlsx.zipread import PartError

# A sheet whose grid (rows × columns) is larger goes to the careful reader: rows are
# laid out as lists from column A, which must stay small.
DENSE_CELL_LIMIT = 1_000_000
# The pure-Python reader keeps this many leading columns and stops (marking the sheet
# truncated) after parsing this many cells: reading stays bounded in time and memory.
STREAM_MAX_COLUMN = 64
STREAM_CELL_LIMIT = 200_000
# A sheet with more cells than this is not a form: it is not scanned further.
SCAN_CELL_LIMIT = 250_000
OPEN_SECONDS = 60.0  # all the sheets of one file together
# Sheets of a form that never hold what collect reads (never parsed).
UNREAD_SHEETS = frozenset({layout.INSTRUCTIONS_SHEET, layout.LISTS_SHEET})


class ReturnReadError(FormError):
    """The file cannot be read as a workbook; ``code`` is stable, the message Chinese."""

    def __init__(self, code: str, message: str, part: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.part = part


class SheetRows:
    """Rows of a sheet as (1-based row number, values from column A), with what the XML
    says about it: formula cells, error cells (reference → ``#N/A``), hidden rows and
    columns. ``truncated``: the bounded reader stopped early."""

    def __init__(self, source: Iterator[tuple[int, Sequence[object]]], scan: sheetxml.SheetScan) -> None:
        self.source = source
        self.scan = scan
        self.formulas = scan.formulas
        self.errors = scan.errors
        self.truncated = scan.stopped

    def __iter__(self) -> Iterator[tuple[int, Sequence[object]]]:
        return self.source


class SafeBook:
    """An opened package whose sheets were each parsed once, values and all."""

    def __init__(self, name: str, package: ooxml.Package) -> None:
        self.name = name
        self.package = package
        self.sheets = package.sheets
        self.sheet_names: tuple[str, ...] = tuple(s.title for s in self.sheets)
        self.scans: dict[str, sheetxml.SheetScan] = {}
        self._rows: dict[str, list[tuple[int, Sequence[object]]]] = {}
        self._strings: list[str] | None = None
        self._date_styles: dict[int, str] | None = None

    @classmethod
    def open(cls, package: ooxml.Package, name: str) -> SafeBook:
        """Parse every sheet that may be read; raises :class:`ReturnReadError` (never anything else)."""
        try:
            book = cls(name, package)
            book._scan_all()
        except ReturnReadError:
            raise
        except PartError as exc:
            raise ReturnReadError(exc.code, _located(str(exc), exc.part), exc.part) from exc
        except Exception as exc:  # MemoryError, a zlib or XML error not foreseen …
            raise ReturnReadError("corrupt_file", f"工作簿已损坏，无法读取（{type(exc).__name__}）") from exc
        return book

    def _scan_all(self) -> None:
        deadline = time.monotonic() + OPEN_SECONDS
        for entry in self.sheets:
            if entry.title in UNREAD_SHEETS or entry.part is None:
                continue
            if time.monotonic() > deadline:
                raise ReturnReadError("too_large", "工作簿过于复杂，读取超时：请删除多余的工作表和内容后重新发送")
            self.scans[entry.title] = self._scan(entry)

    def _scan(self, entry: ooxml.SheetEntry) -> sheetxml.SheetScan:
        assert entry.part is not None
        try:
            return sheetxml.scan(self.package.read(entry.part), SCAN_CELL_LIMIT, self._shared, self._dates)
        except XmlRefused as exc:
            message = f"工作表“{entry.title}”的内容不是有效的 XML（{exc}），文件已损坏或被改动"
            raise ReturnReadError("corrupt_file", _located(message, entry.part), entry.part) from exc

    def _fast(self, scan: sheetxml.SheetScan) -> bool:
        return scan.plain and not scan.stopped and scan.last_row * scan.last_col <= DENSE_CELL_LIMIT

    def close(self) -> None:
        """Nothing native is held; kept for the ``with`` protocol of :class:`ReturnBook`."""

    def rows(self, title: str) -> SheetRows:
        """The rows of sheet ``title`` (raises :class:`ReturnReadError` when unreadable)."""
        scan = self.scans.get(title)
        if scan is not None and self._fast(scan):
            rows = self._rows.get(title)
            if rows is None:  # a sheet's rows are laid out once (the KH_UNIT cell, then its rows)
                rows = self._rows[title] = list(_sorted_rows(scan))
            return SheetRows(iter(rows), scan)
        entry = self.package.sheet(title)
        if entry is None:
            return SheetRows(iter(()), sheetxml.SheetScan())
        if entry.part is None:  # listed in the workbook, its part gone: the package is damaged
            message = f"工作表“{title}”的内容部件缺失（{entry.path or '无关联'}），文件已损坏"
            raise ReturnReadError("corrupt_file", message, entry.path)
        try:
            found = sheetxml.read_values(
                self.package.read(entry.part), self._shared(), STREAM_MAX_COLUMN, STREAM_CELL_LIMIT
            )
        except (PartError, XmlRefused) as exc:
            part = entry.part
            raise ReturnReadError("corrupt_file", _located(f"工作表“{title}”无法读取（{exc}）", part), part) from exc
        return SheetRows(_sorted_rows(found), found)

    def _dates(self) -> dict[int, str]:
        if self._date_styles is None:
            member = self.package.find(ooxml.STYLES_PART)
            self._date_styles = numfmt.date_styles(self.package.read(member)) if member else {}
        return self._date_styles

    def _shared(self) -> list[str]:
        if self._strings is None:
            member = self.package.find(ooxml.STRINGS_PART)
            self._strings = sheetxml.shared_strings(self.package.read(member)) if member else []
        return self._strings


def _sorted_rows(found: sheetxml.SheetScan) -> Iterator[tuple[int, Sequence[object]]]:
    for number in sorted(found.values):
        cells = found.values[number]
        values: list[object] = [None] * max(cells)
        for column, value in cells.items():
            values[column - 1] = value
        yield number, values


def _located(message: str, part: str) -> str:
    return f"{message}（部件 {part}）" if part and part not in message else message
