"""Running the WPS add-in's JavaScript in Node, against the recording stand-in of WPS."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

STANDIN = REPO / "tests" / "addin" / "wps_standin.js"
WPS_SOURCE = REPO / "kaohe_xl" / "addin" / "wps_addin"
NODE_MODULES = WPS_SOURCE / "node_modules"
NOW = 1700000000000  # Date.now() inside main.js: result file names are exact
LINUX_AGENT = {"userAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 WPS", "platform": "Linux x86_64"}
WINDOWS_AGENT = {"userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 WPS", "platform": "Win32"}


def node_package(name: str) -> Path:
    """An npm dev-dependency of the add-in (package.json beside main.js), installed by .ci/run."""
    path = NODE_MODULES / name
    if not path.is_dir():
        message = f"{path} is missing: run npm ci --prefix {WPS_SOURCE.relative_to(REPO)}"
        if os.environ.get("CI"):
            pytest.fail(message + " (.ci/run does)")
        pytest.skip(message)
    return path


def run_standin(scenario: dict[str, Any], work: Path, timeout: float = 300) -> dict[str, Any]:
    """Run buttons.js + main.js under tests/addin/wps_standin.js; the record of every call."""
    work.mkdir(parents=True, exist_ok=True)
    path = work / "scenario.json"
    path.write_text(json.dumps({"now": NOW, **scenario}, ensure_ascii=False), encoding="utf-8")
    node = shutil.which("node")
    assert node, "the node marker makes sure node is here"
    done = subprocess.run([node, str(STANDIN), str(path)], capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr
    record: dict[str, Any] = json.loads(done.stdout)
    assert record["errors"] == [], record["errors"]
    return record


def calls(record: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """The recorded calls of one kind ("ShellExecute", "alert", "Open", ...), in order."""
    return [c for c in record["calls"] if c["call"] == kind]


def alerts(record: dict[str, Any]) -> list[str]:
    return [c["text"] for c in calls(record, "alert")]
