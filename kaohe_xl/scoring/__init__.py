"""Scores → totals, composite, grades and ranks; self-scores against assessors' scores.

(``reconcile()`` is imported from :mod:`.reconcile`: the face cannot hand on a function
named like one of its modules.)

:mod:`.rules`, :mod:`.engine` and :mod:`.reconcile` are pure (Decimal arithmetic, no I/O,
neither pandas nor openpyxl); :mod:`.results` reads the store; :mod:`.frames` gives
pandas DataFrames.
"""

from typing import TYPE_CHECKING

from kaohe_xl.lazy import lazy_exports

if TYPE_CHECKING:
    from kaohe_xl.scoring.engine import Results, UnitResult, score
    from kaohe_xl.scoring.frames import item_scores_frame, reconciliation_frame, results_frame, status_frame
    from kaohe_xl.scoring.reconcile import Reconciliation
    from kaohe_xl.scoring.results import compute

__all__ = [
    "Reconciliation",
    "Results",
    "UnitResult",
    "compute",
    "item_scores_frame",
    "reconciliation_frame",
    "results_frame",
    "score",
    "status_frame",
]
__getattr__ = lazy_exports(
    __name__,
    {
        **dict.fromkeys(("Results", "UnitResult", "score"), "engine"),
        "compute": "results",
        **dict.fromkeys(("item_scores_frame", "reconciliation_frame", "results_frame", "status_frame"), "frames"),
        "Reconciliation": "reconcile",
    },
    moved_from="engine",
)
