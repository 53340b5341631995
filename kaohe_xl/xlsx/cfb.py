"""A small reader and writer for Compound File Binary files ([MS-CFB]), version 3.

``vbaProject.bin`` inside an ``.xlsm``/``.xlam`` is such a file. The add-in build must
replace a few of its streams with streams of a different size, which olefile cannot do
(it only overwrites a stream with data of the same length), so this module reads the
whole file into memory and writes a fresh one.

The writer keeps the directory exactly as it was read: the same entries in the same
order, with the same names, colours, sibling/child links, CLSIDs and timestamps. Only the
stream contents, start sectors and sizes change, so the red-black tree Excel reads is the
one the template already shipped with.

Rules from [MS-CFB] that matter here:

* 512-byte sectors (version 3); the header is one sector.
* A stream shorter than the mini stream cutoff (4096 bytes) lives in the *mini stream*
  (64-byte mini sectors, chained in the mini FAT); the mini stream itself is the root
  entry's stream, stored in ordinary sectors.
* The FAT covers every sector, its own sectors included (marked FATSECT); the header
  lists the first 109 FAT sectors (the DIFAT); more need DIFAT sectors.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, replace

SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")
SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD
DIFSECT = 0xFFFFFFFC
NOSTREAM = 0xFFFFFFFF
HEADER_DIFAT = 109
STORAGE, STREAM, ROOT = 1, 2, 5


class CfbError(ValueError):
    """The bytes are not a compound file this module can read."""


@dataclass(frozen=True)
class Entry:
    """One 128-byte directory entry."""

    name: str
    kind: int  # 0 unused, 1 storage, 2 stream, 5 root
    color: int
    left: int
    right: int
    child: int
    clsid: bytes
    state: int
    ctime: bytes
    mtime: bytes
    start: int
    size: int


@dataclass
class CompoundFile:
    """A compound file in memory: its directory and the contents of every stream."""

    entries: list[Entry]
    streams: dict[int, bytes]  # directory index -> content, for stream entries

    def find(self, path: str) -> int:
        """The directory index of ``"VBA/dir"``-style paths (case-insensitive, as in CFB)."""
        index = 0
        for part in path.split("/"):
            index = self._child(index, part)
        return index

    def _child(self, parent: int, name: str) -> int:
        todo = [self.entries[parent].child]
        while todo:
            i = todo.pop()
            if i == NOSTREAM or i >= len(self.entries):
                continue
            entry = self.entries[i]
            if entry.name.upper() == name.upper():
                return i
            todo += [entry.left, entry.right]
        raise KeyError(name)

    def read(self, path: str) -> bytes:
        return self.streams[self.find(path)]

    def write(self, path: str, data: bytes) -> None:
        self.streams[self.find(path)] = bytes(data)


def read_cfb(data: bytes) -> CompoundFile:
    """Parse a compound file (version 3 or 4) into memory."""
    sectors = _Sectors(data)
    entries = sectors.directory()
    ministream = sectors.chain(entries[0].start)
    minifat_raw = sectors.chain(sectors.first_minifat) if sectors.first_minifat != ENDOFCHAIN else b""
    minifat = list(struct.unpack(f"<{len(minifat_raw) // 4}I", minifat_raw))
    streams: dict[int, bytes] = {}
    for i, entry in enumerate(entries):
        if entry.kind != STREAM:
            continue
        if entry.size < MINI_CUTOFF:
            out, n, seen = bytearray(), entry.start, set()
            while n not in (ENDOFCHAIN, FREESECT) and len(out) < entry.size:
                if n in seen or n >= len(minifat):
                    raise CfbError("broken mini sector chain")
                seen.add(n)
                out += ministream[n * MINI_SECTOR : (n + 1) * MINI_SECTOR]
                n = minifat[n]
            streams[i] = bytes(out[: entry.size])
        else:
            streams[i] = sectors.chain(entry.start)[: entry.size]
    return CompoundFile(entries, streams)


def entry_names(data: bytes) -> list[str]:
    """The names in a compound file's directory, streams and storages (reads nothing else).

    What tells the compound files people send apart: an encrypted workbook holds
    ``EncryptionInfo``, an old .xls ``Workbook`` (or ``Book``), a Word .doc
    ``WordDocument``, an Outlook .msg ``__substg1.0_…`` streams. Raises :class:`CfbError`
    for bytes that are not a readable compound file.
    """
    try:
        return [entry.name for entry in _Sectors(data).directory() if entry.kind]
    except (struct.error, IndexError, ValueError) as exc:
        raise CfbError(f"not a readable compound file ({exc})") from exc


class _Sectors:
    """The sectors of a compound file and its FAT, with chains that cannot loop."""

    def __init__(self, data: bytes) -> None:
        if data[:8] != SIGNATURE:
            raise CfbError("not a compound file (bad signature)")
        (major,) = struct.unpack_from("<H", data, 0x1A)
        self.data = data
        self.size = 1 << struct.unpack_from("<H", data, 0x1E)[0]
        n_fat, self.first_dir, _, cutoff, self.first_minifat, _, first_difat, n_difat = struct.unpack_from(
            "<IIIIIIII", data, 0x2C
        )
        if major not in (3, 4) or cutoff != MINI_CUTOFF or self.size not in (512, 4096):
            raise CfbError(f"unsupported compound file version {major}")
        available = len(data) // self.size  # no table can list more sectors than the file holds
        fat_sectors = list(struct.unpack_from(f"<{HEADER_DIFAT}I", data, 0x4C))
        difat, per = first_difat, self.size // 4 - 1
        for _ in range(min(n_difat, available)):
            words = struct.unpack(f"<{per + 1}I", self.sector(difat))
            fat_sectors += words[:per]
            difat = words[per]
        self.fat: list[int] = []
        for n in fat_sectors[: min(n_fat, available)]:
            self.fat += struct.unpack(f"<{self.size // 4}I", self.sector(n))

    def sector(self, n: int) -> bytes:
        offset = self.size * (n + 1)  # the header occupies the first sector slot
        return self.data[offset : offset + self.size]

    def chain(self, start: int) -> bytes:
        out, seen = bytearray(), set()
        while start not in (ENDOFCHAIN, FREESECT):
            if start in seen or start >= len(self.fat):
                raise CfbError("broken sector chain")
            seen.add(start)
            out += self.sector(start)
            start = self.fat[start]
        return bytes(out)

    def directory(self) -> list[Entry]:
        raw = self.chain(self.first_dir)
        return [_parse_entry(raw[i : i + 128]) for i in range(0, len(raw) - 127, 128)]


def _parse_entry(raw: bytes) -> Entry:
    name_len = struct.unpack_from("<H", raw, 64)[0]
    name = raw[: max(name_len - 2, 0)].decode("utf-16-le", errors="replace")
    kind, color = raw[66], raw[67]
    left, right, child = struct.unpack_from("<III", raw, 68)
    state, start, size = struct.unpack_from("<I", raw, 96)[0], *struct.unpack_from("<IQ", raw, 116)
    return Entry(name, kind, color, left, right, child, raw[80:96], state, raw[100:108], raw[108:116], start, size)


def write_cfb(cf: CompoundFile) -> bytes:
    """Serialise a compound file as version 3 (512-byte sectors)."""
    sectors: list[bytes] = []
    fat: dict[int, int] = {}

    def allocate(content: bytes) -> int:
        if not content:
            return ENDOFCHAIN
        count = -(-len(content) // SECTOR)
        first = len(sectors)
        for k in range(count):
            sectors.append(content[k * SECTOR : (k + 1) * SECTOR].ljust(SECTOR, b"\0"))
            fat[first + k] = first + k + 1 if k < count - 1 else ENDOFCHAIN
        return first

    entries = list(cf.entries)
    ministream, minifat = bytearray(), list[int]()
    for i, entry in enumerate(entries):
        if entry.kind != STREAM:
            continue
        content = cf.streams.get(i, b"")
        if len(content) >= MINI_CUTOFF:
            entries[i] = replace(entry, start=allocate(content), size=len(content))
        elif content:
            first, count = len(minifat), -(-len(content) // MINI_SECTOR)
            minifat += [first + k + 1 for k in range(count - 1)] + [ENDOFCHAIN]
            ministream += content.ljust(count * MINI_SECTOR, b"\0")
            entries[i] = replace(entry, start=first, size=len(content))
        else:
            entries[i] = replace(entry, start=ENDOFCHAIN, size=0)
    entries[0] = replace(entries[0], start=allocate(bytes(ministream)), size=len(ministream))
    minifat_bytes = b"".join(struct.pack("<I", n) for n in minifat)
    minifat_bytes += struct.pack("<I", FREESECT) * (-(len(minifat)) % (SECTOR // 4))
    first_minifat = allocate(minifat_bytes)
    n_minifat = len(minifat_bytes) // SECTOR
    unused = Entry("", 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, b"\0" * 16, 0, b"\0" * 8, b"\0" * 8, 0, 0)
    entries += [unused] * (-len(entries) % (SECTOR // 128))
    first_dir = allocate(b"".join(_pack_entry(e) for e in entries))
    # The FAT must also describe its own sectors: grow it until it covers everything.
    n_fat = 1
    while len(sectors) + n_fat > n_fat * (SECTOR // 4):
        n_fat += 1
    if n_fat > HEADER_DIFAT:
        raise CfbError("compound file too large for a header-only DIFAT")
    fat_ids = list(range(len(sectors), len(sectors) + n_fat))
    table = [fat.get(n, FREESECT) for n in range(len(sectors))] + [FATSECT] * n_fat
    table += [FREESECT] * (n_fat * (SECTOR // 4) - len(table))
    fat_bytes = struct.pack(f"<{len(table)}I", *table)
    sectors += [fat_bytes[k * SECTOR : (k + 1) * SECTOR] for k in range(n_fat)]
    header = bytearray(SECTOR)
    header[:8] = SIGNATURE
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into(
        "<IIIIIIIII",
        header,
        0x28,
        0,  # number of directory sectors: must be 0 in version 3
        n_fat,
        first_dir,
        0,  # transaction signature
        MINI_CUTOFF,
        first_minifat if n_minifat else ENDOFCHAIN,
        n_minifat,
        ENDOFCHAIN,  # no DIFAT sectors
        0,
    )
    difat = fat_ids + [FREESECT] * (HEADER_DIFAT - n_fat)
    struct.pack_into(f"<{HEADER_DIFAT}I", header, 0x4C, *difat)
    return bytes(header) + b"".join(sectors)


def _pack_entry(e: Entry) -> bytes:
    name = e.name.encode("utf-16-le")
    if len(name) > 62:
        raise CfbError(f"directory entry name too long: {e.name}")
    name_len = len(name) + 2 if e.kind else 0
    return (
        name.ljust(64, b"\0")
        + struct.pack("<HBBIII", name_len, e.kind, e.color, e.left, e.right, e.child)
        + e.clsid.ljust(16, b"\0")
        + struct.pack("<I", e.state)
        + e.ctime.ljust(8, b"\0")
        + e.mtime.ljust(8, b"\0")
        + struct.pack("<IQ", e.start if e.kind else 0, e.size if e.kind else 0)
    )
