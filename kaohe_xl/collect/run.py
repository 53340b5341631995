"""Collecting returned workbooks: identify, validate, archive and store every file.

``collect(campaign, paths)`` takes files, folders (recursively) and ``.zip`` archives of
returns, whatever their names. For each file received:

1. its SHA-256 is computed; a file already in the store is a no-op (``duplicate``);
2. the bytes are archived as ``archive/<sha256><ext>`` inside the campaign folder —
   before anything is written to the store, whatever happens next;
3. it is read (:mod:`kaohe_xl.returns`) and validated (:mod:`kaohe_xl.validate`);
4. one transaction records the file (name, hash, time, form, subject), and for an
   identified return a new *revision* of (form, subject, rater) with every value and
   its cell, the units it covers each with its own error state, plus every issue. A file that cannot be read is *quarantined*, one that is
   not a form of this campaign *rejected*; both with their reasons. Nothing stops the
   batch.

A zip of returns is unpacked, each member collected as a file of its own; the zip itself
is archived too and recorded as ``unpacked``.

Because the archive is written first and the store row is keyed on the hash, a run
killed mid-batch leaves no half records; running it again adds what is missing and
reports the rest as duplicates.

Revision keys: self forms (self, unit id, ''); assessor forms (assessor, group, the
评分人 typed in); rater forms (rater, source name, rater name). Files of one run are
taken in the order they were last saved — the workbook's own 修改时间
(``docProps/core.xml``, written by Excel, WPS and LibreOffice on every save), else the
file's — so when a unit's first and corrected files arrive together (``自评表.xlsx``,
``自评表(1).xlsx``) the one saved last counts; a later run's file is always the newer
revision. The campaign's own files (store, generated forms, archive, outputs) are
skipped when a folder containing them is collected.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from kaohe_xl.atomic import write_atomic
from kaohe_xl.campaign import Campaign
from kaohe_xl.clock import now_text
from kaohe_xl.collect.identify import Expected, form_kind, not_a_form
from kaohe_xl.collect.received import Incoming, discover, display_name, expand, file_time, member_saved_time, peek
from kaohe_xl.collect.report import CollectReport, FileResult, first_error
from kaohe_xl.collect.returns import ReturnBook, ReturnReadError
from kaohe_xl.collect.validate import Checked, check_return
from kaohe_xl.errors import CampaignError
from kaohe_xl.problems import Problem, errors_in
from kaohe_xl.progress import counter
from kaohe_xl.rubric.model import FormKind
from kaohe_xl.store import db as store
from kaohe_xl.store.status import collection_status, latest_records
from kaohe_xl.textnorm import format_decimal

__all__ = ["CollectReport", "FileResult", "collect", "collection_status", "discover", "latest_records"]

_STALE_SECONDS = 60
# Problems of files whose bytes were never read, and the status they are reported with.
_NOT_READ = {"unreadable": "unreadable", "too_large": "quarantined"}


def collect(
    campaign: Campaign,
    paths: Iterable[str | Path],
    *,
    progress: bool = False,
    on_result: Callable[[FileResult], None] | None = None,
) -> CollectReport:
    """Collect returned files, folders and zip archives into the campaign store.

    Example::

        report = collect(Campaign.open("2023老干部考核"), ["~/下载/回收"])
        print(report.summary())
    """
    report = CollectReport()
    files: list[Path] = []
    for path in discover(paths, report.unreadable_folders, report.skipped_files):
        (report.skipped if campaign.is_own_file(path) else files).append(path)
    expected = Expected(campaign.id, campaign.secret, campaign.rubric, tuple(campaign.units), campaign.roster)
    _archive_folder(campaign)
    bar = counter(len(files), "回收", enabled=progress)
    conn = campaign.connect()
    # WAL + synchronous=NORMAL: a killed process never corrupts the store or loses a
    # committed transaction; only a power cut may lose the very last ones.
    conn.execute("PRAGMA synchronous=NORMAL")

    def take(incoming: Incoming) -> None:
        result = _collect_one(conn, campaign, expected, incoming)
        report.results.append(result)
        if on_result is not None:
            on_result(result)

    try:
        # Workbooks are taken in the order they were last saved, loose or zipped alike;
        # a zip is unpacked first (its workbooks wait in memory for their turn, anything
        # else in it is taken at once), loose files are read when their turn comes.
        queue: list[tuple[tuple[float, float, str], Path | Incoming]] = []
        archives: list[Path] = []
        for path in files:
            archived, saved = peek(path)
            if not archived:
                queue.append(((saved, file_time(path), str(path)), path))
                continue
            archives.append(path)
            when = file_time(path)
            for incoming in expand(path):
                member_saved = None if incoming.error else member_saved_time(incoming.data, when)
                if member_saved is None:  # not a workbook: nothing to order, taken at once
                    take(incoming)
                else:
                    queue.append(((member_saved, when, incoming.source), incoming))
            if bar is not None:
                bar.update(1)
        queue.sort(key=lambda entry: entry[0])
        for _key, item in queue:
            if isinstance(item, Incoming):
                take(item)
                continue
            for incoming in expand(item, single=True):  # peek() found no archive of files
                take(incoming)
            if bar is not None:
                bar.update(1)
        for path in archives:  # after its members: a killed run collects the rest next time
            _keep_container(conn, campaign, path)
    finally:
        conn.close()
        if bar is not None:
            bar.close()
    return report


def _collect_one(conn: sqlite3.Connection, campaign: Campaign, expected: Expected, incoming: Incoming) -> FileResult:
    data = incoming.data
    if incoming.error is not None and incoming.error.code in _NOT_READ:
        # No bytes were read (a file the disk refused, a member too large to unpack):
        # nothing to archive or store here; a too-large member stays in its archived zip.
        status = _NOT_READ[incoming.error.code]
        return FileResult(incoming.name, incoming.source, "", status, problems=(incoming.error,))
    digest = hashlib.sha256(data).hexdigest()
    known = conn.execute("SELECT form_kind, subject_id FROM files WHERE sha256 = ?", (digest,)).fetchone()
    if known is not None:
        kind = FormKind(known["form_kind"]) if known["form_kind"] else None
        return FileResult(incoming.name, incoming.source, digest, "duplicate", kind, known["subject_id"])
    archive_path = archive(campaign, digest, incoming.name, data)
    status, checked = analyse(incoming, expected)
    revision = _store(conn, incoming, digest, archive_path.relative_to(campaign.root).as_posix(), status, checked)
    if revision is None:  # another run stored the same bytes meanwhile
        return FileResult(incoming.name, incoming.source, digest, "duplicate", checked.kind, checked.subject_id)
    return FileResult(
        incoming.name,
        incoming.source,
        digest,
        status,
        checked.kind,
        checked.subject_id,
        checked.rater,
        revision,
        tuple(checked.problems),
    )


def archive(campaign: Campaign, digest: str, name: str, data: bytes) -> Path:
    """Write ``archive/<sha256><ext>`` atomically (kept as is when already there)."""
    suffix = Path(name).suffix.lower()
    suffix = suffix if suffix[1:].isalnum() and len(suffix) <= 8 else ".bin"
    target = campaign.archive_dir / f"{digest}{suffix}"
    if target.exists() and target.stat().st_size == len(data):
        return target
    write_atomic(target, data)
    return target


def _archive_folder(campaign: Campaign) -> None:
    """Make sure ``archive/`` is a folder that can be written (raises :class:`CampaignError`)."""
    folder = campaign.archive_dir
    if folder.exists() and not folder.is_dir():
        raise CampaignError(
            f"考核目录中的 {folder.name} 应是存放回收文件的文件夹，现在却是一个文件：请把它改名或移走，再重新收取"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CampaignError(f"无法创建存档文件夹 {folder}：{exc.strerror or exc}；请确认考核目录可以写入") from exc
    _remove_stale_temporaries(folder)


def _remove_stale_temporaries(folder: Path) -> None:
    """Half-written archive copies of a killed run (``.<sha>.<pid>.tmp``); never the archive."""
    cutoff = time.time() - _STALE_SECONDS
    for tmp in folder.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink()


def _keep_container(conn: sqlite3.Connection, campaign: Campaign, path: Path) -> None:
    """Archive a zip whose members were collected, and record it as ``unpacked``.

    Its members are archived and stored one by one; the zip itself is what the unit
    sent, so it is kept too (after its members: a run killed half-way through a zip
    collects the rest next time).
    """
    try:
        data = path.read_bytes()
    except OSError:
        return
    digest = hashlib.sha256(data).hexdigest()
    if conn.execute("SELECT 1 FROM files WHERE sha256 = ?", (digest,)).fetchone():
        return
    archive_path = archive(campaign, digest, path.name, data).relative_to(campaign.root).as_posix()
    with store.transaction(conn):
        conn.execute(
            "INSERT OR IGNORE INTO files (sha256, original_name, source_path, size, received_at, archive_path, status)"
            " VALUES (?, ?, ?, ?, ?, ?, 'unpacked')",
            (digest, display_name(path.name), display_name(str(path)), len(data), now_text(), archive_path),
        )


def analyse(incoming: Incoming, expected: Expected) -> tuple[str, Checked]:
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


def _store(
    conn: sqlite3.Connection, incoming: Incoming, digest: str, archive_path: str, status: str, checked: Checked
) -> int | None:
    """Record the file, its revision, values and issues in one transaction.

    Returns the revision number (0 for files that are no revision), or None when the
    hash was already recorded.
    """
    stored = status in ("accepted", "invalid")
    kind = checked.kind.value if checked.kind is not None and stored else ""
    with store.transaction(conn):
        cursor = conn.execute(
            "INSERT OR IGNORE INTO files (sha256, original_name, source_path, size, received_at, archive_path,"
            " status, reason, form_kind, subject_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                digest,
                incoming.name,
                incoming.source,
                len(incoming.data),
                now_text(),
                archive_path,
                "accepted" if stored else status,
                first_error(errors_in(checked.problems)),
                kind,
                checked.subject_id if stored else "",
            ),
        )
        if cursor.rowcount == 0:
            return None
        file_id = int(cursor.lastrowid or 0)
        conn.executemany(
            "INSERT INTO issues (file_id, severity, code, sheet, cell, item, value, message)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(file_id, p.severity, p.code, p.sheet, p.cell, p.item, p.value, p.message) for p in checked.problems],
        )
        return _add_revision(conn, file_id, kind, checked) if stored else 0


def _add_revision(conn: sqlite3.Connection, file_id: int, kind: str, checked: Checked) -> int:
    """The next revision of (form, subject, rater): the submission, its units, its values."""
    received = conn.execute("SELECT received_at FROM files WHERE id = ?", (file_id,)).fetchone()[0]
    revision = conn.execute(
        "SELECT COALESCE(MAX(revision), 0) + 1 FROM submissions WHERE form_kind = ? AND subject_id = ? AND rater = ?",
        (kind, checked.subject_id, checked.rater),
    ).fetchone()[0]
    submission_id = conn.execute(
        "INSERT INTO submissions (file_id, form_kind, subject_id, rater, revision, received_at, has_errors,"
        " rubric_hash, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            file_id,
            kind,
            checked.subject_id,
            checked.rater,
            revision,
            received,
            int(checked.has_errors),
            checked.rubric_hash,
            checked.source,
        ),
    ).lastrowid
    # Each unit's own state: an error on one unit's sheet holds back only that unit.
    unit_rows = []
    for unit_id in dict.fromkeys(checked.units):
        unit_errors = checked.unit_errors(unit_id)
        name = checked.unit_names.get(unit_id, "")
        unit_rows.append((submission_id, unit_id, int(bool(unit_errors)), first_error(unit_errors), name))
    conn.executemany(
        "INSERT INTO submission_units (submission_id, unit_id, has_errors, note, unit_name) VALUES (?, ?, ?, ?, ?)",
        unit_rows,
    )
    conn.executemany(
        "INSERT INTO scores (submission_id, unit_id, item_id, value, veto, raw, remark, sheet, cell)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                submission_id,
                v.unit_id,
                v.key,
                None if v.value is None else format_decimal(v.value),
                None if v.veto is None else int(v.veto),
                v.raw,
                v.remark,
                v.sheet,
                v.cell,
            )
            for v in checked.values
        ],
    )
    return int(revision)
