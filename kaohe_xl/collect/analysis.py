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
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from kaohe_xl import workers
from kaohe_xl.collect.identify import Expected, form_kind, not_a_form
from kaohe_xl.collect.received import Incoming
from kaohe_xl.collect.returns import ReturnBook, ReturnReadError
from kaohe_xl.collect.validate import Checked, check_return
from kaohe_xl.problems import Problem

# Starting workers costs ~50 ms: a batch gets them from 24 files (a 自评表 return is ~20 KB,
# ~8 ms to read and check), or from two files of 2 MB together (20 考核组评分表 of 50
# unit sheets are ~10 MB, a third of a second each).
MIN_FILES = 24
MIN_BYTES = 2 * 2**20

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


def worker_count(files: int, size: int = 0) -> int:
    """How many worker processes a batch of ``files`` files of ``size`` bytes in all gets
    (0: analyse here)."""
    return workers.worker_count(files, 2 if size >= MIN_BYTES else MIN_FILES)


class Analyser:
    """Analyses files in the order given, ahead of their use when workers run.

    ``verdicts(items, wanted)`` yields each ``(incoming, tag)`` with a function giving
    its verdict; call it when the file's turn comes (it waits for the worker, or
    analyses the file then). Files for which ``wanted(incoming)`` is false (a duplicate)
    are not handed to a worker. Use as a context manager: the workers end with it.
    """

    def __init__(self, expected: Expected, files: Sequence[Path]) -> None:
        self._workers = workers.Workers(_analyse_for, expected, worker_count(len(files), _size(files)))

    def __enter__(self) -> Analyser:
        self._workers.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._workers.__exit__(*exc)

    def verdicts(
        self, items: Iterable[tuple[Incoming, object]], wanted: Callable[[Incoming], bool]
    ) -> Iterator[tuple[Incoming, object, Callable[[], Verdict]]]:
        """``(incoming, tag, verdict)`` for each ``(incoming, tag)`` of ``items``, in order."""
        return self._workers.ahead(items, lambda incoming: incoming.error is None and wanted(incoming))


def _size(files: Sequence[Path]) -> int:
    """The bytes of the files together (a file that cannot be looked at counts nothing)."""
    total = 0
    for path in files:
        with contextlib.suppress(OSError):
            total += path.stat().st_size
    return total


def _analyse_for(expected: Expected, incoming: Incoming) -> Verdict:
    return analyse(incoming, expected)
