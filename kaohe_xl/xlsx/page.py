"""Print set-up shared by every printed sheet: A4, margins, footer, fit to width, titles.

Excel's rules this follows:

* fit-to-width needs ``sheetPr/pageSetUpPr/@fitToPage`` as well as ``fitToWidth``;
  ``fitToHeight = 0`` means "as many pages tall as needed";
* the footer is printed between ``footer`` (from the paper's edge) and the bottom
  margin; LibreOffice clips it to that band, so the band must hold a line of the
  footer's font (0.8" − 0.3" = 36 pt for a 9-pt line);
* print titles (rows to repeat at top, columns to repeat at left) are one contiguous
  range each.
"""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from kaohe_xl.xlsx import measure
from kaohe_xl.xlsx.ooxml import column_letter

FOOTER = "第 &P 页 共 &N 页"  # &P page number, &N page count (Excel header/footer codes)


def setup_page(
    ws: Worksheet,
    *,
    landscape: bool,
    title_rows: tuple[int, int] | None = None,
    title_columns: tuple[int, int] | None = None,
    pages_wide: int = 1,
    one_page: bool = False,
    area: tuple[int, int] | None = None,
    footer: bool = True,
) -> None:
    """A4, ``pages_wide`` pages wide (as many tall as needed, or ``one_page``), centred,
    the shared margins, page numbers in the footer, header rows/columns repeated.

    ``area``: (last row, last column) of the print area, from A1.
    """
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = pages_wide
    ws.page_setup.fitToHeight = 1 if one_page else 0
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = measure.MARGIN_SIDE
    ws.page_margins.top = measure.MARGIN_TOP
    ws.page_margins.bottom = measure.MARGIN_BOTTOM
    ws.page_margins.header = 0.3
    ws.page_margins.footer = measure.MARGIN_FOOTER
    if footer:
        ws.oddFooter.center.text = FOOTER
        ws.oddFooter.center.size = measure.FOOTER_SIZE
    if title_rows is not None:
        ws.print_title_rows = f"{title_rows[0]}:{title_rows[1]}"
    if title_columns is not None:
        ws.print_title_cols = f"{column_letter(title_columns[0])}:{column_letter(title_columns[1])}"
    if area is not None:
        ws.print_area = f"A1:{column_letter(area[1])}{area[0]}"
    ws.sheet_view.showGridLines = False
