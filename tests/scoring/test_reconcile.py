"""Self-assessment versus assessors: differences, flags, reasons, per-unit sums."""

from __future__ import annotations

from _scoring_helpers import THREE, D, form_records, self_records, small_rubric, states

from kaohe_xl.rubric.model import FormKind
from kaohe_xl.scoring.engine import score
from kaohe_xl.scoring.reconcile import Reconciliation, reconcile
from kaohe_xl.store.records import ReturnState


def _reconciled() -> Reconciliation:
    rubric = small_rubric()  # 差异阈值 1
    records = (
        # 东湖村 self: 4, 2, 4, bonus 3, penalty 0, veto 否
        self_records("01", {"1": 4, "2": 2, "3": 4, "4": 3, "5": 0}, veto={"6": False}, remarks={"1": "见会议纪要"})
        # assessors: 1 → 2.5 (self 1.5 above, flagged), 2 → 1.5 (0.5, not flagged), 3 → 3 (1, flagged as
        # |1| ≥ 1), bonus 4 → 3 (equal), penalty 5 → 1 (self 0: −1, flagged), veto 是 vs 否 → flagged
        + form_records(
            "01",
            {"1": "2.5", "2": "1.5", "3": 3, "4": 3, "5": 1},
            veto={"6": True},
            remarks={"1": "会议记录不全", "5": "有一起信访"},
        )
        # 西山村: self not returned; assessors scored
        + form_records("02", {"1": 4, "2": 2, "3": 4})
    )
    st = states(["01", "02", "03"], FormKind.ASSESSOR, u03=ReturnState.MISSING)
    st += states(["01"], FormKind.SELF) + states(["02", "03"], FormKind.SELF, ReturnState.MISSING)
    return reconcile(score(rubric, THREE, records, st))


def test_item_differences_flags_and_reasons() -> None:
    rec = _reconciled()
    rows = {r.item_id: r for r in rec.items if r.unit_id == "01"}
    assert rows["1"].self_score == 4 and rows["1"].assessor_score == D("2.5")
    assert rows["1"].difference == D("1.5") and rows["1"].flagged
    assert rows["1"].reason == "会议记录不全" and rows["1"].self_note == "见会议纪要"
    assert rows["2"].difference == D("0.5") and not rows["2"].flagged
    assert rows["3"].difference == D(1) and rows["3"].flagged  # |1| ≥ 阈值 1
    assert rows["4"].difference == 0 and not rows["4"].flagged
    assert rows["5"].difference == D(-1) and rows["5"].flagged and rows["5"].reason == "有一起信访"
    assert rows["6"].difference is None and rows["6"].flagged  # 否 vs 是
    assert (rows["6"].self_veto, rows["6"].assessor_veto) == (False, True)


def test_unit_sums_and_share() -> None:
    rec = _reconciled()
    east = rec.unit("01")
    # positive: 1.5 + 0.5 + 1 = 3; negative: −1 (penalty item); compared: 5 numbers + 1 veto
    assert (east.above, east.below) == (D(3), D(-1))
    assert (east.compared, east.flagged) == (6, 4)
    assert east.share == D("0.6667")
    # self: base 10 + bonus min(3,2) = 12; assessors: min(4,6) + 3 = 7 ≥ 6 → +2, −1 → 8
    assert (east.self_total, east.assessor_total) == (D(12), D(8))


def test_units_without_self_return_are_not_compared() -> None:
    rec = _reconciled()
    west = rec.unit("02")
    assert west.compared == 0 and west.flagged == 0 and west.share is None
    assert "自评待提交" in west.note
    assert all(r.difference is None and not r.flagged for r in rec.items if r.unit_id == "02")
    assert [u.unit_id for u in rec.units] == ["01", "02", "03"]  # units-list order
    assert len(rec.flagged()) == 4


def test_a_return_with_errors_is_not_compared_with_its_older_valid_values() -> None:
    """The store still holds the older valid revision's values (latest_records), but the
    unit's latest self return has errors (待核实): those old values are not its answer."""
    records = self_records("01", {"1": 1, "2": 1, "3": 1}) + form_records("01", {"1": 4, "2": 2, "3": 4})
    st = states(["01"], FormKind.ASSESSOR) + states(["01"], FormKind.SELF, ReturnState.INVALID)
    rec = reconcile(score(small_rubric(), THREE[:1], records, st))
    assert all(r.self_score is None and r.difference is None and not r.flagged for r in rec.items)
    assert rec.unit("01").compared == 0 and "自评待核实" in rec.unit("01").note
    assert rec.items[0].assessor_score == 4  # the assessors' side is current and still shown


def test_difference_rows_are_those_the_dataclass_init_builds() -> None:
    """reconcile builds its rows (50,000 at 1,000 units) without ItemDiff's __init__: each
    row is the one __init__ gives from the same fields, every field set."""
    from dataclasses import fields

    from kaohe_xl.scoring.reconcile import ItemDiff

    rec = _reconciled()
    assert len(rec.items) == 3 * 6
    for row in rec.items:
        assert list(vars(row)) == [f.name for f in fields(ItemDiff)]  # a field added later fails here
        rebuilt = ItemDiff(**vars(row))
        assert row == rebuilt and hash(row) == hash(rebuilt)
