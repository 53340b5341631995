"""Install the WPS add-in: copy it into WPS's ``jsaddons`` folder and register it there.

WPS loads the JS add-ins listed in its per-user ``jsaddons`` folder:
``%APPDATA%\\kingsoft\\wps\\jsaddons`` on Windows, ``~/.local/share/Kingsoft/wps/jsaddons``
on Linux. Newer WPS reads the list ``publish.xml``, older WPS ``jsplugins.xml`` (when
``oem.ini`` points at it); both are ``<jsplugins>`` with one ``<jsplugin .../>`` per
add-in, and an add-in installed offline is the folder ``<name>_<version>`` beside them.
Install registers the add-in in both lists.

The lists also hold other add-ins (a company's OA add-in, Zotero for WPS …). They are
edited as text: our one element is added before ``</jsplugins>`` or removed with its
line, and not a byte of anything else changes; a file that is not a ``<jsplugins>``
list is refused, not rewritten. Before a list is changed, its old content is kept as
``<list>.kaohe-<time>.bak`` beside it. Installing twice changes nothing the second time.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.sax.saxutils import quoteattr

from kaohe_xl.addin.wps_build import ADDIN_NAME, ADDIN_TYPE, ADDIN_VERSION, addin_files, folder_name, sync_folder
from kaohe_xl.atomic import write_atomic
from kaohe_xl.clock import file_stamp
from kaohe_xl.errors import OutputError

PUBLISH = "publish.xml"  # the list newer WPS reads
JSPLUGINS = "jsplugins.xml"  # the list older WPS reads
ROOT = "jsplugins"
_ELEMENT = re.compile(r"<jsplugin(?:online)?\b[^>]*?/>")
_NAME = re.compile(r"""\bname\s*=\s*["']([^"']*)["']""")


@dataclass
class WpsInstall:
    """What install / uninstall did in a ``jsaddons`` folder."""

    jsaddons: Path
    folder: Path  # the add-in folder (gone after uninstall)
    changed: list[Path] = field(default_factory=list)  # files and folders written or removed
    backups: list[Path] = field(default_factory=list)  # old copies of the lists it changed


def jsaddons_dir() -> Path:
    """This user's WPS ``jsaddons`` folder on this system."""
    if sys.platform == "win32":
        appdata = os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
        return Path(appdata) / "kingsoft" / "wps" / "jsaddons"
    if sys.platform == "darwin":
        return Path.home() / "Library/Containers/com.kingsoft.wpsoffice.mac/Data/.kingsoft/wps/jsaddons"
    return Path.home() / ".local" / "share" / "Kingsoft" / "wps" / "jsaddons"


def entries(folder: Path) -> dict[str, str]:
    """Our element in each list: in publish.xml the folder name, in jsplugins.xml its file URL."""
    common = f'name="{ADDIN_NAME}" type="{ADDIN_TYPE}"'
    return {
        PUBLISH: f'<jsplugin {common} url={quoteattr(folder.name)} version="{ADDIN_VERSION}" '
        'enable="enable_dev" install="null" customDomain=""/>',
        JSPLUGINS: f"<jsplugin {common} url={quoteattr(folder.resolve().as_uri() + '/')} "
        f'version="{ADDIN_VERSION}" enable="true"/>',
    }


def install_wps_addin(jsaddons: str | Path | None = None, *, python: str | None = None) -> WpsInstall:
    """Copy the add-in into ``jsaddons`` (default: :func:`jsaddons_dir`) and register it.

    Both lists are read and checked before anything is written: a list that cannot be
    edited stops the install with nothing changed.
    """
    root = Path(jsaddons) if jsaddons else jsaddons_dir()
    target = root / folder_name()
    done = WpsInstall(root, target)
    edits = [
        _plan_list(root / name, partial(add_entry, element=element), create=new_list(element))
        for name, element in entries(target).items()
    ]
    root.mkdir(parents=True, exist_ok=True)
    for old in _our_folders(root):
        if old != target:  # an earlier version
            shutil.rmtree(old)
            done.changed.append(old)
    done.changed += sync_folder(target, addin_files(python))
    for edit in edits:
        _apply(edit, done)
    return done


def uninstall_wps_addin(jsaddons: str | Path | None = None) -> WpsInstall:
    """Remove the add-in's folder and its entries from ``jsaddons`` (default: :func:`jsaddons_dir`)."""
    root = Path(jsaddons) if jsaddons else jsaddons_dir()
    done = WpsInstall(root, root / folder_name())
    edits = [_plan_list(root / name, remove_entry) for name in (PUBLISH, JSPLUGINS)]
    for old in _our_folders(root):
        shutil.rmtree(old)
        done.changed.append(old)
    for edit in edits:
        _apply(edit, done)
    return done


def _our_folders(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.glob(f"{ADDIN_NAME}_*") if p.is_dir() and re.fullmatch(r"[\w.+-]+", p.name))


# ---- the lists, edited as text -----------------------------------------------------------
def new_list(element: str) -> str:
    """A list file holding only ``element``, as WPS writes one."""
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{ROOT}>\n  {element}\n</{ROOT}>\n'


def add_entry(text: str, element: str) -> str:
    """``text`` with our element (and no other of ours) before ``</jsplugins>``."""
    text = remove_entry(text)
    newline = "\r\n" if "\r\n" in text else "\n"
    close = text.rfind(f"</{ROOT}>")
    if close < 0:  # <jsplugins/>: an empty list
        empty = re.search(rf"<{ROOT}\b[^>]*?/>", text)
        if empty is None:
            raise ValueError("no <jsplugins> element")
        opened = empty.group(0)[:-2].rstrip() + ">"
        return f"{text[: empty.start()]}{opened}{newline}  {element}{newline}</{ROOT}>{text[empty.end() :]}"
    line_start = text.rfind("\n", 0, close) + 1
    if text[line_start:close].strip():  # something else on the closing tag's line
        return text[:close] + element + text[close:]
    previous = list(_ELEMENT.finditer(text, 0, close))
    if previous:
        start = text.rfind("\n", 0, previous[-1].start()) + 1
        indent = text[start : previous[-1].start()]
        indent = indent if not indent.strip() else "  "
    else:
        indent = text[line_start:close] + "  "
    return text[:line_start] + indent + element + newline + text[line_start:]


def remove_entry(text: str) -> str:
    """``text`` without our elements; an element alone on its line goes with its line."""
    for match in reversed(list(_ELEMENT.finditer(text))):
        name = _NAME.search(match.group(0))
        if name is None or name.group(1) != ADDIN_NAME:
            continue
        start, end = match.start(), match.end()
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end + 1
        if not text[line_start:start].strip() and not text[end:line_end].strip():
            start, end = line_start, line_end
        text = text[:start] + text[end:]
    return text


@dataclass(frozen=True)
class _ListEdit:
    path: Path
    old: bytes | None  # None: the list does not exist yet
    new: bytes


def _plan_list(path: Path, edit: Callable[[str], str], create: str | None = None) -> _ListEdit | None:
    """The list ``path`` after ``edit`` (``create`` where there is none); None when nothing changes.

    Raises :class:`OutputError`, before anything is written, for a file that is not a list.
    """
    old = path.read_bytes() if path.is_file() else None
    if old is None:
        if create is None:
            return None
        new_text = create
    else:
        try:
            new_text = edit(_read_list(path, old))
        except ValueError as exc:
            raise _not_a_list(path, str(exc)) from exc
    _check_list(path, new_text)
    new = new_text.encode("utf-8")
    return None if new == old else _ListEdit(path, old, new)


def _apply(edit: _ListEdit | None, done: WpsInstall) -> None:
    """Write a planned list, after keeping its old content as ``<list>.kaohe-<time>.bak``."""
    if edit is None:
        return
    if edit.old is not None:
        backup = edit.path.with_name(f"{edit.path.name}.kaohe-{file_stamp()}.bak")
        n = 1
        while backup.exists():
            n += 1
            backup = edit.path.with_name(f"{edit.path.name}.kaohe-{file_stamp()}-{n}.bak")
        backup.write_bytes(edit.old)
        done.backups.append(backup)
    write_atomic(edit.path, edit.new, in_use_hint="请先退出 WPS")
    done.changed.append(edit.path)


def _read_list(path: Path, data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _not_a_list(path, "不是 UTF-8 文本") from exc
    _check_list(path, text)
    return text


def _check_list(path: Path, text: str) -> None:
    try:
        root = ET.fromstring(text.lstrip("\ufeff"))
    except ET.ParseError as exc:
        raise _not_a_list(path, f"XML 格式错误：{exc}") from exc
    if root.tag != ROOT:
        raise _not_a_list(path, f"根元素是 <{root.tag}>")


def _not_a_list(path: Path, why: str) -> OutputError:
    return OutputError(
        f"{path} 不是 WPS 加载项列表（应为 <{ROOT}>…</{ROOT}>；{why}）：未作任何修改。"
        f"请修复该文件，或把它改名后重新运行 kaohe addin install --wps"
    )
