"""Seeded fuzzing of the return reader: valid returns with random bytes, zip header fields
and sheet XML changed. Collect must never raise, hang or abort; a file is either
accepted with exactly the values of the valid return or refused with a message; the
store stays sound.

In-process: :data:`VARIANTS` variants through the reader and validation (``analyse``).
In a child process (an abort there fails the test, not pytest): :data:`BATCH` of them
collected as one batch by ``kaohe collect``. Set ``KAOHE_FUZZ_SEED`` / ``KAOHE_FUZZ_VARIANTS``
to explore further locally; CI runs the fixed seed below.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import sqlite3
import subprocess
import sys
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest
from _hostile_helpers import MUTATORS, mutate_sheet_xml
from _returns_helpers import GOOD, fill_assessor, fill_self
from conftest import write_rubric_workbook, write_units_workbook

from kaohe_xl.campaign import Campaign
from kaohe_xl.collect.identify import Expected
from kaohe_xl.collect.received import Incoming
from kaohe_xl.collect.run import analyse
from kaohe_xl.forms.generate import generate_forms

SEED = int(os.environ.get("KAOHE_FUZZ_SEED", "20261201"))
VARIANTS = int(os.environ.get("KAOHE_FUZZ_VARIANTS", "2400"))
BATCH = 150
REFUSED = ("rejected", "quarantined")


@pytest.fixture(scope="module")
def fuzz_campaign(tmp_path_factory: pytest.TempPathFactory) -> tuple[Campaign, dict[str, bytes]]:
    """A campaign and its valid returns: a 自评表 and a 考核组评分表."""
    root = tmp_path_factory.mktemp("fuzz")
    campaign = Campaign.init(
        root / "campaign", write_rubric_workbook(root / "细则.xlsx"), write_units_workbook(root / "单位.xlsx")
    )
    generate_forms(campaign)
    valid = {
        "self.xlsx": fill_self(campaign, "01", root / "self.xlsx", notes={"1": "会议记录3份"}).read_bytes(),
        "assessor.xlsx": fill_assessor(
            campaign, "第一考核组", "李明", root / "assessor.xlsx", {"01": GOOD, "02": {**GOOD, "1": 2}}
        ).read_bytes(),
    }
    return campaign, valid


def _values(checked: object) -> list[tuple[object, ...]]:
    return sorted(
        (v.unit_id, v.key, v.value, v.veto, v.raw, v.remark, v.sheet, v.cell)
        for v in checked.values  # type: ignore[attr-defined]
    )


def _variant(rng: random.Random, valid: dict[str, bytes]) -> tuple[str, str, bytes]:
    name = rng.choice(sorted(valid))
    family = rng.random()
    if family < 0.45:
        mutate, kind = MUTATORS[0], "bytes"
    elif family < 0.9:
        mutate, kind = rng.choice(MUTATORS[1:]), "header"
    else:
        mutate, kind = mutate_sheet_xml, "xml"
    return name, kind, mutate(valid[name], rng)


def test_mutated_returns_are_read_or_refused_never_misread(fuzz_campaign: tuple[Campaign, dict[str, bytes]]) -> None:
    campaign, valid = fuzz_campaign
    expected = Expected(campaign.id, campaign.secret, campaign.rubric, tuple(campaign.units))
    baseline = {}
    for name, data in valid.items():
        status, checked = analyse(Incoming(name, name, data), expected)
        assert status == "accepted", checked.problems
        baseline[name] = _values(checked)
    rng = random.Random(SEED)
    outcomes: Counter[tuple[str, str]] = Counter()
    for n in range(VARIANTS):
        name, kind, data = _variant(rng, valid)
        status, checked = analyse(Incoming(name, f"variant {n}", data), expected)  # must not raise
        outcomes[(kind, status)] += 1
        if kind == "xml":  # a changed sheet may hold other values; it must still be judged
            assert status in ("accepted", "invalid", *REFUSED), (n, status)
            assert all(p.message for p in checked.problems), n
            continue
        if status == "accepted":
            assert _values(checked) == baseline[name], f"variant {n} ({kind}) accepted with other values"
        else:
            assert status in REFUSED, f"variant {n} ({kind}) is {status}: {[p.describe() for p in checked.problems]}"
            assert checked.problems and all(p.message and p.file == name for p in checked.problems), n
    print(f"\nfuzz seed {SEED}, {VARIANTS} variants: {dict(sorted(outcomes.items()))}")
    # the families really exercise both outcomes
    assert outcomes[("bytes", "quarantined")] and outcomes[("header", "quarantined")]
    assert sum(n for (kind, status), n in outcomes.items() if kind != "xml" and status == "accepted")


def test_a_batch_of_mutated_returns_never_stops_collect(
    fuzz_campaign: tuple[Campaign, dict[str, bytes]], tmp_path: Path
) -> None:
    campaign, valid = fuzz_campaign
    rng = random.Random(SEED + 1)
    folder = tmp_path / "inbox"
    folder.mkdir()
    names = set()
    for n in range(BATCH):
        _name, _kind, data = _variant(rng, valid)
        (folder / f"{n:03d}.xlsx").write_bytes(data)
        names.add(f"{n:03d}.xlsx")
    (folder / "good.xlsx").write_bytes(valid["self.xlsx"])
    args = [sys.executable, "-m", "kaohe_xl", "collect", str(campaign.root), "-q", str(folder)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, env={**os.environ, "PYTHONUTF8": "1"})
    assert done.returncode in (0, 3), done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert re.search(r"共 (\d+) 个文件", done.stdout), done.stdout[-500:]
    with closing(sqlite3.connect(campaign.db_path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        recorded = {row[0] for row in conn.execute("SELECT sha256 FROM files")}
    # every file received is recorded (and archived), whatever became of it
    sent = {hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in [*names, "good.xlsx"]}
    assert sent <= recorded
    assert all((campaign.archive_dir / f"{sha}.xlsx").exists() for sha in sent)
