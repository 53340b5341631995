"""Writing a zip (the container of an xlsx) part by part, without :mod:`zipfile`'s limits.

:mod:`zipfile` compresses every member it writes. The stamped forms and the output
workbooks reuse the compressed bytes of the parts that are the same in every file
(styles, theme, workbook), and stream the large sheets through one deflate, so they
write the zip headers themselves, here. Only what Excel, WPS, LibreOffice and
python-calamine read is written: deflate (method 8), UTF-8 names (flag bit 11), no
zip64 (a workbook part over 4 GB is refused).
"""

from __future__ import annotations

import struct
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

LEVEL = 6  # zlib's default: what openpyxl and Excel use
_LIMIT = 0xFFFFFFFF  # sizes and offsets without zip64


@dataclass(frozen=True)
class Deflated:
    """A part compressed once, to be written into many zips as it is."""

    name: str
    crc: int
    size: int
    data: bytes  # a raw deflate stream (no zlib header)


def deflate(raw: bytes, level: int = LEVEL) -> bytes:
    """``raw`` as a raw deflate stream, as zip members carry it (no zlib header or trailer)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(raw) + compressor.flush()


def deflated(name: str, raw: bytes, level: int = LEVEL) -> Deflated:
    """A part, compressed, ready for :meth:`ZipWriter.add_deflated`."""
    return Deflated(name, zlib.crc32(raw), len(raw), deflate(raw, level))


def dos_datetime(t: time.struct_time) -> tuple[int, int]:
    """A local time as the zip format's (time, date) words (2-second resolution, from 1980)."""
    dos_time = (t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2)
    dos_date = ((max(t.tm_year, 1980) - 1980) << 9) | (t.tm_mon << 5) | t.tm_mday
    return dos_time, dos_date


class ZipWriter:
    """Write members to ``out`` (a seekable binary file), then :meth:`close` the directory."""

    def __init__(self, out: IO[bytes], when: time.struct_time | None = None) -> None:
        self.out = out
        self._time, self._date = dos_datetime(when or time.localtime())
        self._central: list[bytes] = []

    def add_deflated(self, part: Deflated) -> None:
        """Write a part compressed earlier."""
        name = part.name.encode("utf-8")
        offset = self.out.tell()
        self.out.write(self._local(name, part.crc, len(part.data), part.size))
        self.out.write(name)
        self.out.write(part.data)
        self._directory(name, part.crc, len(part.data), part.size, offset)

    def add(self, name: str, raw: bytes, level: int = LEVEL) -> None:
        """Compress ``raw`` and write it."""
        self.add_deflated(deflated(name, raw, level))

    def add_stream(self, name: str, chunks: Iterable[bytes], level: int = LEVEL) -> None:
        """Compress ``chunks`` as they come (constant memory), then fill in the header."""
        encoded = name.encode("utf-8")
        offset = self.out.tell()
        self.out.write(self._local(encoded, 0, 0, 0))  # sizes and CRC are patched below
        self.out.write(encoded)
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
        crc = size = written = 0
        for chunk in chunks:
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
            data = compressor.compress(chunk)
            written += len(data)
            self.out.write(data)
        tail = compressor.flush()
        written += len(tail)
        self.out.write(tail)
        if max(size, written, offset) > _LIMIT:
            raise ValueError(f"{name}: over 4 GB, which needs zip64")
        end = self.out.tell()
        self.out.seek(offset)
        self.out.write(self._local(encoded, crc, written, size))
        self.out.seek(end)
        self._directory(encoded, crc, written, size, offset)

    def close(self) -> None:
        """Write the central directory; the zip is complete."""
        start = self.out.tell()
        directory = b"".join(self._central)
        self.out.write(directory)
        count = len(self._central)
        self.out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(directory), start, 0))

    def _local(self, name: bytes, crc: int, compressed: int, size: int) -> bytes:
        # local file header; version 2.0; bit 11 = the name is UTF-8; method 8 = deflate
        return struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0x0800, 8, self._time, self._date, crc, compressed, size, len(name), 0
        )

    def _directory(self, name: bytes, crc: int, compressed: int, size: int, offset: int) -> None:
        header = struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0x0800,
            8,
            self._time,
            self._date,
            crc,
            compressed,
            size,
            len(name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        self._central.append(header + name)
