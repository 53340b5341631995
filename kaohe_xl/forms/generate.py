"""Rubric + units → the scoring workbooks: 自评表, 考核组评分表, 评分表.

::

    report = generate_forms(Campaign.open("2023老干部考核"))
    print(report.summary())

Every workbook follows the contract in :mod:`kaohe_xl.layout` (sheet names, header
labels, defined names, the signed very hidden metadata sheet) and takes its look from
the style template (:mod:`kaohe_xl._styles`).

Speed: a self form is built with openpyxl once per run, with placeholder tokens where
the unit's id, name and signature go; each unit's file is then stamped from it
(:mod:`kaohe_xl._stamp`), about 1 ms per form instead of a full openpyxl build. Rater
forms are stamped the same way per rater. Assessor workbooks (one per group, each with
different sheets and pre-filled self-scores) are built directly.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.workbook.workbook import Workbook

from kaohe_xl.atomic import save_workbook, write_atomic
from kaohe_xl.campaign import Campaign
from kaohe_xl.clock import now_text
from kaohe_xl.forms import layout
from kaohe_xl.forms.items import TableSpec, write_item_sheet
from kaohe_xl.forms.parts import (
    FormContext,
    Value,
    fact_lines,
    protect_workbook,
    step_note,
    write_instructions,
    write_lists,
    write_meta,
    write_unit_cell,
)
from kaohe_xl.forms.rater import build_rater_workbook
from kaohe_xl.forms.styles import load_styles
from kaohe_xl.progress import progress as progress_bar
from kaohe_xl.rubric.model import FormKind, ItemKind, Rubric, Unit
from kaohe_xl.store.status import latest_records
from kaohe_xl.textnorm import format_decimal
from kaohe_xl.xlsx.stamp import Prototype, token

__all__ = [
    "GenerateReport",
    "build_assessor_workbook",
    "build_self_workbook",
    "form_context",
    "generate_assessor_forms",
    "generate_forms",
    "generate_rater_forms",
    "generate_self_form",
]

SELF_SPEC = TableSpec(
    columns=layout.SELF_COLUMNS,
    score=layout.H_SELF_SCORE,
    remark=layout.H_SELF_NOTE,
    totals=(layout.H_SELF_SCORE,),
)
ASSESSOR_SPEC = TableSpec(
    columns=layout.ASSESSOR_COLUMNS,
    score=layout.H_ASSESSOR_SCORE,
    remark=layout.H_REASON,
    totals=(layout.H_SELF_SCORE, layout.H_ASSESSOR_SCORE),
    readonly=layout.H_SELF_SCORE,
    signatures=("考核组成员签字：", "考核日期：        年    月    日"),
)


def self_steps(rubric: Rubric) -> tuple[str, ...]:
    """The numbered steps of the 自评表 说明 sheet (step 3 states this rubric's 步长)."""
    return (
        "请在“自评表”工作表中黄色底色的单元格内填写“自评得分”和“自评说明（佐证材料）”，其他单元格已锁定。",
        "基础项目和加分项目填写所得分数（0 到本项分值之间）；扣分项目填写扣减的分数，为正数（例如扣 2 分填 2）；否决项目从下拉列表中选择“是”或“否”。",
        f"{step_note(rubric)}。填写错误的单元格会显示为红色。",
        "表中小计、基础分、加分、扣分和总分由公式自动计算，仅供参考，以考核组核定为准。",
        "请勿重命名、删除或增加工作表，请勿插入、删除行列，请勿修改考核内容和分值；不要把内容复制到新建的工作簿中再提交。",
        "填好后保存为 .xlsx 格式（不要另存为 .xls 或 .et），在截止日期前通过电子邮件发回；如需修改，重新发送即可，以最后一次为准。",
        "打印后由单位负责人签字，签字扫描件与佐证材料一并报送。",
    )


def assessor_steps(rubric: Rubric) -> tuple[str, ...]:
    """The numbered steps of the 考核组评分表 说明 sheet (step 5 states the 步长)."""
    return (
        "先在本页“评分人”一格填写您的姓名；同组多位评分人各填一份，分别发回，系统按姓名区分并取平均。",
        "每个被考核单位一张工作表。请在黄色底色的单元格内填写“考核得分”和“扣分原因”，其他单元格已锁定。",
        "“自评得分”一列是该单位已报送的自评分，仅供参考；空白表示生成本表时尚未收到自评表。",
        "基础项目和加分项目填写所得分数（0 到本项分值之间）；扣分项目填写扣减的分数，为正数；否决项目选择“是”或“否”。未得满分的项目请写明扣分原因。",
        f"{step_note(rubric)}。填写错误的单元格会显示为红色。",
        "表中小计和总分由公式自动计算，仅供参考；最终得分由汇总程序按细则重新计算。",
        "请勿重命名、删除或增加工作表，请勿插入、删除行列，请勿修改考核内容和分值。",
        "填好后保存为 .xlsx 格式，通过电子邮件发回；如需修改，重新发送即可，以最后一次为准。",
    )


@dataclass
class GenerateReport:
    """What :func:`generate_forms` wrote, by form kind, and how long it took."""

    written: dict[FormKind, list[Path]] = field(default_factory=dict)
    elapsed: float = 0.0
    prefilled_units: int = 0  # assessor sheets that show collected self-scores

    def paths(self, kind: FormKind) -> list[Path]:
        return self.written.get(kind, [])

    @property
    def total(self) -> int:
        return sum(len(paths) for paths in self.written.values())

    def summary(self) -> str:
        """One line for the CLI, e.g. ``已生成 3 份表格：自评表 3 份，用时 0.1 秒``."""
        parts = [f"{kind.label} {len(paths)} 份" for kind, paths in self.written.items()]
        text = f"已生成 {self.total} 份表格：{'，'.join(parts) or '无'}，用时 {self.elapsed:.1f} 秒"
        if FormKind.ASSESSOR in self.written:
            text += f"（考核组评分表中已填入 {self.prefilled_units} 个单位的自评得分）"
        return text


def form_context(campaign: Campaign, generated_at: str | None = None) -> FormContext:
    """The per-run context: rubric, styles (campaign template first), identity, time."""
    return FormContext(
        rubric=campaign.rubric,
        styles=load_styles(campaign.root),
        campaign_id=campaign.id,
        secret=campaign.secret,
        generated_at=generated_at or now_text(),
    )


def generate_forms(
    campaign: Campaign, kinds: Iterable[FormKind] | None = None, *, progress: bool = False
) -> GenerateReport:
    """Write the forms of the given kinds (default: all) into ``campaign.forms_dir``.

    Existing forms are replaced (atomically: a file is either the old or the new one).
    Rater forms are written only when the rubric has rater-form sources. ``progress``
    draws a bar per form kind on the terminal when there are many files
    (:mod:`kaohe_xl._progress`).
    """
    started = time.perf_counter()
    wanted = list(kinds) if kinds is not None else list(FormKind)
    ctx = form_context(campaign)
    report = GenerateReport()
    if FormKind.SELF in wanted:
        report.written[FormKind.SELF] = _generate_self(campaign, ctx, campaign.units, progress)
    if FormKind.ASSESSOR in wanted:
        report.written[FormKind.ASSESSOR], report.prefilled_units = _generate_assessor(campaign, ctx, progress)
    if FormKind.RATER in wanted:
        report.written[FormKind.RATER] = _generate_rater(campaign, ctx, progress)
    report.elapsed = time.perf_counter() - started
    return report


def generate_self_form(campaign: Campaign, unit: Unit) -> Path:
    """Write one unit's 自评表 (a direct openpyxl build) and return its path."""
    path = campaign.form_path(FormKind.SELF, unit.id, unit.name)
    save_workbook(build_self_workbook(form_context(campaign), unit.id, unit.name), path)
    return path


def generate_assessor_forms(campaign: Campaign) -> list[Path]:
    """Write one 考核组评分表 per assessor group; self-scores collected so far are shown."""
    return _generate_assessor(campaign, form_context(campaign), False)[0]


def generate_rater_forms(campaign: Campaign) -> list[Path]:
    """Write one 评分表 per rater of every rater-form source (none without such sources)."""
    return _generate_rater(campaign, form_context(campaign), False)


# ---- self forms ----------------------------------------------------------------------------
def _self_source(ctx: FormContext, kind: FormKind) -> str:
    sources = ctx.rubric.sources_of(kind)
    return sources[0].name if sources else ""


def build_self_workbook(ctx: FormContext, unit_id: str, unit_name: str, signature: str | None = None) -> Workbook:
    """The 自评表 of one unit; ``unit_id``/``unit_name``/``signature`` may be placeholders."""
    settings = ctx.rubric.settings
    wb = Workbook()
    notes = wb.active
    assert notes is not None
    notes.title = layout.INSTRUCTIONS_SHEET
    facts = [("填报单位", f"{unit_name}（编号：{unit_id}）"), *fact_lines(ctx)]
    write_instructions(notes, ctx, f"{FormKind.SELF.label}填表说明", facts, self_steps(ctx.rubric))
    ws = wb.create_sheet(layout.SELF_SHEET)
    info = f"填报单位：{unit_name}（编号：{unit_id}）    满分：{format_decimal(settings.full_marks)} 分"
    if settings.deadline:
        info += f"    截止日期：{settings.deadline}"
    lines = [("title", ctx.title), ("subtitle", FormKind.SELF.label), ("info", info)]
    write_item_sheet(ws, ctx, SELF_SPEC, lines)
    _finish(wb, ctx, ctx.meta(FormKind.SELF, unit_id, unit_name, source=_self_source(ctx, FormKind.SELF)), signature)
    return wb


def _finish(wb: Workbook, ctx: FormContext, meta: dict[str, str], signature: str | None) -> None:
    if any(item.kind is ItemKind.VETO for item in ctx.rubric.items):
        write_lists(wb)
    meta[layout.META_SIGNATURE] = ctx.sign(meta) if signature is None else signature
    write_meta(wb, meta)
    protect_workbook(wb, ctx.password)


def self_prototype(ctx: FormContext) -> Prototype:
    """The 自评表 with placeholders for the unit id, unit name and signature."""
    return Prototype(build_self_workbook(ctx, token("ID"), token("NAME"), token("SIG")))


def stamp_self(ctx: FormContext, prototype: Prototype, unit: Unit) -> bytes:
    """One unit's 自评表 bytes from the prototype (same content as a direct build)."""
    meta = ctx.meta(FormKind.SELF, unit.id, unit.name, source=_self_source(ctx, FormKind.SELF))
    return prototype.stamp({"ID": unit.id, "NAME": unit.name, "SIG": ctx.sign(meta)})


def _generate_self(campaign: Campaign, ctx: FormContext, units: list[Unit], progress: bool) -> list[Path]:
    prototype = self_prototype(ctx)
    paths = []
    for unit in progress_bar(units, FormKind.SELF.label, enabled=progress):
        path = campaign.form_path(FormKind.SELF, unit.id, unit.name)
        write_atomic(path, stamp_self(ctx, prototype, unit))
        paths.append(path)
    return paths


# ---- assessor forms ------------------------------------------------------------------------
def build_assessor_workbook(
    ctx: FormContext, group: str, units: list[Unit], prefill: Mapping[str, Mapping[str, Value]] | None = None
) -> Workbook:
    """The 考核组评分表 of one group: a 说明 sheet with the 评分人 cell, one sheet per unit."""
    prefill = prefill or {}
    wb = Workbook()
    notes = wb.active
    assert notes is not None
    notes.title = layout.INSTRUCTIONS_SHEET
    names = "、".join(u.name for u in units)
    facts = [("考核组", group), ("被考核单位", names), *fact_lines(ctx)]
    write_instructions(
        notes, ctx, f"{FormKind.ASSESSOR.label}填表说明", facts, assessor_steps(ctx.rubric), assessor_input=True
    )
    taken = {layout.INSTRUCTIONS_SHEET, layout.LISTS_SHEET, layout.META_SHEET}
    pairs: list[tuple[str, str]] = []
    full = format_decimal(ctx.rubric.settings.full_marks)
    for unit in units:
        title = layout.assessor_sheet_title(unit.id, unit.name, taken)
        taken.add(title)
        pairs.append((title, unit.id))
        ws = wb.create_sheet(title)
        info = f"被考核单位：{unit.name}（编号：{unit.id}）    考核组：{group}    满分：{full} 分"
        lines = [("title", ctx.title), ("subtitle", FormKind.ASSESSOR.label), ("info", info)]
        header = write_item_sheet(ws, ctx, ASSESSOR_SPEC, lines, prefill.get(unit.id))
        write_unit_cell(ws, header - 1, len(ASSESSOR_SPEC.columns) + 1, unit.id, ctx.styles["info"])
    meta = ctx.meta(
        FormKind.ASSESSOR,
        group,
        group,
        sheets=layout.encode_sheet_map(pairs),
        source=_self_source(ctx, FormKind.ASSESSOR),
        units=layout.encode_units([(unit.id, unit.name) for unit in units]),
    )
    _finish(wb, ctx, meta, None)
    return wb


def self_scores(campaign: Campaign) -> dict[str, dict[str, Value]]:
    """``{unit id: {item id: value}}`` from each unit's latest valid self return.

    What the read-only 自评得分 column shows: numbers as Decimal, 否决 items as 是/否;
    blank cells and units without a valid return are left out.
    """
    out: dict[str, dict[str, Value]] = {}
    for record in latest_records(campaign, FormKind.SELF):
        if record.veto is not None:
            value: Value = layout.veto_text(record.veto)
        elif record.value is not None:
            value = record.value
        else:
            continue
        out.setdefault(record.unit_id, {})[record.key] = value
    return out


def _generate_assessor(campaign: Campaign, ctx: FormContext, progress: bool) -> tuple[list[Path], int]:
    prefill = self_scores(campaign)
    groups = campaign.assessor_groups()
    paths = []
    shown = 0
    for group, units in progress_bar(list(groups.items()), FormKind.ASSESSOR.label, enabled=progress):
        path = campaign.form_path(FormKind.ASSESSOR, group, group)
        save_workbook(build_assessor_workbook(ctx, group, units, prefill), path)
        paths.append(path)
        shown += sum(1 for unit in units if unit.id in prefill)
    return paths, shown


# ---- rater forms ---------------------------------------------------------------------------
def rater_path(campaign: Campaign, source_name: str, rater: str) -> Path:
    """``班子评分_张三_评分表.xlsx``: the source name keeps raters of two sources apart."""
    return campaign.form_path(FormKind.RATER, rater, f"{source_name}_{rater}")


def _generate_rater(campaign: Campaign, ctx: FormContext, progress: bool) -> list[Path]:
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
