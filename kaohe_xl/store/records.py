"""Plain records passed from the store to scoring, reconciliation and the summary.

These are the only types the scoring side needs to know about the collected returns;
they carry no I/O and no openpyxl objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from kaohe_xl.rubric.model import FormKind


class ReturnState(StrEnum):
    """Where a unit stands for one form kind."""

    OK = "ok"  # 已收到: the latest return is valid
    MISSING = "missing"  # 待提交: nothing received yet
    INVALID = "invalid"  # 待核实: received, but the latest return has errors

    @property
    def label(self) -> str:
        return {"ok": "已收到", "missing": "待提交", "invalid": "待核实"}[self.value]


# What the people see for a received file that was not accepted cleanly, by its status
# (kaohe_xl.collect.FileResult.status / files.status in the store): one word everywhere.
FILE_STATUS_LABELS = {
    "invalid": "待核实",
    "rejected": "拒收",
    "quarantined": "拒收（无法读取）",
    "unreadable": "无法读取",
}


@dataclass(frozen=True)
class ScoreRecord:
    """One value read from the latest valid return of a form.

    ``key`` is the item id for self/assessor forms and the category name for rater
    forms. ``value`` is None for a blank cell; for 否决 items ``veto`` holds 是 (True) /
    否 (False) and ``value`` is None.
    """

    form: FormKind
    source: str  # the rubric source name: 自评, 考核组, 班子评分, ...
    unit_id: str
    key: str
    value: Decimal | None
    veto: bool | None = None
    remark: str = ""  # 自评说明 or 扣分原因
    rater: str = ""  # the assessor's / rater's name; "" for self forms
    submission_id: int = 0


@dataclass(frozen=True)
class UnitState:
    """A unit's collection state for one form kind (and rater, where several score it)."""

    unit_id: str
    form: FormKind
    state: ReturnState
    revisions: int = 0
    received_at: str = ""
    note: str = ""  # e.g. the first error of an invalid return
    source: str = ""  # rater forms: the rubric source (e.g. 班子评分); "" for self/assessor
    rater: str = ""  # rater forms: the named rater this state is about
