"""Collected self-scores shown read-only on the 考核组评分表 (generate --form assessor after collect).

The normal path asks :func:`kaohe_xl.collect.latest_records`. Until that module exists
(it is written in parallel) the fallback reads the store tables directly: per unit, the
highest revision of an error-free self submission, and its scores.
"""

from __future__ import annotations

from decimal import Decimal

from . import layout
from ._form_parts import Value
from .campaign import Campaign
from .records import ScoreRecord
from .rubric import FormKind


def self_scores(campaign: Campaign) -> dict[str, dict[str, Value]]:
    """``{unit id: {item id: value}}`` from the latest valid self return of each unit.

    Numbers come back as Decimal, 否决 items as 是/否, blank cells are left out.
    """
    records = _latest_self_records(campaign)
    out: dict[str, dict[str, Value]] = {}
    for record in records:
        if record.veto is not None:
            value: Value = layout.VETO_YES if record.veto else layout.VETO_NO
        elif record.value is not None:
            value = record.value
        else:
            continue
        out.setdefault(record.unit_id, {})[record.key] = value
    return out


def _latest_self_records(campaign: Campaign) -> list[ScoreRecord]:
    try:
        from .collect import latest_records  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return _from_store(campaign)
    result: list[ScoreRecord] = latest_records(campaign, FormKind.SELF)
    return result


def _from_store(campaign: Campaign) -> list[ScoreRecord]:
    query = """
        SELECT s.subject_id, sc.item_id, sc.value, sc.veto, sc.remark, s.id
        FROM submissions s JOIN scores sc ON sc.submission_id = s.id
        WHERE s.form_kind = ? AND s.has_errors = 0
          AND s.revision = (SELECT MAX(t.revision) FROM submissions t
                            WHERE t.form_kind = s.form_kind AND t.subject_id = s.subject_id
                              AND t.has_errors = 0)
    """
    with campaign.connect() as conn:
        rows = conn.execute(query, (FormKind.SELF.value,)).fetchall()
    source = next((s.name for s in campaign.rubric.sources_of(FormKind.SELF)), "自评")
    return [
        ScoreRecord(
            form=FormKind.SELF,
            source=source,
            unit_id=str(row[0]),
            key=str(row[1]),
            value=None if row[2] is None else Decimal(str(row[2])),
            veto=None if row[3] is None else bool(row[3]),
            remark=str(row[4] or ""),
            submission_id=int(row[5]),
        )
        for row in rows
    ]
