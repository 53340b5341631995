"""Which cells hold dates: a number is a date, a time or a duration only through its
cell style's number format, as Excel shows it.

A unit that types ``3-4`` into a score cell gets a date from Excel (4 March): the reader
must see a date, not the serial number 44989, to say so. The rules are the ones
python-calamine applies (so every reader of a return agrees): the built-in formats 14–22,
45 and 47 are dates and times, 46 (``[h]:mm:ss``) a duration; a custom format is a date
when its first section has a d, m, y, h or s outside quotes, brackets and escapes (or
``AM/PM``), a duration when it starts with ``[h]``, ``[m]`` or ``[s]``.
"""

from __future__ import annotations

import math
import pyexpat
from datetime import datetime, timedelta

from kaohe_xl.xlsx.xmlsafe import local, parse

DATE, DURATION = "date", "duration"
_BUILTIN = {**dict.fromkeys((14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 47), DATE), 46: DURATION}
_EPOCH = datetime(1899, 12, 30)
_CACHE: dict[bytes, dict[int, str]] = {}
_CACHE_SIZE = 16  # styles parts differ by the program that saved the file: a few per batch


def format_kind(code: str) -> str | None:
    """DATE, DURATION or None for a custom number format code."""
    escaped = quoted = after_a = hms = False
    brackets = 0
    prev = " "
    for char in code:
        if escaped:
            escaped = False
        elif char in "_\\":
            escaped = True
        elif quoted:
            quoted = char != '"'
        elif char == '"':
            quoted = True
        elif char == ";":
            return None  # the first section decides
        elif char == "[":
            brackets += 1
        elif char == "]":
            if brackets == 1 and hms:
                return DURATION
            brackets = max(brackets - 1, 0)
        elif brackets == 0 and not after_a and char in "aA":
            after_a = True
        elif brackets == 0 and char in ("pmPM/" if after_a else "dmhysDMHYS"):
            return DATE
        elif not (hms and char.lower() == prev.lower()):
            hms = prev == "[" and char in "mhsMHS"
        prev = char
    return None


def date_styles(styles: bytes) -> dict[int, str]:
    """``{cell style number: DATE or DURATION}`` from a styles part (cached by content)."""
    known = _CACHE.get(styles)
    if known is not None:
        return known
    custom: dict[int, str] = {}
    formats: list[int] = []  # the numFmtId of each cellXfs entry, in order
    inside = [False]

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = local(name)
        if tag == "numFmt":
            kind = format_kind(attrs.get("formatCode", ""))
            if kind is not None and attrs.get("numFmtId", "").isdigit():
                custom[int(attrs["numFmtId"])] = kind
        elif tag == "cellXfs":
            inside[0] = True
        elif tag == "xf" and inside[0]:
            number = attrs.get("numFmtId", "0")
            formats.append(int(number) if number.isdigit() else 0)

    def end(name: str) -> None:
        if local(name) == "cellXfs":
            inside[0] = False

    def setup(parser: pyexpat.XMLParserType) -> None:
        parser.StartElementHandler = start
        parser.EndElementHandler = end

    parse(styles, setup)
    found = {}
    for index, number in enumerate(formats):
        kind = custom.get(number) if number >= 164 else _BUILTIN.get(number)
        if kind is not None:
            found[index] = kind
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[styles] = found
    return found


def excel_date(serial: float, kind: str) -> object:
    """A serial number in a date-formatted cell as python-calamine gives it: a time below
    1, a date when whole, else a datetime; a duration as a timedelta. Excel's day 60 (the
    29 February 1900 that never was) shifts the days before it by one. Unrepresentable
    serials stay numbers."""
    if not math.isfinite(serial):
        return serial
    try:
        if kind == DURATION:
            return timedelta(milliseconds=round(serial * 86_400_000))
        days = serial if serial >= 60 else serial + 1
        moment = _EPOCH + timedelta(milliseconds=round(days * 86_400_000))
    except OverflowError:
        return serial
    if serial < 1:
        return moment.time()
    if serial == int(serial):
        return moment.date()
    return moment


__all__ = ["DATE", "DURATION", "date_styles", "excel_date", "format_kind"]
