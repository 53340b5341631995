"""The 考核组评分表: one workbook per assessor group and round (and per named assessor of a
group with a roster): a 说明 sheet with the 评分人 cell, then one sheet per unit scored.

Speed: a unit sheet is some 700 styled cells, which openpyxl builds in 0.1–0.3 s (each
style set is looked up in the workbook's style lists). So a unit sheet is built once per
run, round and kind of copy, with placeholders for the unit, the group, the assessor and
what the sheet shows of its unit: 自评得分 and 自评说明, the item rows' heights, the stored
totals (:mod:`kaohe_xl.forms.unit_slots`, :mod:`kaohe_xl.xlsx.stamp`). A group's workbook is built by
openpyxl with its 说明 sheet, *empty* unit sheets (titles, sheet-local names, print
titles and area: what the workbook part says about a sheet) and the metadata; each empty
sheet's part is then replaced by the unit sheet stamped for its unit. The group's
workbook starts from the prototype's style lists, so the style numbers inside the stamped
sheets name the same styles there (openpyxl only appends to those lists).
:func:`build_assessor_workbook` is the direct build the copies are tested against.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import time
import zipfile
from collections.abc import Mapping
from copy import copy
from dataclasses import dataclass

from openpyxl.packaging.relationship import RelationshipList
from openpyxl.styles.differential import DifferentialStyleList
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from kaohe_xl.forms import layout
from kaohe_xl.forms.book import finish_workbook
from kaohe_xl.forms.items import TableSpec, write_item_sheet
from kaohe_xl.forms.parts import FormContext, fact_lines, quote_sheet, write_instructions, write_unit_cell
from kaohe_xl.forms.texts import assessor_steps
from kaohe_xl.forms.unit_slots import UnitSlots, mark, placeholders
from kaohe_xl.rubric.model import FormKind, Rubric, Source, Unit
from kaohe_xl.textnorm import format_decimal
from kaohe_xl.xlsx import ooxml
from kaohe_xl.xlsx.cells import Value
from kaohe_xl.xlsx.evaluate import FormulaError
from kaohe_xl.xlsx.sheetwriter import workbook_bytes
from kaohe_xl.xlsx.stamp import Prototype, token
from kaohe_xl.xlsx.zipwrite import ZipWriter

ASSESSOR_SPEC = TableSpec(
    columns=layout.ASSESSOR_COLUMNS,
    score=layout.H_ASSESSOR_SCORE,
    remark=layout.H_REASON,
    totals=(layout.H_SELF_SCORE, layout.H_ASSESSOR_SCORE),
    readonly=layout.H_SELF_SCORE,
    signatures=("考核组成员签字：", "考核日期：        年    月    日"),
    readonly_note=layout.H_SELF_NOTE,
)
_PROTOTYPE_TITLE = "KHUNITSHEET"  # the unit sheet's title in the prototype (never in its part)


def assessor_spec(rubric: Rubric) -> TableSpec:
    """The 考核组评分表 columns: without a 自评 source there is no 自评得分 or 自评说明 column."""
    if rubric.self_source is not None:
        return ASSESSOR_SPEC
    return ASSESSOR_SPEC.without(layout.H_SELF_SCORE, layout.H_SELF_NOTE)


def assessor_title(rubric: Rubric, source: Source | None) -> str:
    """``考核组评分表``, or ``考核组评分表（专项督查）`` when the scheme has several rounds."""
    if source is None or len(rubric.sources_of(FormKind.ASSESSOR)) < 2:
        return FormKind.ASSESSOR.label
    return f"{FormKind.ASSESSOR.label}（{source.name}）"


def build_assessor_workbook(
    ctx: FormContext,
    group: str,
    units: list[Unit],
    prefill: Mapping[str, Mapping[str, Value]] | None = None,
    source: Source | None = None,
    assessor: str = "",
    remarks: Mapping[str, Mapping[str, str]] | None = None,
) -> Workbook:
    """The 考核组评分表 of one group and round (default: the first): a 说明 sheet with the
    评分人 cell (filled in and locked on a named ``assessor``'s copy), one sheet per unit,
    each showing the unit's 自评得分 (``prefill``) and 自评说明 (``remarks``) read-only.

    Built directly with openpyxl (:class:`AssessorBooks` stamps the same workbook faster).
    """
    source = source or ctx.rubric.sources_of(FormKind.ASSESSOR)[0]
    prefill, remarks = prefill or {}, remarks or {}
    wb = Workbook()
    _instructions(wb, ctx, group, units, source, assessor)
    pairs = []
    for title, unit in _sheet_titles(units):
        ws = wb.create_sheet(title)
        pairs.append((title, unit.id))
        _unit_sheet(ws, ctx, source, group, unit.id, unit.name, assessor, prefill.get(unit.id), remarks.get(unit.id))
    finish_workbook(wb, ctx, _meta(ctx, group, units, pairs, source, assessor), None)
    return wb


def _instructions(wb: Workbook, ctx: FormContext, group: str, units: list[Unit], source: Source, assessor: str) -> None:
    notes = wb.active
    assert notes is not None
    notes.title = layout.INSTRUCTIONS_SHEET
    title = assessor_title(ctx.rubric, source)
    facts = [("考核组", group), ("被考核单位", "、".join(u.name for u in units)), *fact_lines(ctx)]
    if title != FormKind.ASSESSOR.label:
        facts.insert(1, ("考核轮次", source.name))
    steps = assessor_steps(ctx.rubric)
    write_instructions(notes, ctx, f"{title}填表说明", facts, steps, assessor_input=True, assessor_name=assessor)


def _sheet_titles(units: list[Unit]) -> list[tuple[str, Unit]]:
    taken = {layout.INSTRUCTIONS_SHEET, layout.LISTS_SHEET, layout.META_SHEET}
    titles = []
    for unit in units:
        title = layout.assessor_sheet_title(unit.id, unit.name, taken)
        taken.add(title)
        titles.append((title, unit))
    return titles


def _unit_sheet(
    ws: Worksheet,
    ctx: FormContext,
    source: Source,
    group: str,
    unit_id: str,
    unit_name: str,
    assessor: str,
    prefill: Mapping[str, Value] | None = None,
    notes: Mapping[str, str] | None = None,
) -> None:
    spec = assessor_spec(ctx.rubric)
    full = format_decimal(ctx.rubric.settings.full_marks)
    info = f"被考核单位：{unit_name}（编号：{unit_id}）    考核组：{group}    满分：{full} 分"
    if assessor:
        info += f"    评分人：{assessor}"
    lines = [("title", ctx.title), ("subtitle", assessor_title(ctx.rubric, source)), ("info", info)]
    header = write_item_sheet(ws, ctx, spec, lines, prefill, notes)
    write_unit_cell(ws, header - 1, len(spec.columns) + 1, unit_id, ctx.styles["info"])


def _meta(
    ctx: FormContext, group: str, units: list[Unit], pairs: list[tuple[str, str]], source: Source, assessor: str
) -> dict[str, str]:
    return ctx.meta(
        FormKind.ASSESSOR,
        group,
        group,
        sheets=layout.encode_sheet_map(pairs),
        source=source.name,
        assessor=assessor,
        units=layout.encode_units([(unit.id, unit.name) for unit in units]),
    )


# ---- stamped copies ------------------------------------------------------------------------
@dataclass(frozen=True)
class _UnitSheet:
    """A unit sheet built once with placeholders, and what it needs to be copied."""

    workbook: Workbook  # its style lists start every group's workbook
    sheet: Worksheet  # the sheet's own settings that the workbook part holds
    prototype: Prototype
    part: str  # the sheet's member in the prototype
    slots: UnitSlots  # what each copy fills in besides the unit, group and assessor


class AssessorBooks:
    """Writes the 考核组评分表 of one generate run from stamped unit sheets."""

    def __init__(self, ctx: FormContext) -> None:
        self.ctx = ctx
        self._sheets: dict[tuple[str, bool], _UnitSheet | None] = {}

    def build(
        self,
        group: str,
        units: list[Unit],
        prefill: Mapping[str, Mapping[str, Value]],
        source: Source,
        assessor: str = "",
        remarks: Mapping[str, Mapping[str, str]] | None = None,
    ) -> bytes:
        """The xlsx bytes of the group's workbook (the same content as a direct build)."""
        remarks = remarks or {}
        unit_sheet = self._unit_sheet(source, bool(assessor))
        try:
            if unit_sheet is None:  # a sheet this way cannot copy (it has parts of its own)
                raise FormulaError("no prototype")
            own = {u.id: unit_sheet.slots.values(prefill.get(u.id, {}), remarks.get(u.id, {})) for u in units}
        except FormulaError:  # or a total outside what kaohe_xl.xlsx.evaluate works out
            wb = build_assessor_workbook(self.ctx, group, units, prefill, source, assessor, remarks)
            return workbook_bytes(wb)
        wb = Workbook()
        _share_styles(unit_sheet.workbook, wb)
        _instructions(wb, self.ctx, group, units, source, assessor)
        titles = _sheet_titles(units)
        blanks = {}
        for title, unit in titles:
            ws = wb.create_sheet(title)
            _dress(ws, unit_sheet.sheet)
            blanks[id(ws)] = (ws, unit)
        pairs = [(title, unit.id) for title, unit in titles]
        finish_workbook(wb, self.ctx, _meta(self.ctx, group, units, pairs, source, assessor), None)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as skeleton:
            wb.properties.modified = datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
            _SkeletonWriter(wb, skeleton, set(blanks)).write_data()
        parts = {ws.path[1:]: unit for ws, unit in blanks.values()}
        out = io.BytesIO()
        with zipfile.ZipFile(buffer) as archive:
            when = archive.infolist()[0].date_time
            writer = ZipWriter(out, time.struct_time((*when, 0, 1, -1)))
            for info in archive.infolist():
                sheet_unit = parts.get(info.filename)
                if sheet_unit is None:
                    writer.add(info.filename, archive.read(info))
                    continue
                values: dict[str, object] = {
                    "ID": sheet_unit.id,
                    "NAME": sheet_unit.name,
                    "GROUP": group,
                    "ASSESSOR": assessor,
                    **own[sheet_unit.id],
                }
                stamped = unit_sheet.prototype.part(unit_sheet.part, values)
                writer.add_deflated(dataclasses.replace(stamped, name=info.filename))
        writer.close()
        return out.getvalue()

    def _unit_sheet(self, source: Source, named: bool) -> _UnitSheet | None:
        key = (source.name, named)
        if key not in self._sheets:
            self._sheets[key] = self._prototype(source, named)
        return self._sheets[key]

    def _prototype(self, source: Source, named: bool) -> _UnitSheet | None:
        ctx = self.ctx
        wb = Workbook()  # its first sheet stays the active one, as the 说明 sheet is
        ws = wb.create_sheet(_PROTOTYPE_TITLE)
        assessor = token("ASSESSOR") if named else ""
        scores, notes = placeholders(ctx.rubric.items)
        _unit_sheet(ws, ctx, source, token("GROUP"), token("ID"), token("NAME"), assessor, scores, notes)
        data = workbook_bytes(wb)
        part = ooxml.Package(data).sheet_part(_PROTOTYPE_TITLE)
        if part is None:
            return None
        data, slots = _marked(data, part, ctx)
        prototype = Prototype(data)
        if any(name.startswith("xl/worksheets/_rels/") for name in prototype.names):
            return None
        return _UnitSheet(wb, ws, prototype, part, slots)


def _marked(data: bytes, part: str, ctx: FormContext) -> tuple[bytes, UnitSlots]:
    """The prototype with its unit sheet's heights and totals made placeholders (:func:`mark`)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as archive, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in archive.infolist():
            member = archive.read(info)
            if info.filename == part:
                xml, slots = mark(member.decode("utf-8"), ctx, assessor_spec(ctx.rubric).for_rubric(ctx.rubric))
                member = xml.encode("utf-8")
            target.writestr(info, member, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue(), slots


class _SkeletonWriter(ExcelWriter):
    """openpyxl's writer, except that the sheets in ``blank`` are written as empty parts
    (openpyxl writes each sheet through a temporary file: 1 ms a sheet)."""

    def __init__(self, workbook: Workbook, archive: zipfile.ZipFile, blank: set[int]) -> None:
        super().__init__(workbook, archive)
        self.blank = blank

    def write_worksheet(self, ws: Worksheet) -> None:
        if id(ws) not in self.blank:
            super().write_worksheet(ws)
            return
        ws._drawing = None
        ws._rels = RelationshipList()
        self._archive.writestr(ws.path[1:], b"")
        self.manifest.append(ws)


def _share_styles(source: Workbook, target: Workbook) -> None:
    """Start ``target``'s style lists as copies of ``source``'s: a style number written by
    ``source`` then means the same style in ``target`` (new styles are appended)."""
    for name in ("_fonts", "_alignments", "_borders", "_fills", "_number_formats", "_protections", "_cell_styles"):
        setattr(target, name, IndexedList(getattr(source, name)))
    target._date_formats = dict(source._date_formats)
    target._timedelta_formats = dict(source._timedelta_formats)
    target._named_styles = copy(source._named_styles)
    target._differential_styles = DifferentialStyleList(dxf=list(source._differential_styles.dxf))


def _dress(ws: Worksheet, like: Worksheet) -> None:
    """Give an empty sheet what the workbook part says about ``like``: its sheet-local
    names (pointing at this sheet), print titles and area, filter, state."""
    for name, defined in like.defined_names.items():
        text = defined.attr_text.replace(f"{quote_sheet(like.title)}!", f"{quote_sheet(ws.title)}!")
        ws.defined_names[name] = DefinedName(name, attr_text=text)
    ws.print_title_rows = like.print_title_rows
    ws.print_title_cols = like.print_title_cols
    if like.print_area:
        ws.print_area = like.print_area
    if like.auto_filter.ref:
        ws.auto_filter.ref = like.auto_filter.ref
    ws.sheet_state = like.sheet_state
