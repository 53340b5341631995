"""Pure per-file work on every core: forked worker processes, results in order.

Reading a return, writing one unit's 反馈表: work that takes one input and gives one
result, touching nothing shared, can run in worker processes while the calling process
keeps everything that must happen once and in order (the store, the archive, the file
names). :class:`Workers` forks the workers, hands each input out a few inputs ahead of
the one the caller is waiting for, and yields the results in the order of the inputs.

Workers are forked, so they start with the caller's memory as it is (the rubric, the
results, the campaign: nothing is copied through a pipe but the inputs and results).
Where a fork is not safe — Windows and macOS, a process running other threads (a fork
copies their locks but not the threads) — or with one core, or for a handful of inputs,
there are no workers and every input is done in the calling process, as the same
function would do it. A worker that dies or fails leaves its input to the calling
process: the batch never stops. Workers end with the process that started them, even a
``kill -9`` (``prctl(PR_SET_PDEATHSIG)``).
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
from typing import Any, Generic, TypeVar

Shared = TypeVar("Shared")
In = TypeVar("In")
Out = TypeVar("Out")

MAX_WORKERS = 8
AHEAD_PER_WORKER = 4  # inputs handed out ahead of the one being waited for, per worker
_PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies


def worker_count(jobs: int, min_jobs: int) -> int:
    """How many worker processes ``jobs`` inputs get: 0 (do them here) below ``min_jobs``,
    off Linux, from a process running other threads, or with one core."""
    if jobs < min_jobs or not sys.platform.startswith("linux") or threading.active_count() > 1:
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(cores, MAX_WORKERS) if cores > 1 else 0


class Workers(Generic[Shared, In, Out]):
    """``fn(shared, input)`` for each input in worker processes (or here), results in input order.

    ``fn`` must be a module-level function (it is sent to the workers by name); ``shared``
    (the rubric, the results, the campaign …) is not sent at all: the workers are forked
    with it in memory. Use as a context manager: the workers start on entry — before the
    caller opens files, databases or progress bars the workers must not share — and end
    on exit, and nothing of ``shared`` is kept after it.
    """

    def __init__(self, fn: Callable[[Shared, In], Out], shared: Shared, count: int) -> None:
        self.fn = fn
        self.shared = shared
        self.count = count
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Workers[Shared, In, Out]:
        if self.count > 1:
            _shared[:] = [self.shared]  # what the forked workers find
            context = multiprocessing.get_context("fork")
            self._pool = ProcessPoolExecutor(self.count, context, initializer=_started, initargs=(os.getpid(),))
            self._pool.submit(os.getpid).result()  # fork them now, as the process is now
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        _shared.clear()  # a long-running process (the add-in) keeps nothing of the run

    @property
    def running(self) -> bool:
        """True while worker processes take inputs."""
        return self._pool is not None

    def ahead(
        self, inputs: Iterable[tuple[In, object]], wanted: Callable[[In], bool] = lambda _input: True
    ) -> Iterator[tuple[In, object, Callable[[], Out]]]:
        """``(input, tag, result)`` for each ``(input, tag)``, in order; ``result()`` gives
        ``fn(shared, input)`` (waiting for its worker, or computing it here). Inputs for which
        ``wanted`` is false are not handed to a worker (``result()`` computes them here)."""
        pending: deque[tuple[In, object, Future[Out] | None]] = deque()
        ahead = max(1, self.count * AHEAD_PER_WORKER)
        for item, tag in inputs:
            pending.append((item, tag, self._submit(item) if wanted(item) else None))
            if len(pending) > ahead:
                yield self._handed_out(*pending.popleft())
        while pending:
            yield self._handed_out(*pending.popleft())

    def map(self, inputs: Iterable[In]) -> Iterator[Out]:
        """``fn(shared, input)`` for each input, in order."""
        for _item, _tag, result in self.ahead((item, None) for item in inputs):
            yield result()

    def _submit(self, item: In) -> Future[Out] | None:
        if self._pool is None:
            return None
        try:
            return self._pool.submit(_apply, self.fn, item)
        except Exception:  # the pool broke (a worker was killed): the rest is done here
            self._pool = None
            return None

    def _handed_out(self, item: In, tag: object, future: Future[Out] | None) -> tuple[In, object, Callable[[], Out]]:
        def result() -> Out:
            if future is not None:
                try:
                    return future.result()
                except Exception:  # the worker died or failed on this input: do it here
                    pass
            return self.fn(self.shared, item)

        return item, tag, result


_shared: list[Any] = []  # in a worker: the ``shared`` of the Workers that forked it


def _apply(fn: Callable[[Any, In], Out], item: In) -> Out:
    return fn(_shared[0], item)


def _started(parent: int) -> None:
    """A worker's start: end with the process that forked it.

    A worker blocks waiting for inputs; if its parent is killed (kill -9, a closed
    terminal) nothing would tell it to stop, so the kernel is asked to kill it when the
    parent dies (and it stops at once if that already happened)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(0)
