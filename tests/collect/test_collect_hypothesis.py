"""Round trips through real generated forms: valid scores come back exactly; invalid ones
always produce an issue and never replace the valid values."""

from __future__ import annotations

import itertools
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from _returns_helpers import fill_self
from conftest import write_rubric_workbook, write_units_workbook
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaohe_xl.campaign import Campaign
from kaohe_xl.collect.run import collect
from kaohe_xl.forms.generate import generate_forms
from kaohe_xl.rubric.model import FormKind, Item, ItemKind
from kaohe_xl.store.status import latest_records
from kaohe_xl.textnorm import normalize_label, parse_decimal

_counter = itertools.count()
_FULL_WIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


@pytest.fixture(scope="module")
def hcampaign(tmp_path_factory: pytest.TempPathFactory) -> Campaign:
    base = tmp_path_factory.mktemp("hypo")
    campaign = Campaign.init(
        base / "campaign", write_rubric_workbook(base / "细则.xlsx"), write_units_workbook(base / "单位.xlsx")
    )
    generate_forms(campaign, [FormKind.SELF])
    return campaign


def _written(value: Decimal, style: int) -> Any:
    """How a person might type a valid number: as a number, text, full-width, with 分."""
    text = format(value.normalize(), "f")
    return [
        int(value) if value == value.to_integral_value() else float(value),
        text,
        text.translate(_FULL_WIDTH),
        f"{text}分",
        f"  {text} ",
    ][style]


@st.composite
def valid_score(draw: st.DrawFn, item: Item, step: Decimal) -> tuple[Any, Decimal | None, bool | None]:
    """(typed value, expected value, expected veto) for one item."""
    if item.kind is ItemKind.VETO:
        yes = draw(st.booleans())
        return draw(st.sampled_from(["是", " 是", "是 "] if yes else ["否", "否 "])), None, yes
    assert item.points is not None
    steps = int(item.points / step)
    value = step * draw(st.integers(0, steps))
    return _written(value, draw(st.integers(0, 4))), value, None


def _scores(campaign: Campaign) -> st.SearchStrategy[dict[str, tuple[Any, Decimal | None, bool | None]]]:
    rubric = campaign.rubric
    return st.fixed_dictionaries({item.id: valid_score(item, rubric.step_of(item)) for item in rubric.items})


def _collect(campaign: Campaign, tmp: Path, typed: dict[str, Any]) -> Any:
    n = next(_counter)
    # a unique note keeps every file's bytes distinct (openpyxl stamps only the second)
    path = fill_self(campaign, "01", tmp / f"r{n}.xlsx", typed, notes={"1": f"第{n}次"})
    (result,) = collect(campaign, [path]).results
    path.unlink()
    return result


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_valid_scores_round_trip_exactly(hcampaign: Campaign, tmp_path: Path, data: st.DataObject) -> None:
    drawn = data.draw(_scores(hcampaign))
    result = _collect(hcampaign, tmp_path, {key: typed for key, (typed, _, _) in drawn.items()})
    assert (result.status, result.problems) == ("accepted", ())
    latest = {r.key: (r.value, r.veto) for r in latest_records(hcampaign, FormKind.SELF) if r.unit_id == "01"}
    assert latest == {key: (value, veto) for key, (_, value, veto) in drawn.items()}


def _not_a_valid_number(item: Item, text: str) -> bool:
    if item.kind is ItemKind.VETO:
        return normalize_label(text) not in ("是", "否")
    try:
        parsed = parse_decimal(text)
    except ValueError:
        return True
    return parsed is None  # blank is an error too


@st.composite
def invalid_score(draw: st.DrawFn, campaign: Campaign) -> tuple[str, Any]:
    """(item id, a value that must be refused for it)."""
    rubric = campaign.rubric
    item = draw(st.sampled_from(rubric.items))
    step = rubric.step_of(item)
    texts = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=8).filter(
        lambda t: _not_a_valid_number(item, t)
    )
    if item.kind is ItemKind.VETO:
        return item.id, draw(st.one_of(texts, st.integers(-5, 5), st.none()))
    assert item.points is not None
    k = draw(st.integers(1, 50))
    choices = [
        item.points + step * k,  # over the maximum
        -step * k,  # negative
        step * (k % int(item.points / step) if int(item.points / step) else 0) + step / 2,  # off the step
    ]
    number = draw(st.sampled_from(choices))
    typed = draw(st.one_of(st.just(float(number)), st.just(format(number, "f")), texts, st.none()))
    return item.id, typed


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_invalid_scores_always_produce_an_issue(hcampaign: Campaign, tmp_path: Path, data: st.DataObject) -> None:
    good = {key: typed for key, (typed, _, _) in data.draw(_scores(hcampaign)).items()}
    item, typed = data.draw(invalid_score(hcampaign))
    before = latest_records(hcampaign, FormKind.SELF)
    result = _collect(hcampaign, tmp_path, {**good, item: typed})
    assert result.status == "invalid"
    assert [p.item for p in result.problems] == [item]
    assert latest_records(hcampaign, FormKind.SELF) == before  # the bad revision never counts
