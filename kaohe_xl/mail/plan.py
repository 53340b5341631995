"""Who gets which message: outgoing mail per form kind, checked against the send log.

The send log (table ``send_log``) has one row per attempt and group of addresses. An
address counts as *done* once a row says ``sent``; an address whose last attempt failed
on its own (rejected 550, timeout) waits for ``--retry-failed``, because after a
timeout the server may have delivered the message after all and a blind retry could
send it twice. Failures of the whole run (server unreachable, login refused, sender
refused) happen before any message is transferred, so those addresses count as unsent.
Reminders count per day: ``kaohe remind`` sends again on another day, not twice a day.

A generated blank form is attached only when collect would take it back as generated:
its signed metadata is judged as a return's is (see :func:`form_problem`), so a form
made for an older rubric (``kaohe init --force`` with a changed 细则) is held back with
the reason instead of being sent and coming back as ``rubric_outdated``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from kaohe_xl.collect.identify import Expected, Identity, identify, rubric_outdated
from kaohe_xl.collect.returns import ReturnBook, ReturnReadError
from kaohe_xl.forms.generate import rater_path
from kaohe_xl.mail.config import MailKind, MailSettings, base_placeholders
from kaohe_xl.mail.wording import render
from kaohe_xl.problems import Problem
from kaohe_xl.rubric.model import FormKind, Unit
from kaohe_xl.store.records import ReturnState, UnitState
from kaohe_xl.store.status import collection_status
from kaohe_xl.textnorm import safe_filename

if TYPE_CHECKING:
    from kaohe_xl.campaign import Campaign

SEND_KINDS = (MailKind.SELF, MailKind.ASSESSOR, MailKind.RATER, MailKind.FEEDBACK)
# Error codes (the text before ":" in send_log.error) of failures that hit the whole run
# before any message was transferred: safe to send again without --retry-failed.
RUN_LEVEL_CODES = frozenset({"connect", "auth", "sender"})
FEEDBACK_FOLDER = "反馈表"


@dataclass(frozen=True)
class Outgoing:
    """One message to one recipient (a unit, an assessor group or a rater)."""

    kind: MailKind
    subject_id: str  # unit id, assessor group or rater name (send_log.unit_id)
    recipient: str  # the name shown: unit name, group, rater
    addresses: tuple[str, ...]
    attachments: tuple[Path, ...]
    subject: str
    body: str
    problem: str = ""  # why it cannot be sent (no address, workbook not generated or outdated)
    label: str = ""  # who, for people: "01 东湖村", "第一考核组", "班子评分 张书记"

    @property
    def who(self) -> str:
        """The recipient as printed in ``--dry-run`` lines and error lines."""
        return self.label or f"{self.subject_id} {self.recipient}"


class Action(StrEnum):
    SEND = "send"
    DONE = "done"  # already sent to every address
    FAILED = "failed"  # last attempt failed; sent again only with --retry-failed
    BLOCKED = "blocked"  # cannot be sent: see Outgoing.problem

    @property
    def label(self) -> str:
        return {"send": "待发送", "done": "已发送过", "failed": "上次发送失败", "blocked": "无法发送"}[self.value]


@dataclass(frozen=True)
class Planned:
    """An outgoing message and what this run does with it."""

    out: Outgoing
    action: Action
    addresses: tuple[str, ...]  # the addresses this run sends to
    note: str = ""

    def describe(self) -> str:
        """One line for ``--dry-run``: who, to where, which files, what happens."""
        out = self.out
        files = "、".join(p.name for p in out.attachments) or "无附件"
        to = "，".join(self.addresses or out.addresses) or "（无邮箱）"
        line = f"[{self.action.label}] {out.who} → {to}；附件：{files}"
        if self.action is Action.SEND:
            line += f"；主题：{out.subject}"
        return line + (f"；{self.note}" if self.note else "")


@dataclass
class _Target:
    """One recipient before its texts are filled in."""

    subject_id: str
    name: str
    label: str
    addresses: tuple[str, ...]
    files: list[Path]
    problem: str
    extra: dict[str, str]
    identity: Identity | None = None  # who the attached blank form must be signed for
    identities: list[Identity | None] = field(default_factory=list)  # per file, when several


def _assessor_targets(campaign: Campaign, settings: MailSettings) -> list[_Target]:
    """Per group and round: its 考核组评分表 (a copy per named assessor); per group its
    民主测评表. A round is a message of its own, so a later round is sent when generated."""
    rounds = campaign.rubric.sources_of(FormKind.ASSESSOR)
    targets = []
    for group in campaign.assessor_groups():
        addresses = settings.assessors.get(group, ())
        no_address = "" if addresses else f"campaign.yaml 的 mail.assessors 中没有“{group}”的邮箱，请补上"
        jobs: list[tuple[str, str, list[Path], list[Identity | None]]] = []  # (subject, label, files, ids)
        for source in rounds:
            names = campaign.roster.get(group, ("",))
            paths = [campaign.assessor_form_path(group, source.name, name) for name in names]
            identities: list[Identity | None] = [Identity(FormKind.ASSESSOR, group, name) for name in names]
            if len(rounds) > 1:
                jobs.append((f"{source.name}_{group}", f"{group}（{source.name}）", paths, identities))
            else:
                jobs.append((group, group, paths, identities))
        if campaign.rubric.sources_of(FormKind.BALLOT):
            path = campaign.form_path(FormKind.BALLOT, group, group)
            jobs.append((f"民主测评_{group}", f"{group}（民主测评表）", [path], [Identity(FormKind.BALLOT, group, "")]))
        for subject, label, paths, identities in jobs:
            files = _existing(paths)
            problem = no_address
            if len(files) < len(paths) and not problem:
                missing = next(p for p in paths if p not in files)
                problem = f"找不到 {_rel(campaign, missing)}，请先生成表格"
            kept = [i for p, i in zip(paths, identities, strict=True) if p in files]
            targets.append(_Target(subject, group, label, addresses, files, problem, {"考核组": group}, None, kept))
    return targets


def outgoing(campaign: Campaign, kind: MailKind | str, settings: MailSettings) -> list[Outgoing]:
    """Every message of one kind, in units-list order, with subject and body filled in."""
    kind = MailKind(kind)
    base = base_placeholders(campaign, settings)
    targets: list[_Target] = []
    if kind in (MailKind.SELF, MailKind.REMIND) and campaign.rubric.self_source is None:
        pass  # a scheme without 自评: no 自评表 to send or remind of
    elif kind in (MailKind.SELF, MailKind.FEEDBACK, MailKind.REMIND):
        units = (
            campaign.units
            if kind is not MailKind.REMIND
            else missing_self_units(campaign.units, _self_states(campaign))
        )
        for unit in units:
            extra = {"单位编号": unit.id, "考核组": unit.assessor_group, "分组": unit.group}
            problem = "" if unit.emails else "单位名单中没有该单位的邮箱（邮箱 列）"
            if kind is MailKind.FEEDBACK:
                files = _feedback_files(campaign, unit)
                if not files and not problem:
                    problem = f"找不到反馈表 output/{FEEDBACK_FOLDER}/{unit.id}_*.xlsx，请先生成反馈表"
            else:
                files = _existing([campaign.form_path(FormKind.SELF, unit.id)])
                if not files and kind is MailKind.SELF and not problem:
                    problem = f"找不到自评表 {_rel(campaign, campaign.form_path(FormKind.SELF, unit.id))}，请先生成表格"
            identity = None if kind is MailKind.FEEDBACK else Identity(FormKind.SELF, unit.id, "")
            label = f"{unit.id} {unit.name}"
            targets.append(_Target(unit.id, unit.name, label, unit.emails, files, problem, extra, identity))
    elif kind is MailKind.ASSESSOR:
        targets.extend(_assessor_targets(campaign, settings))
    elif kind is MailKind.RATER:
        for source in campaign.rubric.sources_of(FormKind.RATER):
            for rater in source.raters:
                addresses = settings.raters.get(rater, ())
                path = rater_path(campaign, source.name, rater)
                problem = "" if addresses else f"campaign.yaml 的 mail.raters 中没有“{rater}”的邮箱，请补上"
                files = _existing([path])
                if not files and not problem:
                    problem = f"找不到评分表 {_rel(campaign, path)}，请先生成表格"
                extra = {"评分人": rater, "评分项目": source.name}
                label, identity = f"{source.name} {rater}", Identity(FormKind.RATER, source.name, rater)
                targets.append(
                    _Target(f"{source.name}_{rater}", rater, label, addresses, files, problem, extra, identity)
                )
    else:
        raise ValueError(f"unknown mail kind {kind!r}")
    # Blank forms carry signed metadata and are checked before attaching; 反馈表 (identity
    # None) are plain result workbooks written by `kaohe feedback`, with nothing to check.
    expected = Expected(campaign.id, campaign.secret, campaign.rubric, tuple(campaign.units), campaign.roster)
    for target in targets:
        identities = target.identities or [target.identity] * len(target.files)
        for path, identity in zip(target.files, identities, strict=True):
            if identity is not None and not target.problem:
                target.problem = form_problem(campaign, path, expected, identity)
    subject_template, body_template = settings.templates[kind]
    result = []
    for t in targets:
        values = {**base, "单位名称": t.name, "附件": "、".join(p.name for p in t.files) or "无", **t.extra}
        subject = render(subject_template, values, f"mail.templates.{kind}.subject")
        if settings.tag not in subject:
            subject = f"{settings.tag} {subject}"
        body = render(body_template, values, f"mail.templates.{kind}.body")
        result.append(
            Outgoing(kind, t.subject_id, t.name, t.addresses, tuple(t.files), subject, body, t.problem, t.label)
        )
    return result


def form_problem(campaign: Campaign, path: Path, expected: Expected, identity: Identity) -> str:
    """Why the generated blank form at ``path`` must not be sent to ``identity``; '' when it may.

    Only the form's signed metadata is read, and judged as collect judges a return's:
    :func:`kaohe_xl.identify.identify` (this campaign, signature intact) and the
    ``rubric_outdated`` rule of :func:`kaohe_xl.validate.check_return` (the rubric hash
    stamped at generation must be the campaign's current one). A form for somebody else
    (files copied between folders by hand) is held back too: each recipient gets exactly
    its own workbook.
    """
    where = _rel(campaign, path)
    regenerate = "请先运行 kaohe generate 重新生成"
    try:
        with ReturnBook.open(path.read_bytes(), path.name) as book:
            meta = book.metadata()
    except (OSError, ReturnReadError) as exc:
        return f"表格 {where} 无法读取（{exc}），{regenerate}"
    found = identify(meta, expected, path.name)
    if isinstance(found, Problem):
        return f"表格 {where} 不能用于本次考核（{found.message}），{regenerate}"
    if found != identity:
        return f"表格 {where} 是为“{found.rater or found.subject_id}”生成的，不是本收件人的表格，{regenerate}"
    if rubric_outdated(meta, expected.rubric):
        return f"表格 {where} 是按旧的考核细则生成的（细则已修改），{regenerate}"
    return ""


def missing_self_units(units: Iterable[Unit], states: Iterable[UnitState]) -> list[Unit]:
    """Units whose 自评表 has not arrived (state missing, or no state at all)."""
    received = {s.unit_id for s in states if s.form is FormKind.SELF and s.state is not ReturnState.MISSING}
    return [unit for unit in units if unit.id not in received]


def _self_states(campaign: Campaign) -> list[UnitState]:

    return [s for s in collection_status(campaign) if s.form is FormKind.SELF]


def plan(
    conn: sqlite3.Connection, messages: Iterable[Outgoing], *, force: bool = False, retry_failed: bool = False
) -> list[Planned]:
    """Decide, from the send log, what this run sends to whom (see the module doc)."""
    today = date.today().isoformat()
    planned = []
    for out in messages:
        if out.problem:
            planned.append(Planned(out, Action.BLOCKED, (), out.problem))
            continue
        state = _address_states(conn, out, today if out.kind is MailKind.REMIND else "")
        if force:
            planned.append(Planned(out, Action.SEND, out.addresses))
            continue
        todo = []
        waiting = []
        for address in out.addresses:
            status, code = state.get(address.lower(), ("", ""))
            if status == "sent":
                continue
            if status == "failed" and code not in RUN_LEVEL_CODES and not retry_failed:
                waiting.append(address)
                continue
            todo.append(address)
        if todo:
            note = f"另有 {len(waiting)} 个地址上次失败，加 --retry-failed 重试" if waiting else ""
            planned.append(Planned(out, Action.SEND, tuple(todo), note))
        elif waiting:
            planned.append(Planned(out, Action.FAILED, (), "上次发送失败，确认原因后加 --retry-failed 重试"))
        else:
            planned.append(Planned(out, Action.DONE, (), "已发送过，如需重发请加 --force"))
    return planned


def _address_states(conn: sqlite3.Connection, out: Outgoing, day: str) -> dict[str, tuple[str, str]]:
    """address (lower case) -> (status, error code): 'sent' if any attempt succeeded, else the last."""
    rows = conn.execute(
        "SELECT addresses, status, error, sent_at FROM send_log WHERE unit_id = ? AND form_kind = ? ORDER BY id",
        (out.subject_id, out.kind),
    ).fetchall()
    state: dict[str, tuple[str, str]] = {}
    for row in rows:
        if day and not str(row["sent_at"]).startswith(day):
            continue
        code = str(row["error"]).partition(":")[0].strip()
        for address in str(row["addresses"]).split(","):
            key = address.strip().lower()
            if key and state.get(key, ("",))[0] != "sent":
                state[key] = (str(row["status"]), code)
    return state


def _feedback_files(campaign: Campaign, unit: Unit) -> list[Path]:
    folder = campaign.output_dir / FEEDBACK_FOLDER
    if not folder.is_dir():
        return []
    prefix = safe_filename(unit.id) + "_"
    return sorted(p for p in folder.glob("*.xlsx") if p.name.startswith(prefix) and not p.name.startswith("~$"))


def _existing(paths: list[Path]) -> list[Path]:
    return [p for p in paths if p.is_file()]


def _rel(campaign: Campaign, path: Path) -> str:
    try:
        return path.relative_to(campaign.root).as_posix()
    except ValueError:
        return str(path)
