"""Scores → per-source totals, composite, grades and ranks. Pure: Decimal arithmetic, no I/O.

The agreed semantics, per source (自评, 考核组, 班子评分, ...) and unit:

* several assessors/raters of one item: per-item mean (设置 多人评分 = 平均), or the
  trimmed mean (去掉最高分和最低分) when at least 3 scored it — with fewer it falls back
  to the mean and says so in a note. A mean of several scores is rounded to 2 decimals
  (ROUND_HALF_UP) before anything is added, so the figures printed on paper add up;
* base    = Σ over scored categories of min(Σ 基础 item scores, category cap);
* bonus   = min(Σ 加分, 加分上限), counted only when base ≥ 加分门槛;
* penalty = Σ 扣分 (entered as positive numbers);
* total   = max(base + bonus − penalty, 0).
* Rater sources (form ``rater``, e.g. 班子评分) score whole categories; their total is
  the sum over categories, their full marks Σ Category.rater_max.

composite = Σ over sources of weight × total × scale / full marks of the source, shown
with 2 decimals (ROUND_HALF_UP). Grades come from ``Settings.grade_for`` on the shown
composite; ranks are competition ranks (1, 2, 2, 4) on the shown composite, vetoed
units after all others. Units whose weighted returns are missing or invalid get no
composite, grade or rank: they are shown as 待提交 / 待核实, never as 0 — a vetoed unit
shows its 否决等次 all the same (a veto does not depend on the score).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cached_property

from kaohe_xl.rubric.model import Aggregation, FormKind, ItemKind, Rubric, Source, Unit
from kaohe_xl.store.records import ReturnState, ScoreRecord, UnitState

CENT = Decimal("0.01")
ZERO = Decimal(0)


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
    """The combined score of one item (or rater category) for one unit and source."""

    unit_id: str
    source: str
    key: str  # item id; category name for rater sources
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
    bonus_claimed: Decimal = ZERO  # Σ 加分 before cap and threshold
    bonus: Decimal = ZERO  # counted bonus
    penalty: Decimal = ZERO
    total: Decimal = ZERO
    full_marks: Decimal = ZERO
    converted: Fraction = Fraction(0)  # total × scale / full marks, exactly (1000/1500 never ends)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnitResult:
    """Everything the summary shows about one unit."""

    unit_id: str
    unit_name: str
    group: str
    status: ReturnState  # of the weighted sources: ok, or missing/invalid (待提交/待核实)
    source_states: dict[str, ReturnState] = field(hash=False)
    sources: dict[str, SourceResult] = field(hash=False)  # the sources that could be scored
    primary: str = ""  # the assessor source whose categories/base/bonus/penalty are shown
    composite: Decimal | None = None  # exact
    veto: bool = False
    veto_reason: str = ""
    grade: str = ""
    rank: int | None = None
    remarks: tuple[str, ...] = ()

    @property
    def shown(self) -> Decimal | None:
        """The composite as displayed, graded and ranked (2 decimals)."""
        return None if self.composite is None else round2(self.composite)

    @property
    def status_label(self) -> str:
        return self.status.label

    def total(self, source: str) -> Decimal | None:
        result = self.sources.get(source)
        return None if result is None else result.total

    @property
    def main(self) -> SourceResult | None:
        """The primary assessor source's result, when it could be scored."""
        return self.sources.get(self.primary)


@dataclass(frozen=True)
class Results:
    """The scored campaign: units in display order (ranked, vetoed, then incomplete)."""

    rubric: Rubric
    units: tuple[UnitResult, ...]
    item_scores: tuple[ItemScore, ...]
    primary: str
    self_source: str | None
    unit_order: tuple[str, ...] = ()  # unit ids in units-list order

    def in_list_order(self) -> list[UnitResult]:
        """The unit results in units-list order (``units`` is in display order)."""
        position = {unit_id: n for n, unit_id in enumerate(self.unit_order)}
        return sorted(self.units, key=lambda r: position.get(r.unit_id, len(position)))

    def unit(self, unit_id: str) -> UnitResult:
        for result in self.units:
            if result.unit_id == unit_id:
                return result
        raise KeyError(unit_id)

    def item_score(self, unit_id: str, source: str, key: str) -> ItemScore | None:
        return self._index.get((unit_id, source, key))

    @cached_property
    def _index(self) -> dict[tuple[str, str, str], ItemScore]:
        return {(s.unit_id, s.source, s.key): s for s in self.item_scores}


def primary_source(rubric: Rubric) -> Source:
    """The assessor-form source with the highest weight (the first among equals)."""
    assessors = rubric.sources_of(FormKind.ASSESSOR)
    if not assessors:
        raise ValueError("rubric has no assessor source")
    return max(assessors, key=lambda s: s.weight)  # max keeps the first of equal weights


def combine_items(rubric: Rubric, records: Iterable[ScoreRecord]) -> list[ItemScore]:
    """Group the records by (unit, source, item) and combine the raters' scores."""
    known_sources = {s.name for s in rubric.sources}
    grouped: dict[tuple[str, str, str], list[ScoreRecord]] = defaultdict(list)
    for record in records:
        if record.source in known_sources:
            grouped[(record.unit_id, record.source, record.key)].append(record)
    method = rubric.settings.aggregation
    scores = []
    for (unit_id, source, key), group in grouped.items():
        numbers = [r.value for r in group if r.value is not None]
        value, note = aggregate(numbers, method) if numbers else (None, "")
        marks = [r.veto for r in group if r.veto is not None]
        remarks = _remarks(group)
        scores.append(
            ItemScore(
                unit_id,
                source,
                key,
                value,
                veto=any(marks) if marks else None,
                values=tuple(numbers),
                raters=tuple(r.rater for r in group),
                remarks=remarks,
                note=note,
            )
        )
    return scores


def _remarks(group: list[ScoreRecord]) -> tuple[str, ...]:
    """Raters' remarks: once when they all wrote the same, else each as "评分人：原因"."""
    texts = list(dict.fromkeys(r.remark for r in group if r.remark))
    if len(texts) <= 1:
        return tuple(texts)
    return tuple(f"{r.rater}：{r.remark}" if r.rater else r.remark for r in group if r.remark)


def source_result(rubric: Rubric, source: Source, scores: dict[str, ItemScore]) -> SourceResult:
    """The arithmetic of one source for one unit from its combined item scores."""
    full = rubric.source_full_marks(source)
    scale = rubric.source_scale(source)
    notes = [f"条目{s.key}：{s.note}" for s in scores.values() if s.note]

    def value(key: str) -> Decimal:
        score = scores.get(key)
        return score.value if score is not None and score.value is not None else ZERO

    categories: dict[str, Decimal] = {}
    bonus_claimed = penalty = ZERO
    if source.form is FormKind.RATER:
        for category in rubric.categories:
            if source.name in category.rater_max:
                categories[category.name] = value(category.name)
        base = sum(categories.values(), ZERO)
        bonus = ZERO
    else:
        for category in rubric.scored_categories:
            assert category.cap is not None
            subtotal = sum((value(i.id) for i in rubric.items_in(category.name) if i.kind is ItemKind.BASE), ZERO)
            categories[category.name] = min(subtotal, category.cap)
        base = sum(categories.values(), ZERO)
        blank = [i.id for i in rubric.items_of(ItemKind.BASE) if scores.get(i.id) is None or scores[i.id].value is None]
        if blank and len(blank) < len(rubric.items_of(ItemKind.BASE)):
            notes.append(f"条目{'、'.join(blank)}未评分，按0分计")
        bonus_claimed = sum((value(i.id) for i in rubric.items_of(ItemKind.BONUS)), ZERO)
        settings = rubric.settings
        bonus = min(bonus_claimed, settings.bonus_cap) if base >= settings.bonus_threshold else ZERO
        if bonus_claimed and base < settings.bonus_threshold:
            notes.append(f"基础分低于加分门槛{settings.bonus_threshold}，加分不计")
        penalty = sum((value(i.id) for i in rubric.items_of(ItemKind.PENALTY)), ZERO)
    total = max(base + bonus - penalty, ZERO)
    # Kept as a fraction: 1000/1500 does not terminate, and a converted total rounded to
    # Decimal's 28 digits, then weighted, can land just below a true x.xx5 and be shown a
    # cent too low (0.6 × 199.99 × 1000/1200 is exactly 99.995, shown 100.00).
    converted = Fraction(total) * Fraction(scale) / Fraction(full) if full else Fraction(total)
    return SourceResult(
        source.name,
        source.form,
        source.weight,
        categories,
        base,
        bonus_claimed,
        bonus,
        penalty,
        total,
        full,
        converted,
        tuple(notes),
    )


def _source_state(source: Source, unit_id: str, states: list[UnitState], records: list[ItemScore]) -> ReturnState:
    mine = [s for s in states if s.unit_id == unit_id and s.form is source.form]
    if source.form is FormKind.RATER:  # one state per named rater of each rater source
        mine = [s for s in mine if s.source == source.name]
    relevant = [s.state for s in mine]
    if ReturnState.INVALID in relevant:
        return ReturnState.INVALID
    if ReturnState.MISSING in relevant or not records:
        return ReturnState.MISSING
    if source.form is FormKind.RATER and source.raters:
        seen = {rater for score in records for rater in score.raters}
        if seen & set(source.raters) and not set(source.raters) <= seen:
            return ReturnState.MISSING  # some named raters have not scored this unit
    return ReturnState.OK


def score(
    rubric: Rubric,
    units: Sequence[Unit],
    records: Iterable[ScoreRecord],
    states: Iterable[UnitState] = (),
) -> Results:
    """Score every unit: per-source totals, composite, veto, grade and rank.

    ``states`` are the collection states (:func:`kaohe_xl.collect.collection_status`);
    without one for a unit and form, the form counts as returned when it has records.
    """
    items = combine_items(rubric, records)
    state_list = list(states)
    by_unit: dict[str, dict[str, dict[str, ItemScore]]] = defaultdict(lambda: defaultdict(dict))
    for item_score in items:
        by_unit[item_score.unit_id][item_score.source][item_score.key] = item_score
    main = primary_source(rubric)
    selfs = rubric.sources_of(FormKind.SELF)
    results = [_score_unit(rubric, unit, by_unit[unit.id], state_list, main) for unit in units]
    return Results(
        rubric,
        tuple(rank(results)),
        tuple(items),
        main.name,
        selfs[0].name if selfs else None,
        tuple(unit.id for unit in units),
    )


def _score_unit(
    rubric: Rubric, unit: Unit, scores: dict[str, dict[str, ItemScore]], states: list[UnitState], main: Source
) -> UnitResult:
    source_states: dict[str, ReturnState] = {}
    sources: dict[str, SourceResult] = {}
    remarks: list[str] = []
    for source in rubric.sources:
        state = _source_state(source, unit.id, states, list(scores[source.name].values()))
        source_states[source.name] = state
        if state is ReturnState.OK:
            sources[source.name] = source_result(rubric, source, scores[source.name])
        else:
            remarks.append(f"{form_title(source)}{state.label}")
    weighted = [s for s in rubric.sources if s.weight != 0]
    status = ReturnState.OK
    for bad in (ReturnState.INVALID, ReturnState.MISSING):
        if any(source_states[s.name] is bad for s in weighted):
            status = bad
            break
    veto_reasons = []
    for source in rubric.sources_of(FormKind.ASSESSOR):
        if source_states[source.name] is ReturnState.INVALID:
            continue
        for item in rubric.items_of(ItemKind.VETO):
            mark = scores[source.name].get(item.id)
            if mark is not None and mark.veto:
                reason = "；".join(mark.remarks)
                veto_reasons.append(f"否决项{item.id}“{item.content}”" + (f"：{reason}" if reason else ""))
    composite = None
    if status is ReturnState.OK:
        composite = exact_decimal(sum((Fraction(s.weight) * sources[s.name].converted for s in weighted), Fraction(0)))
    for result in sources.values():
        remarks.extend(result.notes)
    settings = rubric.settings
    veto = bool(veto_reasons)
    grade = ""
    if veto:
        grade = settings.veto_grade
    elif composite is not None:
        grade = settings.grade_for(round2(composite))
    return UnitResult(
        unit_id=unit.id,
        unit_name=unit.name,
        group=unit.group,
        status=status,
        source_states=source_states,
        sources=sources,
        primary=main.name,
        composite=composite,
        veto=veto,
        veto_reason="；".join(veto_reasons),
        grade=grade,
        remarks=tuple(remarks),
    )


def rank(results: Sequence[UnitResult]) -> list[UnitResult]:
    """Competition ranks (1, 2, 2, 4) on the shown composite; vetoed units after all others.

    Returns the results in display order: ranked units, vetoed units (ranked on after
    the others), then units without a composite (no rank), each in input order on ties.
    """
    complete = [r for r in results if r.composite is not None]
    ordered: list[UnitResult] = []
    for group in ([r for r in complete if not r.veto], [r for r in complete if r.veto]):
        group_sorted = sorted(group, key=lambda r: -(r.shown or ZERO))  # sorted() is stable
        offset = len(ordered)
        for result in group_sorted:
            better = sum(1 for other in group_sorted if (other.shown or ZERO) > (result.shown or ZERO))
            ordered.append(replace(result, rank=offset + better + 1))
    ordered.extend(r for r in results if r.composite is None)
    return ordered


def form_title(source: Source) -> str:
    """The workbook a source's scores come in: 自评表, 考核组评分表, 班子评分表 (not 班子评分评分表)."""
    if source.form is not FormKind.RATER:
        return source.form.label
    return f"{source.name}表" if source.name.endswith("评分") else f"{source.name}{source.form.label}"


def source_label(name: str) -> str:
    """A source's total as a column header: 考核组 → 考核组得分, 班子评分 stays 班子评分."""
    return name if name.endswith("分") else f"{name}得分"
