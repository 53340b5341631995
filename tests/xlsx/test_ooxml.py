"""The xlsx package at the XML level: error cells (the fast reader shows them as empty)."""

from __future__ import annotations

import pytest

from kaohe_xl.xlsx.ooxml import error_cells


@pytest.mark.parametrize(
    ("xml", "found"),
    [
        (b'<c r="A1" s="2" t="e"><v>#N/A</v></c>', {"A1": "#N/A"}),
        (b"<c r='A2' t='e'><f>1/0</f><v>#DIV/0!</v></c>", {"A2": "#DIV/0!"}),  # single quotes, a formula
        (b'<x:c t="e" r="C3"><x:v>#REF!</x:v></x:c>', {"C3": "#REF!"}),  # a prefix, t before r
        (b'<c r="F7" t="e"/><c r="G7"><v>5</v></c>', {}),  # empty error cell: never the next cell's value
        (b'<c r="A1" t="e"></c><c r="B1" t="s"><v>0</v></c>', {}),
        (b'<c r="A1"><v>3</v></c><c r="B1" t="str"><v>#N/A</v></c>', {}),  # text that looks like an error
    ],
)
def test_error_cells(xml: bytes, found: dict[str, str]) -> None:
    assert error_cells(xml) == found
