"""The Python snippets of the README and docs/ run, as a user would paste them.

Every ```python block of a page runs in order in one namespace, in a folder holding the
南昌 sample's rubric and units (and, unless the page creates its own campaign, the
campaign `kaohe demo` fills, named 2023老干部考核). A block whose first line is
``# not run here: <why>`` is only compiled.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO, SAMPLES

from kaohe_xl.demo import run_demo

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
NOT_RUN = "# not run here:"


def blocks(page: Path) -> list[str]:
    return BLOCK.findall(page.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def demo_campaign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("docs") / "2023老干部考核"
    run_demo(root, pdf=False, say=lambda _: None)
    return root


@pytest.mark.parametrize("page", [p for p in PAGES if blocks(p)], ids=lambda p: p.name)
def test_python_snippets_run(page: Path, tmp_path: Path, demo_campaign: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code = blocks(page)
    for name in ("细则.xlsx", "单位.xlsx"):
        shutil.copy(SAMPLES / "南昌老干部" / name, tmp_path / name)
    (tmp_path / "回收").mkdir()
    if not any("Campaign.init(" in block for block in code):
        shutil.copytree(demo_campaign, tmp_path / "2023老干部考核")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for n, block in enumerate(code, start=1):
        compiled = compile(block, f"{page.name} python block {n}", "exec")
        if not block.startswith(NOT_RUN):
            exec(compiled, namespace)


def test_every_page_with_python_shows_runnable_code() -> None:
    for page in PAGES:
        assert all(b.strip() for b in blocks(page)), page.name
