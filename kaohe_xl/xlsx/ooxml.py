"""The xlsx package at the zip/XML level: what the fast cell reader does not tell us.

python-calamine gives cell *values* quickly, but not which cells hold formulas, not the
workbook's defined names, and it allocates a dense grid from A1 to the last used cell.
This module reads, from a package checked part by part (:mod:`kaohe_xl.xlsx.zipread`),
the workbook part and its relationships: each sheet's title, state (visible, hidden,
very hidden), position and XML part, and the defined names — workbook-wide and those
local to one sheet. Sheets themselves are parsed by :mod:`kaohe_xl.xlsx.sheetxml`.

Sheet parts are located the way calamine locates them (``xl/`` + the relationship's
target, an absolute ``/xl/…`` target taken as is, part names compared ignoring letter
case), so both readers always mean the same part by the same sheet.
"""

from __future__ import annotations

import pyexpat
import re
from dataclasses import dataclass, field

from kaohe_xl.xlsx.limits import MAX_COLUMNS, MAX_ROWS
from kaohe_xl.xlsx.xmlsafe import local, parse
from kaohe_xl.xlsx.zipread import PartError, ZipPackage

PACKAGE_RELS_PART = "_rels/.rels"  # the package's own relationships: where the workbook part is
WORKBOOK_PART = "xl/workbook.xml"
RELS_PART = "xl/_rels/workbook.xml.rels"
STRINGS_PART = "xl/sharedStrings.xml"
STYLES_PART = "xl/styles.xml"
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


def column_letter(index: int) -> str:
    """1 → ``A``, 27 → ``AA`` (Excel's bijective base-26 column names)."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str | bytes) -> int:
    """``A`` → 1, ``AA`` → 27."""
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index


def cell_name(row: int, column: int) -> str:
    """(7, 2) → ``B7``; row and column are 1-based."""
    return f"{column_letter(column)}{row}"


def parse_cell_name(ref: str) -> tuple[int, int] | None:
    """``$B$7`` or ``B7`` → (7, 2); None when it is not a single cell within Excel's grid."""
    match = _REF.match(ref.strip())
    if not match:
        return None
    row, column = int(match.group(2)), column_index(match.group(1))
    if not (0 < row <= MAX_ROWS and 0 < column <= MAX_COLUMNS):
        return None
    return row, column


@dataclass(frozen=True)
class SheetEntry:
    """One ``<sheet>`` of the workbook part, in workbook order."""

    title: str
    part: str | None  # the member of the package holding it; None when there is none
    state: str = "visible"  # visible | hidden | veryHidden
    path: str = ""  # the part name calamine looks for (from the relationship's target)

    @property
    def hidden(self) -> bool:
        return self.state in ("hidden", "veryHidden")


@dataclass
class _Workbook:
    sheets: list[tuple[str, str, str]] = field(default_factory=list)  # (title, relationship id, state)
    names: list[tuple[str, str, str]] = field(default_factory=list)  # (name, localSheetId, text)


def _read_workbook(xml: bytes) -> _Workbook:
    found = _Workbook()
    current: list[str] = []
    text: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = local(name)
        if tag == "sheet":
            rel = attrs.get("r:id") or attrs.get("relationships:id")
            rel = rel or next((v for k, v in attrs.items() if k.endswith(":id")), "")
            found.sheets.append((attrs.get("name", ""), rel, attrs.get("state", "visible")))
        elif tag == "definedName":
            current[:] = [attrs.get("name", ""), attrs.get("localSheetId", "")]
            text.clear()

    def end(name: str) -> None:
        if current and local(name) == "definedName":
            found.names.append((current[0], current[1], "".join(text)))
            current.clear()

    def data(chunk: str) -> None:
        if current:
            text.append(chunk)

    def setup(parser: pyexpat.XMLParserType) -> None:
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = data

    parse(xml, setup)
    return found


def _read_rels(xml: bytes) -> dict[str, str]:
    rels: dict[str, str] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        if local(name) == "Relationship":
            rels[attrs.get("Id", "")] = attrs.get("Target", "")

    def setup(parser: pyexpat.XMLParserType) -> None:
        parser.StartElementHandler = start

    parse(xml, setup)
    return rels


def sheet_path(target: str) -> str:
    """A relationship target as calamine turns it into a part name."""
    if target.startswith("/xl/"):
        return target[1:]
    if target.startswith("xl/"):
        return target
    return f"xl/{target}"


class Package:
    """An xlsx/xlsm file as a checked zip package (raises :class:`PartError` if it is not one)."""

    def __init__(self, data: bytes) -> None:
        self.zip = ZipPackage(data)
        self._sheets: list[SheetEntry] | None = None
        self._names: list[tuple[str, str, str]] = []

    def has(self, part: str) -> bool:
        return self.zip.find(part) is not None

    @property
    def names(self) -> list[str]:
        return self.zip.names

    def find(self, part: str) -> str | None:
        """The member holding ``part`` (part names are compared ignoring letter case)."""
        return self.zip.find(part)

    def read(self, part: str) -> bytes:
        """A part's checked bytes (raises :class:`PartError`, or KeyError for no such part)."""
        member = self.zip.find(part)
        if member is None:
            raise KeyError(part)
        return self.zip.read(member)

    @property
    def sheets(self) -> list[SheetEntry]:
        """The workbook's sheets in workbook order (raises :class:`PartError` when the
        workbook part or its relationships are not readable XML)."""
        if self._sheets is None:
            self._load()
        assert self._sheets is not None
        return self._sheets

    def _load(self) -> None:
        try:
            workbook = _read_workbook(self.read(WORKBOOK_PART))
            rels = _read_rels(self.read(RELS_PART)) if self.has(RELS_PART) else {}
        except PartError:
            raise
        except Exception as exc:  # XmlRefused, KeyError
            raise PartError("corrupt_file", f"工作簿结构部件无法读取（{exc}）", WORKBOOK_PART) from exc
        titles = [title.casefold() for title, _rel, _state in workbook.sheets]
        if len(set(titles)) != len(titles):
            # Excel never allows two sheets of one name; readers would not agree which is meant.
            raise PartError("corrupt_file", "工作簿中有两个同名工作表，文件结构异常", WORKBOOK_PART)
        sheets = []
        for title, rel, state in workbook.sheets:
            path = sheet_path(rels[rel]) if rel in rels else ""
            sheets.append(SheetEntry(title, self.zip.find(path) if path else None, state, path))
        self._sheets = sheets
        self._names = workbook.names

    def sheet(self, title: str) -> SheetEntry | None:
        return next((s for s in self.sheets if s.title == title), None)

    def sheet_part(self, title: str) -> str | None:
        """The part of the worksheet titled ``title`` (None if there is no such sheet)."""
        entry = self.sheet(title)
        return entry.part if entry is not None else None

    def defined_name(self, name: str) -> list[tuple[str, str]]:
        """Destinations ``[(sheet title, "B3"), ...]`` of a workbook-wide defined name."""
        for defined, scope, text in self._all_names():
            if defined == name and not scope:
                return _destinations(text)
        return []

    def local_names(self, name: str) -> dict[str, str]:
        """``{sheet title: text}`` of the sheet-local defined names called ``name``.

        A local name belongs to a sheet by position (``localSheetId``), so it stays with
        its sheet when the sheet's tab is renamed.
        """
        titles = [s.title for s in self.sheets]
        found = {}
        for defined, scope, text in self._all_names():
            if defined == name and scope.isdigit() and int(scope) < len(titles):
                found[titles[int(scope)]] = text
        return found

    def _all_names(self) -> list[tuple[str, str, str]]:
        if self._sheets is None:
            self._load()
        return self._names


def _destinations(text: str) -> list[tuple[str, str]]:
    destinations = []
    for piece in text.split(","):
        sheet_title, _, ref = piece.strip().rpartition("!")
        # Excel quotes sheet titles with spaces or symbols: '自评 表'!$B$2, '' escapes '.
        if sheet_title.startswith("'") and sheet_title.endswith("'"):
            sheet_title = sheet_title[1:-1].replace("''", "'")
        if sheet_title:
            destinations.append((sheet_title, ref.replace("$", "")))
    return destinations


__all__ = [
    "PACKAGE_RELS_PART",
    "RELS_PART",
    "STRINGS_PART",
    "STYLES_PART",
    "WORKBOOK_PART",
    "Package",
    "PartError",
    "SheetEntry",
    "cell_name",
    "column_index",
    "column_letter",
    "parse_cell_name",
    "sheet_path",
]
