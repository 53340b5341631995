"""Which stored revisions count, for which unit, under the rubric and units list as they are now.

Each revision records, per unit it covers, the unit's name as the form was made for it
(``submission_units.unit_name``) and the rubric its values were checked against
(``submissions.rubric_hash``). After the units list or the rubric changes:

- a revision counts for the unit that holds its id only when the names agree (or the
  revision predates recorded names); a renumbered unit's return is *foreign*: it never
  counts for whoever holds the old number now, and shows the unit it was made for as
  待核实 (when that unit has no return of its own);
- a revision checked against an earlier rubric counts while its values fit the current
  one (:func:`kaohe_xl.store.fit.misfit`): wording changes nothing; a new item, a lower
  分值 or a coarser step make just the units whose values no longer fit 待核实.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

from kaohe_xl.rubric.model import FormKind, Rubric, Unit
from kaohe_xl.store.fit import misfit
from kaohe_xl.textnorm import normalize_label

OUTDATED_NOTE = "按旧版考核细则填写（细则已更新）：{reason}：请用新生成的表格重新填写后发送"
FOREIGN_NOTE = "已收到的表格是为“{name}”（编号 {unit}）填写的，单位名单已修改：未计入，请重新下发表格后重新填写"

_ROWS = """
    SELECT s.id, s.form_kind, s.subject_id, s.source, s.rater, s.revision, s.received_at, s.rubric_hash,
           u.unit_id, u.has_errors, u.note, u.unit_name
    FROM submissions s JOIN submission_units u ON u.submission_id = s.id
    ORDER BY s.revision DESC, s.id DESC
"""


RevisionKey = tuple[str, str, str, str, str]  # (form, subject, source, rater, unit)


@dataclass(frozen=True)
class RevisionUnit:
    """One unit of one stored revision, judged: whose it is and whether it counts."""

    submission_id: int
    form: FormKind
    subject: str
    source: str  # the rubric source it feeds (a 考核组评分表 round, a rater source, ...)
    rater: str
    revision: int
    received_at: str
    stored_unit: str  # the unit id it was stored under (the form's)
    unit_id: str  # the current unit it concerns
    own: bool  # it counts for unit_id (else it is a return made for it under another id or name)
    has_errors: bool
    note: str  # the first error, or why it no longer fits

    @property
    def key(self) -> RevisionKey:
        """(form, subject, source, rater, unit): the revisions that replace one another."""
        return (self.form.value, self.subject, self.source, self.rater, self.unit_id)

    @property
    def usable(self) -> bool:
        """Its values count: it is the unit's own and has no error (or misfit)."""
        return self.own and not self.has_errors


def source_name(rubric: Rubric, form: FormKind, subject: str, source: str = "") -> str:
    """The source a revision feeds: its own, or (stored before v4) the first of its form;
    a rater revision's subject is its source."""
    if source:
        return source
    if form is FormKind.RATER:
        return subject
    sources = rubric.sources_of(form)
    return sources[0].name if sources else form.label


class Judge:
    """Judges stored revisions against the current ``rubric`` and ``units``."""

    def __init__(
        self, conn: sqlite3.Connection, rubric: Rubric, units: list[Unit], legacy: Mapping[str, str] | None = None
    ) -> None:
        """``legacy``: unit id → the name to assume for revisions stored without one (the
        units list they were collected under, when judging a list about to replace it)."""
        self.conn = conn
        self.legacy = legacy or {}
        self.rubric = rubric
        self.hash = rubric.content_hash()
        self._normal = {u.name: normalize_label(u.name) for u in units}  # a stored name → as compared
        self.names = {u.id: self._normal[u.name] for u in units}
        self.ids = {name: unit_id for unit_id, name in self.names.items()}

    def revisions(self) -> Iterator[RevisionUnit]:
        """Every stored revision-unit, newest revision first."""
        cursor = self.conn.cursor()
        cursor.row_factory = None  # plain tuples: a status reads every stored revision-unit
        forms: dict[str, FormKind] = {}
        names = dict(self._normal)  # a unit name as stored → normalize_label of it
        sources: dict[tuple[FormKind, str, str], str] = {}
        for row in cursor.execute(_ROWS):
            sid, kind, subject, source, rater, revision, received, rubric_hash, stored, errors, note, unit_name = row
            form = forms.get(kind) or forms.setdefault(kind, FormKind(kind))
            raw_name = unit_name or self.legacy.get(stored, "")
            name = names.get(raw_name)
            if name is None:
                name = names[raw_name] = normalize_label(raw_name)
            own = not name or self.names.get(stored) == name
            unit = stored if own or name not in self.ids else self.ids[name]
            has_errors = bool(errors)
            if not own and not has_errors:
                has_errors, note = True, FOREIGN_NOTE.format(name=unit_name or self.legacy[stored], unit=stored)
            elif own and not has_errors and rubric_hash not in (self.hash, ""):
                reason = self.misfit(sid, stored, form, subject)
                if reason:
                    has_errors, note = True, OUTDATED_NOTE.format(reason=reason)
            fed = sources.get((form, subject, source))
            if fed is None:
                fed = sources[(form, subject, source)] = source_name(self.rubric, form, subject, source)
            yield RevisionUnit(sid, form, subject, fed, rater, revision, received, stored, unit, own, has_errors, note)

    def misfit(self, submission: int, unit: str, form: FormKind, subject: str) -> str:
        rows = self.conn.execute(
            "SELECT item_id, value, veto FROM scores WHERE submission_id = ? AND unit_id = ?", (submission, unit)
        ).fetchall()
        values = [
            (
                r["item_id"],
                None if r["value"] is None else Decimal(r["value"]),
                None if r["veto"] is None else bool(r["veto"]),
            )
            for r in rows
        ]
        return misfit(self.rubric, form, subject, values)
