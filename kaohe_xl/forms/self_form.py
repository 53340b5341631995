"""The 自评表 built with openpyxl: one unit's directly, or the prototype a run stamps.

The prototype holds placeholders (:func:`~kaohe_xl.xlsx.stamp.token`) for everything that
differs between units and runs: the unit's id and name, the signature, the generation
time in the metadata, and the document properties' created/modified times. So one
prototype serves every run of a campaign until its rubric, style template or code
changes (:mod:`kaohe_xl.forms.prototypes` keeps it).
"""

from __future__ import annotations

import io
import re
import zipfile

from openpyxl.workbook.workbook import Workbook

from kaohe_xl.forms import layout
from kaohe_xl.forms.book import finish_workbook
from kaohe_xl.forms.context import FormContext
from kaohe_xl.forms.items import TableSpec, write_item_sheet
from kaohe_xl.forms.parts import fact_lines, write_instructions
from kaohe_xl.forms.texts import self_steps
from kaohe_xl.rubric.model import FormKind
from kaohe_xl.textnorm import format_decimal
from kaohe_xl.xlsx.sheetwriter import workbook_bytes
from kaohe_xl.xlsx.stamp import token

SELF_SPEC = TableSpec(
    columns=layout.SELF_COLUMNS,
    score=layout.H_SELF_SCORE,
    remark=layout.H_SELF_NOTE,
    totals=(layout.H_SELF_SCORE,),
)
CORE_PART = "docProps/core.xml"
# openpyxl writes the document's times as <dcterms:created …>2024-01-02T03:04:05Z</dcterms:created>
_CORE_TIME = re.compile(r"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:)")


def self_source(ctx: FormContext) -> str:
    """The name of the rubric's 自评表 source ("" without one)."""
    sources = ctx.rubric.sources_of(FormKind.SELF)
    return sources[0].name if sources else ""


def build_self_workbook(
    ctx: FormContext, unit_id: str, unit_name: str, signature: str | None = None, generated: str | None = None
) -> Workbook:
    """The 自评表 of one unit; ``unit_id``/``unit_name``/``signature`` may be placeholders,
    and ``generated`` the generation time's (the metadata then shows it, not the context's)."""
    settings = ctx.rubric.settings
    wb = Workbook()
    notes = wb.active
    assert notes is not None
    notes.title = layout.INSTRUCTIONS_SHEET
    facts = [("填报单位", f"{unit_name}（编号：{unit_id}）"), *fact_lines(ctx)]
    write_instructions(notes, ctx, f"{FormKind.SELF.label}填表说明", facts, self_steps(ctx.rubric))
    ws = wb.create_sheet(layout.SELF_SHEET)
    info = f"填报单位：{unit_name}（编号：{unit_id}）    满分：{format_decimal(settings.full_marks)} 分"
    if settings.deadline:
        info += f"    截止日期：{settings.deadline}"
    lines = [("title", ctx.title), ("subtitle", FormKind.SELF.label), ("info", info)]
    write_item_sheet(ws, ctx, SELF_SPEC, lines)
    meta = ctx.meta(FormKind.SELF, unit_id, unit_name, source=self_source(ctx))
    if generated is not None:
        meta[layout.META_GENERATED] = generated
    finish_workbook(wb, ctx, meta, signature)
    return wb


def self_prototype_bytes(ctx: FormContext) -> bytes:
    """The 自评表 with placeholders ``ID``, ``NAME``, ``SIG``, ``GENERATED``, ``CREATED``
    and ``MODIFIED`` (see the module docstring)."""
    wb = build_self_workbook(ctx, token("ID"), token("NAME"), token("SIG"), token("GENERATED"))
    return _timeless(workbook_bytes(wb))


def _timeless(data: bytes) -> bytes:
    """``data`` with the created/modified times of its document properties as placeholders."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as archive, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in archive.infolist():
            member = archive.read(info)
            if info.filename == CORE_PART:
                member = _CORE_TIME.sub(_time_token, member.decode("utf-8")).encode("utf-8")
            target.writestr(info, member, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _time_token(match: re.Match[str]) -> str:
    return match.group(1) + token(match.group(2).upper()) + match.group(3)
