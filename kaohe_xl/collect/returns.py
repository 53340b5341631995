"""A returned file → the raw values of its declared cells, with their locations. No judgement.

The reader finds everything through the layout contract, never by fixed coordinates:
the metadata on the very hidden sheet ``_kaohe`` says what the file is; the header row
is the first row holding the ``编号`` label; columns are found by header label; item
rows by the id in the ``编号`` column; the assessor's name by the defined name
``KH_ASSESSOR``; on a 考核组评分表 each unit sheet by the unit id in its ``KH_UNIT``
cell, not by its tab name. Inserted rows, moved columns, renamed tabs do not change
what is read; what is hidden (sheets, columns, the header row) is reported, because a
person looking at the file does not see it.

Opening is :mod:`kaohe_xl.collect.opening`: the package and every sheet are checked
before the fast native reader may see them; files that are not readable workbooks
raise :class:`ReturnReadError` with a stable code.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import NamedTuple

from kaohe_xl.collect.opening import (
    DENSE_CELL_LIMIT,
    STREAM_CELL_LIMIT,
    STREAM_MAX_COLUMN,
    ReturnReadError,
    SafeBook,
)
from kaohe_xl.collect.received import OPENDOCUMENT_MARKERS
from kaohe_xl.forms import layout
from kaohe_xl.rubric.model import FormKind
from kaohe_xl.textnorm import cell_text, id_text, normalize_label
from kaohe_xl.xlsx import cfb, ooxml
from kaohe_xl.xlsx.zipread import PartError

__all__ = [
    "DENSE_CELL_LIMIT",
    "STREAM_CELL_LIMIT",
    "STREAM_MAX_COLUMN",
    "RawCell",
    "RawReturn",
    "RawRow",
    "RawSheet",
    "ReturnBook",
    "ReturnReadError",
    "declared_sheets",
    "read_return",
    "sniff",
]

_ZIP_MAGIC = b"PK\x03\x04"


class RawCell(NamedTuple):
    """One cell as found: sheet title, ``G7``, value (None when empty), formula or not."""

    sheet: str
    cell: str
    value: object
    formula: bool = False


class RawRow(NamedTuple):
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
    declared_title: str = ""  # the title the signed metadata gives (the tab may be renamed)
    hidden: bool = False  # the sheet itself is hidden or very hidden
    header_hidden: bool = False  # the header row that was used is hidden
    hidden_labels: tuple[str, ...] = ()  # normalised labels whose column is hidden
    hidden_rows: tuple[str, ...] = ()  # keys of the rows read that are hidden
    twin_labels: tuple[str, ...] = ()  # normalised labels found more than once in the header row


@dataclass(frozen=True)
class RawReturn:
    """Everything read from one returned workbook."""

    name: str
    meta: dict[str, str]
    sheet_names: tuple[str, ...]
    sheets: tuple[RawSheet, ...] = ()
    assessor: RawCell | None = None  # the 评分人 cell (assessor workbooks)
    hidden_sheets: frozenset[str] = frozenset()  # titles of hidden and very hidden sheets
    unit_claims: tuple[tuple[str, str], ...] = ()  # (sheet title, unit id in its KH_UNIT cell)

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
    if data.startswith(cfb.SIGNATURE):
        try:
            names = cfb.entry_names(data)
        except cfb.CfbError:
            names = []  # a damaged compound file: most likely an old .xls
        if "EncryptionInfo" in names:
            raise ReturnReadError(
                "encrypted", "工作簿设置了打开密码（加密），无法读取：请对方取消密码（文件→信息→保护工作簿）后重新发送"
            )
        if "WordDocument" in names:
            raise ReturnReadError("word_document", "这是 Word 文档（.doc），不是 Excel 工作簿，请发送下发的 .xlsx 表格")
        if any(name.startswith("__substg1.0_") for name in names):
            raise ReturnReadError(
                "not_xlsx", "这是 Outlook 邮件文件（.msg），不是 Excel 工作簿：请打开邮件，另存其中的附件后再收取"
            )
        raise ReturnReadError(
            "old_format", "这是旧版 .xls 格式，无法读取：请用 Excel/WPS 另存为 .xlsx（Excel 工作簿）后重新发送"
        )
    if not data.startswith(_ZIP_MAGIC):
        raise ReturnReadError("not_xlsx", f"不是 Excel 工作簿（.xlsx）：{_guess_type(data)}，请发送下发的 .xlsx 表格")


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

    def __init__(self, name: str, book: SafeBook) -> None:
        self.name = name
        self.book = book
        self.sheet_names: tuple[str, ...] = book.sheet_names

    @classmethod
    def open(cls, data: bytes, name: str) -> ReturnBook:
        """Open from the file's bytes; raises :class:`ReturnReadError` if it is not a workbook."""
        sniff(data)
        try:
            package = ooxml.Package(data)
        except PartError as exc:
            raise ReturnReadError(
                "corrupt_file", f"文件已损坏（压缩包不完整，可能下载或保存未完成），请对方重新发送（{exc}）"
            ) from exc
        _check_kind(package)
        return cls(name, SafeBook.open(package, name))

    def close(self) -> None:
        self.book.close()

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
        for _number, values in self.book.rows(layout.META_SHEET):
            if len(values) >= 1 and values[0] not in (None, ""):
                value = values[1] if len(values) > 1 else None
                meta[cell_text(values[0])] = cell_text(value)
        return meta

    def read(
        self, meta: dict[str, str], keys: Collection[str] | None = None, columns: Collection[str] | None = None
    ) -> RawReturn:
        """Read the sheets the metadata declares; keep only rows whose id is in ``keys``
        and, when given, only the cells of the ``columns`` (normalised header labels).

        On a 考核组评分表 a unit's sheet is the one whose ``KH_UNIT`` cell holds the unit
        id (a renamed or swapped tab does not move scores); forms made before that cell
        existed are read by the titles in the metadata.
        """
        claims = self.unit_claims() if meta.get(layout.META_KIND) == FormKind.ASSESSOR.value else []
        by_unit: dict[str, list[str]] = {}
        for title, unit in claims:
            by_unit.setdefault(unit, []).append(title)
        sheets = []
        for title, unit in declared_sheets(meta):
            titles = by_unit.get(unit, [])
            actual = titles[0] if len(titles) == 1 else title
            sheets.append(self.read_sheet(actual, unit, keys, declared=title, columns=columns))
        assessor = None
        if meta.get(layout.META_KIND) == FormKind.ASSESSOR.value:
            assessor = self.defined_cell(layout.NAME_ASSESSOR)
        hidden = frozenset(s.title for s in self.book.sheets if s.hidden)
        return RawReturn(self.name, meta, self.sheet_names, tuple(sheets), assessor, hidden, tuple(claims))

    def unit_claims(self) -> list[tuple[str, str]]:
        """``[(sheet title, unit id)]`` from each sheet's local ``KH_UNIT`` cell."""
        claims = []
        for title, text in self.book.package.local_names(layout.NAME_UNIT).items():
            _sheet, _, ref = text.rpartition("!")
            where = ooxml.parse_cell_name(ref.replace("$", ""))
            cell = self._cell(title, where) if where is not None else None
            if cell is not None and cell.value not in (None, ""):
                claims.append((title, id_text(cell.value)))
        return claims

    def read_sheet(
        self,
        title: str,
        unit_id: str,
        keys: Collection[str] | None = None,
        *,
        declared: str = "",
        columns: Collection[str] | None = None,
    ) -> RawSheet:
        """Find the header row and read every row whose ``编号`` cell is filled."""
        declared = declared or title
        if title not in self.sheet_names:
            return RawSheet(title, unit_id, found=False, declared_title=declared)
        rows = self.book.rows(title)
        id_label = normalize_label(layout.H_ID)
        header_row, id_col = 0, 0
        taken: list[tuple[str, int, str]] = []
        found: list[tuple[str, int, str]] = []  # (label, index, column letter)
        twins: list[str] = []
        kept: list[RawRow] = []
        formulas, errors = rows.formulas, rows.errors
        for number, values in rows:
            if not header_row:
                labels: dict[str, int] = {}
                for i, v in enumerate(values):
                    if v not in (None, ""):
                        label = normalize_label(v)
                        if label in labels:
                            twins.append(label)
                        labels.setdefault(label, i)  # the first of twin headers wins
                if id_label in labels:
                    header_row, id_col = number, labels[id_label]
                    found = [(label, i, ooxml.column_letter(i + 1)) for label, i in labels.items()]
                    taken = [c for c in found if columns is None or c[0] in columns]
                else:
                    twins.clear()
                continue
            key = _key(values[id_col]) if id_col < len(values) else ""
            if not key or (keys is not None and key not in keys):
                continue
            cells = {}
            width = len(values)
            for label, i, letter in taken:
                ref = letter + str(number)
                value = values[i] if i < width else None
                if errors and ref in errors:
                    value = errors[ref]
                cells[label] = RawCell(title, ref, None if value == "" else value, ref in formulas)
            kept.append(RawRow(key, number, cells))
        letters = {label: letter for label, _i, letter in found}
        scan = rows.scan
        entry = self.book.package.sheet(title)
        return RawSheet(
            title,
            unit_id,
            True,
            header_row,
            letters,
            tuple(kept),
            rows.truncated,
            declared,
            hidden=entry is not None and entry.hidden,
            header_hidden=header_row in scan.hidden_rows,
            hidden_labels=tuple(label for label, i, _ in found if scan.column_hidden(i + 1)),
            hidden_rows=tuple(row.key for row in kept if row.row in scan.hidden_rows),
            twin_labels=tuple(dict.fromkeys(twins)),
        )

    def defined_cell(self, name: str) -> RawCell | None:
        """The cell a workbook-level defined name points to, with its value."""
        for title, ref in self.book.package.defined_name(name):
            where = ooxml.parse_cell_name(ref)
            if where is None or title not in self.sheet_names:
                continue
            return self._cell(title, where)
        return None

    def _cell(self, title: str, where: tuple[int, int]) -> RawCell:
        cell = ooxml.cell_name(*where)
        rows = self.book.rows(title)
        for number, values in rows:
            if number == where[0]:
                value = values[where[1] - 1] if where[1] - 1 < len(values) else None
                value = rows.errors.get(cell, value)
                return RawCell(title, cell, None if value == "" else value, cell in rows.formulas)
            if number > where[0]:
                break
        return RawCell(title, cell, None)


def _check_kind(package: ooxml.Package) -> None:
    """Raise :class:`ReturnReadError` when the zip is another kind of document."""
    if package.has(ooxml.WORKBOOK_PART):
        return
    if package.has("word/document.xml"):
        raise ReturnReadError("word_document", "这是 Word 文档（.docx），不是 Excel 工作簿，请发送下发的 .xlsx 表格")
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
