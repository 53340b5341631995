"""The calling workbook in WPS 表格: what ``kaohe addin run --result`` hands back to main.js.

WPS runs no Python inside itself. The add-in's main.js starts a launcher
(``kaohe_run.cmd`` / ``kaohe_run.sh``, :mod:`kaohe_xl.addin.launchers`), which runs
``kaohe addin run BUTTON CAMPAIGN --result FILE``. The handlers then work on a
:class:`WpsBook`: it does the work that needs no spreadsheet program (files, the
database, 控制台.xlsx when WPS does not hold it open) and *records* what only WPS can
do — open the 汇总表 in the running WPS, print its sheet, write the status into the
open 控制台.xlsx. :func:`write_result` puts all of it in a small JSON file that main.js
reads and carries out.

The file is ASCII JSON (``\\uXXXX`` escapes), so main.js reads it whatever encoding
``wps.FileSystem.ReadFile`` assumes, and it is written atomically: once main.js sees
it, it is complete.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kaohe_xl.addin import control
from kaohe_xl.addin.handlers import ActionResult, FileBook
from kaohe_xl.atomic import write_atomic
from kaohe_xl.xlsx.place import lock_files


class WpsBook(FileBook):
    """The workbook whose 考核 button was pressed in WPS, seen from ``kaohe addin run --result``.

    ``open_path`` and ``print_sheet`` only record the request and report success:
    main.js carries them out in WPS right after reading the result.
    """

    def __init__(self, fullname: str | Path) -> None:
        super().__init__(fullname, launch=False)
        self.control_workbook: Path | None = None
        self.status_values: dict[str, object] = {}
        self.status_written = False

    def write_status(self, control_workbook: Path, values: Mapping[str, object]) -> None:
        self.control_workbook = control_workbook
        self.status_values = dict(values)
        if lock_files(control_workbook):
            return  # open in WPS: main.js writes the values into the open copy and saves it
        try:
            control.write_status(control_workbook, values)
            self.status_written = True
        except OSError:  # held open without a lock file (Windows): main.js writes it
            pass

    def open_path(self, path: Path) -> bool:
        self.opened.append(path)
        return True

    def print_sheet(self, workbook: Path, sheet: str) -> bool:
        self.printed.append((workbook, sheet))
        return True


def result_data(result: ActionResult, book: WpsBook) -> dict[str, Any]:
    """What main.js needs to finish a button press (see the module docstring)."""
    return {
        "ok": result.ok,
        "button": result.button,
        "status": result.status,
        "detail": result.detail,
        "open": [str(p) for p in book.opened],
        "print": [{"workbook": str(w), "sheet": s} for w, s in book.printed],
        "control": str(book.control_workbook) if book.control_workbook else None,
        "values": {k: _json_value(v) for k, v in book.status_values.items()},
        "alerts": list(book.alerts),
    }


def _json_value(value: object) -> object:
    return value if value is None or isinstance(value, int | float | str) else str(value)


def write_result(path: Path, result: ActionResult, book: WpsBook) -> Path:
    """Write the result file main.js waits for (ASCII JSON, written atomically)."""
    text = json.dumps(result_data(result, book), ensure_ascii=True, indent=1)
    write_atomic(path, (text + "\n").encode("ascii"))
    return path
