"""Scores → totals, composite, grades and ranks; self-scores against assessors' scores.

(``reconcile()`` is imported from :mod:`.reconcile`: the face cannot hand on a function
named like one of its modules.)

:mod:`.engine` and :mod:`.reconcile` are pure (Decimal arithmetic, no I/O, neither
pandas nor openpyxl); :mod:`.frames` reads the store and gives pandas DataFrames.

Year over year and where the points were lost: a year's results (:mod:`.years`, read by
:mod:`.yearfile` and :mod:`.yeartable`), matched (:mod:`.matching`) and compared
(:mod:`.comparison`, :mod:`.rubric_changes`); :mod:`.losses` is 失分分析. All but the readers are pure, with
rows (:mod:`.analysis_rows`) and DataFrames (:mod:`.analysis`) at the edge.
"""

from typing import TYPE_CHECKING

from kaohe_xl.lazy import lazy_exports

if TYPE_CHECKING:
    from kaohe_xl.scoring.analysis import compare, loss_frame
    from kaohe_xl.scoring.comparison import Comparison, compare_years
    from kaohe_xl.scoring.engine import Results, UnitResult, score
    from kaohe_xl.scoring.frames import item_scores_frame, reconciliation_frame, results_frame, status_frame
    from kaohe_xl.scoring.losses import LossAnalysis, analyse_losses
    from kaohe_xl.scoring.reconcile import Reconciliation
    from kaohe_xl.scoring.results import compute
    from kaohe_xl.scoring.yearfile import load_year
    from kaohe_xl.scoring.years import Year

__all__ = [
    "Comparison",
    "LossAnalysis",
    "Reconciliation",
    "Results",
    "UnitResult",
    "Year",
    "analyse_losses",
    "compare",
    "compare_years",
    "compute",
    "item_scores_frame",
    "load_year",
    "loss_frame",
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
        **dict.fromkeys(("compare", "loss_frame"), "analysis"),
        **dict.fromkeys(("Comparison", "compare_years"), "comparison"),
        **dict.fromkeys(("LossAnalysis", "analyse_losses"), "losses"),
        "load_year": "yearfile",
        "Year": "years",
    },
    moved_from="engine",
)
