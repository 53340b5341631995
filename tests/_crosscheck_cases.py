"""Seeded random rubrics, units, records and states for the scoring cross-check.

Every case is a scheme ``kaohe init`` would accept (docs/rubric.md): one 自评 and one
民主测评 source at most, a weight somewhere, a 计入条目 only on an unweighted 民主测评
source and only on a 基础 item of an ordinary category, 取高组 members of one kind (and
one category for 基础 items), 扣分制 categories with a 分值 and 基础 items only, rater
maxima on the categories. Scores stay within 0..分值 (what the forms validate); the
states are what ``collection_status`` would give (stale records behind a 待核实 return,
none behind a 待提交 one), with now and then no state at all (the engine then goes by
the records).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from _scoring_model import BALLOT_GRADES, model_score, round2

from kaohe_xl.rubric.model import (
    Aggregation,
    BonusBasis,
    BonusScope,
    Category,
    FormKind,
    Grade,
    Item,
    ItemKind,
    Rubric,
    Settings,
    Source,
    Unit,
)
from kaohe_xl.store.records import ReturnState, ScoreRecord, UnitState

D = Decimal
ASSESSORS = ("李明", "赵芳", "王强", "陈静", "刘洋")
RATERS = ("张晓岩", "苏虎林", "郑亚娜", "李建平", "杨志强", "张学红", "赵秉鸿")
SCHEMES = ("default", "rounds", "xinzhuang", "ballot_weighted", "random")


@dataclass
class Case:
    seed: int
    scheme: str
    rubric: Rubric
    units: list[Unit]
    records: list[ScoreRecord]
    states: list[UnitState]


def _steps(points: Decimal, step: Decimal, share: float) -> Decimal:
    """A multiple of ``step`` near ``share`` × ``points``, within 0..points."""
    most = int(points / step)
    return min(points, step * int(most * share))


def _pick_points(rng: random.Random) -> Decimal:
    return D(rng.choice(["1", "2", "3", "4", "5", "6", "7", "8", "10", "12", "15", "20", "2.5", "5.5", "1.5", "0.5"]))


def gen_rubric(rng: random.Random, scheme: str) -> Rubric:
    cat_specs: list[dict] = []
    items: list[Item] = []
    next_id = 1

    def new_id() -> str:
        nonlocal next_id
        next_id += 1
        return str(next_id - 1)

    for c in range(rng.randint(1, 5)):
        name = f"类别{c + 1}"
        deduction = rng.random() < 0.2
        members: list[Item] = []
        k = rng.randint(1, 5)
        if deduction:
            cap = D(rng.choice([5, 10, 20]))
            for _ in range(k):
                points = D(rng.choice([1, 2, 3, 5, int(cap)]))
                members.append(Item(new_id(), name, f"扣分指标{next_id}", ItemKind.BASE, min(points, cap)))
        else:
            for _ in range(k):
                members.append(Item(new_id(), name, f"内容{next_id}", ItemKind.BASE, _pick_points(rng)))
            total = sum((i.points for i in members), D(0))
            roll = rng.random()
            if roll < 0.6:
                cap = total
            elif roll < 0.85 and total > 1:
                cap = max(D(1), (total * D(rng.choice(["0.5", "0.7", "0.9"]))).quantize(D(1)))  # 封顶
            else:
                cap = total + D(rng.choice([1, 2, 5]))
        if len(members) >= 2 and rng.random() < 0.2:
            chosen = rng.sample(range(len(members)), rng.randint(2, len(members)))
            for n in chosen:
                members[n] = replace(members[n], best_of=f"组{c}")
        items.extend(members)
        cat_specs.append({"name": name, "cap": cap, "deduction": deduction})
    if rng.random() < 0.6:
        members = [
            Item(new_id(), "加分项目", f"加分{next_id}", ItemKind.BONUS, D(rng.choice([1, 2, 3, 5, 10])))
            for _ in range(rng.randint(1, 5))
        ]
        if len(members) >= 2 and rng.random() < 0.5:
            for n in rng.sample(range(len(members)), rng.randint(2, len(members))):
                members[n] = replace(members[n], best_of=rng.choice(["表彰", "推广"]))
        labels = [m.best_of for m in members if m.best_of]
        for n, m in enumerate(members):  # no single-member groups (they only warn): keep them out
            if m.best_of and labels.count(m.best_of) == 1:
                members[n] = replace(m, best_of="")
        items.extend(members)
        cat_specs.append({"name": "加分项目", "cap": None, "deduction": False})
    penalties: list[Item] = []
    if rng.random() < 0.6:
        penalties = [
            Item(new_id(), "扣分项目", f"扣分{next_id}", ItemKind.PENALTY, D(rng.choice([1, 2, 5, 10, 20, 50])))
            for _ in range(rng.randint(1, 3))
        ]
        if len(penalties) >= 2 and rng.random() < 0.3:
            penalties[0] = replace(penalties[0], best_of="同一事项")
            penalties[1] = replace(penalties[1], best_of="同一事项")
    if rng.random() < 0.4:
        penalties += [Item(new_id(), "扣分项目", f"否决{next_id}", ItemKind.VETO) for _ in range(rng.randint(1, 2))]
    if penalties:
        items.extend(penalties)
        cat_specs.append({"name": "扣分项目", "cap": None, "deduction": False})

    plain = [c["name"] for c in cat_specs if c["cap"] is not None and not c["deduction"]]
    if plain and rng.random() < 0.2:  # a 加分/扣分/否决 item inside an ordinary category
        movable = [n for n, i in enumerate(items) if i.kind is not ItemKind.BASE and not i.best_of]
        for n in rng.sample(movable, min(len(movable), rng.randint(1, 2))):
            items[n] = replace(items[n], category=rng.choice(plain))
        used = {i.category for i in items}
        cat_specs = [c for c in cat_specs if c["name"] in used]
    scored = [c for c in cat_specs if c["cap"] is not None]
    full = sum((c["cap"] for c in scored), D(0))
    plain_base = [i for i in items if i.kind is ItemKind.BASE and not _deduction(cat_specs, i.category)]

    sources, rater_source = _gen_sources(rng, scheme, plain_base)
    rater_max: dict[str, dict[str, Decimal]] = {}
    if rater_source:
        for c in scored:
            rater_max[c["name"]] = D(rng.choice([0, 1, 2, 5, 5, 10, 20]))
        if not any(rater_max.values()):
            rater_max[scored[0]["name"]] = D(10)
    categories = tuple(
        Category(
            c["name"],
            c["cap"],
            rater_max={rater_source: rater_max[c["name"]]} if rater_source and rater_max.get(c["name"]) else {},
            deduction=c["deduction"],
        )
        for c in cat_specs
    )
    has_bonus = any(i.kind is ItemKind.BONUS for i in items)
    settings = Settings(
        name="交叉核对",
        year="2023",
        full_marks=full,
        bonus_cap=D(rng.choice([0, 3, 5, 10, 10, 100])) if has_bonus and rng.random() > 0.1 else D(0),
        bonus_threshold=(full * D(rng.choice(["0.5", "0.6", "0.8", "0.95"]))).quantize(D("0.1"))
        if rng.random() < 0.5
        else D(0),
        bonus_basis=rng.choice([BonusBasis.BASE, BonusBasis.AFTER_PENALTY]),
        bonus_scope=rng.choice([None, None, BonusScope.PER_SOURCE, BonusScope.ANNUAL]),
        aggregation=rng.choice([Aggregation.MEAN, Aggregation.TRIMMED_MEAN]),
        veto_grade=rng.choice(["不达标", "一票否决"]),
        ballot_weights=rng.choice(
            [
                (("好", D(1)), ("较好", D("0.8")), ("一般", D("0.6")), ("较差", D(0))),
                (("好", D(1)), ("较好", D("0.75")), ("一般", D("0.5")), ("较差", D("0.2"))),
                (("好", D("0.9")), ("较好", D("0.7")), ("一般", D("0.3")), ("较差", D(0))),
            ]
        ),
    )
    rubric = Rubric(settings, categories, tuple(items), tuple(sources))
    return with_bands(rubric, rng)


def _deduction(cat_specs: list[dict], name: str) -> bool:
    return any(c["name"] == name and c["deduction"] for c in cat_specs)


def _gen_sources(rng: random.Random, scheme: str, plain_base: list[Item]) -> tuple[list[Source], str]:
    S = Source
    self_src = [S("自评", FormKind.SELF, D(0))] if rng.random() < 0.8 else []
    target = rng.choice(plain_base).id if plain_base else ""
    rater = ""
    if scheme == "default":
        return [*self_src, S("考核组", FormKind.ASSESSOR, D(1))], ""
    if scheme == "rounds":
        scale = rng.choice([None, None, D(100), D(1000)])
        return [
            *self_src,
            S("专项督查", FormKind.ASSESSOR, D("0.3"), scale),
            S("年终考核", FormKind.ASSESSOR, D("0.7"), scale),
        ], ""
    if scheme == "xinzhuang":
        raters = tuple(rng.sample(RATERS, rng.randint(1, 7)))
        out = [
            S("考核组", FormKind.ASSESSOR, D("0.9"), D(1000)),
            S("班子评分", FormKind.RATER, D("0.1"), D(1000), raters=raters),
        ]
        if target and rng.random() < 0.7:
            out.append(S("民主测评", FormKind.BALLOT, D(0), target=target))
        return out, "班子评分"
    if scheme == "ballot_weighted":
        w = D(rng.choice(["0.1", "0.2", "0.3"]))
        scale = rng.choice([None, D(100)])
        return [
            *self_src,
            S("考核组", FormKind.ASSESSOR, 1 - w, scale),
            S("民主测评", FormKind.BALLOT, w, scale),
        ], ""
    # random: a mix, weights that need not add up to 1
    out = list(self_src)
    if out and rng.random() < 0.2:
        out = [S("自评", FormKind.SELF, D(rng.choice(["0.1", "0.2"])))]
    names = ["专项督查", "半年考核", "年终考核"][: rng.randint(1, 3)]
    for name in names:
        out.append(
            S(
                name,
                FormKind.ASSESSOR,
                D(rng.choice(["0.2", "0.25", "0.3", "0.5", "0.7", "1"])),
                rng.choice([None, D(100), D(1000), D(120)]),
            )
        )
    if rng.random() < 0.1:  # a round that weighs nothing: scored and shown, never waited for
        out.append(S("预检", FormKind.ASSESSOR, D(0)))
    if rng.random() < 0.5:
        rater = "班子评分"
        raters = tuple(rng.sample(RATERS, rng.randint(1, 5)))
        out.append(
            S(
                rater,
                FormKind.RATER,
                D(rng.choice(["0.1", "0.2", "0.3"])),
                rng.choice([None, D(100), D(1000)]),
                raters=raters,
            )
        )
    roll = rng.random()
    if roll < 0.3 and target:
        out.append(S("民主测评", FormKind.BALLOT, D(0), target=target))
    elif roll < 0.55:
        out.append(S("民主测评", FormKind.BALLOT, D(rng.choice(["0.1", "0.15"])), rng.choice([None, D(100), D(1000)])))
    elif roll < 0.6:
        out.append(S("民主测评", FormKind.BALLOT, D(0)))  # unused: warns, counts nowhere
    return out, rater


def composite_max(rubric: Rubric) -> Fraction:
    total = Fraction(0)
    for src in rubric.sources:
        if src.weight == 0:
            continue
        if src.scale is not None:
            full = Fraction(src.scale)
        elif src.form is FormKind.RATER:
            full = sum((Fraction(c.rater_max.get(src.name, 0)) for c in rubric.categories), Fraction(0))
        elif src.form is FormKind.BALLOT:
            full = Fraction(100)
        else:
            full = Fraction(rubric.settings.full_marks)
        total += Fraction(src.weight) * full
    return total


def with_bands(rubric: Rubric, rng: random.Random, lines: list[Decimal] | None = None) -> Rubric:
    """等次 and 合格线 on the composite scale; with ``lines``, boundaries placed on them."""
    top = composite_max(rubric)
    marks = [round2(top * Fraction(p, 100)) for p in (90, 80, 60)]
    if lines:
        for n in range(len(marks)):
            if rng.random() < 0.6:
                marks[n] = rng.choice(lines) + D(rng.choice(["0", "0", "0.01", "-0.01"]))
        marks.sort(reverse=True)
    grades = (
        Grade("优秀", marks[0]),
        Grade("良好", marks[1]),
        Grade("合格", marks[2]),
        Grade("不合格", None),
    )
    pass_line = None if rng.random() < 0.3 else marks[2]
    if lines and pass_line is not None and rng.random() < 0.5:
        pass_line = rng.choice(lines)
    return replace(rubric, settings=replace(rubric.settings, grades=grades, pass_line=pass_line))


def _value(rng: random.Random, points: Decimal, quality: float, step: Decimal) -> Decimal:
    share = 1.0 if rng.random() < 0.25 else min(1.0, max(0.0, quality + rng.uniform(-0.25, 0.25)))
    return _steps(points, step, share)


def _deduction_value(rng: random.Random, points: Decimal, step: Decimal, often: float) -> Decimal:
    return D(0) if rng.random() > often else _steps(points, step, rng.random())


def gen_unit_records(
    rng: random.Random, rubric: Rubric, unit: Unit, step: Decimal
) -> tuple[list[ScoreRecord], list[UnitState]]:
    records: list[ScoreRecord] = []
    states: list[UnitState] = []
    quality = rng.uniform(0.2, 1.0)
    computed = {s.target for s in rubric.sources if s.form is FormKind.BALLOT and s.target}
    deduction_cats = {c.name for c in rubric.categories if c.deduction}

    def pick_state() -> ReturnState | None:
        roll = rng.random()
        if roll < 0.05:
            return ReturnState.MISSING
        if roll < 0.10:
            return ReturnState.INVALID
        if roll < 0.13:
            return None  # no state: the records decide
        return ReturnState.OK

    def emits(state: ReturnState | None) -> bool:
        return state is ReturnState.OK or (state is not ReturnState.MISSING and rng.random() < 0.5)

    for src in rubric.sources:
        if src.form is FormKind.RATER:
            for rater in src.raters:
                state = pick_state()
                if state is not None:
                    states.append(UnitState(unit.id, FormKind.RATER, state, 1, source=src.name, rater=rater))
                if not emits(state):
                    continue
                rstep = rng.choice([D(1), D("0.5"), D("0.1")])
                for cat in rubric.categories:
                    maximum = cat.rater_max.get(src.name, D(0))
                    if maximum > 0:
                        records.append(
                            ScoreRecord(
                                FormKind.RATER,
                                src.name,
                                unit.id,
                                cat.name,
                                _value(rng, maximum, quality, rstep),
                                rater=rater,
                            )
                        )
            continue
        state = pick_state()
        if state is not None:
            states.append(UnitState(unit.id, src.form, state, 1, source=src.name))
        if not emits(state):
            continue
        if src.form is FormKind.BALLOT:
            present = rng.randint(5, 40)
            counts = [0, 0, 0, 0]
            voters = rng.randint(1, present)
            weights = [quality, 1 - abs(quality - 0.6), 0.6 - quality / 2, 0.2]
            for _ in range(voters):
                counts[rng.choices(range(4), weights=[max(w, 0.05) for w in weights])[0]] += 1
            for grade, count in zip(BALLOT_GRADES, counts, strict=True):
                records.append(ScoreRecord(FormKind.BALLOT, src.name, unit.id, grade, D(count)))
            records.append(ScoreRecord(FormKind.BALLOT, src.name, unit.id, "实到人数", D(present)))
            continue
        who = [""] if src.form is FormKind.SELF else list(ASSESSORS[: rng.choice([1, 1, 2, 3, 3, 4, 5])])
        for name in who:
            for item in rubric.items:
                if item.id in computed:
                    continue
                if item.kind is ItemKind.VETO:
                    veto = None if rng.random() < 0.05 else rng.random() < (0.1 if not name else 0.02)
                    records.append(ScoreRecord(src.form, src.name, unit.id, item.id, None, veto=veto, rater=name))
                    continue
                assert item.points is not None
                if rng.random() < 0.03:
                    value = None
                elif item.kind is ItemKind.PENALTY:
                    value = _deduction_value(rng, item.points, step, 0.25)
                elif item.kind is ItemKind.BONUS:
                    value = _deduction_value(rng, item.points, step, 0.5)
                elif item.category in deduction_cats:
                    value = _deduction_value(rng, item.points, step, 0.4)
                else:
                    value = _value(rng, item.points, quality, step)
                records.append(ScoreRecord(src.form, src.name, unit.id, item.id, value, rater=name))
    return records, states


def gen_case(seed: int) -> Case:
    rng = random.Random(seed)
    scheme = SCHEMES[seed % len(SCHEMES)]
    rubric = gen_rubric(rng, scheme)
    step = rng.choice([D(1), D("0.5"), D("0.1"), D("0.01")])
    units = [
        Unit(
            f"{n:02d}",
            f"单位{n}",
            group=rng.choice(["", "城区", "县"]),
            assessor_group=rng.choice(["考核组", "第二考核组"]),
        )
        for n in range(1, rng.randint(3, 16) + 1)
    ]
    records: list[ScoreRecord] = []
    states: list[UnitState] = []
    made: dict[str, tuple[list[ScoreRecord], list[UnitState]]] = {}
    for unit in units:
        if made and rng.random() < 0.15:  # a twin of an earlier unit: ties in the ranking
            twin_records, twin_states = made[rng.choice(list(made))]
            mine = (
                [replace(r, unit_id=unit.id) for r in twin_records],
                [replace(s, unit_id=unit.id) for s in twin_states],
            )
        else:
            mine = gen_unit_records(rng, rubric, unit, step)
        made[unit.id] = mine
        records += mine[0]
        states += mine[1]
    roll = rng.random()
    if roll < 0.3 and rubric.settings.bonus_cap > 0:  # put 加分门槛 on a basis that occurs
        bases = []
        for m in model_score(rubric, units, records, states).values():
            for s in m.sources.values():
                if s.form in (FormKind.SELF, FormKind.ASSESSOR):
                    bases.append(s.base if rubric.settings.bonus_basis is BonusBasis.BASE else s.base - s.penalty)
        if bases:
            line = max(rng.choice(bases) + D(rng.choice(["0", "0", "0.01"])), D(0))
            rubric = replace(rubric, settings=replace(rubric.settings, bonus_threshold=line))
    elif roll < 0.75:  # or 等次 boundaries and 合格线 on composites that occur
        shown = [m.shown for m in model_score(rubric, units, records, states).values() if m.shown is not None]
        if shown:
            rubric = with_bands(rubric, rng, shown)
    rng.shuffle(records)
    return Case(seed, scheme, rubric, units, records, states)


def features(case: Case, model: dict) -> Counter[str]:
    """Which rules and edges a case exercises (for the coverage check), from the model."""
    from _scoring_model import annual_mode, best_of_sum, scored_categories

    seen: Counter[str] = Counter()
    rubric = case.rubric
    s = rubric.settings
    seen[f"scheme {case.scheme}"] += 1
    seen[f"aggregation {s.aggregation.value}"] += 1
    seen[f"bonus basis {s.bonus_basis.value}"] += 1
    seen["bonus annual" if annual_mode(rubric) else "bonus per source"] += 1
    by_key: dict[tuple[str, str, str], int] = Counter()
    for r in case.records:
        if r.value is not None:
            by_key[(r.unit_id, r.source, r.key)] += 1
    if s.aggregation is Aggregation.TRIMMED_MEAN:
        for (_u, name, _k), n in by_key.items():
            form = next(x.form for x in rubric.sources if x.name == name)
            if form in (FormKind.ASSESSOR, FormKind.RATER):
                seen[f"trimmed {form.value} {'≥3' if n >= 3 else '2 (fallback)' if n == 2 else '1'}"] += 1
    else:
        if any(n >= 2 for n in by_key.values()):
            seen["mean of several"] += 1
    base_cats = {i.category for i in rubric.items if i.kind is ItemKind.BASE}
    if any(i.kind is not ItemKind.BASE and i.category in base_cats for i in rubric.items):
        seen["加分/扣分/否决 in an ordinary category"] += 1
    for src in rubric.sources:
        if src.form is FormKind.ASSESSOR and not src.weight:
            seen["round weighing 0"] += 1
        if src.form is FormKind.BALLOT and src.target and next(i for i in rubric.items if i.id == src.target).best_of:
            seen["计入条目 in a 取高组"] += 1
        if src.form is FormKind.BALLOT:
            seen["ballot " + ("target" if src.target else "weighted" if src.weight else "unused")] += 1
        if src.scale is not None and src.weight:
            seen["converted source"] += 1
    counted = [x.name for x in rubric.sources if x.weight or (x.form is FormKind.BALLOT and x.target)]
    vetoes = {i.id for i in rubric.items if i.kind is ItemKind.VETO}
    marked = {(r.unit_id, r.source) for r in case.records if r.key in vetoes and r.veto}
    for unit in model.values():
        seen[f"status {unit.status.value}"] += 1
        here = {unit.source_states[name] for name in counted}
        if {ReturnState.MISSING, ReturnState.INVALID} <= here:
            seen["counted missing and invalid together"] += 1
        for src in rubric.sources:
            if (unit.unit_id, src.name) in marked and not unit.veto:
                kind = "self" if src.form is FormKind.SELF else unit.source_states[src.name].value
                seen[f"veto marked, not counted ({kind})"] += 1
        if {ReturnState.MISSING, ReturnState.INVALID} <= set(unit.source_states.values()):
            seen["missing and invalid together"] += 1
        if unit.veto:
            seen["veto " + ("ranked" if unit.rank else "unscored")] += 1
        if unit.composite is not None:
            frac100 = unit.composite * 100
            if frac100.denominator == 2:
                seen["composite x.xx5"] += 1
            if unit.composite.denominator % 2 and unit.composite.denominator % 5 and unit.composite.denominator > 1:
                seen["composite non-terminating"] += 1
            if any(unit.shown == g.minimum for g in s.grades):
                seen["shown on a band boundary"] += 1
            if s.pass_line is not None and unit.shown == s.pass_line:
                seen["shown on the pass line"] += 1
            if unit.passed is False and not unit.veto:
                seen["not passed"] += 1
        for sm in unit.sources.values():
            if sm.form not in (FormKind.SELF, FormKind.ASSESSOR):
                continue
            values = sm.item_values
            for cat in scored_categories(rubric):
                members = [i for i in rubric.items if i.category == cat.name and i.kind is ItemKind.BASE]
                summed = best_of_sum(members, values)
                if cat.deduction and summed > cat.cap:
                    seen["扣分制 used up"] += 1
                elif cat.deduction and summed:
                    seen["扣分制 partly"] += 1
                elif not cat.deduction and summed > cat.cap:
                    seen["category capped"] += 1
                groups = {i.best_of for i in members if i.best_of}
                for g in groups:
                    if sum(1 for i in members if i.best_of == g and (values.get(i.id) or 0) > 0) >= 2:
                        seen["取高组 base effective"] += 1
            bonus_items = [i for i in rubric.items if i.kind is ItemKind.BONUS]
            for g in {i.best_of for i in bonus_items if i.best_of}:
                if sum(1 for i in bonus_items if i.best_of == g and (values.get(i.id) or 0) > 0) >= 2:
                    seen["取高组 bonus effective"] += 1
            basis = sm.base if s.bonus_basis is BonusBasis.BASE else sm.base - sm.penalty
            if sm.bonus_claimed:
                if basis < s.bonus_threshold:
                    seen["bonus below threshold"] += 1
                elif basis == s.bonus_threshold:
                    seen["bonus basis on the threshold"] += 1
                if sm.bonus and sm.bonus_claimed > s.bonus_cap:
                    seen["bonus capped"] += 1
                if s.bonus_cap == 0:
                    seen["bonus without cap"] += 1
            if basis < 0:
                seen["negative basis"] += 1
                if sm.bonus_claimed and s.bonus_threshold == 0 and s.bonus_cap:
                    seen["bonus blocked by a negative basis (门槛 0)"] += 1
            if sm.base + sm.bonus - sm.penalty < 0:
                seen["total floored at 0"] += 1
    ranks = [u.rank for u in model.values() if u.rank is not None]
    if len(ranks) != len(set(ranks)):
        seen["tied ranks"] += 1
    return seen
