"""Commands that write no workbook start fast: `kaohe status`, `kaohe collect` and
`kaohe --help` import neither openpyxl nor pandas nor numpy (together a third of a second
before any work); the 细则, the units list and 控制台.xlsx are read and refreshed without them."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from _returns_helpers import fill_self, generated

from kaohe_xl.addin.control import read_values, write_control_workbook
from kaohe_xl.campaign import Campaign

HEAVY = ("openpyxl", "pandas", "numpy")
_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from kaohe_xl.cli import main
    try:
        main(sys.argv[1:], standalone_mode=False)
    except SystemExit:
        pass
    print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
    """
).format(heavy=HEAVY)


def imported(*args: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", _SCRIPT, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


@pytest.fixture
def returned(campaign: Campaign, tmp_path: Path) -> tuple[Campaign, Path]:
    generated(campaign)
    write_control_workbook(campaign)
    path = fill_self(campaign, "01", tmp_path / "inbox" / "r.xlsx")
    return campaign, path.parent


def test_status_collect_and_help_import_no_workbook_library(returned: tuple[Campaign, Path]) -> None:
    campaign, inbox = returned
    assert imported("--help") == []
    assert imported("collect", str(campaign.root), str(inbox), "-q") == []
    assert imported("status", str(campaign.root)) == []
    assert imported("status", str(campaign.root), "--json", "--missing") == []
    # the control workbook was refreshed all the same
    values = read_values(campaign.control_workbook)
    assert values["KH_SELF_RECEIVED"] == 1 and "collect" in str(values["KH_LAST_ACTION"])


def test_a_command_that_writes_a_workbook_still_imports_openpyxl(returned: tuple[Campaign, Path]) -> None:
    campaign, _inbox = returned
    assert "openpyxl" in imported("generate", str(campaign.root), "--form", "assessor")
