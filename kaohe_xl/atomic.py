"""Writing output files so that a failed or interrupted write never leaves half a file.

Every file kaohe writes (forms, the control workbook, exports, the archive, the config,
the add-in, the 汇总表 and 反馈表) goes through :func:`replace_file`, mostly by way of
:func:`write_atomic`: the bytes go to a temporary file beside the target, which then
replaces the target in one rename. New files get the usual permissions (644 with the
usual umask), whatever writes them.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
from pathlib import Path
from typing import TYPE_CHECKING

from kaohe_xl.errors import OutputError

if TYPE_CHECKING:  # openpyxl is heavy; writing bytes or YAML does not need it
    from openpyxl.workbook.workbook import Workbook

IN_USE_HINT = "如果该文件正在 Excel/WPS 中打开，请关闭后重试"


def replace_file(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``.

    The temporary file is created like any other new file (``0o666`` minus the umask,
    so usually 644), and ``os.replace`` keeps that mode: a temporary file from
    ``tempfile.mkstemp`` would be 600 and the output unreadable for the rest of the
    office. Errors are raised as they come (the temporary file removed), so that a
    caller can tell a target held open on Windows (``PermissionError``) from the rest;
    :func:`write_atomic` turns them into :class:`OutputError`.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):  # the temporary may not exist (name too long, disk full)
            tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes, *, in_use_hint: str = IN_USE_HINT) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename: never a half file.

    Failures become :class:`OutputError` naming the file; ``in_use_hint`` says what the
    user can do (Windows refuses to replace a file another program holds open).
    """
    try:
        replace_file(path, data)
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise OutputError(f"无法写入 {path}：文件名或路径太长，请把考核目录放到较短的路径下") from exc
        raise OutputError(f"无法写入 {path}（{exc.strerror or exc}）：{in_use_hint}") from exc


def workbook_bytes(wb: Workbook) -> bytes:
    """An openpyxl workbook saved into memory."""
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def save_workbook(wb: Workbook, path: Path, *, in_use_hint: str = IN_USE_HINT) -> None:
    """Save an openpyxl workbook atomically."""
    write_atomic(path, workbook_bytes(wb), in_use_hint=in_use_hint)
