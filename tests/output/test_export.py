"""``kaohe export``: one row per unit, stable English columns, CSV with BOM, JSON."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from _scoring_helpers import THREE, form_records, return_forms, small_rubric
from click.testing import CliRunner

from kaohe_xl.campaign import Campaign
from kaohe_xl.cli.commands import main
from kaohe_xl.errors import OutputError
from kaohe_xl.output.export import export_columns, export_results, render
from kaohe_xl.scoring.engine import score

COLUMNS = [
    "unit_id",
    "unit_name",
    "group",
    "self_total",
    "assessor_total",
    "bonus",
    "penalty",
    "veto",
    "composite",
    "grade",
    "rank",
    "status",
    "passed",
    "source_自评",
    "source_考核组",
]


def test_csv_has_bom_stable_columns_and_blank_for_missing(campaign: Campaign, tmp_path: Path) -> None:
    return_forms(campaign, tmp_path / "inbox")
    path = export_results(campaign).path
    assert path == campaign.output_dir / "results.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel then shows the Chinese text
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert list(rows[0]) == COLUMNS
    assert rows[0] | {} == {
        "unit_id": "01",
        "unit_name": "东湖村",
        "group": "村",
        "self_total": "12.00",
        "assessor_total": "11.50",
        "bonus": "2.00",
        "penalty": "0.00",
        "veto": "false",
        "composite": "11.50",
        "grade": "优秀",
        "rank": "1",
        "status": "ok",
        "passed": "true",
        "source_自评": "12.00",
        "source_考核组": "11.50",
    }
    assert (rows[2]["unit_id"], rows[2]["composite"], rows[2]["rank"], rows[2]["status"]) == ("03", "", "", "missing")
    assert rows[2]["passed"] == ""  # no composite yet: neither passed nor failed


def test_json_rows(campaign: Campaign, tmp_path: Path) -> None:
    return_forms(campaign, tmp_path / "inbox")
    out = tmp_path / "r.json"
    result = CliRunner().invoke(main, ["export", str(campaign.root), "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert [r["unit_id"] for r in rows] == ["01", "02", "03"]
    assert rows[1]["composite"] == 6.5 and rows[1]["rank"] == 2 and rows[1]["veto"] is False
    assert rows[2]["composite"] is None and rows[2]["status"] == "missing"
    assert list(rows[0]) == COLUMNS


@pytest.mark.parametrize("name", ["=1+1", "+1", "-1", "@SUM(A1)", '=HYPERLINK("http://x","y")'])
def test_csv_text_starting_like_a_formula_is_escaped(name: str) -> None:
    units = [THREE[0].__class__("01", name, "村")]
    results = score(small_rubric(), units, form_records("01", {"1": 4, "2": 2, "3": 4}))
    row = next(csv.DictReader(render(results, "csv").splitlines()))
    assert row["unit_name"] == "'" + name and row["composite"] == "10.00"
    assert json.loads(render(results, "json"))[0]["unit_name"] == name  # JSON keeps data as is
    assert export_columns(results) == COLUMNS


def test_format_follows_the_file_name_or_fmt(campaign: Campaign, tmp_path: Path) -> None:
    as_json = export_results(campaign, tmp_path / "r.JSON")
    assert as_json.files == [tmp_path / "r.JSON"] and isinstance(json.loads(as_json.path.read_text()), list)
    forced = export_results(campaign, tmp_path / "r.txt", fmt="json")
    assert forced.path.read_text().lstrip().startswith("[")
    assert export_results(campaign, tmp_path / "r.txt").path.read_bytes().startswith(b"\xef\xbb\xbf")  # CSV


def test_the_old_positional_format_still_works_with_a_warning(campaign: Campaign) -> None:
    with pytest.warns(DeprecationWarning, match="fmt="):
        report = export_results(campaign, "json")  # 0.1: export_results(campaign, fmt, out)
    assert report.path == campaign.output_dir / "results.json"


def test_unknown_format_is_refused(campaign: Campaign, tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="csv"):
        export_results(campaign, tmp_path / "x.csv", fmt="xml")
