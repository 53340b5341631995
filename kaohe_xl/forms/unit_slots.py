"""What a 考核组评分表 unit sheet shows of its own unit, as placeholders in the one
prototype sheet a run stamps (:mod:`kaohe_xl.forms.assessor`):

- the unit's 自评得分 and 自评说明 per item (whole-cell slots, :func:`~kaohe_xl.xlsx.stamp.cell_token`);
- each item row's height, which follows the 自评说明 text (:func:`~kaohe_xl.forms.items.item_row_height`);
- the stored results of the 自评得分 column's totals (小计, 基础分, 加分, 扣分, 总分, 一票否决),
  worked out per unit from the formulas and the unit's figures (:mod:`kaohe_xl.xlsx.evaluate`),
  so previews show the totals a direct build stores.

:func:`placeholders` gives the values the prototype is built with; :func:`mark` finds the
slots in the prototype's sheet XML and turns heights and results into placeholders too;
:meth:`UnitSlots.values` gives one unit's values for every slot.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import unescape  # XML's five entities and character references (&#21542; is 否)

from kaohe_xl.forms.items import TableSpec, item_row_height, note_measure
from kaohe_xl.forms.parts import FormContext
from kaohe_xl.rubric.model import Item
from kaohe_xl.xlsx import measure
from kaohe_xl.xlsx.cells import Value, number_text
from kaohe_xl.xlsx.evaluate import evaluate
from kaohe_xl.xlsx.ooxml import column_letter, parse_cell_name
from kaohe_xl.xlsx.stamp import cell_token, slot_name, token

_ROW = re.compile(r'<row r="([0-9]+)"[^>]*>')
_HEIGHT = re.compile(r' ht="[^"]*"')


@dataclass
class UnitSlots:
    """The slots of one prototype sheet: field name → what fills it."""

    ctx: FormContext
    spec: TableSpec  # as the sheet was written (TableSpec.for_rubric)
    scores: dict[str, str] = field(default_factory=dict)  # S… → item id
    notes: dict[str, str] = field(default_factory=dict)  # N… → item id
    heights: dict[str, tuple[Item, bool]] = field(default_factory=dict)  # H… → (item, 扣分制 category)
    results: list[tuple[str, str, str]] = field(default_factory=list)  # (R…, cell, formula), in sheet order
    score_cells: dict[str, str] = field(default_factory=dict)  # item id → its 自评得分 cell
    # H… → the row's height without a note: its static texts are measured once per run
    _bare: dict[str, float] = field(default_factory=dict, repr=False)

    def values(self, prefill: Mapping[str, Value], notes: Mapping[str, str]) -> dict[str, object]:
        """One unit's value of every slot (``prefill``/``notes``: by item id).
        :class:`~kaohe_xl.xlsx.evaluate.FormulaError` when a total cannot be worked out."""
        out: dict[str, object] = {name: prefill.get(item) for name, item in self.scores.items()}
        out.update({name: notes.get(item) or None for name, item in self.notes.items()})
        for name, height in self._heights(notes).items():
            out[name] = f"{height:.16g}"  # as openpyxl writes a row height
        cells: dict[str, object] = {ref: prefill.get(item) for item, ref in self.score_cells.items()}
        for name, ref, formula in self.results:
            result = evaluate(formula, cells)
            cells[ref] = result
            if isinstance(result, bool):
                out[name] = str(int(result))
            else:
                out[name] = result if isinstance(result, str) else number_text(result)
        return out

    def _heights(self, notes: Mapping[str, str]) -> dict[str, float]:
        """Each item row's height (:func:`item_row_height`): the tallest of its static
        texts (measured once) and the unit's note."""
        if not self._bare:
            self._bare.update(
                (name, item_row_height(self.ctx, self.spec, item, "", deduction))
                for name, (item, deduction) in self.heights.items()
            )
        column = note_measure(self.ctx, self.spec)
        heights = {}
        for name, (item, _deduction) in self.heights.items():
            note = notes.get(item.id, "")
            bare = self._bare[name]
            heights[name] = measure.row_height([(note, *column)], bare) if note and column else bare
        return heights


def placeholders(items: Sequence[Item]) -> tuple[dict[str, Value], dict[str, str]]:
    """The prototype's 自评得分 and 自评说明 by item id: a whole-cell placeholder each."""
    scores: dict[str, Value] = {item.id: cell_token("S" + slot_name(n)) for n, item in enumerate(items)}
    notes = {item.id: cell_token("N" + slot_name(n)) for n, item in enumerate(items)}
    return scores, notes


def _cell_of(xml: str, placeholder: str) -> str | None:
    at = xml.find(placeholder)
    if at < 0:
        return None
    start = xml.rfind('<c r="', 0, at) + len('<c r="')
    return xml[start : xml.index('"', start)]


def _place(ref: str) -> tuple[int, int]:
    """(row, column) of a cell reference openpyxl wrote."""
    parsed = parse_cell_name(ref)
    assert parsed is not None, ref
    return parsed


def mark(xml: str, ctx: FormContext, spec: TableSpec) -> tuple[str, UnitSlots]:
    """The prototype sheet's XML with its item rows' heights and the 自评得分 totals' results
    made placeholders, and the slots found in it."""
    slots = UnitSlots(ctx, spec)
    rubric = ctx.rubric
    deduction = {c.name: c.deduction for c in rubric.categories}
    note_rows: dict[int, str] = {}
    for n, item in enumerate(rubric.items):
        name = slot_name(n)
        score_ref = _cell_of(xml, cell_token("S" + name))
        if score_ref is not None:
            slots.scores["S" + name] = item.id
            slots.score_cells[item.id] = score_ref
        note_ref = _cell_of(xml, cell_token("N" + name))
        if note_ref is not None:
            slots.notes["N" + name] = item.id
            slots.heights["H" + name] = (item, deduction.get(item.category, False))
            note_rows[_place(note_ref)[0]] = "H" + name

    def height(match: re.Match[str]) -> str:
        name = note_rows.get(int(match.group(1)))
        if name is None:
            return match.group(0)
        return _HEIGHT.sub(f' ht="{token(name)}"', match.group(0), count=1)

    xml = _ROW.sub(height, xml)
    columns = {column_letter(_place(ref)[1]) for ref in slots.score_cells.values()}
    if len(columns) == 1:
        (column,) = columns
        formula_cell = re.compile(rf'(<c r="({column}[0-9]+)"[^>]*><f>([^<]*)</f><v>)([^<]*)(</v></c>)')

        def result(match: re.Match[str]) -> str:
            name = "R" + slot_name(len(slots.results))
            slots.results.append((name, match.group(2), unescape(match.group(3))))
            return match.group(1) + token(name) + match.group(5)

        xml = formula_cell.sub(result, xml)
    return xml, slots
