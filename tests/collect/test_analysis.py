"""Returns analysed in worker processes: the same store as one process, a dying worker
loses no file (when workers run at all: tests/test_workers.py)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from _returns_helpers import Case, build_corpus, forms_campaign, rows

from kaohe_xl import workers as workers_module
from kaohe_xl.campaign import Campaign
from kaohe_xl.collect import analysis
from kaohe_xl.collect.identify import Expected
from kaohe_xl.collect.received import Incoming
from kaohe_xl.collect.run import collect

needs_two_cores = pytest.mark.skipif(
    analysis.worker_count(10**6) < 2, reason="workers run only on Linux with more than one core"
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Case]]:
    """The corpus of good, bad and broken returns, plus a second copy of one (a duplicate)."""
    base = tmp_path_factory.mktemp("analysis")
    campaign = forms_campaign(base, "main")
    cases = build_corpus(campaign, forms_campaign(base, "other"), base / "returns")
    shutil.copy(cases["ok.xlsx"].path, base / "returns" / "ok_again.xlsx")
    return campaign.root, cases


def _collected(corpus: tuple[Path, dict[str, Case]], target: Path, workers: int) -> dict[str, Any]:
    """Collect the corpus into a copy of the campaign with ``workers`` workers; the store as data."""
    campaign = Campaign.open(shutil.copytree(corpus[0], target))
    original = analysis.worker_count
    analysis.worker_count = lambda _files, _size=0: workers  # type: ignore[assignment]
    try:
        report = collect(campaign, [corpus[1]["ok.xlsx"].path.parent])
    finally:
        analysis.worker_count = original  # type: ignore[assignment]
    files = "SELECT original_name, status, reason, form_kind, subject_id, sha256 FROM files ORDER BY original_name"
    return {
        "results": sorted((r.name, r.status, r.subject_id, r.revision, r.problems) for r in report.results),
        "files": rows(campaign, files),
        "issues": rows(
            campaign,
            "SELECT f.original_name, i.severity, i.code, i.sheet, i.cell, i.item, i.value, i.message"
            " FROM issues i JOIN files f ON f.id = i.file_id ORDER BY 1, 2, 3, 4, 5, 6, 7, 8",
        ),
        "submissions": rows(
            campaign,
            "SELECT f.original_name, s.form_kind, s.subject_id, s.rater, s.revision, s.has_errors, s.rubric_hash"
            " FROM submissions s JOIN files f ON f.id = s.file_id ORDER BY 1",
        ),
        "scores": rows(
            campaign,
            "SELECT f.original_name, c.unit_id, c.item_id, c.value, c.veto, c.raw, c.remark, c.sheet, c.cell"
            " FROM scores c JOIN submissions s ON s.id = c.submission_id JOIN files f ON f.id = s.file_id"
            " ORDER BY 1, 2, 3",
        ),
        "archive": sorted(p.name for p in campaign.archive_dir.iterdir()),
    }


_SPY = Path(os.environ.get("TMPDIR", "/tmp")) / f"kaohe-analysis-spy-{os.getpid()}"
_real_analyse = analysis._analyse_for
_PARENT = os.getpid()


def _spying(expected: Expected, incoming: Incoming) -> analysis.Verdict:
    """In a worker: note which process analysed which file, then analyse it."""
    with _SPY.open("a", encoding="utf-8") as spy:
        spy.write(f"{os.getpid()} {incoming.name}\n")
    return _real_analyse(expected, incoming)


def _dying(expected: Expected, incoming: Incoming) -> analysis.Verdict:
    """In a worker: die on one file (as a worker killed by the system would)."""
    if incoming.name == "inserted_rows.xlsx" and os.getpid() != _PARENT:
        os._exit(3)
    return _real_analyse(expected, incoming)


@needs_two_cores
def test_workers_store_exactly_what_one_process_stores(
    corpus: tuple[Path, dict[str, Case]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = _collected(corpus, tmp_path / "alone", workers=0)
    _SPY.unlink(missing_ok=True)
    monkeypatch.setattr(analysis, "_analyse_for", _spying)
    try:
        together = _collected(corpus, tmp_path / "together", workers=2)
        analysed = [line.split(" ", 1) for line in _SPY.read_text(encoding="utf-8").splitlines()]
    finally:
        _SPY.unlink(missing_ok=True)
    assert together == alone
    assert workers_module._shared == []  # nothing of the campaign is kept after the run
    assert len(alone["files"]) == len(corpus[1])  # the second copy of ok.xlsx is a duplicate
    assert ("ok_again.xlsx", "duplicate") in [(r[0], r[1]) for r in alone["results"]]
    # the files were read in other processes, each once; the duplicate was never read
    pids = {int(pid) for pid, _name in analysed}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2
    names = [name for _pid, name in analysed]
    assert len(names) == len(set(names))
    assert "ok_again.xlsx" not in names and "ok.xlsx" in names
    assert "zero_bytes.xlsx" in names  # a broken file is a verdict like any other


@needs_two_cores
def test_a_worker_that_dies_loses_no_file(
    corpus: tuple[Path, dict[str, Case]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = _collected(corpus, tmp_path / "alone", workers=0)
    monkeypatch.setattr(analysis, "_analyse_for", _dying)
    assert _collected(corpus, tmp_path / "died", workers=2) == alone


def test_a_handful_of_small_files_is_read_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analysis.workers, "worker_count", lambda jobs, least: 2 if jobs >= least else 0)
    assert analysis.worker_count(analysis.MIN_FILES - 1) == 0  # starting workers costs more
    assert analysis.worker_count(analysis.MIN_FILES) == 2
    assert analysis.worker_count(2, analysis.MIN_BYTES - 1) == 0
    assert analysis.worker_count(2, analysis.MIN_BYTES) == 2  # a few large workbooks
    assert analysis.worker_count(1, 10 * analysis.MIN_BYTES) == 0  # one file: nothing to share
