"""A workbook's zip package, read as if every byte were hostile.

An xlsx file is a zip of XML parts. A file someone sends may be damaged by a bad
download, or made to hurt the reader: a part that inflates to gigabytes (a "zip
bomb": 4 MB that becomes 4 GiB), sizes in the headers that lie about what the data
inflates to, compression methods or flags Excel never writes, two parts of one name.
Every part is checked before it is used:

- only the methods Excel, WPS and LibreOffice write (stored, deflate), no encryption flag;
- its inflated size at most :data:`MAX_PART_BYTES`, and at most :data:`MAX_RATIO` times
  its compressed size once it is over :data:`RATIO_FLOOR` (real XML compresses about
  ten to one; bombs a thousand to one); all parts read together at most
  :data:`MAX_TOTAL_BYTES`; all checked *before* inflating;
- its data inflates to exactly the size the header declares, ends there, and matches
  its CRC: the bytes read are the bytes the header promises, never more.

:meth:`ZipPackage.clean` writes the verified parts into a new, plain zip: a reader in
native code (python-calamine) is given that copy, so it never sees a byte that was not
checked, nor any part that was not asked for.

Every failure is a :class:`PartError` naming the part and the reason in Chinese.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterable

from kaohe_xl.errors import FormError

MAX_PART_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
RATIO_FLOOR = 1024 * 1024
MAX_RATIO = 100
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # the fixed 30 bytes before a member's name
_LOCAL_MAGIC = b"PK\x03\x04"
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")


class PartError(FormError):
    """A part of the package cannot be used; ``code`` is stable, ``part`` names the member."""

    def __init__(self, code: str, message: str, part: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.part = part


class ZipPackage:
    """The members of a zip held in memory, each read only after it is checked."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except Exception as exc:  # BadZipFile, a name that is not UTF-8, a bad zip64 record …
            raise PartError("corrupt_file", f"压缩结构损坏，无法打开（{_reason(exc)}）") from exc
        self._infos: dict[str, zipfile.ZipInfo] = {}
        folded: set[str] = set()
        for info in archive.infolist():
            key = info.filename.casefold()
            if key in folded:
                # Two members of one name (or differing only in letter case): readers do
                # not agree which one is meant, so the file cannot be read reliably.
                raise PartError("corrupt_file", f"压缩包中有两个同名部件“{info.filename}”，文件结构异常", info.filename)
            folded.add(key)
            self._infos[info.filename] = info
        self._read_total = 0
        self._read: dict[str, bytes] = {}  # parts checked so far (bounded by MAX_TOTAL_BYTES)

    @property
    def names(self) -> list[str]:
        """Member names, in the order of the central directory."""
        return list(self._infos)

    def has(self, name: str) -> bool:
        return name in self._infos

    def find(self, name: str) -> str | None:
        """The member named ``name`` ignoring ASCII letter case (how Excel looks parts up)."""
        if name in self._infos:
            return name
        folded = name.casefold()
        return next((n for n in self._infos if n.casefold() == folded), None)

    def size(self, name: str) -> int:
        """The inflated size the member's header declares."""
        return self._infos[name].file_size

    def read(self, name: str, limit: int = MAX_PART_BYTES) -> bytes:
        """The member's bytes, checked as the module docstring says (raises :class:`PartError`)."""
        if name in self._read:
            return self._read[name]
        info = self._infos[name]
        if info.flag_bits & 0x1:
            raise PartError("encrypted", f"部件“{name}”被加密，无法读取：请取消密码后重新发送", name)
        if info.compress_type not in _METHODS:
            raise PartError(
                "corrupt_file", f"部件“{name}”使用了 Excel 不会使用的压缩方式（{info.compress_type}），无法读取", name
            )
        size, packed = info.file_size, info.compress_size
        too_big = size > limit or self._read_total + size > MAX_TOTAL_BYTES
        if too_big or (size > RATIO_FLOOR and size > MAX_RATIO * max(packed, 1)):
            raise PartError(
                "too_large",
                f"部件“{name}”解压后有 {size / 2**20:,.1f} MB（压缩后 {packed / 2**20:,.2f} MB），"
                "超过限制，不像是考核表（可能是损坏或恶意构造的文件）",
                name,
            )
        content = _inflate(self._raw(info), info, name)
        self._read_total += size
        self._read[name] = content
        return content

    def _raw(self, info: zipfile.ZipInfo) -> bytes:
        start = info.header_offset
        header = self.data[start : start + _LOCAL_HEADER.size]
        if len(header) < _LOCAL_HEADER.size or not header.startswith(_LOCAL_MAGIC):
            raise PartError("corrupt_file", f"部件“{info.filename}”的文件头损坏", info.filename)
        fields = _LOCAL_HEADER.unpack(header)
        begin = start + _LOCAL_HEADER.size + fields[10] + fields[11]
        end = begin + info.compress_size
        if end > len(self.data):
            raise PartError("corrupt_file", f"部件“{info.filename}”不完整（文件被截断）", info.filename)
        return self.data[begin:end]

    def clean(self, parts: Iterable[tuple[str, bytes]]) -> bytes:
        """A new zip holding just ``(name, bytes)`` of verified parts, stored uncompressed."""
        body = io.BytesIO()
        central = []
        for name, content in parts:
            raw_name = name.encode("utf-8")
            offset = body.tell()
            crc = zlib.crc32(content)
            body.write(
                _LOCAL_HEADER.pack(
                    _LOCAL_MAGIC, 20, 0, 0x800, 0, 0, 33, crc, len(content), len(content), len(raw_name), 0
                )
            )
            body.write(raw_name)
            body.write(content)
            central.append(
                _CENTRAL.pack(
                    b"PK\x01\x02",
                    20,
                    0,
                    20,
                    0,
                    0x800,
                    0,
                    0,
                    33,
                    crc,
                    len(content),
                    len(content),
                    len(raw_name),
                    0,
                    0,
                    0,
                    0,
                    0,
                    offset,
                )
                + raw_name
            )
        start = body.tell()
        for entry in central:
            body.write(entry)
        size = body.tell() - start
        body.write(_END.pack(b"PK\x05\x06", 0, 0, len(central), len(central), size, start, 0))
        return body.getvalue()


def _inflate(raw: bytes, info: zipfile.ZipInfo, name: str) -> bytes:
    size = info.file_size
    if info.compress_type == zipfile.ZIP_STORED:
        content = raw
        complete = len(content) == size
    else:
        inflater = zlib.decompressobj(-15)
        try:
            content = inflater.decompress(raw, size + 1)  # one byte more than promised: a lie shows
        except zlib.error as exc:
            raise PartError("corrupt_file", f"部件“{name}”的压缩数据损坏（{exc}）", name) from exc
        complete = len(content) == size and inflater.eof
    if not complete:
        raise PartError("corrupt_file", f"部件“{name}”解压后的大小与文件头记录不符（文件损坏或被改动）", name)
    if zlib.crc32(content) != info.CRC:
        raise PartError("corrupt_file", f"部件“{name}”的校验值不符（文件损坏，可能下载或保存未完成）", name)
    return content


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 80 else text[:79] + "…"
