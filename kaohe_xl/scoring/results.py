"""The scored campaign: scores from the store, and one plain row per unit.

:func:`compute` reads the latest valid returns and the collection states from the store
and scores them (:mod:`kaohe_xl.scoring.engine`); :func:`result_rows` gives the figures
as shown (floats of 2 decimals) under stable English names, for the export and the
DataFrames of :mod:`kaohe_xl.scoring.frames`. No pandas here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kaohe_xl.campaign import Campaign
from kaohe_xl.scoring.engine import Results, round2, score
from kaohe_xl.store.records import UnitState
from kaohe_xl.store.status import collection_status, latest_records

# The export columns, in order; one ``source_<name>`` column per rubric source follows.
RESULT_COLUMNS = (
    "unit_id",
    "unit_name",
    "group",
    "self_total",
    "assessor_total",
    "bonus",
    "penalty",
    "veto",
    "composite",
    "grade",
    "rank",
    "status",
    "passed",
)
SOURCE_PREFIX = "source_"


def compute(campaign: Campaign) -> Results:
    """Score the campaign from the store: latest valid returns and collection states."""
    return compute_with_states(campaign)[0]


def compute_with_states(campaign: Campaign) -> tuple[Results, list[UnitState]]:
    """:func:`compute`, and the collection states it scored with (for a caller that shows
    them too: the store is read once)."""
    states = collection_status(campaign)
    return score(campaign.rubric, campaign.units, latest_records(campaign), states), states


def source_column(name: str) -> str:
    """The export column of a source's total: ``source_`` + the rubric's source name."""
    return SOURCE_PREFIX + name


def shown(value: Decimal | None) -> float | None:
    """A figure as printed (2 decimals) as a float; None stays None."""
    return None if value is None else float(round2(value))


def result_rows(results: Results) -> list[dict[str, Any]]:
    """One dict per unit in display order: the export columns, then base/veto_reason/remarks."""
    rows = []
    for unit in results.units:
        main = unit.main
        row: dict[str, Any] = {
            "unit_id": unit.unit_id,
            "unit_name": unit.unit_name,
            "group": unit.group,
            "self_total": shown(unit.total(results.self_source or "")),
            "assessor_total": shown(unit.total(results.primary)),
            "bonus": shown(unit.bonus),
            "penalty": shown(main.penalty if main else None),
            "veto": unit.veto,
            "composite": shown(unit.composite),
            "grade": unit.grade,
            "rank": unit.rank,
            "status": unit.status.value,
            "passed": unit.passed,
        }
        for source in results.rubric.sources:
            row[source_column(source.name)] = shown(unit.total(source.name))
        row["base"] = shown(main.base if main else None)
        row["veto_reason"] = unit.veto_reason
        row["remarks"] = "；".join(unit.remarks)
        rows.append(row)
    return rows
