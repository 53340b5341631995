"""Received files → their bytes: files, folders (recursively) and zip archives.

Returns arrive as e-mail attachments saved into a folder, sometimes zipped by the
sender (WinRAR, 资源管理器, macOS). Everything below a folder is taken, except Excel/WPS
lock files (``~$名称.xlsx``), hidden files and OS litter (Thumbs.db, __MACOSX). A zip is
an archive of files when it lacks ``[Content_Types].xml`` (an xlsx/docx has one) — told
by content, whatever its name.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .problems import Problem

# Not returns: Excel/WPS lock files (~$名称.xlsx), OS litter, macOS resource forks in zips.
_SKIP_PREFIXES = ("~$", ".~", ".")
_SKIP_NAMES = {"thumbs.db", "desktop.ini"}
_MAX_ZIP_DEPTH = 3


@dataclass(frozen=True)
class Incoming:
    """A received file's bytes, its own name and where it came from (path or zip!member)."""

    name: str
    source: str
    data: bytes
    error: Problem | None = None  # set when the container could not be expanded


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Files named directly, and every file below the folders named, in sorted order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if p.is_file() and not _skipped(p.name))
        else:
            found.append(path)
    return found


def _skipped(name: str) -> bool:
    return name.startswith(_SKIP_PREFIXES) or name.lower() in _SKIP_NAMES


def expand(path: Path) -> Iterator[Incoming]:
    """The file itself, or the members of a zip archive (recursively, by content)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        problem = Problem("unreadable", f"无法读取文件（{exc.strerror or exc}）", file=path.name)
        yield Incoming(path.name, str(path), b"", problem)
        return
    yield from _expand(path.name, str(path), data, 0)


def _expand(name: str, source: str, data: bytes, depth: int) -> Iterator[Incoming]:
    # A zip without [Content_Types].xml is an archive of files, not an Office package.
    archive = _plain_zip(data) if depth < _MAX_ZIP_DEPTH else None
    if archive is None:
        yield Incoming(name, source, data)
        return
    with archive:
        for info in archive.infolist():
            member = _member_name(info)
            base = member.rstrip("/").rsplit("/", 1)[-1]
            if info.is_dir() or member.startswith("__MACOSX/") or _skipped(base):
                continue
            try:
                content = archive.read(info)
            except (RuntimeError, zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
                # Encrypted or damaged member: keep the whole archive, quarantined.
                problem = Problem("bad_archive", f"压缩包中的“{member}”无法解压（加密或损坏：{exc}）", file=name)
                yield Incoming(name, source, data, problem)
                return
            yield from _expand(base, f"{source}!{member}", content, depth + 1)


def _plain_zip(data: bytes) -> zipfile.ZipFile | None:
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError):
        return None
    if "[Content_Types].xml" in archive.namelist():
        archive.close()
        return None
    return archive


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's real name: zips made on Chinese Windows store GBK names unflagged.

    Without the UTF-8 flag (bit 11) Python decodes names as cp437; undo that and try
    UTF-8 (macOS, 7-Zip) then GB18030 (Windows 资源管理器, WinRAR).
    """
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename
