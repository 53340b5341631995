"""The scored campaign as pandas DataFrames, with stable English column names.

Each function takes the campaign and computes what it needs from the store; pass
``results`` (from :func:`kaohe_xl.scoring.results.compute`) to share one computation
between several frames. Numbers are floats of the figures as shown (2 decimals);
:func:`~kaohe_xl.scoring.results.compute` gives the exact Decimals.
"""

from __future__ import annotations

import pandas as pd

from kaohe_xl.campaign import Campaign
from kaohe_xl.scoring.engine import Results
from kaohe_xl.scoring.reconcile import reconcile
from kaohe_xl.scoring.results import compute, result_rows, shown
from kaohe_xl.store.status import collection_status
from kaohe_xl.textnorm import format_decimal


def results_frame(campaign: Campaign, results: Results | None = None) -> pd.DataFrame:
    """One row per unit, ranked: the export columns
    (:data:`~kaohe_xl.scoring.results.RESULT_COLUMNS`, ``source_<name>``), then base,
    veto_reason, remarks."""
    results = results or compute(campaign)
    frame = pd.DataFrame(result_rows(results))
    if "rank" in frame:
        frame["rank"] = frame["rank"].astype("Int64")
    return frame


def item_scores_frame(campaign: Campaign, results: Results | None = None) -> pd.DataFrame:
    """One row per unit, source and item (or rater category): the combined (mean or
    trimmed mean) score, each rater's values, remarks."""
    results = results or compute(campaign)
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
                "points": shown(points),
                "value": shown(s.value),
                "veto": s.veto,
                "raters": len(s.raters),
                "values": "、".join(format_decimal(v) for v in s.values),
                "remarks": "；".join(s.remarks),
                "note": s.note,
            }
        )
    return pd.DataFrame(rows)


def reconciliation_frame(campaign: Campaign, results: Results | None = None) -> pd.DataFrame:
    """One row per unit and item: self score, assessor score, difference, flag, reason."""
    reconciliation = reconcile(results or compute(campaign))
    return pd.DataFrame(
        [
            {
                "unit_id": r.unit_id,
                "unit_name": r.unit_name,
                "item_id": r.item_id,
                "category": r.category,
                "content": r.content,
                "kind": r.kind.value,
                "points": shown(r.points),
                "self_score": shown(r.self_score),
                "assessor_score": shown(r.assessor_score),
                "difference": shown(r.difference),
                "flagged": r.flagged,
                "reason": r.reason,
            }
            for r in reconciliation.items
        ]
    )


def status_frame(campaign: Campaign) -> pd.DataFrame:
    """One row per unit and form (per unit and rater for 评分表): state
    (ok/missing/invalid), its label 已收到/待提交/待核实, revisions, time received, note."""
    states = collection_status(campaign)
    units = {u.id: u.name for u in campaign.units}
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
