"""Progress bars for the commands that handle many files (forms, 反馈表, collect, mail).

Every bar of kaohe-xl is drawn here.

A bar is drawn only when it helps: the caller asked for one (the CLI does, the library
does not by default), there are more than :data:`PROGRESS_FROM` files (the threshold
``collect`` uses), and the bar's stream (stderr) is a terminal. A bar written into a
log file or a pipe is only noise (``\\r`` and escape codes); one for a single file
(``考核组评分表: 1/1``) says nothing the summary line does not.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

PROGRESS_FROM = 10  # a bar for more files than this (as kaohe_xl.collect does)


def wants_bar(count: int, enabled: bool) -> bool:
    """True when a bar for ``count`` files should be drawn (see the module docstring)."""
    if not enabled or count <= PROGRESS_FROM:
        return False
    stream = sys.stderr
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(stream is not None and isatty is not None and isatty())
    except ValueError:  # a closed stream
        return False


def progress(items: Sequence[T], label: str, *, enabled: bool, unit: str = "份") -> Iterable[T]:
    """``items``, wrapped in a bar labelled ``label`` (e.g. 自评表) when :func:`wants_bar`;
    ``unit`` counts them (份 forms, 封 messages)."""
    if not wants_bar(len(items), enabled):
        return items
    tqdm = _tqdm()
    return tqdm(items, desc=label, unit=unit, leave=False, file=sys.stderr)


def counter(total: int, label: str, *, enabled: bool) -> Any:
    """A bar to ``update()`` by hand for ``total`` files, or None (see :func:`wants_bar`)."""
    if not wants_bar(total, enabled):
        return None
    tqdm = _tqdm()
    return tqdm(total=total, desc=label, unit="个", leave=False, file=sys.stderr)


def _tqdm() -> Any:
    """tqdm's bar, without its monitor thread: a process running a second thread may not
    fork worker processes (:mod:`kaohe_xl.workers`), and a bar redrawn on every item does
    not need a watchdog."""
    from tqdm import tqdm  # only when a bar is drawn

    tqdm.monitor_interval = 0
    return tqdm
