"""What the store says about the returns: latest values, who is missing, what was rejected.

- :func:`latest_records` — the values the scoring side uses: per (form, subject, rater)
  the *latest revision without errors*. A newer revision with errors does not replace
  a valid older one (its unit shows 待核实 until a corrected file arrives).
- :func:`collection_status` — per unit and form kind (per unit and named rater for rater
  forms): 已收到 / 待提交 / 待核实, revision count, time of the latest file, a note.
  The state follows the *latest* revision, errors or not.
- :func:`status_report` — the tables behind ``kaohe status`` (and its ``--json``).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .records import ReturnState, ScoreRecord, UnitState
from .rubric import FormKind, Rubric

if TYPE_CHECKING:
    from .campaign import Campaign


def _source_name(rubric: Rubric, form: FormKind, subject: str) -> str:
    if form is FormKind.RATER:
        return subject  # rater revisions are keyed by their source name
    sources = rubric.sources_of(form)
    return sources[0].name if sources else form.label


def latest_records(campaign: Campaign, form: FormKind | None = None) -> list[ScoreRecord]:
    """Values of the latest valid revision per (form, subject, rater), in store order."""
    query = """
        SELECT s.id, s.form_kind, s.subject_id, s.rater, c.unit_id, c.item_id, c.value, c.veto, c.remark
        FROM submissions s JOIN scores c ON c.submission_id = s.id
        WHERE s.has_errors = 0 AND s.revision = (
            SELECT MAX(t.revision) FROM submissions t
            WHERE t.form_kind = s.form_kind AND t.subject_id = s.subject_id AND t.rater = s.rater
              AND t.has_errors = 0)
    """
    params: tuple[str, ...] = ()
    if form is not None:
        query += " AND s.form_kind = ?"
        params = (form.value,)
    rubric = campaign.rubric
    with closing(campaign.connect()) as conn:
        rows = conn.execute(query + " ORDER BY s.id, c.rowid", params).fetchall()
    return [
        ScoreRecord(
            form=FormKind(row["form_kind"]),
            source=_source_name(rubric, FormKind(row["form_kind"]), row["subject_id"]),
            unit_id=row["unit_id"],
            key=row["item_id"],
            value=None if row["value"] is None else Decimal(row["value"]),
            veto=None if row["veto"] is None else bool(row["veto"]),
            remark=row["remark"],
            rater=row["rater"],
            submission_id=row["id"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class _Latest:
    revisions: int
    received_at: str
    has_errors: bool
    note: str


def _latest_by_key(conn: sqlite3.Connection) -> dict[tuple[str, str, str], _Latest]:
    """(form, subject, rater) → the latest revision's facts and the first error, if any."""
    rows = conn.execute(
        """
        SELECT s.form_kind, s.subject_id, s.rater, s.received_at, s.has_errors, f.reason,
               (SELECT COUNT(*) FROM submissions t WHERE t.form_kind = s.form_kind
                  AND t.subject_id = s.subject_id AND t.rater = s.rater) AS revisions
        FROM submissions s JOIN files f ON f.id = s.file_id
        WHERE s.revision = (SELECT MAX(t.revision) FROM submissions t WHERE t.form_kind = s.form_kind
                              AND t.subject_id = s.subject_id AND t.rater = s.rater)
        """
    ).fetchall()
    return {
        (r["form_kind"], r["subject_id"], r["rater"]): _Latest(
            r["revisions"], r["received_at"], bool(r["has_errors"]), r["reason"] if r["has_errors"] else ""
        )
        for r in rows
    }


def collection_status(campaign: Campaign) -> list[UnitState]:
    """Per unit: its 自评表 and 考核组评分表 state; per unit and rater: the 评分表 state.

    Assessor forms: a unit is 已收到 when every assessor who returned its group's form has
    a valid latest revision, 待核实 when one of them has errors, 待提交 when none arrived.
    """
    rubric = campaign.rubric
    with closing(campaign.connect()) as conn:
        latest = _latest_by_key(conn)
    states: list[UnitState] = []
    by_group: dict[str, list[tuple[str, _Latest]]] = {}
    for (form, subject, rater), facts in latest.items():
        if form == FormKind.ASSESSOR.value:
            by_group.setdefault(subject, []).append((rater, facts))
    for unit in campaign.units:
        states.append(_state(unit.id, FormKind.SELF, latest.get((FormKind.SELF.value, unit.id, "")), ""))
        returned = sorted(by_group.get(unit.assessor_group, []))
        if not returned:
            states.append(UnitState(unit.id, FormKind.ASSESSOR, ReturnState.MISSING))
        else:
            bad = [(rater, f) for rater, f in returned if f.has_errors]
            names = "、".join(rater or "（未填评分人）" for rater, _ in returned)
            states.append(
                UnitState(
                    unit.id,
                    FormKind.ASSESSOR,
                    ReturnState.INVALID if bad else ReturnState.OK,
                    # several assessors each return a copy: show the newest version number
                    # among them, not a sum that would read like a later revision
                    max(f.revisions for _, f in returned),
                    max(f.received_at for _, f in returned),
                    f"{bad[0][0] or '评分人未填'}：{bad[0][1].note}" if bad else f"评分人：{names}",
                )
            )
        for source in rubric.sources_of(FormKind.RATER):
            for rater in source.raters:
                rated = latest.get((FormKind.RATER.value, source.name, rater))
                states.append(_state(unit.id, FormKind.RATER, rated, f"{source.name}·{rater}"))
    return states


def _state(unit_id: str, form: FormKind, facts: _Latest | None, who: str) -> UnitState:
    if facts is None:
        return UnitState(unit_id, form, ReturnState.MISSING, note=who)
    state = ReturnState.INVALID if facts.has_errors else ReturnState.OK
    note = "：".join(part for part in (who, facts.note) if part)
    return UnitState(unit_id, form, state, facts.revisions, facts.received_at, note)


@dataclass
class StatusReport:
    """The data of ``kaohe status``: state rows per form kind, and the rejected files."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # form label → rows
    rejected: list[dict[str, str]] = field(default_factory=list)

    def missing(self) -> dict[str, list[dict[str, Any]]]:
        """Only the rows still owed (待提交)."""
        return {
            form: [r for r in rows if r["state"] == ReturnState.MISSING.value]
            for form, rows in self.rows.items()
            if any(r["state"] == ReturnState.MISSING.value for r in rows)
        }

    def counts(self) -> dict[str, dict[str, int]]:
        """form label → {已收到: n, 待提交: n, 待核实: n}."""
        return {
            form: {state.label: sum(1 for r in rows if r["state"] == state.value) for state in ReturnState}
            for form, rows in self.rows.items()
        }

    def as_json(self) -> dict[str, Any]:
        """The machine-readable form of ``kaohe status --json``."""
        return {"forms": self.rows, "counts": self.counts(), "rejected": self.rejected}

    def lines(self, missing_only: bool = False) -> list[str]:
        """The tables as terminal lines: one block per form kind, then the rejected files."""
        out: list[str] = []
        tables = self.missing() if missing_only else self.rows
        for form, rows in tables.items():
            counts = "，".join(f"{label} {n}" for label, n in self.counts()[form].items() if n)
            out.append(f"【{form}】{counts}")
            for r in rows:
                line = f"  {r['unit_id']:<6} {r['unit_name']:<10} {r['state_label']}"
                if r["revisions"]:
                    line += f"  第{r['revisions']}版 {r['received_at']}"
                if r["note"]:
                    line += f"  {r['note']}"
                out.append(line)
        if missing_only and not tables:
            out.append("所有表格均已收到。")
        if self.rejected and not missing_only:
            out.append(f"【拒收的文件】{len(self.rejected)} 个")
            out.extend(f"  {r['original_name']}  {r['received_at']}  {r['reason']}" for r in self.rejected)
        return out


def status_report(campaign: Campaign) -> StatusReport:
    """Collection state of every unit per form kind, and every rejected/quarantined file."""
    names = {unit.id: unit.name for unit in campaign.units}
    report = StatusReport()
    for state in collection_status(campaign):
        row = asdict(state)
        row.update(
            form=state.form.value,
            state=state.state.value,
            state_label=state.state.label,
            unit_name=names.get(state.unit_id, ""),
        )
        report.rows.setdefault(state.form.label, []).append(row)
    with closing(campaign.connect()) as conn:
        rows = conn.execute(
            "SELECT original_name, source_path, received_at, status, reason, sha256 FROM files"
            " WHERE status IN ('rejected', 'quarantined') ORDER BY received_at, id"
        ).fetchall()
    report.rejected = [dict(row) for row in rows]
    return report
