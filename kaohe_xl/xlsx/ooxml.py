"""The xlsx package at the zip/XML level: what the fast cell reader does not tell us.

python-calamine gives cell *values* quickly, but not which cells hold formulas, not the
workbook's defined names, and it allocates a dense grid from A1 to the last used cell:
one stray value in ``XFD1048576`` makes it try to allocate hundreds of gigabytes and
abort the whole process. This module reads the few parts we need directly:

- ``xl/workbook.xml`` + its relationships: sheet name → XML part, defined names;
- a sheet's XML: the extent of its used cells (to guard calamine), the cells holding a
  formula (``<c r="G7"><f>...</f>``), and, for oversized sheets, a bounded streaming
  reader of the first columns.

Only the standard library is used; parts are small for real forms (a few hundred KB).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from xml.etree import ElementTree as ET

# Excel writes "transitional" namespaces; "Strict Open XML" (另存为 → Strict Open XML 电子
# 表格) uses purl.oclc.org ones for the same elements. Elements are matched by local name
# below, and relationship ids in either namespace, so both read alike.
_NS_REL_ANY = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKBOOK_PART = "xl/workbook.xml"

# A cell start tag with its reference, in any namespace prefix (<c r="B7" ...> or <x:c ...>).
_CELL_TAG = re.compile(rb'<(?:\w+:)?c\b[^>]*?\sr="([A-Z]{1,3})([0-9]{1,7})"')
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
# An error cell (#DIV/0!, #N/A …, pasted as a value): <c r="G7" t="e"><v>#N/A</v></c>.
# The cell's start tag (not self-closing), then its content up to its own end: the value
# is never taken from the next cell.
_ERROR_CELL = re.compile(
    rb"<(?:\w+:)?c\b(?=[^>]*\st=[\"']e[\"'])[^>]*?\sr=[\"']([A-Z]{1,3}[0-9]{1,7})[\"'][^>]*(?<!/)>"
    rb"(?:(?!</(?:\w+:)?c>|<(?:\w+:)?c\b).)*?<(?:\w+:)?v>([^<]*)</",
    re.S,
)
_EXACT_FROM_ROW = 10_000  # longer sheets get their exact last column
_WIDE_REF = re.compile(rb'\sr="[A-Z]{2,3}[0-9]')  # a cell beyond column Z
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
    """``$B$7`` or ``B7`` → (7, 2); None when it is not a single cell reference."""
    match = _REF.match(ref.strip())
    if not match:
        return None
    return int(match.group(2)), column_index(match.group(1))


class Package:
    """An xlsx/xlsm file opened as a zip package (raises zipfile.BadZipFile if it is not one)."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.zip = archive
        self._names = set(archive.namelist())
        self._sheets: dict[str, str] | None = None
        self._defined: dict[str, list[tuple[str, str]]] = {}

    def has(self, part: str) -> bool:
        return part in self._names

    @property
    def names(self) -> set[str]:
        return self._names

    def read(self, part: str) -> bytes:
        return self.zip.read(part)

    def size(self, part: str) -> int:
        """Uncompressed size of a part in bytes."""
        return self.zip.getinfo(part).file_size

    def _load_workbook(self) -> None:
        root = ET.fromstring(self.read(WORKBOOK_PART))
        rels: dict[str, str] = {}
        rels_part = "xl/_rels/workbook.xml.rels"
        if self.has(rels_part):
            for rel in ET.fromstring(self.read(rels_part)).iter(f"{{{_NS_PKG_REL}}}Relationship"):
                rels[rel.get("Id", "")] = _resolve(rel.get("Target", ""))
        sheets: dict[str, str] = {}
        for sheet in _elements(root, "sheet"):
            rel_id = next((sheet.get(f"{{{ns}}}id") for ns in _NS_REL_ANY if sheet.get(f"{{{ns}}}id")), "")
            sheets[sheet.get("name", "")] = rels.get(rel_id or "", "")
        self._sheets = sheets
        for name in _elements(root, "definedName"):
            destinations = []
            for piece in (name.text or "").split(","):
                sheet_title, _, ref = piece.strip().rpartition("!")
                # Excel quotes sheet titles with spaces or symbols: '自评 表'!$B$2, '' escapes '.
                if sheet_title.startswith("'") and sheet_title.endswith("'"):
                    sheet_title = sheet_title[1:-1].replace("''", "'")
                if sheet_title:
                    destinations.append((sheet_title, ref.replace("$", "")))
            self._defined[name.get("name", "")] = destinations

    def sheet_part(self, title: str) -> str | None:
        """The XML part of the worksheet titled ``title`` (None if there is no such sheet)."""
        if self._sheets is None:
            self._load_workbook()
        assert self._sheets is not None
        part = self._sheets.get(title)
        return part if part and self.has(part) else None

    def defined_name(self, name: str) -> list[tuple[str, str]]:
        """Destinations ``[(sheet title, "B3"), ...]`` of a workbook defined name."""
        if self._sheets is None:
            self._load_workbook()
        return self._defined.get(name, [])


def _local(tag: str) -> str:
    """``{namespace}sheet`` → ``sheet``."""
    return tag.rsplit("}", 1)[-1]


def _elements(root: ET.Element, local: str) -> Iterator[ET.Element]:
    return (elem for elem in root.iter() if _local(elem.tag) == local)


def _child(elem: ET.Element, local: str) -> ET.Element | None:
    return next((child for child in elem if _local(child.tag) == local), None)


def _resolve(target: str) -> str:
    # Relationship targets are relative to xl/ ("worksheets/sheet1.xml") or absolute
    # from the package root ("/xl/worksheets/sheet1.xml", as some writers put it).
    if target.startswith("/"):
        return target.lstrip("/")
    parts: list[str] = ["xl"]
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


def extent(xml: bytes) -> tuple[int, int]:
    """(last row, last column) used by the cells of a sheet's XML; (0, 0) if none.

    An upper bound for guarding the dense reader: the ``<dimension>`` element is not
    trusted (WPS writes wrong ones); rows are in ascending order (the spec requires it),
    so the last row is found from the last ``<row>``. When no cell lies beyond column Z
    and the sheet is not long (every form), 26 is returned without scanning every cell.
    Cells written without an ``r`` attribute (allowed, rare) are not counted.
    """
    last_row = 0
    tail = xml.rfind(b"<row ")
    if tail < 0:
        tail = xml.rfind(b":row ")
    for match in _CELL_TAG.finditer(xml, max(tail, 0)):
        last_row = max(last_row, int(match.group(2)))
    if _WIDE_REF.search(xml) is None and last_row <= _EXACT_FROM_ROW:
        return last_row, 26 if last_row else 0
    widest = b""
    for match in _CELL_TAG.finditer(xml):
        letters, row = match.group(1), int(match.group(2))
        last_row = max(last_row, row)
        if len(letters) > len(widest) or (len(letters) == len(widest) and letters > widest):
            widest = letters
    return last_row, column_index(widest) if widest else 0


def formula_cells(xml: bytes) -> set[str]:
    """References (``G7``) of the cells that hold a formula in a sheet's XML."""
    found: set[str] = set()
    for match in _FORMULA_TAG.finditer(xml):
        # <f> is the first child of <c>: the cell's start tag is just before it.
        window = xml[max(0, match.start() - 400) : match.start()]
        cells = list(_CELL_TAG.finditer(window))
        if cells:
            found.add((cells[-1].group(1) + cells[-1].group(2)).decode("ascii"))
    return found


def error_cells(xml: bytes) -> dict[str, str]:
    """Cells holding an Excel error value (``#DIV/0!``, ``#N/A`` …): reference → error text.

    The fast reader shows an error cell as empty; a pasted error must be reported as
    what it is, not as a blank.
    """
    if b't="e"' not in xml and b"t='e'" not in xml:
        return {}
    return {m.group(1).decode("ascii"): m.group(2).decode("utf-8", "replace") for m in _ERROR_CELL.finditer(xml)}


def shared_strings(package: Package) -> list[str]:
    """The shared string table (rich-text runs joined, phonetic hints dropped)."""
    part = "xl/sharedStrings.xml"
    if not package.has(part):
        return []
    strings: list[str] = []
    with package.zip.open(part) as handle:
        for _event, elem in ET.iterparse(handle):
            if _local(elem.tag) == "si":
                strings.append(_text_of(elem))
                elem.clear()
    return strings


def _text_of(elem: ET.Element) -> str:
    # <si><t>..</t></si> or rich text <si><r><t>..</t></r>...</si>; skip <rPh> (furigana).
    pieces = []
    for child in elem:
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "t":
            pieces.append(child.text or "")
        elif tag == "r":
            pieces.extend(t.text or "" for t in child if t.tag.endswith("}t"))
    return "".join(pieces)


def stream_cells(
    package: Package, part: str, strings: list[str], max_column: int, limit: int
) -> Iterator[tuple[int, int, object, bool]]:
    """Yield ``(row, column, value, has_formula)`` for non-empty cells in columns ≤ max_column.

    A bounded, streaming reader for sheets too large for the dense fast reader: after
    ``limit`` cell elements (in any column) it yields ``(-1, 0, None, False)`` and stops.
    Values are str, float or bool (dates stay serial numbers; a score is never a date).
    """
    row_number, column, parsed = 0, 0, 0
    with package.zip.open(part) as handle:
        for event, elem in ET.iterparse(handle, events=("start", "end")):
            tag = _local(elem.tag)
            if event == "start":
                if tag == "row":
                    row_number = int(elem.get("r") or row_number + 1)
                    column = 0
                continue
            if tag != "c":
                if tag == "row":
                    elem.clear()
                continue
            parsed += 1
            if parsed > limit:
                yield -1, 0, None, False
                return
            ref = parse_cell_name(elem.get("r", ""))
            column = ref[1] if ref else column + 1
            if column <= max_column:
                value, formula = _cell_value(elem, strings)
                if value is not None or formula:
                    yield (ref[0] if ref else row_number), column, value, formula
            elem.clear()


def _cell_value(elem: ET.Element, strings: list[str]) -> tuple[object, bool]:
    kind = elem.get("t", "n")
    formula = _child(elem, "f") is not None
    if kind == "inlineStr":
        inline = _child(elem, "is")
        return (_text_of(inline) if inline is not None else None), formula
    v = _child(elem, "v")
    if v is None or v.text is None:
        return None, formula
    if kind == "s":
        index = int(v.text)
        return (strings[index] if 0 <= index < len(strings) else ""), formula
    if kind == "b":
        return v.text == "1", formula
    if kind in ("str", "e"):
        return v.text, formula
    try:
        return float(v.text), formula
    except ValueError:
        return v.text, formula
