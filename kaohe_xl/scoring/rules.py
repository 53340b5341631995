"""The arithmetic of one source for one unit. Pure: Decimal and Fraction, no I/O.

Per source (自评, each 考核组 round, 班子评分, 民主测评) and unit, from the combined
item scores (:func:`combine_items`):

* several assessors/raters of one item: the mean (设置 多人评分 = 平均) or the trimmed
  mean (去掉最高分和最低分, ≥ 3 scores, else the mean with a note), rounded to 2
  decimals (ROUND_HALF_UP) before anything is added;
* Σ of items counts each 取高组 once, at its highest member (就高不就低);
* category score = min(Σ 基础 items, cap), or for 计分方式 扣分制 max(cap − Σ deductions, 0);
* base = Σ category scores; penalty = Σ 扣分 items;
* bonus = min(Σ 加分 items, 加分上限) when the basis ≥ 加分门槛, else 0; the basis is the
  base (加分门槛依据 基础分) or base − penalty (扣分后). With 加分计入 年度总分 (the default
  for several 考核组 rounds) a source counts no bonus: :func:`annual_bonus` adds it once
  to the weighted composite;
* total = max(base + bonus − penalty, 0);
* rater sources: Σ of the rater categories (maximum > 0), full marks Σ maxima;
* 民主测评: ratio = Σ votes × 测评折算 weight / Σ votes; total = ratio × full marks
  (100, or the 分值 of the item it fills), rounded to 2 decimals. An item it fills
  (计入条目) scores ratio × 分值, rounded to 2 decimals, on every self and assessor source.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from kaohe_xl.frozen import built
from kaohe_xl.rubric.model import BALLOT_GRADES, Aggregation, BonusBasis, FormKind, Item, ItemKind, Rubric, Source
from kaohe_xl.scoring.plan import plan
from kaohe_xl.store.records import ScoreRecord
from kaohe_xl.textnorm import format_decimal

CENT = Decimal("0.01")
ZERO = Decimal(0)
BALLOT_NOTE = "由民主测评计算"


def exact_decimal(value: Fraction) -> Decimal:
    """A fraction as a Decimal: exact whenever it terminates (within 28 digits).

    Only a terminating value can be a tie (x.xx5) for ROUND_HALF_UP, so rounding this
    Decimal to the cent always gives the hand-calculated figure.
    """
    return Decimal(value.numerator) / Decimal(value.denominator)


def round2(value: Decimal) -> Decimal:
    """Two decimals, half up: how a score is shown, graded and ranked (87.345 → 87.35)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def aggregate(values: Sequence[Decimal], method: Aggregation) -> tuple[Decimal, str]:
    """Combine several raters' scores for one item: ``(score, note)``.

    One score is returned unchanged; a mean of several is rounded to 2 decimals.
    The trimmed mean drops one highest and one lowest score and needs ≥ 3 scores;
    with fewer it falls back to the mean and the note says so.
    """
    if not values:
        raise ValueError("no values to aggregate")
    if len(values) == 1:
        return values[0], ""
    note = ""
    kept = list(values)
    if method is Aggregation.TRIMMED_MEAN:
        if len(values) >= 3:
            kept = sorted(values)[1:-1]
        else:
            note = f"仅{len(values)}人评分，不足3人，未去掉最高分和最低分，按平均分计"
    return round2(sum(kept, ZERO) / len(kept)), note


@dataclass(frozen=True)
class ItemScore:
    """The combined score of one item (or rater category, or vote grade) for one unit and source."""

    unit_id: str
    source: str
    key: str  # item id; category name for rater sources; 好/较好/一般/较差/实到人数 for 民主测评
    value: Decimal | None  # None: nobody entered a number (or a 否决 item)
    veto: bool | None = None  # 否决 items: True when any assessor marked 是
    values: tuple[Decimal, ...] = ()  # each rater's number
    raters: tuple[str, ...] = ()
    remarks: tuple[str, ...] = ()  # 扣分原因 / 自评说明, "评分人：原因" when several raters
    note: str = ""


@dataclass(frozen=True)
class SourceResult:
    """One source's arithmetic for one unit."""

    source: str
    form: FormKind
    weight: Decimal
    categories: dict[str, Decimal] = field(default_factory=dict, hash=False)  # capped subtotals
    base: Decimal = ZERO
    bonus_claimed: Decimal = ZERO  # Σ 加分 (取高组 applied) before cap and threshold
    bonus: Decimal = ZERO  # counted bonus
    penalty: Decimal = ZERO
    total: Decimal = ZERO
    full_marks: Decimal = ZERO
    converted: Fraction = Fraction(0)  # total × scale / full marks, exactly (1000/1500 never ends)
    notes: tuple[str, ...] = ()
    ratio: Fraction | None = None  # 民主测评: the weighted share of the votes


def combine_items(rubric: Rubric, records: Iterable[ScoreRecord]) -> list[ItemScore]:
    """Group the records by (unit, source, item) and combine the raters' scores."""
    known_sources = {s.name for s in rubric.sources}
    grouped: dict[tuple[str, str, str], list[ScoreRecord]] = {}
    for record in records:
        if record.source in known_sources:
            where = (record.unit_id, record.source, record.key)
            group = grouped.get(where)
            if group is None:
                grouped[where] = [record]
            else:
                group.append(record)
    method = rubric.settings.aggregation
    scores = []
    for (unit_id, source, key), group in grouped.items():
        if len(group) == 1:  # one rater, the common case: their value, mark and remark as they are
            only = group[0]
            value = only.value
            veto = None if only.veto is None else bool(only.veto)
            remarks = (only.remark,) if only.remark else ()
            scores.append(_one_rater(unit_id, source, key, value, veto, (only.rater,), remarks))
            continue
        numbers = [r.value for r in group if r.value is not None]
        value, note = aggregate(numbers, method) if numbers else (None, "")
        marks = [r.veto for r in group if r.veto is not None]
        scores.append(
            ItemScore(
                unit_id,
                source,
                key,
                value,
                veto=any(marks) if marks else None,
                values=tuple(numbers),
                raters=tuple(r.rater for r in group),
                remarks=_remarks(group),
                note=note,
            )
        )
    return scores


def _one_rater(
    unit_id: str,
    source: str,
    key: str,
    value: Decimal | None,
    veto: bool | None,
    raters: tuple[str, ...],
    remarks: tuple[str, ...],
) -> ItemScore:
    """``ItemScore(unit_id, source, key, value, veto, (value,), raters, remarks)`` built
    straight into its ``__dict__``: a frozen dataclass's ``__init__`` sets each field
    through ``object.__setattr__``, most of :func:`combine_items` for the ~100,000 scores of
    a thousand units (:mod:`kaohe_xl.frozen`; tests compare the two)."""
    return built(
        ItemScore,
        unit_id=unit_id,
        source=source,
        key=key,
        value=value,
        veto=veto,
        values=() if value is None else (value,),
        raters=raters,
        remarks=remarks,
        note="",
    )


def _remarks(group: list[ScoreRecord]) -> tuple[str, ...]:
    """Raters' remarks: once when they all wrote the same, else each as "评分人：原因"."""
    texts = list(dict.fromkeys(r.remark for r in group if r.remark))
    if len(texts) <= 1:
        return tuple(texts)
    return tuple(f"{r.rater}：{r.remark}" if r.rater else r.remark for r in group if r.remark)


def best_of_sum(items: Iterable[Item], value: Callable[[str], Decimal], notes: list[str] | None = None) -> Decimal:
    """Σ of the items' values, the items of one 取高组 counting only their highest (就高不就低)."""
    total = ZERO
    groups: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for item in items:
        if item.best_of:
            groups[item.best_of].append((item.id, value(item.id)))
        else:
            total += value(item.id)
    for label, members in groups.items():
        best = max(v for _, v in members)
        total += best
        scored = [item_id for item_id, v in members if v > 0]
        if notes is not None and len(scored) > 1:
            notes.append(f"取高组“{label}”（条目{'、'.join(scored)}）就高不就低，只计最高的 {format_decimal(best)} 分")
    return total


def source_result(rubric: Rubric, source: Source, scores: Mapping[str, ItemScore]) -> SourceResult:
    """The arithmetic of one source for one unit from its combined item scores."""
    if source.form is FormKind.RATER:
        parts = _rater_parts(rubric, source, scores)
    elif source.form is FormKind.BALLOT:
        parts = _ballot_parts(rubric, source, scores)
    else:
        parts = _item_parts(rubric, scores)
    full = rubric.source_full_marks(source)
    scale = rubric.source_scale(source)
    total = max(parts.base + parts.bonus - parts.penalty, ZERO)
    # Kept as a fraction: 1000/1500 does not terminate, and a converted total rounded to
    # Decimal's 28 digits, then weighted, can land just below a true x.xx5 and be shown a
    # cent too low (0.6 × 199.99 × 1000/1200 is exactly 99.995, shown 100.00).
    converted = Fraction(total) * Fraction(scale) / Fraction(full) if full else Fraction(total)
    return SourceResult(
        source.name,
        source.form,
        source.weight,
        parts.categories,
        parts.base,
        parts.bonus_claimed,
        parts.bonus,
        parts.penalty,
        total,
        full,
        converted,
        tuple(parts.notes),
        parts.ratio,
    )


@dataclass
class _Parts:
    categories: dict[str, Decimal] = field(default_factory=dict)
    base: Decimal = ZERO
    bonus_claimed: Decimal = ZERO
    bonus: Decimal = ZERO
    penalty: Decimal = ZERO
    notes: list[str] = field(default_factory=list)
    ratio: Fraction | None = None


def _value_of(scores: Mapping[str, ItemScore]) -> Callable[[str], Decimal]:
    def value(key: str) -> Decimal:
        score = scores.get(key)
        return score.value if score is not None and score.value is not None else ZERO

    return value


def _rater_parts(rubric: Rubric, source: Source, scores: Mapping[str, ItemScore]) -> _Parts:
    value = _value_of(scores)
    parts = _Parts(notes=[f"条目{s.key}：{s.note}" for s in scores.values() if s.note])
    for category, _top in rubric.rater_categories(source):
        parts.categories[category.name] = value(category.name)
    parts.base = sum(parts.categories.values(), ZERO)
    return parts


def _item_parts(rubric: Rubric, scores: Mapping[str, ItemScore]) -> _Parts:
    """Self and assessor sources: categories, 取高组, 扣分制, bonus and penalty."""
    value = _value_of(scores)
    notes = [f"条目{s.key}：{s.note}" for s in scores.values() if s.note and s.note != BALLOT_NOTE]
    parts = _Parts(notes=notes)
    looks = plan(rubric)
    for category, members in looks.categories:
        assert category.cap is not None
        got = best_of_sum(members, value, notes)
        parts.categories[category.name] = (
            max(category.cap - got, ZERO) if category.deduction else min(got, category.cap)
        )
    parts.base = sum(parts.categories.values(), ZERO)
    _blank_notes(rubric, scores, notes)
    annual = rubric.bonus_annual  # 加分 counts once, on the weighted composite (annual_bonus)
    parts.bonus_claimed = best_of_sum(looks.bonus, value, None if annual else notes)
    parts.penalty = best_of_sum(looks.penalty, value, notes)
    if annual:
        return parts
    settings = rubric.settings
    after = settings.bonus_basis is BonusBasis.AFTER_PENALTY
    basis = parts.base - parts.penalty if after else parts.base
    if basis >= settings.bonus_threshold:
        parts.bonus = min(parts.bonus_claimed, settings.bonus_cap)
    elif parts.bonus_claimed:
        what = f"扣分后得分{format_decimal(basis)}" if after else "基础分"
        notes.append(f"{what}低于加分门槛{settings.bonus_threshold}，加分不计")
    return parts


def _blank_notes(rubric: Rubric, scores: Mapping[str, ItemScore], notes: list[str]) -> None:
    """Say which 基础 items nobody scored (counted 0, or as no deduction in 扣分制)."""
    looks = plan(rubric)
    base_items = looks.base
    blank = [i for i in base_items if scores.get(i.id) is None or scores[i.id].value is None]
    computed = [i.id for i in blank if i.id in looks.computed]
    blank = [i for i in blank if i.id not in looks.computed]
    if computed:
        notes.append(f"条目{'、'.join(computed)}待民主测评结果，暂按0分计")
    if not blank or len(blank) + len(computed) == len(base_items):
        return
    scored = [i.id for i in blank if i.category not in looks.deduction]
    unscored_cuts = [i.id for i in blank if i.category in looks.deduction]
    if scored:
        notes.append(f"条目{'、'.join(scored)}未评分，按0分计")
    if unscored_cuts:
        notes.append(f"条目{'、'.join(unscored_cuts)}未填写扣分，按不扣分计")


def ballot_ratio(rubric: Rubric, scores: Mapping[str, ItemScore]) -> Fraction | None:
    """Σ votes × 测评折算 weight / Σ votes; None without votes."""
    weights = dict(rubric.settings.ballot_weights)
    counts = {grade: scores.get(grade) for grade in BALLOT_GRADES}
    if any(c is None or c.value is None for c in counts.values()):
        return None
    votes = {grade: Fraction(c.value) for grade, c in counts.items() if c is not None and c.value is not None}
    cast = sum(votes.values(), Fraction(0))
    if not cast:
        return None
    return sum((votes[g] * Fraction(weights[g]) for g in BALLOT_GRADES), Fraction(0)) / cast


def _ballot_parts(rubric: Rubric, source: Source, scores: Mapping[str, ItemScore]) -> _Parts:
    ratio = ballot_ratio(rubric, scores)
    if ratio is None:
        return _Parts(notes=["民主测评没有有效票数"])
    full = rubric.source_full_marks(source)
    return _Parts(base=round2(exact_decimal(ratio * Fraction(full))), ratio=ratio)


def ballot_item_score(rubric: Rubric, unit_id: str, source: str, item: Item, ratio: Fraction | None) -> ItemScore:
    """The score of an item a 民主测评 source fills (计入条目), for one self/assessor source."""
    value = None
    if ratio is not None and item.points is not None:
        value = round2(exact_decimal(ratio * Fraction(item.points)))
    return ItemScore(unit_id, source, item.id, value, note=BALLOT_NOTE)


def annual_bonus(
    rubric: Rubric, results: Mapping[str, SourceResult], scores: Mapping[str, Mapping[str, ItemScore]]
) -> tuple[Decimal, Fraction, list[str]]:
    """加分计入 年度总分 (seed 003's 奖励加分): ``(bonus, bonus on the composite scale, notes)``.

    The bonus belongs to the year, not to a round: per 加分 item the highest figure any
    weighted 考核组 round entered (an award reported in both rounds counts once), 取高组
    applied, capped by 加分上限; it counts when the weighted total (Σ weight × 得分, or
    Σ weight × 基础分 with 加分门槛依据 基础分), in the points of the primary round's form,
    reaches 加分门槛. It is added in full — not weighted — converted to the composite's
    scale like the primary round.
    """
    rounds = [s for s in rubric.sources_of(FormKind.ASSESSOR) if s.weight]
    primary = max(rounds, key=lambda s: s.weight)
    full, scale = Fraction(rubric.source_full_marks(primary)), Fraction(rubric.source_scale(primary))
    to_points = full / scale if scale else Fraction(1)
    after = rubric.settings.bonus_basis is BonusBasis.AFTER_PENALTY
    weighted = [s for s in rubric.sources if s.weight and s.name in results]
    if after:
        basis = sum((Fraction(s.weight) * results[s.name].converted for s in weighted), Fraction(0))
    else:
        basis = sum((Fraction(s.weight) * _converted(rubric, s, results[s.name].base) for s in weighted), Fraction(0))
    highest: dict[str, Decimal] = {}
    for source in rounds:
        for key, item_score in scores.get(source.name, {}).items():
            if item_score.value is not None:
                highest[key] = max(highest.get(key, ZERO), item_score.value)
    notes: list[str] = []
    claimed = best_of_sum(rubric.items_of(ItemKind.BONUS), lambda key: highest.get(key, ZERO), notes)
    settings = rubric.settings
    if not claimed:
        return ZERO, Fraction(0), notes
    if basis * to_points < Fraction(settings.bonus_threshold):
        what = "年度考评总分" if after else "年度基础分"
        shown = format_decimal(round2(exact_decimal(basis * to_points)))
        notes.append(f"{what}{shown}低于加分门槛{format_decimal(settings.bonus_threshold)}，奖励加分不计")
        return ZERO, Fraction(0), notes
    bonus = min(claimed, settings.bonus_cap)
    return bonus, Fraction(bonus) / to_points, notes


def _converted(rubric: Rubric, source: Source, value: Decimal) -> Fraction:
    full, scale = rubric.source_full_marks(source), rubric.source_scale(source)
    return Fraction(value) * Fraction(scale) / Fraction(full) if full else Fraction(value)
