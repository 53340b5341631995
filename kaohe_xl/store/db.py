"""The campaign store: one SQLite file inside the campaign folder.

It records every file received (by content hash), each accepted return as a revision,
the units each revision covers (with that unit's own error state), every value read with
its cell, every validation issue, the send log and the fetched mail. Writes happen in
transactions so an interrupted run leaves no half records.

Schema history (``meta.schema_version``); :func:`connect` upgrades an older store in
place, one step at a time:

1. the first release;
2. ``submissions.rubric_hash`` and the ``submission_units`` table: an error on one unit's
   sheet of a 考核组评分表 no longer holds back the other units;
3. assessor names as collect keys them (``李 明`` → ``李明``), their revisions renumbered.
4. ``submissions.source``, the rubric source a revision feeds: several 考核组评分表
   rounds of one group are kept apart.
5. ``submission_units.unit_name``: the unit a return was made for, so a renumbered
   unit's return never counts for the unit that holds its old number.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kaohe_xl.errors import StoreError
from kaohe_xl.textnorm import person_name

SCHEMA_VERSION = 5
DB_NAME = "kaohe.sqlite"  # the store's file name in a campaign folder
# Files refused as returns (listed by status, the 汇总 回收情况 sheet and 控制台).
REFUSED_FILES = "status IN ('rejected', 'quarantined')"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- every file ever received, accepted or not; archive_path is inside the campaign folder
CREATE TABLE IF NOT EXISTS files (
    id            INTEGER PRIMARY KEY,
    sha256        TEXT NOT NULL UNIQUE,
    original_name TEXT NOT NULL,
    source_path   TEXT NOT NULL DEFAULT '',
    size          INTEGER NOT NULL,
    received_at   TEXT NOT NULL,
    archive_path  TEXT NOT NULL,
    status        TEXT NOT NULL,          -- accepted | rejected | quarantined | unpacked (a zip of returns)
    reason        TEXT NOT NULL DEFAULT '',
    form_kind     TEXT NOT NULL DEFAULT '',
    subject_id    TEXT NOT NULL DEFAULT ''
);
-- one accepted return = one revision of (form kind, subject, rater)
CREATE TABLE IF NOT EXISTS submissions (
    id          INTEGER PRIMARY KEY,
    file_id     INTEGER NOT NULL REFERENCES files(id),
    form_kind   TEXT NOT NULL,
    subject_id  TEXT NOT NULL,            -- unit id, assessor group or rater name
    rater       TEXT NOT NULL DEFAULT '', -- assessor's name ('' for self forms)
    revision    INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    has_errors  INTEGER NOT NULL DEFAULT 0, -- any error in the file
    rubric_hash TEXT NOT NULL DEFAULT '', -- the rubric the values were checked against ('' before v2)
    -- the rubric source the form feeds (e.g. 专项督查 / 年终考核); '' before v4: the first
    -- source of its form. Revisions are numbered per (form, subject, rater) across sources.
    source      TEXT NOT NULL DEFAULT '',
    UNIQUE (form_kind, subject_id, rater, revision)
);
-- the units a revision covers (self: its unit; assessor: one per unit sheet; rater: one
-- per unit row), each with its own error state: an error on one unit's sheet does not
-- hold back the others. has_errors includes the file-wide errors (e.g. 评分人 blank).
CREATE TABLE IF NOT EXISTS submission_units (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    unit_id       TEXT NOT NULL,
    has_errors    INTEGER NOT NULL DEFAULT 0,
    note          TEXT NOT NULL DEFAULT '', -- the unit's first error, located
    unit_name     TEXT NOT NULL DEFAULT '', -- the unit the form was made for ('' before v4)
    PRIMARY KEY (submission_id, unit_id)
);
CREATE TABLE IF NOT EXISTS scores (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    unit_id       TEXT NOT NULL,
    item_id       TEXT NOT NULL,          -- category name on rater forms
    value         TEXT,                   -- normalised decimal text, NULL when blank/invalid
    veto          INTEGER,                -- 1 是 / 0 否 / NULL
    raw           TEXT NOT NULL DEFAULT '',
    remark        TEXT NOT NULL DEFAULT '',
    sheet         TEXT NOT NULL DEFAULT '',
    cell          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (submission_id, unit_id, item_id)
);
CREATE TABLE IF NOT EXISTS issues (
    id       INTEGER PRIMARY KEY,
    file_id  INTEGER NOT NULL REFERENCES files(id),
    severity TEXT NOT NULL,
    code     TEXT NOT NULL,
    sheet    TEXT NOT NULL DEFAULT '',
    cell     TEXT NOT NULL DEFAULT '',
    item     TEXT NOT NULL DEFAULT '',
    value    TEXT NOT NULL DEFAULT '',
    message  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS send_log (
    id                INTEGER PRIMARY KEY,
    unit_id           TEXT NOT NULL,      -- or group / rater name for those forms
    form_kind         TEXT NOT NULL,      -- self | assessor | rater | feedback | remind
    addresses         TEXT NOT NULL,
    attachment_sha256 TEXT NOT NULL DEFAULT '',
    message_id        TEXT NOT NULL DEFAULT '',
    sent_at           TEXT NOT NULL,
    status            TEXT NOT NULL,      -- sent | failed
    error             TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS fetched_messages (
    message_id  TEXT PRIMARY KEY,
    fetched_at  TEXT NOT NULL,
    subject     TEXT NOT NULL DEFAULT '',
    attachments INTEGER NOT NULL DEFAULT 0
);
"""


def connect(path: str | Path) -> sqlite3.Connection:
    """Open (and create if needed) the store, with the schema in place.

    WAL journaling keeps the file consistent if a run is killed mid-batch.
    """
    # isolation_level=None: no implicit transactions; transaction() opens them explicitly.
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys=ON")
        # A store already at this version is only read here: `kaohe status` must not wait
        # for the write lock a running collect holds.
        if _schema_version(conn) != str(SCHEMA_VERSION):
            conn.execute("PRAGMA journal_mode=WAL")  # persistent: set once, on creation
            conn.executescript(SCHEMA)
            conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            if get_meta(conn, "schema_version") != str(SCHEMA_VERSION):
                _upgrade(conn)
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def _schema_version(conn: sqlite3.Connection) -> str | None:
    try:
        return get_meta(conn, "schema_version")
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):  # a new store
            return None
        raise


def explain(exc: sqlite3.Error, path: str | Path) -> StoreError:
    """A store failure in words a clerk can act on (the SQLite text kept at the end)."""
    text = str(exc)
    name = Path(path).name
    if "locked" in text or "busy" in text:
        advice = f"考核库 {name} 正被另一个程序占用（可能有另一次收表或汇总正在运行）：请等它结束后再试"
    elif "readonly" in text or "unable to open" in text or "permission" in text.lower():
        advice = f"无法打开或写入考核库 {name}：请确认考核文件夹存在且可以写入（不是只读文件夹或光盘）"
    elif "malformed" in text or "not a database" in text:
        advice = f"考核库 {name} 已损坏：请从备份恢复，或联系技术人员"
    else:
        advice = f"考核库 {name} 读写失败"
    return StoreError(f"{advice}（{text}）")


def _upgrade(conn: sqlite3.Connection) -> None:
    """Bring an older store to the current version, step by step (idempotent; safe with
    two processes at once)."""
    conn.execute("BEGIN IMMEDIATE")  # the write lock first: a second process waits, then re-checks
    try:
        if get_meta(conn, "schema_version") == "1":
            _to_version_2(conn)
        if get_meta(conn, "schema_version") == "2":
            _to_version_3(conn)
        if get_meta(conn, "schema_version") == "3":
            _to_version_4(conn)
        if get_meta(conn, "schema_version") == "4":
            _to_version_5(conn)
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


def _to_version_4(conn: sqlite3.Connection) -> None:
    """The source of each revision; older revisions keep '' (the first source of their form)."""
    columns = {row["name"] for row in conn.execute("PRAGMA table_info(submissions)")}
    if "source" not in columns:
        conn.execute("ALTER TABLE submissions ADD COLUMN source TEXT NOT NULL DEFAULT ''")
    set_meta(conn, "schema_version", "4")


def _to_version_5(conn: sqlite3.Connection) -> None:
    """The name of the unit each revision covers ('' for revisions stored before: they
    count for whoever holds the id, until ``kaohe update`` records the names they had)."""
    columns = {row["name"] for row in conn.execute("PRAGMA table_info(submission_units)")}
    if "unit_name" not in columns:
        conn.execute("ALTER TABLE submission_units ADD COLUMN unit_name TEXT NOT NULL DEFAULT ''")
    set_meta(conn, "schema_version", "5")


def _to_version_3(conn: sqlite3.Connection) -> None:
    """Assessor names as collect now keys them (``李 明`` → ``李明``), revisions renumbered.

    One assessor typed with and without padding was two raters before; as one, their
    revisions are numbered again in the order received.
    """
    rows = conn.execute("SELECT id, rater FROM submissions WHERE form_kind = 'assessor'").fetchall()
    changed = [(person_name(row["rater"]), row["id"]) for row in rows if person_name(row["rater"]) != row["rater"]]
    if changed:
        conn.execute("UPDATE submissions SET revision = -id")  # unique and out of the way of UNIQUE
        conn.executemany("UPDATE submissions SET rater = ? WHERE id = ?", changed)
        conn.execute(
            """
            UPDATE submissions SET revision = (
                SELECT COUNT(*) FROM submissions AS earlier
                WHERE earlier.form_kind = submissions.form_kind AND earlier.subject_id = submissions.subject_id
                  AND earlier.rater = submissions.rater AND earlier.id <= submissions.id
            )
            """
        )
    set_meta(conn, "schema_version", "3")


def _to_version_2(conn: sqlite3.Connection) -> None:
    """Per-unit error states (submission_units) and the rubric hash of each revision."""
    columns = {row["name"] for row in conn.execute("PRAGMA table_info(submissions)")}
    if "rubric_hash" not in columns:
        conn.execute("ALTER TABLE submissions ADD COLUMN rubric_hash TEXT NOT NULL DEFAULT ''")
    # Version 1 knew only the file-wide error flag: every unit a revision covers
    # (its values; the subject of a self form) inherits it.
    conn.execute(
        """
        INSERT OR IGNORE INTO submission_units (submission_id, unit_id, has_errors, note)
        SELECT s.id, c.unit_id, s.has_errors, CASE WHEN s.has_errors THEN f.reason ELSE '' END
        FROM submissions s JOIN files f ON f.id = s.file_id JOIN scores c ON c.submission_id = s.id
        """
    )
    conn.execute(
        """
        INSERT OR IGNORE INTO submission_units (submission_id, unit_id, has_errors, note)
        SELECT s.id, s.subject_id, s.has_errors, CASE WHEN s.has_errors THEN f.reason ELSE '' END
        FROM submissions s JOIN files f ON f.id = s.file_id WHERE s.form_kind = 'self'
        """
    )
    set_meta(conn, "schema_version", "2")


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Commit on success, roll back on any exception."""
    try:
        conn.execute("BEGIN")
        yield conn
    except BaseException:
        conn.rollback()
        raise
    else:
        conn.commit()


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    """The value stored under ``key`` in the meta table, or None."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row["value"])


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    """Store ``value`` under ``key`` in the meta table (replacing any old value)."""
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))
