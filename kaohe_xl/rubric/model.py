"""The rubric (考核细则) model: settings, categories, items, score sources.

A :class:`Rubric` is immutable and consistent once built; :func:`kaohe_xl.rubric_load.load_rubric`
reads one from a workbook or YAML file and reports every located problem.

Points are :class:`~decimal.Decimal` throughout so that hand calculations with
deductions such as 少一篇扣0.3分 match to the cent.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from kaohe_xl.problems import Problem


class ItemKind(StrEnum):
    """How an item's score enters the total (the 类型 column)."""

    BASE = "基础"  # scored 0..分值, summed per category, capped by the category
    BONUS = "加分"  # 0..分值 extra points, summed and capped by 加分上限
    PENALTY = "扣分"  # 0..分值 deducted, entered as a positive number
    VETO = "否决"  # 是/否; 是 makes the unit's grade the veto grade (一票否决)


class FormKind(StrEnum):
    """The kinds of scoring workbook, by who fills them in."""

    SELF = "self"  # 自评表, one per unit
    ASSESSOR = "assessor"  # 考核组评分表, one per assessor group (and round), a sheet per unit
    RATER = "rater"  # 评分表, one per weighted rater (e.g. 班子评分), units x categories
    BALLOT = "ballot"  # 民主测评表: one tally per assessor group, a row of vote counts per unit

    @property
    def label(self) -> str:
        return _FORM_LABELS[self.value]

    @classmethod
    def from_label(cls, text: str) -> FormKind:
        """Accepts the English value or the Chinese label (自评表 / 考核组评分表 / 评分表 / 民主测评表)."""
        for kind in cls:
            if text in (kind.value, kind.label, *_FORM_ALIASES.get(kind.value, ())):
                return kind
        raise ValueError(f"未知的表单类型“{text}”，应为 自评表、考核组评分表、评分表 或 民主测评表")


_FORM_LABELS = {"self": "自评表", "assessor": "考核组评分表", "rater": "评分表", "ballot": "民主测评表"}
_FORM_ALIASES = {"ballot": ("民主测评", "测评表", "民主测评票")}

# 民主测评: the four grades of a ballot, best first, and the default weight of each vote
# (设置 测评折算) when the rubric names none.
BALLOT_GRADES = ("好", "较好", "一般", "较差")
DEFAULT_BALLOT_WEIGHTS: tuple[tuple[str, Decimal], ...] = (
    ("好", Decimal(1)),
    ("较好", Decimal("0.8")),
    ("一般", Decimal("0.6")),
    ("较差", Decimal(0)),
)
# A 民主测评 source that carries a weight of its own is scored out of this many points.
BALLOT_FULL_MARKS = Decimal(100)


class BonusBasis(StrEnum):
    """What 加分门槛 is compared with (设置 加分门槛依据)."""

    BASE = "基础分"  # the base score (Σ category scores)
    AFTER_PENALTY = "扣分后"  # base score − 扣分 items (seed 003: 年度考评总分在60分以上)


class BonusScope(StrEnum):
    """Where 加分 counts (设置 加分计入)."""

    PER_SOURCE = "各来源"  # inside each source's 得分, then weighted with it
    ANNUAL = "年度总分"  # once, in full, on the weighted composite (seed 003's 奖励加分)


class Aggregation(StrEnum):
    """How several assessors' scores for the same item are combined (设置 多人评分)."""

    MEAN = "平均"
    TRIMMED_MEAN = "去掉最高分和最低分"


@dataclass(frozen=True)
class Item:
    """One row of the 条目 sheet."""

    id: str
    category: str
    content: str
    kind: ItemKind = ItemKind.BASE
    points: Decimal | None = None  # max points / max deduction; None for 否决 items
    rule: str = ""  # 评分标准
    method: str = ""  # 考核办法
    step: Decimal | None = None  # score granularity; None means the rubric default
    lead: str = ""  # 牵头单位
    hints: str = ""  # 评分要点, shown to assessors only
    best_of: str = ""  # 取高组: items sharing the label count only their highest score

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("item id is empty")
        if self.kind is ItemKind.VETO:
            if self.points is not None:
                raise ValueError(f"veto item {self.id} cannot carry points")
        elif self.points is None or self.points <= 0:
            raise ValueError(f"item {self.id} needs positive points")

    @property
    def is_scored(self) -> bool:
        """True for items that take a number (every kind but 否决)."""
        return self.kind is not ItemKind.VETO


@dataclass(frozen=True)
class Category:
    """A 类别 with its cap on the sum of its 基础 items (None: no 基础 items)."""

    name: str
    cap: Decimal | None
    # Per-category maximum for rater-form sources, by source name (e.g. 班子评分: 20).
    rater_max: dict[str, Decimal] = field(default_factory=dict, compare=False, hash=False)
    # 计分方式 扣分制: the items are entered as deductions and the category scores
    # max(cap − Σ deductions, 0) (扣完为止).
    deduction: bool = False


@dataclass(frozen=True)
class Source:
    """A score source and how it enters the composite (来源 sheet).

    composite = Σ weight × total × (scale / full marks of the source)

    A 民主测评 source (form ``ballot``) either carries a weight (its total is the vote
    ratio × 100) or fills one item (``target``, 计入条目) of the self and assessor forms.
    """

    name: str
    form: FormKind
    weight: Decimal
    scale: Decimal | None = None  # 折算分制; None: the source's own full marks (no conversion)
    raters: tuple[str, ...] = ()  # rater-form sources: one workbook per named rater
    target: str = ""  # ballot sources: the item id whose score the vote ratio gives (计入条目)


@dataclass(frozen=True)
class Grade:
    """One band of 等次: ``label`` when composite ≥ ``minimum`` (None: the fallback band)."""

    label: str
    minimum: Decimal | None


DEFAULT_FEEDBACK_NOTE = "如对考核结果有异议，请在收到本表之日起 5 个工作日内向考核办公室书面反映。"


@dataclass(frozen=True)
class Settings:
    """The 设置 sheet."""

    name: str  # 考核名称
    year: str  # 年度
    full_marks: Decimal  # 满分 of the base score
    bonus_cap: Decimal = Decimal(0)  # 加分上限
    bonus_threshold: Decimal = Decimal(0)  # 加分门槛: bonus counts only when the basis ≥ this
    bonus_basis: BonusBasis = BonusBasis.BASE  # 加分门槛依据: base, or base − 扣分
    bonus_scope: BonusScope | None = None  # 加分计入; None: 年度总分 with several 考核组 rounds, else 各来源
    pass_line: Decimal | None = None  # 合格线, on the composite scale
    grades: tuple[Grade, ...] = ()  # 等次, highest first, the fallback last
    diff_threshold: Decimal = Decimal(1)  # 差异阈值
    veto_grade: str = "不达标"  # 否决等次
    aggregation: Aggregation = Aggregation.MEAN  # 多人评分
    step: Decimal = Decimal("0.1")  # 步长, default score granularity
    deadline: str = ""  # 截止日期
    contact: str = ""  # 联系人
    phone: str = ""  # 联系电话
    password: str = ""  # 保护密码 for sheet protection (prevents accidents only)
    ballot_weights: tuple[tuple[str, Decimal], ...] = DEFAULT_BALLOT_WEIGHTS  # 测评折算
    ballot_subject: str = "领导班子整体工作"  # 测评内容: what the ballot asks about
    feedback_note: str = DEFAULT_FEEDBACK_NOTE  # 反馈说明: the closing line of every 反馈表

    def grade_for(self, composite: Decimal) -> str:
        """The 等次 label for a composite score."""
        for grade in self.grades:
            if grade.minimum is None or composite >= grade.minimum:
                return grade.label
        return ""


@dataclass(frozen=True)
class Rubric:
    """A whole, consistent rubric. Build it through :func:`load_rubric` or directly."""

    settings: Settings
    categories: tuple[Category, ...]
    items: tuple[Item, ...]
    sources: tuple[Source, ...]
    warnings: tuple[Problem, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        ids = [item.id for item in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate item ids")
        names = {c.name for c in self.categories}
        for item in self.items:
            if item.category not in names:
                raise ValueError(f"item {item.id}: unknown category {item.category}")
        if not self.items:
            raise ValueError("a rubric needs at least one item")
        for source in self.sources:
            if source.target and source.target not in ids:
                raise ValueError(f"source {source.name}: unknown target item {source.target}")

    # -- look-ups ---------------------------------------------------------------------
    def item(self, item_id: str) -> Item:
        by_id: dict[str, Item] | None = self.__dict__.get("_by_id")
        if by_id is None:
            by_id = {item.id: item for item in self.items}
            object.__setattr__(self, "_by_id", by_id)
        return by_id[item_id]

    def items_of(self, kind: ItemKind) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.kind is kind)

    def items_in(self, category: str) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.category == category)

    @property
    def scored_categories(self) -> tuple[Category, ...]:
        """Categories that hold 基础 items and so a capped subtotal."""
        return tuple(c for c in self.categories if c.cap is not None)

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(name)

    def sources_of(self, form: FormKind) -> tuple[Source, ...]:
        return tuple(s for s in self.sources if s.form is form)

    @property
    def bonus_annual(self) -> bool:
        """True when 加分 counts once on the weighted composite (设置 加分计入 年度总分), which
        is the default when several weighted 考核组 rounds make up the year (seed 003)."""
        scope = self.settings.bonus_scope
        if scope is not None:
            return scope is BonusScope.ANNUAL
        return len([s for s in self.sources_of(FormKind.ASSESSOR) if s.weight]) > 1

    @property
    def self_source(self) -> Source | None:
        """The 自评 source, or None when the scheme has no self-assessment."""
        selfs = self.sources_of(FormKind.SELF)
        return selfs[0] if selfs else None

    def rater_categories(self, source: Source) -> tuple[tuple[Category, Decimal], ...]:
        """The categories a rater source scores, with their maxima: those above 0.

        A maximum of 0 (or none) means the rater does not score the category: the 评分表
        has no column for it and a return is not expected to have one.
        """
        out = []
        for category in self.categories:
            top = category.rater_max.get(source.name, Decimal(0))
            if top > 0:
                out.append((category, top))
        return tuple(out)

    def target_source(self, item_id: str) -> Source | None:
        """The 民主测评 source that fills ``item_id`` (计入条目), if any."""
        for source in self.sources:
            if source.target == item_id:
                return source
        return None

    @property
    def computed_items(self) -> frozenset[str]:
        """Ids of the items filled by a 民主测评 source: read-only on every form."""
        return frozenset(s.target for s in self.sources if s.target)

    def counted(self, source: Source) -> bool:
        """True when a unit's result needs this source: it carries a weight or fills an item."""
        return source.weight != 0 or bool(source.target)

    def source_full_marks(self, source: Source) -> Decimal:
        """满分 of a source: the rubric's for self/assessor forms, Σ category maxima for raters,
        for 民主测评 the filled item's 分值 (计入条目) or 100."""
        if source.form is FormKind.RATER:
            return sum((top for _, top in self.rater_categories(source)), Decimal(0))
        if source.form is FormKind.BALLOT:
            if source.target:
                points = self.item(source.target).points
                return points if points is not None else Decimal(0)
            return BALLOT_FULL_MARKS
        return self.settings.full_marks

    def source_scale(self, source: Source) -> Decimal:
        """The scale a source's total is converted to before weighting (折算分制)."""
        return source.scale if source.scale is not None else self.source_full_marks(source)

    def step_of(self, item: Item) -> Decimal:
        return item.step if item.step is not None else self.settings.step

    # -- identity -----------------------------------------------------------------------
    def content_hash(self) -> str:
        """SHA-256 of what a form shows and a return must not change (ids, text, points).

        Stored in each generated form's metadata so an out-of-date form is recognised.
        Worked out once per rubric (a rubric never changes once built).
        """
        known: str | None = self.__dict__.get("_content_hash")
        if known is None:
            known = self._content_hash()
            object.__setattr__(self, "_content_hash", known)
        return known

    def _content_hash(self) -> str:
        payload: dict[str, object] = {
            "items": [[i.id, i.category, i.content, i.kind.value, str(i.points), i.rule, i.method] for i in self.items],
            "categories": [
                [c.name, str(c.cap), sorted((k, str(v)) for k, v in c.rater_max.items())] for c in self.categories
            ],
            "sources": [[s.name, s.form.value, list(s.raters)] for s in self.sources],
        }
        # Added only when used, so that rubrics without them keep the hash they had
        # (forms already sent stay current).
        if any(i.best_of for i in self.items):
            payload["best_of"] = [[i.id, i.best_of] for i in self.items if i.best_of]
        if any(c.deduction for c in self.categories):
            payload["deduction"] = [c.name for c in self.categories if c.deduction]
        if any(s.target for s in self.sources):
            payload["targets"] = [[s.name, s.target] for s in self.sources if s.target]
        text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


DEFAULT_GROUP = "考核组"  # the assessor group of units whose list names none


@dataclass(frozen=True)
class Unit:
    """One assessed unit (a village, a department)."""

    id: str
    name: str
    group: str = ""  # 分组, e.g. 县直单位 / 乡镇
    emails: tuple[str, ...] = ()
    assessor_group: str = DEFAULT_GROUP  # 考核组 that scores this unit


# The optional roster of named assessors (考核组 sheet of the units workbook): assessor
# group → the names of its assessors, in list order. Groups not in it take any name.
Roster = dict[str, tuple[str, ...]]
