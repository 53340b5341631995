"""The item table shared by the 自评表 sheet and each unit sheet of a 考核组评分表.

Rows, top to bottom: optional banner, title, form name, info line, the header row
(labels from :mod:`layout`, repeated at the top of every printed page), the items
grouped by category (the category named on every row: a merged category cell would be
cut by a page break), a 小计 row after each scored category, the 基础分/加分/扣分/总分
rows, the signature block. Only item rows carry a value in the 编号 column, so a reader
that finds items by id never mistakes a subtotal or the signature block for an item.
Row heights come from the texts (:mod:`kaohe_xl.xlsx.measure`). Every formula is stored
with the result it gives for the form as written (blank inputs, or the pre-filled
自评得分), so previews show the totals.

The formulas follow the rubric's rules: a 扣分制 category's 小计 is MAX(cap − Σ, 0); the
items of one 取高组 count once, by MAX; the bonus threshold is checked on the 基础分 or
on 基础分 − 扣分 (设置 加分门槛依据). An item filled by 民主测评 shows “由民主测评计算”
in its locked score cell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from openpyxl.worksheet.worksheet import Worksheet

from kaohe_xl.forms import layout
from kaohe_xl.forms.inputs import protect_sheet
from kaohe_xl.forms.parts import (
    UNLOCKED,
    FormContext,
    banner_rows,
    ranges,
    row_height,
    setup_print,
    style_row,
)
from kaohe_xl.forms.validations import remark_check, score_checks
from kaohe_xl.rubric.model import BonusBasis, Item, ItemKind, Rubric
from kaohe_xl.textnorm import format_decimal
from kaohe_xl.xlsx import limits, measure
from kaohe_xl.xlsx.cells import Formula, Value, put
from kaohe_xl.xlsx.ooxml import column_letter

KIND_TAGS = {
    ItemKind.BONUS: "【加分项】",
    ItemKind.PENALTY: "【扣分项：填扣减的分数】",
    ItemKind.VETO: "【否决项：选“是”或“否”】",
}


@dataclass(frozen=True)
class TableSpec:
    """Which columns an item sheet has and which of them the filler writes."""

    columns: tuple[str, ...]
    score: str  # the input score column
    remark: str  # the input remark column
    totals: tuple[str, ...]  # columns that get subtotal and total formulas
    readonly: str = ""  # a pre-filled, locked score column ("" for none)
    signatures: tuple[str, str] = ("单位负责人签字：", "填报日期：        年    月    日")
    readonly_note: str = ""  # a pre-filled, locked text column beside it ("" for none)

    def without(self, *headers: str) -> TableSpec:
        """The same table without some columns (a scheme without 自评: no 自评得分)."""
        return TableSpec(
            tuple(c for c in self.columns if c not in headers),
            self.score,
            self.remark,
            tuple(c for c in self.totals if c not in headers),
            "" if self.readonly in headers else self.readonly,
            self.signatures,
            "" if self.readonly_note in headers else self.readonly_note,
        )

    def for_rubric(self, rubric: Rubric) -> TableSpec:
        """Without the optional text columns (考核办法, 评分要点) no item of ``rubric`` fills."""
        texts = {layout.H_METHOD: "method", layout.H_HINTS: "hints"}
        empty = [h for h in layout.OPTIONAL_TEXT if not any(getattr(i, texts[h]) for i in rubric.items)]
        return self.without(*empty) if empty else self


def sum_value(values: Mapping[int, Value], rows: Mapping[int, Item]) -> Decimal:
    """What :func:`sum_expression` gives for the cell ``values`` (text and blanks count 0)."""

    def num(row: int) -> Decimal:
        value = values.get(row)
        return (
            Decimal(str(value))
            if isinstance(value, int | float | Decimal) and not isinstance(value, bool)
            else Decimal(0)
        )

    total = sum((num(row) for row, item in rows.items() if not item.best_of), Decimal(0))
    groups: dict[str, list[int]] = {}
    for row, item in rows.items():
        if item.best_of:
            groups.setdefault(item.best_of, []).append(row)
    numbers = [
        [num(r) for r in members if isinstance(values.get(r), int | float | Decimal)] for members in groups.values()
    ]
    return total + sum((max(found) if found else Decimal(0) for found in numbers), Decimal(0))


def sum_expression(column: str, rows: Mapping[int, Item]) -> str:
    """``SUM(G5:G7)+MAX(G8,G9)``: Σ of the rows, the items of one 取高组 counted once (MAX)."""
    plain = sorted(row for row, item in rows.items() if not item.best_of)
    groups: dict[str, list[int]] = {}
    for row, item in sorted(rows.items()):
        if item.best_of:
            groups.setdefault(item.best_of, []).append(row)
    # Excel: at most 255 arguments a function (limits.function nests the rest)
    parts = [limits.function("SUM", ranges(column, plain))] if plain else []
    parts += [limits.function("MAX", [f"{column}{r}" for r in members]) for members in groups.values()]
    return "+".join(parts) or "0"


def write_item_sheet(
    ws: Worksheet,
    ctx: FormContext,
    spec: TableSpec,
    lines: Sequence[tuple[str, str]],
    prefill: Mapping[str, Value] | None = None,
    notes: Mapping[str, str] | None = None,
) -> int:
    """Fill ``ws`` with the rubric table; returns the header row number.

    ``prefill``/``notes``: the read-only 自评得分 and 自评说明 by item id (assessor sheets).
    """
    rubric, styles = ctx.rubric, ctx.styles
    spec = spec.for_rubric(rubric)
    col = {label: n for n, label in enumerate(spec.columns, start=1)}
    letter = {label: column_letter(n) for label, n in col.items()}
    last_col = len(spec.columns)
    for label, n in col.items():
        ws.column_dimensions[column_letter(n)].width = styles.width(label)
    header = banner_rows(ws, ctx, last_col, lines)
    for label, n in col.items():
        put(ws, header, n, label, styles["header"])
    ws.row_dimensions[header].height = row_height(
        [(label, styles.width(label)) for label in spec.columns], styles["header"].size, 28
    )
    row = header + 1
    kind_rows: dict[ItemKind, dict[int, Item]] = {kind: {} for kind in ItemKind}
    item_at: dict[int, Item] = {}
    subtotal_rows: list[int] = []
    # what each total column holds, row by row: blanks to fill in, or the pre-filled scores
    values: dict[str, dict[int, Value]] = {h: {} for h in spec.totals}
    for category in rubric.categories:
        items = rubric.items_in(category.name)
        if not items:
            continue
        base_rows: dict[int, Item] = {}
        for item in items:
            prefilled = (prefill or {}).get(item.id)
            _item_row(ws, ctx, spec, col, row, item, prefilled, (notes or {}).get(item.id, ""), category.deduction)
            if spec.readonly in values and item.id not in rubric.computed_items:
                values[spec.readonly][row] = prefilled
            kind_rows[item.kind][row] = item
            if item.id not in rubric.computed_items:
                item_at[row] = item
            if item.kind is ItemKind.BASE:
                base_rows[row] = item
            row += 1
        if category.cap is not None and base_rows:
            cap = format_decimal(category.cap)
            formulas: dict[str, Formula] = {}
            for h in spec.totals:
                got = sum_value(values[h], base_rows)
                expr = sum_expression(letter[h], base_rows)
                if category.deduction:
                    formulas[h] = Formula(f"MAX({cap}-({expr}),0)", max(category.cap - got, Decimal(0)))
                else:
                    formulas[h] = Formula(f"MIN({expr},{cap})", min(got, category.cap))
                values[h][row] = formulas[h].value
            note = f"本类别 {cap} 分，减去各项扣分，扣完为止" if category.deduction else f"本类别得分不超过 {cap} 分"
            label = f"{category.name} 小计"
            _sum_row(ws, ctx, spec, col, row, "subtotal", label, category.cap, note, formulas)
            subtotal_rows.append(row)
            row += 1
    row = _total_rows(ws, ctx, spec, col, letter, row, kind_rows, subtotal_rows, values)
    score_checks(ws, ctx, letter[spec.score], letter[layout.H_POINTS], item_at)
    remark_check(ws, letter[spec.remark], sorted(item_at))
    # signature block: text starts in column 2 so the 编号 column stays free of non-items
    row += 1
    sign_row = row
    put(ws, sign_row, 2, spec.signatures[0], styles["signature"])
    ws.merge_cells(start_row=sign_row, start_column=2, end_row=sign_row, end_column=min(3, last_col))
    put(ws, sign_row, last_col - 2, spec.signatures[1], styles["signature"])
    ws.merge_cells(start_row=sign_row, start_column=last_col - 2, end_row=sign_row, end_column=last_col)
    ws.row_dimensions[sign_row].height = 36
    ws.freeze_panes = ws.cell(row=header + 1, column=1)
    setup_print(ws, ctx, (header, header), sign_row, last_col)
    protect_sheet(ws, ctx.password)
    return header


def _tags(item: Item, deduction: bool, computed: bool) -> str:
    """What the 评分标准 cell says first about how the item is filled in."""
    tag = KIND_TAGS.get(item.kind, "")
    if deduction and item.kind is ItemKind.BASE:
        tag = "【扣分制：填扣减的分数，扣完为止】"
    if computed:
        tag += f"【{layout.COMPUTED_TEXT}】"
    if item.best_of:
        tag += f"【取高组“{item.best_of}”：同组只计最高一项】"
    return tag


def _item_row(
    ws: Worksheet,
    ctx: FormContext,
    spec: TableSpec,
    col: Mapping[str, int],
    row: int,
    item: Item,
    prefilled: Value,
    note: str,
    deduction: bool,
) -> None:
    styles = ctx.styles
    computed = item.id in ctx.rubric.computed_items
    texts = _item_texts(ctx, spec, item, note, deduction)
    for label, n in col.items():
        if label == layout.H_ID:
            put(ws, row, n, item.id, styles["center"])
        elif label == layout.H_POINTS:
            put(ws, row, n, item.points, styles["center"])
        elif label == layout.H_CATEGORY:  # on every row: a merged cell would be cut by a page break
            put(ws, row, n, item.category, styles["category"])
        elif label == spec.readonly_note:
            put(ws, row, n, note or None, replace(styles["readonly"], alignment=styles["text"].alignment))
        elif label in texts:
            put(ws, row, n, texts[label] or None, styles["text"])
        elif label in (spec.score, spec.readonly) and computed:
            put(ws, row, n, layout.COMPUTED_TEXT, styles["readonly"])  # locked: computed from the votes
        elif label == spec.score:
            put(ws, row, n, None, styles["input"]).protection = UNLOCKED
        elif label == spec.remark and not computed:
            put(ws, row, n, None, styles["input_text"]).protection = UNLOCKED
        elif label == spec.readonly:
            put(ws, row, n, prefilled, styles["readonly"])
        else:
            put(ws, row, n, None, styles["text"])
    ws.row_dimensions[row].height = item_row_height(ctx, spec, item, note, deduction)


def _item_texts(ctx: FormContext, spec: TableSpec, item: Item, note: str, deduction: bool) -> dict[str, str]:
    computed = item.id in ctx.rubric.computed_items
    texts = {
        layout.H_CATEGORY: item.category,
        layout.H_CONTENT: item.content,
        layout.H_RULE: _tags(item, deduction, computed) + item.rule,
        layout.H_METHOD: item.method,
        layout.H_HINTS: item.hints,
    }
    if spec.readonly_note:
        texts[spec.readonly_note] = note
    return texts


def item_row_height(ctx: FormContext, spec: TableSpec, item: Item, note: str, deduction: bool) -> float:
    """The height of an item's row: its tallest wrapped text (``note``: the 自评说明 shown
    beside it) in its column at its font size. ``spec`` as :meth:`TableSpec.for_rubric` gives it."""
    styles = ctx.styles
    sizes = {layout.H_CATEGORY: styles["category"].size}
    cells = [
        (text, styles.width(label), sizes.get(label, styles["text"].size))
        for label, text in _item_texts(ctx, spec, item, note, deduction).items()
        if label in spec.columns
    ]
    return measure.row_height(cells, 20.0)


def note_measure(ctx: FormContext, spec: TableSpec) -> tuple[float, float] | None:
    """(column width, font size) that :func:`item_row_height` measures ``note`` at; None
    when ``spec`` shows no note. A row is as tall as its tallest cell, so its height with a
    note is ``measure.row_height([(note, *these)], item_row_height(…, note="", …))``."""
    if not spec.readonly_note or spec.readonly_note not in spec.columns:
        return None
    return ctx.styles.width(spec.readonly_note), ctx.styles["text"].size


def _sum_row(
    ws: Worksheet,
    ctx: FormContext,
    spec: TableSpec,
    col: Mapping[str, int],
    row: int,
    role: str,
    label: str,
    points: Decimal | None,
    note: str,
    formulas: Mapping[str, Formula],
) -> None:
    style = ctx.styles[role]
    style_row(ws, row, 1, len(spec.columns), style)
    put(ws, row, col[layout.H_CATEGORY], label, style)
    ws.merge_cells(start_row=row, start_column=col[layout.H_CATEGORY], end_row=row, end_column=col[layout.H_CONTENT])
    put(ws, row, col[layout.H_POINTS], points, style)
    put(ws, row, col[layout.H_RULE], note, style)
    # the note spans the text columns up to the first score column
    note_end = min(col[h] for h in (spec.score, spec.readonly, *spec.totals) if h) - 1
    if note_end > col[layout.H_RULE]:
        ws.merge_cells(start_row=row, start_column=col[layout.H_RULE], end_row=row, end_column=note_end)
    for header, formula in formulas.items():
        put(ws, row, col[header], formula, style)

    def span(first: int, last: int) -> float:
        return sum(ctx.styles.width(h) for h in spec.columns[first - 1 : last])

    label_width = span(col[layout.H_CATEGORY], col[layout.H_CONTENT])
    note_width = span(col[layout.H_RULE], max(note_end, col[layout.H_RULE]))
    cells = [(label, label_width, style.size), (note, note_width, style.size)]
    ws.row_dimensions[row].height = measure.row_height(cells, 22.0)


def _total_rows(
    ws: Worksheet,
    ctx: FormContext,
    spec: TableSpec,
    col: Mapping[str, int],
    letter: Mapping[str, str],
    row: int,
    kind_rows: Mapping[ItemKind, Mapping[int, Item]],
    subtotal_rows: list[int],
    values: Mapping[str, Mapping[int, Value]],
) -> int:
    """基础分, 加分, 扣分, 总分 and 否决 rows, each with formulas (and their results) in the total columns."""
    settings = ctx.rubric.settings
    base_row = row

    def refs(header: str, rows: list[int]) -> str:
        return ",".join(ranges(letter[header], rows))

    def num(header: str, at: int) -> Decimal:
        value = values[header].get(at)
        return value if isinstance(value, Decimal) else Decimal(0)

    got = {h: sum((num(h, r) for r in subtotal_rows), Decimal(0)) for h in spec.totals}
    base = {h: Formula(f"SUM({refs(h, subtotal_rows)})" if subtotal_rows else "0", got[h]) for h in spec.totals}
    _sum_row(ws, ctx, spec, col, row, "total", "基础分", settings.full_marks, "各类别小计之和", base)
    row += 1
    parts = {h: f"{letter[h]}{base_row}" for h in spec.totals}
    penalties = kind_rows[ItemKind.PENALTY]
    lost = {h: sum_value(values[h], penalties) for h in spec.totals}
    total = dict(got)
    if kind_rows[ItemKind.BONUS]:
        threshold, cap = settings.bonus_threshold, settings.bonus_cap
        after = settings.bonus_basis is BonusBasis.AFTER_PENALTY and penalties
        bonus = {}
        for h in spec.totals:
            basis = f"{letter[h]}{base_row}" + (f"-({sum_expression(letter[h], penalties)})" if after else "")
            claimed = sum_expression(letter[h], kind_rows[ItemKind.BONUS])
            reached = got[h] - (lost[h] if after else 0) >= threshold
            value = min(sum_value(values[h], kind_rows[ItemKind.BONUS]), cap) if reached else Decimal(0)
            expr = f"IF({basis}>={format_decimal(threshold)},MIN({claimed},{format_decimal(cap)}),0)"
            bonus[h] = Formula(expr, value)
            total[h] += value
        basis_word = "基础分减扣分后" if settings.bonus_basis is BonusBasis.AFTER_PENALTY else "基础分"
        note = f"最多 {format_decimal(cap)} 分，{basis_word}达到 {format_decimal(threshold)} 分才计入"
        _sum_row(ws, ctx, spec, col, row, "total", "加分", settings.bonus_cap, note, bonus)
        parts = {h: f"{parts[h]}+{letter[h]}{row}" for h in spec.totals}
        row += 1
    if penalties:
        penalty = {h: Formula(sum_expression(letter[h], penalties), lost[h]) for h in spec.totals}
        _sum_row(ws, ctx, spec, col, row, "total", "扣分", None, "各扣分项之和（从总分中扣减）", penalty)
        parts = {h: f"{parts[h]}-{letter[h]}{row}" for h in spec.totals}
        total = {h: total[h] - lost[h] for h in spec.totals}
        row += 1
    overall = {h: Formula(f"MAX({parts[h]},0)", max(total[h], Decimal(0))) for h in spec.totals}
    note = "基础分＋加分－扣分，最低为 0（仅供参考，以核定为准）"
    _sum_row(ws, ctx, spec, col, row, "total", "总分", None, note, overall)
    row += 1
    if kind_rows[ItemKind.VETO]:
        vetoes = sorted(kind_rows[ItemKind.VETO])
        veto = {
            h: Formula(
                'IF({},"是","否")'.format(limits.function("OR", [f'{letter[h]}{r}="是"' for r in vetoes])),
                layout.VETO_YES if any(values[h].get(r) == layout.VETO_YES for r in vetoes) else layout.VETO_NO,
            )
            for h in spec.totals
        }
        note = f"任一否决项为“是”，等次直接定为{settings.veto_grade}"
        _sum_row(ws, ctx, spec, col, row, "total", "一票否决", None, note, veto)
        row += 1
    return row
