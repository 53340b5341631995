"""Who a returned workbook is from: its signed metadata, checked against the campaign.

A return is identified by content, never by file name. The very hidden metadata sheet
names the campaign, the form kind and the subject; its HMAC (campaign secret) proves
nobody changed them. A file that fails any of these checks is *rejected*: it is not a
usable form of this campaign, so none of its values are stored as a return.

The metadata signs each unit's id *and* name. When the units list has changed since
the form was made — a unit renumbered, renamed or removed — the return is not credited
to whoever holds the number now: :func:`unit_check` gives a ``unit_changed`` error
naming both (the return is 待核实). Forms that predate the signed unit names of
考核组评分表 are judged by their signed sheet titles (``01_东湖村``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from kaohe_xl.forms import layout
from kaohe_xl.problems import Problem
from kaohe_xl.rubric.model import BALLOT_GRADES, FormKind, Roster, Rubric, Unit
from kaohe_xl.textnorm import normalize_label

# Problems that mean "this is not a usable form of this campaign": the file is rejected.
REJECT_CODES = frozenset(
    {"not_a_form", "wrong_campaign", "bad_signature", "unknown_form", "unknown_subject", "blank_form"}
)


@dataclass(frozen=True)
class Expected:
    """What a return of this campaign must match (everything validation needs, no I/O)."""

    campaign_id: str
    secret: str
    rubric: Rubric
    units: tuple[Unit, ...]
    roster: Roster = field(default_factory=dict)  # named assessors by group (may be empty)

    @cached_property
    def rubric_hash(self) -> str:
        """The content hash of the rubric (computed once per run)."""
        return self.rubric.content_hash()

    @cached_property
    def by_id(self) -> dict[str, Unit]:
        """The units by id."""
        return {unit.id: unit for unit in self.units}

    def unit_ids(self) -> set[str]:
        return set(self.by_id)

    @cached_property
    def _item_ids(self) -> frozenset[str]:
        return frozenset(item.id for item in self.rubric.items)

    def keys_for(self, kind: FormKind | None) -> set[str] | frozenset[str]:
        """The ids the 编号 column must hold: item ids, or unit ids on rater and tally sheets."""
        if kind in (FormKind.RATER, FormKind.BALLOT):
            return set(self.by_id)
        return self._item_ids

    def columns_for(self, kind: FormKind | None) -> frozenset[str]:
        """The header labels (normalised) whose cells validation reads on a form of ``kind``."""
        if kind not in self._columns:
            self._columns[kind] = self._columns_of(kind)
        return self._columns[kind]

    @cached_property
    def _columns(self) -> dict[FormKind | None, frozenset[str]]:
        return {}

    def _columns_of(self, kind: FormKind | None) -> frozenset[str]:
        if kind is FormKind.RATER:
            names = {layout.H_ID, layout.H_UNIT_NAME, *(c.name for c in self.rubric.categories)}
        elif kind is FormKind.BALLOT:
            names = {layout.H_ID, layout.H_UNIT, layout.H_ATTENDED, *BALLOT_GRADES}
        elif kind in layout.SCORE_HEADER:
            names = {
                layout.H_ID,
                layout.H_CONTENT,
                layout.H_POINTS,
                layout.SCORE_HEADER[kind],
                layout.REMARK_HEADER[kind],
            }
        else:
            return frozenset()
        return frozenset(normalize_label(name) for name in names)

    def subjects(self, kind: FormKind) -> Collection[str]:
        """Who may send a form of ``kind``: unit ids, assessor groups or rater names."""
        if kind is FormKind.SELF:
            return self.by_id.keys()
        if kind in (FormKind.ASSESSOR, FormKind.BALLOT):
            return self._groups
        return self._raters

    @cached_property
    def _groups(self) -> frozenset[str]:
        return frozenset(unit.assessor_group for unit in self.units)

    @cached_property
    def _raters(self) -> frozenset[str]:
        return frozenset(r for s in self.rubric.sources_of(FormKind.RATER) for r in s.raters)


class Identity(NamedTuple):
    """The revision key of a return: (form kind, subject, rater).

    subject: unit id (self), assessor group (assessor, 民主测评表), source name (rater);
    rater: '' (self, 民主测评表; an assessor form gets the 评分人 typed in later, unless
    it is a named assessor's copy: then the signed name), rater name (rater). Which
    source (round) a self/assessor/民主测评 form feeds is :func:`form_source`.
    """

    kind: FormKind
    subject_id: str
    rater: str


def form_kind(meta: Mapping[str, str]) -> FormKind | None:
    """The form kind the metadata claims (None when missing or unknown)."""
    try:
        return FormKind(meta.get(layout.META_KIND, ""))
    except ValueError:
        return None


def not_a_form(file: str) -> Problem:
    """The rejection of a workbook without our hidden metadata sheet."""
    return Problem("not_a_form", "不是本系统下发的考核表（缺少隐藏的标识表）：请使用下发的表格填写后发送", file=file)


def identify(meta: Mapping[str, str], expected: Expected, file: str = "") -> Identity | Problem:
    """Who a return is from, by its signed metadata; a rejecting Problem when it is not ours."""
    if not meta:
        return not_a_form(file)
    campaign = meta.get(layout.META_CAMPAIGN, "")
    if campaign != expected.campaign_id:
        who = meta.get(layout.META_SUBJECT_NAME, "") or meta.get(layout.META_SUBJECT, "")
        when = meta.get(layout.META_GENERATED, "")
        about = "，".join(
            part for part in (f"单位/对象：{who}" if who else "", f"生成于 {when}" if when else "") if part
        )
        return Problem(
            "wrong_campaign",
            f"这份表格属于另一次考核（标识 {campaign or '空'}{'；' + about if about else ''}），"
            "不是本次考核下发的表格：可能是往年或其他考核的表，请对方用本次下发的表格填写",
            file=file,
            value=campaign,
        )
    subject = meta.get(layout.META_SUBJECT, "")
    if not layout.verify_metadata(expected.secret, meta):
        return Problem(
            "bad_signature",
            "表格的隐藏标识被改动过（签名不符），无法确认是哪个单位的表：请使用原始下发的表格重新填写",
            file=file,
            value=subject,
        )
    kind = form_kind(meta)
    if kind is None:
        return Problem("unknown_form", "无法识别的表格类型", file=file, value=meta.get(layout.META_KIND, ""))
    rubric = expected.rubric
    known = expected.subjects(kind)
    if subject not in known and not (kind is FormKind.SELF and _named(expected, meta)):
        who = meta.get(layout.META_SUBJECT_NAME, "")
        label = f"“{who}”（编号 {subject}）" if who and who != subject else f"“{subject}”"
        return Problem(
            "unknown_subject",
            f"表格所属的{label}不在本次考核的名单中（名单可能已修改）：请核对单位名单或重新生成表格",
            file=file,
            value=subject,
        )
    if kind is FormKind.RATER:
        source = meta.get(layout.META_SOURCE, "")
        if source not in {s.name for s in rubric.sources_of(FormKind.RATER)}:
            return Problem("unknown_subject", f"评分来源“{source}”不在考核细则中", file=file, value=source)
        return Identity(kind, source, subject)
    if kind is FormKind.ASSESSOR:
        return Identity(kind, subject, meta.get(layout.META_ASSESSOR, ""))
    return Identity(kind, subject, "")


def form_source(meta: Mapping[str, str], rubric: Rubric, kind: FormKind, file: str = "") -> str | Problem:
    """The rubric source (round) a return feeds, from its signed metadata.

    A form made before forms named their source, or naming none, feeds the first source
    of its form kind. A source the rubric no longer has (a round removed with
    ``kaohe init --force``) rejects the file.
    """
    sources = rubric.sources_of(kind)
    named = meta.get(layout.META_SOURCE, "")
    if not sources:
        message = f"本次考核细则没有{kind.label}来源（细则可能已修改），这份{kind.label}不计入：请核对考核细则"
        return Problem("unknown_subject", message, file=file, value=named)
    if not named:
        return sources[0].name
    if any(s.name == named for s in sources):
        return named
    known = "、".join(s.name for s in sources) or "无"
    return Problem(
        "unknown_subject",
        f"表格所属的来源“{named}”不是本次考核细则中的{kind.label}来源（现有：{known}；细则可能已修改）：请重新生成表格",
        file=file,
        value=named,
    )


def _named(expected: Expected, meta: Mapping[str, str]) -> bool:
    """True when the form's signed unit name is in the units list (under another id)."""
    name = meta.get(layout.META_SUBJECT_NAME, "")
    return bool(name) and any(same_name(unit.name, name) for unit in expected.units)


def same_name(a: str, b: str) -> bool:
    """Unit names compared as people read them (spaces, full-width forms ignored)."""
    return normalize_label(a) == normalize_label(b)


def signed_units(meta: Mapping[str, str]) -> dict[str, str]:
    """``{unit id: name the form was made for}``; {} when the form does not sign names
    (考核组评分表 made before they were signed: see :func:`unit_check`'s ``title``)."""
    kind = meta.get(layout.META_KIND, "")
    if kind == FormKind.SELF.value:
        return {meta.get(layout.META_SUBJECT, ""): meta.get(layout.META_SUBJECT_NAME, "")}
    if kind == FormKind.ASSESSOR.value:
        return layout.decode_units(meta.get(layout.META_UNITS, ""))
    return {}


_COPY_SUFFIX = re.compile(r"\(\d+\)$")


def _titled(unit: Unit, title: str) -> bool:
    """True when ``title`` is the sheet title :func:`layout.assessor_sheet_title` gives
    ``unit`` (``01_东湖村``; cut to 31 characters, ``(2)`` replacing its end when taken)."""
    full = layout.sanitize_sheet_title(f"{unit.id}_{unit.name}")
    base = _COPY_SUFFIX.sub("", title)
    return title == full or (base != title and full.startswith(base))


def unit_check(unit_id: str, signed: str, expected: Expected, *, title: str = "") -> str:
    """The message of a ``unit_changed`` problem, or '' when the unit the form was made
    for (``signed`` name, else its signed sheet ``title``) still holds ``unit_id``."""
    current = expected.by_id.get(unit_id)
    if signed:
        if current is not None and same_name(current.name, signed):
            return ""
        moved = next((u for u in expected.units if u.id != unit_id and same_name(u.name, signed)), None)
    elif title:
        if current is not None and _titled(current, title):
            return ""
        signed = title_name(title, unit_id) or title
        moved = next((u for u in expected.units if u.id != unit_id and same_name(u.name, signed)), None)
    else:
        return ""
    holder = f"，编号 {unit_id} 现在是“{current.name}”" if current is not None else ""
    if moved is not None:
        return (
            f"这份表格是为“{signed}”（编号 {unit_id}）生成的，单位名单中“{signed}”的编号已改为 {moved.id}{holder}："
            f"未计入任何单位，请给“{signed}”重新下发表格后重新填写"
        )
    if current is not None:
        return (
            f"这份表格是为“{signed}”（编号 {unit_id}）生成的，单位名单中编号 {unit_id} 现在是“{current.name}”："
            "未计入，请核对单位名单；如是同一单位改了名称，请重新下发表格后重新填写"
        )
    return f"这份表格是为“{signed}”（编号 {unit_id}）生成的，该单位已不在单位名单中：未计入任何单位，请核对单位名单"


def title_name(title: str, unit_id: str) -> str:
    """The unit name in an assessor sheet title: ``01_东湖村`` → ``东湖村``."""
    head = layout.sanitize_sheet_title(f"{unit_id}_")
    base = _COPY_SUFFIX.sub("", title)
    return base[len(head) :] if base.startswith(head) else ""


def rubric_outdated(meta: Mapping[str, str], rubric: Rubric | Expected) -> bool:
    """True when the form was generated from another version of the rubric."""
    current = rubric.rubric_hash if isinstance(rubric, Expected) else rubric.content_hash()
    return meta.get(layout.META_RUBRIC_HASH, "") != current
