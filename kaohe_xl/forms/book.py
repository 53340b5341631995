"""The last steps of every generated workbook: the 否决 option list, the signed metadata
sheet, workbook protection."""

from __future__ import annotations

from openpyxl.workbook.workbook import Workbook

from kaohe_xl.forms import layout
from kaohe_xl.forms.inputs import protect_workbook
from kaohe_xl.forms.parts import FormContext, write_lists, write_meta
from kaohe_xl.rubric.model import ItemKind


def finish_workbook(wb: Workbook, ctx: FormContext, meta: dict[str, str], signature: str | None) -> None:
    """Add the option list (when the rubric has 否决 items) and the metadata, signed
    (``signature`` may be a placeholder of a prototype), and protect the workbook."""
    if any(item.kind is ItemKind.VETO for item in ctx.rubric.items):
        write_lists(wb)
    meta[layout.META_SIGNATURE] = ctx.sign(meta) if signature is None else signature
    write_meta(wb, meta)
    protect_workbook(wb, ctx.password)
