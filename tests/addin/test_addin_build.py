"""The built kaohe_xl.xlam, checked structurally (no Excel here): parts, ribbon, VBA, config."""

from __future__ import annotations

import importlib.metadata
import os
import random
import re
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import olefile
import pytest
from click.testing import CliRunner
from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from kaohe_xl.addin import build as addin_build
from kaohe_xl.addin import ovba as _ovba
from kaohe_xl.addin.build import (
    CONF_SHEET,
    DISPATCH_LINE,
    DISPATCH_MACRO,
    NS_CUSTOMUI_2006,
    NS_CUSTOMUI_2009,
    ON_ACTION,
    REL_UI_2006,
    REL_UI_2007,
    RIBBON_MODULE,
    build_addin,
    find_template,
)
from kaohe_xl.addin.buttons import BUTTONS
from kaohe_xl.cli.commands import main
from kaohe_xl.errors import ToolMissingError
from kaohe_xl.xlsx.cfb import read_cfb, write_cfb

with warnings.catch_warnings():  # oletools calls a pyparsing API that now warns
    warnings.simplefilter("ignore")
    from oletools.olevba import VBA_Parser, decompress_stream

NS_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
XLWINGS_VERSION = importlib.metadata.version("xlwings")


@pytest.fixture(scope="module")
def xlam(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("addin") / "kaohe_xl.xlam"
    return build_addin(out, interpreter_win=r"C:\Python311\python.exe", pythonpath=r"C:\kaohe")


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def _macros(path: Path) -> dict[str, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parser = VBA_Parser(str(path))
        try:
            return {name: code for _, _, name, code in parser.extract_macros()}
        finally:
            parser.close()


def test_zip_parts_and_relationships(xlam: Path) -> None:
    parts = _parts(xlam)
    with zipfile.ZipFile(find_template()) as z:
        assert set(z.namelist()) <= set(parts)  # nothing of the template is lost
    rels = {r.get("Type"): r.get("Target") for r in ET.fromstring(parts["_rels/.rels"]).iter(f"{NS_RELS}Relationship")}
    assert rels[REL_UI_2006] == "customUI/customUI.xml"
    assert rels[REL_UI_2007] == "customUI/customUI14.xml"
    assert (
        rels["http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"] == "xl/workbook.xml"
    )
    assert all(target in parts for target in rels.values())
    wb_rels = ET.fromstring(parts["xl/_rels/workbook.xml.rels"])
    targets = {r.get("Target") for r in wb_rels.iter(f"{NS_RELS}Relationship")}
    assert "vbaProject.bin" in targets and all(f"xl/{t}" in parts for t in targets)
    types = parts["[Content_Types].xml"].decode()
    assert "application/vnd.ms-excel.addin.macroEnabled.main+xml" in types
    assert 'Extension="xml" ContentType="application/xml"' in types  # covers both customUI parts
    sheets = ET.fromstring(parts["xl/workbook.xml"]).iter(f"{NS_MAIN}sheet")
    assert [s.get("name") for s in sheets] == [CONF_SHEET]


@pytest.mark.parametrize(
    ("part", "namespace"), [("customUI/customUI14.xml", NS_CUSTOMUI_2009), ("customUI/customUI.xml", NS_CUSTOMUI_2006)]
)
def test_ribbon_matches_button_table(xlam: Path, part: str, namespace: str) -> None:
    root = ET.fromstring(_parts(xlam)[part])  # well-formed, or this raises
    assert root.tag == f"{{{namespace}}}customUI"
    (tab,) = root.iter(f"{{{namespace}}}tab")
    assert tab.get("label") == "考核"
    buttons = list(root.iter(f"{{{namespace}}}button"))
    ids = [b.get("id") for b in buttons]
    assert len(ids) == len(set(ids))
    assert ids == [b.id for b in BUTTONS]
    for element, button in zip(buttons, BUTTONS, strict=True):
        assert element.get("label") == button.label
        assert element.get("imageMso") == button.image
        assert element.get("onAction") == ON_ACTION
    groups = [(g.get("label"), [b.get("id") for b in g]) for g in tab]
    expected: dict[str, list[str]] = {}
    for button in BUTTONS:
        expected.setdefault(button.group, []).append(button.id)
    assert groups == list(expected.items())
    assert {b.label for b in BUTTONS} >= {"生成评分表", "汇总回收表", "打印汇总表", "回收情况", "打开考核文件夹"}


def test_vba_has_the_dispatch_macro_and_matching_xlwings(xlam: Path) -> None:
    macros = _macros(xlam)
    ribbon = macros[f"{RIBBON_MODULE}.bas"]
    assert f"Sub {DISPATCH_MACRO}(control As IRibbonControl)" in ribbon
    assert DISPATCH_LINE in ribbon
    assert f"{RIBBON_MODULE}.{DISPATCH_MACRO}" == ON_ACTION
    xlwings_vba = macros["xlwings.bas"]
    assert f"'Version: {XLWINGS_VERSION}" in xlwings_vba
    assert f'Public Const XLWINGS_VERSION As String = "{XLWINGS_VERSION}"' in xlwings_vba
    assert 'Public Const PROJECT_NAME As String = "kaohe_xl"' in xlwings_vba
    # The template's own source is kept byte for byte apart from the project name.
    template = _macros(find_template())["xlwings.bas"]
    assert xlwings_vba == template.replace('PROJECT_NAME As String = "myaddin"', 'PROJECT_NAME As String = "kaohe_xl"')


def test_vba_project_has_no_stale_pcode(xlam: Path) -> None:
    ole = olefile.OleFileIO(_parts(xlam)["xl/vbaProject.bin"], raise_defects=olefile.DEFECT_INCORRECT)
    assert ole.openstream("VBA/_VBA_PROJECT").read() == _ovba.NO_PCODE_VBA_PROJECT
    records = _ovba.parse_dir(bytes(decompress_stream(bytearray(ole.openstream("VBA/dir").read()))))
    offsets = {}
    name = ""
    for rid, payload in records:
        if rid == 0x0019:
            name = payload.decode("cp1252")
        elif rid == 0x0031:
            offsets[name] = int.from_bytes(payload, "little")
    assert offsets[RIBBON_MODULE] == 0 and offsets["xlwings"] == 0  # source only, no p-code


def test_config_sheet_points_at_interpreter_and_pythonpath(xlam: Path) -> None:
    sheet = ET.fromstring(_parts(xlam)["xl/worksheets/sheet1.xml"])
    rows = {}
    for row in sheet.iter(f"{NS_MAIN}row"):
        cells = list(row)
        value = (
            cells[1].findtext(f".//{NS_MAIN}t")
            if cells[1].get("t") == "inlineStr"
            else cells[1].findtext(f"{NS_MAIN}v")
        )
        rows[cells[0].findtext(f".//{NS_MAIN}t")] = value
    assert rows["Interpreter_Win"] == r"C:\Python311\python.exe"
    assert rows["PYTHONPATH"] == r"C:\kaohe"
    assert rows["ADD_WORKBOOK_TO_PYTHONPATH"] == "false"
    # built on Linux: no macOS interpreter, so the key is left out for xlwings' fallbacks
    assert "Interpreter_Mac" not in rows or sys.platform == "darwin"
    assert sheet.find(f"{NS_MAIN}sheetPr").get("codeName") == "Sheet2"  # tied to its VBA document module


def test_build_is_reproducible(xlam: Path, tmp_path: Path) -> None:
    again = build_addin(tmp_path, interpreter_win=r"C:\Python311\python.exe", pythonpath=r"C:\kaohe")
    assert again.name == "kaohe_xl.xlam"
    assert again.read_bytes() == xlam.read_bytes()


def test_compound_file_round_trip_reads_back_in_olefile() -> None:
    with zipfile.ZipFile(find_template()) as z:
        data = z.read("xl/vbaProject.bin")
    cf = read_cfb(data)
    cf.write("VBA/xlwings", cf.read("VBA/xlwings") + b"x" * 5000)  # grows past one sector chain
    cf.write("VBA/dir", b"tiny")  # shrinks into the mini stream
    ole = olefile.OleFileIO(write_cfb(cf), raise_defects=olefile.DEFECT_INCORRECT)
    original = olefile.OleFileIO(data)
    for path in original.listdir():
        expected = cf.read("/".join(path))
        assert ole.openstream(path).read() == expected


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=9000) | st.text(alphabet="Sub End Dim x=1\r\n\"'", max_size=12000).map(str.encode))
def test_compression_is_read_back_by_oletools(data: bytes) -> None:
    packed = _ovba.compress(data)
    ours, theirs = _ovba.decompress(packed), bytes(decompress_stream(bytearray(packed)))
    assert ours == theirs
    # [MS-OVBA] pads an incompressible last chunk with zeros; text never takes that path.
    assert ours[: len(data)] == data and not ours[len(data) :].strip(b"\0")


def test_compression_of_vba_text_is_exact() -> None:
    rng = random.Random(7)
    words = ["Dim", "As", "String", "RunPython", "End Sub", "If", "Then", "\r\n", "    ", "x", "=", '"']
    text = "".join(rng.choice(words) + " " for _ in range(8000)).encode()
    assert _ovba.decompress(_ovba.compress(text)) == text


def test_missing_template_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(addin_build.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ToolMissingError, match="xlwings"):
        build_addin(tmp_path)


def test_cli_build_install_uninstall(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["addin", "build", "-o", str(tmp_path / "out.xlam")])
    assert result.exit_code == 0, result.output
    assert zipfile.is_zipfile(tmp_path / "out.xlam")
    target = tmp_path / "XLSTART"
    result = runner.invoke(main, ["addin", "install", "--dir", str(target)])
    assert result.exit_code == 0, result.output
    assert (target / "kaohe_xl.xlam").is_file()
    result = runner.invoke(main, ["addin", "uninstall", "--dir", str(target)])
    assert result.exit_code == 0 and not (target / "kaohe_xl.xlam").exists()
    result = runner.invoke(main, ["addin", "uninstall", "--dir", str(target)])
    assert result.exit_code == 0 and "没有安装" in result.output


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux has no Excel to install into")
def test_install_on_linux_explains_what_to_do() -> None:
    result = CliRunner().invoke(main, ["addin", "install"])
    assert result.exit_code == 1
    assert "XLSTART" in result.output and "kaohe addin build" in result.output


@pytest.mark.libreoffice
def test_libreoffice_reads_the_patched_vba(xlam: Path, tmp_path: Path) -> None:
    """An independent MS-CFB/MS-OVBA reader: LibreOffice imports the modules into Basic.

    LibreOffice opens no .xlam, so the test relabels a copy as an .xlsm workbook; the
    vbaProject.bin is the built one, untouched.
    """
    copy = tmp_path / "kaohe_xl.xlsm"
    with zipfile.ZipFile(xlam) as zin, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"ms-excel.addin.macroEnabled.main", b"ms-excel.sheet.macroEnabled.main")
            zout.writestr(info, data)
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "ods",
            "--outdir",
            str(tmp_path),
            str(copy),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    with zipfile.ZipFile(tmp_path / "kaohe_xl.ods") as ods:
        modules = {n.rsplit("/", 1)[-1]: ods.read(n).decode() for n in ods.namelist() if n.startswith("Basic/")}
    ribbon = modules[f"{RIBBON_MODULE}.xml"]
    assert f"Sub {DISPATCH_MACRO}(control As IRibbonControl)" in ribbon
    assert "kaohe_xl.addin.on_action(&apos;&quot; &amp; control.Id &amp;" in ribbon
    assert re.search(rf"&apos;Version: {re.escape(XLWINGS_VERSION)}", modules["xlwings.xml"])


# ---- -o: a file or a folder -----------------------------------------------------------------
def test_cli_build_into_a_new_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``-o addin_new/``: a folder that does not exist yet, not a file named addin_new."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["addin", "build", "-o", "addin_new/"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "addin_new").is_dir() and zipfile.is_zipfile(tmp_path / "addin_new" / "kaohe_xl.xlam")
    assert f"已生成加载项 {Path('addin_new') / 'kaohe_xl.xlam'}" in result.output
    result = CliRunner().invoke(main, ["addin", "build", "-o", "addin_new"])  # now it exists: still a folder
    assert result.exit_code == 0 and sorted(p.name for p in (tmp_path / "addin_new").iterdir()) == ["kaohe_xl.xlam"]


def test_build_into_a_folder_named_with_a_trailing_separator(tmp_path: Path) -> None:
    path = build_addin(f"{tmp_path / 'a' / 'b'}{os.sep}")
    assert path == tmp_path / "a" / "b" / "kaohe_xl.xlam" and zipfile.is_zipfile(path)


@pytest.mark.parametrize("name", ["addin_new", "kaohe_xl.xlsm", "kaohe.zip"])
def test_cli_build_refuses_a_file_that_is_not_an_xlam(tmp_path: Path, name: str) -> None:
    result = CliRunner().invoke(main, ["addin", "build", "-o", str(tmp_path / name)])
    assert result.exit_code == 1 and "错误：" in result.output and ".xlam" in result.output, result.output
    assert list(tmp_path.iterdir()) == []


# ---- the WPS launchers, as docs/addin.md describes them -----------------------------------------
def test_addin_doc_says_what_the_launchers_run(tmp_path: Path, rubric_path: Path, units_path: Path) -> None:
    """They call the Python that wrote them by its full path; not ``python`` from PATH."""
    from kaohe_xl.addin.launchers import write_launchers
    from kaohe_xl.campaign import Campaign

    campaign = Campaign.init(tmp_path / "c", rubric_path, units_path)
    text = write_launchers(campaign.root)[0].read_bytes().decode("gbk")
    assert f'"{sys.executable}" -m kaohe_xl addin run kh_generate "%~dp0."' in text
    doc = (REPO / "docs" / "addin.md").read_text(encoding="utf-8")
    wps = doc[doc.index("## WPS") : doc.index("## How it is built")]
    assert "`python -m kaohe_xl addin run" not in wps  # what it used to claim
    assert '`"<python>" -m kaohe_xl addin run <id> "%~dp0."`' in wps
    assert "sys.executable" in wps and "kaohe addin launchers" in wps
