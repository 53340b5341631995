"""How this rubric is scored, in Chinese: the 计分办法 lines printed under the 汇总表.

Written from the rubric itself, so the printed rules are the ones the engine applied:
category caps and 扣分制, 取高组, the bonus cap and threshold (and what it is checked
on), penalties, rater and 民主测评 sources, the rounds, the weights and conversions,
several assessors, veto, grades, 合格线 and ranking.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from kaohe_xl.rubric.model import Aggregation, BonusBasis, FormKind, ItemKind, Rubric, Source
from kaohe_xl.scoring.engine import source_label
from kaohe_xl.textnorm import format_decimal as fmt

_SCALE_WORDS = {Decimal(100): "百分制", Decimal(1000): "千分制"}


def converted_label(rubric: Rubric, source: Source) -> str | None:
    """``考核组（千分制）``: the header of a source's converted figure; None when not converted."""
    full, scale = rubric.source_full_marks(source), rubric.source_scale(source)
    if scale == full or not full:
        return None
    return f"{source.name}（{_SCALE_WORDS.get(scale, f'{fmt(scale)}分制')}）"


def formula_text(rubric: Rubric) -> list[str]:
    """The scoring rules of this rubric in Chinese, printed on the summary sheet."""
    s = rubric.settings
    lines = ["类别得分 = min(该类别基础条目得分之和, 类别分值)；基础分 = 各类别得分之和。"]
    deduction = [c for c in rubric.categories if c.deduction]
    if deduction:
        names = "、".join(f"{c.name}（{fmt(c.cap)} 分）" for c in deduction)
        lines.append(f"扣分制类别 {names}：类别得分 = max(类别分值 − 各条目扣分之和, 0)，扣完为止。")
    lines += _best_of_lines(rubric)
    annual = rubric.bonus_annual and bool(rubric.items_of(ItemKind.BONUS))
    if rubric.items_of(ItemKind.BONUS) and not annual:
        basis = "基础分 − 扣分" if s.bonus_basis is BonusBasis.AFTER_PENALTY else "基础分"
        lines.append(
            f"加分 = min(加分条目之和, 加分上限 {fmt(s.bonus_cap)})，{basis} ≥ 加分门槛 {fmt(s.bonus_threshold)} 时才计入。"
        )
    if rubric.items_of(ItemKind.PENALTY):
        lines.append("扣分 = 扣分条目之和。")
    lines.append("考核得分 = max(基础分 − 扣分, 0)。" if annual else "考核得分 = max(基础分 + 加分 − 扣分, 0)。")
    lines += _source_lines(rubric)
    lines.append(_composite_line(rubric))
    if annual:
        basis = "按权重合计的年度考评总分" if s.bonus_basis is BonusBasis.AFTER_PENALTY else "按权重合计的基础分"
        lines.append(
            f"奖励加分计入年度总分：每个加分条目取各轮考核中的最高分（同一事项只计一次），"
            f"合计不超过加分上限 {fmt(s.bonus_cap)}；{basis} ≥ 加分门槛 {fmt(s.bonus_threshold)} 时，"
            "在综合得分上一次性加上（不乘权重）。"
        )
    if s.aggregation is Aggregation.TRIMMED_MEAN:
        lines.append("多人评分时每个条目去掉一个最高分和一个最低分后取平均（不足3人时取平均），保留两位小数。")
    else:
        lines.append("多人评分时每个条目取平均分，保留两位小数。")
    if rubric.items_of(ItemKind.VETO):
        lines.append(f"否决项评为“是”的单位，等次定为“{s.veto_grade}”，排在其他单位之后。")
    bands = "，".join(
        f"{g.label} ≥ {fmt(g.minimum)}" if g.minimum is not None else f"其余为{g.label}" for g in s.grades
    )
    if bands:
        lines.append(f"等次：{bands}。")
    if s.pass_line is not None:
        lines.append(f"合格线 {fmt(s.pass_line)}：综合得分低于合格线或被一票否决的单位为不合格。")
    lines.append("排名按综合得分（两位小数）从高到低，得分相同名次相同；材料未交或待核实的单位不计综合得分、不排名。")
    if rubric.self_source is None:
        lines.append("本考核不设自评（“来源”表中没有自评表），因此没有自评得分，也不生成“自评与考核差异”表。")
    return lines


def _best_of_lines(rubric: Rubric) -> list[str]:
    groups: dict[str, list[str]] = defaultdict(list)
    for item in rubric.items:
        if item.best_of:
            groups[item.best_of].append(item.id)
    if not groups:
        return []
    named = "；".join(f"“{label}”：条目 {'、'.join(ids)}" for label, ids in groups.items())
    return [f"取高组（就高不就低）{named}：同一组只计得分最高的一项，不同组分别计入，再按上限封顶。"]


def _source_lines(rubric: Rubric) -> list[str]:
    lines = []
    rounds = rubric.sources_of(FormKind.ASSESSOR)
    if len(rounds) > 1:
        parts = "、".join(f"{s.name}（权重 {fmt(s.weight)}）" for s in rounds)
        main = max(rounds, key=lambda s: s.weight)
        lines.append(
            f"考核组评分分 {len(rounds)} 轮：{parts}，各轮分别按上述办法计分；"
            f"表中的类别得分、基础分、加分、扣分为权重最大的“{main.name}”一轮。"
        )
    for source in rubric.sources_of(FormKind.RATER):
        full = fmt(rubric.source_full_marks(source))
        lines.append(f"{source.name} = 各评分人按类别打分（多人取平均）之和，满分 {full}。")
    for source in rubric.sources_of(FormKind.BALLOT):
        weights = "，".join(f"{grade} {fmt(w)}" for grade, w in rubric.settings.ballot_weights)
        ratio = f"{source.name}折算率 = Σ（票数 × 折算系数）÷ 有效票数（折算系数：{weights}）"
        if source.target:
            item = rubric.item(source.target)
            lines.append(
                f"{ratio}；条目 {item.id}“{item.content}”不由评分人填写，由民主测评计算："
                f"得分 = 折算率 × {fmt(item.points)}，保留两位小数。"
            )
        else:
            lines.append(f"{ratio}；{source_label(source.name)} = 折算率 × {fmt(rubric.source_full_marks(source))}。")
    return lines


def _composite_line(rubric: Rubric) -> str:
    parts = []
    for source in rubric.sources:
        if source.weight == 0:
            continue
        full, scale = rubric.source_full_marks(source), rubric.source_scale(source)
        part = source_label(source.name)
        if scale != full:
            part += f" × {fmt(scale)} / {fmt(full)}"
        parts.append(part if source.weight == 1 else f"{fmt(source.weight)} × {part}")
    return "综合得分 = " + " + ".join(parts) + "，保留两位小数（四舍五入）。"
