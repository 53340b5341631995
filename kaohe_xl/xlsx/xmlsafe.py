"""Parsing XML from files people send: expat with every door a hostile file could use shut.

An OOXML part never has a document type declaration. A file that carries one may be
trying entity expansion (the "billion laughs": a few hundred bytes that expand to
gigabytes) or external entities (reading local files), so a ``<!DOCTYPE`` anywhere is
refused before any entity could be declared or expanded. Parsing is driven by handlers
(no tree is built), so memory stays bounded by what the caller keeps; the input is fed
in chunks and the caller may stop between two chunks (a cell limit, a deadline).
"""

from __future__ import annotations

import pyexpat
from collections.abc import Callable

CHUNK = 1024 * 1024  # bytes fed to the parser between two checks of the caller's limits


class XmlRefused(Exception):
    """The part is not well-formed XML, or uses a feature parts never use (a DTD)."""


class Stop(Exception):
    """Raised by a handler to end the parse early (enough has been read)."""


def _refuse_doctype(*_args: object) -> int:
    raise XmlRefused("含有文档类型声明（DOCTYPE），表格部件不会有")


def parser() -> pyexpat.XMLParserType:
    """An expat parser that refuses DTDs and entity declarations (no namespace processing).

    Element names keep their prefix (``x:c``); callers match on the local part, as the
    spreadsheet readers do.
    """
    xml = pyexpat.ParserCreate()
    xml.StartDoctypeDeclHandler = _refuse_doctype
    xml.EntityDeclHandler = _refuse_doctype
    xml.ExternalEntityRefHandler = _refuse_doctype
    xml.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    return xml


def parse(
    data: bytes,
    setup: Callable[[pyexpat.XMLParserType], None],
    go_on: Callable[[], bool] | None = None,
) -> bool:
    """Parse ``data`` with the handlers ``setup`` installs; False when stopped early.

    ``go_on`` is asked after every :data:`CHUNK` bytes; returning False ends the parse
    (so does a handler raising :class:`Stop`). Raises :class:`XmlRefused` for anything
    that is not well-formed XML or declares a DTD.
    """
    xml = parser()
    setup(xml)
    try:
        for start in range(0, len(data), CHUNK):
            xml.Parse(data[start : start + CHUNK], False)
            if go_on is not None and not go_on():
                return False
        xml.Parse(b"", True)
    except Stop:
        return False
    except pyexpat.ExpatError as exc:
        raise XmlRefused(f"XML 格式错误（{pyexpat.ErrorString(exc.code)}，第 {exc.lineno} 行）") from exc
    except (ValueError, OverflowError, RecursionError, UnicodeError, MemoryError) as exc:
        raise XmlRefused(f"XML 无法解析（{type(exc).__name__}）") from exc
    return True


def local(name: str) -> str:
    """``x:c`` → ``c`` (the element's name without its namespace prefix)."""
    return name.rpartition(":")[2]
