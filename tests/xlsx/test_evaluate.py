"""The formulas kaohe writes into its forms, worked out as Excel works them out."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from kaohe_xl.xlsx.evaluate import FormulaError, evaluate

CELLS = {"G7": D("3.5"), "G8": D(2), "G9": "查无记录", "G11": D(4), "G12": "是", "G13": "否", "G20": D(9)}


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("=SUM(G7:G10)", D("5.5")),  # text and blanks in a range are skipped
        ("SUM(G7,G9,G10,1)", D("4.5")),
        ("MIN(SUM(G7:G8),5)", D(5)),
        ("MAX(6-(SUM(G7:G8)),0)", D("0.5")),  # 扣分制: cap minus deductions, not below 0
        ("MAX(6-(SUM(G7:G8,G11)),0)", D(0)),
        ("SUM(G7:G8)+MAX(G11,G10)", D("9.5")),  # a 取高组 counted once
        ("MAX(G30,G31)", D(0)),  # no number at all
        ("IF(G20>=8,MIN(SUM(G7),2),0)", D(2)),
        ("IF(G20-(SUM(G8))>=8,MIN(SUM(G7),2),0)", D(0)),
        ("MAX(G20+G7-G40,0)", D("12.5")),  # a blank cell is 0 in arithmetic
        ('IF(OR(G12="是",G13="是"),"是","否")', "是"),
        ('IF(OR(G13="是",G40="是"),"是","否")', "否"),  # a blank is not 是
        ('IF(OR(G12="SHI"),1,0)', D(0)),
        ("2*G8/4", D(1)),
        ("-G8+1", D(-1)),
    ],
)
def test_results(formula: str, expected: object) -> None:
    assert evaluate(formula, CELLS) == expected


@pytest.mark.parametrize("formula", ["G9+1", "VLOOKUP(G7,G7:G8,1)", "SUM(G7", "1/0", "G7:G8", "SUM(G7)G8"])
def test_what_it_does_not_work_out_is_refused(formula: str) -> None:
    with pytest.raises(FormulaError):
        evaluate(formula, CELLS)
