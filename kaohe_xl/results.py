"""The scored campaign as pandas DataFrames (the Python API behind ``Campaign.results()``).

:func:`compute` reads the latest valid returns and the collection states from the store
(through :mod:`kaohe_xl.collect`) and scores them; the ``*_frame`` functions turn the
results into DataFrames with stable English column names. Numbers in the frames are
floats of the figures as shown (2 decimals); :func:`compute` gives the exact Decimals.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pandas as pd

from .reconcile import Reconciliation
from .records import UnitState
from .scoring import Results, round2, score
from .textnorm import format_decimal

if TYPE_CHECKING:
    from .campaign import Campaign

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
)
SOURCE_PREFIX = "source_"


def compute(campaign: Campaign) -> Results:
    """Score the campaign from the store: latest valid returns and collection states."""
    from .collect import collection_status, latest_records

    return score(campaign.rubric, campaign.units, latest_records(campaign), collection_status(campaign))


def source_column(name: str) -> str:
    """The export column of a source's total: ``source_`` + the rubric's source name."""
    return SOURCE_PREFIX + name


def _num(value: Decimal | None) -> float | None:
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
            "self_total": _num(unit.total(results.self_source or "")),
            "assessor_total": _num(unit.total(results.primary)),
            "bonus": _num(main.bonus if main else None),
            "penalty": _num(main.penalty if main else None),
            "veto": unit.veto,
            "composite": _num(unit.composite),
            "grade": unit.grade,
            "rank": unit.rank,
            "status": unit.status.value,
        }
        for source in results.rubric.sources:
            row[source_column(source.name)] = _num(unit.total(source.name))
        row["base"] = _num(main.base if main else None)
        row["veto_reason"] = unit.veto_reason
        row["remarks"] = "；".join(unit.remarks)
        rows.append(row)
    return rows


def results_frame(results: Results) -> pd.DataFrame:
    """One row per unit, ranked (see :data:`RESULT_COLUMNS`)."""
    frame = pd.DataFrame(result_rows(results))
    if "rank" in frame:
        frame["rank"] = frame["rank"].astype("Int64")
    return frame


def item_scores_frame(results: Results) -> pd.DataFrame:
    """One row per unit, source and item (or rater category): the combined score."""
    rubric = results.rubric
    kinds = {item.id: (item.category, item.kind.value, item.points) for item in rubric.items}
    names = {unit.unit_id: unit.unit_name for unit in results.units}
    rows = []
    for s in results.item_scores:
        category, kind, points = kinds.get(s.key, (s.key, "", None))
        rows.append(
            {
                "unit_id": s.unit_id,
                "unit_name": names.get(s.unit_id, ""),
                "source": s.source,
                "key": s.key,
                "category": category,
                "kind": kind,
                "points": _num(points),
                "value": _num(s.value),
                "veto": s.veto,
                "raters": len(s.raters),
                "values": "、".join(format_decimal(v) for v in s.values),
                "remarks": "；".join(s.remarks),
                "note": s.note,
            }
        )
    return pd.DataFrame(rows)


def reconciliation_frame(reconciliation: Reconciliation) -> pd.DataFrame:
    """One row per unit and item: self score, assessor score, difference, flag, reason."""
    return pd.DataFrame(
        [
            {
                "unit_id": r.unit_id,
                "unit_name": r.unit_name,
                "item_id": r.item_id,
                "category": r.category,
                "content": r.content,
                "kind": r.kind.value,
                "points": _num(r.points),
                "self_score": _num(r.self_score),
                "assessor_score": _num(r.assessor_score),
                "difference": _num(r.difference),
                "flagged": r.flagged,
                "reason": r.reason,
            }
            for r in reconciliation.items
        ]
    )


def status_frame(states: list[UnitState], units: dict[str, str]) -> pd.DataFrame:
    """One row per collection state: unit, form, 已收到/待提交/待核实, revisions, time."""
    return pd.DataFrame(
        [
            {
                "unit_id": s.unit_id,
                "unit_name": units.get(s.unit_id, ""),
                "form": s.form.value,
                "form_label": s.form.label,
                "state": s.state.value,
                "state_label": s.state.label,
                "revisions": s.revisions,
                "received_at": s.received_at,
                "note": s.note,
            }
            for s in states
        ],
        columns=[
            "unit_id",
            "unit_name",
            "form",
            "form_label",
            "state",
            "state_label",
            "revisions",
            "received_at",
            "note",
        ],
    )
