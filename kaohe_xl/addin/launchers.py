"""Double-click launchers for the buttons: WPS, and Excel without the add-in."""

from __future__ import annotations

import sys
from pathlib import Path

from kaohe_xl.addin import control
from kaohe_xl.addin.buttons import BUTTONS
from kaohe_xl.addin.handlers import find_campaign


# ---- double-click launchers (WPS and Excel without the add-in) ----------------------------
def write_launchers(folder: str | Path, python: str | None = None) -> list[Path]:
    """Write one ``按钮_<label>.cmd`` per button into a campaign folder.

    WPS cannot load xlwings add-ins; a double-click on a launcher runs the same handler
    through :class:`FileBook` (``kaohe addin run``), with the status written into
    控制台.xlsx and the result opened by Windows. ``%~dp0`` is the launcher's own folder,
    so the folder may be moved or renamed.
    """
    root = find_campaign(Path(folder) / control.CONTROL_FILE).root
    exe = python or sys.executable
    paths = []
    for button in BUTTONS:
        run = f'-m kaohe_xl addin run {button.id} "%~dp0."'
        text = "\r\n".join(
            [
                "@echo off",
                # The folder may be copied to a PC where the Python that wrote this file
                # does not exist: then the py launcher, else python from PATH.
                f'if not exist "{exe}" goto other_python',
                f'"{exe}" {run}',
                "goto end",
                ":other_python",
                "where py >nul 2>nul",
                f"if errorlevel 1 (python {run}) else (py -3 {run})",
                ":end",
                "pause",
                "",
            ]
        )
        try:
            # cmd.exe reads a batch file in the console's code page: GBK on Chinese Windows.
            data = text.encode("gbk")
        except UnicodeEncodeError:
            data = ("@chcp 65001 >nul\r\n" + text).encode("utf-8")
        path = root / f"按钮_{button.label}.cmd"
        path.write_bytes(data)
        paths.append(path)
    return paths
