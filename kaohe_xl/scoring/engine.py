"""Scores → per-source totals, composite, pass, grades and ranks. Pure: no I/O.

The arithmetic of one source for one unit (categories, 取高组, 扣分制, bonus, 民主测评)
is :mod:`kaohe_xl.scoring.rules`. Here, per unit:

* each source's state (已收到 / 待提交 / 待核实) from the collection states: a 考核组 round,
  a 民主测评 tally, each named rater of a rater source;
* an item filled by 民主测评 (计入条目) gets its score on every self and assessor source;
* composite = Σ over sources of weight × total × scale / full marks of the source
  (+ the year's 加分 once, with 加分计入 年度总分: :func:`~kaohe_xl.scoring.rules.annual_bonus`),
  shown with 2 decimals (ROUND_HALF_UP). Grades come from ``Settings.grade_for`` on the
  shown composite; ``passed`` compares it with 合格线 (a veto fails); ranks are
  competition ranks (1, 2, 2, 4) on the shown composite, vetoed units after all others.

Units whose counted sources (a weight, or an item they fill) are missing or invalid
get no composite, grade or rank: they are shown as 待提交 / 待核实, never as 0 — a vetoed
unit shows its 否决等次 all the same (a veto does not depend on the score).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from functools import cached_property

from kaohe_xl.rubric.model import FormKind, Rubric, Source, Unit
from kaohe_xl.scoring.plan import plan
from kaohe_xl.scoring.rules import (
    CENT,
    ZERO,
    ItemScore,
    SourceResult,
    aggregate,
    annual_bonus,
    ballot_item_score,
    ballot_ratio,
    combine_items,
    exact_decimal,
    round2,
    source_result,
)
from kaohe_xl.store.records import ReturnState, ScoreRecord, UnitState

__all__ = [
    "CENT",
    "ZERO",
    "ItemScore",
    "Results",
    "SourceResult",
    "UnitResult",
    "aggregate",
    "combine_items",
    "exact_decimal",
    "form_title",
    "primary_source",
    "rank",
    "round2",
    "score",
    "source_label",
    "source_result",
]


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
    passed: bool | None = None  # 合格线: None when the rubric has none or there is no composite
    annual_bonus: Decimal | None = None  # 加分计入 年度总分: the year's 加分 (points of the primary round's form)

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
    def bonus(self) -> Decimal | None:
        """The 加分 that counted: the year's (加分计入 年度总分) or the primary source's."""
        if self.annual_bonus is not None:
            return self.annual_bonus
        main = self.main
        return None if main is None else main.bonus

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
        """One unit's result (KeyError for an unknown id), found through an index built once."""
        return self._by_unit[unit_id]

    @cached_property
    def _by_unit(self) -> dict[str, UnitResult]:
        return {result.unit_id: result for result in self.units}

    @cached_property
    def ranked(self) -> int:
        """How many units have a rank (the “共 n 个单位” of a rank sentence)."""
        return sum(1 for result in self.units if result.rank is not None)

    def unit_items(self, unit_id: str) -> list[ItemScore]:
        """The item scores of one unit, every source, in the order of ``item_scores``."""
        return self._items_by_unit.get(unit_id, [])

    @cached_property
    def _items_by_unit(self) -> dict[str, list[ItemScore]]:
        grouped: dict[str, list[ItemScore]] = defaultdict(list)
        for item_score in self.item_scores:
            grouped[item_score.unit_id].append(item_score)
        return dict(grouped)

    def item_score(self, unit_id: str, source: str, key: str) -> ItemScore | None:
        return self._index.get((unit_id, source, key))

    @cached_property
    def _index(self) -> dict[tuple[str, str, str], ItemScore]:
        return {(s.unit_id, s.source, s.key): s for s in self.item_scores}

    def source_scores(self, unit_id: str, source: str) -> Mapping[str, ItemScore]:
        """One unit's scores of one source by key (item id, category, grade); empty when none."""
        return self._by_unit_source.get((unit_id, source), {})

    @cached_property
    def _by_unit_source(self) -> dict[tuple[str, str], dict[str, ItemScore]]:
        grouped: dict[tuple[str, str], dict[str, ItemScore]] = {}
        for s in self.item_scores:  # the last of equal keys wins, as in _index
            grouped.setdefault((s.unit_id, s.source), {})[s.key] = s
        return grouped


def primary_source(rubric: Rubric) -> Source:
    """The assessor-form source with the highest weight (the first among equals)."""
    assessors = rubric.sources_of(FormKind.ASSESSOR)
    if not assessors:
        raise ValueError("rubric has no assessor source")
    return max(assessors, key=lambda s: s.weight)  # max keeps the first of equal weights


def _source_state(
    source: Source, unit_id: str, states: list[UnitState], records: list[ItemScore], *, default_source: bool = True
) -> ReturnState:
    """A source's state for one unit. A state that names no source belongs to the first
    source of its form (``default_source``): stores and callers from before rounds."""
    mine = [
        s
        for s in states
        if s.unit_id == unit_id
        and s.form is source.form
        and (s.source == source.name or (not s.source and default_source))
    ]
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
    """Score every unit: per-source totals, composite, veto, pass, grade and rank.

    ``states`` are the collection states (:func:`kaohe_xl.store.status.collection_status`);
    without one for a unit and source, the source counts as returned when it has records.
    """
    items = combine_items(rubric, records)
    state_list: dict[str, list[UnitState]] = defaultdict(list)  # by unit: indexed once, not scanned per unit
    for state in states:
        state_list[state.unit_id].append(state)
    by_unit: dict[str, dict[str, dict[str, ItemScore]]] = defaultdict(lambda: defaultdict(dict))
    for item_score in items:
        by_unit[item_score.unit_id][item_score.source][item_score.key] = item_score
    main = primary_source(rubric)
    results = []
    for unit in units:
        result, filled = _score_unit(rubric, unit, by_unit[unit.id], state_list.get(unit.id, []), main)
        results.append(result)
        items.extend(filled)
    self_source = rubric.self_source
    return Results(
        rubric,
        tuple(rank(results)),
        tuple(items),
        main.name,
        self_source.name if self_source else None,
        tuple(unit.id for unit in units),
    )


def _states(
    rubric: Rubric, unit: Unit, scores: dict[str, dict[str, ItemScore]], states: list[UnitState]
) -> dict[str, ReturnState]:
    firsts = {rubric.sources_of(form)[0].name for form in FormKind if rubric.sources_of(form)}
    return {
        source.name: _source_state(
            source, unit.id, states, list(scores[source.name].values()), default_source=source.name in firsts
        )
        for source in rubric.sources
    }


def _fill_ballot_items(
    rubric: Rubric, unit: Unit, scores: dict[str, dict[str, ItemScore]], source_states: dict[str, ReturnState]
) -> list[ItemScore]:
    """The items 民主测评 fills (计入条目), on every self and assessor source of the unit."""
    filled = []
    for ballot in rubric.sources_of(FormKind.BALLOT):
        if not ballot.target:
            continue
        ok = source_states[ballot.name] is ReturnState.OK
        ratio = ballot_ratio(rubric, scores[ballot.name]) if ok else None
        for source in (*rubric.sources_of(FormKind.SELF), *rubric.sources_of(FormKind.ASSESSOR)):
            item = ballot_item_score(rubric, unit.id, source.name, rubric.item(ballot.target), ratio)
            scores[source.name][item.key] = item
            filled.append(item)
    return filled


def _score_unit(
    rubric: Rubric, unit: Unit, scores: dict[str, dict[str, ItemScore]], states: list[UnitState], main: Source
) -> tuple[UnitResult, list[ItemScore]]:
    source_states = _states(rubric, unit, scores, states)
    filled = _fill_ballot_items(rubric, unit, scores, source_states)
    sources: dict[str, SourceResult] = {}
    remarks: list[str] = []
    for source in rubric.sources:
        state = source_states[source.name]
        if state is ReturnState.OK:
            sources[source.name] = source_result(rubric, source, scores[source.name])
        else:
            remarks.append(f"{_round_title(rubric, source)}{state.label}")
    counted = [s for s in rubric.sources if rubric.counted(s)]
    status = ReturnState.OK
    for bad in (ReturnState.INVALID, ReturnState.MISSING):
        if any(source_states[s.name] is bad for s in counted):
            status = bad
            break
    veto_reasons = _veto_reasons(rubric, scores, source_states)
    composite = bonus = None
    for counted_result in sources.values():
        remarks.extend(counted_result.notes)
    if status is ReturnState.OK:
        weighted = [s for s in rubric.sources if s.weight != 0]
        total = sum((Fraction(s.weight) * sources[s.name].converted for s in weighted), Fraction(0))
        if rubric.bonus_annual:
            bonus, on_scale, notes = annual_bonus(rubric, sources, scores)
            total += on_scale
            remarks.extend(notes)
        composite = exact_decimal(total)
    settings = rubric.settings
    veto = bool(veto_reasons)
    grade = ""
    if veto:
        grade = settings.veto_grade
    elif composite is not None:
        grade = settings.grade_for(round2(composite))
    result = UnitResult(
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
        passed=passed(rubric, composite, veto),
        annual_bonus=bonus,
    )
    return result, filled


def passed(rubric: Rubric, composite: Decimal | None, veto: bool) -> bool | None:
    """合格线: False below it (or vetoed), True at or above it; None without a line or a composite."""
    line = rubric.settings.pass_line
    if line is None:
        return None
    if veto:
        return False
    return None if composite is None else round2(composite) >= line


def _veto_reasons(
    rubric: Rubric, scores: dict[str, dict[str, ItemScore]], source_states: dict[str, ReturnState]
) -> list[str]:
    reasons = []
    for source in rubric.sources_of(FormKind.ASSESSOR):
        if source_states[source.name] is ReturnState.INVALID:
            continue
        for item in plan(rubric).veto:
            mark = scores[source.name].get(item.id)
            if mark is not None and mark.veto:
                reason = "；".join(mark.remarks)
                text = f"否决项{item.id}“{item.content}”" + (f"：{reason}" if reason else "")
                if text not in reasons:
                    reasons.append(text)
    return reasons


def rank(results: Sequence[UnitResult]) -> list[UnitResult]:
    """Competition ranks (1, 2, 2, 4) on the shown composite; vetoed units after all others.

    Returns the results in display order: ranked units, vetoed units (ranked on after
    the others), then units without a composite (no rank), each in input order on ties.
    """
    complete = [r for r in results if r.composite is not None]
    ordered: list[UnitResult] = []
    for group in ([r for r in complete if not r.veto], [r for r in complete if r.veto]):
        keyed = sorted(((r.shown or ZERO, r) for r in group), key=lambda pair: -pair[0])  # stable: input order on ties
        offset = len(ordered)
        previous: Decimal | None = None
        better = 0
        for position, (shown, result) in enumerate(keyed):
            if shown != previous:  # a tie keeps the rank of the first of its equals
                previous, better = shown, position
            ordered.append(replace(result, rank=offset + better + 1))
    ordered.extend(r for r in results if r.composite is None)
    return ordered


def _round_title(rubric: Rubric, source: Source) -> str:
    """``考核组评分表（专项督查）`` when the form has several sources, else :func:`form_title`."""
    if source.form is not FormKind.RATER and len(rubric.sources_of(source.form)) > 1:
        return f"{source.form.label}（{source.name}）"
    return form_title(source)


def form_title(source: Source) -> str:
    """The workbook a source's scores come in: 自评表, 考核组评分表, 班子评分表 (not 班子评分评分表)."""
    if source.form is not FormKind.RATER:
        return source.form.label
    return f"{source.name}表" if source.name.endswith("评分") else f"{source.name}{source.form.label}"


def source_label(name: str) -> str:
    """A source's total as a column header: 考核组 → 考核组得分, 班子评分 stays 班子评分."""
    return name if name.endswith("分") else f"{name}得分"
