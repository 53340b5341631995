"""Stamping: one openpyxl build per layout, then per-unit copies by text replacement.

An xlsx file is a zip of XML parts. A form built with placeholder tokens where the
per-unit text goes (unit id, unit name, signature) is saved once; for each unit the
parts are copied and only the parts holding a token are rewritten (the sheets whose
cells show the unit, since openpyxl 3.1 writes cell text as inline strings; shared
strings, document properties and any other XML part would work the same). The static
parts are compressed once and their compressed bytes are reused as they are.

A templated part is cut at its tokens. When it holds few of them, each static piece is
compressed once too, ending on a byte boundary (a zlib *sync flush*); a copy is then
those pieces with the unit's text between them as *stored* (uncompressed) deflate
blocks — a valid deflate stream that every inflater reads, and the XML inside is
exactly the text a full compression would hold. So a form costs a CRC and a file
write, not a compression of its 60 KB sheet. A part with many tokens (a 考核组评分表 unit
sheet shows one pre-filled score per item) would compress badly in pieces (back
references cannot cross a piece) and is compressed whole on each copy.

Two kinds of slot:

* :func:`token` — text inside a cell or property; the value is XML-escaped and
  characters XML forbids are dropped (openpyxl refuses them too);
* :func:`cell_token` — a whole cell whose value varies in type (a number, a text, or
  nothing): the prototype writes the token as the cell's text, and each copy writes
  the cell as openpyxl would write that value (``t="n"`` with ``<v>``, an inline
  string, or an empty cell), with the prototype's style.

Rules that keep the copies identical to a direct build:

* tokens are plain ASCII with a random nonce, so they never occur in rubric text and
  pass through openpyxl unchanged;
* the builder must not derive anything else from the token text (widths, heights,
  sheet titles): only cell and property *text* may contain tokens.
"""

from __future__ import annotations

import functools
import io
import re
import secrets
import struct
import time
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from kaohe_xl.textnorm import safe_text
from kaohe_xl.xlsx.zipwrite import LEVEL, Deflated, ZipWriter, deflated

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook

_NONCE = secrets.token_hex(4).upper()
NONCE = _NONCE  # this process's; a prototype saved by another process names its own


@functools.lru_cache(maxsize=8)
def _patterns(nonce: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Any placeholder, and a cell slot as openpyxl 3.1 writes a text cell
    (``<c r="G5" s="13" t="inlineStr"><is><t>TOKEN</t></is></c>``), of ``nonce``."""
    return re.compile(rf"KHP([HC])([A-Z]+){nonce}Z"), re.compile(
        rf'<c r="([A-Z]{{1,3}}[0-9]{{1,7}})"([^>]*?) t="inlineStr"><is><t>KHPC([A-Z]+){nonce}Z</t></is></c>'
    )


# Few slots per part: pieces compressed once; more: the whole part compressed per copy,
# at zlib level 3 (2.5 times as fast as level 6 on a unit sheet, 15 % larger).
PIECEWISE_SLOTS = 8
COPY_LEVEL = 3
_STORED_MAX = 0xFFFF  # bytes in one stored deflate block
CellValue = str | int | float | Decimal | None


def token(field: str) -> str:
    """The placeholder written into the prototype for text ``field`` (upper-case ASCII letters)."""
    return f"KHPH{_field(field)}{_NONCE}Z"


def cell_token(field: str) -> str:
    """The placeholder value of a cell written whole per copy (see the module docstring)."""
    return f"KHPC{_field(field)}{_NONCE}Z"


def slot_name(index: int) -> str:
    """A field name for the ``index``-th slot of a series: ``A``, ``B``, … ``AA``, …"""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _field(field: str) -> str:
    if not field.isalpha() or not field.isupper() or not field.isascii():
        raise ValueError(f"placeholder field must be upper-case ASCII letters: {field!r}")
    return field


def xml_text(value: str) -> str:
    """Text made safe for an XML element body, cleaned as every writer cleans it
    (:func:`~kaohe_xl.textnorm.safe_text`)."""
    return escape(safe_text(value))


def cell_xml(ref: str, attrs: str, value: CellValue) -> str:
    """A ``<c>`` element as openpyxl 3.1 writes ``value`` into a cell with ``attrs`` (its style)."""
    if isinstance(value, Decimal):  # Excel keeps doubles: whole numbers as int (kaohe_xl.forms.parts.number)
        value = int(value) if value == value.to_integral_value() else float(value)
    if value is None or value == "":
        return f'<c r="{ref}"{attrs} t="n"></c>'
    if isinstance(value, str):
        text = xml_text(value)
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return f'<c r="{ref}"{attrs} t="inlineStr"><is><t{space}>{text}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{attrs} t="b"><v>{int(value)}</v></c>'
    return f'<c r="{ref}"{attrs} t="n"><v>{value:.16g}</v></c>'  # openpyxl's safe_string'


@dataclass(frozen=True)
class _Slot:
    field: str
    ref: str = ""  # set for a whole-cell slot
    attrs: str = ""

    def render(self, values: Mapping[str, object]) -> bytes:
        value = values[self.field]
        if self.ref:
            return cell_xml(self.ref, self.attrs, value).encode("utf-8")  # type: ignore[arg-type]
        return xml_text(str(value)).encode("utf-8")


@dataclass(frozen=True)
class _Templated:
    """A part with slots: static pieces (raw, and compressed when piecewise) between slots."""

    name: str
    pieces: tuple[bytes | _Slot, ...]
    compressed: tuple[bytes | _Slot, ...] | None  # None: compressed whole on each copy
    # (slot, type, value) → its XML, for short values: a unit sheet's scores, heights and
    # totals repeat from copy to copy (a few distinct values each)
    rendered: dict[tuple[int, type, object], bytes] = field(default_factory=dict, compare=False, repr=False)


class Prototype:
    """A saved workbook whose slots are filled per copy by :meth:`stamp`."""

    def __init__(self, wb: Workbook | bytes, level: int = LEVEL, nonce: str = NONCE) -> None:
        """``nonce``: of the placeholders in ``wb`` (bytes saved by another process)."""
        if isinstance(wb, bytes):
            data = wb
        else:  # with the formula results the builder recorded (openpyxl is loaded by then)
            from kaohe_xl.xlsx.sheetwriter import workbook_bytes

            data = workbook_bytes(wb)
        self.level = level
        self._token, self._cell = _patterns(nonce)
        self.fields: set[str] = set()
        self.cell_fields: set[str] = set()
        self._parts: list[Deflated | _Templated] = []
        # The time stamp of every member (openpyxl's own save time), fixed per prototype;
        # and the same instant as a document property's created/modified time (UTC).
        now = time.time()
        self._when = time.localtime(now)
        self.created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                raw = archive.read(info)
                text = raw.decode("utf-8") if info.filename.endswith((".xml", ".rels")) else ""
                if text and self._token.search(text):
                    self._parts.append(self._templated(info.filename, text))
                else:
                    self._parts.append(deflated(info.filename, raw, level))

    def _templated(self, name: str, text: str) -> _Templated:
        pieces: list[bytes | _Slot] = []
        last = 0
        slots = [(m.start(), m.end(), _Slot(m.group(3), m.group(1), m.group(2))) for m in self._cell.finditer(text)]
        spans = [(start, end) for start, end, _ in slots]
        slots += [(m.start(), m.end(), _Slot(m.group(2))) for m in self._token.finditer(text) if m.group(1) == "H"]
        for start, end, slot in sorted(slots, key=lambda s: s[0]):
            if start < last:  # a text token inside a cell slot: cannot happen with our builders
                raise ValueError(f"{name}: placeholder {slot.field} overlaps another")
            pieces.append(text[last:start].encode("utf-8"))
            pieces.append(slot)
            (self.cell_fields if slot.ref else self.fields).add(slot.field)
            last = end
        pieces.append(text[last:].encode("utf-8"))
        stray = [
            m.group(0)
            for m in self._token.finditer(text)
            if m.group(1) == "C" and not any(start < m.start() < end for start, end in spans)
        ]
        if stray:
            raise ValueError(f"{name}: cell placeholder {stray[0]} is not a whole text cell")
        compressed = self._piecewise(pieces) if len(slots) <= PIECEWISE_SLOTS else None
        return _Templated(name, tuple(pieces), compressed)

    def _piecewise(self, pieces: list[bytes | _Slot]) -> tuple[bytes | _Slot, ...]:
        out: list[bytes | _Slot] = []
        last = len(pieces) - 1
        for at, piece in enumerate(pieces):
            if isinstance(piece, _Slot):
                out.append(piece)
            elif piece or at == last:
                compressor = zlib.compressobj(self.level, zlib.DEFLATED, -15)
                head = compressor.compress(piece)
                out.append(head + compressor.flush(zlib.Z_FINISH if at == last else zlib.Z_SYNC_FLUSH))
        return tuple(out)

    def stamp(self, values: Mapping[str, object]) -> bytes:
        """The xlsx bytes with every slot filled from ``values`` (text XML-escaped; cell
        slots written as the value's type)."""
        missing = (self.fields | self.cell_fields) - set(values)
        if missing:
            raise KeyError(f"no value for placeholder(s) {sorted(missing)}")
        out = io.BytesIO()
        writer = ZipWriter(out, self._when)
        for part in self._parts:
            if isinstance(part, _Templated):
                writer.add_deflated(_fill(part, values))
            else:
                writer.add_deflated(part)
        writer.close()
        return out.getvalue()

    def part(self, name: str, values: Mapping[str, object]) -> Deflated:
        """One member of the stamped copy, compressed (for assembling other packages)."""
        for part in self._parts:
            if part.name == name:
                return _fill(part, values) if isinstance(part, _Templated) else part
        raise KeyError(name)

    def raw(self, name: str) -> bytes:
        """A member of the prototype as saved (slots unfilled), uncompressed."""
        for part in self._parts:
            if part.name == name:
                if isinstance(part, _Templated):
                    return b"".join(p if isinstance(p, bytes) else b"" for p in part.pieces)
                return zlib.decompressobj(-15).decompress(part.data)
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        """The members, in the prototype's order."""
        return [part.name for part in self._parts]


def _fill(part: _Templated, values: Mapping[str, object]) -> Deflated:
    if part.compressed is None:  # a unit sheet: a few hundred slots
        return deflated(part.name, b"".join(_rendered(part, values)), COPY_LEVEL)
    rendered = {id(p): p.render(values) for p in part.pieces if isinstance(p, _Slot)}
    crc = size = 0
    for piece in part.pieces:
        chunk = piece if isinstance(piece, bytes) else rendered[id(piece)]
        crc = zlib.crc32(chunk, crc)
        size += len(chunk)
    data = b"".join(p if isinstance(p, bytes) else _stored(rendered[id(p)]) for p in part.compressed)
    return Deflated(part.name, crc, size, data)


def _rendered(part: _Templated, values: Mapping[str, object]) -> list[bytes]:
    """The pieces of ``part`` with its slots filled from ``values``."""
    memo = part.rendered
    out = []
    for piece in part.pieces:
        if isinstance(piece, bytes):
            out.append(piece)
            continue
        key = _memo_key(piece, values[piece.field])
        chunk = None if key is None else memo.get(key)
        if chunk is None:
            chunk = piece.render(values)
            if key is not None:
                memo[key] = chunk
        out.append(chunk)
    return out


_MEMO_TEXT = 32  # longer texts are not kept (a unit's 自评说明: one of a kind)


def _memo_key(piece: _Slot, value: object) -> tuple[int, type, object] | None:
    """Where a slot's XML for ``value`` is kept; None for a value not kept: a long text, a
    float or a non-finite Decimal (-0.0 and NaN make keys equal to those of other texts)."""
    if isinstance(value, str):
        return None if len(value) > _MEMO_TEXT else (id(piece), str, value)
    if isinstance(value, float) or (isinstance(value, Decimal) and not value.is_finite()):
        return None
    return (id(piece), value.__class__, value)


def _stored(data: bytes) -> bytes:
    """``data`` as non-final stored deflate blocks (the stream is on a byte boundary here)."""
    blocks = []
    for start in range(0, len(data), _STORED_MAX):
        chunk = data[start : start + _STORED_MAX]
        blocks.append(b"\x00" + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF) + chunk)
    return b"".join(blocks)
