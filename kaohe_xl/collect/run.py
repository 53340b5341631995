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
reports the rest as duplicates. Files are committed in batches (:data:`BATCH_FILES`
files or :data:`BATCH_SECONDS`, whichever comes first; each file's rows in a savepoint
of their own): a kill loses at most the batch's rows, never the archive copies, and
the next run stores those files again.

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
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from kaohe_xl.atomic import write_atomic
from kaohe_xl.campaign import Campaign
from kaohe_xl.clock import now_text
from kaohe_xl.collect.analysis import Analyser, Verdict, analyse
from kaohe_xl.collect.identify import Expected
from kaohe_xl.collect.received import Incoming, discover, display_name, expand, file_time, member_saved_time, peek
from kaohe_xl.collect.report import CollectReport, FileResult, first_error
from kaohe_xl.collect.validate import Checked
from kaohe_xl.errors import CampaignError
from kaohe_xl.problems import errors_in
from kaohe_xl.progress import counter
from kaohe_xl.rubric.model import FormKind
from kaohe_xl.store.status import collection_status, latest_records
from kaohe_xl.textnorm import format_decimal

__all__ = ["CollectReport", "FileResult", "collect", "collection_status", "discover", "latest_records"]

_STALE_SECONDS = 60
BATCH_FILES = 200  # files per commit: one commit per file was a tenth of collect's time
BATCH_SECONDS = 1.0  # … or this long: `kaohe status` and the add-in see progress, the lock is short
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
    with Analyser(expected, files) as analyser:  # workers start before the store opens
        _collect_files(campaign, expected, analyser, files, report, progress, on_result)
    return report


def _collect_files(
    campaign: Campaign,
    expected: Expected,
    analyser: Analyser,
    files: list[Path],
    report: CollectReport,
    progress: bool,
    on_result: Callable[[FileResult], None] | None,
) -> None:
    """Long because it is collect's one loop: the order files are taken in, batched
    commits, the progress bar and the zips kept after their members, in one place."""
    bar = counter(len(files), "回收", enabled=progress)
    conn = campaign.connect()
    # WAL + synchronous=NORMAL: a killed process never corrupts the store or loses a
    # committed transaction; only a power cut may lose the very last ones.
    conn.execute("PRAGMA synchronous=NORMAL")
    batch = _Batch(conn)

    def take(incoming: Incoming, verdict: Callable[[], Verdict] | None = None) -> None:
        batch.begin()
        result = _collect_one(conn, campaign, expected, incoming, verdict)
        batch.done()
        report.results.append(result)
        if on_result is not None:
            on_result(result)

    seen: set[str] = set()

    def wanted(incoming: Incoming) -> bool:
        """Worth analysing ahead: not a file already stored or already handed out."""
        digest = hashlib.sha256(incoming.data).hexdigest()
        if digest in seen or conn.execute("SELECT 1 FROM files WHERE sha256 = ?", (digest,)).fetchone():
            return False
        seen.add(digest)
        return True

    try:
        # Workbooks are taken in the order they were last saved, loose or zipped alike;
        # a zip is unpacked first (its workbooks wait in memory for their turn, anything
        # else in it is taken at once), loose files are read when their turn comes
        # (a few files ahead, while workers analyse them).
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
        for incoming, loose, verdict in analyser.verdicts(_in_turn(queue), wanted):
            take(incoming, verdict)
            if loose and bar is not None:
                bar.update(1)
        batch.commit()  # the members first: a killed run collects the rest next time
        for path in archives:
            batch.begin()
            _keep_container(conn, campaign, path)
            batch.done()
    finally:
        batch.commit()
        conn.close()
        if bar is not None:
            bar.close()


def _in_turn(queue: list[tuple[tuple[float, float, str], Path | Incoming]]) -> Iterator[tuple[Incoming, bool]]:
    """Each file in its turn, a loose file read only then: (incoming, it is a loose file)."""
    for _key, item in queue:
        if isinstance(item, Incoming):
            yield item, False
            continue
        for incoming in expand(item, single=True):  # peek() found no archive of files
            yield incoming, True


def _collect_one(
    conn: sqlite3.Connection,
    campaign: Campaign,
    expected: Expected,
    incoming: Incoming,
    verdict: Callable[[], Verdict] | None = None,
) -> FileResult:
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
    status, checked = verdict() if verdict is not None else analyse(incoming, expected)
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


class _Batch:
    """One transaction for many files: begun before a file, committed every
    :data:`BATCH_FILES` files or :data:`BATCH_SECONDS`, and at the end."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.files = 0
        self.started = 0.0

    def begin(self) -> None:
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN")
            self.files, self.started = 0, time.monotonic()

    def done(self) -> None:
        self.files += 1
        if self.files >= BATCH_FILES or time.monotonic() - self.started >= BATCH_SECONDS:
            self.commit()

    def commit(self) -> None:
        if self.conn.in_transaction:
            self.conn.commit()


@contextlib.contextmanager
def _savepoint(conn: sqlite3.Connection) -> Iterator[None]:
    """One file's rows: all of them or none (the batch around them goes on)."""
    conn.execute("SAVEPOINT one_file")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK TO one_file")
        conn.execute("RELEASE one_file")
        raise
    conn.execute("RELEASE one_file")


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
    with _savepoint(conn):
        conn.execute(
            "INSERT OR IGNORE INTO files (sha256, original_name, source_path, size, received_at, archive_path, status)"
            " VALUES (?, ?, ?, ?, ?, ?, 'unpacked')",
            (digest, display_name(path.name), display_name(str(path)), len(data), now_text(), archive_path),
        )


def _store(
    conn: sqlite3.Connection, incoming: Incoming, digest: str, archive_path: str, status: str, checked: Checked
) -> int | None:
    """Record the file, its revision, values and issues in one transaction.

    Returns the revision number (0 for files that are no revision), or None when the
    hash was already recorded.
    """
    stored = status in ("accepted", "invalid")
    kind = checked.kind.value if checked.kind is not None and stored else ""
    with _savepoint(conn):
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
