"""Reading and rewriting VBA module source in a ``vbaProject.bin`` ([MS-OVBA]).

A VBA project is a compound file (see :mod:`kaohe_xl._cfb`) with, under ``VBA/``:

* ``dir``: the project information and one record group per module, compressed. Each
  module's ``MODULEOFFSET`` record says where its source starts inside its stream.
* one stream per module: an optional *performance cache* (compiled p-code for one VBA
  version) followed, at ``MODULEOFFSET``, by the module's source text, compressed.
* ``_VBA_PROJECT``: version information; its ``Version`` field 0xFFFF (and no
  performance cache) tells Office the project has no p-code it may trust, so it
  compiles every module from source when the file is opened.

The xlwings add-in templates are built that way (``_VBA_PROJECT`` is the 7-byte form
with version 0xFFFF, and their ``xlwings`` module already has ``MODULEOFFSET`` 0), so
replacing a module's source is: compress the new text, store it alone in the module's
stream, set that module's ``MODULEOFFSET`` to 0 and recompress ``dir``. That is exactly
the shape of the modules the xlwings maintainers already ship.

Source text is stored in the project's code page (``PROJECTCODEPAGE``, 1252 in the
templates), so generated VBA must stay ASCII.
"""

from __future__ import annotations

import struct

from kaohe_xl.xlsx.cfb import CompoundFile, read_cfb, write_cfb

CHUNK = 4096
_SIG = 0x01
# dir stream record ids used here ([MS-OVBA] 2.3.4.2)
_PROJECTCODEPAGE = 0x0003
_PROJECTVERSION = 0x0009  # its "size" field is a constant 4, but 6 bytes follow
_MODULENAME = 0x0019
_MODULESTREAMNAME = 0x001A
_MODULEOFFSET = 0x0031
# _VBA_PROJECT without a performance cache: Reserved1 0x61CC, Version 0xFFFF, ...
NO_PCODE_VBA_PROJECT = bytes.fromhex("cc61ffff000000")


class OvbaError(ValueError):
    """The VBA project cannot be read or rewritten."""


# ---- MS-OVBA compression (2.4.1) --------------------------------------------------------
def _copy_token_layout(position: int) -> tuple[int, int]:
    """(bit count of the offset field, maximum match length) at ``position`` in a chunk.

    The split of a 16-bit copy token between offset and length depends on how far into
    the chunk the decompressor is: the offset needs just enough bits to reach the start.
    """
    bit_count = max((position - 1).bit_length(), 4)
    return bit_count, (0xFFFF >> bit_count) + 3


def decompress(data: bytes) -> bytes:
    """Decompress a CompressedContainer (signature byte 0x01 followed by chunks)."""
    if not data or data[0] != _SIG:
        raise OvbaError("compressed container has no 0x01 signature byte")
    out = bytearray()
    pos = 1
    while pos + 2 <= len(data):
        (header,) = struct.unpack_from("<H", data, pos)
        size = (header & 0x0FFF) + 3
        end = min(pos + size, len(data))
        pos += 2
        chunk_start = len(out)
        if not header & 0x8000:  # stored raw: exactly 4096 bytes
            out += data[pos : pos + CHUNK]
            pos += CHUNK
            continue
        while pos < end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= end:
                    break
                if not flags >> bit & 1:
                    out.append(data[pos])
                    pos += 1
                    continue
                (token,) = struct.unpack_from("<H", data, pos)
                pos += 2
                bit_count, _ = _copy_token_layout(len(out) - chunk_start)
                length = (token & (0xFFFF >> bit_count)) + 3
                offset = (token >> (16 - bit_count)) + 1
                for _ in range(length):  # byte by byte: a copy may overlap its own output
                    out.append(out[-offset])
        pos = end
    return bytes(out)


def compress(data: bytes) -> bytes:
    """Compress into a CompressedContainer that :func:`decompress` (and Office) reads.

    A chunk that does not compress is stored raw; [MS-OVBA] pads a raw *last* chunk with
    zero bytes to 4096, so incompressible binary may read back longer. Text never does.
    """
    out = bytearray([_SIG])
    for start in range(0, len(data), CHUNK):
        out += _compress_chunk(data[start : start + CHUNK])
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    body = bytearray()
    pos = 0
    heads: dict[bytes, list[int]] = {}  # 3-byte prefix -> earlier positions
    while pos < len(chunk):
        flag_index = len(body)
        body.append(0)
        for bit in range(8):
            if pos >= len(chunk):
                break
            offset, length = _longest_match(chunk, pos, heads)
            if length >= 3:
                bit_count, _ = _copy_token_layout(pos)
                body += struct.pack("<H", ((offset - 1) << (16 - bit_count)) | (length - 3))
                body[flag_index] |= 1 << bit
                step = length
            else:
                body.append(chunk[pos])
                step = 1
            for p in range(pos, pos + step):
                heads.setdefault(chunk[p : p + 3], []).append(p)
            pos += step
    if len(body) + 2 > CHUNK + 2:  # would be larger than a raw chunk: store it raw
        return struct.pack("<H", 0x3000 | (CHUNK - 1)) + chunk.ljust(CHUNK, b"\0")
    return struct.pack("<H", 0xB000 | (len(body) + 2 - 3)) + bytes(body)


def _longest_match(chunk: bytes, pos: int, heads: dict[bytes, list[int]]) -> tuple[int, int]:
    candidates = heads.get(chunk[pos : pos + 3])
    if not candidates or pos + 3 > len(chunk):
        return 0, 0
    _, max_length = _copy_token_layout(pos)
    limit = min(max_length, len(chunk) - pos)
    best_offset, best_length = 0, 0
    for candidate in reversed(candidates[-64:]):  # nearest first; 64 tries are plenty
        length = 3
        while length < limit and chunk[candidate + length] == chunk[pos + length]:
            length += 1
        if length > best_length:
            best_offset, best_length = pos - candidate, length
            if length == limit:
                break
    return best_offset, best_length


# ---- the dir stream --------------------------------------------------------------------
def parse_dir(data: bytes) -> list[tuple[int, bytes]]:
    """The decompressed ``dir`` stream as ``(record id, payload)`` pairs, in order."""
    records, pos = [], 0
    while pos + 6 <= len(data):
        rid, size = struct.unpack_from("<HI", data, pos)
        if rid == _PROJECTVERSION:
            size = 6
        records.append((rid, bytes(data[pos + 6 : pos + 6 + size])))
        pos += 6 + size
    return records


def serialize_dir(records: list[tuple[int, bytes]]) -> bytes:
    out = bytearray()
    for rid, payload in records:
        size = 4 if rid == _PROJECTVERSION else len(payload)
        out += struct.pack("<HI", rid, size) + payload
    return bytes(out)


class VbaProject:
    """A ``vbaProject.bin`` whose module sources can be read and replaced."""

    def __init__(self, data: bytes) -> None:
        self._cf: CompoundFile = read_cfb(data)
        try:
            self._records = parse_dir(decompress(self._cf.read("VBA/dir")))
        except KeyError as exc:
            raise OvbaError("vbaProject.bin has no VBA/dir stream") from exc
        codepage = next((struct.unpack("<H", p)[0] for r, p in self._records if r == _PROJECTCODEPAGE), 1252)
        self.encoding = f"cp{codepage}"

    def modules(self) -> dict[str, tuple[str, int]]:
        """``{module name: (stream name, index of its MODULEOFFSET record)}``."""
        found: dict[str, tuple[str, int]] = {}
        name = stream = ""
        for index, (rid, payload) in enumerate(self._records):
            if rid == _MODULENAME:
                name = payload.decode(self.encoding)
            elif rid == _MODULESTREAMNAME:
                stream = payload.decode(self.encoding)
            elif rid == _MODULEOFFSET:
                found[name] = (stream, index)
        return found

    def source(self, module: str) -> str:
        """The module's source text (CRLF or LF line ends, as stored)."""
        stream, index = self._module(module)
        (offset,) = struct.unpack("<I", self._records[index][1])
        raw = self._cf.read(f"VBA/{stream}")
        return decompress(raw[offset:]).decode(self.encoding)

    def set_source(self, module: str, text: str) -> None:
        """Replace a module's source; its p-code is dropped so Office compiles the text."""
        stream, index = self._module(module)
        try:
            encoded = text.encode(self.encoding)
        except UnicodeEncodeError as exc:
            raise OvbaError(f"VBA source for {module} must fit code page {self.encoding}") from exc
        packed = compress(encoded)
        if decompress(packed) != encoded:  # only incompressible binary would pad; never VBA text
            raise OvbaError(f"VBA source for {module} does not survive compression")
        self._cf.write(f"VBA/{stream}", packed)
        self._records[index] = (_MODULEOFFSET, struct.pack("<I", 0))
        self._cf.write("VBA/dir", compress(serialize_dir(self._records)))
        # No performance cache anywhere: Office must not run stale p-code of the old text.
        self._cf.write("VBA/_VBA_PROJECT", NO_PCODE_VBA_PROJECT)

    def to_bytes(self) -> bytes:
        return write_cfb(self._cf)

    def _module(self, module: str) -> tuple[str, int]:
        try:
            return self.modules()[module]
        except KeyError as exc:
            raise OvbaError(f"VBA project has no module {module!r}") from exc
