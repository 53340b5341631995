"""latest_records builds its ~200,000 records without the dataclass ``__init__``: each
is the record ``ScoreRecord(...)`` makes, every field set, equal and hashable alike."""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal

import pytest

from kaohe_xl.rubric.model import FormKind
from kaohe_xl.store.records import ScoreRecord
from kaohe_xl.store.status import _record

CASES = [
    (FormKind.SELF, "自评", "01", "1.2", Decimal("3.5"), None, "见会议纪要", "", 7),
    (FormKind.ASSESSOR, "考核组", "02", "6", None, True, "", "李明", 8),
    (FormKind.RATER, "班子评分", "03", "政治建设", Decimal(0), False, "好", "王芳", 9),
]


@pytest.mark.parametrize("args", CASES)
def test_a_fast_record_is_the_record_init_builds(args: tuple[object, ...]) -> None:
    fast = _record(*args)
    built = ScoreRecord(*args)
    assert fast == built and hash(fast) == hash(built) and repr(fast) == repr(built)
    assert vars(fast) == vars(built)
    assert list(vars(fast)) == [f.name for f in fields(ScoreRecord)]  # a field added later fails here
    with pytest.raises(AttributeError):
        fast.value = Decimal(1)  # still frozen
