"""Two years of the small rubric, built in code, every figure worked by hand below.

2022 (满分 10): items 1 (4) and 2 (2) in 组织领导 (cap 6); 3 (2) and 7 (2, 建立走访台账)
in 工作落实 (cap 4); bonus 4, penalty 5, veto 6 as in the small rubric.

=========  ===========  =====  =====  ==========  =====  ====  ======
2022       1  2  3  7   组织   工作   total       rank   grade
=========  ===========  =====  =====  ==========  =====  ====  ======
01 东湖村  4  2  2  1   6      3      9           2      优秀
02 西山村  3  1  1  2   4      3      7           3      合格
03 南岭村  4  2  2  2   6      4      10          1      优秀
04 北坡村  2  1  1  1   3      2      5           4      不合格
=========  ===========  =====  =====  ==========  =====  ====  ======

2023 is the small rubric (item 3 now 4 points, item 7 gone). 西山村 is now 西山新村
(same 编号 02; the mapping file says so), 北坡村 is no longer assessed, 05 新星村 is new.

==========  ==============  =====  =====  =======  =====  ======
2023        1  2  3    5    组织   工作   total    rank   grade
==========  ==============  =====  =====  =======  =====  ======
01 东湖村   3  2  3    0    5      3      8        3      良好
02 西山新村 4  2  3.5  0    6      3.5    9.5      1      优秀
03 南岭村   4  1  4    0    5      4      9        2      优秀
05 新星村   2  2  2    1    4      2      6 − 1 = 5  4    不合格
==========  ==============  =====  =====  =======  =====  ======

With ``scale=100`` (a 百分制 composite from the same 10-point sheets) the 2023
composites are 95, 90, 80, 50.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import openpyxl
from _scoring_helpers import D, Score, form_records, small_rubric, units

from kaohe_xl.rubric.model import FormKind, Grade, Item, Rubric, Source
from kaohe_xl.scoring.engine import Results, score

REASONS_2023 = {
    "01": {"1": "会议记录不全，扣1分", "3": "走访台账缺失"},
    "02": {"3": "走访台账缺失，扣0.5分"},
    "03": {"2": "方案未印发"},
    "05": {"1": "会议记录不全", "3": "走访台账缺失，扣2分", "5": "发生集体上访"},
}


def rubric_2022() -> Rubric:
    base = small_rubric(name="测试考核2022", year="2022")
    items = tuple(replace(i, points=D(2)) if i.id == "3" else i for i in base.items)
    items = (*items[:3], Item("7", "工作落实", "建立走访台账", points=D(2)), *items[3:])
    return replace(base, items=items)


def rubric_2023(scale: Decimal | None = None) -> Rubric:
    rubric = small_rubric(name="测试考核2023", year="2023")
    if scale is None:
        return rubric
    grades = (Grade("优秀", D(90)), Grade("良好", D(80)), Grade("合格", D(60)), Grade("不合格", None))
    settings = replace(rubric.settings, grades=grades, pass_line=D(60))
    sources = (Source("自评", FormKind.SELF, D(0)), Source("考核组", FormKind.ASSESSOR, D(1), scale=scale))
    return replace(rubric, settings=settings, sources=sources)


def year_2022() -> Results:
    rubric = rubric_2022()
    people = units(("01", "东湖村"), ("02", "西山村"), ("03", "南岭村"), ("04", "北坡村"))
    rows = {
        "01": {"1": 4, "2": 2, "3": 2, "7": 1, "4": 0, "5": 0},
        "02": {"1": 3, "2": 1, "3": 1, "7": 2, "4": 0, "5": 0},
        "03": {"1": 4, "2": 2, "3": 2, "7": 2, "4": 0, "5": 0},
        "04": {"1": 2, "2": 1, "3": 1, "7": 1, "4": 0, "5": 0},
    }
    records = [r for unit_id, scores in rows.items() for r in form_records(unit_id, scores, veto={"6": False})]
    return score(rubric, people, records)


def year_2023(scale: Decimal | None = None) -> Results:
    rubric = rubric_2023(scale)
    people = units(("01", "东湖村"), ("02", "西山新村"), ("03", "南岭村"), ("05", "新星村"))
    rows: dict[str, dict[str, Score]] = {
        "01": {"1": 3, "2": 2, "3": 3, "4": 0, "5": 0},
        "02": {"1": 4, "2": 2, "3": "3.5", "4": 0, "5": 0},
        "03": {"1": 4, "2": 1, "3": 4, "4": 0, "5": 0},
        "05": {"1": 2, "2": 2, "3": 2, "4": 0, "5": 1},
    }
    records = [
        r
        for unit_id, scores in rows.items()
        for r in form_records(unit_id, scores, remarks=REASONS_2023.get(unit_id), veto={"6": False})
    ]
    return score(rubric, people, records)


def mapping_file(folder: Path, rows: list[tuple[str, str]] | None = None, *, header: bool = True) -> Path:
    """A 单位对照表 as a clerk types it: 上年单位 | 本年单位."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    if header:
        ws.append(["上年单位", "本年单位"])
    for row in rows if rows is not None else [("西山村", "西山新村")]:
        ws.append(list(row))
    path = folder / "单位对照表.xlsx"
    wb.save(path)
    return path
