"""SheetRows keeps what it measured (per sheet, shared by the books of a skeleton) and the
XML of its text cells: the kept heights are the heights measuring gives, row by row."""

from __future__ import annotations

import re
from decimal import Decimal

from openpyxl.styles import Alignment, Font

from kaohe_xl.xlsx import measure
from kaohe_xl.xlsx.sheetrows import Cell, SheetRows
from kaohe_xl.xlsx.sheetwriter import Style

LOOKS = {
    "text": Style(font=Font(size=10), alignment=Alignment(wrap_text=True)),
    "big": Style(font=Font(size=14), alignment=Alignment(wrap_text=True)),
    "flat": Style(font=Font(size=12)),  # does not wrap: one line whatever the text
    "number": Style(font=Font(size=10), number_format="0.00"),
}
STYLES = {name: n for n, name in enumerate(LOOKS)}
WIDTHS = {1: 6.0, 2: 14.0, 3: 36.0, 4: 9.0}
LONG = "会议记录不全，未按规定召开专题会议研究部署年度目标管理考核工作，台账资料缺失（扣1分）。"
TEXTS = ["东湖村", LONG, LONG[:20], "Annual target review: minutes missing", "", "＝SUM(A1)"]


def rows() -> list[tuple[list[Cell], list[tuple[int, int]]]]:
    """Rows whose texts repeat, in columns and merged spans of different widths."""
    out: list[tuple[list[Cell], list[tuple[int, int]]]] = []
    for n in range(60):
        a, b = TEXTS[n % len(TEXTS)], TEXTS[(n * 7 + 3) % len(TEXTS)]
        style = ("text", "big", "flat")[n % 3]
        out.append(([(a, "text"), (b, style), (a + b, "text"), (Decimal(n) / 4, "number")], []))
        out.append(([(b, style), None, (a, "text"), None], [(1, 2)] if n % 2 else [(1, 3)]))
        out.append(([(a, "big"), (None, "big"), (None, "big"), (b, "text")], [(1, 3)]))
        out.append(([(LONG, "text"), (None, "text"), (None, "text"), (None, "text")], [(1, 4)]))
    return out


def expected(cells: list[Cell], spans: list[tuple[int, int]], minimum: float) -> float:
    """The row height measured from scratch with :mod:`kaohe_xl.xlsx.measure`."""
    spanned = dict(spans)
    covered = {c for first, last in spans for c in range(first + 1, last + 1)}
    height = minimum
    for column, cell in enumerate(cells, start=1):
        if cell is None or column in covered or cell[0] is None or cell[0] == "":
            continue
        value, name = cell
        look = LOOKS[name]
        if isinstance(value, str) and look.wraps:
            width = sum(WIDTHS[c] for c in range(column, spanned.get(column, column) + 1))
            lines = len(measure.wrap(value, width, look.size))
        else:
            lines = 1
        height = max(height, measure.lines_height(lines, look.size))
    return min(height, measure.ROW_HEIGHT_MAX)


def sheet(heights: dict[object, float] | None = None) -> SheetRows:
    return SheetRows(STYLES, LOOKS, WIDTHS, heights=heights)


def written_heights(rows_xml: bytes) -> list[float]:
    return [float(h) if h else 0.0 for h in re.findall(rb'<row r="\d+"(?: ht="([^"]+)")?', rows_xml)]


def test_kept_heights_are_the_measured_heights_row_by_row() -> None:
    kept = sheet()
    for cells, spans in rows() * 2:  # the second round finds every height kept
        want = expected(cells, spans, 18)
        assert kept.measure(cells, spans=spans, minimum=18) == want
        assert sheet().measure(cells, spans=spans, minimum=18) == want  # nothing kept yet


def test_a_fitted_row_is_written_at_the_measured_height() -> None:
    shared: dict[object, float] = {}
    for _book in range(2):  # the books of one skeleton share the kept heights
        rows_of_book = sheet(shared)
        for cells, spans in rows():
            rows_of_book.row(cells, fit=True, minimum=18, spans=spans)
        written = written_heights(b"".join(rows_of_book.chunks()))
        assert written == [expected(cells, spans, 18) for cells, spans in rows()]


def test_a_text_merged_across_other_widths_is_measured_for_each() -> None:
    kept = sheet()
    alone = kept.measure([(LONG, "text")])
    two = kept.measure([(LONG, "text"), (None, "text")], spans=[(1, 2)])
    four = kept.measure([(LONG, "text"), None, None, None], spans=[(1, 4)])
    assert alone > two > four  # wider: fewer lines
    assert (alone, two, four) == (
        expected([(LONG, "text")], [], 0),
        expected([(LONG, "text"), None], [(1, 2)], 0),
        expected([(LONG, "text"), None, None, None], [(1, 4)], 0),
    )
    assert kept.measure([(LONG, "text")]) == alone  # the unmerged height was not overwritten


def test_a_kept_text_cell_is_written_as_the_first_time() -> None:
    kept = sheet()
    for n in range(3):
        kept.row([(LONG, "text"), ("=A1", "text"), (LONG, "big")], fit=n == 1)
    xml = b"".join(kept.chunks()).decode()
    cells = re.findall(r'<c r="([A-Z]+)(\d+)"([^>]*)><v>(\d+)</v></c>', xml)
    assert [(c, s, v) for c, _row, s, v in cells] == [
        ("A", ' s="0" t="s"', "0"),
        ("B", ' s="0" t="s"', "1"),
        ("C", ' s="1" t="s"', "0"),
    ] * 3
    assert [r for _c, r, _s, _v in cells] == ["1"] * 3 + ["2"] * 3 + ["3"] * 3
