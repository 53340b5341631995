"""Collect never aborts: files made to crash or exhaust the reader are rejected with a
located reason, and the returns beside them are collected. Risky reads run in a child
process, so a regression fails the test instead of killing pytest."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
import zipfile
from contextlib import closing
from pathlib import Path

import openpyxl
import pytest
from _hostile_helpers import append_rows, rezip, set_field
from _returns_helpers import GOOD, cell_of, collect_one, fill_self, rows, sheet_part, stored_values
from click.testing import CliRunner

from kaohe_xl.campaign import Campaign
from kaohe_xl.cli.commands import main
from kaohe_xl.collect.run import collect
from kaohe_xl.forms import layout
from kaohe_xl.forms.generate import generate_forms


@pytest.fixture
def ready(campaign: Campaign) -> Campaign:
    generate_forms(campaign)
    return campaign


def run_collect(campaign: Campaign, *paths: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``kaohe collect`` in a child process (an abort or a hang cannot take pytest down)."""
    args = [sys.executable, "-m", "kaohe_xl", "collect", str(campaign.root), "-q", *map(str, paths)]
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, env={**os.environ, "PYTHONUTF8": "1"})


def file_states(campaign: Campaign) -> dict[str, tuple[str, str]]:
    """original name → (status, first error) of every file in the store."""
    return {
        name: (status, reason)
        for name, status, reason in rows(campaign, "SELECT original_name, status, reason FROM files")
    }


def integrity(campaign: Campaign) -> str:
    with closing(sqlite3.connect(campaign.db_path)) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def with_sheet_xml(campaign: Campaign, tmp_path: Path, name: str, change: object) -> Path:
    """unit 01's filled 自评表 with its sheet XML passed through ``change``."""
    path = fill_self(campaign, "01", tmp_path / name)
    part = sheet_part(path, layout.SELF_SHEET)
    data = rezip(path.read_bytes(), lambda member, xml: change(xml) if member == part else xml)  # type: ignore[operator]
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "junk",
    [
        # a far cell written with single quotes: valid XML the old byte patterns missed
        b"<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>",
        # 16,384 cells without a reference in the last row: Excel places them A..XFD
        b'<row r="1048576">' + b"<c><v>1</v></c>" * 16_384 + b"</row>",
    ],
    ids=["single_quoted_far_cell", "cells_without_r"],
)
def test_a_sheet_that_would_make_calamine_allocate_512_gib_does_not_abort_collect(
    ready: Campaign, tmp_path: Path, junk: bytes
) -> None:
    bad = with_sheet_xml(ready, tmp_path, "stray.xlsx", lambda xml: append_rows(xml, junk))
    assert bad.stat().st_size < 100_000
    good = fill_self(ready, "02", tmp_path / "good.xlsx")
    done = run_collect(ready, bad, good)
    assert done.returncode in (0, 3), done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    states = file_states(ready)
    assert states["good.xlsx"][0] == "accepted"
    # the junk lies outside the form: the return is read by the bounded reader, values intact
    assert states["stray.xlsx"][0] == "accepted"
    sha = rows(ready, "SELECT sha256 FROM files WHERE original_name = 'stray.xlsx'")[0][0]
    assert {item: v[2] for (_, item), v in stored_values(ready, sha).items()} == {k: str(v) for k, v in GOOD.items()}
    assert integrity(ready) == "ok"


def _score_cell(campaign: Campaign, item: str) -> str:
    wb = openpyxl.load_workbook(campaign.form_path(__import__("kaohe_xl").rubric.model.FormKind.SELF, "01"))
    return cell_of(wb[layout.SELF_SHEET], item, layout.H_SELF_SCORE)


@pytest.mark.parametrize("style", ["single_quotes", "long_start_tag"])
def test_a_formula_cannot_hide_behind_quotes_or_a_long_tag(ready: Campaign, tmp_path: Path, style: str) -> None:
    ref = _score_cell(ready, "1")
    padding = " ".join(f'x{i}="{"y" * 20}"' for i in range(40)) if style == "long_start_tag" else ""

    def forge(xml: bytes) -> bytes:
        start = xml.index(f'<c r="{ref}"'.encode())
        end = xml.index(b"</c>", start) + 4 if xml.find(b"/>", start) > xml.find(b"</c>", start) > 0 else 0
        end = end or xml.index(b"/>", start) + 2
        cell = f"<c r='{ref}' {padding}><f>A1</f><v>3</v></c>".encode()
        return xml[:start] + cell + xml[end:]

    path = with_sheet_xml(ready, tmp_path, f"{style}.xlsx", forge)
    result = collect_one(ready, path)
    assert result.status == "invalid"
    assert [(p.code, p.cell, p.item) for p in result.problems] == [("formula", ref, "1")]


def _loose_with(campaign: Campaign, tmp_path: Path, name: str, member: str, field: str, value: int) -> Path:
    path = fill_self(campaign, "01", tmp_path / name)
    path.write_bytes(set_field(path.read_bytes(), member, field, value))
    return path


def test_damaged_zip_headers_are_located_rejections_and_the_batch_goes_on(ready: Campaign, tmp_path: Path) -> None:
    """Each of these stopped the whole batch with a traceback."""
    sheet = sheet_part(fill_self(ready, "01", tmp_path / "probe.xlsx"), layout.SELF_SHEET)
    refused = [
        _loose_with(ready, tmp_path, "version.xlsx", sheet, "version", 99),  # NotImplementedError
        _loose_with(ready, tmp_path, "bzip2_sheet.xlsx", sheet, "method", 12),  # OSError
        _loose_with(ready, tmp_path, "lzma_sheet.xlsx", sheet, "method", 14),  # LZMAError
    ]
    # docProps/core.xml only says when the file was saved: damage there is not worth a refusal
    harmless = [
        _loose_with(ready, tmp_path, "encrypted_core.xlsx", "docProps/core.xml", "flags", 0x1),  # RuntimeError
        _loose_with(ready, tmp_path, "lzma_core.xlsx", "docProps/core.xml", "method", 14),  # LZMAError
    ]
    inner = fill_self(ready, "03", tmp_path / "inner.xlsx").read_bytes()
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("东湖村.xlsx", inner)
    archive.write_bytes(set_field(archive.read_bytes(), "东湖村.xlsx", "method", 12))  # a bzip2 member: OSError
    good = fill_self(ready, "02", tmp_path / "good.xlsx")
    report = collect(ready, [*refused, *harmless, archive, good])
    by_name = {r.name: r for r in report.results}
    assert by_name["good.xlsx"].status == "accepted"
    for path in refused:
        result = by_name[path.name]
        assert result.status == "quarantined", (path.name, result)
        assert [p.file for p in result.problems] == [path.name]
        assert "部件" in result.problems[0].message or "压缩" in result.problems[0].message
    assert sheet in by_name["bzip2_sheet.xlsx"].problems[0].message
    for path in harmless:
        assert (by_name[path.name].status, by_name[path.name].problems) == ("accepted", ()), path.name
    assert by_name["bundle.zip"].status == "quarantined"
    assert by_name["bundle.zip"].problems[0].code == "bad_archive"
    assert integrity(ready) == "ok"


def test_a_loose_workbook_whose_metadata_inflates_to_100_mb_is_refused_at_once(ready: Campaign, tmp_path: Path) -> None:
    path = fill_self(ready, "01", tmp_path / "bomb.xlsx")
    meta = sheet_part(path, layout.META_SHEET)
    with zipfile.ZipFile(path) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        for name, data in members.items():
            if name != meta:
                bomb.writestr(name, data)
                continue
            with bomb.open(name, "w") as part:  # the sheet, then 100 MB of blanks inside it
                head, _, tail = data.partition(b"</sheetData>")
                part.write(head)
                for _ in range(100):
                    part.write(b" " * 2**20)
                part.write(b"</sheetData>" + tail)
    assert path.stat().st_size < 1_000_000
    started = time.monotonic()
    result = collect_one(ready, path)
    assert time.monotonic() - started < 20
    assert (result.status, [p.code for p in result.problems]) == ("quarantined", ["too_large"])
    assert meta in result.problems[0].message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX thing")
def test_a_named_pipe_is_skipped_with_a_note_not_waited_for(ready: Campaign, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    os.mkfifo(folder / "pipe.xlsx")
    fill_self(ready, "01", folder / "good.xlsx")
    os.mkfifo(tmp_path / "named.xlsx")
    done = run_collect(ready, folder, tmp_path / "named.xlsx", timeout=60)
    assert done.returncode == 3, done.stderr[-2000:]
    assert done.stdout.count("不是普通文件（命名管道）") == 2
    assert file_states(ready) == {"good.xlsx": ("accepted", "")}


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges on Windows")
def test_a_link_to_a_file_outside_the_inputs_is_not_followed(ready: Campaign, tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere" / "secret.xlsx"
    fill_self(ready, "02", secret)
    folder = tmp_path / "inbox"
    fill_self(ready, "01", folder / "good.xlsx")
    (folder / "link.xlsx").symlink_to(secret)
    (folder / "inside.xlsx").symlink_to(folder / "good.xlsx")  # a link within the inputs is fine
    (folder / "outdir").symlink_to(secret.parent, target_is_directory=True)
    report = collect(ready, [folder])
    assert [r.name for r in report.results] == ["good.xlsx", "inside.xlsx"]
    assert report.results[1].status == "duplicate"
    assert any("link.xlsx" in line and "链接" in line for line in report.notes())
    assert any("outdir" in line for line in report.notes())
    assert not any(p.read_bytes() == secret.read_bytes() for p in ready.archive_dir.iterdir())
    assert not report.clean


def test_archive_being_a_file_is_a_clear_error(ready: Campaign, tmp_path: Path) -> None:
    ready.archive_dir.rmdir()
    ready.archive_dir.write_text("not a folder")
    good = fill_self(ready, "01", tmp_path / "good.xlsx")
    result = CliRunner().invoke(main, ["collect", str(ready.root), str(good)])
    assert result.exit_code == 1, result.output
    assert "archive" in result.output and "文件" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
