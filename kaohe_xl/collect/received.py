"""Received files → their bytes: files, folders (recursively) and zip archives.

Returns arrive as e-mail attachments saved into a folder, sometimes zipped by the
sender (WinRAR, 资源管理器, macOS). Everything below a folder is taken, except Excel/WPS
lock files (``~$名称.xlsx``), hidden files and OS litter (Thumbs.db, __MACOSX). A zip is
an archive of files when it is no document package — an xlsx/docx has
``[Content_Types].xml``, an OpenDocument file (.ods/.odt) a ``mimetype`` member — told
by content, whatever its name. A member that would unpack to more than
:data:`MAX_MEMBER_BYTES` (a scan, a video: not a return) is not unpacked and reported;
an archive that would unpack to more than :data:`MAX_ARCHIVE_BYTES` in all (a zip bomb)
is not unpacked at all and is quarantined whole. Sizes are checked before unpacking.

File names are shown and stored as text: a name that is not valid in the file system's
encoding (a GBK name unpacked on Linux) is decoded as GB18030 or shown with ``�``.
"""

from __future__ import annotations

import functools
import io
import os
import re
import stat
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kaohe_xl.problems import Problem

# Not returns: Excel/WPS lock files (~$名称.xlsx), OS litter, macOS resource forks in zips.
_SKIP_PREFIXES = ("~$", ".~", ".")
_SKIP_NAMES = {"thumbs.db", "desktop.ini"}
_MAX_ZIP_DEPTH = 3
# A filled form is tens of KB; no genuine return inside a zip unpacks to this much.
MAX_MEMBER_BYTES = 64 * 1024 * 1024
# Beyond this the zip is not unpacked at all (a zip bomb, or not a batch of returns).
MAX_ARCHIVE_BYTES = 1024 * 1024 * 1024
# A received file larger than this is not read at all (a video, a disk image).
MAX_FILE_BYTES = 1024 * 1024 * 1024
# Members that mark a zip as a document package rather than an archive of files: an
# Office file (xlsx, docx) or an OpenDocument file (ods, odt).
OPENDOCUMENT_MARKERS = ("mimetype", "META-INF/manifest.xml")
_PACKAGE_MARKERS = ("[Content_Types].xml", *OPENDOCUMENT_MARKERS)


@dataclass(frozen=True)
class Incoming:
    """A received file's bytes, its own name and where it came from (path or zip!member)."""

    name: str
    source: str
    data: bytes
    error: Problem | None = None  # set when the container could not be expanded


def discover(
    paths: Iterable[str | Path], unreadable: list[str] | None = None, skipped: list[str] | None = None
) -> list[Path]:
    """Files named directly, and every file below the folders named, in sorted order.

    A folder that cannot be listed (no permission, a network drive gone) is not skipped
    silently: its path and the reason are appended to ``unreadable``. What is not a
    regular file (a named pipe, a device: reading it would wait forever) and links that
    lead out of the paths given are not taken: ``path（reason）`` goes to ``skipped``.
    """
    roots = [Path(raw).expanduser() for raw in paths]
    inside = [_resolved(root) for root in roots]
    found: list[Path] = []
    for path in roots:
        if not path.is_dir():
            if _regular(path, skipped):
                found.append(path)
            continue
        below: list[Path] = []
        for folder, dirs, names in os.walk(path, onerror=functools.partial(_note, unreadable)):
            for name in dirs:  # os.walk does not go into linked folders: say so when they lead out
                linked = Path(folder) / name
                if linked.is_symlink() and not _within(linked, inside):
                    _skip(skipped, linked, "是指向收取范围之外的链接，未跟随")
            for name in names:
                candidate = Path(folder) / name
                if _skipped(name):
                    continue
                if candidate.is_symlink() and not _within(candidate, inside):
                    _skip(skipped, candidate, "是指向收取范围之外的链接，未收取")
                elif _regular(candidate, skipped):
                    below.append(candidate)
        found.extend(sorted(below))
    return found


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def _within(link: Path, roots: list[Path]) -> bool:
    """True when the link's target lies inside one of the paths given."""
    target = _resolved(link)
    return any(target == root or root in target.parents for root in roots)


def _regular(path: Path, skipped: list[str] | None) -> bool:
    """True for a regular file; else a note (a missing file is left to the reader to report)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return True  # expand() reports it as unreadable, with the reason
    if stat.S_ISREG(mode):
        return True
    what = "命名管道" if stat.S_ISFIFO(mode) else "套接字" if stat.S_ISSOCK(mode) else "设备或其他特殊文件"
    _skip(skipped, path, f"不是普通文件（{what}），未收取")
    return False


def _skip(skipped: list[str] | None, path: Path, reason: str) -> None:
    if skipped is not None:
        skipped.append(f"{display_name(str(path))}（{reason}）")


def peek(path: Path) -> tuple[bool, float]:
    """(is it a zip of files, when was it last saved), from one look into the file.

    Last saved: a workbook's own 修改时间 (``dcterms:modified`` in ``docProps/core.xml``),
    else the file's modification time. The file's time says when it was downloaded or
    copied, often in the wrong order; the workbook's says when the person last saved it.
    """
    try:
        with zipfile.ZipFile(path) as package:
            if not _is_package(package):
                return True, file_time(path)
            stamp = _core_modified(package)
    except Exception:  # any damage (a flag, a method, a size): the reader reports it later
        stamp = None
    return False, stamp if stamp is not None else file_time(path)


def saved_time(path: Path) -> float:
    """When the file was last saved, as a POSIX timestamp (see :func:`peek`)."""
    return peek(path)[1]


def member_saved_time(data: bytes, fallback: float) -> float | None:
    """For bytes from a zip: None when they are not a document package (not a workbook),
    else when they were last saved (see :func:`peek`), ``fallback`` without a 修改时间."""
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except Exception:  # not a readable zip: not a document package
        return None
    with package:
        if not _is_package(package):
            return None
        try:
            stamp = _core_modified(package)
        except Exception:  # an encrypted or damaged core.xml: the reader reports it later
            stamp = None
    return stamp if stamp is not None else fallback


def file_time(path: Path) -> float:
    """The file's modification time (0 when it cannot be read)."""
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _core_modified(package: zipfile.ZipFile) -> float | None:
    try:
        info = package.getinfo("docProps/core.xml")
    except KeyError:
        return None
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x1:
        return None  # not what Excel writes: the reader reports the file as damaged
    with package.open(info) as part:
        core = part.read(8192)  # a few hundred bytes in any real workbook
    match = _MODIFIED.search(core)
    if not match:
        return None
    stamp = datetime.fromisoformat(match.group(1).decode("ascii"))
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()


_MODIFIED = re.compile(rb"<dcterms:modified[^>]*>\s*([0-9][0-9T:.+\-Z]+?)\s*</dcterms:modified>")


def _is_package(archive: zipfile.ZipFile) -> bool:
    names = set(archive.namelist())
    return any(marker in names for marker in _PACKAGE_MARKERS)


def _skipped(name: str) -> bool:
    return name.startswith(_SKIP_PREFIXES) or name.lower() in _SKIP_NAMES


def expand(path: Path, *, single: bool = False) -> Iterator[Incoming]:
    """The file itself, or the members of a zip archive (recursively, by content).

    ``single``: the file is already known to be no archive of files (see :func:`peek`).
    """
    name, source = display_name(path.name), display_name(str(path))
    try:
        data = read_regular(path)
    except OSError as exc:
        problem = Problem("unreadable", f"无法读取文件（{exc.strerror or exc}）", file=name)
        yield Incoming(name, source, b"", problem)
        return
    except _TooLarge as exc:
        problem = Problem(
            "too_large",
            f"文件有 {exc.size / 2**20:,.0f} MB，超过 {MAX_FILE_BYTES // 2**20} MB，不是考核表，未读取（原文件仍在原处）",
            file=name,
        )
        yield Incoming(name, source, b"", problem)
        return
    yield from _expand(name, source, data, _MAX_ZIP_DEPTH if single else 0)


class _TooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def read_regular(path: Path) -> bytes:
    """The bytes of a regular file of at most :data:`MAX_FILE_BYTES`.

    Opened without waiting (a named pipe put in the file's place would otherwise block
    forever) and checked to be a regular file on the open handle itself.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(0, "不是普通文件")
        if info.st_size > MAX_FILE_BYTES:
            raise _TooLarge(info.st_size)
        return handle.read(MAX_FILE_BYTES + 1)


def _note(unreadable: list[str] | None, error: OSError) -> None:
    if unreadable is not None:
        unreadable.append(f"{display_name(str(error.filename))}（{error.strerror or error}）")


def display_name(text: str) -> str:
    """A path or name as text that can be stored and printed.

    Python keeps undecodable bytes of a file name as lone surrogates, which SQLite and
    terminals refuse. Such a name is most likely GBK (a zip from Chinese Windows unpacked
    on Linux): each such part of the path is decoded as GB18030, else its bad bytes are
    shown as ``�``; the parts that are fine stay as they are.
    """
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return "/".join(_display_part(part) for part in text.split("/"))


def _display_part(part: str) -> str:
    try:
        part.encode("utf-8")
        return part
    except UnicodeEncodeError:
        raw = os.fsencode(part)
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace")


def _expand(name: str, source: str, data: bytes, depth: int) -> Iterator[Incoming]:
    # A zip without [Content_Types].xml is an archive of files, not an Office package.
    archive = _plain_zip(data) if depth < _MAX_ZIP_DEPTH else None
    if archive is None:
        yield Incoming(name, source, data)
        return
    with archive:
        members = []
        for info in archive.infolist():
            member = _member_name(info)
            base = member.rstrip("/").rsplit("/", 1)[-1]
            if not (info.is_dir() or member.startswith("__MACOSX/") or _skipped(base)):
                members.append((info, member, base))
        total = sum(info.file_size for info, _, _ in members)
        if total > MAX_ARCHIVE_BYTES:  # checked before anything is unpacked
            problem = Problem(
                "bad_archive",
                f"压缩包解压后共有 {total / 2**20:,.0f} MB，超过 {MAX_ARCHIVE_BYTES // 2**20} MB（可能已损坏），"
                "未解压，已原样存档",
                file=name,
            )
            yield Incoming(name, source, data, problem)
            return
        for info, member, base in members:
            if info.file_size > MAX_MEMBER_BYTES:
                # Not a return (a scanned 佐证材料, a video): skipped, kept inside the
                # archived zip; the returns beside it are collected.
                problem = Problem(
                    "too_large",
                    f"解压后有 {info.file_size / 2**20:,.0f} MB，超过 {MAX_MEMBER_BYTES // 2**20} MB，不是考核表，"
                    "未解压（原文件保存在存档的压缩包中）",
                    file=base,
                )
                yield Incoming(base, f"{source}!{member}", b"", problem)
                continue
            try:
                content = archive.read(info)
            except Exception as exc:  # RuntimeError, BadZipFile, zlib, bz2/LZMA errors, NotImplementedError …
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
    except Exception:  # not a readable zip: taken as one file, the reader says what is wrong
        return None
    if _is_package(archive):
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
