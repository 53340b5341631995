"""No result changes: the export and the reconciliation of the demos and of a 1,000-unit
campaign are exactly what they were before the speed work of 0.3 (digests taken with
kaohe-xl at commit 65d6751, by running this module's builders against it).

The 1,000-unit campaign is written straight into a real store: self returns (some
revised, some with errors, some missing), two assessors per group (averaged), a unit
sheet with an error, vetoes and ties — every path of latest_records, collection_status,
score, rank, reconcile and export.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from kaohe_xl.campaign import Campaign
from kaohe_xl.demo import run_demo
from kaohe_xl.output.export import export_results
from kaohe_xl.rubric.model import ItemKind
from kaohe_xl.scoring.reconcile import reconcile
from kaohe_xl.scoring.results import compute
from kaohe_xl.store import db as store

SAMPLE = Path(__file__).resolve().parent.parent.parent / "samples" / "南昌老干部"
UNITS = 1000

# sha256 of (export.json, export.csv, reconciliation), taken at 65d6751 (动力厂: 7a4a6ce)
PINNED = {
    "campaign": (
        "305e688c5d35cbf75b21cf8ff874a2c14429ed76299e3946404575ada0be03f9",
        "6baebeb2b0504f10d0a3e58edfd5d1f58814d842fc0d1b6cec795c40736ad549",
        "28ca2b118c8ef965d6af5b67d64b7e8e1ccf8cc5ee50d54314594d2baed1ce09",
    ),
    "南昌老干部": (
        "42724c521687b7a304a617365a1034a1e3191616c2e9d3a9e9ff7af57f99533f",
        "d3da86d8096b715f2fc88b01f261e1c399e117ca11042f0b1567ceeb7c6e5515",
        "cd2c9cbd41718c41ad8bde7230cfae01b893b7e539344544c1486e338ea54341",
    ),
    "动力厂党建": (
        # taken at 7a4a6ce: 加分计入 年度总分 (two weighted 考核组 rounds) changed it on purpose
        "1caf60f32b0bb7acba3745c14cc959ddbfbc243a0965bd26ba7fb1ccaaf62f08",
        "9d5afe1b5f1f44491fbc70021312b701521b7991345c5c17f7a0ff724c6dbed2",
        "7097f71723e305c55d11a9b1bb72554aad4e098291d0317957d5e6d8301de78d",
    ),
    "新庄镇综合考核": (
        "bcc2d91609c6fc3e2140b3b73d71fb1a3d763db9fba9e09be8f11aa1080be9cc",
        "95027858b28e13b9389189c5b7b71d13cde454e13814a5d132923417a775100b",
        "c2613920497312f70058900cfb4077905017f2d696cab02df021b59809cdb81e",
    ),
}


def build_campaign(root: Path) -> Campaign:
    """A 1,000-unit campaign over the 南昌 rubric with seeded returns in its store."""
    root.mkdir(parents=True, exist_ok=True)
    units_csv = root / "单位.csv"
    with units_csv.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["编号", "单位名称", "考核组"])
        for i in range(UNITS):
            writer.writerow([f"U{i:04d}", f"单位{i:04d}", f"第{i // 50 + 1}考核组"])
    campaign = Campaign.init(root / "campaign", SAMPLE / "细则.xlsx", units_csv)
    rubric = campaign.rubric
    digest = rubric.content_hash()
    rng = random.Random(20231130)
    conn = campaign.connect()
    files = [0]

    def submit(
        form: str,
        subject: str,
        rater: str,
        revision: int,
        units: list[tuple[str, bool]],
        values: Callable[[str], list[tuple[str, str | None, int | None, str]]],
    ) -> None:
        files[0] += 1
        n = files[0]
        received = f"2023-12-{1 + n % 28:02d} {n % 24:02d}:{n % 60:02d}:00"
        has_errors = any(bad for _unit, bad in units)
        file_id = conn.execute(
            "INSERT INTO files (sha256, original_name, size, received_at, archive_path, status, form_kind, subject_id)"
            " VALUES (?, ?, 1, ?, '', 'accepted', ?, ?)",
            (f"{n:064x}", f"f{n}.xlsx", received, form, subject),
        ).lastrowid
        sid = conn.execute(
            "INSERT INTO submissions (file_id, form_kind, subject_id, rater, revision, received_at, has_errors,"
            " rubric_hash, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                file_id,
                form,
                subject,
                rater,
                revision,
                received,
                int(has_errors),
                digest,
                "自评" if form == "self" else "考核组",
            ),
        ).lastrowid
        for unit_id, bad in units:
            conn.execute(
                "INSERT INTO submission_units (submission_id, unit_id, has_errors, note, unit_name) VALUES (?, ?, ?, ?, ?)",
                (sid, unit_id, int(bad), "G7 超过分值" if bad else "", f"单位{unit_id[1:]}"),
            )
            for item_id, value, veto, remark in values(unit_id):
                conn.execute(
                    "INSERT INTO scores (submission_id, unit_id, item_id, value, veto, remark) VALUES (?, ?, ?, ?, ?, ?)",
                    (sid, unit_id, item_id, value, veto, remark),
                )

    def values(assessor: bool) -> Callable[[str], list[tuple[str, str | None, int | None, str]]]:
        def make(_unit: str) -> list[tuple[str, str | None, int | None, str]]:
            out: list[tuple[str, str | None, int | None, str]] = []
            for item in rubric.items:
                if item.kind is ItemKind.VETO:
                    out.append((item.id, None, int(rng.random() < 0.01), ""))
                    continue
                assert item.points is not None
                step = rubric.step_of(item)
                cut = step * rng.randint(0, 2) if rng.random() < 0.25 else Decimal(0)
                value = max(item.points - cut, Decimal(0)) if item.kind is ItemKind.BASE else step * rng.randint(0, 1)
                remark = "台账资料缺失" if cut and assessor else ""
                out.append((item.id, format(value.normalize(), "f"), None, remark))
            return out

        return make

    with store.transaction(conn):
        for i, unit in enumerate(campaign.units):
            if i % 97 == 5:
                continue  # no self return
            submit("self", unit.id, "", 1, [(unit.id, False)], values(False))
            if i % 13 == 0:
                submit("self", unit.id, "", 2, [(unit.id, i % 26 == 0)], values(False))  # revised; half with errors
        for group, members in campaign.assessor_groups().items():
            for rater in ("张三", "李四"):
                marked = [(u.id, rater == "李四" and u.id.endswith("17")) for u in members]
                submit("assessor", group, rater, 1, marked, values(True))
    conn.close()
    return campaign


def digests(campaign: Campaign, out: Path) -> tuple[str, str, str]:
    export_results(campaign, out / "r.json", fmt="json")
    export_results(campaign, out / "r.csv", fmt="csv")
    rec = reconcile(compute(campaign))
    text = json.dumps([repr(rec.items), repr(rec.units)], ensure_ascii=False)
    return (
        hashlib.sha256((out / "r.json").read_bytes()).hexdigest(),
        hashlib.sha256((out / "r.csv").read_bytes()).hexdigest(),
        hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def test_a_thousand_unit_campaign_scores_as_before(tmp_path: Path) -> None:
    campaign = build_campaign(tmp_path / "big")
    assert digests(campaign, tmp_path) == PINNED["campaign"]


@pytest.mark.parametrize("sample", ["南昌老干部", "动力厂党建", "新庄镇综合考核"])
def test_the_demos_score_as_before(tmp_path: Path, sample: str) -> None:
    report = run_demo(tmp_path / "demo", pdf=False, say=lambda _text: None, sample=sample)
    assert digests(Campaign.open(report.root), tmp_path) == PINNED[sample]
