"""Putting a finished workbook (or PDF) in place: atomically, and beside a file that is
open in Excel, WPS or LibreOffice rather than over it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from openpyxl.workbook.workbook import Workbook

from kaohe_xl.atomic import replace_file, workbook_bytes
from kaohe_xl.errors import OutputError
from kaohe_xl.xlsx.locks import lock_files
from kaohe_xl.xlsx.sheetwriter import Book


@dataclass(frozen=True)
class Saved:
    """Where a workbook went, and why it is not where it was asked to go."""

    path: Path
    wanted: Path
    note: str = ""  # Chinese: the target was open/locked, written beside it


def _beside(target: Path) -> Path:
    n = 1
    while True:
        candidate = target.with_name(f"{target.stem}({n}){target.suffix}")
        if not candidate.exists() and not lock_files(candidate):
            return candidate
        n += 1


def save_atomic(wb: Workbook | Book, target: Path) -> Saved:
    """Save a workbook (openpyxl, or a streamed :class:`~kaohe_xl.xlsx.sheetwriter.Book`)
    to ``target`` in one step (see :func:`place_atomic`).

    The workbook is serialised in memory first, so a failure there touches no file.
    """
    return place_atomic(wb.to_bytes() if isinstance(wb, Book) else workbook_bytes(wb), target)


def move_into_place(source: Path, target: Path) -> Saved:
    """Copy a finished file (e.g. a PDF) over ``target`` atomically; beside it when locked."""
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise OutputError(f"无法读取 {source}：{exc}") from exc
    return place_atomic(data, target)


def place_atomic(data: bytes, target: Path) -> Saved:
    """Write ``data`` to a temporary file, then move it over ``target`` in one step.

    A half-written file never replaces a good one, and the file gets the usual
    permissions (:func:`kaohe_xl.atomic.replace_file`). When ``target`` is open in
    Excel, WPS or LibreOffice (a lock file beside it, or Windows refusing the replace),
    the data is written beside it as ``name(1).xlsx`` and ``note`` says so.
    """
    wanted = target
    note = ""
    locks = lock_files(target)
    if locks:
        target = _beside(wanted)
        note = f"{wanted.name} 正在被其他程序打开（发现锁文件 {locks[0].name}），已另存为 {target.name}；关闭后重新运行即可覆盖原文件"
    try:
        try:
            replace_file(target, data)
        except PermissionError:  # Windows: the target is open in Excel or a PDF viewer
            if note:
                raise
            target = _beside(wanted)
            replace_file(target, data)
            note = f"{wanted.name} 正在被其他程序打开，无法覆盖，已另存为 {target.name}；关闭后重新运行即可覆盖原文件"
    except OSError as exc:
        raise OutputError(f"无法写入 {target}：{exc}") from exc
    return Saved(target, wanted, note)
