"""Collecting returns into the store: the corpus of bad returns, duplicates, revisions,
zip archives, an interrupted run, files saved by LibreOffice, and the CLI."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from _returns_helpers import (
    GOOD,
    Case,
    build_corpus,
    collect_one,
    counts,
    fill_self,
    forms_campaign,
    generated,
    issues,
    rows,
    stored_values,
)
from click.testing import CliRunner

from kaohe_xl.campaign import Campaign
from kaohe_xl.cli.commands import EXIT_REJECTED, main
from kaohe_xl.collect.received import file_time, saved_time
from kaohe_xl.collect.run import collect
from kaohe_xl.rubric.model import FormKind
from kaohe_xl.store.status import latest_records

CASES = [
    "ok.xlsx",
    "wrong_campaign.xlsx",
    "forged_unit_id.xlsx",
    "edited_points.xlsx",
    "edited_content.xlsx",
    "deleted_row.xlsx",
    "inserted_rows.xlsx",
    "renamed_sheet.xlsx",
    "over_max.xlsx",
    "negative_score.xlsx",
    "wrong_step.xlsx",
    "text_in_score_cell.xlsx",
    "veto_typo.xlsx",
    "formula_in_score_cell.xlsx",
    "fullwidth_digits.xlsx",
    "blank_required_cells.xlsx",
    "wps_wrong_dimension.xlsx",
    "huge_sheet.xlsx",
    "macro_enabled.xlsm",
    "corrupt_zip.xlsx",
    "zero_bytes.xlsx",
    "docx_renamed.xlsx",
    "password_protected.xlsx",
    "not_excel.pdf",
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Case]]:
    """A pristine campaign with generated forms and the corpus of returns for unit 01."""
    base = tmp_path_factory.mktemp("corpus")
    campaign = forms_campaign(base, "main")
    other = forms_campaign(base, "other")
    return campaign.root, build_corpus(campaign, other, base / "returns")


@pytest.fixture
def fresh(corpus: tuple[Path, dict[str, Case]], tmp_path: Path) -> Campaign:
    """A copy of the pristine campaign (nothing collected yet)."""
    return Campaign.open(shutil.copytree(corpus[0], tmp_path / "campaign"))


def test_corpus_is_complete(corpus: tuple[Path, dict[str, Case]]) -> None:
    assert sorted(corpus[1]) == sorted(CASES)


@pytest.mark.parametrize("name", CASES)
def test_each_return_of_the_corpus(corpus: tuple[Path, dict[str, Case]], fresh: Campaign, name: str) -> None:
    case = corpus[1][name]
    data = case.path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    result = collect_one(fresh, case.path)
    assert result.status == case.status
    assert [(p.code, p.sheet, p.cell, p.item) for p in result.problems] == list(case.issues)
    assert issues(fresh, digest) == list(case.issues)
    stored = case.status in ("accepted", "invalid")
    # exactly one file row, one archived copy (byte-identical), and nothing else
    assert counts(fresh) == {
        "files": 1,
        "submissions": int(stored),
        "scores": {"renamed_sheet.xlsx": 0, "deleted_row.xlsx": 5}.get(name, 6) if stored else 0,
        "issues": len(case.issues),
        "archive": 1,
    }
    ((archive_path, status, original, form_kind, subject),) = rows(
        fresh, "SELECT archive_path, status, original_name, form_kind, subject_id FROM files"
    )
    assert (fresh.root / archive_path).read_bytes() == data
    assert Path(archive_path).name.startswith(digest)
    assert original == name
    assert status == ("accepted" if stored else case.status)
    assert (form_kind, subject) == (("self", "01") if stored else ("", ""))
    if stored:
        ((revision, has_errors),) = rows(fresh, "SELECT revision, has_errors FROM submissions")
        assert (revision, has_errors) == (1, int(case.status == "invalid"))
    if case.status == "accepted":
        assert len(latest_records(fresh)) == 6
    else:
        assert latest_records(fresh) == []


def test_accepted_quirky_returns_store_the_values_typed(corpus: tuple[Path, dict[str, Case]], fresh: Campaign) -> None:
    paths = [corpus[1][n].path for n in ("fullwidth_digits.xlsx", "wps_wrong_dimension.xlsx", "macro_enabled.xlsm")]
    report = collect(fresh, paths)
    assert [r.status for r in report.results] == ["accepted"] * 3
    # taken in the order they were last saved, not as listed: find each by name
    values = {r.name: stored_values(fresh, r.sha256) for r in report.results}
    fullwidth = values["fullwidth_digits.xlsx"]
    assert (fullwidth[("01", "1")][:3], fullwidth[("01", "3")][:3]) == (("3", None, "３"), ("2.5", None, "２．５分"))
    assert values["wps_wrong_dimension.xlsx"][("01", "1")][0] == "4"
    assert values["macro_enabled.xlsm"][("01", "1")][0] == "1"
    assert [r.revision for r in report.results] == [1, 2, 3]


def test_whole_corpus_in_one_batch_never_stops(corpus: tuple[Path, dict[str, Case]], fresh: Campaign) -> None:
    folder = corpus[1]["ok.xlsx"].path.parent
    runner = CliRunner()
    outcome = runner.invoke(main, ["collect", str(fresh.root), str(folder)])
    assert outcome.exit_code == EXIT_REJECTED, outcome.output
    expected = {n: c.status for n, c in corpus[1].items()}
    got = dict(rows(fresh, "SELECT original_name, status FROM files"))
    assert got == {n: ("accepted" if s in ("accepted", "invalid") else s) for n, s in expected.items()}
    statuses = list(expected.values())
    n_stored = statuses.count("accepted") + statuses.count("invalid")
    n_rejected = statuses.count("rejected") + statuses.count("quarantined")
    line = outcome.output.strip().splitlines()[-1]
    assert line == (
        f"共 {len(CASES)} 个文件：接收 {n_stored} 份（其中 {statuses.count('invalid')} 份有错误，待核实），"
        f"拒收 {n_rejected} 份，重复 0 份"
    )
    assert counts(fresh)["archive"] == len(CASES)
    # the latest valid revision counts: the accepted file saved last (then by file time, path)
    accepted = [corpus[1][n].path for n, s in expected.items() if s == "accepted"]
    last = max(accepted, key=lambda p: (saved_time(p), file_time(p), str(p)))
    digest = hashlib.sha256(last.read_bytes()).hexdigest()
    latest = {r.key: r.value for r in latest_records(fresh, FormKind.SELF)}
    assert str(latest["1"]) == stored_values(fresh, digest)[("01", "1")][0]
    revisions = dict(
        rows(fresh, "SELECT f.original_name, s.revision FROM submissions s JOIN files f ON f.id = s.file_id")
    )
    assert revisions[last.name] == max(revisions.values())


def test_duplicate_identical_file_is_a_no_op(fresh: Campaign, tmp_path: Path) -> None:
    path = fill_self(fresh, "01", tmp_path / "in" / "自评表.xlsx")
    first = collect_one(fresh, path)
    before = counts(fresh)
    copy = tmp_path / "in" / "自评表(1).xlsx"
    shutil.copy(path, copy)
    report = collect(fresh, [path, copy])
    assert [(r.status, r.sha256) for r in report.results] == [("duplicate", first.sha256)] * 2
    assert report.duplicates == 2 and report.clean
    assert counts(fresh) == before


def test_changed_resubmission_is_a_new_revision_and_history_is_kept(fresh: Campaign, tmp_path: Path) -> None:
    one = collect_one(fresh, fill_self(fresh, "01", tmp_path / "a.xlsx"))
    two = collect_one(fresh, fill_self(fresh, "01", tmp_path / "b.xlsx", {**GOOD, "1": 4, "6": "是"}))
    assert (one.status, one.revision, two.status, two.revision) == ("accepted", 1, "accepted", 2)
    assert rows(fresh, "SELECT revision FROM submissions ORDER BY id") == [(1,), (2,)]
    assert counts(fresh)["scores"] == 12  # both revisions' values kept
    latest = {r.key: (r.value, r.veto, r.submission_id) for r in latest_records(fresh)}
    assert latest["1"][0] == 4 and latest["6"][1] is True
    assert {sid for _, _, sid in latest.values()} == {2}


def _zip_with_gbk_names(members: dict[str, bytes]) -> bytes:
    """A zip as 资源管理器 on Chinese Windows writes it: GBK names, no UTF-8 flag (bit 11)."""
    placeholders = {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, (name, data) in enumerate(members.items()):
            gbk = name.encode("gbk")
            # an ASCII stand-in of the same byte length, patched to the GBK bytes below
            stand_in = f"Q{n}".ljust(len(gbk), "Z").encode("ascii")
            if "/" in name:
                folder, _, _ = name.rpartition("/")
                stand_in = stand_in[: len(folder.encode("gbk"))] + b"/" + stand_in[len(folder.encode("gbk")) + 1 :]
            placeholders[stand_in] = gbk
            archive.writestr(zipfile.ZipInfo(stand_in.decode("ascii")), data)
    raw = buffer.getvalue()
    for stand_in, gbk in placeholders.items():
        assert raw.count(stand_in) == 2  # local header + central directory
        raw = raw.replace(stand_in, gbk)
    return raw


def test_zip_archives_with_chinese_names_nested_folders_and_lock_files(fresh: Campaign, tmp_path: Path) -> None:
    a = fill_self(fresh, "01", tmp_path / "x" / "a.xlsx").read_bytes()
    b = fill_self(fresh, "02", tmp_path / "x" / "b.xlsx").read_bytes()
    inner = _zip_with_gbk_names({"东湖村自评表.xlsx": a})
    outer = _zip_with_gbk_names({"回收/西山村.xlsx": b, "回收/里面.zip": inner, "__MACOSX/._西山村.xlsx": b"x"})
    folder = tmp_path / "下载" / "回收"
    (folder / "子目录").mkdir(parents=True)
    (folder / "子目录" / "全部.zip").write_bytes(outer)
    (folder / "~$西山村.xlsx").write_bytes(b"lock")  # Excel's lock file: not a return
    (folder / "Thumbs.db").write_bytes(b"x")
    report = collect(fresh, [tmp_path / "下载"])
    # Returns are taken in the order they were last saved (tested on its own elsewhere);
    # a and b were saved in the same second or one after the other, so compare as sets.
    by_name = {r.name: r for r in report.results}
    assert {(r.name, r.status, r.subject_id) for r in report.results} == {
        ("西山村.xlsx", "accepted", "02"),
        ("东湖村自评表.xlsx", "accepted", "01"),
    }
    assert len(report.results) == 2
    assert by_name["东湖村自评表.xlsx"].source.endswith("全部.zip!回收/里面.zip!东湖村自评表.xlsx")
    # the members, then the zip the unit sent, kept as it came (archived, not a return)
    stored = rows(fresh, "SELECT original_name, status FROM files ORDER BY id")
    assert sorted(stored[:2]) == [("东湖村自评表.xlsx", "accepted"), ("西山村.xlsx", "accepted")]
    assert stored[2:] == [("全部.zip", "unpacked")]
    ((kept,),) = rows(fresh, "SELECT archive_path FROM files WHERE status = 'unpacked'")
    assert (fresh.root / kept).read_bytes() == outer
    again = collect(fresh, [tmp_path / "下载"])
    assert [r.status for r in again.results] == ["duplicate", "duplicate"]
    assert rows(fresh, "SELECT COUNT(*) FROM files") == [(3,)]


def test_encrypted_zip_member_quarantines_the_archive(fresh: Campaign, tmp_path: Path) -> None:
    data = bytearray(_zip_with_gbk_names({"a.xlsx": b"PK\x03\x04 whatever"}))
    data[6] |= 0x01  # general purpose flag, local header: "encrypted"
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 0x01  # and in the central directory
    (tmp_path / "加密.zip").write_bytes(bytes(data))
    result = collect_one(fresh, tmp_path / "加密.zip")
    assert (result.status, [p.code for p in result.problems]) == ("quarantined", ["bad_archive"])
    assert counts(fresh)["archive"] == 1


_KILL_SCRIPT = textwrap.dedent(
    """
    import multiprocessing, sys, time
    from pathlib import Path
    from kaohe_xl.campaign import Campaign
    from kaohe_xl.collect import analysis, collect

    analysis.MIN_FILES = int(sys.argv[3])  # 1: files are analysed in worker processes

    def report(result):
        workers = [str(child.pid) for child in multiprocessing.active_children()]
        Path(sys.argv[4]).write_text(" ".join(workers))
        print(result.status, flush=True)
        time.sleep(0.01)  # give the parent time to aim its kill inside the batch

    collect(Campaign.open(sys.argv[1]), [sys.argv[2]], on_result=report)
    print("done", flush=True)
    """
)


def _run_and_kill(
    campaign: Campaign, folder: Path, after: int | None, delay: float = 0.0, min_files: int = 10**6
) -> list[str]:
    """Run collect in a child; SIGKILL it ``delay`` s after ``after`` results (None: let it
    finish). Its worker processes (``min_files`` 1: every batch has them) end with it."""
    workers = folder.parent / "workers.txt"
    child = subprocess.Popen(
        [sys.executable, "-c", _KILL_SCRIPT, str(campaign.root), str(folder), str(min_files), str(workers)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    seen: list[str] = []
    for line in child.stdout:
        seen.append(line.strip())
        if after is not None and len(seen) >= after:
            time.sleep(delay)  # lands in the callback's pause or inside the next file's work
            os.kill(child.pid, signal.SIGKILL)
            break
    child.wait(timeout=120)
    child.stdout.close()
    left = [int(pid) for pid in workers.read_text().split()] if workers.exists() else []
    deadline = time.monotonic() + 10
    while any(_running(pid) for pid in left) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in left if _running(pid)], "a worker outlived the collect that started it"
    return seen


def _running(pid: int) -> bool:
    """The process exists and is not a zombie (a reparented orphan may never be reaped here)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _no_half_records(campaign: Campaign) -> None:
    """Every stored file has its archive copy; every accepted file one complete submission."""
    for sha, status, archive_path in rows(campaign, "SELECT sha256, status, archive_path FROM files"):
        assert (campaign.root / archive_path).read_bytes()[:2] == b"PK", sha
        per_file = rows(
            campaign,
            "SELECT COUNT(DISTINCT s.id), COUNT(c.item_id) FROM submissions s JOIN files f ON f.id = s.file_id"
            " LEFT JOIN scores c ON c.submission_id = s.id WHERE f.sha256 = ?",
            sha,
        )
        assert per_file == ([(1, 6)] if status == "accepted" else [(0, 0)])
    assert rows(campaign, "SELECT COUNT(*) FROM submissions WHERE file_id NOT IN (SELECT id FROM files)") == [(0,)]


@pytest.mark.parametrize("min_files", [10**6, 1], ids=["one process", "with workers"])
def test_store_survives_an_interrupted_collect(fresh: Campaign, tmp_path: Path, min_files: int) -> None:
    folder = tmp_path / "batch"
    paths = []
    for n in range(12):
        unit = ("01", "02", "03")[n % 3]
        paths.append(fill_self(fresh, unit, folder / f"{n:02d}.xlsx", {**GOOD, "1": n % 5 * 0.5 + 1, "2": n % 3}))
    digests = sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in paths)
    interrupted = 0
    for after, delay in ((2, 0.0), (5, 0.012), (8, 0.006)):
        seen = _run_and_kill(fresh, folder, after=after, delay=delay, min_files=min_files)
        interrupted += "done" not in seen
        _no_half_records(fresh)
    assert interrupted >= 1  # at least one kill landed mid-batch
    stored_before = rows(fresh, "SELECT COUNT(*) FROM files")[0][0]
    last = _run_and_kill(fresh, folder, after=None, min_files=min_files)
    assert last[-1] == "done"
    assert last.count("duplicate") == stored_before  # earlier runs' files are not stored again
    # no duplicates, no loss: every file once, every return once, revisions 1..n per unit
    _no_half_records(fresh)
    assert sorted(r[0] for r in rows(fresh, "SELECT sha256 FROM files")) == digests
    assert rows(fresh, "SELECT COUNT(*) FROM submissions") == [(12,)]
    assert rows(fresh, "SELECT COUNT(*) FROM scores") == [(72,)]
    revisions = rows(fresh, "SELECT subject_id, revision FROM submissions ORDER BY subject_id, revision")
    assert revisions == [(u, r) for u in ("01", "02", "03") for r in range(1, 5)]
    assert rows(fresh, "PRAGMA integrity_check") == [("ok",)]
    archived = sorted(p.name[:64] for p in fresh.archive_dir.iterdir() if not p.name.startswith("."))
    assert archived == digests
    assert len(latest_records(fresh)) == 18


def test_cli_exit_code_is_zero_when_every_file_was_accepted(fresh: Campaign, tmp_path: Path) -> None:
    path = fill_self(fresh, "01", tmp_path / "ok.xlsx")
    outcome = CliRunner().invoke(main, ["collect", str(fresh.root), str(path)])
    assert outcome.exit_code == 0, outcome.output
    assert outcome.output.strip() == "共 1 个文件：接收 1 份，拒收 0 份，重复 0 份"
    bad = fill_self(fresh, "02", tmp_path / "bad.xlsx", {**GOOD, "1": 9})
    outcome = CliRunner().invoke(main, ["collect", str(fresh.root), str(bad)])
    assert outcome.exit_code == EXIT_REJECTED
    assert "over_max" in outcome.output and "bad.xlsx" in outcome.output


@pytest.mark.libreoffice
def test_libreoffice_saved_return_and_real_xls(fresh: Campaign, tmp_path: Path) -> None:
    from kaohe_xl.xlsx.libreoffice import recalculate

    filled = fill_self(fresh, "01", tmp_path / "filled.xlsx", {**GOOD, "3": "２．５"})
    saved = recalculate(filled, tmp_path / "libreoffice_saved.xlsx")
    result = collect_one(fresh, saved)
    assert (result.status, result.problems) == ("accepted", ())
    values = stored_values(fresh, result.sha256)
    assert {k[1]: v[0] for k, v in values.items()} == {"1": "3", "2": "2", "3": "2.5", "4": "1", "5": "0", "6": None}
    assert values[("01", "6")][1] == 0
    xls = tmp_path / "old.xls"
    _soffice_convert(filled, "xls", xls)
    result = collect_one(fresh, xls)
    assert (result.status, [p.code for p in result.problems]) == ("quarantined", ["old_format"])


def _soffice_convert(source: Path, extension: str, target: Path) -> None:
    from kaohe_xl.xlsx.libreoffice import require_soffice

    work = target.parent / f"lo_{extension}"
    (work / "out").mkdir(parents=True)
    subprocess.run(
        [
            str(require_soffice()),
            f"-env:UserInstallation={(work / 'profile').resolve().as_uri()}",
            "--headless",
            "--convert-to",
            extension,
            "--outdir",
            str(work / "out"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    shutil.move(work / "out" / f"{source.stem}.{extension}", target)


def test_generated_forms_fixture_is_real(fresh: Campaign) -> None:
    # the corpus is built on real generated forms, not hand-made stand-ins
    assert generated(fresh).form_path(FormKind.SELF, "01").exists()
