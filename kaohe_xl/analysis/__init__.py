"""Across units and years: where the points were lost, and this year against earlier ones.

A year's results (:mod:`.years`), read from a campaign, a snapshot, an export or a
hand-made 汇总表 (:mod:`.yearfile`, :mod:`.yeartable`); units, categories and items of
two years matched (:mod:`.matching`) and compared (:mod:`.comparison`,
:mod:`.rubric_changes`); 失分分析 of one campaign (:mod:`.losses`). All but the readers
are pure Decimal computation; plain rows (:mod:`.rows`) and pandas DataFrames
(:mod:`.frames`) are at the edge.
"""

from typing import TYPE_CHECKING

from kaohe_xl.lazy import lazy_exports

if TYPE_CHECKING:
    from kaohe_xl.analysis.comparison import Comparison, compare_years
    from kaohe_xl.analysis.frames import compare, loss_frame
    from kaohe_xl.analysis.losses import LossAnalysis, analyse_losses
    from kaohe_xl.analysis.yearfile import load_year
    from kaohe_xl.analysis.years import Year

__all__ = [
    "Comparison",
    "LossAnalysis",
    "Year",
    "analyse_losses",
    "compare",
    "compare_years",
    "load_year",
    "loss_frame",
]
__getattr__ = lazy_exports(
    __name__,
    {
        **dict.fromkeys(("compare", "loss_frame"), "frames"),
        **dict.fromkeys(("Comparison", "compare_years"), "comparison"),
        **dict.fromkeys(("LossAnalysis", "analyse_losses"), "losses"),
        "load_year": "yearfile",
        "Year": "years",
    },
)
