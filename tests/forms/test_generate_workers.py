"""考核组评分表 written by worker processes are the files one process writes."""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from kaohe_xl import workers
from kaohe_xl.campaign import Campaign
from kaohe_xl.forms import generate
from kaohe_xl.rubric.model import FormKind, Unit

_UNITS = [
    {"编号": f"{n:02d}", "单位名称": f"第{n}村", "分组": "村", "邮箱": f"c{n}@example.cn", "考核组": f"第{n % 3 + 1}组"}
    for n in range(1, 13)
]
_SPY = Path(os.environ.get("TMPDIR", "/tmp")) / f"kaohe-generate-spy-{os.getpid()}"
_real_assessor = generate._write_assessor_form


def _spying_assessor(run: tuple[object, ...], job: tuple[str, list[Unit], object, str]) -> Path:
    with _SPY.open("a", encoding="utf-8") as spy:
        spy.write(f"{os.getpid()} {job[0]}\n")
    return _real_assessor(run, job)  # type: ignore[arg-type]


def _forms(campaign: Campaign) -> dict[str, list[tuple[str, bytes]]]:
    """Each form's parts in order; the document properties' clock times masked (the
    second they were written in, not what the run wrote)."""
    forms = {}
    for path in campaign.forms_dir.rglob("*.xlsx"):
        with zipfile.ZipFile(path) as book:
            parts = [(info.filename, book.read(info)) for info in book.infolist()]
        forms[path.relative_to(campaign.forms_dir).as_posix()] = [
            (name, _W3CDTF.sub(b"TIME", data) if name == "docProps/core.xml" else data) for name, data in parts
        ]
    return forms


_W3CDTF = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@pytest.mark.skipif(workers.worker_count(10**6, 1) < 2, reason="workers run only on Linux with more than one core")
def test_forms_from_workers_are_the_forms_of_one_process(
    make_campaign, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = make_campaign(units=_UNITS)
    twin = Campaign.open(shutil.copytree(made.root, tmp_path / "twin"))
    monkeypatch.setattr(generate, "now_text", lambda: "2024-01-05 09:30:00")  # the run's time, in every form
    kinds = [FormKind.SELF, FormKind.ASSESSOR]
    monkeypatch.setattr(generate, "worker_count", lambda _jobs, _least: 0)
    first = generate.generate_forms(made, kinds)
    _SPY.unlink(missing_ok=True)
    monkeypatch.setattr(generate, "worker_count", lambda _jobs, _least: 2)
    monkeypatch.setattr(generate, "_write_assessor_form", _spying_assessor)
    try:
        report = generate.generate_forms(twin, kinds)
        written = [line.split(" ", 1) for line in _SPY.read_text(encoding="utf-8").splitlines()]
    finally:
        _SPY.unlink(missing_ok=True)
    alone, together = _forms(made), _forms(twin)
    assert len(alone) == 12 + 3 and report.total == 15
    assert together.keys() == alone.keys()
    assert [name for name in alone if together[name] != alone[name]] == []  # part by part, byte for byte
    assert sorted(name for _pid, name in written) == ["第1组", "第2组", "第3组"]
    assert os.getpid() not in {int(pid) for pid, _name in written}
    # the report lists the files in the order one process does
    in_order = [p.relative_to(twin.root) for p in report.paths(FormKind.ASSESSOR)]
    assert in_order == [p.relative_to(made.root) for p in first.paths(FormKind.ASSESSOR)]
