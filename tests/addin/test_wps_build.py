"""The WPS add-in folder: ribbon.xml against the CustomUI schema, main.js type-checked and
parsed as ES5, buttons.js from the one button table, the build itself and its CLI."""

from __future__ import annotations

import json
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from _wps_helpers import WPS_SOURCE, node_package
from click.testing import CliRunner
from conftest import REPO
from lxml import etree

from kaohe_xl.addin import build as excel_build
from kaohe_xl.addin.buttons import BUTTONS, TITLE
from kaohe_xl.addin.wps_build import (
    ADDIN_VERSION,
    BUTTONS_JS,
    RIBBON,
    STATIC_FILES,
    addin_files,
    build_wps_addin,
    folder_name,
    sync_folder,
)
from kaohe_xl.cli.commands import main
from kaohe_xl.errors import OutputError

XSD = Path(__file__).parent / "customui.xsd"
NS_2006 = excel_build.NS_CUSTOMUI_2006


def schema(namespace: str = NS_2006) -> etree.XMLSchema:
    """tests/addin/customui.xsd, for the 2006/01 namespace or (substituted) the 2009/07 one."""
    text = XSD.read_text(encoding="utf-8").replace(NS_2006, namespace)
    return etree.XMLSchema(etree.fromstring(text.encode("utf-8")))


def validate(xml: bytes, namespace: str = NS_2006) -> list[str]:
    checker = schema(namespace)
    checker.validate(etree.fromstring(xml))
    return [e.message for e in checker.error_log]


@pytest.fixture(scope="module")
def addin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wps_addin(
        tmp_path_factory.mktemp("wps") / "加载 项" / folder_name(), python="/opt/python 3/bin/python3"
    )


# ---- ribbon.xml --------------------------------------------------------------------------
def test_ribbon_validates_against_the_customui_schema(addin: Path) -> None:
    assert validate((addin / RIBBON).read_bytes()) == []


@pytest.mark.parametrize(("part", "namespace"), list(excel_build.RIBBON_PARTS.items()))
def test_the_excel_ribbon_validates_against_the_same_schema(part: str, namespace: tuple[str, str]) -> None:
    assert validate(excel_build.ribbon_xml(namespace[0]).encode("utf-8"), namespace[0]) == []


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (('size="large"', 'size="huge"'), "size"),
        (('label="生成评分表"', 'label=""'), "label"),
        (('id="kh_status"', 'id="kh status"'), "id"),
        (('id="kh_status"', 'id="kh_collect"'), "unique"),
        (('onAction="OnAction"', 'onClick="OnAction"'), "onClick"),
        (("</group>", "</group><separator/>"), "separator"),
        (('supertip="', 'supertip="' + "很长" * 600), "supertip"),
    ],
)
def test_the_schema_check_catches_a_bad_ribbon(addin: Path, change: tuple[str, str], complaint: str) -> None:
    text = (addin / RIBBON).read_text(encoding="utf-8")
    assert change[0] in text
    errors = validate(text.replace(change[0], change[1], 1).encode("utf-8"))
    assert errors and complaint in " ".join(errors), errors


def test_ribbon_has_the_tab_groups_and_buttons_of_the_table(addin: Path) -> None:
    root = etree.parse(str(addin / RIBBON)).getroot()
    ns = {"c": NS_2006}
    assert root.get("onLoad") == "OnAddinLoad"
    (tab,) = root.findall(".//c:tab", ns)
    assert tab.get("label") == TITLE == "考核"
    buttons = root.findall(".//c:button", ns)
    assert [(b.get("id"), b.get("label"), b.get("imageMso"), b.get("onAction")) for b in buttons] == [
        (b.id, b.label, b.image, "OnAction") for b in BUTTONS
    ]
    groups = [(g.get("label"), [b.get("id") for b in g]) for g in tab]
    expected: dict[str, list[str]] = {}
    for button in BUTTONS:
        expected.setdefault(button.group, []).append(button.id)
    assert groups == list(expected.items())


# ---- buttons.js and main.js --------------------------------------------------------------
def _kaohe_table(addin: Path) -> dict[str, object]:
    text = (addin / BUTTONS_JS).read_text(encoding="utf-8")
    body = re.search(r"^var KAOHE = (\{.*\});$", text, re.S | re.M)
    assert body, text
    table: dict[str, object] = json.loads(body.group(1))
    return table


def test_buttons_js_is_the_button_table(addin: Path) -> None:
    table = _kaohe_table(addin)
    assert table["buttons"] == [{"id": b.id, "label": b.label, "group": b.group, "help": b.help} for b in BUTTONS]
    assert table["folder"] == f"kaohe_xl_{ADDIN_VERSION}" == addin.name
    assert table["title"] == TITLE


def test_main_js_is_shipped_as_it_is(addin: Path) -> None:
    for name in STATIC_FILES:
        assert (addin / name).read_bytes() == (WPS_SOURCE / name).read_bytes()
    html = (addin / "index.html").read_text(encoding="utf-8")
    assert html.index('src="buttons.js"') < html.index('src="main.js"')


def _tsc(folder: Path, files: list[Path]) -> subprocess.CompletedProcess[str]:
    typescript = node_package("typescript")
    typings = node_package("wps-jsapi")
    config = {
        "compilerOptions": {
            "allowJs": True,
            "checkJs": True,
            "noEmit": True,
            "strict": True,
            "target": "ES5",
            "lib": ["ES5", "DOM"],
            "types": [],
            "skipLibCheck": True,  # the typings' own sloppiness is not ours to fix
        },
        "files": [str(f) for f in [*files, WPS_SOURCE / "globals.d.ts", typings / "index.d.ts"]],
    }
    (folder / "tsconfig.json").write_text(json.dumps(config), encoding="utf-8")
    node = shutil.which("node")
    assert node
    tsc = typescript / "bin" / "tsc"
    return subprocess.run(
        [node, str(tsc), "-p", str(folder / "tsconfig.json")], capture_output=True, text=True, timeout=300
    )


@pytest.mark.node
def test_main_js_type_checks_against_the_wps_jsapi_typings(addin: Path, tmp_path: Path) -> None:
    done = _tsc(tmp_path, [addin / BUTTONS_JS, addin / "main.js"])
    assert done.returncode == 0, done.stdout + done.stderr
    # the check can fail: a misspelt message key, a wps API that does not exist
    broken = tmp_path / "broken"
    broken.mkdir()
    shutil.copy(addin / BUTTONS_JS, broken / BUTTONS_JS)
    text = (addin / "main.js").read_text(encoding="utf-8")
    for right, wrong in [
        ("KAOHE.messages.noPython", "KAOHE.messages.noPyton"),  # buttons.js has no such message
        ("wps.FileSystem.Remove(path)", "wps.FileSystem.Delete(path)"),  # the wps namespace
        ("book.Save()", "book.Sav()"),  # the 表格 object model (Et.EtWorkbook)
    ]:
        assert right in text
        text = text.replace(right, wrong)
    (broken / "main.js").write_text(text, encoding="utf-8")
    done = _tsc(broken, [broken / BUTTONS_JS, broken / "main.js"])
    assert done.returncode != 0
    assert "noPyton" in done.stdout and "Delete" in done.stdout and "Sav" in done.stdout


@pytest.mark.node
def test_main_js_is_es5_for_old_wps(addin: Path, tmp_path: Path) -> None:
    """Older WPS builds embed an old Chromium: no let/const, arrows, template strings."""
    acorn = node_package("acorn")
    script = (
        f"const acorn = require({json.dumps(str(acorn))});"
        "const fs = require('fs');"
        "for (const f of process.argv.slice(1)) {"
        "  try { acorn.parse(fs.readFileSync(f, 'utf8'), {ecmaVersion: 5}); console.log('ok ' + f); }"
        "  catch (e) { console.log('not ES5 ' + f + ': ' + e.message); }"
        "}"
    )
    es6 = tmp_path / "es6.js"
    es6.write_text("const f = (a) => `${a}`;\n", encoding="utf-8")
    files = [addin / "main.js", addin / BUTTONS_JS, es6]
    node = shutil.which("node")
    assert node
    done = subprocess.run([node, "-e", script, *map(str, files)], capture_output=True, text=True, timeout=120)
    assert done.stdout.splitlines()[:2] == [f"ok {files[0]}", f"ok {files[1]}"]
    assert done.stdout.splitlines()[2].startswith(f"not ES5 {es6}")


# ---- the launchers in the add-in folder ---------------------------------------------------
def test_add_in_launchers_run_the_python_that_built_them(addin: Path) -> None:
    sh = (addin / "kaohe_run.sh").read_text(encoding="utf-8")
    assert sh.startswith("#!/bin/sh\n") and "py='/opt/python 3/bin/python3'" in sh
    assert '"$py" -m kaohe_xl addin run "$1" "$2" --result "$3"' in sh
    assert stat.S_IMODE((addin / "kaohe_run.sh").stat().st_mode) == 0o755
    cmd = (addin / "kaohe_run.cmd").read_bytes().decode("gbk")
    assert '"/opt/python 3/bin/python3" -m kaohe_xl addin run %1 %2 --result %3 2>"%~3.log"' in cmd
    assert "\r\n" in cmd and '>"%~3.done" echo {"exit_code": %code%}' in cmd


# ---- building ----------------------------------------------------------------------------
def test_build_is_reproducible_and_a_rebuild_changes_nothing(addin: Path, tmp_path: Path) -> None:
    again = build_wps_addin(tmp_path / "again", python="/opt/python 3/bin/python3")
    assert {p.name: p.read_bytes() for p in again.iterdir()} == {p.name: p.read_bytes() for p in addin.iterdir()}
    assert sync_folder(again, addin_files("/opt/python 3/bin/python3")) == []
    (again / "old_version_file.js").write_text("x", encoding="utf-8")
    (again / "main.js").write_text("changed", encoding="utf-8")
    changed = sync_folder(again, addin_files("/opt/python 3/bin/python3"))
    assert sorted(p.name for p in changed) == ["main.js", "old_version_file.js"]
    assert not (again / "old_version_file.js").exists()


def test_build_refuses_a_folder_that_is_not_an_add_in(tmp_path: Path) -> None:
    (tmp_path / "文件").mkdir()
    (tmp_path / "文件" / "名单.xlsx").write_bytes(b"x")
    with pytest.raises(OutputError, match="不是空文件夹"):
        build_wps_addin(tmp_path / "文件")
    assert sorted(p.name for p in (tmp_path / "文件").iterdir()) == ["名单.xlsx"]
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="是一个文件"):
        build_wps_addin(tmp_path / "a.txt")


def test_cli_build_wps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["addin", "build", "--wps"])
    assert result.exit_code == 0, result.output
    assert f"已生成 WPS 加载项 {tmp_path / folder_name()}" in result.output
    assert sorted(p.name for p in (tmp_path / folder_name()).iterdir()) == sorted(
        [RIBBON, BUTTONS_JS, "kaohe_run.cmd", "kaohe_run.sh", *STATIC_FILES]
    )
    assert f"py='{sys.executable}'" in (tmp_path / folder_name() / "kaohe_run.sh").read_text(encoding="utf-8")
    result = CliRunner().invoke(main, ["addin", "build", "--wps", "-o", "out", "--python", "/usr/bin/python3"])
    assert result.exit_code == 0 and "py='/usr/bin/python3'" in (tmp_path / "out" / "kaohe_run.sh").read_text()


def test_the_package_carries_the_add_in(tmp_path: Path) -> None:
    """setup.cfg ships main.js and index.html (and not node_modules or the typings):
    setuptools' build_py copies what a wheel would hold."""
    done = subprocess.run(
        [sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py", "-d", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    shipped = {p.relative_to(tmp_path).as_posix() for p in (tmp_path / "kaohe_xl" / "addin").rglob("*") if p.is_file()}
    assert {f"kaohe_xl/addin/wps_addin/{n}" for n in STATIC_FILES} <= shipped
    assert not [n for n in shipped if "node_modules" in n or n.endswith((".d.ts", ".json"))]
    assert "wps_addin" not in done.stderr  # listed as a package: no "installing as data is deprecated"
