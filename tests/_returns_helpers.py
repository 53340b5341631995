"""Helpers for the collect tests: fill generated forms as a unit would, damage them as
people (and other programs) do, and look at the store.

Cells are found the way the reader finds them: header labels, the 编号 column, the
defined name of the 评分人 cell — never fixed coordinates.
"""

from __future__ import annotations

import io
import re
import sqlite3
import zipfile
from collections.abc import Callable, Mapping
from contextlib import closing
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from conftest import write_rubric_workbook, write_units_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from kaohe_xl.campaign import Campaign
from kaohe_xl.collect.run import FileResult, collect
from kaohe_xl.forms import layout
from kaohe_xl.forms.fill import header_row, item_rows
from kaohe_xl.forms.generate import generate_forms
from kaohe_xl.rubric.model import FormKind, ItemKind, Rubric
from kaohe_xl.textnorm import normalize_label

Mutate = Callable[[Workbook], None]

# Valid self-scores for the small conftest rubric (items 1..6).
GOOD: dict[str, Any] = {"1": 3, "2": 2, "3": 3.5, "4": 1, "5": 0, "6": "否"}


def generated(campaign: Campaign) -> Campaign:
    """Generate every form of the campaign (once) and return it."""
    if not campaign.forms_dir.joinpath(FormKind.SELF.label).exists():
        generate_forms(campaign)
    return campaign


# (header row, {normalised label: column}): found as kaohe_xl.fill finds it.
header = header_row


def id_rows(ws: Worksheet) -> dict[str, int]:
    """{id in the 编号 column: row} below the header row (the first row of a repeated id)."""
    top, cols = header(ws)
    return item_rows(ws, top, cols[normalize_label(layout.H_ID)])


def cell_of(ws: Worksheet, key: str, label: str) -> str:
    """``G7``: the cell of row ``key`` (item/unit id) in the column headed ``label``."""
    _, cols = header(ws)
    return ws.cell(row=id_rows(ws)[key], column=cols[normalize_label(label)]).coordinate


def write_values(ws: Worksheet, label: str, values: Mapping[str, Any]) -> None:
    """Type ``values`` (id → value) into the ``label`` column, as a person would.

    A string starting with "=" becomes a formula, as when typed into Excel.
    """
    _, cols = header(ws)
    rows = id_rows(ws)
    for key, value in values.items():
        ws.cell(row=rows[key], column=cols[normalize_label(label)]).value = value


def fill_self(
    campaign: Campaign,
    unit_id: str,
    out: Path,
    scores: Mapping[str, Any] | None = None,
    notes: Mapping[str, str] | None = None,
    mutate: Mutate | None = None,
) -> Path:
    """The unit's generated 自评表, filled with ``scores`` (default GOOD), saved as ``out``."""
    wb = openpyxl.load_workbook(campaign.form_path(FormKind.SELF, unit_id))
    ws = wb[layout.SELF_SHEET]
    write_values(ws, layout.H_SELF_SCORE, GOOD if scores is None else scores)
    write_values(ws, layout.H_SELF_NOTE, notes or {})
    if mutate is not None:
        mutate(wb)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def fill_assessor(
    campaign: Campaign,
    group: str,
    assessor: str | None,
    out: Path,
    scores: Mapping[str, Mapping[str, Any]],
    mutate: Mutate | None = None,
) -> Path:
    """The group's 考核组评分表 with the 评分人 name and unit id → item id → score."""
    wb = openpyxl.load_workbook(campaign.form_path(FormKind.ASSESSOR, group, group))
    for title, ref in wb.defined_names[layout.NAME_ASSESSOR].destinations:
        wb[title][ref.replace("$", "")] = assessor
    meta = {str(k): str(v or "") for k, v in wb[layout.META_SHEET].iter_rows(max_col=2, values_only=True)}
    sheet_of = {unit: title for title, unit in layout.decode_sheet_map(meta[layout.META_SHEETS])}
    for unit_id, values in scores.items():
        write_values(wb[sheet_of[unit_id]], layout.H_ASSESSOR_SCORE, values)
    if mutate is not None:
        mutate(wb)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def valid_scores(rubric: Rubric, fraction: float = 1.0) -> dict[str, Any]:
    """A valid score for every item: ``fraction`` of the points, rounded down to the step."""
    scores: dict[str, Any] = {}
    for item in rubric.items:
        if item.kind is ItemKind.VETO:
            scores[item.id] = "否"
            continue
        assert item.points is not None
        step = rubric.step_of(item)
        value = (item.points * Decimal(str(fraction)) // step) * step
        scores[item.id] = int(value) if value == value.to_integral_value() else float(value)
    return scores


def rewrite_part(path: Path, part_pattern: str, change: Callable[[bytes], bytes], out: Path | None = None) -> Path:
    """Rewrite the zip parts whose name matches ``part_pattern`` (a regex), keep the rest."""
    source = path.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as zin, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if re.fullmatch(part_pattern, info.filename):
                data = change(data)
            zout.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    target = out or path
    target.write_bytes(buffer.getvalue())
    return target


def sheet_part(path: Path, title: str) -> str:
    """The XML part name of the sheet titled ``title`` (via the workbook relationships)."""
    with zipfile.ZipFile(path) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(title)}"[^>]*r:id="(\w+)"', workbook)
    assert rid, title
    target = re.search(rf'<Relationship [^>]*Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid.group(1)}"', rels
    )
    assert target
    return "xl/" + target.group(1).lstrip("/").removeprefix("xl/")


def collect_one(campaign: Campaign, path: Path) -> FileResult:
    """Collect one file and return its result."""
    report = collect(campaign, [path])
    assert len(report.results) == 1, report.results
    return report.results[0]


def rows(campaign: Campaign, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Query the campaign store; rows as plain tuples."""
    with closing(sqlite3.connect(campaign.db_path)) as conn:
        return [tuple(r) for r in conn.execute(sql, params).fetchall()]


def counts(campaign: Campaign) -> dict[str, int]:
    """Row counts of the collect tables and the number of archived files."""
    result = {
        t: rows(campaign, f"SELECT COUNT(*) FROM {t}")[0][0] for t in ("files", "submissions", "scores", "issues")
    }
    result["archive"] = sum(1 for p in campaign.archive_dir.iterdir() if not p.name.startswith("."))
    return result


def issues(campaign: Campaign, sha256: str) -> list[tuple[str, str, str, str]]:
    """(code, sheet, cell, item) of the issues stored for a file, in order."""
    return rows(
        campaign,
        "SELECT code, i.sheet, i.cell, item FROM issues i JOIN files f ON f.id = i.file_id"
        " WHERE f.sha256 = ? ORDER BY i.id",
        sha256,
    )


def stored_values(campaign: Campaign, sha256: str) -> dict[tuple[str, str], tuple[Any, ...]]:
    """(unit, item) → (value, veto, raw, cell) stored for a file's submission."""
    found = rows(
        campaign,
        "SELECT c.unit_id, c.item_id, c.value, c.veto, c.raw, c.cell FROM scores c"
        " JOIN submissions s ON s.id = c.submission_id JOIN files f ON f.id = s.file_id WHERE f.sha256 = ?",
        sha256,
    )
    return {(r[0], r[1]): r[2:] for r in found}


# ---- a corpus of returns, each named after its quirk -------------------------------------
@dataclass(frozen=True)
class Case:
    """One file of the corpus and what collecting it must give."""

    path: Path
    status: str  # accepted | invalid | rejected | quarantined
    issues: tuple[tuple[str, str, str, str], ...] = ()  # (code, sheet, cell, item), in order
    subject: str = ""  # stored subject for accepted/invalid returns


def _cell(campaign: Campaign, unit_id: str, item: str, label: str = layout.H_SELF_SCORE) -> str:
    wb = openpyxl.load_workbook(campaign.form_path(FormKind.SELF, unit_id))
    return cell_of(wb[layout.SELF_SHEET], item, label)


def _edit_cell(item: str, label: str, value: Any) -> Mutate:
    def mutate(wb: Workbook) -> None:
        ws = wb[layout.SELF_SHEET]
        ws[cell_of(ws, item, label)] = value

    return mutate


def _delete_item(item: str) -> Mutate:
    def mutate(wb: Workbook) -> None:
        ws = wb[layout.SELF_SHEET]
        ws.delete_rows(id_rows(ws)[item])

    return mutate


def _insert_rows(wb: Workbook) -> None:
    ws = wb[layout.SELF_SHEET]
    ws.insert_rows(1, 2)  # two rows above the title
    ws.insert_rows(id_rows(ws)["4"], 3)  # three rows before item 4


def _rename(wb: Workbook) -> None:
    wb[layout.SELF_SHEET].title = "Sheet1"


def _forge_unit(wb: Workbook) -> None:
    for key, value in wb[layout.META_SHEET].iter_rows(max_col=2):
        if key.value == layout.META_SUBJECT:
            value.value = "02"


def _set_dimension(xml: bytes) -> bytes:
    # WPS writes <dimension ref="A1"/> on sheets it saved; readers must not trust it.
    return re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1"/>', xml, count=1)


def _add_junk_rows(xml: bytes) -> bytes:
    junk = b"".join(
        b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="C%d"><v>0</v></c></row>' % (r, r, r, r) for r in range(500, 100_500)
    )
    end = xml.index(b"</sheetData>")
    return xml[:end] + junk + xml[end:]


def _as_xlsm(data: bytes) -> bytes:
    # An .xlsm differs by the workbook part's content type (and usually a vbaProject.bin).
    return data.replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )


def docx_bytes() -> bytes:
    """A minimal Word document (what a unit sends when it attaches the wrong file)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "word/document.xml",
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>自评报告</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def encrypt(path: Path, out: Path, password: str = "123456") -> Path:
    """The workbook with an open password (Excel: 文件→信息→用密码进行加密)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    with path.open("rb") as source, out.open("wb") as target:
        OOXMLFile(source).encrypt(password, target)
    return out


def forms_campaign(base: Path, name: str) -> Campaign:
    """A campaign ``base/name`` over the small rubric and units, its forms generated."""
    base.mkdir(parents=True, exist_ok=True)
    campaign = Campaign.init(
        base / name, write_rubric_workbook(base / f"{name}_细则.xlsx"), write_units_workbook(base / f"{name}_单位.xlsx")
    )
    generate_forms(campaign)
    return campaign


def build_corpus(campaign: Campaign, other: Campaign, folder: Path) -> dict[str, Case]:
    """Write the corpus of returns for unit 01 of ``campaign`` into ``folder``.

    ``other`` is a second campaign (its forms are "of another campaign").
    """
    folder.mkdir(parents=True, exist_ok=True)
    sheet = layout.SELF_SHEET

    def self_form(name: str, scores: Mapping[str, Any] | None = None, mutate: Mutate | None = None) -> Path:
        return fill_self(campaign, "01", folder / name, scores, mutate=mutate)

    def bad(name: str, item: str, value: Any, code: str) -> Case:
        return Case(
            self_form(name, {**GOOD, item: value}), "invalid", ((code, sheet, _cell(campaign, "01", item), item),), "01"
        )

    cases: dict[str, Case] = {}

    def add(case: Case) -> None:
        cases[case.path.name] = case

    add(Case(self_form("ok.xlsx"), "accepted", subject="01"))
    add(Case(fill_self(other, "01", folder / "wrong_campaign.xlsx"), "rejected", (("wrong_campaign", "", "", ""),)))
    add(Case(self_form("forged_unit_id.xlsx", mutate=_forge_unit), "rejected", (("bad_signature", "", "", ""),)))
    for name, label, value in (
        ("edited_points.xlsx", layout.H_POINTS, 40),
        ("edited_content.xlsx", layout.H_CONTENT, "随便写写"),
    ):
        cell = _cell(campaign, "01", "1", label)
        add(
            Case(
                self_form(name, mutate=_edit_cell("1", label, value)),
                "invalid",
                (("locked_changed", sheet, cell, "1"),),
                "01",
            )
        )
    add(
        Case(
            self_form("deleted_row.xlsx", mutate=_delete_item("2")),
            "invalid",
            (("item_missing", sheet, "", "2"),),
            "01",
        )
    )
    add(Case(self_form("inserted_rows.xlsx", mutate=_insert_rows), "accepted", subject="01"))
    add(Case(self_form("renamed_sheet.xlsx", mutate=_rename), "invalid", (("sheet_missing", sheet, "", ""),), "01"))
    add(bad("over_max.xlsx", "1", 4.5, "over_max"))
    add(bad("negative_score.xlsx", "5", -2, "negative"))
    add(bad("wrong_step.xlsx", "3", 1.2, "bad_step"))
    add(bad("text_in_score_cell.xlsx", "2", "满分", "not_number"))
    add(bad("veto_typo.xlsx", "6", "不是", "bad_veto"))
    add(bad("formula_in_score_cell.xlsx", "1", "=2+2", "formula"))
    add(Case(self_form("fullwidth_digits.xlsx", {**GOOD, "1": "３", "3": "２．５分"}), "accepted", subject="01"))
    blanks = {**GOOD, "2": None, "6": None}
    add(
        Case(
            self_form("blank_required_cells.xlsx", blanks),
            "invalid",
            tuple(("blank", sheet, _cell(campaign, "01", i), i) for i in ("2", "6")),
            "01",
        )
    )
    wps = self_form("wps_wrong_dimension.xlsx", {**GOOD, "1": 4})
    rewrite_part(wps, sheet_part(wps, sheet), _set_dimension)
    add(Case(wps, "accepted", subject="01"))
    huge = self_form("huge_sheet.xlsx", {**GOOD, "1": 2})
    rewrite_part(huge, sheet_part(huge, sheet), _add_junk_rows)
    add(Case(huge, "accepted", subject="01"))
    xlsm = folder / "macro_enabled.xlsm"
    rewrite_part(self_form("tmp_xlsm.xlsx", {**GOOD, "1": 1}), r"\[Content_Types\]\.xml", _as_xlsm, out=xlsm)
    (folder / "tmp_xlsm.xlsx").unlink()
    add(Case(xlsm, "accepted", subject="01"))
    good = (folder / "ok.xlsx").read_bytes()
    (folder / "corrupt_zip.xlsx").write_bytes(good[: len(good) // 2])
    add(Case(folder / "corrupt_zip.xlsx", "quarantined", (("corrupt_file", "", "", ""),)))
    (folder / "zero_bytes.xlsx").write_bytes(b"")
    add(Case(folder / "zero_bytes.xlsx", "quarantined", (("empty_file", "", "", ""),)))
    (folder / "docx_renamed.xlsx").write_bytes(docx_bytes())
    add(Case(folder / "docx_renamed.xlsx", "quarantined", (("word_document", "", "", ""),)))
    protected = encrypt(self_form("tmp_plain.xlsx", {**GOOD, "1": 0}), folder / "password_protected.xlsx")
    (folder / "tmp_plain.xlsx").unlink()
    add(Case(protected, "quarantined", (("encrypted", "", "", ""),)))
    (folder / "not_excel.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    add(Case(folder / "not_excel.pdf", "quarantined", (("not_xlsx", "", "", ""),)))
    return cases


def main(target: Path) -> None:
    """Write a sample campaign and the corpus of returns to ``target`` (for a person to open)."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))  # tests/, for the helpers
    from conftest import write_rubric_workbook, write_units_workbook

    from kaohe_xl.xlsx.libreoffice import find_soffice, recalculate

    made = {}
    for name in ("campaign", "other_campaign"):
        (target / "src").mkdir(parents=True, exist_ok=True)
        rubric = write_rubric_workbook(target / "src" / f"{name}_细则.xlsx")
        units = write_units_workbook(target / "src" / f"{name}_单位.xlsx")
        made[name] = generated(Campaign.init(target / name, rubric, units))
    cases = build_corpus(made["campaign"], made["other_campaign"], target / "returns")
    if find_soffice() is not None:
        recalculate(cases["ok.xlsx"].path, target / "returns" / "libreoffice_saved.xlsx")
    for name, case in sorted(cases.items()):
        print(f"{name:32} {case.status:12} {' '.join(code for code, *_ in case.issues)}")


if __name__ == "__main__":
    import sys

    main(Path(sys.argv[1] if len(sys.argv) > 1 else "returns-corpus"))


def compound_file(*streams: str) -> bytes:
    """A real compound file (as an .xls, .doc, .msg or encrypted workbook is) holding the
    named streams, each with a little content."""
    from kaohe_xl.xlsx.cfb import NOSTREAM, ROOT, STREAM, CompoundFile, Entry, write_cfb

    def entry(name: str, kind: int, right: int = NOSTREAM, child: int = NOSTREAM) -> Entry:
        return Entry(name, kind, 1, NOSTREAM, right, child, b"\0" * 16, 0, b"\0" * 8, b"\0" * 8, 0, 0)

    # the root's child is the first stream; each stream links the next as its right sibling
    entries = [entry("Root Entry", ROOT, child=1 if streams else NOSTREAM)]
    entries += [
        entry(name, STREAM, right=n + 2 if n + 1 < len(streams) else NOSTREAM) for n, name in enumerate(streams)
    ]
    return write_cfb(CompoundFile(entries, {n + 1: b"x" * 100 for n in range(len(streams))}))
