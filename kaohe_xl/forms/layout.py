"""The form contract shared by the form writer (forms) and the return reader (returns).

Everything both sides must agree on lives here: sheet names, header labels, defined
names, the hidden metadata sheet and how it is signed. The reader never uses fixed
coordinates: it finds the header row by its labels, the columns by header label and
the item rows by the item id in the ``编号`` column, so inserted rows, moved columns
or hidden columns do not break reading.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from kaohe_xl.rubric.model import FormKind
from kaohe_xl.textnorm import safe_text
from kaohe_xl.xlsx.limits import SHEET_TITLE_MAX as SHEET_TITLE_LIMIT
from kaohe_xl.xlsx.limits import sheet_title

# 2: assessor workbooks carry each unit sheet's id in its KH_UNIT cell and the unit
# names in the signed metadata (META_UNITS).
TEMPLATE_VERSION = "2"

# ---- sheets ---------------------------------------------------------------------------
# Excel limit: a sheet title is at most 31 UTF-16 units and may not contain []:*?/\ .
SHEET_TITLE_MAX = SHEET_TITLE_LIMIT
INSTRUCTIONS_SHEET = "说明"
SELF_SHEET = "自评表"
RATER_SHEET = "评分表"
TALLY_SHEET = "民主测评表"  # the 民主测评 tally: a row of vote counts per unit of the group
BALLOT_SHEET = "民主测评票"  # the printed ballot (one page, never returned as a file)
# Assessor workbooks have one sheet per unit, titled by :func:`assessor_sheet_title`.
LISTS_SHEET = "_lists"  # hidden: option lists for data validation (是/否)
META_SHEET = "_kaohe"  # very hidden: key/value metadata, signed

# ---- header labels (the reader finds columns by these) --------------------------------
H_ID = "编号"
H_CATEGORY = "类别"
H_CONTENT = "考核内容"
H_POINTS = "分值"
H_KIND = "类型"
H_RULE = "评分标准"
H_METHOD = "考核办法"
H_HINTS = "评分要点"
H_SELF_SCORE = "自评得分"
H_SELF_NOTE = "自评说明（佐证材料）"
H_ASSESSOR_SCORE = "考核得分"
H_REASON = "扣分原因"
H_UNIT_NAME = "单位名称"
H_TOTAL = "合计"
H_UNIT = "单位"  # tally sheets: the unit's name (locked)
H_ATTENDED = "实到人数"  # tally sheets: optional; the votes may not exceed it
# Tally sheet: H_ID (unit id), H_UNIT, H_ATTENDED, one column per grade of
# kaohe_xl.rubric.model.BALLOT_GRADES (好 较好 一般 较差), then H_TOTAL.
# An item filled by 民主测评 (计入条目) shows this in its score cell on every item sheet.
COMPUTED_TEXT = "由民主测评计算"

SELF_COLUMNS = (H_ID, H_CATEGORY, H_CONTENT, H_POINTS, H_RULE, H_METHOD, H_SELF_SCORE, H_SELF_NOTE)
# The assessor sees what the unit sees (考核办法 included) and, read-only beside its
# self-score, the unit's 自评说明. A column of text no item has (考核办法, 评分要点) is
# left out of a form.
ASSESSOR_COLUMNS = (
    H_ID,
    H_CATEGORY,
    H_CONTENT,
    H_POINTS,
    H_RULE,
    H_METHOD,
    H_HINTS,
    H_SELF_SCORE,
    H_SELF_NOTE,
    H_ASSESSOR_SCORE,
    H_REASON,
)
OPTIONAL_TEXT = (H_METHOD, H_HINTS)
# Rater sheet: H_ID (unit id), H_UNIT_NAME, one column per category (header = category
# name), then H_TOTAL.

# Which column holds the input a form kind collects, and its free-text companion.
SCORE_HEADER = {FormKind.SELF: H_SELF_SCORE, FormKind.ASSESSOR: H_ASSESSOR_SCORE}
REMARK_HEADER = {FormKind.SELF: H_SELF_NOTE, FormKind.ASSESSOR: H_REASON}
# Columns whose text must equal the rubric in a return (tamper evidence).
LOCKED_HEADERS = (H_ID, H_CONTENT, H_POINTS)

VETO_YES = "是"
VETO_NO = "否"
VETO_OPTIONS = (VETO_NO, VETO_YES)


def veto_text(veto: bool | None) -> str:
    """A 否决 mark as written in the workbooks: 是 / 否, '' when not marked."""
    return "" if veto is None else (VETO_YES if veto else VETO_NO)


# ---- defined names ---------------------------------------------------------------------
# Workbook-scope name of the 评分人 (assessor's name) input cell in assessor workbooks.
NAME_ASSESSOR = "KH_ASSESSOR"
# Workbook-scope name of the range holding the 是/否 options on LISTS_SHEET.
NAME_VETO_LIST = "KH_VETO_OPTIONS"
# Sheet-local name, on each unit sheet of an assessor workbook, of the locked cell that
# holds the unit id: it belongs to the sheet by position, so renaming or swapping tab
# names does not move a unit's scores to another unit.
NAME_UNIT = "KH_UNIT"

# ---- metadata --------------------------------------------------------------------------
# META_SHEET holds one key per row in column A and its value in column B.
META_CAMPAIGN = "campaign_id"
META_KIND = "form_kind"
META_SUBJECT = "subject_id"  # unit id (self), group name (assessor), rater name (rater)
META_SUBJECT_NAME = "subject_name"
META_RUBRIC_HASH = "rubric_hash"
META_TEMPLATE = "template_version"
META_GENERATED = "generated_at"
# assessor workbooks: "sheet title\tunit id" pairs joined by "\n", in sheet order
META_SHEETS = "sheets"
# the rubric source the form feeds: 自评, the 考核组 round (专项督查 / 年终考核), 班子评分,
# 民主测评
META_SOURCE = "source"
# assessor workbooks of a group with a roster: the named assessor the copy is for
META_ASSESSOR = "assessor"
# assessor workbooks: "unit id\tunit name" per line, in sheet order: the identity of each
# unit the form was made for (a renumbered or renamed unit is told apart by it)
META_UNITS = "units"
META_SIGNATURE = "signature"
META_KEYS = (
    META_CAMPAIGN,
    META_KIND,
    META_SUBJECT,
    META_SUBJECT_NAME,
    META_RUBRIC_HASH,
    META_TEMPLATE,
    META_GENERATED,
    META_SHEETS,
    META_SOURCE,
    META_ASSESSOR,
    META_UNITS,
    META_SIGNATURE,
)
SIGNED_KEYS = tuple(key for key in META_KEYS if key != META_SIGNATURE)
# The keys signed since the first release take part in every signature; keys added since
# take part only when they hold a value, so forms already sent keep verifying, and
# adding, removing or changing a later key breaks a newer form's signature all the same.
_FIRST_SIGNED = (
    META_CAMPAIGN,
    META_KIND,
    META_SUBJECT,
    META_SUBJECT_NAME,
    META_RUBRIC_HASH,
    META_TEMPLATE,
    META_GENERATED,
    META_SHEETS,
    META_SOURCE,
)


def sign_metadata(secret: str, meta: Mapping[str, str]) -> str:
    """HMAC-SHA256 over the signed metadata fields, with the campaign secret.

    Every key of the first release takes part, missing ones as empty strings, in a fixed
    order, then every later key that holds a value (the units of a 考核组评分表, the named
    assessor of a copy), so changing any of them (e.g. the
    unit id or name) breaks the signature.
    """
    lines = [f"{key}={meta.get(key, '')}" for key in _FIRST_SIGNED]
    lines += [f"{key}={meta[key]}" for key in SIGNED_KEYS if key not in _FIRST_SIGNED and meta.get(key)]
    message = "\n".join(lines)
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def verify_metadata(secret: str, meta: Mapping[str, str]) -> bool:
    """True when the metadata's signature matches (constant-time comparison)."""
    expected = sign_metadata(secret, meta)
    return hmac.compare_digest(expected, str(meta.get(META_SIGNATURE, "")))


def encode_sheet_map(pairs: list[tuple[str, str]]) -> str:
    """``[(sheet title, unit id), ...]`` → the META_SHEETS value."""
    return "\n".join(f"{title}\t{unit}" for title, unit in pairs)


def encode_units(pairs: list[tuple[str, str]]) -> str:
    """``[(unit id, unit name), ...]`` → the META_UNITS value."""
    return "\n".join(f"{unit}\t{name}" for unit, name in pairs)


def decode_units(text: str) -> dict[str, str]:
    """The META_UNITS value → ``{unit id: unit name}`` ({} for forms made before it existed)."""
    units = {}
    for line in (text or "").splitlines():
        unit, _, name = line.partition("\t")
        if unit:
            units[unit] = name
    return units


def decode_sheet_map(text: str) -> list[tuple[str, str]]:
    """The META_SHEETS value → ``[(sheet title, unit id), ...]``."""
    pairs = []
    for line in (text or "").splitlines():
        title, _, unit = line.partition("\t")
        if title:
            pairs.append((title, unit))
    return pairs


def sanitize_sheet_title(text: str) -> str:
    """A valid Excel sheet title (:func:`kaohe_xl.xlsx.limits.sheet_title`): no
    ``[]:*?/\\``, at most 31 UTF-16 units, no apostrophe at either end, not blank."""
    return sheet_title(safe_text(text))


def assessor_sheet_title(unit_id: str, unit_name: str, taken: set[str]) -> str:
    """The sheet title for one unit in an assessor workbook, unique within ``taken``
    (ignoring case, as Excel does)."""
    return sheet_title(safe_text(f"{unit_id}_{unit_name}"), taken)
