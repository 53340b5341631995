"""The WPS add-in's main.js, run by Node against a recording stand-in of WPS (tests/addin/wps_standin.js).

The stand-in is the only thing not real here: there is no WPS on this machine. The
add-in is the built one (buttons.js from the button table + the shipped main.js), the
campaign folders, the launchers and Python are real.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from _wps_helpers import LINUX_AGENT, NOW, WINDOWS_AGENT, alerts, calls, run_standin

from kaohe_xl.addin.buttons import BUTTONS, BUTTONS_BY_ID, TITLE
from kaohe_xl.addin.control import CONTROL_FILE, NAME_RECEIVED, NAME_STATUS
from kaohe_xl.addin.handlers import NOT_IN_CAMPAIGN
from kaohe_xl.addin.wps_build import build_wps_addin, folder_name, messages
from kaohe_xl.campaign import CONFIG_NAME, Campaign
from kaohe_xl.forms.fill import fill_self_form
from kaohe_xl.output.summary import SUMMARY_NAME, SUMMARY_SHEET
from kaohe_xl.rubric.model import FormKind

pytestmark = pytest.mark.node

# A path with spaces and Chinese characters, as offices name their folders.
CAMPAIGN_DIR = Path("考核 工作") / "2023 新庄镇 综合考核"
SELF_SCORES = {"1": 3, "2": 2, "3": 3.5, "4": 1, "5": 0, "6": "否"}
MESSAGES = messages()


@pytest.fixture(scope="module")
def addin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The add-in as `kaohe addin install --wps` leaves it, in a folder named with spaces and Chinese."""
    return build_wps_addin(tmp_path_factory.mktemp("wps") / "WPS 加载项" / folder_name(), python=sys.executable)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A campaign folder as main.js sees it: campaign.yaml is what makes it one."""
    root = tmp_path / CAMPAIGN_DIR
    (root / "forms" / "自评表").mkdir(parents=True)
    (root / CONFIG_NAME).write_text("name: 测试\n", encoding="utf-8")
    return root


def linux(addin: Path, temp: Path, active: Path | str | None, **more: Any) -> dict[str, Any]:
    temp.mkdir(parents=True, exist_ok=True)
    books = [{"fullName": str(active), "names": [NAME_STATUS]}] if active else []
    return {
        "addin": str(addin),
        "location": (addin / "index.html").as_uri(),
        **LINUX_AGENT,
        "temp": str(temp),
        "home": "/home/王",
        "files": None,
        "workbooks": books,
        "noWorkbook": active is None,
        **more,
    }


def expected_params(button: str, campaign: Path | str, temp: Path | str, sep: str = "/") -> str:
    return f'"{button}" "{campaign}" "{temp}{sep}kaohe_wps_{button}_{NOW}.json"'


def heading(button: str) -> str:
    return f"{TITLE} · {BUTTONS_BY_ID[button].label}\n\n"


# ---- the command each button starts ------------------------------------------------------
def test_every_button_starts_its_command_for_the_campaign_of_the_control_workbook(
    addin: Path, folder: Path, tmp_path: Path
) -> None:
    temp = tmp_path / "临时 文件"
    scenario = linux(addin, temp, folder / CONTROL_FILE, presses=[b.id for b in BUTTONS], timeoutMinutes=0.01)
    record = run_standin(scenario, tmp_path)
    started = calls(record, "ShellExecute")
    assert [(c["file"], c["params"]) for c in started] == [
        (f"{addin}/kaohe_run.sh", expected_params(b.id, folder, temp)) for b in BUTTONS
    ]
    # the stand-in's ShellExecute ran nothing: every press ends with the timeout message
    assert alerts(record) == [
        heading(b.id)
        + MESSAGES["timeout"].replace("{minutes}", "0.01").replace("{path}", f"{temp}/kaohe_wps_{b.id}_{NOW}.json")
        for b in BUTTONS
    ]


def test_a_workbook_deep_inside_the_campaign_finds_it(addin: Path, folder: Path, tmp_path: Path) -> None:
    form = folder / "forms" / "自评表" / "自评表_01_一 支部.xlsx"
    record = run_standin(linux(addin, tmp_path / "t", form, presses=["kh_status"], timeoutMinutes=0.01), tmp_path)
    (started,) = calls(record, "ShellExecute")
    assert started["params"] == expected_params("kh_status", folder, tmp_path / "t")


def test_windows_paths_and_the_cmd_launcher(addin: Path, tmp_path: Path) -> None:
    """WPS on Windows: backslash paths, the .cmd launcher; a drive root keeps its backslash."""
    jsaddons = r"C:\Users\王\AppData\Roaming\kingsoft\wps\jsaddons" + "\\" + folder_name()
    launcher = jsaddons + r"\kaohe_run.cmd"
    campaign = r"D:\考核 工作\2023 新庄镇"
    temp = "C:\\Users\\王\\AppData\\Local\\Temp\\"
    scenario = {
        "addin": str(addin),
        "location": "file:///" + jsaddons.replace("\\", "/").replace("王", "%E7%8E%8B") + "/index.html",
        **WINDOWS_AGENT,
        "temp": temp,
        "files": {launcher: "", campaign + "\\" + CONFIG_NAME: "", "E:\\" + CONFIG_NAME: ""},
        "workbooks": [{"fullName": campaign + r"\forms\自评表\01.xlsx"}, {"fullName": r"E:\控制台.xlsx"}],
        "presses": ["kh_collect"],
        "timeoutMinutes": 0.01,
    }
    record = run_standin(scenario, tmp_path)
    (started,) = calls(record, "ShellExecute")
    assert started == {
        "call": "ShellExecute",
        "file": launcher,
        "params": f'"kh_collect" "{campaign}" "{temp}kaohe_wps_kh_collect_{NOW}.json"',
    }
    # a campaign at a drive root: "E:\" ends with a backslash, doubled before the closing quote
    scenario["workbooks"] = scenario["workbooks"][::-1]
    (started,) = calls(run_standin(scenario, tmp_path / "root"), "ShellExecute")
    assert started["params"] == f'"kh_collect" "E:\\\\" "{temp}kaohe_wps_kh_collect_{NOW}.json"'


def test_the_summary_is_closed_before_the_buttons_that_rewrite_it(addin: Path, folder: Path, tmp_path: Path) -> None:
    summary = folder / "output" / SUMMARY_NAME
    scenario = linux(addin, tmp_path / "t", folder / CONTROL_FILE, timeoutMinutes=0.01)
    scenario["workbooks"].append({"fullName": str(summary)})
    for button, closes in [("kh_status", False), ("kh_collect", True), ("kh_print", True)]:
        record = run_standin({**scenario, "presses": [button]}, tmp_path / button)
        order = [c["call"] for c in record["calls"] if c["call"] in ("Close", "ShellExecute")]
        assert order == (["Close", "ShellExecute"] if closes else ["ShellExecute"]), button
        if closes:
            assert calls(record, "Close") == [{"call": "Close", "book": str(summary), "saveChanges": False}]


# ---- what it shows when it cannot run ----------------------------------------------------
@pytest.mark.parametrize(
    ("active", "name"),
    [
        ("{tmp}/别的 文件夹/名单.xlsx", "名单.xlsx"),  # a workbook outside any campaign
        ("工作簿1", "工作簿1"),  # a new workbook, never saved
        ("https://www.kdocs.cn/l/abc/汇总.xlsx", "汇总.xlsx"),  # a web copy
    ],
)
def test_a_workbook_outside_a_campaign_gets_the_message_and_nothing_runs(
    addin: Path, tmp_path: Path, active: str, name: str
) -> None:
    (tmp_path / "别的 文件夹").mkdir()
    scenario = linux(addin, tmp_path / "t", active.format(tmp=tmp_path), presses=["kh_collect"])
    record = run_standin(scenario, tmp_path)
    assert calls(record, "ShellExecute") == []
    assert alerts(record) == [heading("kh_collect") + NOT_IN_CAMPAIGN.format(name=name)]
    assert "不在考核目录中" in alerts(record)[0] and CONTROL_FILE in alerts(record)[0]


def test_no_workbook_open(addin: Path, tmp_path: Path) -> None:
    record = run_standin(linux(addin, tmp_path / "t", None, presses=["kh_generate"]), tmp_path)
    assert calls(record, "ShellExecute") == []
    assert alerts(record) == [heading("kh_generate") + MESSAGES["noWorkbook"]]


def test_a_path_the_shell_would_change_is_refused_on_linux(addin: Path, tmp_path: Path) -> None:
    odd = tmp_path / "考核$HOME`年`"
    odd.mkdir()
    (odd / CONFIG_NAME).write_text("", encoding="utf-8")
    record = run_standin(linux(addin, tmp_path / "t", odd / CONTROL_FILE, presses=["kh_status"]), tmp_path)
    assert calls(record, "ShellExecute") == []
    assert alerts(record) == [heading("kh_status") + MESSAGES["unsafePath"].format(path=odd, chars="$`")]


def test_loaded_over_http_it_looks_for_the_launcher_where_install_puts_it(
    addin: Path, folder: Path, tmp_path: Path
) -> None:
    scenario = linux(addin, tmp_path / "t", folder / CONTROL_FILE, presses=["kh_status"])
    scenario["location"] = "http://127.0.0.1:3889/index.html"
    record = run_standin(scenario, tmp_path)
    expected = f"/home/王/.local/share/Kingsoft/wps/jsaddons/{folder_name()}/kaohe_run.sh"
    assert calls(record, "ShellExecute") == []
    assert alerts(record) == [heading("kh_status") + MESSAGES["noLauncher"].format(path=expected)]


def test_ribbon_callbacks_are_functions_of_main_js(addin: Path, tmp_path: Path) -> None:
    root = ET.parse(addin / "ribbon.xml").getroot()
    named = {v for e in root.iter() for k, v in e.attrib.items() if k.startswith(("on", "get"))}
    assert named == {"OnAddinLoad", "OnAction"}
    record = run_standin(
        {**linux(addin, tmp_path / "t", None), "callbacks": sorted(named), "onLoad": True, "presses": []}, tmp_path
    )
    assert record["callbacks"] == {name: "function" for name in named}
    assert record["onLoad"] is True


# ---- carrying out the result -------------------------------------------------------------
def test_the_result_is_carried_out_in_wps(addin: Path, folder: Path, tmp_path: Path) -> None:
    """Status into the open 控制台, the 汇总表 opened, the sheet printed, one message box."""
    control = folder / CONTROL_FILE
    summary = folder / "output" / SUMMARY_NAME
    values = {NAME_STATUS: "接收 2 份；汇总表已更新", NAME_RECEIVED: 2, "KH_NOT_IN_THIS_COPY": "x"}
    answers = {
        "kh_collect": {
            "result": {
                "ok": True,
                "status": "接收 2 份；汇总表已更新",
                "detail": "拒收：杂项.xlsx（不是本次考核的表格）",
                "open": [str(summary)],
                "print": [],
                "control": str(control),
                "values": values,
            }
        },
        "kh_print": {
            "result": {
                "ok": True,
                "status": "已发送到打印机",
                "detail": "",
                "open": [],
                "print": [{"workbook": str(summary), "sheet": SUMMARY_SHEET}],
                "control": str(control),
                "values": {},
            }
        },
        "kh_open_folder": {
            "result": {
                "ok": True,
                "status": f"已打开考核目录 {folder}",
                "detail": "",
                "open": [str(folder)],
                "print": [],
            }
        },
    }
    scenario = linux(addin, tmp_path / "t", control, presses=list(answers), run=answers)
    scenario["workbooks"][0]["names"] = [NAME_STATUS, NAME_RECEIVED]
    record = run_standin(scenario, tmp_path)
    assert calls(record, "Value2") == [
        {"call": "Value2", "book": str(control), "name": NAME_STATUS, "value": values[NAME_STATUS]},
        {"call": "Value2", "book": str(control), "name": NAME_RECEIVED, "value": 2},
    ]
    assert calls(record, "Save")[0] == {"call": "Save", "book": str(control)}
    # collect opens the 汇总表; print closes it before kaohe rewrites it, then opens it to print
    shown = [(c["call"], c.get("path") or c.get("book")) for c in record["calls"] if c["call"] in ("Open", "Close")]
    assert shown == [("Open", str(summary)), ("Close", str(summary)), ("Open", str(summary))]
    assert calls(record, "PrintOut") == [{"call": "PrintOut", "book": str(summary), "sheet": SUMMARY_SHEET}]
    assert [c["file"] for c in calls(record, "ShellExecute")][-1] == str(folder)  # the file manager
    assert alerts(record) == [
        heading("kh_collect") + "接收 2 份；汇总表已更新\n\n拒收：杂项.xlsx（不是本次考核的表格）",
        heading("kh_print") + "已发送到打印机",
        heading("kh_open_folder") + f"已打开考核目录 {folder}",
    ]
    assert list((tmp_path / "t").iterdir()) == []  # result files read and removed


def test_a_workbook_wps_cannot_open_is_named_in_the_message(addin: Path, folder: Path, tmp_path: Path) -> None:
    summary = str(folder / "output" / SUMMARY_NAME)
    result = {"ok": True, "status": "接收 0 份", "detail": "", "open": [summary], "print": []}
    scenario = linux(
        addin, tmp_path / "t", folder / CONTROL_FILE, presses=["kh_collect"], run={"kh_collect": {"result": result}}
    )
    record = run_standin({**scenario, "openFails": [summary]}, tmp_path)
    failed = MESSAGES["wpsFailed"].format(path=summary, error="WPS cannot open it")
    assert alerts(record) == [heading("kh_collect") + "接收 0 份\n\n" + failed]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"exit_code": 127}, MESSAGES["noPython"]),
        (
            {"exit_code": 1, "log": "Traceback...\nModuleNotFoundError: No module named 'kaohe_xl'\n"},
            MESSAGES["failed"].format(code=1) + "\n\nTraceback...\nModuleNotFoundError: No module named 'kaohe_xl'",
        ),
    ],
)
def test_when_python_never_wrote_a_result(
    addin: Path, folder: Path, tmp_path: Path, answer: dict[str, Any], message: str
) -> None:
    scenario = linux(addin, tmp_path / "t", folder / CONTROL_FILE, presses=["kh_generate"], run={"kh_generate": answer})
    record = run_standin(scenario, tmp_path)
    assert alerts(record) == [heading("kh_generate") + message]
    assert list((tmp_path / "t").iterdir()) == []


# ---- the whole way: main.js -> kaohe_run.sh -> Python -> result -> WPS ----------------------
def test_buttons_do_the_real_work_through_the_linux_launcher(
    addin: Path, tmp_path: Path, rubric_path: Path, units_path: Path
) -> None:
    """The stand-in's ShellExecute runs kaohe_run.sh for real (as `sh -c 'exec "$0" PARAMS'`)."""
    campaign = Campaign.init(tmp_path / CAMPAIGN_DIR, rubric_path, units_path)
    control = campaign.control_workbook
    from kaohe_xl.addin.control import write_control_workbook

    write_control_workbook(campaign)
    temp = tmp_path / "临时 文件"
    scenario = linux(addin, temp, control, run="shell", presses=["kh_generate"])
    record = run_standin(scenario, tmp_path / "one")
    assert calls(record, "launcher exit") == [{"call": "launcher exit", "code": 0}]
    assert len(list((campaign.forms_dir / "自评表").glob("*.xlsx"))) == 3
    (shown,) = alerts(record)
    assert shown.startswith(heading("kh_generate")) and "自评表 3 份" in shown
    assert calls(record, "ShellExecute")[-1]["file"] == str(campaign.forms_dir)  # the forms folder shown
    assert any(c["name"] == NAME_STATUS and "自评表 3 份" in str(c["value"]) for c in calls(record, "Value2"))

    fill_self_form(campaign.form_path(FormKind.SELF, "01"), SELF_SCORES, out=campaign.inbox_dir / "自评表(1).xlsx")
    (campaign.inbox_dir / "杂项.xlsx").write_bytes(b"not a workbook")
    record = run_standin({**scenario, "presses": ["kh_collect", "kh_print"]}, tmp_path / "two")
    summary = campaign.output_dir / SUMMARY_NAME
    assert summary.is_file()
    collect_alert, print_alert = alerts(record)
    assert "接收 1 份" in collect_alert and "拒收 1 份" in collect_alert and "杂项.xlsx" in collect_alert
    shown = [(c["call"], c.get("path") or c.get("book")) for c in record["calls"] if c["call"] in ("Open", "Close")]
    assert shown == [("Open", str(summary)), ("Close", str(summary)), ("Open", str(summary))]
    assert calls(record, "PrintOut") == [{"call": "PrintOut", "book": str(summary), "sheet": SUMMARY_SHEET}]
    assert "已发送到打印机" in print_alert
    assert sorted(p.name for p in temp.iterdir()) == []
    # the params the launcher got are the ones asserted above: check one, with the real paths
    started = [c for c in calls(record, "ShellExecute") if c["file"].endswith("kaohe_run.sh")]
    assert started[0]["params"] == expected_params("kh_collect", campaign.root, temp)
    assert re.search(r"kaohe_wps_kh_print_\d+\.json", started[1]["params"])
    assert json.dumps(started, ensure_ascii=False).count(str(campaign.root)) == 2


def test_a_button_main_js_does_not_know_is_reported(addin: Path, folder: Path, tmp_path: Path) -> None:
    """Every id of ribbon.xml is in buttons.js (test above); an id that is not gets a message."""
    record = run_standin(linux(addin, tmp_path / "t", folder / CONTROL_FILE, presses=["kh_nope"]), tmp_path)
    assert calls(record, "ShellExecute") == []
    assert alerts(record) == [f"{TITLE}\n\n" + MESSAGES["unknownButton"].format(id="kh_nope")]
