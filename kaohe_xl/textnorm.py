"""Normalising what people type into cells: full-width characters, units, spaces.

Chinese input methods produce full-width digits and punctuation (``５``, ``．``, ``＞＝``);
people write ``3分`` or `` 3.0 ``; Excel stores numbers typed into text-formatted cells
as text. These helpers turn what a person clearly meant into a value and refuse
anything ambiguous (``三``, ``3-4``, ``约2``) instead of guessing.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

_SPACES = re.compile(r"\s+")
# Invisible characters that text copied from web pages or Word carries into cells:
# zero-width space/joiners and the byte-order mark. NFKC keeps them, so drop them first.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
# A plain decimal number after NFKC (optional sign, digits, optional fraction), then an
# optional unit word people append to a score: 3分, 2.5 分.
_NUMBER_WITH_UNIT = re.compile(r"^(?P<number>[+-]?(\d+(\.\d*)?|\.\d+))\s*(分|points?|pts?)?$", re.IGNORECASE)
# Unicode decomposition tags of characters that look like digits but are not typed as scores.
_NOT_DIGIT_FORMS = ("<super>", "<sub>", "<circle>", "<fraction>")


def nfkc(text: str) -> str:
    """Full-width to half-width (``５`` → ``5``, ``（`` → ``(``), via Unicode NFKC.

    Zero-width characters and the byte-order mark are removed as well.
    """
    return unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))


def normalize_label(value: object) -> str:
    """A header or key as written, made comparable: NFKC, no spaces at all.

    ``' 分 值 '`` and ``'分值'`` compare equal; ``'自评说明（佐证材料）'`` and
    ``'自评说明(佐证材料)'`` too.
    """
    if value is None:
        return ""
    return _SPACES.sub("", nfkc(str(value)))


def cell_text(value: object) -> str:
    """A cell value as text, as Excel shows it: None → ``''``; ``3.0`` → ``'3'`` (a number
    typed as 3 is stored as the float 3.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def id_text(value: object) -> str:
    """An id cell (编号) made comparable: ``1.0`` → ``1``; ``' ０１ '`` → ``01``."""
    return normalize_label(cell_text(value))


def clean_text(value: object) -> str:
    """Cell text for display: stripped, inner runs of white space kept as one space,
    cleaned by :func:`safe_text` (no control characters, at most one cell's length)."""
    return safe_text(_SPACES.sub(" ", cell_text(value)).strip())


def clean_lines(value: object) -> str:
    """Multi-line cell text (Alt+Enter in Excel): each line as :func:`clean_text`, blank
    lines dropped, line breaks kept — a 扣分原因 of three points stays three lines."""
    if not isinstance(value, str):
        return clean_text(value)
    return "\n".join(line for line in (clean_text(part) for part in value.splitlines()) if line)


# Chinese names are often padded to the width of three characters: 李　明 (a full-width
# space), 李 明. A space next to a CJK character is padding, not part of the name.
_CJK = "\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f"  # with the rare 字 of Extensions B–G
_PADDING = f"(?<=[{_CJK}]) +| +(?=[{_CJK}])"  # compiled on first use: 2.5 ms, not needed at start-up


def person_name(value: object) -> str:
    """A person's name as typed, made comparable: ``李　明`` and `` 李明 `` → ``李明``.

    Full-width characters fold (NFKC), runs of white space become one space, spaces
    beside Chinese characters go; ``Li Ming`` keeps its space.
    """
    return re.sub(_PADDING, "", clean_text(nfkc(clean_text(value))))


def parse_decimal(value: object) -> Decimal | None:
    """A number from a cell value, or None for an empty cell.

    Accepts int/float/Decimal and text such as ``'５'``, ``'3分'``, ``' 3.0 '``,
    ``'2．5'``. Raises ValueError for anything a person could mean in more than one
    way, or that is not a number at all.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"布尔值 {value!r} 不是数字")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("不是有效数字")
        # repr() gives the shortest text that round-trips: 0.1 -> "0.1", not 0.1000000000000000055
        return Decimal(repr(value))
    raw = str(value)
    # NFKC also folds ², ₂, ① and ½ into plain digits; nobody types those as a score, so
    # they are refused rather than read as 2 or 1/2. Full-width digits (５) are kept.
    if any(unicodedata.decomposition(ch).startswith(_NOT_DIGIT_FORMS) for ch in raw):
        raise ValueError(f"“{value}”不是数字")
    text = nfkc(raw).strip().replace("。", ".")
    if text == "":
        return None
    # Spaces may stand around the number and before a unit (“3 分”), never inside it:
    # “3 5” could be 35 or two scores.
    match = _NUMBER_WITH_UNIT.match(text)
    if match is None:
        raise ValueError(f"“{value}”不是数字")
    try:
        return Decimal(match.group("number"))
    except InvalidOperation as exc:  # pragma: no cover - the regex already guards this
        raise ValueError(f"“{value}”不是数字") from exc


def display_width(text: str) -> int:
    """Width in Excel's column units: CJK and full-width characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_decimal(value: Decimal | None) -> str:
    """A Decimal as people write it: ``Decimal('3.50')`` → ``'3.5'``, ``Decimal('20')`` → ``'20'``."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


# What a cell (and an XML 1.0 document) cannot hold: the C0 control characters except
# tab, line feed and carriage return, and U+FFFE/U+FFFF. Text pasted from a PDF carries
# them (Excel stores \x02 as ``_x0002_``); openpyxl refuses to write them and the file
# would be damaged if it did.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Half of a UTF-16 pair without its other half: no encoder (UTF-8, SQLite, XML) takes it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
CELL_TEXT_MAX = 32_767  # Excel: characters in one cell


def safe_text(value: str, limit: int = CELL_TEXT_MAX) -> str:
    """Text any writer can take: the one sanitiser for workbooks, CSV/JSON and the store.

    Control characters are dropped, a lone surrogate becomes ``�``, and text over
    ``limit`` characters (Excel's cell limit) is cut, ending in ``…``. Text that is
    already clean comes back unchanged (the same object).
    """
    if len(value) <= limit and ((value.isascii() and value.isprintable()) or not _UNSAFE.search(value)):
        return value
    if _CONTROL.search(value):
        value = _CONTROL.sub("", value)
    if _LONE_SURROGATE.search(value):
        value = _LONE_SURROGATE.sub("\ufffd", value)
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return value


def safe_value(value: object, limit: int = CELL_TEXT_MAX) -> object:
    """:func:`safe_text` for a str; any other value as it is."""
    return safe_text(value, limit) if isinstance(value, str) else value


# Windows refuses these characters in file names, and these names whatever the extension.
_BAD_FILE_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def safe_filename(text: str, max_length: int = 120) -> str:
    """A file name safe on Windows (and everywhere else), keeping Chinese characters."""
    name = _BAD_FILE_CHARS.sub("_", text).strip().rstrip(". ")
    if not name or name.upper().split(".")[0] in _RESERVED:
        name = f"_{name}"
    return name[:max_length]
