"""Helpers that damage returns as a hostile sender (or a broken disk) would: zip header
fields, sheet XML, random bytes. Used by the hostile-file tests and the fuzz test."""

from __future__ import annotations

import io
import random
import re
import struct
import zipfile
from collections.abc import Callable

# Header fields by offset in the local file header; the central directory entry has
# the same field 2 bytes later (it starts with "version made by").
LOCAL_FIELDS: dict[str, tuple[int, str]] = {
    "version": (4, "<H"),
    "flags": (6, "<H"),
    "method": (8, "<H"),
    "time": (10, "<H"),
    "date": (12, "<H"),
    "crc": (14, "<L"),
    "compressed": (18, "<L"),
    "size": (22, "<L"),
    "name_length": (26, "<H"),
    "extra_length": (28, "<H"),
}
END_FIELDS: dict[str, tuple[int, str]] = {
    "entries": (10, "<H"),
    "directory_size": (12, "<L"),
    "directory_at": (16, "<L"),
}


def headers(data: bytes) -> list[tuple[str, int, bytes]]:
    """Every local header and central directory entry: (kind, offset, member name)."""
    found = []
    for kind, magic, size, name_at in (("local", b"PK\x03\x04", 30, 26), ("central", b"PK\x01\x02", 46, 28)):
        start = 0
        while (start := data.find(magic, start)) >= 0:
            if start + size <= len(data):
                length = struct.unpack_from("<H", data, start + name_at)[0]
                found.append((kind, start, data[start + size : start + size + length]))
            start += 4
    return found


def set_field(data: bytes, member: str, field: str, value: int, *, central: bool = True) -> bytes:
    """``member``'s header field set to ``value`` (local header, and the directory entry)."""
    offset, fmt = LOCAL_FIELDS[field]
    out = bytearray(data)
    limit = 256 ** struct.calcsize(fmt) - 1
    for kind, start, name in headers(data):
        if name != member.encode() or (kind == "central" and not central):
            continue
        struct.pack_into(fmt, out, start + offset + (2 if kind == "central" else 0), min(value, limit))
    return bytes(out)


def rezip(data: bytes, change: Callable[[str, bytes], bytes]) -> bytes:
    """The same zip with each member's bytes passed through ``change(name, bytes)``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, change(info.filename, zin.read(info)), compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def append_rows(xml: bytes, rows: bytes) -> bytes:
    """Rows added at the end of <sheetData>."""
    end = xml.index(b"</sheetData>")
    return xml[:end] + rows + xml[end:]


# ---- the fuzz mutators: each takes a valid file and a seeded Random --------------------
def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    """One to eight random bytes set to random values, anywhere in the file."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


_INTERESTING = (0, 1, 2, 8, 9, 12, 14, 20, 45, 63, 64, 99, 0x7F, 0x80, 0xFF, 0x800, 0x7FFF, 0xFFFF, 0xFFFFFFFF)


def mutate_header(data: bytes, rng: random.Random) -> bytes:
    """One zip header field (local, central or end record) set to a boundary or random value."""
    out = bytearray(data)
    entries = headers(data)
    end = data.rfind(b"PK\x05\x06")
    if end >= 0 and rng.random() < 0.1:
        offset, fmt = rng.choice(list(END_FIELDS.values()))
        start = end
    else:
        kind, start, _name = rng.choice(entries)
        offset, fmt = rng.choice(list(LOCAL_FIELDS.values()))
        offset += 2 if kind == "central" else 0
    limit = 256 ** struct.calcsize(fmt) - 1
    value = rng.choice(_INTERESTING) if rng.random() < 0.7 else rng.randrange(limit + 1)
    if start + offset + struct.calcsize(fmt) <= len(out):
        struct.pack_into(fmt, out, start + offset, min(value, limit))
    return bytes(out)


def truncate(data: bytes, rng: random.Random) -> bytes:
    """The file cut short (a download that did not finish) or with junk appended."""
    if rng.random() < 0.5:
        return data[: rng.randrange(1, len(data))]
    return data + rng.randbytes(rng.randint(1, 4096))


MUTATORS: tuple[Callable[[bytes, random.Random], bytes], ...] = (flip_bytes, mutate_header, mutate_header, truncate)


def _sheet_of(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [i for i in archive.infolist() if i.filename.startswith("xl/worksheets/sheet")]
        return max(sheets, key=lambda i: i.file_size).filename


def mutate_sheet_xml(data: bytes, rng: random.Random) -> bytes:
    """The largest sheet's XML changed the way a hand-made file could be: far or missing
    references, other quotes, a DTD, junk cells, random characters."""
    part = _sheet_of(data)

    def change(name: str, xml: bytes) -> bytes:
        if name != part:
            return xml
        cells = [m.start() for m in _CELL.finditer(xml)]
        at = rng.choice(cells) if cells else 0
        choice = rng.randrange(7)
        if choice == 0:  # a far reference, in either quotes
            ref = rng.choice([b"XFD1048576", b"A1048576", b"XFD1", b"ZZ99999", b"AAAA1", b"A0", b"a5", b"A99999999"])
            quote = rng.choice([b'"', b"'"])
            return xml[:at] + b"<c r=" + quote + ref + quote + b"><v>1</v></c>" + xml[at:]
        if choice == 1:  # references removed from some cells
            return _CELL_REF.sub(lambda m: b"<c" if rng.random() < 0.3 else m.group(0), xml)
        if choice == 2:  # a row of cells without references
            row = (
                b'<row r="'
                + str(rng.randint(1, 1_048_576)).encode()
                + b'">'
                + b"<c><v>1</v></c>" * rng.randint(1, 20_000)
                + b"</row>"
            )
            end = xml.find(b"</sheetData>")
            return xml[:end] + row + xml[end:] if end >= 0 else xml
        if choice == 3:  # a document type declaration with entities
            return b'<!DOCTYPE w [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>' + xml
        if choice == 4:  # single quotes everywhere
            return xml.replace(b'"', b"'")
        if choice == 5:  # a formula pushed into a random cell
            return xml[:at] + b"<c r='A1'><f>A2</f><v>1</v></c>" + xml[at:]
        return flip_bytes(xml, rng)

    return rezip(data, change)


_CELL = re.compile(rb"<c[ >]")
_CELL_REF = re.compile(rb'<c r="[A-Z]+[0-9]+"')
