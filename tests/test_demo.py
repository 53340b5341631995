"""`kaohe demo`: the whole cycle on the 南昌 sample, with its outputs checked."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import SAMPLES

from kaohe_xl.addin import control
from kaohe_xl.campaign import Campaign
from kaohe_xl.cli.commands import main
from kaohe_xl.demo import MARKER, run_demo
from kaohe_xl.errors import CampaignError
from kaohe_xl.forms import layout
from kaohe_xl.forms.fill import find_columns, item_rows, read_metadata
from kaohe_xl.rubric.model import FormKind
from kaohe_xl.scoring.frames import item_scores_frame, status_frame
from kaohe_xl.store.records import ReturnState


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo") / "kaohe-demo"
    run_demo(root, pdf=False, say=lambda _text: None)
    return root


def _results_csv(root: Path) -> list[dict[str, str]]:
    with (root / "output" / "results.csv").open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def test_every_unit_is_in_the_results_ranked(demo_root: Path) -> None:
    rows = _results_csv(demo_root)
    campaign = Campaign.open(demo_root)
    assert sorted(r["unit_id"] for r in rows) == sorted(u.id for u in campaign.units)
    ranked = [r for r in rows if r["veto"] == "false"]
    composites = [Decimal(r["composite"]) for r in ranked]
    assert composites == sorted(composites, reverse=True)
    # competition ranking: a unit's rank is 1 + the number of units strictly above it
    for r in ranked:
        assert int(r["rank"]) == 1 + sum(1 for c in composites if c > Decimal(r["composite"]))


def test_control_workbook_shows_the_state_after_the_demo(demo_root: Path) -> None:
    values = control.read_values(demo_root / "控制台.xlsx")
    self_counts = [values[control.kind_name(FormKind.SELF, f)] for f in ("FORMS", "RECEIVED", "MISSING", "INVALID")]
    assert self_counts == [12, 10, 1, 1]
    assert values[control.NAME_REJECTED] == 1 and values[control.NAME_LAST_ACTION] == "演示（kaohe demo）"
    assert "自评表待提交：12 湾里管理局" in str(values[control.NAME_DETAIL])


def test_vetoed_unit_is_graded_veto_and_ranked_last(demo_root: Path) -> None:
    rows = _results_csv(demo_root)
    vetoed = [r for r in rows if r["veto"] == "true"]
    assert [r["unit_name"] for r in vetoed] == ["青云谱区"]
    assert vetoed[0]["grade"] == "不达标"
    assert int(vetoed[0]["rank"]) == len(rows)


def test_late_unit_and_bad_file_are_shown_not_zeroed(demo_root: Path) -> None:
    campaign = Campaign.open(demo_root)
    from kaohe_xl.store.status import collection_status

    states = {(s.unit_id, s.form): s.state for s in collection_status(campaign)}
    late, bad = campaign.units[-1], campaign.units[-2]
    assert states[(late.id, FormKind.SELF)] is ReturnState.MISSING
    assert states[(bad.id, FormKind.SELF)] is ReturnState.INVALID
    rows = {r["unit_id"]: r for r in _results_csv(demo_root)}
    assert rows[late.id]["self_total"] == ""  # not 0
    assert rows[bad.id]["self_total"] == ""

    wb = openpyxl.load_workbook(demo_root / "output" / "汇总表.xlsx")
    remarks = " ".join(str(c.value) for row in wb["汇总表"].iter_rows() for c in row if c.value)
    assert "待提交" in remarks and "待核实" in remarks
    returns = " ".join(str(c.value) for row in wb["拒收文件"].iter_rows() for c in row if c.value)
    assert "新建 Microsoft Excel 工作表.xlsx" in returns  # the file that was not a workbook


def test_assessor_forms_were_prefilled_and_two_assessors_averaged(demo_root: Path) -> None:
    campaign = Campaign.open(demo_root)
    group, members = next(iter(campaign.assessor_groups().items()))
    wb = openpyxl.load_workbook(campaign.form_path(FormKind.ASSESSOR, group, group))
    sheet_of = {unit: title for title, unit in layout.decode_sheet_map(read_metadata(wb)[layout.META_SHEETS])}
    ws = wb[sheet_of[members[0].id]]
    header, columns = find_columns(ws, (layout.H_ID, layout.H_SELF_SCORE))
    rows = item_rows(ws, header, columns[layout.H_ID])
    first_item = campaign.rubric.items[0].id
    assert isinstance(ws.cell(rows[first_item], columns[layout.H_SELF_SCORE]).value, int | float)

    items = item_scores_frame(campaign)
    first_group = members
    assessor_rows = items[(items["unit_id"] == first_group[0].id) & (items["source"] == "考核组")]
    assert not assessor_rows.empty
    notes = status_frame(campaign)
    assert (notes["note"].str.contains("李明") & notes["note"].str.contains("赵芳")).any()


def test_feedback_for_every_unit(demo_root: Path) -> None:
    campaign = Campaign.open(demo_root)
    files = sorted((demo_root / "output" / "反馈表").glob("*.xlsx"))
    assert len(files) == len(campaign.units)
    for path in files:
        openpyxl.load_workbook(path)  # every file opens


def test_rerun_replaces_a_demo_folder_but_never_a_user_folder(tmp_path: Path) -> None:
    root = tmp_path / "d"
    run_demo(root, pdf=False, say=lambda _t: None)
    (root / "extra.txt").write_text("x", encoding="utf-8")
    run_demo(root, pdf=False, say=lambda _t: None)
    assert not (root / "extra.txt").exists() and (root / MARKER).exists()

    user = tmp_path / "mine"
    user.mkdir()
    (user / "important.xlsx").write_bytes(b"data")
    with pytest.raises(CampaignError):
        run_demo(user, pdf=False, say=lambda _t: None)
    assert (user / "important.xlsx").read_bytes() == b"data"


@pytest.mark.libreoffice
def test_cli_demo_renders_the_pdf(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "demo" / "output" / "汇总表.pdf"
    assert pdf.exists()
    info = subprocess.run([shutil.which("pdfinfo") or "pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(next(line.split()[-1] for line in info.stdout.splitlines() if line.startswith("Pages:")))
    assert pages == 2  # 汇总表 (12 units fit one landscape page) + the chart
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    campaign = Campaign.open(tmp_path / "demo")
    assert f"{campaign.rubric.settings.name}汇总表" in text and "计分办法" in text
    assert all(unit.name in text for unit in campaign.units)
    assert "完成" in result.output


def test_demo_figures_add_up_from_the_item_scores(demo_root: Path) -> None:
    """Recompute every unit's 考核组 total from its combined item scores by the rubric's rules
    (category caps, bonus cap and threshold, penalties) and the 等次 from the bands."""
    campaign = Campaign.open(demo_root)
    rubric = campaign.rubric
    settings = rubric.settings
    items = item_scores_frame(campaign)
    mine = items[items["source"] == "考核组"]
    rows = {r["unit_id"]: r for r in _results_csv(demo_root)}
    checked = 0
    for unit in campaign.units:
        scores = {k: Decimal(str(v)) for k, v in mine[mine["unit_id"] == unit.id][["key", "value"]].values if v == v}
        if not scores:
            continue
        base = sum(
            (
                min(
                    sum(
                        (scores.get(i.id, Decimal(0)) for i in rubric.items_in(c.name) if i.kind.value == "基础"),
                        Decimal(0),
                    ),
                    c.cap,
                )
                for c in rubric.scored_categories
                if c.cap is not None
            ),
            Decimal(0),
        )
        claimed = sum((scores.get(i.id, Decimal(0)) for i in rubric.items if i.kind.value == "加分"), Decimal(0))
        bonus = min(claimed, settings.bonus_cap) if base >= settings.bonus_threshold else Decimal(0)
        penalty = sum((scores.get(i.id, Decimal(0)) for i in rubric.items if i.kind.value == "扣分"), Decimal(0))
        total = max(base + bonus - penalty, Decimal(0)).quantize(Decimal("0.01"))
        row = rows[unit.id]
        assert Decimal(row["assessor_total"]) == total, unit.name
        assert Decimal(row["composite"]) == total  # 南昌: 考核组 weighs 1, no conversion
        assert (Decimal(row["bonus"]), Decimal(row["penalty"])) == (bonus, penalty)
        if row["veto"] == "false":
            assert row["grade"] == settings.grade_for(total)
        checked += 1
    assert checked == len(campaign.units)


def test_summary_and_feedback_agree_with_the_exported_results(demo_root: Path) -> None:
    rows = _results_csv(demo_root)
    ws = openpyxl.load_workbook(demo_root / "output" / "汇总表.xlsx")["汇总表"]
    headers = [c.value for c in ws[3]]
    shown = [
        (
            ws.cell(r, 1).value,
            ws.cell(r, 2).value,
            ws.cell(r, headers.index("等次") + 1).value,
            ws.cell(r, headers.index("排名") + 1).value,
        )
        for r in range(4, 4 + len(rows))
    ]
    assert shown == [(r["unit_id"], r["unit_name"], r["grade"], int(r["rank"])) for r in rows]
    for row in rows:
        (path,) = (demo_root / "output" / "反馈表").glob(f"{row['unit_id']}_*.xlsx")
        cells = [c.value for line in openpyxl.load_workbook(path)["反馈表"].iter_rows() for c in line]
        composite = cells[cells.index("综合得分") + 2]
        rank = cells[cells.index("排名") + 2]
        # a number now (shown with two decimals), equal to the exported text to the cent
        assert isinstance(composite, (int, float)) and f"{composite:.2f}" == row["composite"]
        assert rank.startswith(f"第 {row['rank']} 名")
        assert cells[cells.index("等次") + 2] == row["grade"]


def test_demo_compares_with_the_samples_earlier_years(demo_root: Path) -> None:
    """Step 9: 与上年对比 against the 2022 snapshot and the 2021 汇总表, two units renamed."""
    rows = {r["unit_name"]: r for r in _results_csv(demo_root)}
    snapshot = json.loads((SAMPLES / "南昌老干部" / "2022年结果快照.json").read_text(encoding="utf-8"))
    last = {u["unit_name"]: u for u in snapshot["units"]}
    ws = openpyxl.load_workbook(demo_root / "output" / "与上年对比.xlsx", data_only=True)["与上年对比"]
    assert [ws.cell(4, c).value for c in range(3, 7)] == ["2023年", "2022年", "2021年", "变化"]
    seen = {}
    for r in range(5, 5 + len(rows)):
        name, now, before, change, rank_move = (ws.cell(r, c).value for c in (2, 3, 4, 6, 10))
        seen[name] = (now, before, change, rank_move)
    renamed = {"湾里管理局": "湾里区", "经开区": "经济技术开发区"}
    for name, row in rows.items():
        now, before, change, move = seen[name]
        assert f"{now:.2f}" == row["composite"]
        old = last.get(renamed.get(name, name))
        if old is None:
            assert name == "红谷滩区" and before is None and move == "新增"
            continue
        assert before == old["composite"]
        assert Decimal(str(change)).quantize(Decimal("0.01")) == Decimal(row["composite"]) - Decimal(
            str(old["composite"])
        )
        moved = old["rank"] - int(row["rank"])
        assert move == ("持平" if moved == 0 else f"↑{moved}" if moved > 0 else f"↓{-moved}")


# ---- the other samples: their own rules, recomputed by hand -----------------------------------
def _run_sample(tmp_path_factory: pytest.TempPathFactory, sample: str) -> Path:
    root = tmp_path_factory.mktemp("demo") / "d"
    report = run_demo(root, pdf=False, say=lambda _text: None, sample=sample)
    assert report.steps[-1].endswith("results.csv")
    return root


@pytest.fixture(scope="module")
def dongli_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _run_sample(tmp_path_factory, "动力厂党建")


@pytest.fixture(scope="module")
def xinzhuang_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _run_sample(tmp_path_factory, "新庄镇综合考核")


def _scores(campaign: Campaign, source: str) -> dict[str, dict[str, Decimal]]:
    """unit → key → combined score, as the 分项明细 shows them (mean of the assessors)."""
    items = item_scores_frame(campaign)
    mine = items[items["source"] == source]
    out: dict[str, dict[str, Decimal]] = {}
    for unit_id, key, value in mine[["unit_id", "key", "value"]].values:
        if value == value:  # not NaN
            out.setdefault(str(unit_id), {})[str(key)] = Decimal(str(value))
    return out


def _dongli_total(campaign: Campaign, scores: dict[str, Decimal]) -> Decimal:
    """One round of seed 003: 重点指标 扣完为止; its 得分 = 基础分 − 扣分 (the 奖励加分 are the year's)."""
    rubric = campaign.rubric
    got = {i.id: scores.get(i.id, Decimal(0)) for i in rubric.items}
    base = Decimal(0)
    for category in rubric.scored_categories:
        assert category.cap is not None
        spent = sum((got[i.id] for i in rubric.items_in(category.name)), Decimal(0))
        base += max(category.cap - spent, Decimal(0)) if category.name == "重点指标" else min(spent, category.cap)
    return max(base - got["23"], Decimal(0))


def _dongli_awards(rounds: list[dict[str, Decimal]]) -> Decimal:
    """Seed 003's 奖励加分 of the year: per award the highest either round entered, 就高不就低
    (表彰 24/25/26 one achievement, 推广 27/28 another), at most 10."""
    got = {key: max(r.get(key, Decimal(0)) for r in rounds) for key in ("24", "25", "26", "27", "28")}
    return min(max(got["24"], got["25"], got["26"]) + max(got["27"], got["28"]), Decimal(10))


def test_dongli_demo_runs_two_rounds_and_its_figures_add_up(dongli_root: Path) -> None:
    campaign = Campaign.open(dongli_root)
    rows = {r["unit_id"]: r for r in _results_csv(dongli_root)}
    rounds = {name: _scores(campaign, name) for name in ("专项督查", "年终考核")}
    assert len(list((dongli_root / "forms" / "考核组评分表").glob("*.xlsx"))) == 2
    for unit in campaign.units:
        first, second = (_dongli_total(campaign, rounds[name][unit.id]) for name in ("专项督查", "年终考核"))
        row = rows[unit.id]
        assert Decimal(row["source_专项督查"]) == first.quantize(Decimal("0.01")), unit.name
        assert Decimal(row["source_年终考核"]) == Decimal(row["assessor_total"]) == second.quantize(Decimal("0.01"))
        # 年度考评总分 = 0.3 × 专项督查 + 0.7 × 年终考核; the year's 奖励加分 once when it is ≥ 60;
        # shown half up (0.3 × 87.25 + 0.7 × 87.5 = 87.425 → 87.43)
        annual = Decimal("0.3") * first + Decimal("0.7") * second
        awards = _dongli_awards([rounds[name][unit.id] for name in ("专项督查", "年终考核")])
        composite = (annual + (awards if annual >= 60 else 0)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert Decimal(row["composite"]) == composite, unit.name
        assert row["grade"] == campaign.rubric.settings.grade_for(composite)
        assert row["passed"] == ("true" if composite >= 60 else "false")


def test_xinzhuang_demo_has_no_self_and_its_figures_add_up(xinzhuang_root: Path) -> None:
    campaign = Campaign.open(xinzhuang_root)
    rubric = campaign.rubric
    assert not (xinzhuang_root / "forms" / "自评表").exists()
    assert len(list((xinzhuang_root / "forms" / "民主测评票").glob("*.xlsx"))) == len(campaign.units)
    rows = {r["unit_id"]: r for r in _results_csv(xinzhuang_root)}
    assessors, leaders, votes = (_scores(campaign, s) for s in ("考核组", "班子评分", "民主测评"))
    weights = {"好": Decimal(1), "较好": Decimal("0.8"), "一般": Decimal("0.6"), "较差": Decimal(0)}
    for unit in campaign.units:
        cast = votes[unit.id]
        ratio = sum((cast[g] * w for g, w in weights.items()), Decimal(0)) / sum((cast[g] for g in weights), Decimal(0))
        item17 = (ratio * 5).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert assessors[unit.id]["17"] == item17  # filled from the votes, not by an assessor
        got = {**assessors[unit.id], "17": item17}
        total = sum(
            (
                min(sum((got.get(i.id, Decimal(0)) for i in rubric.items_in(c.name)), Decimal(0)), Decimal(100))
                for c in rubric.scored_categories
            ),
            Decimal(0),
        )
        rated = sum(leaders[unit.id].values(), Decimal(0))  # each category already the mean of 7 raters
        row = rows[unit.id]
        assert Decimal(row["source_考核组"]) == total and Decimal(row["source_民主测评"]) == item17, unit.name
        assert Decimal(row["source_班子评分"]) == rated
        converted = Decimal("0.9") * total * 1000 / 1500 + Decimal("0.1") * rated * 10
        composite = converted.quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert Decimal(row["composite"]) == composite, unit.name
        assert row["self_total"] == "" and row["grade"] == rubric.settings.grade_for(composite)


def test_cli_demo_sample_option(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", str(tmp_path / "x"), "--no-pdf", "--sample", "新庄镇综合考核"])
    assert result.exit_code == 0, result.output
    assert "本方案不设自评" in result.output and "民主测评票 8 份" in result.output
    wrong = CliRunner().invoke(main, ["demo", str(tmp_path / "y"), "--sample", "别的"])
    assert wrong.exit_code == 2


def test_the_readme_shows_the_ranks_the_demo_gives(demo_root: Path) -> None:
    """The README's transcript (and the picture of the summary beside it) show the demo's
    units, composites, grades and ranks: a change in the demo's results fails here until
    the transcript and docs/summary_page1.png are made again (docs/pictures.py)."""
    from conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    command = "$ cut -d, -f1,2,9-11 kaohe-demo/output/results.csv\n"
    shown = readme.split(command, 1)[1].split("```", 1)[0].strip().splitlines()
    columns = ("unit_id", "unit_name", "composite", "grade", "rank")
    actual = [",".join(columns)] + [",".join(row[c] for c in columns) for row in _results_csv(demo_root)]
    assert shown == actual
