"""Launchers: small scripts that run a button's ``kaohe addin run`` with the right Python.

Two kinds, each as a Windows ``.cmd`` and a Linux ``.sh`` (统信 UOS, 银河麒麟):

- **double-click launchers** in a campaign folder (:func:`write_launchers`), one per
  button, for WPS without the add-in and for Excel without the add-in;
- **the WPS add-in's launcher** ``kaohe_run.cmd`` / ``kaohe_run.sh`` (:func:`addin_runner_cmd`,
  :func:`addin_runner_sh`), which the add-in's main.js starts with the button, the
  campaign folder and the result file main.js then reads.

Both run the Python that wrote them, by its full path; when that path does not exist
(the folder was copied to another PC) they fall back to ``py -3`` then ``python`` on
Windows, ``python3`` then ``python`` on Linux.
"""

from __future__ import annotations

import sys
from pathlib import Path

from kaohe_xl.addin import control
from kaohe_xl.addin.buttons import BUTTONS
from kaohe_xl.addin.handlers import find_campaign

RUNNER = "kaohe_run"  # the add-in's launcher: kaohe_run.cmd / kaohe_run.sh
# The add-in's launcher writes RESULT.done as its very last act, when Python has ended:
# main.js waits for it, then reads RESULT (if Python got to write it). ASCII, so that
# main.js reads it whatever encoding WPS assumes; main.js reads a file it cannot parse
# yet (caught half written) again on its next look.
DONE_SUFFIX = ".done"
DONE_MARK = '{"exit_code": %s}'
NO_PYTHON = "找不到 Python 3：请安装 Python 3 和 kaohe-xl（pip install kaohe-xl）"


def sh_quote(text: str) -> str:
    """``text`` as one word for /bin/sh: in single quotes, where nothing is special but ``'``."""
    return "'" + text.replace("'", "'\\''") + "'"


def cmd_bytes(text: str) -> bytes:
    """A batch file's bytes: cmd.exe reads it in the console's code page, GBK on Chinese Windows."""
    try:
        return text.encode("gbk")
    except UnicodeEncodeError:
        return ("@chcp 65001 >nul\r\n" + text).encode("utf-8")


def _cmd_run(exe: str, run: str, redirect: str = "") -> list[str]:
    """Batch lines that run ``python {run}`` with ``exe``, else the py launcher, else python."""
    return [
        # The folder may be copied to a PC where the Python that wrote this file
        # does not exist: then the py launcher, else python from PATH.
        f'if not exist "{exe}" goto other_python',
        f'"{exe}" {run}{redirect}',
        "goto end",
        ":other_python",
        "where py >nul 2>nul",
        f"if errorlevel 1 (python {run}{redirect}) else (py -3 {run}{redirect})",
        ":end",
    ]


def _sh_python(exe: str) -> list[str]:
    """Shell lines that set ``$py``: ``exe`` if it runs, else python3 or python from PATH."""
    return [
        f"py={sh_quote(exe)}",
        'if [ ! -x "$py" ]; then',
        "    # copied to a PC without that Python: python3 (or python) from PATH",
        '    py=$(command -v python3 || command -v python) || py=""',
        "fi",
    ]


def launcher_cmd(button_id: str, exe: str) -> bytes:
    """The double-click ``.cmd`` of one button: ``%~dp0`` is its own folder, the campaign."""
    run = f'-m kaohe_xl addin run {button_id} "%~dp0."'
    lines = ["@echo off", *_cmd_run(exe, run), "pause", ""]
    return cmd_bytes("\r\n".join(lines))


def launcher_sh(button_id: str, label: str, exe: str) -> bytes:
    """The double-click ``.sh`` of one button, for WPS on Linux: its own folder is the campaign."""
    lines = [
        "#!/bin/sh",
        f"# 考核按钮“{label}”：kaohe addin run {button_id} <this folder>  (written by kaohe addin launchers)",
        'here=$(cd "$(dirname "$0")" && pwd) || exit 1',
        *_sh_python(exe),
        'if [ -z "$py" ]; then',
        f"    echo {sh_quote(NO_PYTHON)} >&2",
        "    code=127",
        "else",
        f'    "$py" -m kaohe_xl addin run {button_id} "$here"',
        "    code=$?",
        "fi",
        "# Started from a file manager in a terminal window: keep it open until the status is read.",
        'if [ -t 0 ] && [ -t 1 ]; then printf "%s" "按回车键关闭窗口"; read -r _; fi',
        'exit "$code"',
        "",
    ]
    return "\n".join(lines).encode("utf-8")


def addin_runner_cmd(exe: str) -> bytes:
    """``kaohe_run.cmd BUTTON CAMPAIGN RESULT``: the WPS add-in's launcher on Windows.

    Runs ``kaohe addin run BUTTON CAMPAIGN --result RESULT`` with Python's errors in
    ``RESULT.log``, then writes ``RESULT.done`` (:data:`DONE_MARK`, the exit code): main.js
    waits for that, so it also learns when Python never ran (not found, kaohe-xl not
    installed in it) and never reads RESULT before it is complete.
    """
    run = "-m kaohe_xl addin run %1 %2 --result %3"
    lines = [
        "@echo off",
        "rem The 考核 tab of WPS: main.js runs this with BUTTON CAMPAIGN RESULT (kaohe addin build --wps).",
        "set PYTHONIOENCODING=utf-8",
        *_cmd_run(exe, run, redirect=' 2>"%~3.log"'),
        "set code=%errorlevel%",
        f'>"%~3{DONE_SUFFIX}" echo {DONE_MARK % "%code%"}',
        "exit /b %code%",
        "",
    ]
    return cmd_bytes("\r\n".join(lines))


def addin_runner_sh(exe: str) -> bytes:
    """``kaohe_run.sh BUTTON CAMPAIGN RESULT``: the WPS add-in's launcher on Linux (see :func:`addin_runner_cmd`)."""
    lines = [
        "#!/bin/sh",
        "# The 考核 tab of WPS: main.js runs this with BUTTON CAMPAIGN RESULT (kaohe addin build --wps).",
        *_sh_python(exe),
        'if [ -z "$py" ]; then',
        f'    echo {sh_quote(NO_PYTHON)} >"$3.log"',
        "    code=127",
        "else",
        '    PYTHONIOENCODING=utf-8 "$py" -m kaohe_xl addin run "$1" "$2" --result "$3" 2>"$3.log"',
        "    code=$?",
        "fi",
        f'printf \'{DONE_MARK % "%d"}\\n\' "$code" >"$3{DONE_SUFFIX}"',
        'exit "$code"',
        "",
    ]
    return "\n".join(lines).encode("utf-8")


def write_executable(path: Path, data: bytes) -> Path:
    """Write a launcher; a ``.sh`` gets the execute bits (rwxr-xr-x)."""
    path.write_bytes(data)
    if path.suffix == ".sh":
        path.chmod(0o755)
    return path


# ---- double-click launchers (WPS and Excel without the add-in) ----------------------------
def write_launchers(folder: str | Path, python: str | None = None) -> list[Path]:
    """Write ``按钮_<label>.cmd`` and ``按钮_<label>.sh`` per button into a campaign folder.

    A double-click runs the button's handler through :class:`FileBook` (``kaohe addin
    run``), with the status written into 控制台.xlsx and the result opened by the
    system. The launchers find the campaign as their own folder (``%~dp0``,
    ``dirname "$0"``), so the folder may be moved or renamed. Returns the ``.cmd``
    files, then the ``.sh`` files, in button order.
    """
    root = find_campaign(Path(folder) / control.CONTROL_FILE).root
    exe = python or sys.executable
    cmds = [write_executable(root / f"按钮_{b.label}.cmd", launcher_cmd(b.id, exe)) for b in BUTTONS]
    shs = [write_executable(root / f"按钮_{b.label}.sh", launcher_sh(b.id, b.label, exe)) for b in BUTTONS]
    return cmds + shs
