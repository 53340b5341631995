"""The shared string table of a workbook (``xl/sharedStrings.xml``), parsed with expat
(:mod:`kaohe_xl.xlsx.xmlsafe`: no DTD, no entities): rich-text runs joined, phonetic hints
dropped, Excel's ``_xHHHH_`` escapes decoded as calamine decodes them."""

from __future__ import annotations

import pyexpat
import re

from kaohe_xl.xlsx.xmlsafe import Stop, local, parse

# Excel writes a character XML cannot hold as _xHHHH_ (\x02 → _x0002_, a literal "_x"
# as _x005F_x). calamine, the fast reader, decodes those below U+0100 only; this reader
# does exactly the same, so both read the same text from the same cell.
_ESCAPED = re.compile(r"_x00([0-9A-Fa-f]{2})_")


def unescape(text: str) -> str:
    """``PDF_x0002_文本`` → ``PDF\x02文本`` (Excel's escape of characters XML cannot hold)."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x00" in text else text


class _Strings:
    def __init__(self, limit: int) -> None:
        self.strings: list[str] = []
        self.limit = limit
        self.parts: list[str] = []
        self.inside = 0  # depth of <si>
        self.text = False
        self.phonetic = False

    def setup(self, xml: pyexpat.XMLParserType) -> None:
        xml.StartElementHandler = self.start
        xml.EndElementHandler = self.end
        xml.CharacterDataHandler = self.data

    def start(self, name: str, _attrs: dict[str, str]) -> None:
        tag = local(name)
        if tag == "si":
            self.inside, self.parts = 1, []
        elif tag == "t" and self.inside and not self.phonetic:
            self.text = True
        elif tag == "rPh":
            self.phonetic = True

    def end(self, name: str) -> None:
        tag = local(name)
        if tag == "t":
            self.text = False
        elif tag == "rPh":
            self.phonetic = False
        elif tag == "si" and self.inside:
            self.inside = 0
            self.strings.append(unescape("".join(self.parts)))
            if len(self.strings) > self.limit:
                raise Stop

    def data(self, text: str) -> None:
        if self.text:
            self.parts.append(text)


def shared_strings(xml: bytes, limit: int = 2_000_000) -> list[str]:
    """The shared string table (rich-text runs joined, phonetic hints dropped)."""
    reader = _Strings(limit)
    parse(xml, reader.setup)
    return reader.strings
