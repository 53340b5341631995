"""What the store says about the returns: latest values, who is missing, what was rejected.

- :func:`latest_records` — the values the scoring side uses: per (form, subject, rater)
  and unit the *latest revision in which that unit has no errors*. A newer revision with
  errors does not replace a valid older one (its unit shows 待核实 until a corrected
  file arrives); an error on one unit's sheet of a 考核组评分表 holds back only that unit.
- :func:`collection_status` — per unit and source (自评; each 考核组评分表 round; the
  民主测评表; each named rater of a rater source): 已收到 / 待提交 / 待核实, revision
  count, time of the latest file, a note. The state follows the unit in the *latest*
  revision covering it, errors or not. A group with a roster of named assessors (考核组
  sheet of the units workbook) is 已收到 for a unit only when every one of them returned.

Revisions made from an older rubric (``kaohe init --force`` with a changed rubric) do
not count and show 待核实 until a return on the new form arrives.
- :func:`status_report` — the tables behind ``kaohe status`` (and its ``--json``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from typing import Any, Protocol

from kaohe_xl.rubric.model import FormKind, Roster, Rubric, Source, Unit
from kaohe_xl.store import db as store
from kaohe_xl.store.records import ReturnState, ScoreRecord, UnitState
from kaohe_xl.textnorm import display_width


class Campaign(Protocol):
    """What the status queries need of a campaign (:class:`kaohe_xl.campaign.Campaign`).

    The store sits below the campaign folder, so it names only these members.
    """

    @property
    def rubric(self) -> Rubric: ...

    @property
    def units(self) -> list[Unit]: ...

    @property
    def roster(self) -> Roster: ...

    def connect(self) -> sqlite3.Connection: ...


def _source_name(rubric: Rubric, form: FormKind, subject: str, source: str = "") -> str:
    if source:
        return source
    if form is FormKind.RATER:
        return subject  # rater revisions are keyed by their source name
    sources = rubric.sources_of(form)  # stored before v4: the first source of its form
    return sources[0].name if sources else form.label


def _default_sources(rubric: Rubric) -> dict[str, str]:
    """The source a revision stored without one (before v4) feeds, per form kind."""
    return {form.value: _source_name(rubric, form, "") for form in (FormKind.SELF, FormKind.ASSESSOR, FormKind.BALLOT)}


# The source of a revision: its own, or (stored before v4) the first of its form.
_SOURCE = (
    "COALESCE(NULLIF({t}.source, ''), CASE {t}.form_kind WHEN 'self' THEN :self WHEN 'assessor' THEN :assessor"
    " WHEN 'ballot' THEN :ballot ELSE {t}.subject_id END)"
)


# A revision counts for the rubric it was generated from; after ``kaohe init --force``
# with a changed rubric the older returns no longer fit (items, points) and wait for a
# return on the new form. '' = stored before the store recorded rubric hashes.
_OUTDATED_NOTE = "按旧版考核细则填写（细则已更新）：请用新生成的表格重新填写后发送"

# Per (form, subject, source, rater, unit): the latest revision in which that unit has
# no errors and that was made from the current rubric.
_LATEST_VALID = f"""
    WITH ok AS (
        SELECT s.id, s.form_kind, s.subject_id, {_SOURCE.format(t="s")} AS source, s.rater, s.revision, u.unit_id
        FROM submissions s JOIN submission_units u ON u.submission_id = s.id
        WHERE u.has_errors = 0 AND s.rubric_hash IN (:hash, '')
    ), best AS (
        SELECT form_kind, subject_id, source, rater, unit_id, MAX(revision) AS revision
        FROM ok GROUP BY form_kind, subject_id, source, rater, unit_id
    )
    SELECT ok.id, ok.form_kind, ok.subject_id, ok.source, ok.rater, c.unit_id, c.item_id, c.value, c.veto, c.remark
    FROM ok JOIN best ON best.form_kind = ok.form_kind AND best.subject_id = ok.subject_id
                     AND best.source = ok.source AND best.rater = ok.rater AND best.unit_id = ok.unit_id
                     AND best.revision = ok.revision
    JOIN scores c ON c.submission_id = ok.id AND c.unit_id = ok.unit_id
"""


def latest_records(campaign: Campaign, form: FormKind | None = None) -> list[ScoreRecord]:
    """Values of the latest valid revision per (form, subject, source, rater, unit), in store order.

    "Valid" is judged per unit: on a 考核组评分表 an error on unit A's sheet keeps A at its
    previous valid revision (or without values) while unit B's values of the same file
    count. Revisions made from an older rubric (before ``init --force``) never count, nor
    do the returns of an assessor who is not on the roster of a group that has one.
    """
    rubric = campaign.rubric
    query = _LATEST_VALID
    params: dict[str, str] = {"hash": rubric.content_hash(), **_default_sources(rubric)}
    if form is not None:
        query += " WHERE ok.form_kind = :form"
        params["form"] = form.value
    with closing(campaign.connect()) as conn:
        rows = conn.execute(query + " ORDER BY ok.id, c.rowid", params).fetchall()
    roster = campaign.roster
    return [
        ScoreRecord(
            form=FormKind(row["form_kind"]),
            source=_source_name(rubric, FormKind(row["form_kind"]), row["subject_id"], row["source"]),
            unit_id=row["unit_id"],
            key=row["item_id"],
            value=None if row["value"] is None else Decimal(row["value"]),
            veto=None if row["veto"] is None else bool(row["veto"]),
            remark=row["remark"],
            rater=row["rater"],
            submission_id=row["id"],
        )
        for row in rows
        if not _off_roster(roster, row["form_kind"], row["subject_id"], row["rater"])
    ]


def _off_roster(roster: Roster, form: str, group: str, rater: str) -> bool:
    """True for an assessor's return in a group whose roster does not name them."""
    return form == FormKind.ASSESSOR.value and group in roster and rater not in roster[group]


@dataclass(frozen=True)
class _Latest:
    """One unit in the latest revision of (form, subject, rater) that covers it."""

    revisions: int  # how many revisions of the key covered the unit
    received_at: str
    has_errors: bool
    note: str


_Key = tuple[str, str, str, str, str]  # (form, subject, source, rater, unit)


def _latest_by_unit(conn: sqlite3.Connection, rubric: Rubric) -> dict[_Key, _Latest]:
    """(form, subject, source, rater, unit) → that unit in the latest revision covering it."""
    rubric_hash = rubric.content_hash()
    rows = conn.execute(
        f"""
        SELECT s.form_kind, s.subject_id, {_SOURCE.format(t="s")} AS source, s.rater, u.unit_id, s.received_at,
               s.rubric_hash, u.has_errors, u.note
        FROM submissions s JOIN submission_units u ON u.submission_id = s.id
        ORDER BY s.revision
        """,
        _default_sources(rubric),
    ).fetchall()
    latest: dict[_Key, _Latest] = {}
    for r in rows:
        key = (r["form_kind"], r["subject_id"], r["source"], r["rater"], r["unit_id"])
        count = latest[key].revisions + 1 if key in latest else 1
        outdated = r["rubric_hash"] not in (rubric_hash, "")
        note = r["note"] if r["has_errors"] else (_OUTDATED_NOTE if outdated else "")
        latest[key] = _Latest(count, r["received_at"], bool(r["has_errors"]) or outdated, note)
    return latest


def collection_status(campaign: Campaign) -> list[UnitState]:
    """Per unit: the state of each source it owes (自评表, each 考核组评分表 round, the
    民主测评表), and per unit and rater the 评分表 state.

    Every state is the unit's own: on a 考核组评分表 (one sheet per unit) an error on
    unit A's sheet makes A 待核实 while B, fine in the same file, is 已收到; a sheet left
    blank leaves its unit 待提交.

    Assessor forms: without a roster, a unit is 已收到 when every assessor who returned
    its group's form has a latest revision valid for that unit, 待核实 when one of them
    has errors for it, 待提交 when none arrived. With a roster, every named assessor must
    have returned; a return from a name not on it is 待核实 until they all have.
    """
    rubric = campaign.rubric
    with closing(campaign.connect()) as conn:
        latest = _latest_by_unit(conn, rubric)
    by_unit: dict[tuple[str, str, str], list[tuple[str, _Latest]]] = {}  # (group, source, unit) → assessors
    for (form, subject, round_name, rater, unit_id), facts in latest.items():
        if form == FormKind.ASSESSOR.value:
            by_unit.setdefault((subject, round_name, unit_id), []).append((rater, facts))
    roster = campaign.roster
    states: list[UnitState] = []
    for unit in campaign.units:
        group = unit.assessor_group
        for source in rubric.sources:
            if source.form is FormKind.SELF:
                own = latest.get((FormKind.SELF.value, unit.id, source.name, "", unit.id))
                states.append(replace(_state(unit.id, FormKind.SELF, own, ""), source=source.name))
            elif source.form is FormKind.ASSESSOR:
                returned = sorted(by_unit.get((group, source.name, unit.id), []))
                states.append(_assessor_state(unit.id, source, returned, roster.get(group, ())))
            elif source.form is FormKind.BALLOT:
                tally = latest.get((FormKind.BALLOT.value, group, source.name, "", unit.id))
                states.append(replace(_state(unit.id, FormKind.BALLOT, tally, ""), source=source.name))
            else:
                states.extend(_rater_states(unit.id, source, latest))
    return states


def _rater_states(unit_id: str, source: Source, latest: dict[_Key, _Latest]) -> list[UnitState]:
    out = []
    for rater in source.raters:
        rated = latest.get((FormKind.RATER.value, source.name, source.name, rater, unit_id))
        state = _state(unit_id, FormKind.RATER, rated, f"{source.name}·{rater}")
        out.append(replace(state, source=source.name, rater=rater))
    return out


def _assessor_state(
    unit_id: str, source: Source, returned: list[tuple[str, _Latest]], named: tuple[str, ...]
) -> UnitState:
    def state(value: ReturnState, note: str, counted: list[tuple[str, _Latest]]) -> UnitState:
        # several assessors each return a copy: show the newest version number among
        # them, not a sum that would read like a later revision
        revisions = max((f.revisions for _, f in counted), default=0)
        received = max((f.received_at for _, f in counted), default="")
        return UnitState(unit_id, FormKind.ASSESSOR, value, revisions, received, note, source=source.name)

    if named:
        return _roster_state(returned, named, state)
    if not returned:
        return state(ReturnState.MISSING, "", [])
    bad = [(rater, f) for rater, f in returned if f.has_errors]
    if bad:
        return state(ReturnState.INVALID, f"{bad[0][0] or '评分人未填'}：{bad[0][1].note}", returned)
    names = "、".join(rater or "（未填评分人）" for rater, _ in returned)
    return state(ReturnState.OK, f"评分人（{len(returned)} 人）：{names}", returned)


def _roster_state(
    returned: list[tuple[str, _Latest]], named: tuple[str, ...], state: Callable[..., UnitState]
) -> UnitState:
    """A unit of a group with named assessors: complete when every one of them returned."""
    mine = {rater: facts for rater, facts in returned if rater in named}
    strangers = [rater or "（未填评分人）" for rater, _ in returned if rater not in named]
    missing = [name for name in named if name not in mine]
    bad = [(rater, f) for rater, f in mine.items() if f.has_errors]
    counted = list(mine.items())
    if bad:
        return state(ReturnState.INVALID, f"{bad[0][0]}：{bad[0][1].note}", counted)
    if missing and strangers:
        note = f"评分人“{'、'.join(strangers)}”不在考核组名单中，其评分未计入；待提交：{'、'.join(missing)}"
        return state(ReturnState.INVALID, note, counted)
    if missing:
        got = f"；已收到：{'、'.join(mine)}" if mine else ""
        return state(ReturnState.MISSING, f"待提交：{'、'.join(missing)}{got}", counted)
    note = f"评分人（{len(named)} 人）：{'、'.join(named)}"
    if strangers:
        note += f"；名单外的“{'、'.join(strangers)}”未计入"
    return state(ReturnState.OK, note, counted)


def _state(unit_id: str, form: FormKind, facts: _Latest | None, who: str) -> UnitState:
    if facts is None:
        return UnitState(unit_id, form, ReturnState.MISSING, note=who)
    state = ReturnState.INVALID if facts.has_errors else ReturnState.OK
    note = "：".join(part for part in (who, facts.note) if part)
    return UnitState(unit_id, form, state, facts.revisions, facts.received_at, note)


@dataclass
class StatusReport:
    """The data of ``kaohe status``: state rows per form kind, and the rejected files."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # form (and round) → rows
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


def state_heading(rubric: Rubric, state: UnitState) -> str:
    """The table a state is listed under: its form, and the round when a form has several
    sources (``考核组评分表（专项督查）``)."""
    if state.form is not FormKind.RATER and state.source and len(rubric.sources_of(state.form)) > 1:
        return f"{state.form.label}（{state.source}）"
    return state.form.label


def status_report(campaign: Campaign) -> StatusReport:
    """Collection state of every unit per form (and round), and every rejected/quarantined file."""
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
        report.rows.setdefault(state_heading(campaign.rubric, state), []).append(row)
    with closing(campaign.connect()) as conn:
        rows = conn.execute(
            "SELECT original_name, source_path, received_at, status, reason, sha256 FROM files"
            f" WHERE {store.REFUSED_FILES} ORDER BY received_at, id"
        ).fetchall()
    report.rejected = [dict(row) for row in rows]
    return report
