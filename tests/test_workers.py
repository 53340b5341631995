"""Forked workers: results in input order, the work done here when workers cannot run or
die, workers only where a fork is safe."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from kaohe_xl import workers

needs_two_cores = pytest.mark.skipif(
    workers.worker_count(10**6, 1) < 2, reason="workers run only on Linux with more than one core"
)


def _where(factor: int, n: int) -> tuple[int, int]:
    """(n times the shared factor, the process that computed it)."""
    return n * factor, os.getpid()


def _dies_on_seven(parent: int, n: int) -> tuple[int, int]:
    if n == 7 and os.getpid() != parent:
        os._exit(3)  # as a worker killed by the system
    return _where(1, n)


@needs_two_cores
def test_results_come_in_input_order_from_other_processes() -> None:
    with workers.Workers(_where, 3, 2) as pool:
        assert pool.running
        got = list(pool.map(range(50)))
    assert workers._shared == []  # nothing of the run is kept after it
    assert [value for value, _pid in got] == [3 * n for n in range(50)]
    pids = {pid for _value, pid in got}
    assert os.getpid() not in pids and len(pids) <= 2


@needs_two_cores
def test_an_input_whose_worker_dies_is_done_here() -> None:
    with workers.Workers(_dies_on_seven, os.getpid(), 2) as pool:
        got = list(pool.map(range(30)))
    assert [value for value, _pid in got] == list(range(30))
    assert got[7][1] == os.getpid()  # the input that killed its worker, redone here


def test_without_workers_everything_is_done_here() -> None:
    with workers.Workers(_where, 1, 0) as pool:
        assert not pool.running
        got = list(pool.ahead([(n, f"tag{n}") for n in range(5)], wanted=lambda n: n % 2 == 0))
        assert [(n, tag, result()) for n, tag, result in got] == [(n, f"tag{n}", (n, os.getpid())) for n in range(5)]


def test_workers_only_for_enough_inputs_on_linux_from_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threading, "active_count", lambda: 1)  # whatever other tests left running
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2}, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert workers.worker_count(1000, 24) == 3
    assert workers.worker_count(23, 24) == 0  # starting workers costs more than they save
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0}, raising=False)
    assert workers.worker_count(1000, 24) == 0  # one core: nothing to gain
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(64)), raising=False)
    assert workers.worker_count(1000, 24) == workers.MAX_WORKERS
    for platform in ("win32", "darwin"):  # no fork, or one the system libraries refuse
        monkeypatch.setattr(sys, "platform", platform)
        assert workers.worker_count(1000, 24) == 0
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    # a fork would copy the other thread's locks without the thread
    assert workers.worker_count(1000, 24) == 0


def test_a_running_thread_is_counted() -> None:
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:  # the guard asks the count the interpreter keeps, which sees this thread
        assert threading.active_count() >= 2
        assert workers.worker_count(1000, 24) == 0
    finally:
        release.set()
        other.join()
