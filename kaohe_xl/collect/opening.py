"""A received file's bytes → an opened workbook whose sheets can be read without risk.

A returned file may be damaged (a bad download) or made to hurt the reader. Nothing
native touches a byte before it is proven harmless:

1. :func:`sniff` tells what the bytes are (empty, .xls, encrypted, PDF, mail …);
2. the zip package is checked part by part (:mod:`kaohe_xl.xlsx.zipread`: methods, sizes,
   compression ratio, exact inflated size and CRC);
3. every worksheet that may be read is parsed with expat (:mod:`kaohe_xl.xlsx.sheetxml`)
   for its true extent, formulas, error cells and hidden rows and columns;
4. python-calamine (fast, native) is given a *new* zip holding only the verified parts
   of the sheets proven small and plain (every cell with a proper reference, at most
   :data:`DENSE_CELL_LIMIT` cells of grid) — it never sees anything else;
5. any other sheet (huge, cells without references, a title calamine reads otherwise)
   is read by the bounded pure-Python reader: first :data:`STREAM_MAX_COLUMN` columns,
   at most :data:`STREAM_CELL_LIMIT` cells.

So a file can be rejected, never crash or exhaust the process: every failure of zip,
zlib, XML or calamine becomes a :class:`ReturnReadError` with a stable code and a
Chinese message naming the part.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator, Sequence

import python_calamine

from kaohe_xl.errors import FormError
from kaohe_xl.forms import layout
from kaohe_xl.xlsx import ooxml, sheetxml
from kaohe_xl.xlsx.xmlsafe import XmlRefused, parse
from kaohe_xl.xlsx.zipread import PartError

# A dense grid above this many cells goes to the pure-Python reader (calamine would
# allocate rows × columns cells, ~16 bytes each, before we see any value).
DENSE_CELL_LIMIT = 1_000_000
# The pure-Python reader keeps this many leading columns and stops (marking the sheet
# truncated) after parsing this many cells: reading stays bounded in time and memory.
STREAM_MAX_COLUMN = 64
STREAM_CELL_LIMIT = 200_000
# A sheet with more cells than this is not a form: it is not scanned further.
SCAN_CELL_LIMIT = 250_000
OPEN_SECONDS = 60.0  # all the sheets of one file together
# Sheets of a form that never hold what collect reads (their cells are never given to calamine).
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
    """An opened package, its sheets scanned; calamine holds only the proven sheets."""

    def __init__(self, name: str, package: ooxml.Package) -> None:
        self.name = name
        self.package = package
        self.sheets = package.sheets
        self.sheet_names: tuple[str, ...] = tuple(s.title for s in self.sheets)
        self.scans: dict[str, sheetxml.SheetScan] = {}
        self.book: python_calamine.CalamineWorkbook | None = None
        self.fast_titles: set[str] = set()
        self._grids: dict[str, Sequence[Sequence[object]]] = {}
        self._strings: list[str] | None = None

    @classmethod
    def open(cls, package: ooxml.Package, name: str) -> SafeBook:
        """Scan and open; raises :class:`ReturnReadError` (never anything else)."""
        try:
            book = cls(name, package)
            book._scan_all()
            book._open_fast()
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
            return sheetxml.scan(self.package.read(entry.part), SCAN_CELL_LIMIT)
        except XmlRefused as exc:
            message = f"工作表“{entry.title}”的内容不是有效的 XML（{exc}），文件已损坏或被改动"
            raise ReturnReadError("corrupt_file", _located(message, entry.part), entry.part) from exc

    def _fast(self, scan: sheetxml.SheetScan) -> bool:
        return scan.plain and not scan.stopped and scan.last_row * scan.last_col <= DENSE_CELL_LIMIT

    def _open_fast(self) -> None:
        fast = [e for e in self.sheets if e.title in self.scans and self._fast(self.scans[e.title])]
        if not fast:
            return
        parts: list[tuple[str, bytes]] = []
        for base in (
            ooxml.PACKAGE_RELS_PART,
            ooxml.WORKBOOK_PART,
            ooxml.RELS_PART,
            ooxml.STRINGS_PART,
            ooxml.STYLES_PART,
        ):
            member = self.package.find(base)
            if member is not None:
                parts.append((base, self._well_formed(member)))
        # each sheet under the name calamine looks it up by (the package may spell it otherwise)
        stored = {e.path.casefold(): (e.path, e.part) for e in fast if e.part is not None}
        parts += [(path, self.package.read(part)) for path, part in stored.values()]
        try:
            book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(self.package.zip.clean(parts)))
        except BaseException as exc:  # calamine disagrees with the checks above: read in Python
            if not native_failure(exc):
                raise
            return
        if tuple(book.sheet_names) != self.sheet_names:
            book.close()  # the two readers see other titles: do not mix them
            return
        self.book = book
        self.fast_titles = {e.title for e in fast}

    def _well_formed(self, member: str) -> bytes:
        """A part calamine parses, proven well-formed XML without a DTD first."""
        data = self.package.read(member)
        try:
            parse(data, _no_handlers)
        except XmlRefused as exc:
            raise ReturnReadError(
                "corrupt_file", _located(f"部件内容不是有效的 XML（{exc}），文件已损坏", member), member
            ) from exc
        return data

    def close(self) -> None:
        if self.book is not None:
            self.book.close()
            self.book = None

    def rows(self, title: str) -> SheetRows:
        """The rows of sheet ``title`` (raises :class:`ReturnReadError` when unreadable)."""
        scan = self.scans.get(title)
        if self.book is not None and scan is not None and title in self.fast_titles:
            return SheetRows(self._dense(title), scan)
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

    def _dense(self, title: str) -> Iterator[tuple[int, Sequence[object]]]:
        assert self.book is not None
        grid: Sequence[Sequence[object]] | None = self._grids.get(title)
        if grid is None:  # a sheet is read once (the KH_UNIT cell, then its rows)
            try:
                # skip_empty_area=False: the grid starts at A1, so list positions are coordinates.
                grid = self.book.get_sheet_by_name(title).to_python(skip_empty_area=False)
            except BaseException as exc:
                if not native_failure(exc):
                    raise
                message = f"工作表“{title}”已损坏，无法读取（{type(exc).__name__}: {exc}）"
                raise ReturnReadError("corrupt_file", message) from exc
            self._grids[title] = grid
        return enumerate(grid, start=1)

    def _shared(self) -> list[str]:
        if self._strings is None:
            member = self.package.find(ooxml.STRINGS_PART)
            self._strings = sheetxml.shared_strings(self.package.read(member)) if member else []
        return self._strings


def _no_handlers(_parser: object) -> None:
    """Expat alone: checks well-formedness (and refuses DTDs) at C speed."""


def native_failure(exc: BaseException) -> bool:
    """True for an error raised by the native reader: an exception, or a Rust panic (pyo3
    raises ``PanicException``, which derives from BaseException, not Exception)."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _sorted_rows(found: sheetxml.SheetScan) -> Iterator[tuple[int, Sequence[object]]]:
    for number in sorted(found.values):
        cells = found.values[number]
        values: list[object] = [None] * max(cells)
        for column, value in cells.items():
            values[column - 1] = value
        yield number, values


def _located(message: str, part: str) -> str:
    return f"{message}（部件 {part}）" if part and part not in message else message
