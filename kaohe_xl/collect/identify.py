"""Who a returned workbook is from: its signed metadata, checked against the campaign.

A return is identified by content, never by file name. The very hidden metadata sheet
names the campaign, the form kind and the subject; its HMAC (campaign secret) proves
nobody changed them. A file that fails any of these checks is *rejected*: it is not a
usable form of this campaign, so none of its values are stored as a return.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from kaohe_xl.forms import layout
from kaohe_xl.problems import Problem
from kaohe_xl.rubric.model import FormKind, Roster, Rubric, Unit

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

    def unit_ids(self) -> set[str]:
        return {unit.id for unit in self.units}

    def keys_for(self, kind: FormKind | None) -> set[str]:
        """The ids the 编号 column must hold: item ids, or unit ids on rater and tally sheets."""
        if kind in (FormKind.RATER, FormKind.BALLOT):
            return self.unit_ids()
        return {item.id for item in self.rubric.items}


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


def identify(meta: Mapping[str, str], expected: Expected, file: str = "") -> Identity | Problem:
    """Who a return is from, by its signed metadata; a rejecting Problem when it is not ours."""
    if not meta:
        return Problem(
            "not_a_form", "不是本系统下发的考核表（缺少隐藏的标识表）：请使用下发的表格填写后发送", file=file
        )
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
    known = {
        FormKind.SELF: expected.unit_ids(),
        FormKind.ASSESSOR: {unit.assessor_group for unit in expected.units},
        FormKind.RATER: {r for s in rubric.sources_of(FormKind.RATER) for r in s.raters},
        FormKind.BALLOT: {unit.assessor_group for unit in expected.units},
    }[kind]
    if subject not in known:
        return Problem(
            "unknown_subject",
            f"表格所属的“{subject}”不在本次考核的名单中（名单可能已修改）：请核对单位名单或重新生成表格",
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


def rubric_outdated(meta: Mapping[str, str], rubric: Rubric) -> bool:
    """True when the form was generated from another version of the rubric."""
    return meta.get(layout.META_RUBRIC_HASH, "") != rubric.content_hash()
