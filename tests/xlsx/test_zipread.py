"""The zip package read as hostile: every part checked for method, flags, size, ratio,
exact inflated length and CRC before it is used; the clean copy native code gets."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
import python_calamine

from kaohe_xl.xlsx import zipread
from kaohe_xl.xlsx.zipread import PartError, ZipPackage


def make_zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def patch_field(data: bytes, name: bytes, offset: int, fmt: str, value: int) -> bytes:
    """Overwrite a field of ``name``'s local header and of its central directory entry
    (``offset`` in the local header; the same field sits 2 bytes later in the directory)."""
    out = bytearray(data)
    for magic, size, name_at, shift in ((b"PK\x03\x04", 30, 26, 0), (b"PK\x01\x02", 46, 28, 2)):
        start = 0
        while (start := data.find(magic, start)) >= 0:
            length = struct.unpack_from("<H", data, start + name_at)[0]
            if data[start + size : start + size + length] == name:
                struct.pack_into(fmt, out, start + offset + shift, value)
            start += 4
    return bytes(out)


def test_a_plain_part_reads_back() -> None:
    package = ZipPackage(make_zip({"a.xml": b"<a/>" * 100, "b.xml": b"stored"}))
    assert package.read("a.xml") == b"<a/>" * 100
    assert package.find("A.XML") == "a.xml"


def test_a_part_declared_huge_is_refused_before_inflating() -> None:
    data = patch_field(make_zip({"big.xml": b"x" * 1000}), b"big.xml", 22, "<L", 4 * 2**30 - 1)
    with pytest.raises(PartError) as caught:
        ZipPackage(data).read("big.xml")
    assert caught.value.code == "too_large" and caught.value.part == "big.xml"


def test_a_bomb_is_refused_by_its_ratio() -> None:
    package = ZipPackage(make_zip({"bomb.xml": b" " * (3 * 2**20)}))  # ~3 KB that inflate to 3 MB
    with pytest.raises(PartError) as caught:
        package.read("bomb.xml")
    assert caught.value.code == "too_large" and "MB" in str(caught.value)


def test_a_part_that_inflates_beyond_its_declared_size_is_refused() -> None:
    # Declared 100 bytes with the CRC of the first 100: Python's zipfile would return those
    # 100 bytes; a native reader might inflate all of it.
    content = b"y" * 5000
    data = make_zip({"liar.xml": content})
    data = patch_field(data, b"liar.xml", 22, "<L", 100)
    data = patch_field(data, b"liar.xml", 14, "<L", zlib.crc32(content[:100]))
    with pytest.raises(PartError) as caught:
        ZipPackage(data).read("liar.xml")
    assert caught.value.code == "corrupt_file" and "大小" in str(caught.value)


@pytest.mark.parametrize(
    ("offset", "fmt", "value", "code"),
    [
        (6, "<H", 0x1, "encrypted"),  # the encryption flag
        (8, "<H", 12, "corrupt_file"),  # bzip2
        (8, "<H", 14, "corrupt_file"),  # LZMA
        (8, "<H", 99, "corrupt_file"),  # no such method
        (14, "<L", 0x12345678, "corrupt_file"),  # a wrong CRC
    ],
)
def test_flags_methods_and_checksums_excel_never_writes(offset: int, fmt: str, value: int, code: str) -> None:
    data = patch_field(make_zip({"a.xml": b"<a>" + b"z" * 300 + b"</a>"}), b"a.xml", offset, fmt, value)
    with pytest.raises(PartError) as caught:
        ZipPackage(data).read("a.xml")
    assert caught.value.code == code and "a.xml" in str(caught.value)


def test_a_version_needed_above_6_3_is_a_refusal_not_a_traceback() -> None:
    # Python's zipfile raises NotImplementedError for it, which stopped the whole batch.
    data = patch_field(make_zip({"a.xml": b"<a/>"}), b"a.xml", 4, "<H", 99)
    with pytest.raises(PartError) as caught:
        ZipPackage(data)
    assert caught.value.code == "corrupt_file" and "9.9" in str(caught.value)


@pytest.mark.filterwarnings("ignore:Duplicate name")
@pytest.mark.parametrize("names", [("a.xml", "a.xml"), ("xl/a.xml", "XL/A.xml")])
def test_two_parts_of_one_name_are_refused(names: tuple[str, str]) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, b"<a/>")
    with pytest.raises(PartError) as caught:
        ZipPackage(buffer.getvalue())
    assert caught.value.code == "corrupt_file"


@pytest.mark.parametrize("data", [b"PK\x03\x04 truncated", b"PK\x05\x06" + b"\0" * 10, b"\0" * 100])
def test_not_a_zip(data: bytes) -> None:
    with pytest.raises(PartError):
        ZipPackage(data)


def test_truncated_member_data() -> None:
    data = make_zip({"a.xml": b"q" * 5000}, zipfile.ZIP_STORED)
    cut = data.index(b"q" * 100) + 200
    data = data[:cut] + data[data.index(b"PK\x01\x02") :]  # the data cut, the directory kept
    with pytest.raises(PartError):
        ZipPackage(data).read("a.xml")


def test_the_total_read_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zipread, "MAX_TOTAL_BYTES", 1500)
    package = ZipPackage(make_zip({f"{n}.xml": bytes([65 + n]) * 1000 for n in range(2)}))
    package.read("0.xml")
    with pytest.raises(PartError) as caught:
        package.read("1.xml")
    assert caught.value.code == "too_large"


def test_the_clean_copy_holds_exactly_the_parts_given() -> None:
    parts = [("xl/a.xml", b"<a/>"), ("x/b.bin", bytes(range(256)))]
    clean = ZipPackage(make_zip({"other": b"1"})).clean(parts)
    with zipfile.ZipFile(io.BytesIO(clean)) as archive:
        assert archive.testzip() is None
        assert [(i.filename, archive.read(i)) for i in archive.infolist()] == parts


def test_calamine_reads_the_clean_copy_of_a_workbook(tmp_path: object) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["B2"] = "值"
    buffer = io.BytesIO()
    wb.save(buffer)
    package = ZipPackage(buffer.getvalue())
    keep = ["_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml"]
    clean = package.clean([(name, package.read(name)) for name in keep if package.has(name)])
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(clean))
    assert book.get_sheet_by_name("Sheet").to_python(skip_empty_area=False) == [["", ""], ["", "值"]]
