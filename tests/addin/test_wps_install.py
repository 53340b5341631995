"""kaohe addin install/uninstall --wps against a jsaddons folder that already holds another add-in."""

from __future__ import annotations

import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner

from kaohe_xl.addin import wps_install
from kaohe_xl.addin.wps_build import ADDIN_VERSION, addin_files, folder_name
from kaohe_xl.addin.wps_install import (
    JSPLUGINS,
    PUBLISH,
    add_entry,
    entries,
    install_wps_addin,
    remove_entry,
    uninstall_wps_addin,
)
from kaohe_xl.cli.commands import main
from kaohe_xl.errors import OutputError

# Lists as WPS and another vendor's installer leave them: CRLF, a BOM, tabs, an online add-in.
OTHER_PUBLISH = (
    '\ufeff<?xml version="1.0" encoding="UTF-8"?>\r\n'
    "<jsplugins>\r\n"
    '\t<jsplugin name="oa_assist" type="wps" url="oa_assist_2.1.0" version="2.1.0" enable="enable_dev" install="null"/>\r\n'
    '\t<jspluginonline name="签章" type="et" url="http://10.0.0.8/addin/" enable="enable"/>\r\n'
    "</jsplugins>\r\n"
).encode()
OTHER_JSPLUGINS = (
    b'<jsplugins><jsplugin name="oa_assist" type="wps" url="http://10.0.0.8/oa.7z" version="2.1.0"/></jsplugins>'
)


@pytest.fixture
def jsaddons(tmp_path: Path) -> Path:
    root = tmp_path / "Kingsoft 金山" / "wps" / "jsaddons"
    (root / "oa_assist_2.1.0").mkdir(parents=True)
    (root / "oa_assist_2.1.0" / "main.js").write_bytes(b"// another add-in\n")
    (root / PUBLISH).write_bytes(OTHER_PUBLISH)
    (root / JSPLUGINS).write_bytes(OTHER_JSPLUGINS)
    return root


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``root``: its bytes and modification time."""
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


def ours(path: Path) -> list[dict[str, str]]:
    root = ET.fromstring(path.read_text(encoding="utf-8").lstrip("\ufeff"))
    return [e.attrib for e in root if e.get("name") == "kaohe_xl"]


def test_install_adds_our_entry_and_leaves_the_other_add_in_byte_for_byte(jsaddons: Path) -> None:
    done = install_wps_addin(jsaddons, python=sys.executable)
    folder = jsaddons / folder_name()
    assert done.folder == folder and folder.is_dir()
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == addin_files(sys.executable)
    publish = (jsaddons / PUBLISH).read_bytes()
    # exactly one line added, before </jsplugins>, in the file's own indentation and line ends
    element = entries(folder)[PUBLISH]
    assert publish == OTHER_PUBLISH.replace(b"</jsplugins>", f"\t{element}\r\n</jsplugins>".encode())
    assert ours(jsaddons / PUBLISH) == [
        {
            "name": "kaohe_xl",
            "type": "et",
            "url": folder_name(),
            "version": ADDIN_VERSION,
            "enable": "enable_dev",
            "install": "null",
            "customDomain": "",
        }
    ]
    jsplugins = (jsaddons / JSPLUGINS).read_bytes()
    assert jsplugins == OTHER_JSPLUGINS.replace(b"</jsplugins>", entries(folder)[JSPLUGINS].encode() + b"</jsplugins>")
    (entry,) = ours(jsaddons / JSPLUGINS)
    assert entry["url"] == folder.resolve().as_uri() + "/" and "%E9%87%91" in entry["url"]  # 金 in a file URL
    assert (jsaddons / "oa_assist_2.1.0" / "main.js").read_bytes() == b"// another add-in\n"
    # backups of what it changed, byte for byte
    assert sorted(p.name.split(".kaohe-")[0] for p in done.backups) == [JSPLUGINS, PUBLISH]
    assert {p.read_bytes() for p in done.backups} == {OTHER_PUBLISH, OTHER_JSPLUGINS}


def test_installing_twice_changes_nothing(jsaddons: Path) -> None:
    install_wps_addin(jsaddons, python=sys.executable)
    before = snapshot(jsaddons)
    again = install_wps_addin(jsaddons, python=sys.executable)
    assert again.changed == [] and again.backups == []
    assert snapshot(jsaddons) == before  # same bytes, same times, no new backup


def test_uninstall_gives_back_the_lists_byte_for_byte(jsaddons: Path) -> None:
    install_wps_addin(jsaddons, python=sys.executable)
    done = uninstall_wps_addin(jsaddons)
    assert (jsaddons / PUBLISH).read_bytes() == OTHER_PUBLISH
    assert (jsaddons / JSPLUGINS).read_bytes() == OTHER_JSPLUGINS
    assert not (jsaddons / folder_name()).exists()
    assert (jsaddons / "oa_assist_2.1.0" / "main.js").is_file()
    assert len(done.backups) == 2
    again = uninstall_wps_addin(jsaddons)
    assert again.changed == [] and again.backups == []


def test_install_creates_the_folder_and_lists_when_wps_never_made_them(tmp_path: Path) -> None:
    root = tmp_path / "jsaddons"
    done = install_wps_addin(root, python=sys.executable)
    assert done.backups == []
    for name in (PUBLISH, JSPLUGINS):
        text = (root / name).read_text(encoding="utf-8")
        assert (
            text
            == f'<?xml version="1.0" encoding="UTF-8"?>\n<jsplugins>\n  {entries(done.folder)[name]}\n</jsplugins>\n'
        )
        assert len(ours(root / name)) == 1


def test_an_older_version_is_replaced(jsaddons: Path) -> None:
    old = jsaddons / "kaohe_xl_0.0.1"
    old.mkdir()
    (old / "main.js").write_text("old", encoding="utf-8")
    (jsaddons / PUBLISH).write_bytes(
        OTHER_PUBLISH.replace(
            b"</jsplugins>",
            b'\t<jsplugin name="kaohe_xl" type="et" url="kaohe_xl_0.0.1" version="0.0.1"/>\r\n</jsplugins>',
        )
    )
    install_wps_addin(jsaddons, python=sys.executable)
    assert not old.exists()
    assert [e["version"] for e in ours(jsaddons / PUBLISH)] == [ADDIN_VERSION]
    uninstall_wps_addin(jsaddons)
    assert (jsaddons / PUBLISH).read_bytes() == OTHER_PUBLISH


@pytest.mark.parametrize(
    "text",
    [
        "<jsplugins/>",
        "<jsplugins></jsplugins>",
        '<jsplugins>\n    <jsplugin name="a" url="b"/>\n</jsplugins>\n',
        '<jsplugins><jsplugin name="a" url="b"/></jsplugins>',
    ],
)
def test_entry_edits_are_idempotent_and_undone_exactly(text: str) -> None:
    element = '<jsplugin name="kaohe_xl" type="et" url="x" version="1"/>'
    added = add_entry(text, element)
    assert add_entry(added, element) == added
    assert ET.fromstring(added).findall("jsplugin")[-1].get("name") == "kaohe_xl"
    if text != "<jsplugins/>":  # an empty <jsplugins/> comes back as <jsplugins>\n</jsplugins>
        assert remove_entry(added) == text


@pytest.mark.parametrize("content", [b"<jsplugins><jsplugin name='a'></jsplugins>", b"<addins/>", b"\xff\xfe<"])
def test_a_list_that_is_not_a_jsplugins_list_is_refused_untouched(jsaddons: Path, content: bytes) -> None:
    (jsaddons / PUBLISH).write_bytes(content)
    before = snapshot(jsaddons)
    with pytest.raises(OutputError, match="不是 WPS 加载项列表"):
        install_wps_addin(jsaddons, python=sys.executable)
    assert snapshot(jsaddons) == before  # not even the add-in folder was copied


def test_jsaddons_folder_of_each_system(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(wps_install.sys, "platform", "linux")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert wps_install.jsaddons_dir() == tmp_path / ".local" / "share" / "Kingsoft" / "wps" / "jsaddons"
    monkeypatch.setattr(wps_install.sys, "platform", "win32")
    monkeypatch.setenv("APPDATA", r"C:\Users\王\AppData\Roaming")
    assert wps_install.jsaddons_dir() == Path(r"C:\Users\王\AppData\Roaming") / "kingsoft" / "wps" / "jsaddons"


def test_cli_install_and_uninstall(jsaddons: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["addin", "install", "--wps", "--dir", str(jsaddons)])
    assert result.exit_code == 0, result.output
    assert f"已安装 WPS 加载项：{jsaddons / folder_name()}" in result.output and "原文件已备份为" in result.output
    result = runner.invoke(main, ["addin", "install", "--wps", "--dir", str(jsaddons)])
    assert result.exit_code == 0 and "已是最新" in result.output
    result = runner.invoke(main, ["addin", "uninstall", "--wps", "--dir", str(jsaddons)])
    assert result.exit_code == 0 and "已删除 WPS 加载项" in result.output
    assert (jsaddons / PUBLISH).read_bytes() == OTHER_PUBLISH
    (jsaddons / PUBLISH).write_bytes(b"<jsplugins><oops></jsplugins>")
    result = runner.invoke(main, ["addin", "install", "--wps", "--dir", str(jsaddons)])
    assert result.exit_code == 1 and "不是 WPS 加载项列表" in result.output
