"""Collecting what a clerk really receives beyond the corpus: OpenDocument files, GBK file
names, zip bombs, error values, Strict Open XML, padded assessor names, blank forms, the
campaign folder itself, two versions of one return in one batch, a store that is busy."""

from __future__ import annotations

import io
import os
import re
import sqlite3
import subprocess
import sys
import time
import zipfile
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from _returns_helpers import (
    GOOD,
    collect_one,
    compound_file,
    counts,
    fill_assessor,
    fill_self,
    issues,
    rewrite_part,
    rows,
    sheet_part,
)
from click.testing import CliRunner
from conftest import REPO

from kaohe_xl.campaign import Campaign
from kaohe_xl.cli.commands import EXIT_ERROR, main
from kaohe_xl.collect import received
from kaohe_xl.collect.returns import ReturnReadError, sniff
from kaohe_xl.collect.run import collect
from kaohe_xl.errors import StoreError
from kaohe_xl.forms import layout
from kaohe_xl.forms.generate import generate_forms
from kaohe_xl.rubric.model import FormKind
from kaohe_xl.store.db import explain
from kaohe_xl.store.report import status_report
from kaohe_xl.store.status import latest_records


@pytest.fixture
def ready(campaign: Campaign) -> Campaign:
    generate_forms(campaign)
    return campaign


def _archived(campaign: Campaign, data: bytes) -> bool:
    return any(p.read_bytes() == data for p in campaign.archive_dir.iterdir() if p.is_file())


def _ods_bytes() -> bytes:
    """An OpenDocument spreadsheet as LibreOffice writes it: ``mimetype`` first, stored."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as ods:
        ods.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        ods.writestr("content.xml", "<office:document-content/>", zipfile.ZIP_DEFLATED)
        ods.writestr("styles.xml", "<office:document-styles/>", zipfile.ZIP_DEFLATED)
        ods.writestr("META-INF/manifest.xml", "<manifest:manifest/>", zipfile.ZIP_DEFLATED)
        ods.writestr("Thumbnails/thumbnail.png", b"\x89PNG\r\n", zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def test_opendocument_file_is_one_quarantined_file_not_an_archive(ready: Campaign, tmp_path: Path) -> None:
    data = _ods_bytes()
    (tmp_path / "东湖村.ods").write_bytes(data)
    result = collect_one(ready, tmp_path / "东湖村.ods")
    assert (result.name, result.status, [p.code for p in result.problems]) == (
        "东湖村.ods",
        "quarantined",
        ["opendocument"],
    )
    assert "另存为" in result.problems[0].message
    assert _archived(ready, data) and counts(ready)["files"] == 1


def test_gbk_file_name_is_decoded_and_stored(ready: Campaign, tmp_path: Path) -> None:
    folder = tmp_path / "回收"  # a UTF-8 folder name, as the clerk made it
    folder.mkdir()
    # 测试村.xlsx in GBK, as `unzip` leaves a name from a zip made on Chinese Windows
    name = os.fsdecode("测试村.xlsx".encode("gbk"))
    path = fill_self(ready, "01", folder / name)
    report = collect(ready, [folder])
    [result] = report.results
    assert (result.name, result.status) == ("测试村.xlsx", "accepted")
    # each part of the path decoded on its own: the UTF-8 folder stays as it is
    assert rows(ready, "SELECT original_name, source_path FROM files") == [("测试村.xlsx", str(folder / "测试村.xlsx"))]
    assert path.exists()


def test_undecodable_file_name_is_shown_with_replacement_characters(ready: Campaign, tmp_path: Path) -> None:
    folder = tmp_path / "odd"
    folder.mkdir()
    fill_self(ready, "01", folder / os.fsdecode(b"\xff\xfe\xfd.xlsx"))
    [result] = collect(ready, [folder]).results
    assert result.status == "accepted" and result.name.endswith(".xlsx") and "\ufffd" in result.name


def test_oversized_zip_member_is_skipped_and_the_returns_beside_it_collected(
    ready: Campaign, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(received, "MAX_MEMBER_BYTES", 1024 * 1024)
    form = fill_self(ready, "01", tmp_path / "x" / "东湖村.xlsx").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("东湖村.xlsx", form)  # before the big one: order must not matter
        archive.writestr("佐证材料扫描.pdf", b"\0" * (3 * 1024 * 1024))
        archive.writestr("西山村.xlsx", fill_self(ready, "02", tmp_path / "x" / "西山村.xlsx").read_bytes())
    data = buffer.getvalue()
    (tmp_path / "回收.zip").write_bytes(data)
    report = collect(ready, [tmp_path / "回收.zip"])
    found = {r.name: (r.status, [p.code for p in r.problems]) for r in report.results}
    assert found == {
        "佐证材料扫描.pdf": ("quarantined", ["too_large"]),
        "东湖村.xlsx": ("accepted", []),
        "西山村.xlsx": ("accepted", []),
    }
    big = next(r for r in report.results if r.name == "佐证材料扫描.pdf")
    assert "3 MB" in big.problems[0].message
    assert _archived(ready, data)  # the zip, with the big member inside, is kept as sent
    assert rows(ready, "SELECT status FROM files WHERE original_name = '回收.zip'") == [("unpacked",)]


def test_zip_bomb_is_not_unpacked_at_all(ready: Campaign, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(received, "MAX_ARCHIVE_BYTES", 2 * 1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.xlsx", fill_self(ready, "01", tmp_path / "a.xlsx").read_bytes())
        for n in range(3):
            archive.writestr(f"{n}.bin", b"\0" * (1024 * 1024))  # 3 MB in all, each under the member limit
    data = buffer.getvalue()
    (tmp_path / "炸弹.zip").write_bytes(data)
    [result] = collect(ready, [tmp_path / "炸弹.zip"]).results
    assert (result.name, result.status, [p.code for p in result.problems]) == (
        "炸弹.zip",
        "quarantined",
        ["bad_archive"],
    )
    assert rows(ready, "SELECT COUNT(*) FROM submissions") == [(0,)] and _archived(ready, data)


def test_cli_output_in_a_legacy_code_page_never_crashes(ready: Campaign, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "东湖区自评表😀.xlsx").write_bytes(b"not a workbook")
    env = {**os.environ, "PYTHONIOENCODING": "gbk", "PYTHONPATH": str(REPO)}
    run = [sys.executable, "-m", "kaohe_xl"]
    collected = subprocess.run(
        [*run, "collect", str(ready.root), str(folder)], capture_output=True, env=env, timeout=120
    )
    status = subprocess.run([*run, "status", str(ready.root)], capture_output=True, env=env, timeout=120)
    assert (collected.returncode, status.returncode) == (3, 0), collected.stderr.decode("gbk", "replace")
    assert b"Traceback" not in collected.stderr + status.stderr
    assert "东湖区自评表?.xlsx" in collected.stdout.decode("gbk") + status.stdout.decode("gbk")


@pytest.mark.parametrize("error", ["#DIV/0!", "#N/A", "#REF!"])
def test_error_value_in_a_score_cell_is_reported_as_such(ready: Campaign, tmp_path: Path, error: str) -> None:
    # openpyxl writes these strings as error cells (t="e"), as Excel stores a pasted error
    path = fill_self(ready, "01", tmp_path / "err.xlsx", {**GOOD, "3": error})
    assert b't="e"' in zipfile.ZipFile(path).read(sheet_part(path, layout.SELF_SHEET))
    result = collect_one(ready, path)
    [problem] = [p for p in result.problems if p.item == "3"]
    assert (problem.code, problem.value) == ("not_number", error)
    assert "错误值" in problem.message


def test_boolean_and_long_text_in_score_cells(ready: Campaign, tmp_path: Path) -> None:
    essay = "本单位高度重视，" * 200
    result = collect_one(ready, fill_self(ready, "01", tmp_path / "b.xlsx", {**GOOD, "1": True, "2": essay}))
    found = {p.item: p for p in result.problems}
    assert found["1"].code == "not_number" and "“TRUE”" in found["1"].message
    assert found["2"].code == "not_number"
    assert len(found["2"].value) <= 60 and len(found["2"].message) < 120 and found["2"].value.endswith("…")


_STRICT = {
    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main": b"http://purl.oclc.org/ooxml/spreadsheetml/main",
    b"http://schemas.openxmlformats.org/officeDocument/2006/relationships": (
        b"http://purl.oclc.org/ooxml/officeDocument/relationships"
    ),
}


def _as_strict(xml: bytes) -> bytes:
    """Excel's "Strict Open XML" save: the same elements in purl.oclc.org namespaces."""
    for transitional, strict in _STRICT.items():
        xml = xml.replace(transitional, strict)
    return xml


def test_strict_open_xml_return_is_checked_like_any_other(ready: Campaign, tmp_path: Path) -> None:
    path = fill_self(ready, "01", tmp_path / "strict.xlsx", {**GOOD, "1": "=1+1"})
    rewrite_part(path, r"xl/workbook\.xml|xl/worksheets/.*\.xml|xl/sharedStrings\.xml", _as_strict)
    result = collect_one(ready, path)
    assert result.status == "invalid"
    assert [(p.code, p.item) for p in result.problems] == [("formula", "1")]


def test_strict_open_xml_assessor_return_finds_the_assessor_cell(ready: Campaign, tmp_path: Path) -> None:
    path = fill_assessor(ready, "第一考核组", "李明", tmp_path / "a.xlsx", {"01": GOOD, "02": GOOD})
    rewrite_part(path, r"xl/workbook\.xml|xl/worksheets/.*\.xml|xl/sharedStrings\.xml", _as_strict)
    result = collect_one(ready, path)
    assert (result.status, result.rater, result.problems) == ("accepted", "李明", ())


def test_padded_assessor_names_are_one_assessor(ready: Campaign, tmp_path: Path) -> None:
    first = fill_assessor(ready, "第一考核组", "李明", tmp_path / "a1.xlsx", {"01": GOOD, "02": GOOD})
    again = fill_assessor(ready, "第一考核组", "李　明 ", tmp_path / "a2.xlsx", {"01": {**GOOD, "1": 4}, "02": GOOD})
    results = [collect_one(ready, first), collect_one(ready, again)]
    assert [(r.rater, r.revision) for r in results] == [("李明", 1), ("李明", 2)]
    assessors = {r.rater for r in latest_records(ready) if r.form is FormKind.ASSESSOR}
    assert assessors == {"李明"}


def test_untouched_form_is_not_a_return(ready: Campaign, tmp_path: Path) -> None:
    good = collect_one(ready, fill_self(ready, "01", tmp_path / "good.xlsx"))
    untouched = tmp_path / "回复" / "东湖村自评表.xlsx"  # the unit sent back the form as it came
    untouched.parent.mkdir()
    untouched.write_bytes(ready.form_path(FormKind.SELF, "01").read_bytes())
    blank = collect_one(ready, untouched)
    assert good.status == "accepted"
    assert (blank.status, [p.code for p in blank.problems]) == ("rejected", ["blank_form"])
    assert rows(ready, "SELECT COUNT(*) FROM submissions") == [(1,)]  # the good return still counts
    assert {r.unit_id for r in latest_records(ready)} == {"01"}
    assert issues(ready, blank.sha256) == [("blank_form", "", "", "")]


def test_collecting_the_campaign_folder_takes_only_the_inbox(ready: Campaign, tmp_path: Path) -> None:
    fill_self(ready, "02", ready.inbox_dir / "西山村.xlsx")
    report = collect(ready, [ready.root])
    assert [(r.name, r.status) for r in report.results] == [("西山村.xlsx", "accepted")]
    generated = sum(1 for p in ready.forms_dir.rglob("*.xlsx"))
    assert len(report.skipped) >= generated + 3  # forms, kaohe.sqlite, campaign.yaml, 控制台.xlsx
    assert any("已跳过考核目录自身" in line for line in report.notes())
    assert rows(ready, "SELECT original_name FROM files") == [("西山村.xlsx",)]


def _saved_at(path: Path, stamp: str) -> Path:
    """Set the workbook's own 修改时间 (docProps/core.xml), as Excel writes it on save."""

    def change(xml: bytes) -> bytes:
        return re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), xml)

    return rewrite_part(path, r"docProps/core\.xml", change)


def test_the_version_saved_last_counts_whatever_the_file_names(ready: Campaign, tmp_path: Path) -> None:
    folder = tmp_path / "下载"
    # downloaded in this order: the browser names the second 自评表(1).xlsx, which sorts first
    first = _saved_at(fill_self(ready, "01", folder / "自评表.xlsx", {**GOOD, "1": 1}), "2023-12-01T09:00:00Z")
    corrected = _saved_at(fill_self(ready, "01", folder / "自评表(1).xlsx", {**GOOD, "1": 4}), "2023-12-02T16:30:00Z")
    os.utime(first, (time.time(), time.time()))  # the file times say nothing useful
    report = collect(ready, [folder])
    assert [(r.name, r.revision) for r in report.results] == [("自评表.xlsx", 1), ("自评表(1).xlsx", 2)]
    latest = {r.key: r.value for r in latest_records(ready) if r.unit_id == "01"}
    assert str(latest["1"]) == "4"
    assert any("本次收到 2 份" in line and "自评表(1).xlsx" in line for line in report.notes())
    assert corrected.exists()


def test_empty_folder_says_nothing_was_found(ready: Campaign, tmp_path: Path) -> None:
    (tmp_path / "空").mkdir()
    outcome = CliRunner().invoke(main, ["collect", str(ready.root), str(tmp_path / "空")])
    assert outcome.exit_code == 0 and "没有找到任何文件" in outcome.output


@pytest.mark.parametrize(
    ("stream", "code", "words"),
    [
        ("WordDocument", "word_document", "Word 文档"),
        ("__substg1.0_0037001F", "not_xlsx", "Outlook 邮件"),
        ("Workbook", "old_format", ".xls"),
        ("EncryptionInfo", "encrypted", "密码"),
    ],
)
def test_ole_files_are_told_apart(stream: str, code: str, words: str) -> None:
    with pytest.raises(ReturnReadError) as caught:
        sniff(compound_file(stream))
    assert caught.value.code == code and words in str(caught.value)


def test_a_stream_name_in_the_data_of_an_xls_does_not_make_it_a_word_document() -> None:
    """The directory is read: text that only looks like a stream name is not one."""
    data = compound_file("Workbook") + "WordDocument EncryptionInfo".encode("utf-16-le")
    with pytest.raises(ReturnReadError) as caught:
        sniff(data)
    assert caught.value.code == "old_format"


def test_a_damaged_compound_file_is_named_an_old_workbook_not_a_crash() -> None:
    broken = compound_file("Workbook")[:600]  # the directory sector is gone
    with pytest.raises(ReturnReadError) as caught:
        sniff(broken)
    assert caught.value.code == "old_format"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"Received: from mx\r\nMIME-Version: 1.0\r\nSubject: x\r\n\r\nbody", "邮件文件"),
        ("编号,自评得分\n1,3\n".encode("gbk"), "文本文件"),
    ],
)
def test_mail_and_text_files_are_named(data: bytes, words: str) -> None:
    with pytest.raises(ReturnReadError) as caught:
        sniff(data)
    assert words in str(caught.value)


def test_status_does_not_wait_for_a_running_collect(ready: Campaign) -> None:
    with closing(sqlite3.connect(ready.db_path, timeout=1)) as writer:
        writer.execute("BEGIN IMMEDIATE")  # what collect holds while it stores a file
        started = time.monotonic()
        report = status_report(ready)
        assert time.monotonic() - started < 5
        writer.rollback()
    assert report.counts()


def test_unopenable_store_is_a_clear_error(ready: Campaign) -> None:
    ready.db_path.unlink()
    ready.db_path.mkdir()  # not a database file at all
    outcome = CliRunner().invoke(main, ["status", str(ready.root)])
    assert outcome.exit_code == EXIT_ERROR
    assert "考核库" in outcome.output and "Traceback" not in outcome.output


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("database is locked", "正被另一个程序占用"),
        ("attempt to write a readonly database", "可以写入"),
        ("file is not a database", "已损坏"),
    ],
)
def test_store_failures_are_explained(text: str, words: str) -> None:
    error = explain(sqlite3.OperationalError(text), "/x/kaohe.sqlite")
    assert isinstance(error, StoreError) and words in str(error) and text in str(error)


def test_campaign_store_that_is_not_a_database_raises_store_error(ready: Campaign) -> None:
    ready.db_path.unlink()
    ready.db_path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError):
        Campaign.open(ready.root).connect().close()


def test_a_folder_that_cannot_be_listed_is_reported(
    ready: Campaign, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    top = tmp_path / "回收"
    fill_self(ready, "01", top / "东湖村.xlsx")
    fill_self(ready, "02", top / "锁定" / "西山村.xlsx")
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if Path(path).name == "锁定":  # as a folder without read permission on a share
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = collect(ready, [top])
    assert [r.name for r in report.results] == ["东湖村.xlsx"]
    assert not report.clean
    assert any(line.startswith("无法打开文件夹") and "锁定" in line for line in report.notes())


def test_line_breaks_in_remarks_are_kept(ready: Campaign, tmp_path: Path) -> None:
    typed = "  会议记录缺 2 次\n\n  台账不全 "  # Alt+Enter between the two points
    result = collect_one(ready, fill_self(ready, "01", tmp_path / "r.xlsx", notes={"1": typed}))
    [(remark,)] = rows(
        ready,
        "SELECT c.remark FROM scores c JOIN submissions s ON s.id = c.submission_id"
        " JOIN files f ON f.id = s.file_id WHERE f.sha256 = ? AND c.item_id = '1'",
        result.sha256,
    )
    assert remark == "会议记录缺 2 次\n台账不全"


def _zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_an_old_return_in_a_new_zip_does_not_beat_a_newer_loose_file(ready: Campaign, tmp_path: Path) -> None:
    work, folder = tmp_path / "work", tmp_path / "下载"
    old = _saved_at(fill_self(ready, "01", work / "旧.xlsx", {**GOOD, "1": 1}), "2023-12-01T09:00:00Z")
    newer = _saved_at(fill_self(ready, "01", folder / "东湖村.xlsx", {**GOOD, "1": 4}), "2023-12-02T09:00:00Z")
    (folder / "打包.zip").write_bytes(_zip_of({"东湖村(旧).xlsx": old.read_bytes()}))  # downloaded last
    os.utime(newer, (time.time() - 3600, time.time() - 3600))
    report = collect(ready, [folder])
    assert [(r.name, r.revision) for r in report.results] == [("东湖村(旧).xlsx", 1), ("东湖村.xlsx", 2)]
    assert str({r.key: r.value for r in latest_records(ready)}["1"]) == "4"


def test_the_note_names_the_return_that_counts_when_the_newest_has_errors(ready: Campaign, tmp_path: Path) -> None:
    folder = tmp_path / "下载"
    _saved_at(fill_self(ready, "01", folder / "a.xlsx", {**GOOD, "1": 4}), "2023-12-01T09:00:00Z")
    _saved_at(fill_self(ready, "01", folder / "b.xlsx", {**GOOD, "1": "四"}), "2023-12-02T09:00:00Z")
    report = collect(ready, [folder])
    assert [(r.name, r.status) for r in report.results] == [("a.xlsx", "accepted"), ("b.xlsx", "invalid")]
    [note] = [line for line in report.notes() if "本次收到 2 份" in line]
    assert "最后保存的“b.xlsx”有错误（待核实），暂以“a.xlsx”（第 1 版）为准" in note
    assert str({r.key: r.value for r in latest_records(ready)}["1"]) == "4"
