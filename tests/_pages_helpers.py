"""Printed pages read back: what a clerk holds after printing a workbook.

A workbook is rendered to PDF by LibreOffice (:func:`kaohe_xl.xlsx.libreoffice.to_pdf`,
every visible sheet with its own print set-up) and read back with ``pdftotext
-bbox-layout``, which gives every word with its box on its page. The checks are the
same for every printed kind; each kind lists its sheets (:class:`SheetSpec`: how its
pages are recognised, the header labels each page must begin with), so a new sheet
(issue 13's 与上年对比, 失分分析) joins the tests by adding one entry.

Checks (see :func:`problems`):

* the page number in the footer lies inside the page and is drawn whole (LibreOffice
  clips a footer that does not fit its band: the glyphs' ink is then cut short of
  their box, which a raster of the box shows); so is the page's first line (a title in
  a row too short for its font is clipped the same way);
* each page of a sheet begins with its header labels, below nothing but its title
  lines, and no title line overlaps the header row;
* no line starts with closing punctuation (，。；：、）》…).
"""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kaohe_xl.xlsx.libreoffice import to_pdf

CLOSING = "，。、；：？！）》」』】〕〉’”"
_FOOTER = re.compile(r"^第\s*\d+\s*页\s*共\s*\d+\s*页$")
_NS = "{http://www.w3.org/1999/xhtml}"


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass
class Page:
    number: int  # 1-based, in the PDF
    width: float
    height: float
    lines: list[list[Word]] = field(default_factory=list)  # top to bottom

    @property
    def words(self) -> list[Word]:
        return [w for line in self.lines for w in line]

    def text(self, line: Sequence[Word]) -> str:
        return "".join(w.text for w in line)


@dataclass(frozen=True)
class SheetSpec:
    """How to recognise a sheet's pages and what each must begin with.

    ``title``: a regex matched against the first line of a page (its first print-title
    row); ``headers``: the header rows a page may begin with, each a tuple of labels (the
    first line of each label; several when a sheet holds several tables, none for a
    sheet without a table); ``above``: regexes of the lines that may stand above the
    header row (title lines); ``footer``: whether pages carry the page number.
    """

    name: str
    title: str
    headers: tuple[tuple[str, ...], ...] = ()
    above: tuple[str, ...] = ()
    footer: bool = True


def render(xlsx: Path, out: Path) -> Path:
    return to_pdf(xlsx, out / (xlsx.stem + ".pdf"))


def read_pages(pdf: Path) -> list[Page]:
    xml = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    root = ET.fromstring(xml)
    pages = []
    for n, page in enumerate(root.iter(f"{_NS}page"), start=1):
        found = Page(n, float(page.get("width", 0)), float(page.get("height", 0)))
        for line in page.iter(f"{_NS}line"):
            words = [
                Word(w.text or "", *(float(w.get(k, 0)) for k in ("xMin", "yMin", "xMax", "yMax")))
                for w in line.iter(f"{_NS}word")
            ]
            if words:
                found.lines.append(words)
        found.lines.sort(key=lambda ws: (min(w.y0 for w in ws), min(w.x0 for w in ws)))
        pages.append(found)
    return pages


def _visual_lines(page: Page) -> list[tuple[float, float, str, list[Word]]]:
    """Words grouped by baseline (pdftotext's lines may hold one cell each): (top, bottom, text, words)."""
    rows: list[tuple[float, float, list[Word]]] = []
    for word in sorted(page.words, key=lambda w: (w.y0, w.x0)):
        for n, (top, bottom, members) in enumerate(rows):
            if abs(word.y0 - top) < 2 and abs(word.y1 - bottom) < 2:
                members.append(word)
                rows[n] = (top, bottom, members)
                break
        else:
            rows.append((word.y0, word.y1, [word]))
    out = []
    for top, bottom, members in sorted(rows, key=lambda r: r[0]):
        members.sort(key=lambda w: w.x0)
        out.append((top, bottom, "".join(w.text for w in members), members))
    return out


def footer(page: Page) -> list[Word] | None:
    """The words of the page-number footer (第 N 页 共 M 页), the lowest such line."""
    for _top, _bottom, text, words in reversed(_visual_lines(page)):
        if _FOOTER.match(text):
            return words
    return None


def ink_extent(pdf: Path, page: Page, words: Sequence[Word], dpi: int = 200) -> float:
    """The share of the words' box height that their rendered ink covers (1.0: drawn whole)."""
    scale = dpi / 72
    x0, y0 = min(w.x0 for w in words), min(w.y0 for w in words)
    x1, y1 = max(w.x1 for w in words), max(w.y1 for w in words)
    crop = [str(int(v)) for v in (x0 * scale, y0 * scale, (x1 - x0) * scale + 1, (y1 - y0) * scale + 1)]
    pages = ["-f", str(page.number), "-l", str(page.number)]
    box = ["-x", crop[0], "-y", crop[1], "-W", crop[2], "-H", crop[3]]
    pgm = subprocess.run(
        ["pdftoppm", "-gray", "-r", str(dpi), *pages, *box, str(pdf)],
        capture_output=True,
        check=True,
    ).stdout
    width, height, pixels = _parse_pgm(pgm)
    inked = [r for r in range(height) if any(pixels[r * width + c] < 128 for c in range(width))]
    if not inked:
        return 0.0
    return (inked[-1] - inked[0] + 1) / height


def _parse_pgm(data: bytes) -> tuple[int, int, bytes]:
    # P5 <width> <height> <maxval> then one byte a pixel (pdftoppm -gray writes P5 with maxval 255)
    fields = data.split(maxsplit=4)
    width, height = int(fields[1]), int(fields[2])
    return width, height, fields[4][-width * height :]


def sheet_of(page: Page, specs: Sequence[SheetSpec]) -> SheetSpec | None:
    """The sheet a page belongs to: the spec whose title its first line matches, or
    (a page whose print titles are the header row only) whose header row it starts with."""
    lines = _visual_lines(page)
    if not lines:
        return None
    first = lines[0][2]
    found = next((s for s in specs if re.search(s.title, first)), None)
    if found is not None:
        return found
    top = " ".join(text for t, _b, text, _w in lines if t - lines[0][0] < 30).replace(" ", "")
    return next((s for s in specs if any(all(label in top for label in labels) for labels in s.headers)), None)


def header_problems(page: Page, spec: SheetSpec) -> list[str]:
    """The page begins with one of the sheet's header rows, below its title lines only,
    and no title line overlaps that row."""
    lines = _visual_lines(page)
    label_top: float | None = None
    labels: tuple[str, ...] = ()
    for top, _bottom, text, _words in lines:
        flat = text.replace(" ", "")
        labels = next((h for h in spec.headers if all(label in flat for label in h[:3])), ())
        if labels:
            label_top = top
            break
    if label_top is None:
        return [f"page {page.number} ({spec.name}): does not begin with a header row"]
    problems = []
    header_text = "".join(t for top, _b, t, _w in lines if abs(top - label_top) < 30).replace(" ", "")
    missing = [label for label in labels if label not in header_text]
    if missing:
        problems.append(f"page {page.number} ({spec.name}): header labels {missing} missing")
    allowed = [re.compile(p) for p in (spec.title, *spec.above)]
    titles: list[tuple[float, str]] = []
    header_top = label_top
    for top, bottom, text, _words in lines:
        if top >= label_top - 1:
            break
        if any(p.search(text) for p in allowed):
            titles.append((bottom, text))
        elif label_top - top <= 30:  # the upper line of a header label that wraps
            header_top = min(header_top, top)
        else:
            problems.append(f"page {page.number} ({spec.name}): {text!r} above the header row")
    for bottom, text in titles:
        if bottom > header_top + 0.5:
            problems.append(f"page {page.number} ({spec.name}): title {text!r} overlaps the header row")
    return problems


def punctuation_problems(page: Page) -> list[str]:
    """Words (a cell's line of CJK text) that start with closing punctuation."""
    return [
        f"page {page.number}: a line starts with {w.text[:6]!r}"
        for line in page.lines
        for w in line
        if w.text and w.text[0] in CLOSING
    ]


def problems(pdf: Path, specs: Sequence[SheetSpec], *, check_ink: bool = True) -> tuple[list[str], dict[str, int]]:
    """Every page's problems, and how many pages each sheet printed on."""
    found: list[str] = []
    counts: dict[str, int] = {}
    for page in read_pages(pdf):
        spec = sheet_of(page, specs)
        if spec is None:
            first = _visual_lines(page)[0][2] if page.words else ""
            found.append(f"page {page.number}: begins with neither a sheet's title nor its header row: {first[:40]!r}")
            found += punctuation_problems(page)
            continue
        counts[spec.name] = counts.get(spec.name, 0) + 1
        words = footer(page) if spec.footer else None
        if not spec.footer:
            pass
        elif words is None:
            found.append(f"page {page.number} ({spec.name}): no page number")
        else:
            if min(w.y0 for w in words) < 0 or max(w.y1 for w in words) > page.height:
                found.append(f"page {page.number} ({spec.name}): the page number lies outside the page")
            if check_ink and ink_extent(pdf, page, words) < 0.6:
                found.append(f"page {page.number} ({spec.name}): the page number is cut (clipped by the footer band)")
        first = _visual_lines(page)[0][3]
        if check_ink and ink_extent(pdf, page, first) < 0.6:  # a title in a row too short is clipped
            found.append(f"page {page.number} ({spec.name}): the first line {page.text(first)[:20]!r} is cut")
        if spec.headers:
            found += header_problems(page, spec)
        found += punctuation_problems(page)
    return found, counts
