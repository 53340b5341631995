"""The xlsx file format below the workbook libraries, and LibreOffice.

- :mod:`.ooxml`: the zip/XML package of a returned workbook (what the fast reader misses);
- :mod:`.stamp`: one openpyxl build per layout, then per-unit copies by text replacement;
- :mod:`.styled`: safe cell writing, print setup and atomic saving for output workbooks;
- :mod:`.cfb`: Compound File Binary (old .xls, encrypted workbooks, ``vbaProject.bin``);
- :mod:`.libreoffice`: headless recalculation and PDF export.
"""
