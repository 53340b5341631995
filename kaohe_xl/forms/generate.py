"""Rubric + units → the scoring workbooks: 自评表, 考核组评分表, 评分表, 民主测评表.

::

    report = generate_forms(Campaign.open("2023老干部考核"))
    print(report.summary())

Every workbook follows the contract in :mod:`kaohe_xl.layout` (sheet names, header
labels, defined names, the signed very hidden metadata sheet) and takes its look from
the style template (:mod:`kaohe_xl._styles`).

Speed: a self form is built with openpyxl once (:mod:`kaohe_xl.forms.self_form`), with
placeholder tokens where the unit's id, name, signature and the run's times go, and kept
in the campaign until what it is built from changes (:mod:`kaohe_xl.forms.prototypes`);
each unit's file is then stamped from it (:mod:`kaohe_xl.xlsx.stamp`), well under 1 ms
per form instead of a full openpyxl build, and a run with a kept prototype never loads
openpyxl.
Rater forms are stamped the same way per rater. Assessor workbooks (one per group and
round, and per named assessor of a group with a roster) get their unit sheets stamped
from one built per run (:mod:`kaohe_xl.forms.assessor`); the 民主测评 workbooks are
built directly (:mod:`kaohe_xl.forms.ballot`).

A scheme without a 自评表 source gets no 自评表 and no 自评得分 column.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kaohe_xl.atomic import write_atomic
from kaohe_xl.campaign import Campaign
from kaohe_xl.clock import now_text
from kaohe_xl.errors import CampaignError
from kaohe_xl.forms import layout
from kaohe_xl.forms.context import FormContext
from kaohe_xl.forms.prototypes import CACHE_DIR, self_prototype, stamp_self
from kaohe_xl.progress import progress as progress_bar
from kaohe_xl.rubric.model import FormKind, Rubric, Source, Unit
from kaohe_xl.store.records import ScoreRecord
from kaohe_xl.store.status import latest_records
from kaohe_xl.workers import Workers, worker_count
from kaohe_xl.xlsx.stamp import Prototype, token

if TYPE_CHECKING:
    from kaohe_xl.forms.assessor import assessor_spec, assessor_title, build_assessor_workbook
    from kaohe_xl.forms.self_form import SELF_SPEC, build_self_workbook
    from kaohe_xl.xlsx.cells import Value

__all__ = [
    "SELF_SPEC",
    "GenerateReport",
    "assessor_spec",
    "assessor_title",
    "build_assessor_workbook",
    "build_self_workbook",
    "form_context",
    "generate_assessor_forms",
    "generate_forms",
    "generate_rater_forms",
    "generate_self_form",
    "self_prototype",
    "stamp_self",
]
# The builders need openpyxl: imported on first use, so that a run stamping a kept
# 自评表 prototype (kaohe_xl.forms.prototypes) never loads it.
_BUILDERS = {
    "assessor_spec": "assessor",
    "assessor_title": "assessor",
    "build_assessor_workbook": "assessor",
    "SELF_SPEC": "self_form",
    "build_self_workbook": "self_form",
}


def __getattr__(name: str) -> object:
    module = _BUILDERS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"kaohe_xl.forms.{module}"), name)


@dataclass
class GenerateReport:
    """What :func:`generate_forms` wrote, by form kind, and how long it took."""

    written: dict[FormKind, list[Path]] = field(default_factory=dict)
    elapsed: float = 0.0
    prefilled_units: int = 0  # assessor sheets that show collected self-scores
    ballots: list[Path] = field(default_factory=list)  # printable 民主测评票, one per unit
    notes: list[str] = field(default_factory=list)  # kinds asked for that the scheme does not use
    self_assessment: bool = True  # False: the scheme has no 自评, nothing to pre-fill

    def paths(self, kind: FormKind) -> list[Path]:
        return self.written.get(kind, [])

    @property
    def total(self) -> int:
        return sum(len(paths) for paths in self.written.values())

    def summary(self) -> str:
        """One line for the CLI, e.g. ``已生成 3 份表格：自评表 3 份，用时 0.1 秒``."""
        parts = [f"{kind.label} {len(paths)} 份" for kind, paths in self.written.items()]
        if self.ballots:
            parts.append(f"民主测评票 {len(self.ballots)} 份（打印用）")
        text = f"已生成 {self.total} 份表格：{'，'.join(parts) or '无'}，用时 {self.elapsed:.1f} 秒"
        if FormKind.ASSESSOR in self.written and self.self_assessment:
            text += f"（考核组评分表中已填入 {self.prefilled_units} 个单位的自评得分）"
        return "；".join([text, *self.notes])


def form_context(campaign: Campaign, generated_at: str | None = None) -> FormContext:
    """The per-run context: rubric, styles (campaign template first), identity, time."""
    return FormContext(
        rubric=campaign.rubric,
        campaign_id=campaign.id,
        secret=campaign.secret,
        generated_at=generated_at or now_text(),
        root=campaign.root,
    )


def generate_forms(
    campaign: Campaign,
    kinds: Iterable[FormKind] | None = None,
    *,
    progress: bool = False,
    source: str | None = None,
) -> GenerateReport:
    """Write the forms of the given kinds (default: all) into ``campaign.forms_dir``.

    Existing forms are replaced (atomically: a file is either the old or the new one).
    Rater forms are written only when the rubric has rater-form sources, 民主测评 forms
    (the tally per group and a printable ballot per unit) only with a 民主测评表 source,
    自评表 only with a 自评表 source. ``source`` limits the 考核组评分表 to one round
    (e.g. ``专项督查``); without it every round is written. ``progress`` draws a bar per
    form kind on the terminal when there are many files (:mod:`kaohe_xl.progress`).
    """
    started = time.perf_counter()
    wanted = list(kinds) if kinds is not None else list(FormKind)
    rounds = _rounds(campaign.rubric, source)
    ctx = form_context(campaign)
    report = GenerateReport()
    for kind in wanted:
        if kind in (FormKind.SELF, FormKind.BALLOT) and not campaign.rubric.sources_of(kind):
            if kinds is not None:  # asked for by name: say why there are none
                report.notes.append(f"考核细则没有{kind.label}来源，未生成{kind.label}")
            continue
        if kind is FormKind.SELF:
            report.written[kind] = _generate_self(campaign, ctx, campaign.units, progress)
        elif kind is FormKind.ASSESSOR:
            report.written[kind], report.prefilled_units = _generate_assessor(campaign, ctx, progress, rounds)
        elif kind is FormKind.RATER:
            report.written[kind] = _generate_rater(campaign, ctx, progress)
        else:
            from kaohe_xl.forms.ballot import generate_ballots

            report.written[kind], report.ballots = generate_ballots(campaign, ctx)
    report.self_assessment = campaign.rubric.self_source is not None
    report.elapsed = time.perf_counter() - started
    return report


def _rounds(rubric: Rubric, source: str | None) -> tuple[Source, ...]:
    """The 考核组评分表 sources to write: all, or the one named (CampaignError otherwise)."""
    rounds = rubric.sources_of(FormKind.ASSESSOR)
    if source is None:
        return rounds
    chosen = tuple(s for s in rounds if s.name == source)
    if not chosen:
        names = "、".join(s.name for s in rounds)
        raise CampaignError(f"考核细则中没有考核组评分表来源“{source}”（现有：{names}）：请用“来源”表中的名称")
    return chosen


def generate_self_form(campaign: Campaign, unit: Unit) -> Path:
    """Write one unit's 自评表 (a direct openpyxl build) and return its path."""
    from kaohe_xl.forms.self_form import build_self_workbook
    from kaohe_xl.xlsx.sheetwriter import workbook_bytes

    path = campaign.form_path(FormKind.SELF, unit.id, unit.name)
    write_atomic(path, workbook_bytes(build_self_workbook(form_context(campaign), unit.id, unit.name)))
    return path


def generate_assessor_forms(campaign: Campaign, source: str | None = None) -> list[Path]:
    """Write the 考核组评分表 of every group (and round, and named assessor); self-scores
    collected so far are shown. ``source`` limits them to one round."""
    return _generate_assessor(campaign, form_context(campaign), False, _rounds(campaign.rubric, source))[0]


def generate_rater_forms(campaign: Campaign) -> list[Path]:
    """Write one 评分表 per rater of every rater-form source (none without such sources)."""
    return _generate_rater(campaign, form_context(campaign), False)


# ---- self forms ----------------------------------------------------------------------------
def _generate_self(campaign: Campaign, ctx: FormContext, units: list[Unit], progress: bool) -> list[Path]:
    # One process: a 自评表 is stamped in ~0.3 ms and its writing is most of the rest;
    # worker processes writing into the same folder measured no faster.
    prototype = self_prototype(ctx, campaign.forms_dir / CACHE_DIR)
    paths = []
    for unit in progress_bar(units, FormKind.SELF.label, enabled=progress):
        path = campaign.form_path(FormKind.SELF, unit.id, unit.name)
        write_atomic(path, stamp_self(ctx, prototype, unit))
        paths.append(path)
    return paths


# 考核组评分表 are built and written in worker processes (kaohe_xl.workers) when there are
# enough of them to pay for starting the workers.
MIN_ASSESSOR_BOOKS = 4  # a 考核组评分表 of 50 units takes ~0.2 s


# ---- assessor forms ------------------------------------------------------------------------
def self_scores(campaign: Campaign) -> dict[str, dict[str, Value]]:
    """``{unit id: {item id: value}}`` from each unit's latest valid self return.

    What the read-only 自评得分 column shows: numbers as Decimal, 否决 items as 是/否;
    blank cells and units without a valid return are left out.
    """
    return _self_returns(latest_records(campaign, FormKind.SELF))[0]


def self_notes(campaign: Campaign) -> dict[str, dict[str, str]]:
    """``{unit id: {item id: 自评说明}}`` from each unit's latest valid self return."""
    return _self_returns(latest_records(campaign, FormKind.SELF))[1]


def _self_returns(records: Iterable[ScoreRecord]) -> tuple[dict[str, dict[str, Value]], dict[str, dict[str, str]]]:
    """:func:`self_scores` and :func:`self_notes` from one read of the latest self records."""
    scores: dict[str, dict[str, Value]] = {}
    notes: dict[str, dict[str, str]] = {}
    for record in records:
        if record.remark:
            notes.setdefault(record.unit_id, {})[record.key] = record.remark
        if record.veto is not None:
            value: Value = layout.veto_text(record.veto)
        elif record.value is not None:
            value = record.value
        else:
            continue
        scores.setdefault(record.unit_id, {})[record.key] = value
    return scores, notes


def assessor_paths(campaign: Campaign, group: str, rounds: tuple[Source, ...] | None = None) -> list[Path]:
    """Every 考核组评分表 of a group: one per round and, with a roster, per named assessor."""
    rounds = campaign.rubric.sources_of(FormKind.ASSESSOR) if rounds is None else rounds
    names = campaign.roster.get(group, ("",))
    return [campaign.assessor_form_path(group, source.name, name) for source in rounds for name in names]


def _generate_assessor(
    campaign: Campaign, ctx: FormContext, progress: bool, rounds: tuple[Source, ...]
) -> tuple[list[Path], int]:
    records = latest_records(campaign, FormKind.SELF) if campaign.rubric.self_source is not None else []
    prefill, remarks = _self_returns(records)
    groups = campaign.assessor_groups()
    jobs = [
        (group, units, source, name)
        for source in rounds
        for group, units in groups.items()
        for name in campaign.roster.get(group, ("",))
    ]
    from kaohe_xl.forms.assessor import AssessorBooks

    run = (campaign, AssessorBooks(ctx), prefill, remarks)
    with Workers(_write_assessor_form, run, worker_count(len(jobs), MIN_ASSESSOR_BOOKS)) as pool:
        paths = list(pool.map(progress_bar(jobs, FormKind.ASSESSOR.label, enabled=progress)))
    # several copies (rounds, named assessors) show the same units: count each unit once
    return paths, sum(1 for unit in campaign.units if unit.id in prefill) if paths else 0


def _write_assessor_form(run: tuple[Any, ...], job: tuple[str, list[Unit], Source, str]) -> Path:
    campaign, books, prefill, remarks = run
    group, units, source, name = job
    path = campaign.assessor_form_path(group, source.name, name)
    write_atomic(path, books.build(group, units, prefill, source, name, remarks))
    return Path(path)


# ---- rater forms ---------------------------------------------------------------------------
def rater_path(campaign: Campaign, source_name: str, rater: str) -> Path:
    """``班子评分_张三_评分表.xlsx``: the source name keeps raters of two sources apart."""
    return campaign.form_path(FormKind.RATER, rater, f"{source_name}_{rater}")


def _generate_rater(campaign: Campaign, ctx: FormContext, progress: bool) -> list[Path]:
    from kaohe_xl.forms.rater import build_rater_workbook

    paths = []
    jobs = [(source, rater) for source in ctx.rubric.sources_of(FormKind.RATER) for rater in source.raters]
    prototypes: dict[str, Prototype] = {}
    for source, rater in progress_bar(jobs, FormKind.RATER.label, enabled=progress):
        if source.name not in prototypes:
            wb = build_rater_workbook(ctx, source, token("RATER"), campaign.units, signature=token("SIG"))
            prototypes[source.name] = Prototype(wb)
        meta = ctx.meta(FormKind.RATER, rater, rater, source=source.name)
        data = prototypes[source.name].stamp({"RATER": rater, "SIG": ctx.sign(meta)})
        path = rater_path(campaign, source.name, rater)
        write_atomic(path, data)
        paths.append(path)
    return paths
