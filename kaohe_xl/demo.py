"""``kaohe demo``: the whole assessment cycle on a bundled sample (default 南昌).

init → generate 自评表 → units fill and return them (one late, one bad file, one not a
form at all) → collect → generate 考核组评分表 (pre-filled with the collected self-scores)
→ assessors score (two assessors in one group, with realistic disagreements) → collect →
summary (+ PDF when LibreOffice is installed) → feedback → export → for 南昌, the
comparison with the earlier years the sample keeps (与上年对比).

``--sample 动力厂党建`` runs its two rounds (专项督查, 年终考核) and its 扣分制, 取高组 and
扣分后 rules; ``--sample 新庄镇综合考核`` has no 自评: the 考核组, seven leaders' 评分表 and
the 民主测评 tallies that fill its 5-point item. The simulated scores come from a seeded
random generator, so every run gives the same figures.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path

from kaohe_xl.addin.control import missing_lines, record_action, write_control_workbook
from kaohe_xl.analysis.matching import Match
from kaohe_xl.campaign import Campaign
from kaohe_xl.collect.run import collect
from kaohe_xl.errors import CampaignError
from kaohe_xl.forms.fill import CellValue, fill_assessor_form, fill_rater_form, fill_self_form, fill_tally_form
from kaohe_xl.forms.generate import GenerateReport, generate_forms, rater_path
from kaohe_xl.output.compare import write_comparison
from kaohe_xl.output.export import export_results
from kaohe_xl.output.feedback import write_feedback
from kaohe_xl.output.summary import write_summary
from kaohe_xl.rubric.model import FormKind, Item, ItemKind, Rubric, Unit
from kaohe_xl.xlsx.libreoffice import find_soffice

SAMPLE = "南昌老干部"
SAMPLES = ("南昌老干部", "动力厂党建", "新庄镇综合考核")
MARKER = ".kaohe-demo"  # a folder holding this file was made by the demo and may be replaced
SEED = 2023
# Earlier years a sample may keep, last year first, and its 单位对照表 (上年单位 → 本年单位).
EARLIER_YEARS = ("2022年结果快照.json", "2021年汇总表.xlsx")
MAPPING_FILE = "单位对照表.xlsx"

_REASONS = (
    "会议记录不全",
    "台账资料缺失",
    "未提供佐证材料",
    "活动次数不足",
    "材料与自评不符",
)


@dataclass
class DemoReport:
    """Where the demo put everything, and what it saw on the way."""

    root: Path
    steps: list[str] = field(default_factory=list)
    outputs: dict[str, Path] = field(default_factory=dict)


@dataclass
class _Run:
    """One demo run: the campaign, the numbered steps, the seeded random generator."""

    campaign: Campaign
    report: DemoReport
    say: Callable[[str], None]
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    claimed: dict[str, dict[str, CellValue]] = field(default_factory=dict)  # self-scores by unit

    def step(self, text: str) -> None:
        text = f"{len(self.report.steps) + 1}. {text}"
        self.report.steps.append(text)
        self.say(text)

    def inbox(self, name: str) -> Path:
        folder = self.campaign.root / "demo_returns" / name
        folder.mkdir(parents=True)
        return folder


def samples_dir() -> Path:
    """The bundled samples folder (installed as package data ``kaohe_xl.samples``)."""
    return Path(str(resources.files("kaohe_xl.samples")))


def run_demo(
    target: str | Path = "kaohe-demo",
    *,
    pdf: bool | None = None,
    say: Callable[[str], None] = print,
    sample: str = SAMPLE,
) -> DemoReport:
    """Run the whole cycle on ``sample`` into ``target`` and return where the outputs are.

    ``target`` must not exist, or be a folder an earlier demo made (it is replaced).
    ``pdf``: None renders the PDF when LibreOffice is installed; True requires it.
    """
    if sample not in SAMPLES:
        raise CampaignError(f"没有名为“{sample}”的示例，可选：{'、'.join(SAMPLES)}")
    root = Path(target)
    _prepare(root)
    source = samples_dir() / sample
    campaign = Campaign.init(root, source / "细则.xlsx", source / "单位.xlsx")
    write_control_workbook(campaign)
    (root / MARKER).write_text("made by kaohe demo\n", encoding="utf-8")
    run = _Run(campaign, DemoReport(root), say)
    rubric = campaign.rubric
    run.step(f"创建考核目录：{rubric.settings.name}，{len(rubric.items)} 个条目，{len(campaign.units)} 个单位")
    if rubric.self_source is not None:
        _self_round(run)
    else:
        run.step("本方案不设自评（“来源”表中没有自评表），不生成自评表")
    _assessor_round(run)
    _outputs(run, pdf)
    _earlier_years(run, source)
    record_action(campaign, "演示（kaohe demo）", "完成", "\n".join(missing_lines(campaign)))
    return run.report


def _self_round(run: _Run) -> None:
    campaign, rubric = run.campaign, run.campaign.rubric
    generated = generate_forms(campaign, [FormKind.SELF])
    run.step(f"生成自评表 {len(generated.paths(FormKind.SELF))} 份 → {campaign.forms_dir / FormKind.SELF.label}")
    late, bad = campaign.units[-1], campaign.units[-2]
    incoming = run.inbox("round1")
    for n, unit in enumerate(campaign.units, start=1):
        if unit is late:
            continue
        scores = _self_scores(rubric, run.rng)
        if unit is bad:
            scores[rubric.items_of(ItemKind.BASE)[0].id] = "三"  # text where a number belongs
        run.claimed[unit.id] = scores
        # Units name their files however they like; collect identifies them by content.
        name = f"自评表({n}).xlsx" if n % 3 else f"{unit.name}.xlsx"
        fill_self_form(campaign.form_path(FormKind.SELF, unit.id), scores, _notes(rubric, unit), out=incoming / name)
    (incoming / "新建 Microsoft Excel 工作表.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    first = collect(campaign, [incoming])
    run.step(
        f"回收自评表：接收 {first.accepted} 份，拒收 {first.rejected} 份；"
        f"{late.name} 未交（迟交），{bad.name} 的自评表有错误待核实"
    )


def _assessor_round(run: _Run) -> None:
    """The 考核组 (every round), then the leaders' 评分表 and the 民主测评 tallies."""
    campaign, rubric = run.campaign, run.campaign.rubric
    kinds = [FormKind.ASSESSOR, FormKind.RATER, FormKind.BALLOT]
    generated = generate_forms(campaign, [k for k in kinds if rubric.sources_of(k)])
    run.step(_generated_text(rubric, generated))
    incoming = run.inbox("round2")
    vetoed = campaign.units[2] if rubric.items_of(ItemKind.VETO) else None
    for source in rubric.sources_of(FormKind.ASSESSOR):
        for g, (group, units) in enumerate(campaign.assessor_groups().items(), start=1):
            form = campaign.assessor_form_path(group, source.name)
            assessors = ("李明", "赵芳") if g == 1 else ("陈刚",)
            for a, assessor in enumerate(assessors, start=1):
                by_unit: dict[str, dict[str, CellValue]] = {}
                reasons: dict[str, dict[str, str]] = {}
                for unit in units:
                    basis = run.claimed.get(unit.id) or _self_scores(rubric, run.rng)
                    by_unit[unit.id], reasons[unit.id] = _assessor_scores(rubric, basis, run.rng, unit is vetoed)
                rounds = len(rubric.sources_of(FormKind.ASSESSOR)) > 1
                name = f"{source.name}_{group}评分_{a}.xlsx" if rounds else f"{group}评分_{a}.xlsx"
                fill_assessor_form(form, assessor, by_unit, reasons, out=incoming / name)
    _raters_and_tallies(run, incoming)
    second = collect(campaign, [incoming])
    what = "、".join(k.label for k in kinds if rubric.sources_of(k))
    veto = f"；{vetoed.name} 被一票否决（演示）" if vetoed is not None else ""
    run.step(f"回收{what}：接收 {second.accepted} 份{veto}")


def _generated_text(rubric: Rubric, generated: GenerateReport) -> str:
    rounds = rubric.sources_of(FormKind.ASSESSOR)
    notes = [f"{'、'.join(s.name for s in rounds)}各一轮"] if len(rounds) > 1 else []
    if rubric.self_source is not None:
        notes.append("已填入已回收的自评得分")
    text = f"生成考核组评分表 {len(generated.paths(FormKind.ASSESSOR))} 份" + (
        f"（{'，'.join(notes)}）" if notes else ""
    )
    if generated.paths(FormKind.RATER):
        text += f"，评分表 {len(generated.paths(FormKind.RATER))} 份"
    if generated.ballots:
        text += f"，民主测评票 {len(generated.ballots)} 份、民主测评表 {len(generated.paths(FormKind.BALLOT))} 份"
    return text


def _raters_and_tallies(run: _Run, incoming: Path) -> None:
    campaign, rubric, rng = run.campaign, run.campaign.rubric, run.rng
    for source in rubric.sources_of(FormKind.RATER):
        for n, rater in enumerate(source.raters, start=1):
            marks: dict[str, dict[str, CellValue]] = {}
            for unit in campaign.units:
                cut = {c.name: rubric.settings.step * rng.randint(0, 4) for c, _ in rubric.rater_categories(source)}
                marks[unit.id] = {
                    c.name: max(top - cut[c.name], Decimal(0)) for c, top in rubric.rater_categories(source)
                }
            fill_rater_form(rater_path(campaign, source.name, rater), marks, out=incoming / f"评分表_{n}.xlsx")
    if not rubric.sources_of(FormKind.BALLOT):
        return
    for group, units in campaign.assessor_groups().items():
        counts: dict[str, dict[str, CellValue]] = {}
        for unit in units:
            present = rng.randint(30, 36)
            good = rng.randint(present // 2, present - 4)
            fair = rng.randint(1, present - good - 2)
            middling = rng.randint(0, present - good - fair - 1)
            poor = rng.randint(0, 1)
            counts[unit.id] = {"实到人数": present, "好": good, "较好": fair, "一般": middling, "较差": poor}
        tally = campaign.form_path(FormKind.BALLOT, group, group)
        fill_tally_form(tally, counts, out=incoming / f"{group}_民主测评.xlsx")


def _outputs(run: _Run, pdf: bool | None) -> None:
    campaign, report = run.campaign, run.report
    want_pdf = pdf if pdf is not None else find_soffice() is not None
    summary = write_summary(campaign, pdf=want_pdf)
    report.outputs["汇总表"] = summary.path
    if summary.pdf is not None:
        report.outputs["汇总表PDF"] = summary.pdf
    if summary.pdf:
        pdf_note = f"，PDF → {summary.pdf}"
    else:
        pdf_note = "（未安装 LibreOffice，未生成 PDF）" if pdf is None else "（未要求 PDF）"
    run.step(f"汇总表 → {summary.path}{pdf_note}")
    feedback = write_feedback(campaign)
    report.outputs["反馈表"] = feedback.path
    run.step(f"反馈表 {len(feedback.files)} 份 → {feedback.path}")
    export = export_results(campaign, campaign.output_dir / "results.csv")
    report.outputs["results.csv"] = export.path
    run.step(f"结果数据 → {export.path}")


def _earlier_years(run: _Run, source: Path) -> None:
    """与上年对比, when the sample keeps earlier years (南昌: 2022 as a snapshot, 2021 as a
    汇总表 typed by hand, two units renamed since)."""
    earlier = [source / name for name in EARLIER_YEARS if (source / name).is_file()]
    if not earlier:
        return
    mapping = source / MAPPING_FILE
    report = write_comparison(run.campaign, *earlier, mapping=mapping if mapping.is_file() else None)
    run.report.outputs["与上年对比"] = report.path
    comparison = report.comparison
    assert comparison is not None
    counts = comparison.counts()
    found = [f"可比 {sum(counts[k] for k in (Match.SAME, Match.RENAMED, Match.MERGED, Match.SPLIT))} 个单位"]
    found += [f"{kind.label} {counts[kind]} 个" for kind in (Match.RENAMED, Match.NEW) if counts[kind]]
    others = "、".join(y.label for y in comparison.years[2:])
    run.step(
        f"与上年对比 → {report.path}（与{comparison.last.label}相比{'，'.join(found)}"
        + (f"；另列{others}" if others else "")
        + "）"
    )


def _prepare(root: Path) -> None:
    if root.exists():
        if not (root / MARKER).exists():
            raise CampaignError(f"{root} 已存在且不是演示目录；请指定一个新目录，例如 kaohe demo kaohe-demo2")
        shutil.rmtree(root)


def _steps_below(item: Item, rubric: Rubric, rng: random.Random, most: int) -> Decimal:
    step = rubric.step_of(item)
    return step * rng.randint(0, most)


def _deduction(rubric: Rubric, item: Item) -> bool:
    return any(c.deduction and c.name == item.category for c in rubric.categories)


def _self_scores(rubric: Rubric, rng: random.Random) -> dict[str, CellValue]:
    """What a unit typically claims: near full marks, a few small deductions."""
    scores: dict[str, CellValue] = {}
    for item in rubric.items:
        if item.id in rubric.computed_items:
            continue  # filled by 民主测评
        if item.kind is ItemKind.VETO:
            scores[item.id] = "否"
        elif item.kind is ItemKind.BASE and _deduction(rubric, item):
            scores[item.id] = _steps_below(item, rubric, rng, 2) if rng.random() < 0.2 else Decimal(0)
        elif item.kind is ItemKind.BASE:
            assert item.points is not None
            cut = _steps_below(item, rubric, rng, 2) if rng.random() < 0.25 else Decimal(0)
            scores[item.id] = max(item.points - cut, Decimal(0))
        elif item.kind is ItemKind.BONUS:
            assert item.points is not None
            scores[item.id] = item.points if rng.random() < 0.15 else Decimal(0)
        else:
            scores[item.id] = Decimal(0)
    return scores


def _assessor_scores(
    rubric: Rubric, claimed: dict[str, CellValue], rng: random.Random, vetoed: bool
) -> tuple[dict[str, CellValue], dict[str, str]]:
    """The assessors start from the self-score and deduct where evidence is missing."""
    scores: dict[str, CellValue] = {}
    reasons: dict[str, str] = {}
    for item in rubric.items:
        if item.id in rubric.computed_items:
            continue
        value = claimed.get(item.id)
        if item.kind is ItemKind.VETO:
            scores[item.id] = "是" if vetoed and item.id == rubric.items_of(ItemKind.VETO)[0].id else "否"
            if scores[item.id] == "是":
                reasons[item.id] = "经核实发生安全事故（演示数据）"
            continue
        number = value if isinstance(value, Decimal) else Decimal(0)
        if item.kind is ItemKind.BASE and _deduction(rubric, item):
            assert item.points is not None
            if rng.random() < 0.3:  # a deduction found on site
                number = min(number + rubric.step_of(item) * rng.randint(1, 6), item.points)
                reasons[item.id] = f"{rng.choice(_REASONS)}，扣{number.normalize()}分"
        elif item.kind is ItemKind.BASE and rng.random() < 0.3 and number > 0:
            cut = min(number, rubric.step_of(item) * rng.randint(1, 5))
            number -= cut
            reasons[item.id] = f"{rng.choice(_REASONS)}，扣{cut.normalize()}分"
        elif item.kind is ItemKind.BONUS and number > 0 and rng.random() < 0.5:
            number = Decimal(0)
            reasons[item.id] = "表彰文件未提供，不予加分"
        scores[item.id] = number
    return scores, reasons


def _notes(rubric: Rubric, unit: Unit) -> dict[str, str]:
    first = rubric.items[0]
    return {first.id: f"见{unit.name}党委会议纪要（2023年第3期）"}
