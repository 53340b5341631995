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

After ``kaohe update`` a revision counts only for the unit it was made for and only
while its values fit the current rubric (:mod:`kaohe_xl.store.revisions`); one that no
longer fits shows 待核实 with the reason until a return on the new form arrives. The
tables of ``kaohe status`` are in :mod:`kaohe_xl.store.report`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from typing import Protocol

from kaohe_xl.frozen import built
from kaohe_xl.rubric.model import FormKind, Roster, Rubric, Source, Unit
from kaohe_xl.store.records import ReturnState, ScoreRecord, UnitState
from kaohe_xl.store.revisions import Judge, RevisionKey, RevisionUnit


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


def latest_records(campaign: Campaign, form: FormKind | None = None) -> list[ScoreRecord]:
    """Values of the latest valid revision per (form, subject, source, rater, unit), in store order.

    "Valid" is judged per unit: on a 考核组评分表 an error on unit A's sheet keeps A at its
    previous valid revision (or without values) while unit B's values of the same file
    count. A revision counts only for the unit it was made for and while its values fit
    the current rubric, and not for an assessor who is not on the roster of a group
    that has one.
    """
    rubric, roster = campaign.rubric, campaign.roster
    with closing(campaign.connect()) as conn:
        chosen: dict[RevisionKey, RevisionUnit] = {}
        for rev in Judge(conn, rubric, campaign.units).revisions():  # newest first
            if rev.usable and rev.key not in chosen and (form is None or rev.form is form):
                chosen[rev.key] = rev
        wanted = [
            rev
            for rev in sorted(chosen.values(), key=lambda r: r.submission_id)
            if not _off_roster(roster, rev.form.value, rev.subject, rev.rater)
        ]
        rows_of = _score_rows(conn, {(rev.submission_id, rev.stored_unit) for rev in wanted})
        # a few distinct values (0, 0.5, 1 …): each parsed once
        numbers: dict[str | None, Decimal | None] = {None: None}
        records = []
        for rev in wanted:
            form, source, unit_id, rater, submission = rev.form, rev.source, rev.unit_id, rev.rater, rev.submission_id
            for item_id, value, veto, remark in rows_of.get((submission, rev.stored_unit), ()):
                number = numbers.get(value)
                if number is None and value is not None:
                    number = numbers[value] = Decimal(value)
                vetoed = None if veto is None else bool(veto)
                records.append(_record(form, source, unit_id, item_id, number, vetoed, remark, rater, submission))
    return records


def _record(
    form: FormKind,
    source: str,
    unit_id: str,
    key: str,
    value: Decimal | None,
    veto: bool | None,
    remark: str,
    rater: str,
    submission_id: int,
) -> ScoreRecord:
    """``ScoreRecord(form, source, …)``, four times faster: a frozen dataclass's ``__init__``
    sets each field through ``object.__setattr__``, which for ~200,000 records of a
    thousand units is most of :func:`latest_records`; here the fields go straight into
    the instance's ``__dict__`` (:mod:`kaohe_xl.frozen`; tests compare the two)."""
    return built(
        ScoreRecord,
        form=form,
        source=source,
        unit_id=unit_id,
        key=key,
        value=value,
        veto=veto,
        remark=remark,
        rater=rater,
        submission_id=submission_id,
    )


def _score_rows(
    conn: sqlite3.Connection, wanted: set[tuple[int, str]]
) -> dict[tuple[int, str], list[tuple[str, str | None, int | None, str]]]:
    """The stored values of the wanted (submission, unit) pairs, each in store order: one
    query for all of them (a query per unit costs more than reading the rows)."""
    found: dict[tuple[int, str], list[tuple[str, str | None, int | None, str]]] = {}
    if not wanted:
        return found
    submissions = sorted({submission for submission, _unit in wanted})
    for start in range(0, len(submissions), 500):  # SQLite caps the parameters of one statement
        chunk = submissions[start : start + 500]
        rows = conn.execute(
            "SELECT submission_id, unit_id, item_id, value, veto, remark FROM scores"
            f" WHERE submission_id IN ({','.join('?' * len(chunk))}) ORDER BY rowid",
            chunk,
        )
        # a pair's rows come in runs (a file's unit sheet is stored in one go): one look-up a run
        for pair, run in groupby(rows, key=_pair):
            if pair in wanted:
                found.setdefault(pair, []).extend(row[2:] for row in run)
    return found


_pair = itemgetter(0, 1)  # (submission, unit) of a scores row


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


_Key = RevisionKey  # (form, subject, source, rater, unit)
_Other = tuple[str, str, str, str]  # (form, source, rater, unit): a return made under another id or name


def _latest_by_unit(
    judge: Judge,
) -> tuple[dict[_Key, _Latest], dict[tuple[str, str, str], _Latest], dict[_Other, _Latest]]:
    """(form, subject, source, rater, unit) → that unit in the latest revision covering
    it; (form, source, unit) → the newest return made for the unit under another id or
    name, any rater; and the same per rater."""
    newest_own: dict[_Key, RevisionUnit] = {}
    counts: dict[_Key, int] = {}
    foreign: dict[_Other, _Latest] = {}
    kinds = {form: form.value for form in FormKind}
    for rev in judge.revisions():  # newest first
        if not rev.own:
            other = (kinds[rev.form], rev.source, rev.rater, rev.unit_id)
            if other not in foreign:
                foreign[other] = _Latest(1, rev.received_at, True, rev.note)
            continue
        key = (kinds[rev.form], rev.subject, rev.source, rev.rater, rev.unit_id)  # rev.key
        if key in counts:
            counts[key] += 1
        else:
            counts[key] = 1
            newest_own[key] = rev
    latest = {
        key: _Latest(counts[key], rev.received_at, rev.has_errors, rev.note if rev.has_errors else "")
        for key, rev in newest_own.items()
    }
    newest: dict[tuple[str, str, str], _Latest] = {}  # indexed once, not scanned per unit
    for (form, source, _rater, unit_id), facts in foreign.items():
        known = newest.get((form, source, unit_id))
        if known is None or facts.received_at > known.received_at:
            newest[(form, source, unit_id)] = facts
    return latest, newest, foreign


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
        latest, newest, foreign = _latest_by_unit(Judge(conn, rubric, campaign.units))
    self_kind, assessor_kind, ballot_kind = FormKind.SELF.value, FormKind.ASSESSOR.value, FormKind.BALLOT.value
    by_unit: dict[tuple[str, str, str], list[tuple[str, _Latest]]] = {}  # (group, source, unit) → assessors
    for (form, subject, round_name, rater, unit_id), facts in latest.items():
        if form == assessor_kind:
            by_unit.setdefault((subject, round_name, unit_id), []).append((rater, facts))
    roster = campaign.roster
    sources = [(source, source.form, source.form.value, source.name) for source in rubric.sources]
    states: list[UnitState] = []
    for unit in campaign.units:
        group, unit_id = unit.assessor_group, unit.id
        for source, form, kind, name in sources:
            other = newest.get((kind, name, unit_id))
            if form is FormKind.SELF:
                own = latest.get((self_kind, unit_id, name, "", unit_id))
                states.append(_state(unit_id, form, own or other, "", name))
            elif form is FormKind.ASSESSOR:
                returned = sorted(by_unit.get((group, name, unit_id), []))
                if not returned and other is not None:  # only a return made for it under another id or name
                    states.append(_state(unit_id, form, other, "", name))
                else:
                    states.append(_assessor_state(unit_id, source, returned, roster.get(group, ())))
            elif form is FormKind.BALLOT:
                tally = latest.get((ballot_kind, group, name, "", unit_id))
                states.append(_state(unit_id, form, tally, "", name))
            else:
                states.extend(_rater_states(unit_id, source, latest, foreign))
    return states


def _rater_states(
    unit_id: str, source: Source, latest: dict[_Key, _Latest], foreign: dict[_Other, _Latest]
) -> list[UnitState]:
    out = []
    for rater in source.raters:
        rated = latest.get((FormKind.RATER.value, source.name, source.name, rater, unit_id))
        rated = rated or foreign.get((FormKind.RATER.value, source.name, rater, unit_id))
        out.append(_state(unit_id, FormKind.RATER, rated, f"{source.name}·{rater}", source.name, rater))
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


def _state(
    unit_id: str, form: FormKind, facts: _Latest | None, who: str, source: str = "", rater: str = ""
) -> UnitState:
    if facts is None:
        return UnitState(unit_id, form, ReturnState.MISSING, note=who, source=source, rater=rater)
    state = ReturnState.INVALID if facts.has_errors else ReturnState.OK
    note = "：".join(part for part in (who, facts.note) if part)
    return UnitState(unit_id, form, state, facts.revisions, facts.received_at, note, source, rater)
