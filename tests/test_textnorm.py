"""Normalising what people type: full-width digits, units, spaces, invisible characters."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaohe_xl.textnorm import clean_lines, clean_text, format_decimal, normalize_label, parse_decimal, person_name


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        (3, Decimal(3)),
        (0.1, Decimal("0.1")),  # the shortest repr, not 0.1000000000000000055...
        (2.5, Decimal("2.5")),
        (Decimal("1.50"), Decimal("1.50")),
        ("５", Decimal(5)),
        ("２．５", Decimal("2.5")),
        ("2。5", Decimal("2.5")),  # the Chinese full stop typed for a decimal point
        ("3分", Decimal(3)),
        (" 3 分 ", Decimal(3)),
        ("0.3pts", Decimal("0.3")),
        ("+1", Decimal(1)),
        ("-0.5", Decimal("-0.5")),
        (".5", Decimal("0.5")),
        ("\ufeff4", Decimal(4)),  # a BOM pasted in front
        ("1\u200b0", Decimal(10)),  # a zero-width space inside
    ],
)
def test_parse_decimal_accepts(value: object, expected: Decimal | None) -> None:
    assert parse_decimal(value) == expected


@pytest.mark.parametrize(
    "value", ["三", "3-4", "约2", "1,5", "1e3", "2分半", "--1", "3.4.5", float("nan"), float("inf"), True]
)
def test_parse_decimal_refuses_the_ambiguous(value: object) -> None:
    with pytest.raises(ValueError):
        parse_decimal(value)


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-10_000, max_value=10_000, places=3))
def test_format_then_parse_round_trips(value: Decimal) -> None:
    assert parse_decimal(format_decimal(value)) == value


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=0, max_value=1000, places=2))
def test_full_width_text_parses_like_half_width(value: Decimal) -> None:
    text = format_decimal(value)
    full = "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)
    assert parse_decimal(full + "分") == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("3.50"), "3.5"), (Decimal("20"), "20"), (Decimal("2E+1"), "20"), (Decimal("-0"), "0"), (None, "")],
)
def test_format_decimal(value: Decimal | None, expected: str) -> None:
    assert format_decimal(value) == expected


def test_normalize_label() -> None:
    assert normalize_label(" 分 值 ") == normalize_label("分\u3000值") == normalize_label("分\u200b值") == "分值"
    assert normalize_label("自评说明（佐证材料）") == normalize_label("自评说明(佐证材料)")
    assert normalize_label("ＩＤ") == "ID"
    assert normalize_label(None) == ""


def test_clean_text() -> None:
    assert clean_text("  第一\n  第二\t第三 ") == "第一 第二 第三"
    assert clean_text(2023.0) == "2023"
    assert clean_text(None) == ""


@pytest.mark.parametrize("text", ["3 5", "1 0", "3 . 5", "²", "2²", "①", "½", "₃"])
def test_digits_split_by_spaces_or_in_special_forms_are_refused(text: str) -> None:
    # "3 5" could be 35 or two scores; ² ① ½ fold to digits under NFKC but are not typed as scores
    with pytest.raises(ValueError):
        parse_decimal(text)


@pytest.mark.parametrize(("text", "expected"), [("3 分", "3"), (" ３．５ 分 ", "3.5"), ("４", "4")])
def test_spaces_around_the_number_and_before_the_unit_are_fine(text: str, expected: str) -> None:
    assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a\r\n\r\n  b  c ", "a\nb c"),
        ("  一行  ", "一行"),
        (None, ""),
        (3.0, "3"),
    ],
)
def test_clean_lines_keeps_line_breaks(value: object, expected: str) -> None:
    assert clean_lines(value) == expected


@pytest.mark.parametrize(
    ("typed", "name"),
    [("李　明", "李明"), (" 李 明 ", "李明"), ("Li  Ming", "Li Ming"), ("欧阳\u3000修", "欧阳修"), ("", "")],
)
def test_person_name_drops_padding(typed: str, name: str) -> None:
    assert person_name(typed) == name
