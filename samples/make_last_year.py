"""Write the 南昌 sample's earlier years, for ``kaohe compare`` and ``kaohe demo``.

Run ``python samples/make_last_year.py`` (with kaohe-xl installed) after editing; it rewrites

* ``南昌老干部/2022年结果快照.json``: the 2022 campaign's results as ``kaohe export
  --format snapshot`` writes them. The 2022 rubric differs a little from 2023's: item 15
  had other content (落实阅读文件和情况通报制度, replaced in 2023 by 学习教育主题活动),
  and items 22 / 23 carried 5 / 3 points (6 / 2 in 2023). 11 units: 红谷滩区 was not yet
  assessed, 湾里管理局 was 湾里区 and 经开区 was 经济技术开发区.
* ``南昌老干部/2021年汇总表.xlsx``: the 2021 results as an office typed them before it had
  kaohe: a title, 满分100分, 序号, 单位, a column per category, 加分, 扣分, 总分, 名次, 等次.
* ``南昌老干部/单位对照表.xlsx``: 上年单位 → 本年单位 for the two renamed units.

The scores are invented (seeded, so every run writes the same files), scored by the
same engine as a campaign.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font

from kaohe_xl.analysis.years import to_dict, year_of
from kaohe_xl.rubric.load import load_rubric
from kaohe_xl.rubric.model import FormKind, ItemKind, Rubric, Unit
from kaohe_xl.scoring.engine import Results, score
from kaohe_xl.store.records import ScoreRecord

HERE = Path(__file__).resolve().parent / "南昌老干部"
SNAPSHOT = "2022年结果快照.json"
HAND_MADE = "2021年汇总表.xlsx"
MAPPING = "单位对照表.xlsx"
OLD_ITEM_15 = "落实离退休干部阅读文件、情况通报制度，按时发放学习资料（1分）"
UNITS_2022 = [
    ("东湖区", 0.90),
    ("西湖区", 0.86),
    ("青云谱区", 0.84),
    ("青山湖区", 0.88),
    ("新建区", 0.82),
    ("南昌县", 0.91),
    ("进贤县", 0.80),
    ("安义县", 0.78),
    ("经济技术开发区", 0.83),
    ("高新区", 0.85),
    ("湾里区", 0.79),
]
RENAMED = [("湾里区", "湾里管理局"), ("经济技术开发区", "经开区")]


def rubric_2022(rubric: Rubric) -> Rubric:
    """2023's rubric as it was in 2022: item 15's content, items 22/23's points."""
    points = {"22": Decimal(5), "23": Decimal(3)}
    items = tuple(
        replace(
            item,
            content=OLD_ITEM_15 if item.id == "15" else item.content,
            points=points.get(item.id, item.points),
        )
        for item in rubric.items
    )
    settings = replace(rubric.settings, name=rubric.settings.name.replace("2023", "2022"), year="2022")
    return replace(rubric, settings=settings, items=items)


def _scores(rubric: Rubric, strength: float, rng: random.Random) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for item in rubric.items:
        if item.kind is ItemKind.BASE:
            assert item.points is not None
            share = min(1.0, max(0.0, rng.uniform(strength - 0.2, strength + 0.15)))
            halves = round(float(item.points) * share * 2)  # 步长 0.5
            out[item.id] = min(item.points, Decimal(halves) / 2)
        elif item.kind is ItemKind.BONUS:
            out[item.id] = Decimal(2) if rng.random() < 0.08 else Decimal(0)
        elif item.kind is ItemKind.PENALTY:
            out[item.id] = Decimal(0)
    return out


def scored(rubric: Rubric, units: list[tuple[str, float]], seed: int) -> Results:
    rng = random.Random(seed)
    people = [Unit(f"{n:02d}", name) for n, (name, _) in enumerate(units, start=1)]
    records = []
    for unit, (_, strength) in zip(people, units, strict=True):
        for key, value in _scores(rubric, strength, rng).items():
            records.append(ScoreRecord(FormKind.ASSESSOR, "考核组", unit.id, key, value, None, "", "考核组"))
        for item in rubric.items_of(ItemKind.VETO):
            records.append(ScoreRecord(FormKind.ASSESSOR, "考核组", unit.id, item.id, None, False, "", "考核组"))
    return score(rubric, people, records)


def write_snapshot(rubric: Rubric, out: Path) -> None:
    results = scored(rubric_2022(rubric), UNITS_2022, seed=2022)
    text = json.dumps(to_dict(year_of(results)), ensure_ascii=False, indent=1) + "\n"
    (out / SNAPSHOT).write_text(text, encoding="utf-8")


def write_hand_made(rubric: Rubric, out: Path) -> None:
    """2021 as typed by hand: 10 units (高新区 was not yet assessed), in list order."""
    units = [(name, strength - 0.03) for name, strength in UNITS_2022 if name != "高新区"]
    old = rubric_2022(rubric)
    results = scored(replace(old, settings=replace(old.settings, year="2021")), units, seed=2021)
    categories = list(old.scored_categories)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Sheet1"
    width = 2 + len(categories) + 5
    ws.append(["南昌市县区2021年老干部工作目标管理考核结果汇总表"])
    ws.append(["（满分100分）"])
    ws.append(["序号", "单位", *(f"{c.name}（{c.cap}分）" for c in categories), "加分", "扣分", "总分", "名次", "等次"])
    for n, unit in enumerate(results.in_list_order(), start=1):
        main = unit.main
        assert main is not None and unit.shown is not None
        figures = [float(main.categories[c.name]) for c in categories]
        ws.append(
            [
                n,
                unit.unit_name,
                *figures,
                float(main.bonus),
                float(main.penalty),
                float(unit.shown),
                unit.rank,
                unit.grade,
            ]
        )
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws["A1"].font = Font(name="宋体", size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    for cell in ws[3]:
        cell.alignment = Alignment(wrap_text=True, horizontal="center")
    wb.save(out / HAND_MADE)


def write_mapping(out: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "单位对照"
    ws.append(["上年单位", "本年单位"])
    for old, new in RENAMED:
        ws.append([old, new])
    ws.column_dimensions["A"].width = ws.column_dimensions["B"].width = 18
    wb.save(out / MAPPING)


def main(out: Path = HERE) -> None:
    """Write the three files into ``out`` (default: the sample's folder)."""
    rubric = load_rubric(HERE / "细则.xlsx")
    write_snapshot(rubric, out)
    write_hand_made(rubric, out)
    write_mapping(out)
    print(f"wrote {SNAPSHOT}, {HAND_MADE}, {MAPPING} in {out}")


if __name__ == "__main__":
    main()
