"""``kaohe demo``: the whole assessment cycle on the bundled 南昌 sample.

init → generate 自评表 → units fill and return them (one late, one bad file, one not a
form at all) → collect → generate 考核组评分表 (pre-filled with the collected self-scores)
→ assessors score (two assessors in one group, with realistic disagreements) → collect →
summary (+ PDF when LibreOffice is installed) → feedback → export.

The simulated scores come from a seeded random generator, so every run gives the same
figures.
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
from kaohe_xl.campaign import Campaign
from kaohe_xl.collect.run import collect
from kaohe_xl.errors import CampaignError
from kaohe_xl.forms.fill import CellValue, fill_assessor_form, fill_self_form
from kaohe_xl.forms.generate import generate_forms
from kaohe_xl.output.export import export_results
from kaohe_xl.output.feedback import write_feedback
from kaohe_xl.output.summary import write_summary
from kaohe_xl.rubric.model import FormKind, Item, ItemKind, Rubric, Unit
from kaohe_xl.xlsx.libreoffice import find_soffice

SAMPLE = "南昌老干部"
MARKER = ".kaohe-demo"  # a folder holding this file was made by the demo and may be replaced
SEED = 2023

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


def samples_dir() -> Path:
    """The bundled samples folder (installed as package data ``kaohe_xl.samples``)."""
    return Path(str(resources.files("kaohe_xl.samples")))


def run_demo(
    target: str | Path = "kaohe-demo", *, pdf: bool | None = None, say: Callable[[str], None] = print
) -> DemoReport:
    """Run the whole cycle into ``target`` and return where the outputs are.

    ``target`` must not exist, or be a folder an earlier demo made (it is replaced).
    ``pdf``: None renders the PDF when LibreOffice is installed; True requires it.
    """
    root = Path(target)
    _prepare(root)
    source = samples_dir() / SAMPLE
    report = DemoReport(root)

    def step(text: str) -> None:
        report.steps.append(text)
        say(text)

    campaign = Campaign.init(root, source / "细则.xlsx", source / "单位.xlsx")
    write_control_workbook(campaign)
    (root / MARKER).write_text("made by kaohe demo\n", encoding="utf-8")
    rubric = campaign.rubric
    step(f"1. 创建考核目录：{rubric.settings.name}，{len(rubric.items)} 个条目，{len(campaign.units)} 个单位")

    generated = generate_forms(campaign, [FormKind.SELF])
    step(f"2. 生成自评表 {len(generated.paths(FormKind.SELF))} 份 → {campaign.forms_dir / FormKind.SELF.label}")

    rng = random.Random(SEED)
    late, bad = campaign.units[-1], campaign.units[-2]
    incoming = root / "demo_returns" / "round1"
    incoming.mkdir(parents=True)
    self_scores: dict[str, dict[str, CellValue]] = {}
    for n, unit in enumerate(campaign.units, start=1):
        if unit is late:
            continue
        scores = _self_scores(rubric, rng)
        if unit is bad:
            scores[rubric.items_of(ItemKind.BASE)[0].id] = "三"  # text where a number belongs
        self_scores[unit.id] = scores
        # Units name their files however they like; collect identifies them by content.
        name = f"自评表({n}).xlsx" if n % 3 else f"{unit.name}.xlsx"
        fill_self_form(campaign.form_path(FormKind.SELF, unit.id), scores, _notes(rubric, unit), out=incoming / name)
    (incoming / "新建 Microsoft Excel 工作表.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    first = collect(campaign, [incoming])
    step(
        f"3. 回收自评表：接收 {first.accepted} 份，拒收 {first.rejected} 份；"
        f"{late.name} 未交（迟交），{bad.name} 的自评表有错误待核实"
    )

    generated = generate_forms(campaign, [FormKind.ASSESSOR])
    step(f"4. 生成考核组评分表 {len(generated.paths(FormKind.ASSESSOR))} 份（已填入已回收的自评得分）")

    incoming2 = root / "demo_returns" / "round2"
    incoming2.mkdir(parents=True)
    vetoed = campaign.units[2]
    for g, (group, units) in enumerate(campaign.assessor_groups().items(), start=1):
        form = campaign.form_path(FormKind.ASSESSOR, group, group)
        assessors = ("李明", "赵芳") if g == 1 else ("陈刚",)
        for a, assessor in enumerate(assessors, start=1):
            by_unit: dict[str, dict[str, CellValue]] = {}
            reasons: dict[str, dict[str, str]] = {}
            for unit in units:
                basis = self_scores.get(unit.id) or _self_scores(rubric, rng)
                by_unit[unit.id], reasons[unit.id] = _assessor_scores(rubric, basis, rng, vetoed=unit is vetoed)
            fill_assessor_form(form, assessor, by_unit, reasons, out=incoming2 / f"{group}评分_{a}.xlsx")
    second = collect(campaign, [incoming2])
    step(f"5. 回收考核组评分表：接收 {second.accepted} 份；{vetoed.name} 被一票否决（演示）")

    want_pdf = pdf if pdf is not None else find_soffice() is not None
    summary = write_summary(campaign, pdf=want_pdf)
    report.outputs["汇总表"] = summary.path
    if summary.pdf is not None:
        report.outputs["汇总表PDF"] = summary.pdf
    if summary.pdf:
        pdf_note = f"，PDF → {summary.pdf}"
    else:
        pdf_note = "（未安装 LibreOffice，未生成 PDF）" if pdf is None else "（未要求 PDF）"
    step(f"6. 汇总表 → {summary.path}{pdf_note}")

    feedback = write_feedback(campaign)
    report.outputs["反馈表"] = feedback.path
    step(f"7. 反馈表 {len(feedback.files)} 份 → {feedback.path}")

    export = export_results(campaign, campaign.output_dir / "results.csv")
    report.outputs["results.csv"] = export.path
    step(f"8. 结果数据 → {export.path}")
    record_action(campaign, "演示（kaohe demo）", "完成", "\n".join(missing_lines(campaign)))
    return report


def _prepare(root: Path) -> None:
    if root.exists():
        if not (root / MARKER).exists():
            raise CampaignError(f"{root} 已存在且不是演示目录；请指定一个新目录，例如 kaohe demo kaohe-demo2")
        shutil.rmtree(root)


def _steps_below(item: Item, rubric: Rubric, rng: random.Random, most: int) -> Decimal:
    step = rubric.step_of(item)
    return step * rng.randint(0, most)


def _self_scores(rubric: Rubric, rng: random.Random) -> dict[str, CellValue]:
    """What a unit typically claims: near full marks, a few small deductions."""
    scores: dict[str, CellValue] = {}
    for item in rubric.items:
        if item.kind is ItemKind.VETO:
            scores[item.id] = "否"
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
    rubric: Rubric, claimed: dict[str, CellValue], rng: random.Random, *, vetoed: bool
) -> tuple[dict[str, CellValue], dict[str, str]]:
    """The assessors start from the self-score and deduct where evidence is missing."""
    scores: dict[str, CellValue] = {}
    reasons: dict[str, str] = {}
    for item in rubric.items:
        value = claimed.get(item.id)
        if item.kind is ItemKind.VETO:
            scores[item.id] = "是" if vetoed and item.id == rubric.items_of(ItemKind.VETO)[0].id else "否"
            if scores[item.id] == "是":
                reasons[item.id] = "经核实发生安全事故（演示数据）"
            continue
        number = value if isinstance(value, Decimal) else Decimal(0)
        if item.kind is ItemKind.BASE and rng.random() < 0.3 and number > 0:
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
