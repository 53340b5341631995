"""The Linux launchers, run for real: the double-click 按钮_*.sh of a campaign folder and the
WPS add-in's kaohe_run.sh, from a folder whose path has spaces and Chinese characters."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kaohe_xl.addin.buttons import BUTTONS
from kaohe_xl.addin.control import read_values, write_control_workbook
from kaohe_xl.addin.launchers import NO_PYTHON, addin_runner_sh, write_launchers
from kaohe_xl.campaign import Campaign
from kaohe_xl.forms.fill import fill_self_form
from kaohe_xl.output.summary import SUMMARY_NAME
from kaohe_xl.rubric.model import FormKind

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the .sh launchers are for Linux")

SELF_SCORES = {"1": 3, "2": 2, "3": 3.5, "4": 1, "5": 0, "6": "否"}
NO_SUCH_PYTHON = "/opt/没有 这个/python3"


@pytest.fixture
def campaign(tmp_path: Path, rubric_path: Path, units_path: Path) -> Campaign:
    made = Campaign.init(tmp_path / "考核 工作" / "2023 新庄镇 综合考核", rubric_path, units_path)
    write_control_workbook(made)
    return made


def bin_with(tmp_path: Path, python: bool) -> str:
    """A PATH with dirname (the launchers use it) and, if asked, a python3 that is this Python."""
    folder = tmp_path / ("bin-py" if python else "bin")
    folder.mkdir(exist_ok=True)
    dirname = shutil.which("dirname")
    assert dirname
    (folder / "dirname").symlink_to(dirname)
    if python:
        # a wrapper, not a symlink: a venv's python finds its site-packages from its own path
        (folder / "python3").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
        (folder / "python3").chmod(0o755)
    return str(folder)


def run(script: Path, *args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path} if path else dict(os.environ)
    return subprocess.run(
        [str(script), *args], cwd="/", env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL
    )


def test_double_click_launchers_do_the_real_work(campaign: Campaign) -> None:
    paths = write_launchers(campaign.root)
    shs = {p.name: p for p in paths if p.suffix == ".sh"}
    assert sorted(shs) == sorted(f"按钮_{b.label}.sh" for b in BUTTONS)
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o755 for p in shs.values())

    done = run(shs["按钮_生成评分表.sh"])
    assert done.returncode == 0, done.stderr
    assert "自评表 3 份" in done.stdout
    assert len(list((campaign.forms_dir / "自评表").glob("*.xlsx"))) == 3

    fill_self_form(campaign.form_path(FormKind.SELF, "01"), SELF_SCORES, out=campaign.inbox_dir / "自评表(1).xlsx")
    done = run(shs["按钮_汇总回收表.sh"])
    assert done.returncode == 0, done.stderr
    assert "接收 1 份" in done.stdout
    assert (campaign.output_dir / SUMMARY_NAME).is_file()
    assert read_values(campaign.control_workbook)["KH_SELF_RECEIVED"] == 1

    (campaign.output_dir / SUMMARY_NAME).unlink()
    done = run(shs["按钮_打印汇总表.sh"])
    assert done.returncode == 0, done.stderr
    assert (campaign.output_dir / SUMMARY_NAME).is_file()  # made again: there was none to print
    assert read_values(campaign.control_workbook)["KH_LAST_ACTION"] == "打印汇总表"
    # the launchers are the campaign's own files: collecting the folder skips them
    assert all(campaign.is_own_file(p) for p in paths)


def test_double_click_launcher_falls_back_to_python3_then_says_what_is_missing(
    campaign: Campaign, tmp_path: Path
) -> None:
    write_launchers(campaign.root, python=NO_SUCH_PYTHON)
    launcher = campaign.root / "按钮_回收情况.sh"
    text = launcher.read_text(encoding="utf-8")
    assert text.startswith("#!/bin/sh\n") and f"py='{NO_SUCH_PYTHON}'" in text
    done = run(launcher, path=bin_with(tmp_path, python=True))
    assert done.returncode == 0, done.stderr
    assert "待提交" in done.stdout
    done = run(launcher, path=bin_with(tmp_path, python=False))
    assert done.returncode == 127
    assert NO_PYTHON in done.stderr


def test_addin_runner_writes_the_result_then_the_done_mark(campaign: Campaign, tmp_path: Path) -> None:
    runner = tmp_path / "加载 项" / "kaohe_run.sh"
    runner.parent.mkdir()
    runner.write_bytes(addin_runner_sh(sys.executable))
    runner.chmod(0o755)
    result = tmp_path / "临时 文件" / "kaohe_wps_kh_status_1.json"
    result.parent.mkdir()
    done = run(runner, "kh_status", str(campaign.root), str(result))
    assert done.returncode == 0, done.stderr
    data = json.loads(result.read_text(encoding="ascii"))  # ASCII JSON, whatever WPS reads it as
    assert data["ok"] is True and "待提交" in data["status"]
    assert data["control"] == str(campaign.control_workbook)
    assert data["values"]["KH_LAST_ACTION"] == "回收情况"
    assert json.loads(Path(f"{result}.done").read_text()) == {"exit_code": 0}

    # a workbook outside a campaign: Python answers, with ok false
    elsewhere = tmp_path / "别处.xlsx"
    elsewhere.write_bytes(b"")
    done = run(runner, "kh_status", str(elsewhere), str(result))
    assert done.returncode == 1
    data = json.loads(result.read_text(encoding="ascii"))
    assert data["ok"] is False and "不在考核目录中" in data["status"]
    assert json.loads(Path(f"{result}.done").read_text()) == {"exit_code": 1}


def test_addin_runner_without_python_still_writes_the_done_mark(tmp_path: Path) -> None:
    runner = tmp_path / "kaohe_run.sh"
    runner.write_bytes(addin_runner_sh(NO_SUCH_PYTHON))
    runner.chmod(0o755)
    result = tmp_path / "r.json"
    done = run(runner, "kh_status", str(tmp_path), str(result), path=bin_with(tmp_path, python=False))
    assert done.returncode == 127
    assert not result.exists()
    assert json.loads(Path(f"{result}.done").read_text()) == {"exit_code": 127}
    assert NO_PYTHON in Path(f"{result}.log").read_text(encoding="utf-8")


def test_an_open_control_workbook_is_left_to_wps(campaign: Campaign, tmp_path: Path) -> None:
    """WPS holds 控制台.xlsx open (its ~$ lock file is there): Python leaves the file alone and
    hands the status values to main.js, which writes them into the open copy."""
    lock = campaign.root / f"~${campaign.control_workbook.name}"
    lock.write_bytes(b"wps")
    before = campaign.control_workbook.read_bytes()
    result = tmp_path / "r.json"
    done = subprocess.run(
        [sys.executable, "-m", "kaohe_xl", "addin", "run", "kh_status", str(campaign.root), "--result", str(result)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert campaign.control_workbook.read_bytes() == before
    data = json.loads(result.read_text(encoding="ascii"))
    assert data["values"]["KH_LAST_ACTION"] == "回收情况" and data["control"] == str(campaign.control_workbook)
    lock.unlink()
    subprocess.run(
        [sys.executable, "-m", "kaohe_xl", "addin", "run", "kh_status", str(campaign.root), "--result", str(result)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert read_values(campaign.control_workbook)["KH_LAST_ACTION"] == "回收情况"  # not open: Python wrote it
