"""What the store says about the returns: latest values, who is missing, what was rejected.

- :func:`latest_records` — the values the scoring side uses: per (form, subject, rater)
  and unit the *latest revision in which that unit has no errors*. A newer revision with
  errors does not replace a valid older one (its unit shows 待核实 until a corrected
  file arrives); an error on one unit's sheet of a 考核组评分表 holds back only that unit.
- :func:`collection_status` — per unit and form kind (per unit and named rater for rater
  forms): 已收到 / 待提交 / 待核实, revision count, time of the latest file, a note.
  The state follows the unit in the *latest* revision covering it, errors or not.

After ``kaohe update`` a revision counts only for the unit it was made for and only
while its values fit the current rubric (:mod:`kaohe_xl.store.revisions`); one that no
longer fits shows 待核实 with the reason until a return on the new form arrives.
- :func:`status_report` — the tables behind ``kaohe status`` (and its ``--json``).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from typing import Any, Protocol

from kaohe_xl.rubric.model import FormKind, Rubric, Unit
from kaohe_xl.store import db as store
from kaohe_xl.store.records import ReturnState, ScoreRecord, UnitState
from kaohe_xl.store.revisions import Judge, RevisionUnit
from kaohe_xl.textnorm import display_width


class Campaign(Protocol):
    """What the status queries need of a campaign (:class:`kaohe_xl.campaign.Campaign`).

    The store sits below the campaign folder, so it names only these three members.
    """

    @property
    def rubric(self) -> Rubric: ...

    @property
    def units(self) -> list[Unit]: ...

    def connect(self) -> sqlite3.Connection: ...


def _source_name(rubric: Rubric, form: FormKind, subject: str) -> str:
    if form is FormKind.RATER:
        return subject  # rater revisions are keyed by their source name
    sources = rubric.sources_of(form)
    return sources[0].name if sources else form.label


def latest_records(campaign: Campaign, form: FormKind | None = None) -> list[ScoreRecord]:
    """Values of the latest valid revision per (form, subject, rater, unit), in store order.

    "Valid" is judged per unit: on a 考核组评分表 an error on unit A's sheet keeps A at its
    previous valid revision (or without values) while unit B's values of the same file
    count. A revision counts only for the unit it was made for, and only while its
    values fit the current rubric (:mod:`kaohe_xl.store.revisions`).
    """
    rubric = campaign.rubric
    with closing(campaign.connect()) as conn:
        chosen: dict[tuple[str, str, str, str], RevisionUnit] = {}
        for rev in Judge(conn, rubric, campaign.units).revisions():  # newest first
            if rev.usable and rev.key not in chosen and (form is None or rev.form is form):
                chosen[rev.key] = rev
        records = []
        for rev in sorted(chosen.values(), key=lambda r: r.submission_id):
            rows = conn.execute(
                "SELECT item_id, value, veto, remark FROM scores WHERE submission_id = ? AND unit_id = ? ORDER BY rowid",
                (rev.submission_id, rev.stored_unit),
            ).fetchall()
            records += [
                ScoreRecord(
                    form=rev.form,
                    source=_source_name(rubric, rev.form, rev.subject),
                    unit_id=rev.unit_id,
                    key=row["item_id"],
                    value=None if row["value"] is None else Decimal(row["value"]),
                    veto=None if row["veto"] is None else bool(row["veto"]),
                    remark=row["remark"],
                    rater=rev.rater,
                    submission_id=rev.submission_id,
                )
                for row in rows
            ]
    return records


@dataclass(frozen=True)
class _Latest:
    """One unit in the latest revision of (form, subject, rater) that covers it."""

    revisions: int  # how many revisions of the key covered the unit
    received_at: str
    has_errors: bool
    note: str


_Key = tuple[str, str, str, str]


def _latest_by_unit(judge: Judge) -> tuple[dict[_Key, _Latest], dict[_Key, _Latest]]:
    """(form, subject, rater, unit) → that unit in the latest revision covering it; and
    the latest return made for a unit under another id or name (its key's subject is ''
    for self and assessor forms)."""
    latest: dict[_Key, _Latest] = {}
    counts: dict[_Key, int] = {}
    foreign: dict[_Key, _Latest] = {}
    for rev in judge.revisions():  # newest first
        if not rev.own:
            key = (rev.form.value, rev.subject if rev.form is FormKind.RATER else "", rev.rater, rev.unit_id)
            foreign.setdefault(key, _Latest(1, rev.received_at, True, rev.note))
            continue
        counts[rev.key] = counts.get(rev.key, 0) + 1
        latest.setdefault(rev.key, _Latest(0, rev.received_at, rev.has_errors, rev.note if rev.has_errors else ""))
    latest = {key: replace(facts, revisions=counts[key]) for key, facts in latest.items()}
    return latest, foreign


def collection_status(campaign: Campaign) -> list[UnitState]:
    """Per unit: its 自评表 and 考核组评分表 state; per unit and rater: the 评分表 state.

    Every state is the unit's own: on a 考核组评分表 (one sheet per unit) an error on
    unit A's sheet makes A 待核实 while B, fine in the same file, is 已收到.

    Assessor forms: a unit is 已收到 when every assessor who returned its group's form has
    a latest revision valid for that unit, 待核实 when one of them has errors for it,
    待提交 when none arrived.
    """
    rubric = campaign.rubric
    with closing(campaign.connect()) as conn:
        latest, foreign = _latest_by_unit(Judge(conn, rubric, campaign.units))
    by_unit: dict[tuple[str, str], list[tuple[str, _Latest]]] = {}  # (group, unit) → assessors
    for (form, subject, rater, unit_id), facts in latest.items():
        if form == FormKind.ASSESSOR.value:
            by_unit.setdefault((subject, unit_id), []).append((rater, facts))
    states: list[UnitState] = []
    for unit in campaign.units:
        own = latest.get((FormKind.SELF.value, unit.id, "", unit.id))
        other = _foreign(foreign, FormKind.SELF, "", unit.id)
        states.append(_state(unit.id, FormKind.SELF, own or other, ""))
        assessed = sorted(by_unit.get((unit.assessor_group, unit.id), []))
        other = _foreign(foreign, FormKind.ASSESSOR, "", unit.id)
        if not assessed and other is not None:
            states.append(_state(unit.id, FormKind.ASSESSOR, other, ""))
        else:
            states.append(_assessor_state(unit.id, assessed))
        for source in rubric.sources_of(FormKind.RATER):
            for rater in source.raters:
                rated = latest.get((FormKind.RATER.value, source.name, rater, unit.id))
                rated = rated or foreign.get((FormKind.RATER.value, source.name, rater, unit.id))
                state = _state(unit.id, FormKind.RATER, rated, f"{source.name}·{rater}")
                states.append(replace(state, source=source.name, rater=rater))
    return states


def _foreign(foreign: dict[_Key, _Latest], form: FormKind, subject: str, unit_id: str) -> _Latest | None:
    """The newest return made for the unit under another id or name, any rater."""
    found = [facts for (f, s, _r, u), facts in foreign.items() if f == form.value and s == subject and u == unit_id]
    return max(found, key=lambda facts: facts.received_at) if found else None


def _assessor_state(unit_id: str, returned: list[tuple[str, _Latest]]) -> UnitState:
    if not returned:
        return UnitState(unit_id, FormKind.ASSESSOR, ReturnState.MISSING)
    bad = [(rater, f) for rater, f in returned if f.has_errors]
    names = "、".join(rater or "（未填评分人）" for rater, _ in returned)
    return UnitState(
        unit_id,
        FormKind.ASSESSOR,
        ReturnState.INVALID if bad else ReturnState.OK,
        # several assessors each return a copy: show the newest version number among
        # them, not a sum that would read like a later revision
        max(f.revisions for _, f in returned),
        max(f.received_at for _, f in returned),
        f"{bad[0][0] or '评分人未填'}：{bad[0][1].note}" if bad else f"评分人：{names}",
    )


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
        """Only the rows still owed a usable return: 待提交, and 待核实 (a return with
        errors, which the unit must correct and send again)."""
        owed = (ReturnState.MISSING.value, ReturnState.INVALID.value)
        return {
            form: [r for r in rows if r["state"] in owed]
            for form, rows in self.rows.items()
            if any(r["state"] in owed for r in rows)
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
            id_width = max(display_width(r["unit_id"]) for r in rows)
            name_width = max(display_width(r["unit_name"]) for r in rows)
            for r in rows:
                # pad by display width: a Chinese character takes two columns in a terminal
                line = f"  {_pad(r['unit_id'], id_width)} {_pad(r['unit_name'], name_width)} {r['state_label']}"
                if r["revisions"]:
                    line += f"  第{r['revisions']}版 {r['received_at']}"
                if r["note"]:
                    line += f"  {r['note']}"
                out.append(line)
        if missing_only and not tables:
            out.append("所有表格均已收到，且没有待核实的错误。")
        if self.rejected and not missing_only:
            out.append(f"【拒收的文件】{len(self.rejected)} 个")
            out.extend(f"  {r['original_name']}  {r['received_at']}  {r['reason']}" for r in self.rejected)
        return out


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


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
            f" WHERE {store.REFUSED_FILES} ORDER BY received_at, id"
        ).fetchall()
    report.rejected = [dict(row) for row in rows]
    return report
