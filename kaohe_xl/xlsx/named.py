"""Writing values into the named cells of an existing xlsx file, part by part.

控制台.xlsx is refreshed after every command (counts, last action); loading and saving it
with openpyxl costs more than most commands (importing openpyxl and numpy alone takes a
third of a second). Its named cells are rewritten in the sheet XML instead: each cell's
element is replaced by one holding the new value (an inline string or a number), its
style kept; every other part is copied unchanged. When a named cell is not found as an
element of its own (a program wrote the sheet in another way), :func:`set_named_cells`
returns None and the caller saves through openpyxl.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Mapping

from kaohe_xl.xlsx import ooxml
from kaohe_xl.xlsx.stamp import cell_xml
from kaohe_xl.xlsx.zipwrite import ZipWriter

_ATTRS = re.compile(r'\s(s)="([0-9]+)"')


def set_named_cells(data: bytes, values: Mapping[str, object]) -> bytes | None:
    """The workbook ``data`` with ``{defined name: value}`` written (names it lacks are
    skipped); None when a cell cannot be edited in place."""
    package = ooxml.Package(data)
    edits: dict[str, dict[str, object]] = {}  # part → cell → value
    for name, value in values.items():
        for title, ref in package.defined_name(name):
            part = package.sheet_part(title)
            if part is None or ooxml.parse_cell_name(ref) is None:
                return None
            edits.setdefault(part, {})[ref.replace("$", "")] = value
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        when = time.struct_time((*infos[0].date_time, 0, 1, -1)) if infos else None
        writer = ZipWriter(out, when)
        for info in infos:
            raw = archive.read(info)
            if info.filename in edits:
                edited = _edit(raw.decode("utf-8"), edits[info.filename])
                if edited is None:
                    return None
                raw = edited.encode("utf-8")
            writer.add(info.filename, raw)
    writer.close()
    return out.getvalue()


def _edit(xml: str, cells: Mapping[str, object]) -> str | None:
    for ref, value in cells.items():
        element = re.compile(rf'<c r="{ref}"((?:\s[a-zA-Z:]+="[^"]*")*)\s*(?:/>|>.*?</c>)', re.S)
        found = list(element.finditer(xml))
        if len(found) != 1:
            return None
        match = found[0]
        style = _ATTRS.search(match.group(1))
        attrs = f' s="{style.group(2)}"' if style else ""
        xml = xml[: match.start()] + _cell(ref, attrs, value) + xml[match.end() :]
    return xml


def _cell(ref: str, attrs: str, value: object) -> str:
    if value is None or value == "":
        return f'<c r="{ref}"{attrs}/>'
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        value = str(value)
    return cell_xml(ref, attrs, value)
