"""Reading and checking a received file, and doing it ahead on every core.

:func:`analyse` is pure: a file's bytes and what the campaign expects in, a verdict out
(status and the checked return); it never touches the campaign folder. Reading and
checking are nine tenths of collect's time, so on a machine with more than one core
:class:`Analyser` runs them in worker processes, a few files ahead of the file being
stored. Everything that touches the campaign — the archive copy, the store, the order
of revisions — stays in the calling process, in the order the files are taken, exactly
as without workers: a run killed half-way leaves the same store either way.

Workers are forked (they inherit the rubric and units without copying them through a
pipe). Where processes are not forked (Windows and macOS, a process running other
threads), with one core, or for a handful of files, every file is analysed in this
process. A
worker that dies or fails leaves its file to be analysed here: one bad file never stops
a batch.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from kaohe_xl.collect.identify import Expected, form_kind, not_a_form
from kaohe_xl.collect.received import Incoming
from kaohe_xl.collect.returns import ReturnBook, ReturnReadError
from kaohe_xl.collect.validate import Checked, check_return
from kaohe_xl.problems import Problem

MIN_FILES = 24  # fewer files are analysed in this process (starting workers costs ~50 ms)
MAX_WORKERS = 8
AHEAD_PER_WORKER = 4  # files read and handed out ahead of the one being stored, per worker

Verdict = tuple[str, Checked]


def analyse(incoming: Incoming, expected: Expected) -> Verdict:
    """(status, checked return) for one file's bytes; never raises for a bad file."""
    checked = Checked(incoming.name)
    if incoming.error is not None:
        checked.problems.append(incoming.error)
        return "quarantined", checked
    try:
        with ReturnBook.open(incoming.data, incoming.name) as book:
            meta = book.metadata()
            kind = form_kind(meta)
            raw = book.read(meta, expected.keys_for(kind), expected.columns_for(kind)) if meta else None
    except ReturnReadError as exc:
        checked.problems.append(Problem(exc.code, str(exc), file=incoming.name))
        return "quarantined", checked
    except Exception as exc:  # a damaged part deep inside: never stop the batch
        checked.problems.append(
            Problem("corrupt_file", f"工作簿已损坏，无法读取（{type(exc).__name__}: {exc}）", file=incoming.name)
        )
        return "quarantined", checked
    if raw is None:
        checked.problems.append(not_a_form(incoming.name))
        return "rejected", checked
    try:
        checked = check_return(raw, expected)
    except Exception as exc:  # an unforeseen layout: report it, keep the batch going
        checked = Checked(incoming.name)
        checked.problems.append(
            Problem("read_failed", f"无法核对此表格（{type(exc).__name__}: {exc}），请人工查看", file=incoming.name)
        )
        return "quarantined", checked
    if checked.rejected:
        return "rejected", checked
    return ("invalid" if checked.has_errors else "accepted"), checked


def worker_count(files: int) -> int:
    """How many worker processes a batch of ``files`` files gets (0: analyse here).

    Only on Linux and only from a process with one thread: a fork copies the memory of
    every thread but runs only the calling one, so a lock another thread held stays
    locked in the child (and macOS's system libraries refuse to run after a fork)."""
    if files < MIN_FILES or not sys.platform.startswith("linux") or threading.active_count() > 1:
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(cores, MAX_WORKERS) if cores > 1 else 0


class Analyser:
    """Analyses files in the order given, ahead of their use when workers run.

    ``verdicts(items)`` yields each item with a function giving its verdict; call it
    when the file's turn comes (it waits for the worker, or analyses the file then).
    Items for which ``wanted(incoming)`` is false (a duplicate, a file not read) are
    handed out unanalysed. Use as a context manager: the workers end with it.
    """

    def __init__(self, expected: Expected, files: int, *, workers: int | None = None) -> None:
        self.expected = expected
        self.workers = worker_count(files) if workers is None else workers
        self._pool: ProcessPoolExecutor | None = None
        if self.workers > 1:
            context = multiprocessing.get_context("fork")
            self._pool = ProcessPoolExecutor(
                self.workers, context, initializer=_remember, initargs=(expected, os.getpid())
            )
            # start the workers now, before the caller opens the store and its progress
            # bar: a fork copies the process as it is at that moment
            self._pool.submit(os.getpid).result()

    def __enter__(self) -> Analyser:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def verdicts(
        self, items: Iterable[tuple[Incoming, object]], wanted: Callable[[Incoming], bool]
    ) -> Iterator[tuple[Incoming, object, Callable[[], Verdict]]]:
        """``(incoming, tag, verdict)`` for each ``(incoming, tag)`` of ``items``, in order."""
        pending: deque[tuple[Incoming, object, Future[Verdict] | None]] = deque()
        ahead = max(1, self.workers * AHEAD_PER_WORKER)
        for incoming, tag in items:
            future = self._submit(incoming) if wanted(incoming) else None
            pending.append((incoming, tag, future))
            if len(pending) > ahead:
                yield self._handed_out(*pending.popleft())
        while pending:
            yield self._handed_out(*pending.popleft())

    def _submit(self, incoming: Incoming) -> Future[Verdict] | None:
        if self._pool is None or incoming.error is not None:
            return None
        try:
            return self._pool.submit(_analyse_remembered, incoming)
        except Exception:  # the pool broke (a worker was killed): the rest is done here
            self._pool = None
            return None

    def _handed_out(
        self, incoming: Incoming, tag: object, future: Future[Verdict] | None
    ) -> tuple[Incoming, object, Callable[[], Verdict]]:
        def verdict() -> Verdict:
            if future is not None:
                try:
                    return future.result()
                except Exception:  # the worker died or failed on this file: read it here
                    pass
            return analyse(incoming, self.expected)

        return incoming, tag, verdict


_remembered: list[Expected] = []  # in a worker: what the campaign expects
_PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies


def _remember(expected: Expected, parent: int) -> None:
    """A worker's start: keep what the campaign expects; end with the collecting process.

    A worker blocks waiting for files; if the collecting process is killed (kill -9, a
    closed terminal), nothing would tell it to stop, so the kernel is asked to kill it
    when its parent dies (and it stops at once if that already happened)."""
    _remembered[:] = [expected]
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(0)


def _analyse_remembered(incoming: Incoming) -> Verdict:
    return analyse(incoming, _remembered[0])
