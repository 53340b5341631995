"""Scores → totals, composite, grades and ranks; self-scores against assessors' scores.

:mod:`.engine` and :mod:`.reconcile` are pure (Decimal arithmetic, no I/O, neither
pandas nor openpyxl); :mod:`.frames` reads the store and gives pandas DataFrames.
"""

from typing import TYPE_CHECKING

from kaohe_xl.lazy import lazy_exports

if TYPE_CHECKING:
    from kaohe_xl.scoring.engine import Results, UnitResult, score
    from kaohe_xl.scoring.reconcile import Reconciliation, reconcile
    from kaohe_xl.scoring.results import compute

__all__ = ["Reconciliation", "Results", "UnitResult", "compute", "reconcile", "score"]
__getattr__ = lazy_exports(
    __name__,
    {
        **dict.fromkeys(("Results", "UnitResult", "score"), "engine"),
        "compute": "results",
        **dict.fromkeys(("Reconciliation", "reconcile"), "reconcile"),
    },
)
