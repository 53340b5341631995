"""LibreOffice headless: recalculate workbooks and export them to PDF.

::

    from kaohe_xl.xlsx.libreoffice import recalculate, to_pdf
    recalculate("filled.xlsx", "recalculated.xlsx")   # formulas now carry cached results
    pdf = to_pdf("汇总表.xlsx", "output/")              # -> output/汇总表.pdf

Every run starts ``soffice`` with its own throw-away profile directory
(``-env:UserInstallation``), so parallel runs never collide and a user's own
LibreOffice settings never interfere. The profile sets ``OOXMLRecalcMode`` to
*always*: LibreOffice otherwise keeps the stale cached results stored in an xlsx
(openpyxl stores none, other programs may store old ones).

:class:`~kaohe_xl.errors.ToolMissingError` is raised when LibreOffice is not
installed, :class:`~kaohe_xl.errors.OutputError` when a conversion fails or times out.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from kaohe_xl.errors import OutputError, ToolMissingError

DEFAULT_TIMEOUT = 180.0  # seconds; the first start of a fresh profile takes a few seconds
SOFFICE_ENV = "KAOHE_SOFFICE"  # path to soffice when it is not on PATH

_CANDIDATES = (
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
)

# Fonts the workbooks name that a Linux LibreOffice often lacks, and the installed font
# drawn instead (when it is installed). Calibri is the workbooks' default font: its digit
# width is the unit of every column width, and without Calibri (or its metric twin
# Carlito) LibreOffice measures columns with DejaVu Sans, a third wider than Excel does.
# 宋体 is a Song (serif) face, as Chinese offices print.
FONT_SUBSTITUTES = {
    "Calibri": "Noto Sans CJK SC",
    "宋体": "Noto Serif CJK SC",
    "SimSun": "Noto Serif CJK SC",
    "等线": "Noto Sans CJK SC",
    "黑体": "Noto Sans CJK SC",
    "SimHei": "Noto Sans CJK SC",
}
_PAIR = (
    '<node oor:name="kh{n}" oor:op="replace">'
    '<prop oor:name="Always" oor:op="fuse"><value>true</value></prop>'
    '<prop oor:name="OnScreenOnly" oor:op="fuse"><value>false</value></prop>'
    '<prop oor:name="ReplaceFont" oor:op="fuse"><value>{font}</value></prop>'
    '<prop oor:name="SubstituteFont" oor:op="fuse"><value>{substitute}</value></prop></node>'
)
# OOXMLRecalcMode / ODFRecalcMode: 0 = always recalculate on load, 1 = never, 2 = ask.
_REGISTRY = (
    """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Font/Substitution"><prop oor:name="Replacement" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Font/Substitution">"""
    + "".join(
        _PAIR.format(n=n, font=font, substitute=substitute)
        for n, (font, substitute) in enumerate(FONT_SUBSTITUTES.items())
    ).join(('<node oor:name="FontPairs">', "</node>"))
    + """</item>
</oor:items>
"""
)
# The paragraph properties of Calc's default cell style that turn on the Chinese
# line-breaking rule: no line starts with closing punctuation (，。；）…) or ends with an
# opening one. OOXML has no such cell attribute and LibreOffice's default is off.
_STRICT_LINES = '<style:paragraph-properties style:line-break="strict" style:punctuation-wrap="hanging"/>'
_DEFAULT_CELL_STYLE = '<style:style style:name="Default" style:family="table-cell">'


def find_soffice() -> Path | None:
    """The LibreOffice executable: ``$KAOHE_SOFFICE``, then PATH, then the usual install places."""
    configured = os.environ.get(SOFFICE_ENV)
    if configured and Path(configured).is_file():
        return Path(configured)
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return Path(found)
    for candidate in _CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    return None


def require_soffice() -> Path:
    """Like :func:`find_soffice`, but raises :class:`ToolMissingError` with a fix."""
    found = find_soffice()
    if found is None:
        raise ToolMissingError(
            "找不到 LibreOffice（soffice）：请安装 LibreOffice（Debian/Ubuntu: apt-get install libreoffice-calc），"
            f"或用环境变量 {SOFFICE_ENV} 指明 soffice 的路径"
        )
    return found


def recalculate(xlsx_in: str | Path, xlsx_out: str | Path, *, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Open ``xlsx_in`` in LibreOffice, recalculate every formula, save as ``xlsx_out``.

    The result carries cached formula results, so ``openpyxl.load_workbook(...,
    data_only=True)`` and calamine read the totals. ``xlsx_in`` is not changed.
    """
    source, target = Path(xlsx_in), Path(xlsx_out)
    with tempfile.TemporaryDirectory(prefix="kaohe-recalc-") as work:
        produced = _convert(source, "xlsx:Calc MS Excel 2007 XML", Path(work), timeout)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(produced), target)
    return target


def to_pdf(xlsx: str | Path, pdf: str | Path, *, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Export every visible sheet of ``xlsx`` to PDF, with the sheets' own print settings.

    ``pdf`` is either the PDF file to write or a folder (the PDF is then named after the
    workbook). Formulas are recalculated first. Returns the PDF path.
    """
    source, target = Path(xlsx), Path(pdf)
    if target.suffix.lower() != ".pdf":
        target = target / (source.stem + ".pdf")
    with tempfile.TemporaryDirectory(prefix="kaohe-pdf-") as work:
        # via ODF: there the default cell style can carry the Chinese line-breaking rule
        profile = Path(work) / "profile"
        ods = _strict_lines(_convert(source, "ods", Path(work) / "ods", timeout, profile))
        produced = _convert(ods, "pdf:calc_pdf_Export", Path(work) / "pdf", timeout, profile)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(produced), target)
    return target


def _strict_lines(ods: Path) -> Path:
    """``ods`` with the Chinese line-breaking rule on its default cell style (rewritten in place)."""
    with zipfile.ZipFile(ods) as archive:
        parts = [(info, archive.read(info)) for info in archive.infolist()]
    staged = ods.with_name("strict.ods")
    with zipfile.ZipFile(staged, "w") as out:
        for info, data in parts:
            if info.filename == "styles.xml":
                data = (
                    data.decode("utf-8").replace(_DEFAULT_CELL_STYLE, _DEFAULT_CELL_STYLE + _STRICT_LINES, 1).encode()
                )
            # ODF: the mimetype member comes first and is stored, not compressed
            method = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            out.writestr(info, data, compress_type=method)
    return staged


def _convert(source: Path, convert_to: str, work: Path, timeout: float, profile: Path | None = None) -> Path:
    """Run one ``soffice --convert-to`` in ``work`` (own profile unless given, own output folder)."""
    soffice = require_soffice()
    if not source.is_file():
        raise OutputError(f"找不到要转换的文件 {source}")
    profile = profile or work / "profile"
    if not (profile / "user").is_dir():
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_REGISTRY, encoding="utf-8")
    outdir = work / "out"
    outdir.mkdir(parents=True)
    # Copy to an ASCII name: soffice on some systems mangles non-ASCII command-line paths.
    staged = work / ("input" + source.suffix.lower())
    shutil.copyfile(source, staged)
    command = [
        str(soffice),
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        convert_to,
        "--outdir",
        str(outdir),
        str(staged),
    ]
    extension = convert_to.split(":")[0]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=(sys.platform != "win32"),  # own process group: a timeout kills all of it
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        _kill(process)
        raise OutputError(f"LibreOffice 转换 {source.name} 超过 {timeout:.0f} 秒未完成，已终止") from exc
    produced = outdir / f"input.{extension}"
    if process.returncode != 0 or not produced.exists():
        detail = (err or out).decode("utf-8", "replace").strip().splitlines()
        reason = detail[-1] if detail else f"退出码 {process.returncode}"
        raise OutputError(f"LibreOffice 无法把 {source.name} 转换为 {extension}：{reason}")
    return produced


def _kill(process: subprocess.Popen[bytes]) -> None:
    if sys.platform != "win32":
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    else:  # pragma: no cover - Windows
        process.kill()
    process.communicate()
