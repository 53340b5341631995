"""An independent model of kaohe-xl's scoring rules, for the cross-check.

Written from docs/scoring.md, docs/rubric.md and the source documents (seeds 003 and
004) only, without reading ``kaohe_xl.scoring`` or ``kaohe_xl.rubric``'s logic: it
reads nothing but the plain fields of the rubric, the records and the states, and
uses ``fractions.Fraction`` for every figure (exact, no binary floats, no 28-digit
cut). ``tests/scoring/test_crosscheck.py`` compares it with the engine.

The rules, as the docs state them (numbers refer to docs/scoring.md "The formulas"):

per source and unit
  1. several scores of one item (or rater category): mean, or with 多人评分 =
     去掉最高分和最低分 the mean without one highest and one lowest score (needs ≥ 3,
     else the mean); a mean of several scores is rounded to 2 decimals half up; one
     score is used as entered; blank cells are not scores
  2. a 取高组 counts once, at its highest member
  3. category = min(Σ 基础, cap); 扣分制: max(cap − Σ deductions, 0)
  4. 基础分 = Σ categories
  5. 扣分 = Σ 扣分 items
  6. 加分 = min(Σ 加分, 加分上限) when basis ≥ 加分门槛 (basis: 基础分, or 基础分 − 扣分)
  7. 得分 = max(基础分 + 加分 − 扣分, 0)
  8. rater source: Σ over categories with a maximum > 0 of the combined category
     score; full marks Σ maxima
  9. 民主测评: ratio = Σ votes × weight / Σ votes; weighted: 得分 = ratio × 100
     (2 decimals); 计入条目: the item's score = ratio × 分值 (2 decimals, half up) on
     every self and assessor source
per unit
  composite = Σ weight × 得分 × scale / full over the weighted sources, exact, shown
  with 2 decimals half up; grade from the bands on the shown composite, the 否决等次
  for a veto (an assessor marked 是); passed: shown ≥ 合格线 and no veto (None without
  a 合格线 or a composite); competition ranks on the shown composite, vetoed units
  after the others; no composite/grade/rank while a counted return (weighted source,
  民主测评 filling an item, every round, every named rater) is missing or invalid,
  except that a veto shows its grade already.

Figures entered on forms and sums of them are ``Decimal`` under a context that traps
``Inexact`` and ``Rounded`` (an inexact step raises instead of rounding quietly);
means, the 民主测评 ratio and the composite are ``Fraction``s, rounded explicitly.

``seed003_annual`` is the other reading of rounds (seed 003's 年度考评总分 with one
annual 奖励加分), kept apart: the docs say every round is scored on its own.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal, Inexact, Rounded, localcontext
from fractions import Fraction

from kaohe_xl.rubric.model import Aggregation, BonusBasis, BonusScope, FormKind, ItemKind, Rubric, Source, Unit
from kaohe_xl.store.records import ReturnState, ScoreRecord, UnitState

ZERO = Decimal(0)
EXACT = Context(prec=60, traps=[Inexact, Rounded])
BALLOT_GRADES = ("好", "较好", "一般", "较差")
BALLOT_FULL = Decimal(100)

# When one counted return is missing and another invalid, the docs do not say which
# state the unit shows. The model guessed 待核实 first (someone must look at a file) and
# the engine does the same (dozens of such units in the random cases agree).
STATE_ORDER = (ReturnState.INVALID, ReturnState.MISSING)


def frac(value: Decimal | int | str | Fraction) -> Fraction:
    return Fraction(value) if not isinstance(value, str) else Fraction(Decimal(value))


def round2(value: Fraction) -> Decimal:
    """2 decimals, ROUND_HALF_UP (ties away from zero, as ``decimal`` does)."""
    sign = -1 if value < 0 else 1
    cents = math.floor(abs(Fraction(value)) * 100 + Fraction(1, 2))
    return Decimal(sign * cents).scaleb(-2)


def to_decimal(value: Fraction) -> Decimal:
    """A terminating fraction as an exact Decimal (2-decimal figures, sums of them)."""
    scaled = value * 10**12
    if scaled.denominator != 1:
        raise ValueError(f"{value} does not terminate within 12 decimals")
    return Decimal(scaled.numerator).scaleb(-12).normalize()


@dataclass
class SourceModel:
    name: str
    form: FormKind
    categories: dict[str, Decimal] = field(default_factory=dict)
    base: Decimal = ZERO
    penalty: Decimal = ZERO
    bonus_claimed: Decimal = ZERO
    bonus: Decimal = ZERO
    total: Decimal = ZERO
    full: Decimal = ZERO
    ratio: Fraction | None = None
    item_values: dict[str, Decimal | None] = field(default_factory=dict)


@dataclass
class UnitModel:
    unit_id: str
    status: ReturnState
    source_states: dict[str, ReturnState]
    sources: dict[str, SourceModel]
    composite: Fraction | None
    shown: Decimal | None
    veto: bool
    grade: str
    passed: bool | None
    rank: int | None = None
    notes: list[str] = field(default_factory=list)


# -- rule 1: several scores ---------------------------------------------------------------


def combine(values: Sequence[Decimal], method: Aggregation) -> tuple[Decimal | None, str]:
    if not values:
        return None, ""
    if len(values) == 1:
        return values[0], ""
    note = ""
    if method is Aggregation.TRIMMED_MEAN:
        if len(values) >= 3:
            kept = sorted(values)[1:-1]
            return round2(Fraction(sum(kept, ZERO)) / len(kept)), ""
        note = "trimmed mean needs 3 scores: mean used"
    return round2(Fraction(sum(values, ZERO)) / len(values)), note


# -- rule 2: 取高组 -----------------------------------------------------------------------


def best_of_sum(items: Iterable, values: dict[str, Decimal | None]) -> Decimal:
    total = ZERO
    groups: dict[str, Decimal] = {}
    for item in items:
        value = values.get(item.id) or ZERO
        if item.best_of:
            groups[item.best_of] = max(groups.get(item.best_of, ZERO), value)
        else:
            total += value
    return total + sum(groups.values(), ZERO)


# -- the model -----------------------------------------------------------------------------


def ballot_ratio(rubric: Rubric, counts: dict[str, Decimal]) -> Fraction | None:
    weights = {grade: frac(w) for grade, w in rubric.settings.ballot_weights}
    votes = sum((frac(counts.get(g, ZERO)) for g in BALLOT_GRADES), Fraction(0))
    if votes == 0:
        return None
    return sum((frac(counts.get(g, ZERO)) * weights[g] for g in BALLOT_GRADES), Fraction(0)) / votes


def _combine_state(states: Iterable[ReturnState]) -> ReturnState:
    found = set(states)
    for state in STATE_ORDER:
        if state in found:
            return state
    return ReturnState.OK


def _state(found: list[UnitState], got_records: bool) -> ReturnState:
    """A source's state for a unit: the collection state; without one, returned when it has
    records (engine docstring). A return without a single value (not even a blank cell) is
    no return either way: docs/collect.md “A blank form sent back … is no return”
    (cross-check class C: the model first trusted an 已收到 state without records)."""
    state = found[-1].state if found else ReturnState.OK
    if state is ReturnState.OK and not got_records:
        return ReturnState.MISSING
    return state


def scored_categories(rubric: Rubric):
    return [c for c in rubric.categories if any(i.category == c.name and i.kind is ItemKind.BASE for i in rubric.items)]


def rater_categories(rubric: Rubric, source: Source):
    return [(c, c.rater_max[source.name]) for c in rubric.categories if c.rater_max.get(source.name, 0) > 0]


def source_full(rubric: Rubric, source: Source) -> Decimal:
    if source.form is FormKind.RATER:
        return sum((m for _, m in rater_categories(rubric, source)), ZERO)
    if source.form is FormKind.BALLOT:
        return BALLOT_FULL
    return rubric.settings.full_marks


def item_source(
    rubric: Rubric, source: Source, values: dict[str, Decimal | None], notes: list[str] | None = None
) -> SourceModel:
    """Rules 2–7 for a self or assessor source, from the combined item values."""
    s = rubric.settings
    result = SourceModel(source.name, source.form, item_values=dict(values))
    for category in scored_categories(rubric):
        members = [i for i in rubric.items if i.category == category.name and i.kind is ItemKind.BASE]
        summed = best_of_sum(members, values)
        cap = category.cap
        if category.deduction:
            assert cap is not None
            score = max(cap - summed, ZERO)
        else:
            score = summed if cap is None else min(summed, cap)
        result.categories[category.name] = score
    result.base = sum(result.categories.values(), ZERO)
    result.penalty = best_of_sum([i for i in rubric.items if i.kind is ItemKind.PENALTY], values)
    result.bonus_claimed = best_of_sum([i for i in rubric.items if i.kind is ItemKind.BONUS], values)
    basis = result.base if s.bonus_basis is BonusBasis.BASE else result.base - result.penalty
    if annual_mode(rubric):
        result.bonus = ZERO  # the year's 加分 are added once to the composite (annual_extra)
    elif basis >= s.bonus_threshold:
        result.bonus = min(result.bonus_claimed, s.bonus_cap)
    else:
        result.bonus = ZERO
        if result.bonus_claimed and notes is not None:
            notes.append(f"{source.name}: basis {basis} below threshold, no bonus")
    result.total = max(result.base + result.bonus - result.penalty, ZERO)
    result.full = source_full(rubric, source)
    return result


def model_score(
    rubric: Rubric, units: Sequence[Unit], records: Iterable[ScoreRecord], states: Iterable[UnitState] = ()
) -> dict[str, UnitModel]:
    """Every unit's results by the documented rules, keyed by unit id."""
    with localcontext(EXACT):
        return _model_score(rubric, units, records, states)


def _model_score(
    rubric: Rubric, units: Sequence[Unit], records: Iterable[ScoreRecord], states: Iterable[UnitState]
) -> dict[str, UnitModel]:
    s = rubric.settings
    method = s.aggregation
    by_key: dict[tuple[str, str, str], list[ScoreRecord]] = defaultdict(list)
    has_records: set[tuple[str, str]] = set()
    has_rater_records: set[tuple[str, str, str]] = set()
    source_names = {src.name for src in rubric.sources}
    for record in records:
        if record.source not in source_names:
            continue
        by_key[(record.unit_id, record.source, record.key)].append(record)
        has_records.add((record.unit_id, record.source))
        has_rater_records.add((record.unit_id, record.source, record.rater))
    state_list = list(states)

    def state_of(unit_id: str, source: Source) -> ReturnState:
        if source.form is FormKind.RATER:
            per_rater = []
            for rater in source.raters:
                found = [
                    st
                    for st in state_list
                    if st.unit_id == unit_id
                    and st.form is FormKind.RATER
                    and st.source == source.name
                    and st.rater == rater
                ]
                got = (unit_id, source.name, rater) in has_rater_records
                per_rater.append(_state(found, got))
            return _combine_state(per_rater)
        found = [
            st for st in state_list if st.unit_id == unit_id and st.form is source.form and st.source == source.name
        ]
        return _state(found, (unit_id, source.name) in has_records)

    def counted(source: Source) -> bool:
        return source.weight != 0 or (source.form is FormKind.BALLOT and bool(source.target))

    out: dict[str, UnitModel] = {}
    for unit in units:
        notes: list[str] = []
        states_here = {src.name: state_of(unit.id, src) for src in rubric.sources}
        sources: dict[str, SourceModel] = {}
        filled: dict[str, Fraction | None] = {}
        # 民主测评 first: a ballot may fill an item of the self and assessor sources
        for src in rubric.sources:
            if src.form is not FormKind.BALLOT or states_here[src.name] is not ReturnState.OK:
                continue
            counts = {}
            for grade in BALLOT_GRADES:
                got = [r.value for r in by_key.get((unit.id, src.name, grade), []) if r.value is not None]
                counts[grade] = sum(got, ZERO)
            ratio = ballot_ratio(rubric, counts)
            if ratio is None:
                continue
            result = SourceModel(src.name, src.form, ratio=ratio, full=BALLOT_FULL)
            result.total = round2(ratio * 100)
            if src.target:  # rule 9: “or, with 计入条目, ratio × the item's 分值”
                item = next(i for i in rubric.items if i.id == src.target)
                filled[src.target] = result.total = round2(ratio * frac(item.points))
                result.full = item.points
            sources[src.name] = result
        targets = {src.target for src in rubric.sources if src.form is FormKind.BALLOT and src.target}
        for src in rubric.sources:
            if states_here[src.name] is not ReturnState.OK:
                continue
            if src.form in (FormKind.SELF, FormKind.ASSESSOR):
                values: dict[str, Decimal | None] = {}
                for item in rubric.items:
                    if item.kind is ItemKind.VETO:
                        continue
                    if item.id in targets:
                        values[item.id] = filled.get(item.id)
                        continue
                    numbers = [r.value for r in by_key.get((unit.id, src.name, item.id), []) if r.value is not None]
                    value, note = combine(numbers, method)
                    if note:
                        notes.append(f"{src.name} {item.id}: {note}")
                    values[item.id] = value
                sources[src.name] = item_source(rubric, src, values, notes)
            elif src.form is FormKind.RATER:
                result = SourceModel(src.name, src.form, full=source_full(rubric, src))
                for category, _maximum in rater_categories(rubric, src):
                    numbers = [
                        r.value for r in by_key.get((unit.id, src.name, category.name), []) if r.value is not None
                    ]
                    value, note = combine(numbers, method)
                    if note:
                        notes.append(f"{src.name} {category.name}: {note}")
                    result.categories[category.name] = value or ZERO
                result.total = sum(result.categories.values(), ZERO)
                sources[src.name] = result
        # veto: a 否决 item marked 是 by any assessor (assessor sources only)
        veto_ids = {i.id for i in rubric.items if i.kind is ItemKind.VETO}
        veto = False
        for src in rubric.sources:
            if src.form is not FormKind.ASSESSOR or states_here[src.name] is not ReturnState.OK:
                continue
            for item_id in veto_ids:
                if any(r.veto for r in by_key.get((unit.id, src.name, item_id), [])):
                    veto = True
        counted_states = [states_here[src.name] for src in rubric.sources if counted(src)]
        status = _combine_state(counted_states)
        composite = None
        if status is ReturnState.OK:
            composite = Fraction(0)
            for src in rubric.sources:
                if src.weight == 0:
                    continue
                result = sources[src.name]
                scale = result.full if src.scale is None else src.scale
                composite += frac(src.weight) * frac(result.total) * frac(scale) / frac(result.full)
            if annual_mode(rubric):
                composite += annual_extra(rubric, sources)
        shown = None if composite is None else round2(composite)
        if veto:
            grade = s.veto_grade
        elif shown is not None:
            grade = grade_for(rubric, shown)
        else:
            grade = ""
        # “不合格 below it or when vetoed; empty without a 合格线 or a composite”: the docs
        # do not say which wins for a vetoed unit still waiting for a return. Like the
        # 否决等次 (shown before the composite), a veto fails at once (cross-check class B).
        if s.pass_line is None:
            passed = None
        elif veto:
            passed = False
        else:
            passed = None if shown is None else shown >= s.pass_line
        out[unit.id] = UnitModel(
            unit.id, status, states_here, sources, composite, shown, veto, grade, passed, notes=notes
        )
    _rank(list(out.values()))
    return out


def grade_for(rubric: Rubric, shown: Decimal) -> str:
    for band in rubric.settings.grades:
        if band.minimum is None or shown >= band.minimum:
            return band.label
    return ""


def _rank(results: list[UnitModel]) -> None:
    scored = [r for r in results if r.shown is not None]
    clean = [r for r in scored if not r.veto]
    vetoed = [r for r in scored if r.veto]
    for r in clean:
        r.rank = 1 + sum(1 for o in clean if o.shown > r.shown)  # type: ignore[operator]
    for r in vetoed:
        r.rank = len(clean) + 1 + sum(1 for o in vetoed if o.shown > r.shown)  # type: ignore[operator]


# -- seed 003's annual total, the other reading of rounds ---------------------------------


def annual_mode(rubric: Rubric) -> bool:
    """docs/scoring.md: 加分计入 年度总分, which is the default with several weighted 考核组 rounds."""
    scope = rubric.settings.bonus_scope
    if scope is not None:
        return scope is BonusScope.ANNUAL
    return sum(1 for src in rubric.sources if src.form is FormKind.ASSESSOR and src.weight) > 1


def annual_extra(rubric: Rubric, sources: dict[str, SourceModel]) -> Fraction:
    """The year's 加分 on the composite scale: per item the highest any weighted 考核组 round
    entered, 取高组, capped; counted when the weighted total (or base) in the primary round's
    points reaches 加分门槛; added in full, converted like the primary round."""
    s = rubric.settings
    rounds = [src for src in rubric.sources if src.form is FormKind.ASSESSOR and src.weight]
    primary = max(rounds, key=lambda src: src.weight)  # the first of equal weights
    full = frac(s.full_marks)
    scale = full if primary.scale is None else frac(primary.scale)
    highest: dict[str, Decimal | None] = {}
    for src in rounds:
        for key, value in sources[src.name].item_values.items():
            if value is not None:
                highest[key] = max(highest.get(key) or ZERO, value)
    claimed = best_of_sum([i for i in rubric.items if i.kind is ItemKind.BONUS], highest)
    basis = Fraction(0)
    for src in rubric.sources:
        if not src.weight:
            continue
        result = sources[src.name]
        figure = result.base if s.bonus_basis is BonusBasis.BASE and src.form is FormKind.ASSESSOR else result.total
        src_scale = result.full if src.scale is None else src.scale
        basis += frac(src.weight) * frac(figure) * frac(src_scale) / frac(result.full)
    if not claimed or basis * full / scale < frac(s.bonus_threshold):
        return Fraction(0)
    return frac(min(claimed, s.bonus_cap)) * scale / full


def seed003_annual(rubric: Rubric, round_values: dict[str, dict[str, Decimal | None]]) -> Fraction:
    """年度考评总分 as seed 003 words it, for 百分制 rounds without conversion.

    “阶段性专项督查占30%，年终综合检查占70%。每次开展专项督查所扣的分值和年终所扣的分值
    皆计入年度考评总分内。村(居)年度考评总分在60分以上，获得下列成效的，可给予奖励加分
    …奖励加分就高不就低…每个村(居)年度奖励加分总分最高不超过10分。…年度考评总分低于60分的，
    为不合格。”

    So: annual = Σ weight × (基础分 − 扣分) of each round; the 奖励加分 are the year's
    (an award reported in both rounds counts once: per item the highest, then 取高组),
    capped by 加分上限, counted once, in full, when the basis (annual, or Σ weight ×
    基础分 with 加分门槛依据 基础分) reaches 加分门槛; the result is floored at 0.
    ``round_values``: round name → combined item values (as the forms give them).
    """
    with localcontext(EXACT):
        return _seed003_annual(rubric, round_values)


def _seed003_annual(rubric: Rubric, round_values: dict[str, dict[str, Decimal | None]]) -> Fraction:
    s = rubric.settings
    rounds = [src for src in rubric.sources if src.form is FormKind.ASSESSOR and src.weight != 0]
    annual_base = Fraction(0)
    annual_after = Fraction(0)
    claimed_per_item: dict[str, Decimal] = {}
    bonus_items = [i for i in rubric.items if i.kind is ItemKind.BONUS]
    for src in rounds:
        result = item_source(rubric, src, round_values[src.name])
        weight = frac(src.weight)
        annual_base += weight * frac(result.base)
        annual_after += weight * frac(result.base - result.penalty)
        for item in bonus_items:
            value = round_values[src.name].get(item.id) or ZERO
            claimed_per_item[item.id] = max(claimed_per_item.get(item.id, ZERO), value)
    claimed = best_of_sum(bonus_items, dict(claimed_per_item))
    basis = annual_base if s.bonus_basis is BonusBasis.BASE else annual_after
    bonus = min(claimed, s.bonus_cap) if basis >= s.bonus_threshold else ZERO
    return max(annual_after + frac(bonus), Fraction(0))
