"""A returned file → the raw values of its declared cells, with their locations. No judgement.

The reader finds everything through the layout contract, never by fixed coordinates:
the metadata on the very hidden sheet ``_kaohe`` says what the file is; the header row
is the first row holding the ``编号`` label; columns are found by header label; item
rows by the id in the ``编号`` column; the assessor's name by the defined name
``KH_ASSESSOR``. Inserted rows, moved or hidden columns do not change what is read.

Values come from python-calamine (fast, reads hidden and very hidden sheets, does not
trust the ``<dimension>`` element WPS gets wrong). What calamine does not tell —
formulas, defined names, the true extent of a sheet — comes from the XML parts
(:mod:`kaohe_xl.ooxml`). A sheet whose used area is huge (a stray value in row
1,048,576) is read by a bounded streaming reader instead, because calamine would
allocate the whole dense grid.

Files that are not readable workbooks raise :class:`ReturnReadError` with a stable code.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import python_calamine

from kaohe_xl.collect.received import OPENDOCUMENT_MARKERS
from kaohe_xl.errors import FormError
from kaohe_xl.forms import layout
from kaohe_xl.rubric.model import FormKind
from kaohe_xl.textnorm import cell_text, id_text, normalize_label
from kaohe_xl.xlsx import ooxml

# A dense grid above this many cells goes to the streaming reader (calamine would
# allocate rows × columns cells, ~16 bytes each, before we see any value).
DENSE_CELL_LIMIT = 1_000_000
# The streaming reader keeps this many leading columns and stops (marking the sheet
# truncated) after parsing this many cells: reading stays bounded in time and memory.
STREAM_MAX_COLUMN = 64
STREAM_CELL_LIMIT = 200_000

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .xls or an encrypted .xlsx
_ZIP_MAGIC = b"PK\x03\x04"


class ReturnReadError(FormError):
    """The file cannot be read as a workbook; ``code`` is stable, the message Chinese."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class RawCell:
    """One cell as found: sheet title, ``G7``, value (None when empty), formula or not."""

    sheet: str
    cell: str
    value: object
    formula: bool = False


@dataclass(frozen=True)
class RawRow:
    """A row below the header whose ``编号`` cell is filled: key = that id, normalised."""

    key: str
    row: int
    cells: dict[str, RawCell]  # normalised header label → cell in that column


@dataclass(frozen=True)
class RawSheet:
    """What was read from one sheet. ``header_row`` is 0 when no header was found."""

    title: str
    unit_id: str  # the unit the sheet scores ('' on rater sheets: units are rows)
    found: bool = True
    header_row: int = 0
    labels: dict[str, str] = field(default_factory=dict)  # normalised label → column letter
    rows: tuple[RawRow, ...] = ()
    truncated: bool = False  # the streaming reader stopped at STREAM_CELL_LIMIT


@dataclass(frozen=True)
class RawReturn:
    """Everything read from one returned workbook."""

    name: str
    meta: dict[str, str]
    sheet_names: tuple[str, ...]
    sheets: tuple[RawSheet, ...] = ()
    assessor: RawCell | None = None  # the 评分人 cell (assessor workbooks)

    @property
    def kind(self) -> FormKind | None:
        try:
            return FormKind(self.meta.get(layout.META_KIND, ""))
        except ValueError:
            return None


def sniff(data: bytes) -> None:
    """Raise :class:`ReturnReadError` unless ``data`` looks like a zip package."""
    if not data:
        raise ReturnReadError("empty_file", "文件为空（0 字节），可能下载或保存未完成，请对方重新发送")
    if data.startswith(_OLE_MAGIC):
        # An OLE compound file names its streams in UTF-16 in its directory: an encrypted
        # xlsx holds EncryptionInfo, an .xls Workbook (or Book), a .doc WordDocument, an
        # Outlook .msg __substg1.0_ streams.
        if _ole_stream("EncryptionInfo", data):
            raise ReturnReadError(
                "encrypted", "工作簿设置了打开密码（加密），无法读取：请对方取消密码（文件→信息→保护工作簿）后重新发送"
            )
        if _ole_stream("WordDocument", data):
            raise ReturnReadError("word_document", "这是 Word 文档（.doc），不是 Excel 工作簿，请发送下发的 .xlsx 表格")
        if _ole_stream("__substg1.0_", data):
            raise ReturnReadError(
                "not_xlsx", "这是 Outlook 邮件文件（.msg），不是 Excel 工作簿：请打开邮件，另存其中的附件后再收取"
            )
        raise ReturnReadError(
            "old_format", "这是旧版 .xls 格式，无法读取：请用 Excel/WPS 另存为 .xlsx（Excel 工作簿）后重新发送"
        )
    if not data.startswith(_ZIP_MAGIC):
        raise ReturnReadError("not_xlsx", f"不是 Excel 工作簿（.xlsx）：{_guess_type(data)}，请发送下发的 .xlsx 表格")


def _ole_stream(name: str, data: bytes) -> bool:
    return name.encode("utf-16-le") in data


_MAIL_HEADERS = (b"received:", b"return-path:", b"from:", b"message-id:", b"date:", b"subject:", b"x-")


def _guess_type(data: bytes) -> str:
    head = data[:512].lstrip().lower()
    if head.startswith(b"%pdf"):
        return "这是 PDF 文件"
    if head.startswith(_MAIL_HEADERS) and b"mime-version" in data[:8192].lower():
        return "这是邮件文件（.eml）：请打开邮件，另存其中的附件后再收取"
    if head.startswith((b"<html", b"<!doctype html", b"<?xml", b"mime-version")):
        return "这是网页/XML 文件（WPS 或网页另存的“Excel”）"
    if head[:4] in (b"\x89png", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xe1", b"gif8"):
        return "这是图片"
    if head.startswith(b"rar!") or head.startswith(b"7z\xbc\xaf"):
        return "这是 RAR/7z 压缩包，请解压后收取其中的 .xlsx 文件，或改用 .zip 压缩"
    if _looks_like_text(data[:4096]):
        return "这是文本文件（如 .csv/.txt），不含下发表格的格式和标识"
    return "文件内容无法识别"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


class ReturnBook:
    """An opened returned workbook: metadata first, then the sheets the form declares."""

    def __init__(self, name: str, package: ooxml.Package, book: Any) -> None:
        self.name = name
        self.package = package
        self.book = book
        self.sheet_names: tuple[str, ...] = tuple(book.sheet_names)

    @classmethod
    def open(cls, data: bytes, name: str) -> ReturnBook:
        """Open from the file's bytes; raises :class:`ReturnReadError` if it is not a workbook."""
        sniff(data)
        try:
            package = ooxml.Package(zipfile.ZipFile(io.BytesIO(data)))
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
            raise ReturnReadError(
                "corrupt_file", "文件已损坏（压缩包不完整，可能下载或保存未完成），请对方重新发送"
            ) from exc
        if not package.has(ooxml.WORKBOOK_PART):
            if package.has("word/document.xml"):
                raise ReturnReadError(
                    "word_document", "这是 Word 文档（.docx），不是 Excel 工作簿，请发送下发的 .xlsx 表格"
                )
            if package.has("ppt/presentation.xml"):
                raise ReturnReadError("not_xlsx", "这是 PowerPoint 文件，不是 Excel 工作簿，请发送下发的 .xlsx 表格")
            if any(package.has(marker) for marker in OPENDOCUMENT_MARKERS):
                raise ReturnReadError(
                    "opendocument",
                    "这是 OpenDocument 文件（如 .ods），不是 .xlsx：请在 WPS/LibreOffice 中“另存为”Excel 工作簿（.xlsx）后重新发送",
                )
            if not package.has("[Content_Types].xml"):
                raise ReturnReadError(
                    "not_xlsx", "这是压缩包套压缩包（嵌套超过 3 层），未再解压：请解压后收取其中的 .xlsx 文件"
                )
            raise ReturnReadError("not_xlsx", "这是一个压缩包而不是 Excel 工作簿（缺少 xl/workbook.xml）")
        try:
            book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        except python_calamine.PasswordError as exc:  # pragma: no cover - caught by sniff()
            raise ReturnReadError("encrypted", "工作簿设置了打开密码，无法读取") from exc
        except Exception as exc:  # calamine raises several types for damaged parts
            raise ReturnReadError("corrupt_file", f"工作簿已损坏，无法读取（{type(exc).__name__}: {exc}）") from exc
        return cls(name, package, book)

    def close(self) -> None:
        self.book.close()
        self.package.zip.close()

    def __enter__(self) -> ReturnBook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ---------------------------------------------------------------------------
    def metadata(self) -> dict[str, str]:
        """Key/value pairs of the very hidden metadata sheet; {} when there is none."""
        if layout.META_SHEET not in self.sheet_names:
            return {}
        meta: dict[str, str] = {}
        for _number, values in self._rows(layout.META_SHEET):
            if len(values) >= 1 and values[0] not in (None, ""):
                value = values[1] if len(values) > 1 else None
                meta[cell_text(values[0])] = cell_text(value)
        return meta

    def read(self, meta: dict[str, str], keys: Collection[str] | None = None) -> RawReturn:
        """Read the sheets the metadata declares; keep only rows whose id is in ``keys``."""
        sheets = tuple(self.read_sheet(title, unit, keys) for title, unit in declared_sheets(meta))
        assessor = None
        if meta.get(layout.META_KIND) == FormKind.ASSESSOR.value:
            assessor = self.defined_cell(layout.NAME_ASSESSOR)
        return RawReturn(self.name, meta, self.sheet_names, sheets, assessor)

    def read_sheet(self, title: str, unit_id: str, keys: Collection[str] | None = None) -> RawSheet:
        """Find the header row and read every row whose ``编号`` cell is filled."""
        if title not in self.sheet_names:
            return RawSheet(title, unit_id, found=False)
        rows = self._rows(title)
        id_label = normalize_label(layout.H_ID)
        header_row, id_col = 0, 0
        columns: list[tuple[str, int, str]] = []  # (label, index, column letter)
        kept: list[RawRow] = []
        formulas, errors = rows.formulas, rows.errors
        for number, values in rows:
            if not header_row:
                labels: dict[str, int] = {}
                for i, v in enumerate(values):
                    if v not in (None, ""):
                        labels.setdefault(normalize_label(v), i)  # the first of twin headers wins
                if id_label in labels:
                    header_row, id_col = number, labels[id_label]
                    columns = [(label, i, ooxml.column_letter(i + 1)) for label, i in labels.items()]
                continue
            key = _key(values[id_col]) if id_col < len(values) else ""
            if not key or (keys is not None and key not in keys):
                continue
            cells = {}
            width = len(values)
            for label, i, letter in columns:
                ref = f"{letter}{number}"
                value = values[i] if i < width else None
                if ref in errors:
                    value = errors[ref]
                cells[label] = RawCell(title, ref, None if value == "" else value, ref in formulas)
            kept.append(RawRow(key, number, cells))
        letters = {label: letter for label, _i, letter in columns}
        return RawSheet(title, unit_id, True, header_row, letters, tuple(kept), rows.truncated)

    def defined_cell(self, name: str) -> RawCell | None:
        """The cell a workbook-level defined name points to, with its value."""
        for title, ref in self.package.defined_name(name):
            where = ooxml.parse_cell_name(ref)
            if where is None or title not in self.sheet_names:
                continue
            cell = ooxml.cell_name(*where)
            rows = self._rows(title)
            for number, values in rows:
                if number == where[0]:
                    value = values[where[1] - 1] if where[1] - 1 < len(values) else None
                    value = rows.errors.get(cell, value)
                    return RawCell(title, cell, None if value == "" else value, cell in rows.formulas)
                if number > where[0]:
                    break
            return RawCell(title, cell, None)
        return None

    def _rows(self, title: str) -> _SheetRows:
        part = self.package.sheet_part(title)
        if part is None:  # listed by calamine but not resolvable here: let calamine read it
            return _SheetRows(self._dense_rows(title), set())
        xml = self.package.read(part)
        last_row, last_col = ooxml.extent(xml)
        rows = _SheetRows(iter(()), ooxml.formula_cells(xml), ooxml.error_cells(xml))
        if last_row * last_col <= DENSE_CELL_LIMIT:
            rows.source = self._dense_rows(title)
        else:
            rows.source = _streamed_rows(self.package, part, rows)
        return rows

    def _dense_rows(self, title: str) -> Iterator[tuple[int, Sequence[object]]]:
        # skip_empty_area=False: the grid starts at A1, so list positions are coordinates
        # (iter_rows() pads leading empty rows but not leading empty columns).
        grid = self.book.get_sheet_by_name(title).to_python(skip_empty_area=False)
        yield from enumerate(grid, start=1)


class _SheetRows:
    """Rows of a sheet as (1-based row number, values from column A), plus formula cells
    and error cells (reference → ``#N/A``).

    ``truncated`` turns True when the streaming reader stops at STREAM_CELL_LIMIT.
    """

    def __init__(
        self,
        source: Iterator[tuple[int, Sequence[object]]],
        formulas: set[str],
        errors: dict[str, str] | None = None,
    ) -> None:
        self.source = source
        self.formulas = formulas
        self.errors = errors or {}
        self.truncated = False

    def __iter__(self) -> Iterator[tuple[int, Sequence[object]]]:
        return self.source


def _streamed_rows(package: ooxml.Package, part: str, state: _SheetRows) -> Iterator[tuple[int, Sequence[object]]]:
    strings = ooxml.shared_strings(package)
    current = 0
    values_list: list[object] = []
    for row, column, value, _formula in ooxml.stream_cells(
        package, part, strings, STREAM_MAX_COLUMN, STREAM_CELL_LIMIT
    ):
        if row < 0:
            state.truncated = True
            break
        if row != current:
            if values_list:
                yield current, values_list
            current, values_list = row, []
        values_list.extend([None] * (column - len(values_list)))
        values_list[column - 1] = value
    if values_list and not state.truncated:
        yield current, values_list


def declared_sheets(meta: dict[str, str]) -> list[tuple[str, str]]:
    """``[(sheet title, unit id), ...]`` a form of this kind carries its inputs on."""
    kind = meta.get(layout.META_KIND, "")
    if kind == FormKind.SELF.value:
        return [(layout.SELF_SHEET, meta.get(layout.META_SUBJECT, ""))]
    if kind == FormKind.ASSESSOR.value:
        return layout.decode_sheet_map(meta.get(layout.META_SHEETS, ""))
    if kind == FormKind.RATER.value:
        return [(layout.RATER_SHEET, "")]
    if kind == FormKind.BALLOT.value:
        return [(layout.TALLY_SHEET, "")]
    return []


def read_return(data: bytes, name: str, keys: Collection[str] | None = None) -> RawReturn:
    """Convenience: open, read the metadata and the declared sheets, close."""
    with ReturnBook.open(data, name) as book:
        meta = book.metadata()
        return book.read(meta, keys)


def _key(value: object) -> str:
    # An id typed as a number comes back as 1.0; "01" stays text (Excel keeps text cells).
    if value is None or value == "":
        return ""
    if isinstance(value, str) and value.isascii() and value.isalnum():
        return value  # the common case, already normal
    return id_text(value)
