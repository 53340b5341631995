"""The calling workbook in a running Microsoft Excel, through xlwings.

This is the only module of kaohe-xl that imports xlwings, and only inside
:meth:`XlwingsBook.caller`, so everything else runs without Excel or xlwings.

How a click travels: the ribbon XML in ``kaohe_xl.xlam`` (see :mod:`kaohe_xl.addin.build`)
wires every button's ``onAction`` to one VBA macro, which runs
``kaohe_xl.addin.on_action('<button id>')`` through xlwings' ``RunPython``; that is
:func:`on_action` here, which presses the button for Excel's active workbook.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kaohe_xl.addin import control
from kaohe_xl.addin.buttons import TITLE
from kaohe_xl.addin.handlers import ActionResult, os_open, press


class XlwingsBook:
    """The calling workbook in a running Excel, through xlwings."""

    def __init__(self, book: Any) -> None:
        self.book = book

    @classmethod
    def caller(cls) -> XlwingsBook:
        import xlwings as xw  # the only xlwings import of kaohe-xl

        return cls(xw.Book.caller())

    @property
    def fullname(self) -> str:
        return str(self.book.fullname)

    def _open_book(self, path: Path) -> Any:
        wanted = os.path.normcase(str(path.resolve()))
        for book in self.book.app.books:
            if os.path.normcase(str(Path(book.fullname).resolve())) == wanted:
                return book
        return None

    def write_status(self, control_workbook: Path, values: Mapping[str, object]) -> None:
        live = self._open_book(control_workbook)
        if live is None:  # not open in Excel: the file is free to write
            control.write_status(control_workbook, values)
            return
        names = {n.name for n in live.names}
        for name, value in values.items():
            if name in names:
                live.names[name].refers_to_range.value = value
        live.save()

    def open_path(self, path: Path) -> bool:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            book = self._open_book(path) or self.book.app.books.open(str(path))
            book.activate()
            return True
        return os_open(path)

    def close_workbook(self, path: Path) -> None:
        book = self._open_book(path)
        if book is not None and book.fullname != self.book.fullname:
            book.close()

    def print_sheet(self, workbook: Path, sheet: str) -> bool:
        book = self._open_book(workbook) or self.book.app.books.open(str(workbook))
        if sys.platform == "win32":
            book.api.Worksheets(sheet).PrintOut()  # Excel's own printing, with the sheet's page setup
        else:
            book.sheets[sheet].api.print_out()  # macOS Excel through appscript
        return True

    def alert(self, message: str) -> None:
        self.book.app.alert(message, title=TITLE)


def on_action(control_id: str) -> ActionResult:
    """The ribbon's entry point: press button ``control_id`` for Excel's calling workbook."""
    return press(control_id, XlwingsBook.caller())
