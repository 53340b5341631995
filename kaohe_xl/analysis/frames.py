"""Year-over-year comparison and loss analysis as pandas DataFrames.

::

    from kaohe_xl import Campaign, compare, loss_frame

    campaign = Campaign.open("2023老干部考核")
    moves = compare(campaign, "2022年结果.json")          # one row per unit
    print(moves[["unit_name", "composite_2023", "composite_2022", "composite_change", "rank_move"]])
    print(loss_frame(campaign).head(5))                    # the items that lost most points

The columns are those of :mod:`kaohe_xl.analysis.rows`; the exact Decimals
come from :func:`comparison_of` and :func:`~kaohe_xl.analysis.losses.analyse_losses`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from kaohe_xl.analysis.comparison import Comparison, compare_years
from kaohe_xl.analysis.losses import LossAnalysis, analyse_losses
from kaohe_xl.analysis.rows import ITEM_LOSS_COLUMNS, comparison_columns, comparison_rows, loss_rows
from kaohe_xl.analysis.yearfile import YearSource, load_mapping, load_year
from kaohe_xl.campaign import Campaign
from kaohe_xl.errors import ResultsFileError
from kaohe_xl.scoring.engine import Results
from kaohe_xl.scoring.results import compute

UnitMapping = str | Path | Sequence[tuple[str, str]] | None


def comparison_of(this: YearSource, last: YearSource, *earlier: YearSource, mapping: UnitMapping = None) -> Comparison:
    """``this`` year against ``last`` (and ``earlier`` years): exact, as the sheets show it.

    Each year is a campaign (folder or :class:`Campaign`), a snapshot, an export or a
    汇总表 (:func:`~kaohe_xl.analysis.yearfile.load_year`). ``mapping`` is a 单位对照表
    file or (上年, 本年) pairs for units renamed, merged or split.
    """
    pairs = load_mapping(mapping) if isinstance(mapping, str | Path) else list(mapping or [])
    years = [load_year(source) for source in (last, *earlier)]
    now = load_year(this)
    for year in years:
        if not any(u.composite is not None for u in year.units):
            raise ResultsFileError(f"{year.origin or year.label}：没有一个单位有综合得分，无法比较")
    return compare_years(now, years, pairs)


def compare(this: YearSource, last: YearSource, *earlier: YearSource, mapping: UnitMapping = None) -> pd.DataFrame:
    """One row per unit: each year's 综合得分, share of full marks, 排名, 等次; the change,
    the rank move (↑3, ↓2, 持平, 新增), and each category's share this year and last.

    Columns are suffixed with the year (``composite_2023``, ``rank_2022``); units of
    earlier years no longer assessed come last (``match`` = ``removed``).
    """
    comparison = comparison_of(this, last, *earlier, mapping=mapping)
    frame = pd.DataFrame(comparison_rows(comparison), columns=comparison_columns(comparison))
    for column in frame.columns:
        if column.startswith("rank_") and column != "rank_move":
            frame[column] = frame[column].astype("Int64")
    frame.attrs["basis"] = comparison.basis
    frame.attrs["notes"] = list(comparison.notes)
    return frame


def losses_of(campaign: Campaign, results: Results | None = None) -> LossAnalysis:
    """The exact loss analysis (:class:`~kaohe_xl.analysis.losses.LossAnalysis`)."""
    return analyse_losses(results or compute(campaign))


def loss_frame(campaign: Campaign, results: Results | None = None, *, by: str = "item") -> pd.DataFrame:
    """失分分析: ``by="item"`` one row per item sorted by points lost (``top`` marks the
    highlighted ones), ``"category"`` the same per category, ``"unit"`` each unit's items
    that lost points, weakest first (``weak_rank`` 1–3 go to its 反馈表)."""
    rows = loss_rows(losses_of(campaign, results), by)
    columns = list(ITEM_LOSS_COLUMNS) if by == "item" else None
    return pd.DataFrame(rows, columns=columns)
